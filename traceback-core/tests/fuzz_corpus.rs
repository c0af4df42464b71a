//! Replays every seed of every fuzz target (`fuzz/corpus/<target>/`) through
//! the same `traceback_core::fuzzing` functions the cargo-fuzz targets call,
//! so stable CI exercises them.
//!
//! The seeds are made from the real captures and alerts in `testdata/` by
//! the ignored test `regenerate_seed_corpus`
//! (`cargo test -p traceback-core --test fuzz_corpus -- --ignored`).

use std::fs;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use traceback_core::capture::CaptureReader;
use traceback_core::fuzzing;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn seeds(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = root().join("fuzz/corpus").join(target);
    let mut out: Vec<_> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let b = fs::read(&p).unwrap();
            (p, b)
        })
        .collect();
    out.sort();
    assert!(out.len() >= 5, "{target}: only {} seeds", out.len());
    out
}

#[test]
fn frame_to_digest_corpus() {
    let seeds = seeds("frame_to_digest");
    let digested = seeds
        .iter()
        .filter_map(|(_, b)| fuzzing::frame_to_digest(b))
        .filter(|fd| fd.digest.is_some())
        .count();
    // The seeds are mostly whole IP frames: most must digest.
    assert!(
        digested * 2 > seeds.len(),
        "{digested} of {} seeds digested",
        seeds.len()
    );
}

#[test]
fn capture_reader_corpus() {
    let seeds = seeds("capture_reader");
    let records: usize = seeds.iter().map(|(_, b)| fuzzing::capture_reader(b)).sum();
    assert!(records > 0);
}

#[test]
fn eve_line_corpus() {
    let seeds = seeds("eve_line");
    let alerts = seeds
        .iter()
        .filter(|(_, b)| fuzzing::eve_line(b).is_some())
        .count();
    assert!(alerts >= 4, "{alerts} alerts");
}

#[test]
fn frame_decoder_corpus() {
    let seeds = seeds("frame_decoder");
    assert!(!seeds.is_empty());
    let decoded = seeds.iter().filter(|(_, b)| fuzzing::frame_decoder(b)).count();
    assert!(decoded >= 3, "{decoded} of {} seeds decode", seeds.len());
}

#[test]
fn store_reader_corpus() {
    let seeds = seeds("store_reader");
    let loaded = seeds.iter().filter(|(_, b)| fuzzing::store_reader(b)).count();
    // The valid stores (current version empty, with and without a
    // fingerprint; format 2 and format 1) load; the cut and altered ones do
    // not.
    assert!(
        loaded >= 5 && loaded < seeds.len(),
        "{loaded} of {} seeds load",
        seeds.len()
    );
}

/// Small saved stores seeding `store_reader`: (name, bytes).
fn store_seeds() -> Vec<(&'static str, Vec<u8>)> {
    use traceback_core::digest::{Blake3Digester, FederationSecret};
    use traceback_core::store::{DigestStore, StoreConfig, WindowedBloomStore};
    use traceback_core::{Digest, DigestProfile, Timestamp};
    let config = StoreConfig::builder()
        .capacity(40)
        .target_fpp(0.01)
        .window_span(std::time::Duration::from_millis(100))
        .memory_budget_bytes(256)
        .seed(3)
        .build()
        .unwrap();
    let save = |s: &WindowedBloomStore| {
        let mut v = Vec::new();
        s.write_to(&mut v).unwrap();
        v
    };
    let empty = save(&WindowedBloomStore::new(config));
    let mut s = WindowedBloomStore::new(config);
    for i in 0..90u8 {
        s.insert(&Digest([i; 16]), Timestamp::from_millis(u64::from(i) * 3));
    }
    let plain = save(&s);
    let d = Blake3Digester::new(DigestProfile::V1, &FederationSecret::from_passphrase("fuzz")).unwrap();
    s.set_fingerprint(Some(d.fingerprint()));
    let tagged = save(&s);
    // A store written by format 2 (positions with replacement), and the same
    // as format 1 wrote it (no fingerprint field).
    let v2 = fs::read(root().join("testdata/stores/format2-replacement.store")).unwrap();
    let mut v1 = v2[..116].to_vec();
    v1[8..10].copy_from_slice(&1u16.to_le_bytes());
    let crc = crc32fast::hash(&v1);
    v1.extend_from_slice(&crc.to_le_bytes());
    v1.extend_from_slice(&v2[136..]);
    let mut flipped = tagged.clone();
    flipped[150] ^= 0x40;
    vec![
        ("empty.store", empty),
        ("windows.store", plain.clone()),
        ("fingerprint.store", tagged.clone()),
        ("format2.store", v2),
        ("version1.store", v1),
        ("cut-header.store", plain[..60].to_vec()),
        ("cut-bits.store", tagged[..tagged.len() - 9].to_vec()),
        ("flipped.store", flipped),
    ]
}

/// Files whose first records seed `frame_to_digest`.
const FRAME_SOURCES: &[&str] = &[
    "zeek_wikipedia.pcap",
    "chrissanders_ip_ttl_source.pcapng",
    "tcpdump_tcp_rst_data-trunc.pcap",
    "sv_ipv4frags.pcap",
    "sv_frag-ipv6-tcp.pcap",
    "zeek_http-qinq-0.pcap",
    "zeek_mixed-vlan-mpls.pcap",
    "sv_gre-sample.pcap",
    "tcpdump_vxlan.pcap",
    "tcpdump_geneve.pcap",
    "zeek_tunnels_4in6.pcap",
    "zeek_tunnels_6in4.pcap",
    "zeek_erspan.pcap",
    "tcpdump_ipv6-routing-header.pcap",
    "zeek_icmp_icmp6-toobig.pcap",
    "gopacket_pcap_test_loopback.pcap",
    "tcpdump_mpls-traceroute.pcap",
    "tcpdump_icmp-cksum-oobr-1.pcap",
    "tcpdump_LINKTYPE_RAW_ipv4.pcap",
    "tcpdump_ipv4_invalid_hdr_length.pcap",
    "zeek_trunc_ip4-trunc.pcap",
    "sv_too-many-layers.pcap",
];

/// Whole small files that seed `capture_reader`.
const CAPTURE_SOURCES: &[&str] = &[
    "tcpdump_empty.pcap",
    "tcpdump_empty.pcapng",
    "pcapparser_modified-format.pcap",
    "gopacket_pcapgo_tests_be_test001.pcapng",
    "chrissanders_ip_ttl_dest.pcapng",
    "tcpdump_udp-length-heapoverflow.pcap",
    "tcpdump_ipv6hdr-heapoverflow.pcap",
    "sv_frag-ipv6-tcp.pcap",
    "tcpdump_mpls-traceroute.pcap",
];

#[test]
#[ignore = "writes fuzz/corpus/: run by hand to regenerate the seeds"]
fn regenerate_seed_corpus() {
    let pcaps = root().join("testdata/pcaps");
    let corpus = root().join("fuzz/corpus");
    let dir = corpus.join("frame_to_digest");
    fs::create_dir_all(&dir).unwrap();
    for name in FRAME_SOURCES {
        let f = fs::File::open(pcaps.join(name)).unwrap();
        let mut r = CaptureReader::new(BufReader::new(f)).unwrap();
        let mut i = 0;
        while let Ok(Some(rec)) = r.next_record() {
            if i == 3 {
                break;
            }
            let Some(sel) = fuzzing::link_selector(rec.link) else {
                break;
            };
            let mut seed = vec![sel];
            seed.extend_from_slice(&rec.data[..rec.data.len().min(512)]);
            let stem = name.trim_end_matches(".pcapng").trim_end_matches(".pcap");
            fs::write(dir.join(format!("{stem}-{i}")), seed).unwrap();
            i += 1;
        }
    }
    let dir = corpus.join("capture_reader");
    fs::create_dir_all(&dir).unwrap();
    for name in CAPTURE_SOURCES {
        let b = fs::read(pcaps.join(name)).unwrap();
        fs::write(dir.join(name), &b).unwrap();
        // The same file cut in the middle of its last record.
        if b.len() > 60 {
            fs::write(dir.join(format!("cut-{name}")), &b[..b.len() - 7]).unwrap();
        }
    }
    let dir = corpus.join("store_reader");
    fs::create_dir_all(&dir).unwrap();
    for (name, bytes) in store_seeds() {
        fs::write(dir.join(name), bytes).unwrap();
    }
    let dir = corpus.join("eve_line");
    fs::create_dir_all(&dir).unwrap();
    let eve = fs::read_to_string(root().join("testdata/suricata/sample-eve-alerts.jsonl")).unwrap();
    for (i, line) in eve.lines().enumerate() {
        fs::write(dir.join(format!("alert-{i}.json")), line).unwrap();
    }
    fs::write(
        dir.join("flow.json"),
        r#"{"timestamp":"2021-04-28T10:30:21.099510+0000","event_type":"flow","src_ip":"10.0.0.1"}"#,
    )
    .unwrap();
    fs::write(
        dir.join("no-packet.json"),
        r#"{"event_type":"alert","timestamp":"2021-04-28T10:30:21Z","alert":{"signature_id":1}}"#,
    )
    .unwrap();
}
