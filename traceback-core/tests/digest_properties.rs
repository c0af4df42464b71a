//! Property tests: the digest ignores what routers and links change, and
//! sees every byte they do not change.

use proptest::prelude::*;
use traceback_core::digest::TunnelPolicy;
use traceback_core::digest::{Blake3Digester, Digest, Digester, FederationSecret, FrameDigest};
use traceback_core::packet::{canonicalize, LinkType};
use traceback_core::DigestProfile;

fn digester() -> Blake3Digester {
    Blake3Digester::new(
        DigestProfile::V1,
        &FederationSecret::from_passphrase("traceback property tests"),
    )
    .unwrap()
}

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

/// Recompute the IPv4 header checksum in place (as a router does).
fn fix_v4_checksum(p: &mut [u8]) {
    let ihl = usize::from(p[0] & 0x0f) * 4;
    p[10] = 0;
    p[11] = 0;
    let c = checksum(&p[..ihl]);
    p[10..12].copy_from_slice(&c.to_be_bytes());
}

/// An IP packet with what the invariance properties need to know about it.
#[derive(Clone, Debug)]
struct Packet {
    bytes: Vec<u8>,
    v6: bool,
}

impl Packet {
    /// Offset of the TTL / hop limit.
    fn ttl_at(&self) -> usize {
        if self.v6 {
            7
        } else {
            8
        }
    }

    /// Per-byte masks of the bits that go into the digest as on the wire.
    fn invariant_bits(&self) -> Vec<(usize, u8)> {
        let p = &self.bytes;
        let mut out = Vec::new();
        if self.v6 {
            out.push((0, 0xf0));
            out.push((1, 0x0f));
            for i in 2..7 {
                out.push((i, 0xff));
            }
            let prefix = 16.min(p.len() - 40);
            for i in 8..40 + prefix {
                out.push((i, 0xff));
            }
        } else {
            let ihl = usize::from(p[0] & 0x0f) * 4;
            for i in [0, 2, 3, 4, 5, 6, 7, 9, 12, 13, 14, 15, 16, 17, 18, 19] {
                out.push((i, 0xff));
            }
            for i in ihl..(ihl + 8).min(p.len()) {
                out.push((i, 0xff));
            }
        }
        out
    }
}

prop_compose! {
    fn ipv4_packet()(
        tos in any::<u8>(),
        ident in any::<u16>(),
        df in any::<bool>(),
        frag_offset in prop_oneof![Just(0u16), 1u16..0x1fff],
        ttl in 2u8..=255,
        proto in prop_oneof![Just(6u8), Just(17u8), Just(1u8), any::<u8>()],
        src in any::<[u8; 4]>(),
        dst in any::<[u8; 4]>(),
        option_words in 0usize..=10,
        option_fill in any::<u8>(),
        payload in proptest::collection::vec(any::<u8>(), 0..80),
    ) -> Packet {
        let ihl = 20 + option_words * 4;
        let total = (ihl + payload.len()) as u16;
        let flags = if df { 0x4000 } else { 0 } | frag_offset;
        let mut p = vec![0x40 | (ihl / 4) as u8, tos];
        p.extend_from_slice(&total.to_be_bytes());
        p.extend_from_slice(&ident.to_be_bytes());
        p.extend_from_slice(&flags.to_be_bytes());
        p.extend_from_slice(&[ttl, proto, 0, 0]);
        p.extend_from_slice(&src);
        p.extend_from_slice(&dst);
        // NOP options (type 1) with an arbitrary fill in their padding
        // position: any option bytes, as options are excluded.
        for i in 0..option_words * 4 {
            p.push(if i % 4 == 3 { option_fill | 1 } else { 1 });
        }
        p.extend_from_slice(&payload);
        fix_v4_checksum(&mut p);
        Packet { bytes: p, v6: false }
    }
}

prop_compose! {
    fn ipv6_packet()(
        tc in any::<u8>(),
        flow in 0u32..(1 << 20),
        nh in prop_oneof![Just(6u8), Just(17u8), Just(58u8)],
        hop in 2u8..=255,
        src in any::<[u8; 16]>(),
        dst in any::<[u8; 16]>(),
        payload in proptest::collection::vec(any::<u8>(), 1..90),
    ) -> Packet {
        let w = (6u32 << 28) | (u32::from(tc) << 20) | flow;
        let mut p = w.to_be_bytes().to_vec();
        p.extend_from_slice(&(payload.len() as u16).to_be_bytes());
        p.extend_from_slice(&[nh, hop]);
        p.extend_from_slice(&src);
        p.extend_from_slice(&dst);
        p.extend_from_slice(&payload);
        Packet { bytes: p, v6: true }
    }
}

fn packet() -> impl Strategy<Value = Packet> {
    prop_oneof![ipv4_packet(), ipv6_packet()]
}

fn ethertype(p: &Packet) -> u16 {
    if p.v6 {
        0x86dd
    } else {
        0x0800
    }
}

fn ethernet(et: u16, body: &[u8]) -> Vec<u8> {
    let mut f = vec![0, 0, 0x5e, 0, 0x53, 1, 2, 0, 0, 0, 0, 1];
    f.extend_from_slice(&et.to_be_bytes());
    f.extend_from_slice(body);
    f
}

fn digest(link: LinkType, frame: &[u8]) -> FrameDigest {
    digester().digest_frame(link, frame)
}

fn on_ethernet(p: &Packet) -> Option<Digest> {
    let d = digest(LinkType::ETHERNET, &ethernet(ethertype(p), &p.bytes));
    assert!(d.verdict.is_digested(), "{:?}", d.verdict);
    d.digest
}

proptest! {
    #[test]
    fn ttl_decrement_with_new_checksum_keeps_the_digest(p in packet(), hops in 1u8..=10) {
        let before = on_ethernet(&p);
        let mut q = p.clone();
        let at = q.ttl_at();
        q.bytes[at] = q.bytes[at].saturating_sub(hops).max(1);
        if !q.v6 {
            fix_v4_checksum(&mut q.bytes);
        }
        prop_assert_eq!(on_ethernet(&q), before);
    }

    #[test]
    fn dscp_ecn_rewrite_keeps_the_digest(p in packet(), tc in any::<u8>()) {
        let before = on_ethernet(&p);
        let mut q = p.clone();
        if q.v6 {
            q.bytes[0] = 0x60 | (tc >> 4);
            q.bytes[1] = (tc << 4) | (q.bytes[1] & 0x0f);
        } else {
            q.bytes[1] = tc;
            fix_v4_checksum(&mut q.bytes);
        }
        prop_assert_eq!(on_ethernet(&q), before);
    }

    #[test]
    fn vlan_tags_and_mpls_labels_do_not_matter(
        p in packet(),
        tags in proptest::collection::vec((prop_oneof![Just(0x8100u16), Just(0x88a8), Just(0x9100)], any::<u16>()), 0..4),
        labels in proptest::collection::vec(any::<u32>(), 0..4),
    ) {
        let before = on_ethernet(&p);
        // Ethernet / VLAN tags / [MPLS labels] / IP.
        let inner_et = if labels.is_empty() { ethertype(&p) } else { 0x8847 };
        let mut body = Vec::new();
        let mut types: Vec<u16> = tags.iter().map(|t| t.0).skip(1).collect();
        types.push(inner_et);
        for ((_, tci), next) in tags.iter().zip(&types) {
            body.extend_from_slice(&tci.to_be_bytes());
            body.extend_from_slice(&next.to_be_bytes());
        }
        for (i, l) in labels.iter().enumerate() {
            let bos = if i + 1 == labels.len() { 0x100 } else { 0 };
            body.extend_from_slice(&((l & !0x100) | bos).to_be_bytes());
        }
        body.extend_from_slice(&p.bytes);
        let first = tags.first().map_or(inner_et, |t| t.0);
        let d = digest(LinkType::ETHERNET, &ethernet(first, &body));
        prop_assert_eq!(d.digest, before);
    }

    #[test]
    fn ethernet_padding_and_fcs_do_not_matter(p in packet(), fcs in any::<[u8; 4]>(), pad in 0usize..64) {
        let before = on_ethernet(&p);
        let mut f = ethernet(ethertype(&p), &p.bytes);
        f.resize(f.len().max(60) + pad, 0);
        prop_assert_eq!(digest(LinkType::ETHERNET, &f).digest, before);
        f.extend_from_slice(&fcs);
        prop_assert_eq!(digest(LinkType::ETHERNET, &f).digest, before);
    }

    #[test]
    fn link_types_do_not_matter(p in packet()) {
        let before = on_ethernet(&p);
        let et = ethertype(&p).to_be_bytes();
        let mut sll = vec![0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0];
        sll.extend_from_slice(&et);
        let mut sll2 = et.to_vec();
        sll2.extend_from_slice(&[0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0]);
        let af: u32 = if p.v6 { 30 } else { 2 };
        let framings: Vec<(LinkType, Vec<u8>)> = vec![
            (LinkType::RAW, Vec::new()),
            (if p.v6 { LinkType::IPV6 } else { LinkType::IPV4 }, Vec::new()),
            (LinkType::LINUX_SLL, sll),
            (LinkType::LINUX_SLL2, sll2),
            (LinkType::NULL, af.to_le_bytes().to_vec()),
            (LinkType::NULL, af.to_be_bytes().to_vec()),
            (LinkType::LOOP, af.to_be_bytes().to_vec()),
            (LinkType::PPP, vec![0xff, 0x03, 0x00, if p.v6 { 0x57 } else { 0x21 }]),
        ];
        for (link, header) in framings {
            let f = [header, p.bytes.clone()].concat();
            prop_assert_eq!(digest(link, &f).digest, before, "{}", link);
        }
    }

    #[test]
    fn any_invariant_bit_changes_the_digest(p in packet(), pick in any::<prop::sample::Index>(), bit in 0u32..8) {
        let before = on_ethernet(&p);
        let bits = p.invariant_bits();
        let (at, mask) = bits[pick.index(bits.len())];
        let flip = (1u8 << bit) & mask;
        let flip = if flip == 0 { mask & mask.wrapping_neg() } else { flip };
        let mut q = p.clone();
        q.bytes[at] ^= flip;
        let after = digest(LinkType::ETHERNET, &ethernet(ethertype(&q), &q.bytes));
        prop_assert_ne!(after.digest, before, "byte {} bit {:#x}", at, flip);
    }

    #[test]
    fn any_masked_bit_keeps_the_digest(p in packet(), value in any::<u8>()) {
        let before = on_ethernet(&p);
        let mut q = p.clone();
        if q.v6 {
            q.bytes[7] = value;
        } else {
            // TTL, TOS and checksum all at once, checksum left wrong.
            q.bytes[8] = value;
            q.bytes[1] = value;
            q.bytes[10] = value;
            q.bytes[11] = !value;
        }
        prop_assert_eq!(on_ethernet(&q), before);
    }

    #[test]
    fn arbitrary_bytes_never_panic(
        link in prop_oneof![Just(0u32), Just(1), Just(9), Just(101), Just(108), Just(113), Just(228), Just(229), Just(276), any::<u32>()],
        frame in proptest::collection::vec(any::<u8>(), 0..200),
        inner in any::<bool>(),
    ) {
        let mut profile = DigestProfile::V1;
        if inner {
            profile.tunnel = TunnelPolicy::OuterAndInner;
        }
        let c = canonicalize(LinkType(link), &frame, &profile);
        prop_assert_eq!(c.verdict.is_digested(), c.outer.is_some());
        prop_assert!(c.inner.is_none() || c.outer.is_some());
    }

    #[test]
    fn mutated_tunnel_frames_never_panic(
        p in packet(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cut in any::<prop::sample::Index>(),
    ) {
        // Ethernet / VLAN / IPv4 / GRE (key, sequence) / Ethernet / MPLS / the packet.
        let mut inner = vec![0u8, 1, 0x21, 0x40];
        inner.extend_from_slice(&p.bytes);
        let mut gre = vec![0x30, 0, 0x65, 0x58, 0, 0, 0, 1, 0, 0, 0, 2];
        gre.extend_from_slice(&ethernet(0x8847, &inner));
        let mut outer = vec![0x45, 0, 0, 0, 0, 1, 0, 0, 64, 47, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2];
        let total = (20 + gre.len()) as u16;
        outer[2..4].copy_from_slice(&total.to_be_bytes());
        outer.extend_from_slice(&gre);
        let mut frame = ethernet(0x8100, &[&[0u8, 5, 8, 0][..], &outer].concat());
        let mut profile = DigestProfile::V1;
        profile.tunnel = TunnelPolicy::OuterAndInner;
        let whole = canonicalize(LinkType::ETHERNET, &frame, &profile);
        prop_assert!(whole.inner.is_some(), "{:?}", whole);
        for (at, value) in edits {
            let i = at.index(frame.len());
            frame[i] = value;
        }
        let end = cut.index(frame.len() + 1);
        let c = canonicalize(LinkType::ETHERNET, &frame[..end], &profile);
        prop_assert_eq!(c.verdict.is_digested(), c.outer.is_some());
    }
}

/// A Hop-by-Hop header of TLV options (types with and without the "may
/// change en route" bit 0x20, random data), padded with PadN to a multiple
/// of 8 bytes, followed by UDP. Returns the packet and, for each byte of
/// the header, whether it is data of a mutable option.
fn hbh_packet(options: &[(u8, Vec<u8>)], hop: u8) -> (Vec<u8>, Vec<bool>) {
    let mut h = vec![17u8, 0];
    let mut mutable = vec![false, false];
    for (kind, data) in options {
        h.extend_from_slice(&[*kind, data.len() as u8]);
        mutable.extend_from_slice(&[false, false]);
        h.extend_from_slice(data);
        mutable.extend(std::iter::repeat_n(kind & 0x20 != 0, data.len()));
    }
    let pad = (8 - h.len() % 8) % 8;
    match pad {
        0 => {}
        1 => {
            h.push(0);
            mutable.push(false);
        }
        n => {
            h.extend_from_slice(&[1, (n - 2) as u8]);
            h.extend(std::iter::repeat_n(0, n - 2));
            mutable.extend(std::iter::repeat_n(false, n));
        }
    }
    h[1] = (h.len() / 8 - 1) as u8;
    let udp = [0x30, 0x39, 0, 53, 0, 12, 0, 0, 1, 2, 3, 4];
    let payload = [&h[..], &udp[..]].concat();
    let mut p = vec![0x60, 0, 0, 0];
    p.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    p.extend_from_slice(&[0, hop]);
    p.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    p.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
    p.extend_from_slice(&payload);
    (p, mutable)
}

fn hbh_option() -> impl Strategy<Value = (u8, Vec<u8>)> {
    (
        // Never Pad1 (0) or PadN (1): they have no data to test.
        2u8..=255,
        proptest::collection::vec(any::<u8>(), 0..12),
    )
}

proptest! {
    #[test]
    fn rewritten_mutable_ipv6_options_keep_the_digest(
        options in proptest::collection::vec(hbh_option(), 1..4),
        fresh in any::<u8>(),
        pick in any::<prop::sample::Index>(),
    ) {
        let (p, mutable) = hbh_packet(&options, 64);
        let before = digest(LinkType::RAW, &p).digest;
        prop_assert!(before.is_some());
        // The next router: hop limit 63, every mutable data byte rewritten.
        let mut q = p.clone();
        q[7] = 63;
        for (i, m) in mutable.iter().enumerate() {
            if *m {
                q[40 + i] = q[40 + i].wrapping_add(fresh | 1);
            }
        }
        prop_assert_eq!(digest(LinkType::RAW, &q).digest, before);
        // Any other byte of the 16-byte prefix still counts.
        let kept: Vec<usize> = (0..16.min(mutable.len())).filter(|&i| !mutable[i]).collect();
        let at = 40 + kept[pick.index(kept.len())];
        let mut r = p.clone();
        r[at] ^= 0x01;
        prop_assert_ne!(digest(LinkType::RAW, &r).digest, before, "byte {}", at);
    }
}
