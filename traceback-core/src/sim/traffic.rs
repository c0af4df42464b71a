//! Traffic from real captures, re-addressed into the simulated ISPs.
//!
//! Frames are read with the core capture reader from bytes the caller hands
//! in (the core opens no files), reduced to their IP packets (link layer,
//! VLAN tags and MPLS labels removed, Ethernet padding cut at the IP length).

use super::asgraph::AsGraph;
use super::isp::{customer_prefix, CUSTOMERS_PER_ISP};
use super::network::Endpoint;
use super::SimError;
use crate::capture::CaptureReader;
use crate::packet::ip_packet;
use crate::time::Timestamp;
use crate::topology::LinkId;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// One IP packet taken from a capture, with its capture time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CapturedPacket {
    /// Capture timestamp.
    pub ts: Timestamp,
    /// The bare IP packet, cut at its IP length.
    pub ip: Vec<u8>,
}

/// Counters of a capture's conversion into IP packets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoadStats {
    /// Records read.
    pub records: usize,
    /// IP packets kept.
    pub packets: usize,
    /// Records without a usable IP packet (not IP, truncated, malformed).
    pub skipped: usize,
}

/// Read up to `limit` IP packets from a pcap or pcapng capture.
pub fn load_ip_packets(capture: &[u8], limit: usize) -> Result<(Vec<CapturedPacket>, LoadStats), SimError> {
    let mut reader = CaptureReader::new(capture)?;
    let mut out = Vec::new();
    let mut stats = LoadStats::default();
    while out.len() < limit {
        let Some(rec) = reader.next_record()? else { break };
        stats.records += 1;
        match ip_packet(rec.link, rec.data).ok().and_then(cut_to_ip_length) {
            Some(ip) => {
                out.push(CapturedPacket {
                    ts: rec.ts,
                    ip: ip.to_vec(),
                });
                stats.packets += 1;
            }
            None => stats.skipped += 1,
        }
    }
    Ok((out, stats))
}

/// The packet without trailing bytes beyond its IP length; `None` when the
/// capture holds less than the IP header claims (a simulator only forwards
/// whole packets) or the length field is unusable.
fn cut_to_ip_length(d: &[u8]) -> Option<&[u8]> {
    let len = match d.first()? >> 4 {
        4 => usize::from(u16::from_be_bytes([*d.get(2)?, *d.get(3)?])),
        6 => 40 + usize::from(u16::from_be_bytes([*d.get(4)?, *d.get(5)?])),
        _ => return None,
    };
    let min = if d[0] >> 4 == 4 { 20 } else { 40 };
    if len < min || len > d.len() {
        return None;
    }
    Some(&d[..len])
}

/// A random customer edge of ISP `isp`.
pub fn random_endpoint(isp: usize, rng: &mut ChaCha8Rng) -> Endpoint {
    Endpoint {
        isp,
        edge: super::isp::customer_link_id(rng.gen_range(0..CUSTOMERS_PER_ISP)),
    }
}

/// A random host address of the right family behind `endpoint`: inside the
/// customer edge's /24 for IPv4, inside the ISP's /48 for IPv6.
pub fn random_host(g: &AsGraph, endpoint: &Endpoint, v6: bool, rng: &mut ChaCha8Rng) -> IpAddr {
    if v6 {
        let (net, _) = g.node(endpoint.isp).v6_prefix;
        let mut o = net.segments();
        o[3] = customer_index(&endpoint.edge) as u16;
        o[7] = rng.gen_range(1..0xffff);
        IpAddr::V6(Ipv6Addr::from(o))
    } else {
        let (net, _) = customer_prefix(g, endpoint.isp, customer_index(&endpoint.edge));
        IpAddr::V4(Ipv4Addr::from(u32::from(net) + rng.gen_range(1..255)))
    }
}

fn customer_index(edge: &LinkId) -> usize {
    edge.as_str()
        .rsplit('-')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_padding_and_refuses_short_captures() {
        let mut p = vec![0x45, 0, 0, 20];
        p.resize(20, 0);
        p.extend_from_slice(&[0xee; 6]); // Ethernet padding
        assert_eq!(cut_to_ip_length(&p).unwrap().len(), 20);
        assert!(cut_to_ip_length(&p[..10]).is_none());
        assert!(cut_to_ip_length(&[0x45, 0, 0xff, 0xff, 0]).is_none());
        assert!(cut_to_ip_length(&[]).is_none());
    }
}
