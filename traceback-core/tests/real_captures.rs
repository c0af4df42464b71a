//! Every packet of every capture in `testdata/pcaps/` through the reader and
//! the digester: no panic, every record accounted for, counts and link types
//! as `testdata/SOURCES.md` (capinfos) says, cut files handled, and the
//! ground-truth pairs digest equal.

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufReader, Cursor, Read};
use std::path::{Path, PathBuf};
use traceback_core::capture::{CaptureError, CaptureFormat, CaptureReader};
use traceback_core::digest::{Blake3Digester, DigestProfile, Digester, FederationSecret};
use traceback_core::Digest;

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata")
}

fn digester() -> Blake3Digester {
    Blake3Digester::new(
        DigestProfile::V1,
        &FederationSecret::from_passphrase("real-captures test"),
    )
    .unwrap()
}

/// One row of the SOURCES.md table.
struct Expected {
    packets: u64,
    link: u32,
    /// File-header snaplen (classic pcap only).
    snaplen: Option<u32>,
}

fn expected() -> BTreeMap<String, Expected> {
    let md = fs::read_to_string(testdata().join("SOURCES.md")).unwrap();
    let mut out = BTreeMap::new();
    for line in md.lines().filter(|l| l.starts_with("| `")) {
        let cols: Vec<&str> = line.split('|').map(str::trim).collect();
        let name = cols[1].trim_matches('`').to_owned();
        let packets = cols[6].replace(',', "").parse().unwrap();
        let link = cols[7]
            .rsplit_once('(')
            .and_then(|(_, n)| n.trim_end_matches(')').parse().ok())
            .unwrap();
        let snaplen = cols[8]
            .strip_prefix("pcap")
            .filter(|_| !cols[8].starts_with("pcapng"))
            .and_then(|s| s.rsplit_once("/ "))
            .and_then(|(_, n)| n.parse().ok());
        out.insert(
            name,
            Expected {
                packets,
                link,
                snaplen,
            },
        );
    }
    out
}

/// Per-file result: verdict counts, digests in order, and how reading ended.
struct FileRun {
    records: u64,
    verdicts: BTreeMap<&'static str, u64>,
    digests: Vec<Option<Digest>>,
    end: Result<(), CaptureError>,
}

fn run<R: Read>(input: R, d: &Blake3Digester) -> Result<(CaptureReader<R>, FileRun), CaptureError> {
    let mut reader = CaptureReader::new(input)?;
    let mut run = FileRun {
        records: 0,
        verdicts: BTreeMap::new(),
        digests: Vec::new(),
        end: Ok(()),
    };
    loop {
        match reader.next_record() {
            Ok(Some(rec)) => {
                run.records += 1;
                let fd = d.digest_frame(rec.link, rec.data);
                assert_eq!(fd.digest.is_some(), fd.verdict.is_digested());
                *run.verdicts.entry(fd.verdict.as_str()).or_default() += 1;
                run.digests.push(fd.digest);
            }
            Ok(None) => break,
            Err(e) => {
                run.end = Err(e);
                break;
            }
        }
    }
    Ok((reader, run))
}

fn run_file(name: &str) -> FileRun {
    let f = fs::File::open(testdata().join("pcaps").join(name)).unwrap();
    run(BufReader::new(f), &digester()).unwrap().1
}

#[test]
fn every_packet_of_every_file_is_read_and_accounted_for() {
    let expected = expected();
    let d = digester();
    let mut names: Vec<String> = fs::read_dir(testdata().join("pcaps"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names.len(), expected.len(), "SOURCES.md lists every file");
    let (mut total, mut listed, mut digested) = (0u64, 0u64, 0u64);
    for name in &names {
        let exp = expected
            .get(name)
            .unwrap_or_else(|| panic!("{name} missing from SOURCES.md"));
        let f = fs::File::open(testdata().join("pcaps").join(name)).unwrap();
        let (reader, run) = run(BufReader::new(f), &d).unwrap_or_else(|e| panic!("{name}: {e}"));
        if let Err(e) = &run.end {
            panic!("{name}: {e} after {} records", run.records);
        }
        assert_eq!(run.records, exp.packets, "{name}: packet count vs capinfos");
        assert_eq!(run.verdicts.values().sum::<u64>(), run.records, "{name}");
        assert_eq!(reader.stats().records, run.records, "{name}");
        let links: Vec<u32> = reader.info().link_types().iter().map(|l| l.0).collect();
        assert_eq!(links, vec![exp.link], "{name}: link types");
        if reader.info().format != CaptureFormat::Pcapng {
            assert_eq!(reader.info().snaplen(), exp.snaplen, "{name}: snaplen");
        }
        total += run.records;
        listed += exp.packets;
        digested += run.digests.iter().filter(|d| d.is_some()).count() as u64;
    }
    assert_eq!(total, listed);
    assert!(total > 39_000, "{total} packets");
    // Almost all of these are IP packets; the synflood alone is 37,841 SYNs.
    assert!(digested * 10 > total * 9, "{digested} of {total} digested");
}

#[test]
fn cut_files_yield_complete_records_then_a_clear_error() {
    let d = digester();
    for name in [
        "zeek_wikipedia.pcap",
        "chrissanders_icmp_traceroute.pcapng",
        "gopacket_pcapgo_tests_be_test001.pcapng",
        "pcapparser_modified-format.pcap",
    ] {
        let bytes = fs::read(testdata().join("pcaps").join(name)).unwrap();
        let full = run(Cursor::new(&bytes[..]), &d).unwrap().1;
        full.end.unwrap();
        for k in 1..=7 {
            // Cut points spread over the file.
            let cut = bytes.len() * k / 8 + 3;
            let part = match run(Cursor::new(&bytes[..cut]), &d) {
                Ok((_, part)) => part,
                // Cut inside the file header: no record at all.
                Err(CaptureError::Truncated { .. }) => continue,
                Err(e) => panic!("{name} cut at {cut}: {e}"),
            };
            let n = part.digests.len();
            assert!(n < full.digests.len());
            assert_eq!(part.digests[..], full.digests[..n], "{name} cut at {cut}");
            match part.end {
                Err(CaptureError::Truncated { .. }) => {}
                Ok(()) => {
                    // Only a cut exactly on a record boundary ends cleanly:
                    // one byte more must then be a truncated record.
                    let more = run(Cursor::new(&bytes[..cut + 1]), &d).unwrap().1;
                    assert_eq!(more.digests.len(), n, "{name} cut at {cut}");
                    assert!(matches!(more.end, Err(CaptureError::Truncated { .. })));
                }
                Err(e) => panic!("{name} cut at {cut}: {e}"),
            }
        }
    }
}

#[test]
fn ttl_pair_digests_are_equal() {
    let src = run_file("chrissanders_ip_ttl_source.pcapng");
    let dst = run_file("chrissanders_ip_ttl_dest.pcapng");
    assert_eq!(src.digests.len(), 2);
    assert_eq!(dst.digests.len(), 2);
    for (a, b) in src.digests.iter().zip(&dst.digests) {
        assert!(a.is_some(), "{:?}", src.verdicts);
        assert_eq!(a, b);
    }
    assert_ne!(src.digests[0], src.digests[1]);
}

#[test]
fn truncated_rst_digests_like_the_full_one() {
    let full = run_file("tcpdump_tcp_rst_data.pcap");
    let trunc = run_file("tcpdump_tcp_rst_data-trunc.pcap");
    assert!(full.digests[0].is_some(), "{:?}", full.verdicts);
    assert_eq!(full.digests, trunc.digests);
}

/// The batch path (frames canonicalized straight into SIMD lane blocks)
/// gives exactly `digest_frame` on every real frame, on every lane backend
/// this CPU has, under the default profile, with inner tunnel digests, with
/// the flow label masked, and with prefixes long enough that IPv6 inputs
/// exceed one 64-byte block.
#[test]
fn batch_digests_equal_frame_digests_on_every_backend_and_profile() {
    use traceback_core::digest::lanes::LaneBackend;
    use traceback_core::digest::{FlowLabelPolicy, TunnelPolicy};
    let mut frames: Vec<(traceback_core::packet::LinkType, Vec<u8>)> = Vec::new();
    let mut names: Vec<_> = fs::read_dir(testdata().join("pcaps"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    for path in &names {
        let mut reader = CaptureReader::new(BufReader::new(fs::File::open(path).unwrap())).unwrap();
        while let Ok(Some(rec)) = reader.next_record() {
            frames.push((rec.link, rec.data.to_vec()));
        }
    }
    assert!(frames.len() > 39_000, "{} frames", frames.len());
    let profiles = [
        DigestProfile::V1,
        DigestProfile {
            tunnel: TunnelPolicy::OuterAndInner,
            ..DigestProfile::V1
        },
        DigestProfile {
            flow_label: FlowLabelPolicy::Mask,
            ipv4_payload_prefix: 44,
            ipv6_payload_prefix: 64,
            tunnel: TunnelPolicy::OuterAndInner,
            ..DigestProfile::V1
        },
    ];
    let secret = FederationSecret::from_passphrase("batch test");
    let mut checked = 0usize;
    let mut inner = 0usize;
    for profile in profiles {
        for backend in LaneBackend::available() {
            let d = Blake3Digester::new(profile, &secret)
                .unwrap()
                .with_hasher_backend(backend)
                .unwrap();
            let mut out = Vec::new();
            // Bursts of every link type in file order, cut at odd sizes so
            // groups end part-filled.
            let mut at = 0;
            for size in [1usize, 7, 16, 33, 1024].into_iter().cycle() {
                if at >= frames.len() {
                    break;
                }
                let end = (at + size).min(frames.len());
                let link = frames[at].0;
                let end = at + frames[at..end].iter().take_while(|(l, _)| *l == link).count();
                let burst: Vec<&[u8]> = frames[at..end].iter().map(|(_, f)| f.as_slice()).collect();
                d.digest_batch(link, &burst, &mut out);
                assert_eq!(out.len(), burst.len());
                for (f, got) in burst.iter().zip(&out) {
                    assert_eq!(*got, d.digest_frame(link, f), "{backend} {profile:?}");
                    inner += usize::from(got.inner.is_some());
                }
                checked += burst.len();
                at = end;
            }
        }
    }
    assert!(checked > 3 * 39_000, "{checked}");
    assert!(inner > 0, "some real frames are tunnelled");
}
