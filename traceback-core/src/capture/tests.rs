//! Reader tests: hand-built files for every edge case, and real captures.

use super::*;
use std::io::{BufReader, Cursor};

fn pcap_file(
    magic: u32,
    be: bool,
    snaplen: u32,
    link: u32,
    recs: &[(u32, u32, &[u8], u32)],
    modified: bool,
) -> Vec<u8> {
    let w32 =
        |v: &mut Vec<u8>, x: u32| v.extend_from_slice(&if be { x.to_be_bytes() } else { x.to_le_bytes() });
    let w16 =
        |v: &mut Vec<u8>, x: u16| v.extend_from_slice(&if be { x.to_be_bytes() } else { x.to_le_bytes() });
    let mut v = Vec::new();
    w32(&mut v, magic);
    w16(&mut v, 2);
    w16(&mut v, 4);
    w32(&mut v, 0);
    w32(&mut v, 0);
    w32(&mut v, snaplen);
    w32(&mut v, link);
    for &(s, frac, data, orig) in recs {
        w32(&mut v, s);
        w32(&mut v, frac);
        w32(&mut v, data.len() as u32);
        w32(&mut v, orig);
        if modified {
            v.extend_from_slice(&[0u8; 8]);
        }
        v.extend_from_slice(data);
    }
    v
}

/// `(ts nanos, link, data, orig_len)` of each record.
type Recs = Vec<(u64, u32, Vec<u8>, u32)>;

fn read_all(bytes: &[u8]) -> (Recs, Result<(), CaptureError>) {
    let mut out = Vec::new();
    let mut r = match CaptureReader::new(Cursor::new(bytes)) {
        Ok(r) => r,
        Err(e) => return (out, Err(e)),
    };
    loop {
        match r.next_record() {
            Ok(Some(rec)) => out.push((rec.ts.as_nanos(), rec.link.0, rec.data.to_vec(), rec.orig_len)),
            Ok(None) => return (out, Ok(())),
            Err(e) => {
                // fused
                assert!(matches!(r.next_record(), Ok(None)));
                return (out, Err(e));
            }
        }
    }
}

const A: &[u8] = &[1, 2, 3, 4, 5];
const B: &[u8] = &[9; 60];

#[test]
fn pcap_both_byte_orders_agree() {
    let recs: &[(u32, u32, &[u8], u32)] = &[(100, 250_000, A, 5), (101, 999_999, B, 60)];
    let le = pcap_file(0xa1b2c3d4, false, 65535, 1, recs, false);
    let be = pcap_file(0xa1b2c3d4, true, 65535, 1, recs, false);
    assert_eq!(&le[..4], &[0xd4, 0xc3, 0xb2, 0xa1]);
    let (a, ra) = read_all(&le);
    let (b, rb) = read_all(&be);
    ra.unwrap();
    rb.unwrap();
    assert_eq!(a, b);
    assert_eq!(a.len(), 2);
    assert_eq!(a[0], (100_250_000_000, 1, A.to_vec(), 5));
    assert_eq!(a[1].0, 101_999_999_000);
    let r = CaptureReader::new(Cursor::new(&be)).unwrap();
    assert!(r.info().big_endian);
    assert_eq!(r.info().format, CaptureFormat::Pcap);
    assert_eq!(r.info().snaplen(), Some(65535));
}

#[test]
fn pcap_nanosecond_and_modified() {
    let ns = pcap_file(0xa1b23c4d, false, 100, 101, &[(7, 123_456_789, A, 5)], false);
    let (recs, res) = read_all(&ns);
    res.unwrap();
    assert_eq!(recs[0].0, 7_123_456_789);
    assert_eq!(recs[0].1, 101);
    let r = CaptureReader::new(Cursor::new(&ns)).unwrap();
    assert_eq!(r.info().format, CaptureFormat::PcapNanos);

    for be in [false, true] {
        let m = pcap_file(0xa1b2cd34, be, 100, 1, &[(7, 5, A, 5), (8, 6, B, 60)], true);
        let (recs, res) = read_all(&m);
        res.unwrap();
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[1].2, B);
        assert_eq!(recs[0].0, 7_000_005_000);
    }
}

#[test]
fn bad_magic_and_empty_input() {
    let (_, r) = read_all(b"GET / HTTP/1.1\r\n");
    assert!(matches!(
        r,
        Err(CaptureError::UnknownFormat([b'G', b'E', b'T', b' ']))
    ));
    let (_, r) = read_all(b"");
    assert!(matches!(r, Err(CaptureError::Truncated { available: 0, .. })));
    let (_, r) = read_all(&[0xd4, 0xc3, 0xb2, 0xa1, 2, 0]);
    assert!(matches!(
        r,
        Err(CaptureError::Truncated {
            context: "pcap file header",
            ..
        })
    ));
}

#[test]
fn cut_file_yields_complete_records_then_truncated() {
    let recs: &[(u32, u32, &[u8], u32)] = &[(1, 0, A, 5), (2, 0, B, 60), (3, 0, A, 5)];
    let full = pcap_file(0xa1b2c3d4, false, 65535, 1, recs, false);
    let (all, res) = read_all(&full);
    res.unwrap();
    assert_eq!(all.len(), 3);
    // Every cut point: complete records come out, then a clear error unless
    // the cut falls exactly on a record boundary.
    let boundaries = [24, 24 + 16 + 5, 24 + 16 + 5 + 16 + 60, full.len()];
    for cut in 0..full.len() {
        let (got, res) = read_all(&full[..cut]);
        let complete = boundaries.iter().filter(|&&b| b <= cut).count().saturating_sub(1);
        assert_eq!(got.len(), complete, "cut at {cut}");
        assert_eq!(&got[..], &all[..complete]);
        if boundaries.contains(&cut) && cut >= 24 {
            assert!(res.is_ok(), "cut at {cut}");
        } else {
            assert!(
                matches!(res, Err(CaptureError::Truncated { .. })),
                "cut at {cut}: {res:?}"
            );
        }
    }
}

#[test]
fn hostile_lengths_are_refused_without_allocation() {
    let mut f = pcap_file(0xa1b2c3d4, false, 65535, 1, &[(1, 0, A, 5)], false);
    f.extend_from_slice(&[
        0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    ]);
    let (got, res) = read_all(&f);
    assert_eq!(got.len(), 1);
    assert!(matches!(
        res,
        Err(CaptureError::RecordTooLarge { len: 0xffff_ffff, .. })
    ));
}

#[test]
fn inconsistent_lengths_are_tolerated_and_counted() {
    // snaplen 1 but an 8-byte record (zeek trunc-hdr style); orig_len 2 < caplen 5.
    let f = pcap_file(
        0xa1b2c3d4,
        false,
        1,
        1,
        &[(1, 0, &[0; 8], 8), (1, 0, A, 2)],
        false,
    );
    let mut r = CaptureReader::new(Cursor::new(&f)).unwrap();
    assert_eq!(r.next_record().unwrap().unwrap().data.len(), 8);
    let rec = r.next_record().unwrap().unwrap();
    assert_eq!((rec.data.len(), rec.orig_len), (5, 5));
    assert!(r.next_record().unwrap().is_none());
    assert_eq!(
        *r.stats(),
        CaptureStats {
            records: 2,
            caplen_over_snaplen: 2,
            orig_len_below_caplen: 1,
            skipped_blocks: 0,
            ts_out_of_range: 0,
        }
    );
}

/// A pcapng block with body `body` (padded to 4 bytes).
fn block(be: bool, ty: u32, body: &[u8]) -> Vec<u8> {
    let w = |x: u32| if be { x.to_be_bytes() } else { x.to_le_bytes() };
    let padded = body.len().div_ceil(4) * 4;
    let total = (12 + padded) as u32;
    let mut v = Vec::new();
    v.extend_from_slice(&w(ty));
    v.extend_from_slice(&w(total));
    v.extend_from_slice(body);
    v.resize(8 + padded, 0);
    v.extend_from_slice(&w(total));
    v
}

fn shb(be: bool) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&if be {
        0x1a2b3c4du32.to_be_bytes()
    } else {
        0x1a2b3c4du32.to_le_bytes()
    });
    body.extend_from_slice(&if be {
        1u16.to_be_bytes()
    } else {
        1u16.to_le_bytes()
    });
    body.extend_from_slice(&[0, 0]);
    body.extend_from_slice(&[0xff; 8]);
    block(be, 0x0a0d0d0a, &body)
}

fn idb(be: bool, link: u16, snaplen: u32, tsresol: Option<u8>, tsoffset: Option<i64>) -> Vec<u8> {
    let w16 = |x: u16| if be { x.to_be_bytes() } else { x.to_le_bytes() };
    let mut b = Vec::new();
    b.extend_from_slice(&w16(link));
    b.extend_from_slice(&[0, 0]);
    b.extend_from_slice(&if be {
        snaplen.to_be_bytes()
    } else {
        snaplen.to_le_bytes()
    });
    if let Some(r) = tsresol {
        b.extend_from_slice(&w16(9));
        b.extend_from_slice(&w16(1));
        b.extend_from_slice(&[r, 0, 0, 0]);
    }
    if let Some(o) = tsoffset {
        b.extend_from_slice(&w16(14));
        b.extend_from_slice(&w16(8));
        b.extend_from_slice(&if be { o.to_be_bytes() } else { o.to_le_bytes() });
    }
    b.extend_from_slice(&[0; 4]);
    block(be, 1, &b)
}

fn epb(be: bool, iface: u32, units: u64, data: &[u8], orig: u32) -> Vec<u8> {
    let w = |x: u32| if be { x.to_be_bytes() } else { x.to_le_bytes() };
    let mut b = Vec::new();
    for x in [iface, (units >> 32) as u32, units as u32, data.len() as u32, orig] {
        b.extend_from_slice(&w(x));
    }
    b.extend_from_slice(data);
    block(be, 6, &b)
}

#[test]
fn pcapng_sections_interfaces_and_block_kinds() {
    let mut f = shb(false);
    f.extend(idb(false, 1, 65535, Some(9), Some(100)));
    f.extend(epb(false, 0, 5_000_000_001, A, 5));
    f.extend(block(false, 0x0000_0005, &[0; 20])); // interface statistics: skipped
    f.extend(block(false, 0x4242_4242, &[7; 33])); // unknown: skipped
    let mut spb = 60u32.to_le_bytes().to_vec();
    spb.extend_from_slice(B);
    f.extend(block(false, 3, &spb));
    // Second section, big-endian, two interfaces, power-of-two resolution.
    f.extend(shb(true));
    f.extend(idb(true, 1, 0, None, None));
    f.extend(idb(true, 101, 3, Some(0x80 | 10), None));
    f.extend(epb(true, 1, 2048, A, 5));
    let mut pb = Vec::new();
    pb.extend_from_slice(&0u16.to_be_bytes());
    pb.extend_from_slice(&0u16.to_be_bytes());
    for x in [0u32, 1_000_000, 2, 2] {
        pb.extend_from_slice(&x.to_be_bytes());
    }
    pb.extend_from_slice(&[0xaa, 0xbb]);
    f.extend(block(true, 2, &pb));

    let (recs, res) = read_all(&f);
    res.unwrap();
    assert_eq!(recs.len(), 4);
    assert_eq!(recs[0], (105_000_000_001, 1, A.to_vec(), 5));
    assert_eq!((recs[1].0, recs[1].1, recs[1].2.len()), (0, 1, 60));
    assert_eq!((recs[2].0, recs[2].1), (2_000_000_000, 101));
    assert_eq!(recs[3], (1_000_000_000, 1, vec![0xaa, 0xbb], 2));
    let mut r = CaptureReader::new(Cursor::new(&f)).unwrap();
    while r.next_record().unwrap().is_some() {}
    assert_eq!(r.info().sections, 2);
    assert_eq!(r.info().link_types(), vec![LinkType(1), LinkType(101)]);
    assert_eq!(r.stats().skipped_blocks, 2);
    assert_eq!(r.stats().caplen_over_snaplen, 1); // 5 bytes on a snaplen-3 interface
}

#[test]
fn many_interfaces_are_bounded() {
    // 70 000 interfaces cycling through 65 536 link types, then a packet on
    // the last one: every distinct link type once, in order of appearance.
    let mut f = shb(false);
    let one = idb(false, 0, 0, None, None);
    let n = 70_000u32;
    for i in 0..n {
        let mut b = one.clone();
        b[8..10].copy_from_slice(&((i % 65_536) as u16).to_le_bytes());
        f.extend(b);
    }
    f.extend(epb(false, n - 1, 1, A, 5));
    let (recs, res) = read_all(&f);
    res.unwrap();
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].1, (n - 1) % 65_536);
    let mut r = CaptureReader::new(Cursor::new(&f)).unwrap();
    while r.next_record().unwrap().is_some() {}
    let links = r.info().link_types();
    assert_eq!(links.len(), 65_536);
    assert_eq!(links[..3], [LinkType(0), LinkType(1), LinkType(2)]);
    // One interface more than MAX_INTERFACES is refused, after the packets
    // before it.
    let mut f = shb(false);
    f.extend(idb(false, 1, 0, None, None));
    f.extend(epb(false, 0, 1, A, 5));
    let rest = one.repeat(super::MAX_INTERFACES);
    f.extend(rest);
    let (recs, res) = read_all(&f);
    assert_eq!(recs.len(), 1);
    match res {
        Err(CaptureError::Malformed(m)) => assert!(m.contains("more than 1048576 interfaces"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn pcapng_errors() {
    // A packet on an interface that was never described.
    let mut f = shb(false);
    f.extend(epb(false, 0, 1, A, 5));
    assert!(matches!(read_all(&f).1, Err(CaptureError::Malformed(_))));
    // Cut inside the second packet block.
    let mut f = shb(false);
    f.extend(idb(false, 1, 0, None, None));
    f.extend(epb(false, 0, 1, A, 5));
    let second = epb(false, 0, 2, B, 60);
    f.extend_from_slice(&second[..30]);
    let (recs, res) = read_all(&f);
    assert_eq!(recs.len(), 1);
    assert!(matches!(res, Err(CaptureError::Truncated { .. })));
    // Captured length larger than the block.
    let mut f = shb(false);
    f.extend(idb(false, 1, 0, None, None));
    let mut bad = epb(false, 0, 1, A, 5);
    bad[20..24].copy_from_slice(&1000u32.to_le_bytes());
    f.extend(bad);
    assert!(matches!(read_all(&f).1, Err(CaptureError::Malformed(_))));
    // Hostile block length.
    let mut f = shb(false);
    f.extend_from_slice(&6u32.to_le_bytes());
    f.extend_from_slice(&0xffff_fff0u32.to_le_bytes());
    assert!(matches!(read_all(&f).1, Err(CaptureError::RecordTooLarge { .. })));
    // Trailing length mismatch and bad byte-order magic.
    let mut f = shb(false);
    let n = f.len();
    f[n - 1] = 9;
    assert!(matches!(read_all(&f).1, Err(CaptureError::Malformed(_))));
    let mut f = shb(false);
    f[8] = 0;
    assert!(matches!(read_all(&f).1, Err(CaptureError::Malformed(_))));
    // Block lengths off the 4-byte grid say so (before any trailer check).
    let mut f = shb(false);
    let mut odd = idb(false, 1, 0, None, None);
    odd[4..8].copy_from_slice(&13u32.to_le_bytes());
    f.extend(odd);
    match read_all(&f).1 {
        Err(CaptureError::Malformed(m)) => assert!(m.contains("13 is not a multiple of 4"), "{m}"),
        other => panic!("{other:?}"),
    }
    let mut f = shb(false);
    f[4..8].copy_from_slice(&29u32.to_le_bytes());
    match read_all(&f).1 {
        Err(CaptureError::Malformed(m)) => assert!(m.contains("29 is not a multiple of 4"), "{m}"),
        other => panic!("{other:?}"),
    }
}

fn real(name: &str) -> CaptureReader<BufReader<std::fs::File>> {
    let p = format!("{}/../testdata/pcaps/{name}", env!("CARGO_MANIFEST_DIR"));
    CaptureReader::new(BufReader::new(std::fs::File::open(p).unwrap())).unwrap()
}

#[test]
fn real_format_variants() {
    let mut r = real("pcapparser_modified-format.pcap");
    assert_eq!(r.info().format, CaptureFormat::PcapModified);
    assert!(r.next_record().unwrap().is_some());
    assert!(r.next_record().unwrap().is_none());

    let mut r = real("gopacket_pcapgo_tests_be_test001.pcapng");
    assert_eq!(r.info().format, CaptureFormat::Pcapng);
    assert!(r.info().big_endian);
    let mut n = 0;
    while r.next_record().unwrap().is_some() {
        n += 1;
    }
    assert_eq!(n, 4);

    // Little-endian pcapng with microsecond default resolution.
    let r = real("chrissanders_ip_ttl_source.pcapng");
    assert_eq!(r.info().format, CaptureFormat::Pcapng);

    let mut r = real("tcpdump_ipv6_jumbogram_1.pcap");
    let rec = r.next_record().unwrap().unwrap();
    assert!(rec.data.len() > 65_535, "{}", rec.data.len());
    assert!(r.next_record().unwrap().is_none());

    for empty in ["tcpdump_empty.pcap", "tcpdump_empty.pcapng"] {
        let mut r = real(empty);
        assert!(r.next_record().unwrap().is_none());
        assert_eq!(r.info().link_types(), vec![LinkType::ETHERNET]);
    }

    let mut r = real("chrissanders_ip_ttl_dest.pcapng");
    let rec = r.next_record().unwrap().unwrap();
    // capinfos: first packet 2010-01-05 15:41:16.285 (1262705276.285...)
    assert_eq!(rec.ts.as_secs(), 1_262_705_276);
}

#[test]
fn timestamps_that_are_not_exact_are_counted() {
    // Microsecond pcap: a fraction of 0xffffffff us is 4294 s, not a fraction.
    let f = pcap_file(
        0xa1b2c3d4,
        false,
        0,
        1,
        &[(10, 999_999, A, 5), (10, 0xffff_ffff, A, 5)],
        false,
    );
    let mut r = CaptureReader::new(Cursor::new(&f)).unwrap();
    while r.next_record().unwrap().is_some() {}
    assert_eq!(r.stats().ts_out_of_range, 1);
    // pcapng: a negative offset before 1970, and the largest timestamp at
    // second resolution, are clamped and counted; an exact one is not.
    let mut f = shb(false);
    f.extend(idb(false, 1, 0, Some(0), Some(-100)));
    f.extend(epb(false, 0, 5, A, 5));
    f.extend(epb(false, 0, 1_000, A, 5));
    f.extend(idb(false, 1, 0, Some(0), None));
    f.extend(epb(false, 1, u64::MAX, A, 5));
    let mut r = CaptureReader::new(Cursor::new(&f)).unwrap();
    let mut ts = Vec::new();
    while let Some(rec) = r.next_record().unwrap() {
        ts.push(rec.ts);
    }
    assert_eq!(ts, [Timestamp::EPOCH, Timestamp::from_secs(900), Timestamp::MAX]);
    assert_eq!(r.stats().ts_out_of_range, 2);
}
