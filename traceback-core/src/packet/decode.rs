//! From a link-layer frame to the start of its IP packet: link headers,
//! VLAN tags, MPLS labels (with pseudowire control word), PPPoE, PPP.

use super::{LinkType, Malformation, Verdict};

/// Most encapsulation layers (VLAN tags, MPLS labels, pseudowires, PPPoE,
/// tunnels) followed in one frame before [`Malformation::TooManyLayers`].
pub const MAX_LAYERS: u32 = 16;

/// Where decoding below IP ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum L3<'a> {
    /// An IPv4 packet starts here.
    V4(&'a [u8]),
    /// An IPv6 packet starts here.
    V6(&'a [u8]),
    /// No IP packet: the frame's verdict.
    Stop(Verdict),
}

/// Counts nested layers so hostile frames cannot make the decoder loop.
#[derive(Debug, Default)]
pub(crate) struct Layers(u32);

impl Layers {
    /// Count one more layer; `Err` with the verdict when over the bound.
    #[inline]
    pub(crate) fn push(&mut self) -> Result<(), L3<'static>> {
        self.0 += 1;
        if self.0 > MAX_LAYERS {
            Err(L3::Stop(Verdict::Malformed(Malformation::TooManyLayers)))
        } else {
            Ok(())
        }
    }
}

/// Ethertypes.
pub(crate) mod ethertype {
    /// IPv4.
    pub(crate) const IPV4: u16 = 0x0800;
    /// IPv6.
    pub(crate) const IPV6: u16 = 0x86dd;
    /// 802.1Q customer VLAN tag.
    pub(crate) const VLAN: u16 = 0x8100;
    /// 802.1ad service VLAN tag (QinQ).
    pub(crate) const QINQ: u16 = 0x88a8;
    /// Pre-standard QinQ tags.
    pub(crate) const QINQ_OLD: u16 = 0x9100;
    /// Pre-standard QinQ tags (second value).
    pub(crate) const QINQ_OLD2: u16 = 0x9200;
    /// MPLS unicast.
    pub(crate) const MPLS: u16 = 0x8847;
    /// MPLS multicast.
    pub(crate) const MPLS_MC: u16 = 0x8848;
    /// PPPoE session stage.
    pub(crate) const PPPOE_SESSION: u16 = 0x8864;
    /// Transparent Ethernet bridging (GRE, Geneve).
    pub(crate) const TEB: u16 = 0x6558;
}

#[inline(always)]
fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

/// Decode the link layer of `frame` down to its IP packet.
pub(crate) fn link_to_ip<'a>(link: LinkType, frame: &'a [u8], layers: &mut Layers) -> L3<'a> {
    match link {
        LinkType::ETHERNET => ethernet(frame, layers),
        LinkType::RAW => raw_ip(frame),
        LinkType::IPV4 => L3::V4(frame),
        LinkType::IPV6 => L3::V6(frame),
        LinkType::LINUX_SLL => match frame.get(14..16) {
            Some(p) => by_ethertype(be16(p, 0), &frame[16..], layers),
            None => L3::Stop(Verdict::Truncated),
        },
        LinkType::LINUX_SLL2 => match frame.get(..20) {
            Some(h) => by_ethertype(be16(h, 0), &frame[20..], layers),
            None => L3::Stop(Verdict::Truncated),
        },
        LinkType::NULL => match frame.get(..4) {
            Some(h) => {
                let le = u32::from_le_bytes([h[0], h[1], h[2], h[3]]);
                let be = u32::from_be_bytes([h[0], h[1], h[2], h[3]]);
                // The capturing host's byte order is unknown: accept both.
                by_address_family(if le <= 0xffff { le } else { be }, &frame[4..])
            }
            None => L3::Stop(Verdict::Truncated),
        },
        LinkType::LOOP => match frame.get(..4) {
            Some(h) => by_address_family(u32::from_be_bytes([h[0], h[1], h[2], h[3]]), &frame[4..]),
            None => L3::Stop(Verdict::Truncated),
        },
        LinkType::PPP => ppp(frame, layers),
        _ => L3::Stop(Verdict::UnsupportedLinkType),
    }
}

/// An IP packet whose version nibble says which.
#[inline]
pub(crate) fn raw_ip(d: &[u8]) -> L3<'_> {
    match d.first().map(|b| b >> 4) {
        None => L3::Stop(Verdict::Truncated),
        Some(4) => L3::V4(d),
        Some(6) => L3::V6(d),
        Some(_) => L3::Stop(Verdict::Malformed(Malformation::IpVersion)),
    }
}

/// BSD loopback address families: `AF_INET` everywhere; `AF_INET6` is 24
/// (NetBSD/OpenBSD), 28 (FreeBSD), 30 (macOS) or 23 (Windows, Npcap loopback).
fn by_address_family(af: u32, rest: &[u8]) -> L3<'_> {
    match af {
        2 => L3::V4(rest),
        23 | 24 | 28 | 30 => L3::V6(rest),
        _ => L3::Stop(Verdict::NotIp),
    }
}

/// An Ethernet II / 802.3 frame.
pub(crate) fn ethernet<'a>(frame: &'a [u8], layers: &mut Layers) -> L3<'a> {
    match frame.get(12..14) {
        Some(t) => by_ethertype(be16(t, 0), &frame[14..], layers),
        None => L3::Stop(Verdict::Truncated),
    }
}

/// Follow `et` (an ethertype, or an 802.3 length) through VLAN tags, MPLS,
/// PPPoE to the IP packet in `rest`.
pub(crate) fn by_ethertype<'a>(mut et: u16, mut rest: &'a [u8], layers: &mut Layers) -> L3<'a> {
    loop {
        match et {
            ethertype::IPV4 => return L3::V4(rest),
            ethertype::IPV6 => return L3::V6(rest),
            ethertype::VLAN | ethertype::QINQ | ethertype::QINQ_OLD | ethertype::QINQ_OLD2 => {
                if let Err(stop) = layers.push() {
                    return stop;
                }
                let Some(tag) = rest.get(..4) else {
                    return L3::Stop(Verdict::Truncated);
                };
                et = be16(tag, 2);
                rest = &rest[4..];
            }
            ethertype::MPLS | ethertype::MPLS_MC => return mpls(rest, layers),
            ethertype::PPPOE_SESSION => {
                if let Err(stop) = layers.push() {
                    return stop;
                }
                let Some(h) = rest.get(..6) else {
                    return L3::Stop(Verdict::Truncated);
                };
                if h[0] != 0x11 || h[1] != 0 {
                    return L3::Stop(Verdict::Malformed(Malformation::LinkHeader));
                }
                return ppp_protocol(&rest[6..], layers);
            }
            ethertype::TEB => {
                if let Err(stop) = layers.push() {
                    return stop;
                }
                return ethernet(rest, layers);
            }
            0..=0x05ff => {
                // 802.3 length field: LLC; only SNAP with an ethertype can carry IP.
                match rest.get(..8) {
                    Some(s) if s[..6] == [0xaa, 0xaa, 0x03, 0, 0, 0] => {
                        et = be16(s, 6);
                        rest = &rest[8..];
                        if et <= 0x05ff {
                            return L3::Stop(Verdict::NotIp);
                        }
                    }
                    _ => return L3::Stop(Verdict::NotIp),
                }
            }
            _ => return L3::Stop(Verdict::NotIp),
        }
    }
}

/// An MPLS label stack, then IPv4 / IPv6 by the first nibble, or a
/// pseudowire control word (first nibble 0) and an Ethernet frame.
pub(crate) fn mpls<'a>(mut rest: &'a [u8], layers: &mut Layers) -> L3<'a> {
    loop {
        if let Err(stop) = layers.push() {
            return stop;
        }
        let Some(label) = rest.get(..4) else {
            return L3::Stop(Verdict::Truncated);
        };
        rest = &rest[4..];
        if label[2] & 1 == 1 {
            break;
        }
    }
    match rest.first().map(|b| b >> 4) {
        None => L3::Stop(Verdict::Truncated),
        Some(4) => L3::V4(rest),
        Some(6) => L3::V6(rest),
        Some(0) => {
            // RFC 4385 control word, then the emulated Ethernet frame.
            if let Err(stop) = layers.push() {
                return stop;
            }
            match rest.get(4..) {
                Some(eth) => ethernet(eth, layers),
                None => L3::Stop(Verdict::Truncated),
            }
        }
        // RFC 5586 associated channel (OAM), not user traffic.
        Some(1) => L3::Stop(Verdict::NotIp),
        Some(_) => L3::Stop(Verdict::Malformed(Malformation::LinkHeader)),
    }
}

/// A PPP frame (link type 9): optional `ff 03`, then the protocol.
fn ppp<'a>(frame: &'a [u8], layers: &mut Layers) -> L3<'a> {
    let rest = match frame {
        [0xff, 0x03, rest @ ..] => rest,
        _ => frame,
    };
    ppp_protocol(rest, layers)
}

/// A PPP protocol field (1 byte when compressed, RFC 1661 section 6.5) and
/// what follows.
pub(crate) fn ppp_protocol<'a>(rest: &'a [u8], layers: &mut Layers) -> L3<'a> {
    let (proto, payload) = match rest {
        [] => return L3::Stop(Verdict::Truncated),
        [p, payload @ ..] if p & 1 == 1 => (u16::from(*p), payload),
        [hi, lo, payload @ ..] => (u16::from_be_bytes([*hi, *lo]), payload),
        [_] => return L3::Stop(Verdict::Truncated),
    };
    match proto {
        0x0021 => L3::V4(payload),
        0x0057 => L3::V6(payload),
        0x0281 | 0x0283 => mpls(payload, layers),
        _ => L3::Stop(Verdict::NotIp),
    }
}
