//! What routers and the simulator do to packet bytes: decrement TTL / hop
//! limit with the header checksum recomputed, and re-address a captured
//! packet into a simulated ISP's prefixes with every checksum kept valid.
//!
//! All functions work on a bare IP packet (no link header) and fail with a
//! typed error, never a panic, on bytes they cannot rewrite.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why a packet could not be rewritten.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RewriteError {
    /// Shorter than its IP header.
    #[error("packet too short for its IP header")]
    Short,
    /// Not IPv4 or IPv6.
    #[error("not an IPv4 or IPv6 packet")]
    NotIp,
    /// TTL or hop limit already 0 or 1: a router would drop it.
    #[error("TTL expired")]
    TtlExpired,
    /// The new address family differs from the packet's.
    #[error("address family does not match the packet")]
    Family,
}

/// The Internet checksum (RFC 1071) of `data`, as stored in a header.
pub fn internet_checksum(data: &[u8]) -> u16 {
    !fold(sum_be16(data, 0))
}

fn sum_be16(data: &[u8], mut acc: u32) -> u32 {
    let mut chunks = data.chunks_exact(2);
    for c in &mut chunks {
        acc = acc.wrapping_add(u32::from(u16::from_be_bytes([c[0], c[1]])));
    }
    if let [b] = chunks.remainder() {
        acc = acc.wrapping_add(u32::from(*b) << 8);
    }
    acc
}

fn fold(mut acc: u32) -> u16 {
    while acc >> 16 != 0 {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    acc as u16
}

/// RFC 1624 incremental update of a stored checksum when 16-bit words change.
fn update_checksum(stored: u16, old: &[u8], new: &[u8]) -> u16 {
    // HC' = ~(~HC + ~m + m')
    let mut acc = u32::from(!stored);
    let mut o = old.chunks_exact(2);
    for c in &mut o {
        acc = acc.wrapping_add(u32::from(!u16::from_be_bytes([c[0], c[1]])));
    }
    let mut n = new.chunks_exact(2);
    for c in &mut n {
        acc = acc.wrapping_add(u32::from(u16::from_be_bytes([c[0], c[1]])));
    }
    !fold(acc)
}

fn ipv4_header_len(p: &[u8]) -> Result<usize, RewriteError> {
    if p.len() < 20 {
        return Err(RewriteError::Short);
    }
    let ihl = usize::from(p[0] & 0x0f) * 4;
    if ihl < 20 || p.len() < ihl {
        return Err(RewriteError::Short);
    }
    Ok(ihl)
}

/// Forward one hop: IPv4 TTL minus one with the header checksum recomputed
/// from scratch, or IPv6 hop limit minus one.
pub fn forward_hop(p: &mut [u8]) -> Result<(), RewriteError> {
    match p.first().map(|b| b >> 4) {
        Some(4) => {
            let ihl = ipv4_header_len(p)?;
            if p[8] <= 1 {
                return Err(RewriteError::TtlExpired);
            }
            p[8] -= 1;
            p[10] = 0;
            p[11] = 0;
            let c = internet_checksum(&p[..ihl]);
            p[10..12].copy_from_slice(&c.to_be_bytes());
            Ok(())
        }
        Some(6) => {
            if p.len() < 40 {
                return Err(RewriteError::Short);
            }
            if p[7] <= 1 {
                return Err(RewriteError::TtlExpired);
            }
            p[7] -= 1;
            Ok(())
        }
        Some(_) => Err(RewriteError::NotIp),
        None => Err(RewriteError::Short),
    }
}

/// Offset and kind of the transport checksum whose pseudo-header covers the
/// addresses, if the packet carries one we can reach (first fragment only).
fn l4_checksum_offset(p: &[u8], l4_start: usize, proto: u8, first_fragment: bool) -> Option<usize> {
    if !first_fragment {
        return None;
    }
    let off = match proto {
        6 => l4_start + 16, // TCP
        17 => l4_start + 6, // UDP
        58 => l4_start + 2, // ICMPv6 (pseudo-header too)
        _ => return None,
    };
    (off + 2 <= p.len()).then_some(off)
}

/// Replace the source and destination addresses, keeping the IP header
/// checksum and the TCP/UDP/ICMPv6 checksum (pseudo-header) valid by
/// incremental update. A UDP-over-IPv4 checksum of zero (none) stays zero.
pub fn set_addresses(p: &mut [u8], src: IpAddr, dst: IpAddr) -> Result<(), RewriteError> {
    match (p.first().map(|b| b >> 4), src, dst) {
        (Some(4), IpAddr::V4(s), IpAddr::V4(d)) => set_v4(p, s, d),
        (Some(6), IpAddr::V6(s), IpAddr::V6(d)) => set_v6(p, s, d),
        (Some(4 | 6), _, _) => Err(RewriteError::Family),
        (Some(_), _, _) => Err(RewriteError::NotIp),
        (None, _, _) => Err(RewriteError::Short),
    }
}

fn set_v4(p: &mut [u8], s: Ipv4Addr, d: Ipv4Addr) -> Result<(), RewriteError> {
    let ihl = ipv4_header_len(p)?;
    let old: [u8; 8] = p[12..20].try_into().map_err(|_| RewriteError::Short)?;
    let mut new = [0u8; 8];
    new[..4].copy_from_slice(&s.octets());
    new[4..].copy_from_slice(&d.octets());
    let hc = update_checksum(u16::from_be_bytes([p[10], p[11]]), &old, &new);
    p[10..12].copy_from_slice(&hc.to_be_bytes());
    p[12..20].copy_from_slice(&new);
    let frag_off = u16::from_be_bytes([p[6], p[7]]) & 0x1fff;
    if let Some(off) = l4_checksum_offset(p, ihl, p[9], frag_off == 0) {
        let stored = u16::from_be_bytes([p[off], p[off + 1]]);
        if !(p[9] == 17 && stored == 0) {
            let mut c = update_checksum(stored, &old, &new);
            if p[9] == 17 && c == 0 {
                c = 0xffff;
            }
            p[off..off + 2].copy_from_slice(&c.to_be_bytes());
        }
    }
    Ok(())
}

fn set_v6(p: &mut [u8], s: Ipv6Addr, d: Ipv6Addr) -> Result<(), RewriteError> {
    if p.len() < 40 {
        return Err(RewriteError::Short);
    }
    let old: [u8; 32] = p[8..40].try_into().map_err(|_| RewriteError::Short)?;
    let mut new = [0u8; 32];
    new[..16].copy_from_slice(&s.octets());
    new[16..].copy_from_slice(&d.octets());
    p[8..40].copy_from_slice(&new);
    // Only a transport header directly after the fixed header is updated.
    if let Some(off) = l4_checksum_offset(p, 40, p[6], true) {
        let stored = u16::from_be_bytes([p[off], p[off + 1]]);
        let c = update_checksum(stored, &old, &new);
        p[off..off + 2].copy_from_slice(&c.to_be_bytes());
    }
    Ok(())
}

/// The source and destination addresses of a bare IP packet.
pub fn addresses(p: &[u8]) -> Result<(IpAddr, IpAddr), RewriteError> {
    match p.first().map(|b| b >> 4) {
        Some(4) => {
            ipv4_header_len(p)?;
            let s: [u8; 4] = p[12..16].try_into().map_err(|_| RewriteError::Short)?;
            let d: [u8; 4] = p[16..20].try_into().map_err(|_| RewriteError::Short)?;
            Ok((IpAddr::from(s), IpAddr::from(d)))
        }
        Some(6) => {
            if p.len() < 40 {
                return Err(RewriteError::Short);
            }
            let s: [u8; 16] = p[8..24].try_into().map_err(|_| RewriteError::Short)?;
            let d: [u8; 16] = p[24..40].try_into().map_err(|_| RewriteError::Short)?;
            Ok((IpAddr::from(s), IpAddr::from(d)))
        }
        Some(_) => Err(RewriteError::NotIp),
        None => Err(RewriteError::Short),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A TCP SYN from the real flood capture (IPv4 header + TCP header).
    fn syn() -> Vec<u8> {
        hex::decode(
            "45000028e9150000f206e098a0a14a6c0a0a0a0aa39d63dd36fc0000000000005002000072 4a0000"
                .replace(' ', ""),
        )
        .unwrap()
    }

    fn tcp_checksum_ok(p: &[u8]) -> bool {
        let ihl = usize::from(p[0] & 0xf) * 4;
        let tcp = &p[ihl..];
        let mut pseudo = Vec::new();
        pseudo.extend_from_slice(&p[12..20]);
        pseudo.extend_from_slice(&[0, 6]);
        pseudo.extend_from_slice(&(tcp.len() as u16).to_be_bytes());
        pseudo.extend_from_slice(tcp);
        internet_checksum(&pseudo) == 0
    }

    #[test]
    fn ttl_decrement_keeps_header_checksum_valid() {
        let mut p = syn();
        assert_eq!(internet_checksum(&p[..20]), 0, "capture has a valid checksum");
        let ttl = p[8];
        forward_hop(&mut p).unwrap();
        assert_eq!(p[8], ttl - 1);
        assert_eq!(internet_checksum(&p[..20]), 0);
    }

    #[test]
    fn readdressing_keeps_ip_and_tcp_checksums_valid() {
        let mut p = syn();
        assert!(tcp_checksum_ok(&p));
        set_addresses(&mut p, "10.3.0.7".parse().unwrap(), "10.5.1.9".parse().unwrap()).unwrap();
        assert_eq!(addresses(&p).unwrap().0, "10.3.0.7".parse::<IpAddr>().unwrap());
        assert_eq!(internet_checksum(&p[..20]), 0);
        assert!(tcp_checksum_ok(&p));
    }

    #[test]
    fn bad_input_is_a_typed_error() {
        assert_eq!(forward_hop(&mut []), Err(RewriteError::Short));
        assert_eq!(forward_hop(&mut [0x45, 0, 0]), Err(RewriteError::Short));
        assert_eq!(forward_hop(&mut [0x15; 40]), Err(RewriteError::NotIp));
        let mut p = syn();
        p[8] = 1;
        assert_eq!(forward_hop(&mut p), Err(RewriteError::TtlExpired));
        assert_eq!(
            set_addresses(&mut syn(), "::1".parse().unwrap(), "::2".parse().unwrap()),
            Err(RewriteError::Family)
        );
    }
}
