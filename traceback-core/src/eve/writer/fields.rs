//! The alert fields Suricata derives from the packet itself: addresses,
//! ports, protocol, ICMP type and code, L4 payload.

use super::EveWriteError;
use crate::packet::LinkType;
use etherparse::{EtherType, LaxNetSlice, LaxSlicedPacket, TransportSlice};
use std::net::IpAddr;

/// What an EVE alert says about its packet, decoded with etherparse's lax
/// slicing (a frame cut inside the transport header still gives addresses).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FrameFields<'a> {
    pub(crate) src: IpAddr,
    pub(crate) dst: IpAddr,
    /// IP protocol number of the transport (after IPv6 extension headers).
    pub(crate) proto: u8,
    /// Ports, for TCP and UDP whose header is in the frame.
    pub(crate) ports: Option<(u16, u16)>,
    /// ICMP or ICMPv6 type and code.
    pub(crate) icmp: Option<(u8, u8)>,
    /// Transport payload (empty when there is none or it was not decoded).
    pub(crate) payload: &'a [u8],
}

/// IP slicing that maps "no IP header" to [`EveWriteError::NotIp`].
fn from_ip(b: &[u8]) -> Result<LaxSlicedPacket<'_>, EveWriteError> {
    LaxSlicedPacket::from_ip(b).map_err(|_| EveWriteError::NotIp)
}

/// Slicing after a link header that names the EtherType at `at..at + 2` and
/// ends at `hdr_len`.
fn after_header(frame: &[u8], at: usize, hdr_len: usize) -> Result<LaxSlicedPacket<'_>, EveWriteError> {
    match (frame.get(at..at + 2), frame.get(hdr_len..)) {
        (Some(&[a, b]), Some(rest)) => Ok(LaxSlicedPacket::from_ether_type(
            EtherType(u16::from_be_bytes([a, b])),
            rest,
        )),
        _ => Err(EveWriteError::NotIp),
    }
}

/// Slice `frame` from its link header down, per link type.
fn slice(link: LinkType, frame: &[u8]) -> Result<LaxSlicedPacket<'_>, EveWriteError> {
    match link {
        LinkType::ETHERNET => LaxSlicedPacket::from_ethernet(frame).map_err(|_| EveWriteError::NotIp),
        LinkType::RAW | LinkType::IPV4 | LinkType::IPV6 => from_ip(frame),
        // 4-byte address family (either byte order), then IP.
        LinkType::NULL | LinkType::LOOP => from_ip(frame.get(4..).ok_or(EveWriteError::NotIp)?),
        // SLL: 16-byte header, protocol at 14..16.
        LinkType::LINUX_SLL => after_header(frame, 14, 16),
        // SLL2: 20-byte header, protocol at 0..2.
        LinkType::LINUX_SLL2 => after_header(frame, 0, 20),
        LinkType::PPP => {
            let b = frame.strip_prefix(&[0xff, 0x03]).unwrap_or(frame);
            match b {
                [0x00, 0x21 | 0x57, rest @ ..] | [0x21 | 0x57, rest @ ..] => from_ip(rest),
                _ => Err(EveWriteError::NotIp),
            }
        }
        other => Err(EveWriteError::UnsupportedLinkType(other)),
    }
}

/// Decode the fields of `frame` captured on `link`.
pub(crate) fn frame_fields(link: LinkType, frame: &[u8]) -> Result<FrameFields<'_>, EveWriteError> {
    let p = slice(link, frame)?;
    let (src, dst, ip_payload) = match &p.net {
        Some(LaxNetSlice::Ipv4(v4)) => (
            IpAddr::V4(v4.header().source_addr()),
            IpAddr::V4(v4.header().destination_addr()),
            v4.payload(),
        ),
        Some(LaxNetSlice::Ipv6(v6)) => (
            IpAddr::V6(v6.header().source_addr()),
            IpAddr::V6(v6.header().destination_addr()),
            v6.payload(),
        ),
        _ => return Err(EveWriteError::NotIp),
    };
    let mut f = FrameFields {
        src,
        dst,
        proto: ip_payload.ip_number.0,
        ports: None,
        icmp: None,
        payload: &[],
    };
    match &p.transport {
        Some(TransportSlice::Tcp(t)) => {
            f.ports = Some((t.source_port(), t.destination_port()));
            f.payload = t.payload();
        }
        Some(TransportSlice::Udp(u)) => {
            f.ports = Some((u.source_port(), u.destination_port()));
            f.payload = u.payload();
        }
        Some(TransportSlice::Icmpv4(i)) => {
            f.icmp = Some((i.type_u8(), i.code_u8()));
            f.payload = i.payload();
        }
        Some(TransportSlice::Icmpv6(i)) => {
            f.icmp = Some((i.type_u8(), i.code_u8()));
            f.payload = i.payload();
        }
        _ => {}
    }
    Ok(f)
}

/// The protocol name Suricata writes in `proto`: the IANA keyword from its
/// `known_proto` table for the protocols an attack packet plausibly carries,
/// else the number in decimal.
pub(crate) fn proto_name(proto: u8) -> String {
    match proto {
        0 => "HOPOPT",
        1 => "ICMP",
        2 => "IGMP",
        4 => "IP-in-IP",
        6 => "TCP",
        17 => "UDP",
        33 => "DCCP",
        41 => "IPv6",
        43 => "IPv6-Route",
        44 => "IPv6-Frag",
        46 => "RSVP",
        47 => "GRE",
        50 => "ESP",
        51 => "AH",
        58 => "IPv6-ICMP",
        59 => "IPv6-NoNxt",
        60 => "IPv6-Opts",
        88 => "EIGRP",
        89 => "OSPF",
        103 => "PIM",
        112 => "VRRP",
        115 => "L2TP",
        132 => "SCTP",
        136 => "UDPLite",
        137 => "MPLS-in-IP",
        n => return n.to_string(),
    }
    .to_string()
}

/// An address as Suricata writes it: dotted quad, or IPv6 with all eight
/// groups as four lower-case hex digits (`ff02:0000:...:0001`).
pub(crate) fn addr_text(a: IpAddr) -> String {
    match a {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let g = v6.segments();
            format!(
                "{:04x}:{:04x}:{:04x}:{:04x}:{:04x}:{:04x}:{:04x}:{:04x}",
                g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7]
            )
        }
    }
}

/// `payload_printable`: printable ASCII, `\n` and `\r` kept, every other
/// byte a dot (Suricata's `PrintStringsToBuffer`).
pub(crate) fn printable(payload: &[u8]) -> String {
    payload
        .iter()
        .map(|&b| {
            if b.is_ascii_graphic() || b == b' ' || b == b'\n' || b == b'\r' {
                b as char
            } else {
                '.'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_addresses_and_printable() {
        assert_eq!(proto_name(4), "IP-in-IP");
        assert_eq!(proto_name(58), "IPv6-ICMP");
        assert_eq!(proto_name(253), "253");
        assert_eq!(
            addr_text("::1".parse().unwrap()),
            "0000:0000:0000:0000:0000:0000:0000:0001"
        );
        assert_eq!(addr_text("10.0.0.1".parse().unwrap()), "10.0.0.1");
        assert_eq!(printable(b"a b\r\n\x00\x7f\xff~"), "a b\r\n...~");
    }

    #[test]
    fn ppp_and_sll2_frames() {
        let ip = [
            0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 192, 0, 2, 1, 10, 0, 0, 1, 0, 53, 0, 99, 0, 8, 0, 0,
        ];
        let mut ppp = vec![0xff, 0x03, 0x00, 0x21];
        ppp.extend_from_slice(&ip);
        let f = frame_fields(LinkType::PPP, &ppp).unwrap();
        assert_eq!((f.proto, f.ports, f.payload.len()), (17, Some((53, 99)), 0));
        let mut sll2 = vec![0x08, 0x00, 0, 0, 0, 0, 0, 1, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0];
        sll2.extend_from_slice(&ip);
        assert_eq!(frame_fields(LinkType::LINUX_SLL2, &sll2).unwrap(), f);
        assert!(matches!(
            frame_fields(LinkType::PPP, &[0xff, 0x03, 0xc0, 0x21]),
            Err(EveWriteError::NotIp)
        ));
    }
}
