//! Tunnels, for [`TunnelPolicy::OuterAndInner`](crate::digest::TunnelPolicy):
//! from the outer packet's upper layer to the innermost IP packet.
//!
//! Recognised: IP-in-IP (4), IPv6-in-IP (41, 6in4 and 6in6), GRE (47: IP,
//! MPLS, transparent Ethernet bridging, ERSPAN types I/II/III, WCCP
//! redirect, PPP), VXLAN (UDP 4789), Geneve (UDP 6081), GTP-U (UDP 2152).

use super::canonical::CanonicalBytes;
use super::decode::{by_ethertype, ethernet, ethertype, ppp_protocol, raw_ip, Layers, L3};
use super::ip::{ipv4, ipv6, IpPacket, Scratch};
use crate::digest::DigestProfile;

/// UDP port of VXLAN (RFC 7348).
const VXLAN_PORT: u16 = 4789;
/// UDP port of Geneve (RFC 8926).
const GENEVE_PORT: u16 = 6081;
/// UDP port of GTP-U (3GPP TS 29.281).
const GTPU_PORT: u16 = 2152;

#[inline(always)]
fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

/// Whether an upper-layer protocol may carry a tunnel (cheap pre-check).
#[inline]
pub(crate) fn may_tunnel(proto: u8) -> bool {
    matches!(proto, 4 | 41 | 47 | 17)
}

/// The canonical bytes of the innermost IP packet inside `outer`, if it
/// carries a recognised tunnel and that packet can be digested.
pub(crate) fn innermost(
    outer: &IpPacket<'_>,
    profile: &DigestProfile,
    layers: &mut Layers,
) -> Option<CanonicalBytes> {
    let mut upper = outer.upper;
    let mut buf: Scratch = [0; CanonicalBytes::CAPACITY];
    let mut best: Option<CanonicalBytes> = None;
    while let Some((proto, bytes)) = upper {
        let l3 = match decapsulate(proto, bytes, layers) {
            Some(l3) => l3,
            None => break,
        };
        let packet = match l3 {
            L3::V4(d) => ipv4(d, profile, &mut buf),
            L3::V6(d) => ipv6(d, profile, &mut buf),
            // The tunnel header was cut or malformed: the packet that
            // carried it is the innermost one there is.
            L3::Stop(_) => break,
        };
        match packet.canonical(&buf) {
            Some(c) => best = Some(c),
            // A deeper packet that cannot be digested (cut, malformed): keep
            // the innermost one that can.
            None => break,
        }
        upper = packet.upper;
    }
    best
}

/// The payload of one tunnel layer, if `proto` / `bytes` is a tunnel.
fn decapsulate<'a>(proto: u8, bytes: &'a [u8], layers: &mut Layers) -> Option<L3<'a>> {
    let step = match proto {
        4 | 41 | 47 => layers.push(),
        17 => {
            let port = bytes.get(2..4).map(|p| be16(p, 0))?;
            if !matches!(port, VXLAN_PORT | GENEVE_PORT | GTPU_PORT) {
                return None;
            }
            layers.push()
        }
        _ => return None,
    };
    if let Err(stop) = step {
        return Some(stop);
    }
    Some(match proto {
        4 => L3::V4(bytes),
        41 => L3::V6(bytes),
        47 => gre(bytes, layers),
        _ => udp(bytes, layers),
    })
}

/// A UDP datagram to a tunnel port.
fn udp<'a>(d: &'a [u8], layers: &mut Layers) -> L3<'a> {
    let Some(h) = d.get(..8) else {
        return L3::Stop(super::Verdict::Truncated);
    };
    let payload = &d[8..];
    match be16(h, 2) {
        VXLAN_PORT => match payload.get(8..) {
            Some(eth) => ethernet(eth, layers),
            None => L3::Stop(super::Verdict::Truncated),
        },
        GENEVE_PORT => {
            let Some(g) = payload.get(..8) else {
                return L3::Stop(super::Verdict::Truncated);
            };
            let len = 8 + usize::from(g[0] & 0x3f) * 4;
            match payload.get(len..) {
                Some(inner) => by_ethertype(be16(g, 2), inner, layers),
                None => L3::Stop(super::Verdict::Truncated),
            }
        }
        _ => gtpu(payload),
    }
}

/// A GTP-U G-PDU (version 1, message type 255) carrying IP.
fn gtpu(d: &[u8]) -> L3<'_> {
    let Some(h) = d.get(..8) else {
        return L3::Stop(super::Verdict::Truncated);
    };
    if h[0] >> 5 != 1 || h[1] != 0xff {
        return L3::Stop(super::Verdict::NotIp);
    }
    if h[0] & 0x07 == 0 {
        return raw_ip(&d[8..]);
    }
    // Sequence number, N-PDU number, next extension type; then extensions.
    let Some(&first_ext) = d.get(11) else {
        return L3::Stop(super::Verdict::Truncated);
    };
    let mut next = first_ext;
    let mut at = 12usize;
    let mut guard = 0;
    while next != 0 {
        guard += 1;
        let Some(&words) = d.get(at) else {
            return L3::Stop(super::Verdict::Truncated);
        };
        let len = usize::from(words) * 4;
        if len == 0 || guard > 16 {
            return L3::Stop(super::Verdict::Malformed(super::Malformation::LinkHeader));
        }
        let Some(&n) = d.get(at + len - 1) else {
            return L3::Stop(super::Verdict::Truncated);
        };
        next = n;
        at += len;
    }
    match d.get(at..) {
        Some(ip) => raw_ip(ip),
        None => L3::Stop(super::Verdict::Truncated),
    }
}

/// A GRE packet (RFC 2784/2890, and the PPTP version 1 of RFC 2637).
fn gre<'a>(d: &'a [u8], layers: &mut Layers) -> L3<'a> {
    let Some(h) = d.get(..4) else {
        return L3::Stop(super::Verdict::Truncated);
    };
    let flags = be16(h, 0);
    let proto = be16(h, 2);
    let version = flags & 0x7;
    if flags & 0x4000 != 0 || version > 1 {
        // RFC 1701 source routing, or an unknown version.
        return L3::Stop(super::Verdict::NotIp);
    }
    let mut len = 4;
    for bit in [0x8000, 0x2000, 0x1000] {
        if flags & bit != 0 {
            len += 4;
        }
    }
    if version == 1 && flags & 0x0080 != 0 {
        len += 4; // acknowledgment number
    }
    let Some(payload) = d.get(len..) else {
        return L3::Stop(super::Verdict::Truncated);
    };
    let sequenced = flags & 0x1000 != 0;
    match proto {
        ethertype::IPV4 | ethertype::IPV6 | ethertype::MPLS | ethertype::MPLS_MC => {
            by_ethertype(proto, payload, layers)
        }
        ethertype::TEB => ethernet(payload, layers),
        // ERSPAN type II (sequenced, 8-byte header) or type I (no header).
        0x88be => {
            let skip = if sequenced { 8 } else { 0 };
            match payload.get(skip..) {
                Some(eth) => ethernet(eth, layers),
                None => L3::Stop(super::Verdict::Truncated),
            }
        }
        // ERSPAN type III: 12-byte header, 8 more with the O flag.
        0x22eb => {
            let Some(e) = payload.get(..12) else {
                return L3::Stop(super::Verdict::Truncated);
            };
            let skip = if e[11] & 1 == 1 { 20 } else { 12 };
            match payload.get(skip..) {
                Some(eth) => ethernet(eth, layers),
                None => L3::Stop(super::Verdict::Truncated),
            }
        }
        // WCCP redirect: IPv4, after a 4-byte redirect header in WCCPv2.
        0x883e => match payload.first() {
            Some(b) if b >> 4 == 4 => L3::V4(payload),
            Some(_) => payload
                .get(4..)
                .map_or(L3::Stop(super::Verdict::Truncated), raw_ip),
            None => L3::Stop(super::Verdict::Truncated),
        },
        // PPP (PPTP).
        0x880b => {
            let rest = match payload {
                [0xff, 0x03, rest @ ..] => rest,
                _ => payload,
            };
            ppp_protocol(rest, layers)
        }
        _ => L3::Stop(super::Verdict::NotIp),
    }
}
