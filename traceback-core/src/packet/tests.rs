//! Unit tests: each verdict on hand-built frames and on frames of the real
//! captures bundled in `testdata/pcaps`.

use super::*;
use crate::digest::{
    Blake3Digester, DigestProfile, Digester, FederationSecret, FlowLabelPolicy, TunnelPolicy,
};

/// A tiny capture-file reader for tests only (classic pcap, both byte
/// orders and the nanosecond magic, and pcapng Enhanced/Simple Packet
/// Blocks). The production reader lives in `capture`.
mod testpcap {
    use super::LinkType;

    /// The frames of a capture file: (link type, captured bytes, wire length).
    pub(super) fn frames(path: &str) -> Option<Vec<(LinkType, Vec<u8>, u32)>> {
        let d = std::fs::read(path).ok()?;
        let u32at = |le: bool, o: usize| -> u32 {
            let b = [d[o], d[o + 1], d[o + 2], d[o + 3]];
            if le {
                u32::from_le_bytes(b)
            } else {
                u32::from_be_bytes(b)
            }
        };
        let mut out = Vec::new();
        match d.get(..4)? {
            [0xd4, 0xc3, 0xb2, 0xa1]
            | [0x4d, 0x3c, 0xb2, 0xa1]
            | [0xa1, 0xb2, 0xc3, 0xd4]
            | [0xa1, 0xb2, 0x3c, 0x4d] => {
                let le = d[0] != 0xa1;
                let link = LinkType(u32at(le, 20) & 0xffff);
                let mut o = 24;
                while o + 16 <= d.len() {
                    let caplen = u32at(le, o + 8) as usize;
                    let wire = u32at(le, o + 12);
                    o += 16;
                    let end = (o + caplen).min(d.len());
                    out.push((link, d[o..end].to_vec(), wire));
                    o += caplen;
                }
            }
            [0x0a, 0x0d, 0x0d, 0x0a] => {
                let le = d[8..12] == [0x4d, 0x3c, 0x2b, 0x1a];
                let mut links = Vec::new();
                let mut o = 0;
                while o + 12 <= d.len() {
                    let kind = u32at(le, o);
                    let len = u32at(le, o + 4) as usize;
                    if len < 12 || o + len > d.len() {
                        break;
                    }
                    match kind {
                        1 => {
                            let b = [d[o + 8], d[o + 9]];
                            let lt = if le {
                                u16::from_le_bytes(b)
                            } else {
                                u16::from_be_bytes(b)
                            };
                            links.push(LinkType(u32::from(lt)));
                        }
                        6 => {
                            let iface = u32at(le, o + 8) as usize;
                            let caplen = u32at(le, o + 20) as usize;
                            let wire = u32at(le, o + 24);
                            let s = o + 28;
                            out.push((*links.get(iface)?, d[s..s + caplen].to_vec(), wire));
                        }
                        _ => {}
                    }
                    o += len;
                }
            }
            _ => return None,
        }
        Some(out)
    }
}

/// The bundled captures (`testdata/SOURCES.md`): every test below needs them.
const PCAPS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/pcaps");

/// The workplace's full set, for the ignored survey only.
const SHARED_PCAPS: &str = "/work/shared/data/pcaps";

/// The frames of a bundled capture; a missing or unreadable file fails the
/// test (it must never turn into a test that silently checks nothing).
fn capture(name: &str) -> Vec<(LinkType, Vec<u8>, u32)> {
    testpcap::frames(&format!("{PCAPS}/{name}"))
        .unwrap_or_else(|| panic!("{name}: not a readable bundled capture in {PCAPS}"))
}

fn inner_profile() -> DigestProfile {
    let mut p = DigestProfile::V1;
    p.tunnel = TunnelPolicy::OuterAndInner;
    p
}

#[test]
#[ignore = "survey of the shared captures; run with --ignored --nocapture"]
fn survey_shared_captures() {
    let mut names: Vec<_> = std::fs::read_dir(SHARED_PCAPS)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.contains(".pcap"))
        .collect();
    names.sort();
    for n in names {
        let Some(frames) = testpcap::frames(&format!("{SHARED_PCAPS}/{n}")) else {
            continue;
        };
        let mut counts = std::collections::BTreeMap::new();
        let mut inner = 0;
        for (link, f, _) in &frames {
            let c = canonicalize(*link, f, &inner_profile());
            *counts.entry(c.verdict.as_str()).or_insert(0) += 1;
            inner += usize::from(c.inner.is_some());
        }
        println!("{n}: {counts:?} inner={inner}");
    }
}

// ---------------------------------------------------------------- builders

fn checksum(h: &[u8]) -> u16 {
    let mut sum = 0u32;
    for c in h.chunks(2) {
        sum += u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]));
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// An IPv4 packet: ID 0x1234, DF, TTL 64, 10.0.0.1 -> 10.0.0.2.
fn v4(proto: u8, options: &[u8], payload: &[u8]) -> Vec<u8> {
    let ihl = 20 + options.len();
    let total = (ihl + payload.len()) as u16;
    let mut p = vec![0x40 | (ihl / 4) as u8, 0x00];
    p.extend_from_slice(&total.to_be_bytes());
    p.extend_from_slice(&[0x12, 0x34, 0x40, 0x00, 64, proto, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
    p.extend_from_slice(options);
    let c = checksum(&p);
    p[10..12].copy_from_slice(&c.to_be_bytes());
    p.extend_from_slice(payload);
    p
}

/// An IPv6 packet: flow label 0x12345, hop limit 64, 2001:db8::1 -> ::2.
fn v6(nh: u8, payload: &[u8]) -> Vec<u8> {
    let mut p = vec![0x60, 0x01, 0x23, 0x45];
    p.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    p.extend_from_slice(&[nh, 64]);
    for last in [1u8, 2] {
        p.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
        p.extend_from_slice(&[0; 11]);
        p.push(last);
    }
    p.extend_from_slice(payload);
    p
}

fn eth(et: u16, body: &[u8]) -> Vec<u8> {
    let mut f = vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2];
    f.extend_from_slice(&et.to_be_bytes());
    f.extend_from_slice(body);
    f
}

fn udp(dport: u16, payload: &[u8]) -> Vec<u8> {
    let mut u = vec![0x30, 0x39];
    u.extend_from_slice(&dport.to_be_bytes());
    u.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
    u.extend_from_slice(&[0, 0]);
    u.extend_from_slice(payload);
    u
}

const SYN: [u8; 20] = [
    0x30, 0x39, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0,
];

fn v1() -> DigestProfile {
    DigestProfile::V1
}

fn verdict(link: LinkType, frame: &[u8]) -> Verdict {
    let c = canonicalize(link, frame, &v1());
    assert_eq!(c.verdict.is_digested(), c.outer.is_some(), "{c:?}");
    c.verdict
}

fn outer(link: LinkType, frame: &[u8]) -> Vec<u8> {
    canonicalize(link, frame, &v1())
        .outer
        .expect("digested")
        .as_slice()
        .to_vec()
}

// ------------------------------------------------------ layout and verdicts

#[test]
fn ipv4_layout_masks_tos_ttl_checksum_and_drops_options() {
    let mut p = v4(6, &[1, 1, 1, 0], &SYN); // options: NOP NOP NOP EOL
    p[1] = 0xb8;
    let c = outer(LinkType::RAW, &p);
    assert_eq!(c.len(), 28);
    let mut want = p[..20].to_vec();
    want[0] = 0x46; // IHL kept as on the wire
    want[1] = 0;
    want[8] = 0;
    want[10] = 0;
    want[11] = 0;
    want.extend_from_slice(&SYN[..8]);
    assert_eq!(c, want);
    assert_eq!(verdict(LinkType::RAW, &p), Verdict::Ok);
}

#[test]
fn ipv4_short_payload_takes_what_the_length_says() {
    let p = v4(17, &[], &[1, 2, 3]);
    assert_eq!(outer(LinkType::IPV4, &p).len(), 23);
    let p = v4(6, &[], &[]);
    assert_eq!(outer(LinkType::IPV4, &p).len(), 20);
}

#[test]
fn ipv4_verdicts() {
    let good = v4(6, &[], &SYN);
    let mut frag = good.clone();
    frag[6..8].copy_from_slice(&0x00b9u16.to_be_bytes());
    assert_eq!(verdict(LinkType::RAW, &frag), Verdict::Fragment);
    let mut first_frag = good.clone();
    first_frag[6] = 0x20; // MF, offset 0: the first fragment is a packet
    assert_eq!(verdict(LinkType::RAW, &first_frag), Verdict::Ok);
    assert_eq!(verdict(LinkType::RAW, &good[..28]), Verdict::CaptureTruncated);
    assert_eq!(verdict(LinkType::RAW, &good[..27]), Verdict::Truncated);
    assert_eq!(verdict(LinkType::RAW, &good[..19]), Verdict::Truncated);
    assert_eq!(verdict(LinkType::RAW, &[]), Verdict::Truncated);
    let mut ihl4 = good.clone();
    ihl4[0] = 0x44;
    assert_eq!(
        verdict(LinkType::RAW, &ihl4),
        Verdict::Malformed(Malformation::Ipv4HeaderLength)
    );
    let mut short_total = good.clone();
    short_total[2..4].copy_from_slice(&19u16.to_be_bytes());
    assert_eq!(
        verdict(LinkType::RAW, &short_total),
        Verdict::Malformed(Malformation::Ipv4TotalLength)
    );
    let mut tso = good.clone();
    tso[2..4].copy_from_slice(&0u16.to_be_bytes());
    assert_eq!(verdict(LinkType::RAW, &tso), Verdict::Offload);
    let mut gro = good.clone();
    gro[2..4].copy_from_slice(&9217u16.to_be_bytes());
    assert_eq!(verdict(LinkType::RAW, &gro), Verdict::Offload);
    gro[2..4].copy_from_slice(&9216u16.to_be_bytes());
    assert_eq!(verdict(LinkType::RAW, &gro), Verdict::CaptureTruncated);
    assert_eq!(
        verdict(LinkType::IPV4, &v6(6, &SYN)),
        Verdict::Malformed(Malformation::IpVersion)
    );
    assert_eq!(
        verdict(LinkType::RAW, &[0x55; 40]),
        Verdict::Malformed(Malformation::IpVersion)
    );
}

#[test]
fn ipv6_layout_and_flow_label_policy() {
    let mut p = v6(17, &udp(53, &[0xaa; 30]));
    p[0] = 0x6f; // traffic class 0xf?
    p[1] |= 0xf0;
    let c = outer(LinkType::RAW, &p);
    assert_eq!(c.len(), 56);
    assert_eq!(&c[..8], &[0x60, 0x01, 0x23, 0x45, 0, 38, 17, 0]);
    assert_eq!(&c[8..56], &p[8..56]);
    let mut masked = v1();
    masked.flow_label = FlowLabelPolicy::Mask;
    let m = canonicalize(LinkType::RAW, &p, &masked).outer.unwrap();
    assert_eq!(&m.as_slice()[..4], &[0x60, 0, 0, 0]);
}

#[test]
fn ipv6_options_that_may_change_en_route_are_masked() {
    // Hop-by-Hop (8 bytes): RPL option (type 0x63, "may change" bit set,
    // 4 data bytes), then UDP. The 16-byte prefix is HBH + UDP header.
    let packet = |rpl: [u8; 4], hop: u8| {
        let mut hbh = vec![17, 0, 0x63, 4];
        hbh.extend_from_slice(&rpl);
        let mut p = v6(0, &[hbh, udp(53, &[0xaa; 8])].concat());
        p[7] = hop;
        p
    };
    let here = packet([0x00, 0x12, 0x34, 0x56], 64);
    let c = outer(LinkType::RAW, &here);
    assert_eq!(c.len(), 56);
    assert_eq!(
        &c[40..48],
        &[17, 0, 0x63, 4, 0, 0, 0, 0],
        "type and length kept, data zeroed"
    );
    assert_eq!(&c[48..56], &here[48..56], "the UDP header as on the wire");
    // One RPL router later: option data rewritten, hop limit 63.
    let there = packet([0x80, 0x07, 0x34, 0x99], 63);
    assert_eq!(outer(LinkType::RAW, &there), c);
    let d = Blake3Digester::new(v1(), &FederationSecret::from_passphrase("t")).unwrap();
    assert_eq!(
        d.digest_frame(LinkType::RAW, &here).digest,
        d.digest_frame(LinkType::RAW, &there).digest
    );
    // A type without the bit (0x1e) keeps its data: a change there shows.
    let mut fixed = here.clone();
    fixed[42] = 0x1e;
    let mut fixed2 = fixed.clone();
    fixed2[45] ^= 1;
    let f = outer(LinkType::RAW, &fixed);
    assert_eq!(&f[40..48], &fixed[40..48]);
    assert_ne!(f, outer(LinkType::RAW, &fixed2));
    // Pad1, a PadN, then a mutable Quick-Start option (0x26) in a
    // Destination Options header: only the Quick-Start data is zeroed.
    let dst = [17u8, 0, 0x00, 0x01, 0x00, 0x26, 1, 0x5a];
    let p = v6(60, &[&dst[..], &udp(53, &[0xbb; 8])].concat());
    let c = outer(LinkType::RAW, &p);
    assert_eq!(&c[40..48], &[17, 0, 0x00, 0x01, 0x00, 0x26, 1, 0]);
    // A mutable option that runs past the prefix: zeroed as far as the
    // prefix reaches, and the bytes after the prefix are not read.
    let mut long = vec![17, 2, 0x31, 20];
    long.extend((1..=20u8).collect::<Vec<_>>());
    let p = v6(0, &[long, udp(53, &[])].concat());
    let c = outer(LinkType::RAW, &p);
    assert_eq!(&c[40..56], &[17, 2, 0x31, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    // A routing header is not an options header: left as it is.
    let rh = [17u8, 0, 4, 1, 0x63, 0x63, 0x63, 0x63];
    let p = v6(43, &[&rh[..], &udp(53, &[0xcc; 8])].concat());
    assert_eq!(&outer(LinkType::RAW, &p)[40..48], &rh);
}

#[test]
fn ipv6_verdicts() {
    let good = v6(6, &[&SYN[..], &[0xee; 10]].concat());
    assert_eq!(verdict(LinkType::IPV6, &good), Verdict::Ok);
    assert_eq!(
        verdict(LinkType::IPV6, &good[..40 + 16]),
        Verdict::CaptureTruncated
    );
    assert_eq!(verdict(LinkType::IPV6, &good[..40 + 15]), Verdict::Truncated);
    assert_eq!(verdict(LinkType::IPV6, &good[..39]), Verdict::Truncated);
    // Fragment header, offset 185 * 8: non-first fragment.
    let frag = v6(
        44,
        &[
            6, 0, 0x05, 0xc8, 0, 0, 0, 7, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
        ],
    );
    assert_eq!(verdict(LinkType::IPV6, &frag), Verdict::Fragment);
    let mut first = frag.clone();
    first[42..44].copy_from_slice(&[0, 1]); // offset 0, M
    assert_eq!(verdict(LinkType::IPV6, &first), Verdict::Ok);
    // Destination options claiming 16 bytes in an 8-byte payload.
    let broken = v6(60, &[17, 1, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(
        verdict(LinkType::IPV6, &broken),
        Verdict::Malformed(Malformation::Ipv6ExtensionChain)
    );
    assert!(Verdict::Malformed(Malformation::Ipv6ExtensionChain).is_digested());
    // Payload length 0: empty if "no next header", otherwise offload.
    assert_eq!(verdict(LinkType::IPV6, &v6(59, &[])), Verdict::Ok);
    let mut tso = v6(6, &SYN);
    tso[4..6].copy_from_slice(&[0, 0]);
    assert_eq!(verdict(LinkType::IPV6, &tso), Verdict::Offload);
    // A hand-made jumbogram: HBH with Jumbo Payload 70000.
    let mut hbh = vec![6, 0, 0xc2, 4];
    hbh.extend_from_slice(&70000u32.to_be_bytes());
    hbh.extend_from_slice(&SYN);
    let mut jumbo = v6(0, &hbh);
    jumbo[4..6].copy_from_slice(&[0, 0]);
    assert_eq!(verdict(LinkType::IPV6, &jumbo), Verdict::CaptureTruncated);
    assert_eq!(outer(LinkType::IPV6, &jumbo).len(), 56);
}

#[test]
fn non_ip_and_unknown_link() {
    let arp = eth(0x0806, &[0; 28]);
    assert_eq!(verdict(LinkType::ETHERNET, &arp), Verdict::NotIp);
    assert_eq!(
        verdict(LinkType::ETHERNET, &eth(0x88cc, &[0; 40])),
        Verdict::NotIp
    );
    // 802.3 + LLC (STP BPDU).
    assert_eq!(
        verdict(LinkType::ETHERNET, &eth(39, &[0x42, 0x42, 3, 0, 0])),
        Verdict::NotIp
    );
    // 802.3 + SNAP carrying IPv4 is IP.
    let mut snap = vec![0xaa, 0xaa, 3, 0, 0, 0, 8, 0];
    snap.extend_from_slice(&v4(6, &[], &SYN));
    assert_eq!(
        verdict(LinkType::ETHERNET, &eth(snap.len() as u16, &snap)),
        Verdict::Ok
    );
    assert_eq!(
        verdict(LinkType(147), &v4(6, &[], &SYN)),
        Verdict::UnsupportedLinkType
    );
    assert_eq!(verdict(LinkType::ETHERNET, &[0; 13]), Verdict::Truncated);
}

#[test]
fn link_types_agree() {
    let ip = v4(6, &[], &SYN);
    let want = outer(LinkType::RAW, &ip);
    let mut sll = vec![0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 8, 0];
    sll.extend_from_slice(&ip);
    let mut sll2 = vec![8, 0, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0];
    sll2.extend_from_slice(&ip);
    let framed = |h: &[u8]| [h, &ip[..]].concat();
    let cases: Vec<(LinkType, Vec<u8>)> = vec![
        (LinkType::ETHERNET, eth(0x0800, &ip)),
        (LinkType::IPV4, ip.clone()),
        (LinkType::LINUX_SLL, sll),
        (LinkType::LINUX_SLL2, sll2),
        (LinkType::NULL, framed(&[2, 0, 0, 0])),
        (LinkType::NULL, framed(&[0, 0, 0, 2])),
        (LinkType::LOOP, framed(&[0, 0, 0, 2])),
        (LinkType::PPP, framed(&[0xff, 0x03, 0x00, 0x21])),
        (LinkType::PPP, framed(&[0x00, 0x21])),
        (LinkType::PPP, framed(&[0x21])),
        (LinkType::PPP, framed(&[0xff, 0x03, 0x02, 0x81, 0, 0, 0x11, 0x40])),
        (
            LinkType::ETHERNET,
            eth(0x8864, &framed(&[0x11, 0, 0, 1, 0, 0, 0, 0x21])),
        ),
    ];
    for (link, f) in cases {
        assert_eq!(outer(link, &f), want, "{link} {}", hex::encode(&f));
    }
    let ip6 = v6(17, &udp(53, &[1; 20]));
    let want6 = outer(LinkType::RAW, &ip6);
    for af in [24u32, 28, 30] {
        let f = [&af.to_le_bytes()[..], &ip6].concat();
        assert_eq!(outer(LinkType::NULL, &f), want6);
        let f = [&af.to_be_bytes()[..], &ip6].concat();
        assert_eq!(outer(LinkType::NULL, &f), want6);
    }
    assert_eq!(verdict(LinkType::NULL, &[7, 0, 0, 0, 0x45]), Verdict::NotIp);
    assert_eq!(verdict(LinkType::PPP, &[0xc0, 0x21, 1, 1]), Verdict::NotIp);
}

#[test]
fn layer_bound() {
    let ip = v4(6, &[], &SYN);
    let stack = |n: usize| {
        let mut body = Vec::new();
        for _ in 0..n {
            body.extend_from_slice(&[0, 7, 0x81, 0x00]);
        }
        body.truncate(body.len().saturating_sub(2));
        body.extend_from_slice(&[8, 0]);
        body.extend_from_slice(&ip);
        eth(0x8100, &body)
    };
    assert_eq!(verdict(LinkType::ETHERNET, &stack(16)), Verdict::Ok);
    assert_eq!(
        verdict(LinkType::ETHERNET, &stack(17)),
        Verdict::Malformed(Malformation::TooManyLayers)
    );
    // MPLS: two labels, then a pseudowire control word and Ethernet.
    let mut mpls = vec![0, 1, 0x20, 0xff, 0, 2, 0x01, 0xff, 0, 0, 0, 0];
    mpls.extend_from_slice(&eth(0x0800, &ip));
    assert_eq!(
        outer(LinkType::ETHERNET, &eth(0x8847, &mpls)),
        outer(LinkType::RAW, &ip)
    );
    assert_eq!(
        verdict(LinkType::ETHERNET, &eth(0x8847, &[0, 1, 0x21, 0xff, 0x10])),
        Verdict::NotIp
    );
    assert_eq!(
        verdict(LinkType::ETHERNET, &eth(0x8847, &[0, 1, 0x20, 0xff])),
        Verdict::Truncated
    );
}

#[test]
fn tunnels_hand_built() {
    let inner = v4(6, &[], &SYN);
    let want = outer(LinkType::RAW, &inner);
    let mut gre = vec![0x20, 0, 0x08, 0, 0, 0, 0, 9]; // key present
    gre.extend_from_slice(&inner);
    let mut vx = vec![8, 0, 0, 0, 0, 0, 1, 0];
    vx.extend_from_slice(&eth(0x0800, &inner));
    let mut gen = vec![0, 0, 0x65, 0x58, 0, 0, 1, 0];
    gen.extend_from_slice(&eth(0x0800, &inner));
    let outers = [
        v4(4, &[], &inner),
        v4(47, &[], &gre),
        v4(17, &[], &udp(4789, &vx)),
        v4(17, &[], &udp(6081, &gen)),
        v6(4, &inner),
    ];
    for o in outers {
        let c = canonicalize(LinkType::RAW, &o, &inner_profile());
        assert_eq!(c.verdict, Verdict::Ok);
        assert_eq!(c.outer.unwrap().as_slice(), outer(LinkType::RAW, &o));
        assert_eq!(c.inner.map(|b| b.as_slice().to_vec()), Some(want.clone()));
        assert_eq!(canonicalize(LinkType::RAW, &o, &v1()).inner, None);
    }
    // 6in4 inside 4in4: the innermost packet counts.
    let six = v6(6, &SYN);
    let nested = v4(4, &[], &v4(41, &[], &six));
    let c = canonicalize(LinkType::RAW, &nested, &inner_profile());
    assert_eq!(c.inner.unwrap().as_slice(), outer(LinkType::RAW, &six));
    // A tunnel whose inner packet is cut gives no inner digest.
    let cut = v4(4, &[], &inner[..10]);
    assert_eq!(canonicalize(LinkType::RAW, &cut, &inner_profile()).inner, None);
}

#[test]
fn every_prefix_of_every_built_frame_is_safe() {
    let frames = [
        eth(0x0800, &v4(47, &[1, 1, 1, 0], &[0x20, 0, 0x65, 0x58, 0, 0, 0, 1])),
        eth(0x86dd, &v6(0, &[44, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 1, 0, 0, 0, 0])),
        eth(0x8847, &[0, 1, 0x21, 0xff, 0x45, 0, 0, 40]),
        v4(
            17,
            &[],
            &udp(2152, &[0x34, 0xff, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0x85, 1, 0, 0, 0]),
        ),
    ];
    for f in frames {
        for end in 0..=f.len() {
            for link in [LinkType::ETHERNET, LinkType::RAW, LinkType::PPP, LinkType::NULL] {
                let c = canonicalize(link, &f[..end], &inner_profile());
                assert_eq!(c.verdict.is_digested(), c.outer.is_some());
            }
        }
    }
}

// ------------------------------------------------------------ real captures

/// Verdict counts of one capture under `profile`, checking on the way that
/// no frame panics and that `outer` is set exactly for digested verdicts.
fn counts(name: &str, profile: &DigestProfile) -> (Vec<(&'static str, usize)>, usize) {
    let frames = capture(name);
    let mut m = std::collections::BTreeMap::new();
    let mut inner = 0;
    for (link, f, _) in &frames {
        let c = canonicalize(*link, f, profile);
        assert_eq!(c.verdict.is_digested(), c.outer.is_some(), "{name}: {c:?}");
        *m.entry(c.verdict.as_str()).or_insert(0) += 1;
        inner += usize::from(c.inner.is_some());
    }
    (m.into_iter().collect(), inner)
}

/// A capture, its verdict counts, and how many frames yield an inner digest.
type ExpectedCounts = (&'static str, &'static [(&'static str, usize)], usize);

#[test]
fn real_captures_get_the_expected_verdicts() {
    let p = inner_profile();
    let cases: &[ExpectedCounts] = &[
        ("sv_too-many-layers.pcap", &[("malformed_too_many_layers", 1)], 0),
        (
            "tcpdump_ipv4_invalid_hdr_length.pcap",
            &[("malformed_ipv4_header_length", 1)],
            0,
        ),
        ("zeek_trunc_ip4-trunc.pcap", &[("truncated", 1)], 0),
        ("zeek_trunc_ip6-ext-trunc.pcap", &[("truncated", 1)], 0),
        (
            "zeek_trunc_icmp-payload-trunc.pcap",
            &[("capture_truncated", 4)],
            0,
        ),
        ("sv_ipv4-truncated.pcap", &[("offload", 1)], 0),
        ("tcpdump_ipv6_jumbogram_1.pcap", &[("ok", 1)], 0),
        (
            "tcpdump_ipv6-bad-version.pcap",
            &[("malformed_ip_version", 2), ("ok", 2)],
            0,
        ),
        ("tcpdump_tcp_rst_data.pcap", &[("ok", 1)], 0),
        ("tcpdump_tcp_rst_data-trunc.pcap", &[("capture_truncated", 1)], 0),
        (
            "tcpreplay_test.pcap",
            &[("capture_truncated", 1), ("not_ip", 3), ("ok", 175)],
            0,
        ),
        ("zeek_mixed-vlan-mpls.pcap", &[("ok", 47)], 0),
        ("zeek_http-qinq-0.pcap", &[("ok", 14)], 0),
        (
            "sv_frag-eth-vlan-ip-tcp-syn.pcap",
            &[("fragment", 2), ("ok", 1)],
            0,
        ),
        ("sv_frag-ipv6-tcp.pcap", &[("fragment", 2), ("ok", 1)], 0),
        ("sv_ipv4frags.pcap", &[("fragment", 1), ("ok", 2)], 0),
        ("gopacket_pcap_test_loopback.pcap", &[("ok", 24)], 0),
        ("tcpdump_mpls-traceroute.pcap", &[("ok", 18)], 0),
        ("tcpdump_LINKTYPE_RAW_ipv4.pcap", &[("ok", 1)], 0),
        ("tcpdump_LINKTYPE_RAW_ipv6.pcap", &[("ok", 1)], 0),
        ("tcpdump_icmp-cksum-oobr-1.pcap", &[("offload", 1)], 0),
        ("zeek_tunnels_4in4.pcap", &[("ok", 1)], 1),
        ("zeek_tunnels_6in4.pcap", &[("ok", 1)], 1),
        ("zeek_tunnels_4in6.pcap", &[("ok", 1)], 1),
        ("ndpi_6in4tunnel.pcap", &[("ok", 127)], 127),
        ("sv_gre-sample.pcap", &[("ok", 40)], 40),
        ("tcpdump_wccp_redirect_gre.pcap", &[("ok", 1)], 1),
        ("sv_vxlan-03.pcap", &[("ok", 100)], 100),
        ("tcpdump_vxlan.pcap", &[("ok", 10)], 8), // 2 carry ARP
        ("tcpdump_geneve.pcap", &[("ok", 39)], 39),
        ("zeek_erspan.pcap", &[("fragment", 39), ("ok", 248)], 238),
        ("ndpi_ipv6_in_gtp.pcap", &[("ok", 2)], 2),
    ];
    for (name, want, want_inner) in cases {
        let (got, inner) = counts(name, &p);
        assert_eq!(&got, want, "{name}");
        assert_eq!(inner, *want_inner, "{name}: inner digests");
        // The outer-only policy never yields an inner digest.
        assert_eq!(counts(name, &v1()).1, 0, "{name}");
    }
}

#[test]
fn truncated_copy_digests_like_the_whole_packet() {
    let a = capture("tcpdump_tcp_rst_data.pcap");
    let b = capture("tcpdump_tcp_rst_data-trunc.pcap");
    let ca = canonicalize(a[0].0, &a[0].1, &v1());
    let cb = canonicalize(b[0].0, &b[0].1, &v1());
    assert_eq!((ca.verdict, cb.verdict), (Verdict::Ok, Verdict::CaptureTruncated));
    assert_eq!(ca.outer, cb.outer);
}

#[test]
fn tunnel_inner_digest_is_the_inner_packet_digest() {
    // 4in4: outer IPv4 at 14, inner IPv4 at 34.
    let f = capture("zeek_tunnels_4in4.pcap");
    let (link, frame, _) = &f[0];
    let c = canonicalize(*link, frame, &inner_profile());
    assert_eq!(c.inner, canonicalize_ip(&frame[34..], &v1()).outer);
    assert_ne!(c.inner, c.outer);
}

/// SPIE's case: each Time-Exceeded error quotes the probe's IPv4 header and
/// 8 bytes. The quote digests like the probe: TTL and IP checksum are
/// masked. In 21 of the 24 pairs the sender-side capture shows another ICMP
/// checksum than the router quotes (a capture artefact, see SOURCES.md); the
/// canonical bytes then differ there and only there.
#[test]
fn icmp_quotes_digest_like_their_probes() {
    let frames = capture("chrissanders_icmp_traceroute.pcapng");
    let ips: Vec<&[u8]> = frames.iter().map(|(_, f, _)| &f[14..]).collect();
    let (mut same, mut quotes) = (0, 0);
    for ip in &ips {
        if ip[9] != 1 || ip[20] != 11 {
            continue;
        }
        let quote = &ip[28..];
        let q = canonicalize_ip(quote, &v1());
        // Some routers quote 28 bytes, others the whole probe.
        assert!(
            matches!(q.verdict, Verdict::CaptureTruncated | Verdict::Ok),
            "{q:?}"
        );
        let q = q.outer.unwrap();
        let probe = ips
            .iter()
            .find(|p| p[20] == 8 && p[4..6] == quote[4..6] && p[12..20] == quote[12..20])
            .expect("probe in the capture");
        let p = canonicalize_ip(probe, &v1()).outer.unwrap();
        quotes += 1;
        if p == q {
            same += 1;
        } else {
            let diff: Vec<usize> = (0..28).filter(|&i| p.as_slice()[i] != q.as_slice()[i]).collect();
            assert_eq!(diff, vec![22, 23], "only the quoted ICMP checksum may differ");
        }
    }
    assert_eq!((quotes, same), (24, 3));
}

#[test]
fn every_frame_of_every_capture_is_safe_even_cut() {
    let mut frames_seen = 0usize;
    for e in std::fs::read_dir(PCAPS).unwrap() {
        let name = e.unwrap().file_name().into_string().unwrap();
        // The test reader skips what it does not parse (the production
        // reader's own tests cover every file).
        let Some(frames) = testpcap::frames(&format!("{PCAPS}/{name}")) else {
            continue;
        };
        for (link, f, _) in frames.iter().take(50) {
            frames_seen += 1;
            for end in (0..f.len().min(160)).chain([f.len()]) {
                for p in [v1(), inner_profile()] {
                    let c = canonicalize(*link, &f[..end], &p);
                    assert_eq!(c.verdict.is_digested(), c.outer.is_some());
                }
            }
        }
    }
    assert!(frames_seen > 500);
}

/// ICMP errors quote the offending packet; `canonicalize_ip` digests the quote.
#[test]
fn icmp_error_quotes_are_digested() {
    // (file, offset of the quote in the frame, quoted packet's IP version)
    let cases = [
        ("zeek_icmp_icmp-destunreach-udp.pcap", 14 + 20 + 8, 4),
        ("zeek_icmp_icmp6-toobig.pcap", 14 + 40 + 8, 6),
        ("zeek_icmp_icmp6-destunreach-ip6ext-udp.pcap", 14 + 40 + 8, 6),
    ];
    for (name, at, version) in cases {
        let frames = capture(name);
        let frame = &frames[0].1;
        assert!(canonicalize(frames[0].0, frame, &v1()).verdict.is_digested());
        let quote = &frame[at..];
        assert_eq!(quote[0] >> 4, version, "{name}");
        let c = canonicalize_ip(quote, &v1());
        assert!(c.verdict.is_digested(), "{name}: {c:?}");
        let canonical = c.outer.unwrap();
        assert_eq!(canonical.as_slice()[..4], {
            let mut h = [quote[0], quote[1], quote[2], quote[3]];
            if version == 4 {
                h[1] = 0;
            } else {
                h[0] &= 0xf0;
                h[1] &= 0x0f;
            }
            h
        });
    }
}

/// Decode standard base64 (test helper; padding optional).
fn base64(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let digits: Vec<u8> = s.bytes().filter(|&c| c != b'=').map(val).collect();
    let mut out = Vec::new();
    for chunk in digits.chunks(4) {
        let mut acc = 0u32;
        for (i, d) in chunk.iter().enumerate() {
            acc |= u32::from(*d) << (18 - 6 * i);
        }
        out.extend_from_slice(&acc.to_be_bytes()[1..chunk.len()]);
    }
    out
}

/// A Suricata alert carries the packet (base64) and its link type; its
/// digest is the digest of the frame the IDS saw in the capture.
#[test]
fn suricata_alert_packets_digest_like_their_frames() {
    let eve = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/suricata/sample-eve-alerts.jsonl"
    ))
    .unwrap();
    let files = [
        "stopddos_pkt.TCP.synflood.spoofed.pcap",
        "stopddos_amp.UDP.snmp.src161.pcapng",
        "sv_rsmurf6.pcap",
        "zeek_ntp_ntpmode67.pcap",
    ];
    let captures: Vec<_> = files.iter().map(|f| capture(f)).collect();
    let mut matched = 0;
    for line in eve.lines() {
        let alert: serde_json::Value = serde_json::from_str(line).unwrap();
        let packet = base64(alert["packet"].as_str().unwrap());
        let link = LinkType(alert["packet_info"]["linktype"].as_u64().unwrap() as u32);
        let c = canonicalize(link, &packet, &v1());
        assert!(c.verdict.is_digested(), "{c:?}");
        let index = alert["pcap_cnt"].as_u64().unwrap() as usize - 1;
        let found = captures.iter().any(|frames| {
            frames
                .get(index)
                .is_some_and(|(l, f, _)| canonicalize(*l, f, &v1()).outer == c.outer)
        });
        matched += usize::from(found);
    }
    assert_eq!(matched, 4, "every alert matches its frame");
    assert_eq!(eve.lines().count(), 4);
}

#[test]
fn verdict_names_are_stable_unique_snake_case() {
    let names: Vec<&str> = Verdict::ALL.iter().map(|v| v.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), names.len());
    for n in &names {
        assert!(
            n.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
            "{n}"
        );
    }
    let digested: Vec<&str> = Verdict::ALL
        .iter()
        .filter(|v| v.is_digested())
        .map(|v| v.as_str())
        .collect();
    assert_eq!(
        digested,
        [
            "ok",
            "fragment",
            "capture_truncated",
            "malformed_ipv6_extension_chain"
        ]
    );
}

#[test]
fn malformed_link_headers() {
    let ip = v4(6, &[], &SYN);
    let bad = Verdict::Malformed(Malformation::LinkHeader);
    // PPPoE session header with version/type 0x12.
    let pppoe = [&[0x12, 0, 0, 1, 0, 0, 0, 0x21][..], &ip].concat();
    assert_eq!(verdict(LinkType::ETHERNET, &eth(0x8864, &pppoe)), bad);
    // MPLS bottom label followed by neither IP, control word nor OAM.
    assert_eq!(
        verdict(LinkType::ETHERNET, &eth(0x8847, &[0, 1, 0x21, 0xff, 0x50, 0])),
        bad
    );
    // A short PPPoE header is truncation, not malformation.
    assert_eq!(
        verdict(LinkType::ETHERNET, &eth(0x8864, &[0x11, 0])),
        Verdict::Truncated
    );
}

#[test]
fn real_jumbogram_is_bounded_by_its_jumbo_length() {
    let f = capture("tcpdump_ipv6_jumbogram_1.pcap");
    let (link, frame, wire) = &f[0];
    assert!(*wire > 65_535);
    let c = canonicalize(*link, frame, &v1());
    assert_eq!(c.verdict, Verdict::Ok);
    let b = c.outer.unwrap();
    assert_eq!(b.as_slice().len(), 56);
    assert_eq!(b.as_slice()[4..6], [0, 0], "payload length stays 0");
    // Bytes after the jumbo length (none here) or a shorter capture of the
    // same packet give the same canonical input.
    let cut = canonicalize(*link, &frame[..14 + 56], &v1());
    assert_eq!((cut.verdict, cut.outer), (Verdict::CaptureTruncated, Some(b)));
}

#[test]
fn unvalidated_profiles_cannot_overrun_the_buffer() {
    let mut p = v1();
    p.ipv4_payload_prefix = 255;
    p.ipv6_payload_prefix = 255;
    assert!(p.validate().is_err());
    let big = vec![0x77; 300];
    let c4 = canonicalize(LinkType::RAW, &v4(17, &[], &big), &p);
    assert_eq!(c4.outer.unwrap().as_slice().len(), 20 + 64);
    let c6 = canonicalize(LinkType::RAW, &v6(17, &big), &p);
    assert_eq!(c6.outer.unwrap().as_slice().len(), CanonicalBytes::CAPACITY);
}
