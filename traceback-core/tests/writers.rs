//! Writers against the core readers: pcap/pcapng files written by
//! `PcapWriter`/`PcapngWriter` read back by `CaptureReader`, EVE lines written
//! by `write_alert` read back by `parse_eve_line`, and the Suricata samples
//! re-written from their own packets.

use etherparse::PacketBuilder;
use proptest::prelude::*;
use std::fs;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use traceback_core::capture::{
    CaptureError, CaptureFormat, CaptureReader, CaptureWriteError, PcapWriter, PcapngWriter, MAX_RECORD_LEN,
};
use traceback_core::eve::{
    alert_line, format_timestamp, parse_eve_line, write_alert, AlertSpec, EveEvent, EveRule, EveWriteError,
};
use traceback_core::packet::LinkType;
use traceback_core::Timestamp;

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata")
}

/// (timestamp, data, orig_len) of every record, and the reader's end result.
type Recs = Vec<(Timestamp, LinkType, Vec<u8>, u32)>;

fn read_back(bytes: &[u8]) -> (CaptureReader<&[u8]>, Recs) {
    let mut r = CaptureReader::new(bytes).expect("header");
    let mut out = Vec::new();
    while let Some(rec) = r.next_record().expect("record") {
        out.push((rec.ts, rec.link, rec.data.to_vec(), rec.orig_len));
    }
    (r, out)
}

#[derive(Clone, Copy, Debug)]
enum Fmt {
    Pcap,
    Pcapng,
}

/// Write `recs` in `fmt` and return the file bytes.
fn write(fmt: Fmt, link: LinkType, snaplen: u32, recs: &[(Timestamp, Vec<u8>, u32)]) -> Vec<u8> {
    match fmt {
        Fmt::Pcap => {
            let mut w = PcapWriter::new(Vec::new(), link, snaplen).unwrap();
            for (ts, d, o) in recs {
                w.write_packet(*ts, d, *o).unwrap();
            }
            assert_eq!(w.packets_written(), recs.len() as u64);
            w.into_inner()
        }
        Fmt::Pcapng => {
            let mut w = PcapngWriter::new(Vec::new(), link, snaplen).unwrap();
            for (ts, d, o) in recs {
                w.write_packet(*ts, d, *o).unwrap();
            }
            assert_eq!(w.packets_written(), recs.len() as u64);
            w.into_inner()
        }
    }
}

fn sample_records() -> Vec<(Timestamp, Vec<u8>, u32)> {
    vec![
        (
            Timestamp::from_nanos(1_619_605_821_099_510_123),
            vec![0x45; 60],
            60,
        ),
        (Timestamp::from_nanos(1_619_605_821_099_510_124), vec![], 0),
        (
            Timestamp::from_secs_nanos(u32::MAX as u64, 999_999_999),
            vec![1, 2, 3],
            1500,
        ),
        (Timestamp::EPOCH, (0..=255).collect(), 256),
        (Timestamp::from_nanos(7), vec![9; 5], 5), // not 4-aligned: pcapng padding
    ]
}

#[test]
fn pcap_round_trip_keeps_nanoseconds_data_and_link() {
    for (fmt, format) in [
        (Fmt::Pcap, CaptureFormat::PcapNanos),
        (Fmt::Pcapng, CaptureFormat::Pcapng),
    ] {
        let recs = sample_records();
        let bytes = write(fmt, LinkType::LINUX_SLL2, 65535, &recs);
        let (r, got) = read_back(&bytes);
        assert_eq!(r.info().format, format, "{fmt:?}");
        assert!(!r.info().big_endian);
        assert_eq!(r.info().link_types(), vec![LinkType::LINUX_SLL2]);
        assert_eq!(r.info().snaplen(), Some(65535));
        assert_eq!(r.info().interfaces[0].ts_resolution, (10, 9));
        let want: Recs = recs
            .into_iter()
            .map(|(t, d, o)| (t, LinkType::LINUX_SLL2, d, o))
            .collect();
        assert_eq!(got, want, "{fmt:?}");
        assert_eq!(r.stats().caplen_over_snaplen, 0);
        assert_eq!(r.stats().orig_len_below_caplen, 0);
    }
}

#[test]
fn pcap_header_bytes_are_nanosecond_little_endian() {
    let bytes = PcapWriter::new(Vec::new(), LinkType::ETHERNET, 262_144)
        .unwrap()
        .into_inner();
    assert_eq!(bytes.len(), 24);
    assert_eq!(&bytes[0..4], &[0x4d, 0x3c, 0xb2, 0xa1]);
    assert_eq!(&bytes[4..8], &[2, 0, 4, 0]);
    assert_eq!(&bytes[16..20], &262_144u32.to_le_bytes());
    assert_eq!(&bytes[20..24], &[1, 0, 0, 0]);
}

#[test]
fn empty_files_are_valid() {
    for fmt in [Fmt::Pcap, Fmt::Pcapng] {
        let bytes = write(fmt, LinkType::RAW, 1500, &[]);
        let (r, got) = read_back(&bytes);
        assert!(got.is_empty(), "{fmt:?}");
        assert_eq!(r.info().link_types(), vec![LinkType::RAW], "{fmt:?}");
        assert_eq!(r.info().snaplen(), Some(1500), "{fmt:?}");
    }
}

#[test]
fn over_snaplen_is_cut_and_orig_len_kept_or_raised() {
    for fmt in [Fmt::Pcap, Fmt::Pcapng] {
        let recs = vec![
            (Timestamp::from_secs(1), vec![7u8; 100], 100), // cut to 64, orig 100
            (Timestamp::from_secs(2), vec![8u8; 100], 9000), // cut to 64, orig 9000
            (Timestamp::from_secs(3), vec![9u8; 30], 10),   // orig below caplen: raised to 30
        ];
        let bytes = write(fmt, LinkType::ETHERNET, 64, &recs);
        let (r, got) = read_back(&bytes);
        assert_eq!(got[0].2, vec![7u8; 64]);
        assert_eq!(got[0].3, 100);
        assert_eq!(got[1].2, vec![8u8; 64]);
        assert_eq!(got[1].3, 9000);
        assert_eq!(got[2].2, vec![9u8; 30]);
        assert_eq!(got[2].3, 30);
        assert_eq!(r.stats().caplen_over_snaplen, 0, "{fmt:?}");
        assert_eq!(r.stats().orig_len_below_caplen, 0, "{fmt:?}");
    }
}

#[test]
fn bad_parameters_are_typed_errors() {
    let e = PcapWriter::new(Vec::new(), LinkType::ETHERNET, 0).unwrap_err();
    assert!(matches!(e, CaptureWriteError::BadSnaplen(0)));
    let big = MAX_RECORD_LEN as u32 + 1;
    let e = PcapngWriter::new(Vec::new(), LinkType::ETHERNET, big).unwrap_err();
    assert!(matches!(e, CaptureWriteError::BadSnaplen(n) if n == big));
    let e = PcapWriter::new(Vec::new(), LinkType(0x1_0000), 100).unwrap_err();
    assert!(matches!(e, CaptureWriteError::LinkTypeOutOfRange(0x1_0000)));
    let e = PcapngWriter::new(Vec::new(), LinkType(u32::MAX), 100).unwrap_err();
    assert!(matches!(e, CaptureWriteError::LinkTypeOutOfRange(_)));

    // pcap seconds end in 2106; pcapng's 64-bit units reach Timestamp::MAX.
    let late = Timestamp::from_secs(u64::from(u32::MAX) + 1);
    let mut w = PcapWriter::new(Vec::new(), LinkType::RAW, 100).unwrap();
    let e = w.write_packet(late, &[0x45], 1).unwrap_err();
    assert!(matches!(e, CaptureWriteError::TimestampOutOfRange(t) if t == late));
    assert_eq!(w.packets_written(), 0);
    assert_eq!(w.into_inner().len(), 24, "nothing written for a refused packet");
    let bytes = write(
        Fmt::Pcapng,
        LinkType::RAW,
        100,
        &[(Timestamp::MAX, vec![0x60], 1)],
    );
    assert_eq!(read_back(&bytes).1[0].0, Timestamp::MAX);
}

#[test]
fn io_errors_are_reported() {
    struct Full;
    impl std::io::Write for Full {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk full"))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    assert!(matches!(
        PcapWriter::new(Full, LinkType::RAW, 10),
        Err(CaptureWriteError::Io(_))
    ));
    assert!(matches!(
        PcapngWriter::new(Full, LinkType::RAW, 10),
        Err(CaptureWriteError::Io(_))
    ));
}

/// Every real capture, re-written in both formats, reads back record for
/// record (multi-link pcapng files are skipped: the writers hold one link).
#[test]
fn real_captures_rewrite_identically() {
    let mut files = 0;
    let mut records = 0;
    let mut dir: Vec<_> = fs::read_dir(testdata().join("pcaps"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dir.sort();
    for path in dir {
        let Ok(mut r) = CaptureReader::new(BufReader::new(fs::File::open(&path).unwrap())) else {
            continue;
        };
        let mut recs = Vec::new();
        let mut links = Vec::new();
        loop {
            match r.next_record() {
                Ok(Some(rec)) => {
                    if !links.contains(&rec.link) {
                        links.push(rec.link);
                    }
                    recs.push((rec.ts, rec.data.to_vec(), rec.orig_len));
                }
                Ok(None) | Err(CaptureError::Truncated { .. }) => break,
                Err(e) => panic!("{}: {e}", path.display()),
            }
        }
        let link = match links.as_slice() {
            [one] => *one,
            [] => r
                .info()
                .link_types()
                .first()
                .copied()
                .unwrap_or(LinkType::ETHERNET),
            _ => continue,
        };
        if link.0 > 0xffff {
            continue;
        }
        let snaplen = recs
            .iter()
            .map(|x| x.1.len() as u32)
            .chain(r.info().snaplen())
            .max()
            .unwrap_or(1)
            .clamp(1, MAX_RECORD_LEN as u32);
        for fmt in [Fmt::Pcap, Fmt::Pcapng] {
            let (_, got) = read_back(&write(fmt, link, snaplen, &recs));
            let want: Recs = recs.iter().map(|(t, d, o)| (*t, link, d.clone(), *o)).collect();
            assert_eq!(got, want, "{} as {fmt:?}", path.display());
        }
        files += 1;
        records += recs.len();
    }
    eprintln!("re-wrote {files} captures, {records} records");
    assert!(files >= 60, "only {files} captures re-written");
    assert!(records >= 1000, "only {records} records re-written");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn random_packets_round_trip(
        link in 0u32..=0xffff,
        snaplen in 1u32..=2048,
        pcapng in any::<bool>(),
        recs in proptest::collection::vec(
            (0u64..=(u64::from(u32::MAX) * 1_000_000_000 + 999_999_999),
             proptest::collection::vec(any::<u8>(), 0..300),
             any::<u32>()),
            0..20),
    ) {
        let link = LinkType(link);
        let recs: Vec<_> = recs.into_iter().map(|(t, d, o)| (Timestamp::from_nanos(t), d, o)).collect();
        let fmt = if pcapng { Fmt::Pcapng } else { Fmt::Pcap };
        let bytes = write(fmt, link, snaplen, &recs);
        let (r, got) = read_back(&bytes);
        prop_assert_eq!(r.info().link_types(), vec![link]);
        prop_assert_eq!(got.len(), recs.len());
        for ((t, l, d, o), (wt, wd, wo)) in got.iter().zip(&recs) {
            let cut = wd.len().min(snaplen as usize);
            prop_assert_eq!(t, wt);
            prop_assert_eq!(*l, link);
            prop_assert_eq!(d.as_slice(), &wd[..cut]);
            prop_assert_eq!(*o, (*wo).max(cut as u32));
        }
    }
}

// ---------------------------------------------------------------- EVE

fn eth_tcp() -> Vec<u8> {
    let b = PacketBuilder::ethernet2([1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12])
        .ipv4([198, 51, 100, 7], [10, 10, 10, 10], 64)
        .tcp(41885, 80, 1234, 65535);
    let mut v = Vec::new();
    b.write(&mut v, b"GET / HTTP/1.1\r\n").unwrap();
    v
}

fn alert_of(line: &str) -> traceback_core::eve::EveAlert {
    match parse_eve_line(line.as_bytes()).unwrap() {
        EveEvent::Alert(a) => a,
        other => panic!("not an alert: {other:?}"),
    }
}

#[test]
fn eve_round_trip_through_the_reader() {
    let frame = eth_tcp();
    let rule = EveRule::new(9_000_002, "TRACEBACK test");
    let ts = Timestamp::from_nanos(1_619_605_821_099_510_999);
    let mut out = Vec::new();
    write_alert(&mut out, &AlertSpec::new(ts, LinkType::ETHERNET, &frame, &rule)).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.ends_with('\n') && text.matches('\n').count() == 1);
    let a = alert_of(&text);
    assert_eq!(a.packet, frame);
    assert_eq!(a.link, LinkType::ETHERNET);
    assert!(!a.link_assumed);
    assert_eq!(a.timestamp, Timestamp::from_nanos(1_619_605_821_099_510_000));
    assert_eq!(a.signature_id, 9_000_002);
    assert_eq!(a.signature, "TRACEBACK test");
    assert_eq!((a.gid, a.rev), (Some(1), Some(1)));
    assert_eq!(a.src_ip, Some("198.51.100.7".parse().unwrap()));
    assert_eq!(a.dest_ip, Some("10.10.10.10".parse().unwrap()));
    assert_eq!((a.src_port, a.dest_port), (Some(41885), Some(80)));
    assert_eq!(a.proto.as_deref(), Some("TCP"));
    assert!(!a.stream);

    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["timestamp"], "2021-04-28T10:30:21.099510+0000");
    assert_eq!(v["payload_printable"], "GET / HTTP/1.1\r\n");
    assert_eq!(v["flow"]["bytes_toserver"], frame.len());
    assert_eq!(v["packet_info"]["linktype_name"], "EN10MB");
    assert!(v["flow_id"].as_u64().unwrap() < 1 << 51);
    // Same 5-tuple, same derived flow id; an explicit one wins.
    let again = alert_of(
        &alert_line(&AlertSpec::new(
            Timestamp::EPOCH,
            LinkType::ETHERNET,
            &frame,
            &rule,
        ))
        .unwrap(),
    );
    assert_eq!(again.flow_id, a.flow_id);
    let given = AlertSpec::new(ts, LinkType::ETHERNET, &frame, &rule)
        .with_flow_id(42)
        .with_pcap_cnt(3);
    let v: serde_json::Value = serde_json::from_str(&alert_line(&given).unwrap()).unwrap();
    assert_eq!(
        (v["flow_id"].as_u64(), v["pcap_cnt"].as_u64()),
        (Some(42), Some(3))
    );
}

#[test]
fn eve_other_link_types_ipv6_and_icmp() {
    let rule = EveRule::new(1, "x");
    // Raw IPv6 UDP: expanded addresses, link type 101 kept.
    let mut v6 = Vec::new();
    PacketBuilder::ipv6(
        [0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
        [0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0c],
        5,
    )
    .udp(5353, 1900)
    .write(&mut v6, b"M-SEARCH")
    .unwrap();
    let line = alert_line(&AlertSpec::new(
        Timestamp::from_secs(1),
        LinkType::RAW,
        &v6,
        &rule,
    ))
    .unwrap();
    let j: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(j["src_ip"], "2001:0db8:0000:0000:0000:0000:0000:0001");
    assert_eq!(j["dest_ip"], "ff02:0000:0000:0000:0000:0000:0000:000c");
    assert_eq!((j["proto"].as_str(), j["ip_v"].as_u64()), (Some("UDP"), Some(6)));
    assert_eq!(
        (
            j["packet_info"]["linktype"].as_u64(),
            j["packet_info"]["linktype_name"].as_str()
        ),
        (Some(101), Some("RAW"))
    );
    let a = alert_of(&line);
    assert_eq!((a.link, a.packet.as_slice()), (LinkType::RAW, v6.as_slice()));

    // Linux SLL, IPv4 ICMP echo: type/code, no ports; SYN-like empty payload omitted.
    let mut ip = Vec::new();
    PacketBuilder::ipv4([192, 0, 2, 1], [10, 0, 0, 1], 9)
        .icmpv4_echo_request(7, 1)
        .write(&mut ip, &[])
        .unwrap();
    let mut sll = vec![0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x08, 0x00];
    sll.extend_from_slice(&ip);
    let line = alert_line(&AlertSpec::new(
        Timestamp::from_secs(1),
        LinkType::LINUX_SLL,
        &sll,
        &rule,
    ))
    .unwrap();
    let j: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(
        (
            j["proto"].as_str(),
            j["icmp_type"].as_u64(),
            j["icmp_code"].as_u64()
        ),
        (Some("ICMP"), Some(8), Some(0))
    );
    assert!(j.get("src_port").is_none() && j.get("payload").is_none() && j["flow"].get("src_port").is_none());
    assert_eq!(alert_of(&line).packet, sll);

    // BSD loopback (NULL) in front of the same IPv4 packet.
    let mut null = 2u32.to_le_bytes().to_vec();
    null.extend_from_slice(&ip);
    assert_eq!(
        alert_of(&alert_line(&AlertSpec::new(Timestamp::EPOCH, LinkType::NULL, &null, &rule)).unwrap()).link,
        LinkType::NULL
    );
}

#[test]
fn eve_refuses_what_it_cannot_decode() {
    let rule = EveRule::new(1, "x");
    let arp = [0xffu8; 12]
        .iter()
        .copied()
        .chain([0x08, 0x06])
        .chain([0; 28])
        .collect::<Vec<_>>();
    let spec = |link, f| alert_line(&AlertSpec::new(Timestamp::EPOCH, link, f, &rule));
    assert!(matches!(
        spec(LinkType::ETHERNET, &arp),
        Err(EveWriteError::NotIp)
    ));
    assert!(matches!(spec(LinkType::ETHERNET, &[]), Err(EveWriteError::NotIp)));
    assert!(matches!(
        spec(LinkType::RAW, &[0x45, 0]),
        Err(EveWriteError::NotIp)
    ));
    assert!(matches!(
        spec(LinkType::LINUX_SLL2, &[0x08, 0x00]),
        Err(EveWriteError::NotIp)
    ));
    assert!(matches!(
        spec(LinkType(147), &eth_tcp()),
        Err(EveWriteError::UnsupportedLinkType(LinkType(147)))
    ));
}

/// Every Suricata sample alert, re-written from its own packet, link type,
/// timestamp, rule and flow id, is the original line field for field (except
/// `app_proto`, which needs Suricata's protocol detection).
#[test]
fn suricata_samples_rewrite_to_the_same_line() {
    let text = fs::read_to_string(testdata().join("suricata/sample-eve-alerts.jsonl")).unwrap();
    let mut n = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let mut orig: serde_json::Value = serde_json::from_str(line).unwrap();
        let a = alert_of(line);
        let al = &orig["alert"];
        let rule = EveRule {
            action: al["action"].as_str().unwrap().into(),
            gid: al["gid"].as_u64().unwrap(),
            signature_id: a.signature_id,
            rev: al["rev"].as_u64().unwrap(),
            signature: a.signature.clone(),
            category: al["category"].as_str().unwrap().into(),
            severity: al["severity"].as_u64().unwrap() as u8,
        };
        let mut spec = AlertSpec::new(a.timestamp, a.link, &a.packet, &rule).with_flow_id(a.flow_id.unwrap());
        if let Some(c) = orig["pcap_cnt"].as_u64() {
            spec = spec.with_pcap_cnt(c);
        }
        let ours: serde_json::Value = serde_json::from_str(&alert_line(&spec).unwrap()).unwrap();
        orig.as_object_mut().unwrap().remove("app_proto");
        for k in [
            "src_ip",
            "dest_ip",
            "src_port",
            "dest_port",
            "proto",
            "packet",
            "payload",
            "timestamp",
        ] {
            assert_eq!(ours.get(k), orig.get(k), "{k} in {line}");
        }
        assert_eq!(ours, orig, "whole line {line}");
        // Same key order as Suricata (checked on the text: `Value` sorts keys).
        let pos = |s: &str, k: &str| s.find(&format!("\"{k}\":")).unwrap();
        let ours_text = alert_line(&spec).unwrap();
        for w in [
            "timestamp",
            "flow_id",
            "event_type",
            "src_ip",
            "dest_ip",
            "proto",
            "pkt_src",
            "alert",
            "direction",
            "flow",
            "stream",
            "packet",
            "packet_info",
        ]
        .windows(2)
        {
            assert!(
                pos(&ours_text, w[0]) < pos(&ours_text, w[1]),
                "{} before {}",
                w[0],
                w[1]
            );
        }
        n += 1;
    }
    assert_eq!(n, 4);
}

#[test]
fn timestamp_text_round_trips_at_microseconds() {
    for ns in [
        0u64,
        1_619_605_821_099_510_999,
        951_868_799_999_999_999,
        4_102_444_800_000_001_000,
        u64::MAX,
    ] {
        let ts = Timestamp::from_nanos(ns);
        let back = traceback_core::eve::parse_timestamp(&format_timestamp(ts)).unwrap();
        assert_eq!(back.as_nanos(), ns / 1000 * 1000);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any bytes on any known link type: a typed error or a line the reader
    /// decodes to the same packet, link type and timestamp; never a panic.
    #[test]
    fn eve_any_frame_no_panic_and_round_trip(
        link in prop::sample::select(vec![0u32, 1, 9, 101, 108, 113, 228, 229, 276, 147]),
        frame in proptest::collection::vec(any::<u8>(), 0..200),
        ns in any::<u64>(),
    ) {
        let rule = EveRule::new(5, "p");
        let ts = Timestamp::from_nanos(ns);
        if let Ok(line) = alert_line(&AlertSpec::new(ts, LinkType(link), &frame, &rule)) {
            let a = alert_of(&line);
            prop_assert_eq!(a.packet, frame);
            prop_assert_eq!(a.link, LinkType(link));
            prop_assert_eq!(a.timestamp.as_nanos(), ns / 1000 * 1000);
        }
    }

    /// Built IPv4/IPv6 TCP/UDP packets always give an alert whose addresses
    /// and ports are the built ones.
    #[test]
    fn eve_built_packets_give_their_tuple(
        v6 in any::<bool>(), udp in any::<bool>(),
        s4 in any::<[u8; 4]>(), d4 in any::<[u8; 4]>(), s6 in any::<[u8; 16]>(), d6 in any::<[u8; 16]>(),
        sp in any::<u16>(), dp in any::<u16>(),
        payload in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let eth = PacketBuilder::ethernet2([0; 6], [1; 6]);
        let ip = if v6 { eth.ipv6(s6, d6, 64) } else { eth.ipv4(s4, d4, 64) };
        let mut f = Vec::new();
        if udp { ip.udp(sp, dp).write(&mut f, &payload).unwrap() } else { ip.tcp(sp, dp, 1, 100).write(&mut f, &payload).unwrap() }
        let rule = EveRule::new(5, "p");
        let a = alert_of(&alert_line(&AlertSpec::new(Timestamp::EPOCH, LinkType::ETHERNET, &f, &rule)).unwrap());
        let (s, d): (std::net::IpAddr, std::net::IpAddr) = if v6 { (s6.into(), d6.into()) } else { (s4.into(), d4.into()) };
        prop_assert_eq!((a.src_ip, a.dest_ip), (Some(s), Some(d)));
        prop_assert_eq!((a.src_port, a.dest_port), (Some(sp), Some(dp)));
        prop_assert_eq!(a.proto.as_deref(), Some(if udp { "UDP" } else { "TCP" }));
    }
}
