//! Finding the IP packet inside a frame, for tools that rewrite or forward it.

use super::decode::{link_to_ip, Layers, L3};
use super::{LinkType, Verdict};

/// The IP packet carried by `frame` (link layer, VLAN tags, MPLS labels and
/// PPPoE removed; Ethernet padding and FCS still attached at the end), or the
/// verdict explaining why there is none.
pub fn ip_packet(link: LinkType, frame: &[u8]) -> Result<&[u8], Verdict> {
    let mut layers = Layers::default();
    match link_to_ip(link, frame, &mut layers) {
        L3::V4(d) | L3::V6(d) => Ok(d),
        L3::Stop(v) => Err(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_ethernet_and_vlan() {
        let mut f = vec![0u8; 12];
        f.extend_from_slice(&[0x81, 0x00, 0x00, 0x05, 0x08, 0x00]);
        f.extend_from_slice(&[0x45, 0, 0, 20]);
        assert_eq!(ip_packet(LinkType::ETHERNET, &f).unwrap()[0], 0x45);
        assert_eq!(ip_packet(LinkType(9999), &f), Err(Verdict::UnsupportedLinkType));
        assert_eq!(ip_packet(LinkType::RAW, &[]), Err(Verdict::Truncated));
    }
}
