//! IPv4 and IPv6: bound by the IP length, mask the mutable fields, take the
//! payload prefix (canonical layout v1, `docs/digest.md`).

use super::canonical::CanonicalBytes;
use super::{Malformation, Verdict};
use crate::digest::{DigestProfile, FlowLabelPolicy};

/// Largest IPv4 total length accepted as a packet seen on a wire: the largest
/// jumbo-frame MTU in common use. Longer packets are host offload
/// (GRO/LRO/TSO) super-packets and get [`Verdict::Offload`].
pub const MAX_IPV4_WIRE_LEN: usize = 9216;

/// Most IPv6 extension headers followed before the chain counts as malformed.
const MAX_IPV6_EXTENSIONS: usize = 16;

/// IPv4 fixed header length.
const IPV4_HEADER: usize = 20;
/// IPv6 fixed header length.
const IPV6_HEADER: usize = 40;

/// Scratch buffer the canonical bytes are written into.
pub(crate) type Scratch = [u8; CanonicalBytes::CAPACITY];

/// What the IP layer found about one packet. The canonical bytes themselves
/// are in the caller's [`Scratch`] (kept out of this value so the hot path
/// copies them once).
#[derive(Clone, Copy, Debug)]
pub(crate) struct IpPacket<'a> {
    /// The verdict on this packet.
    pub(crate) verdict: Verdict,
    /// Length of the canonical input written to the scratch buffer; 0 when
    /// the packet is not digested (a canonical input is at least 20 bytes).
    pub(crate) len: u8,
    /// The upper-layer protocol and its captured bytes (bounded by the IP
    /// length), when this packet carries the start of its upper layer.
    pub(crate) upper: Option<(u8, &'a [u8])>,
}

impl IpPacket<'_> {
    /// A packet that yields no digest.
    pub(crate) const fn undigested(verdict: Verdict) -> Self {
        IpPacket {
            verdict,
            len: 0,
            upper: None,
        }
    }

    /// The canonical bytes in `buf`, if this packet is digested.
    #[inline(always)]
    pub(crate) fn canonical(&self, buf: &Scratch) -> Option<CanonicalBytes> {
        (self.len != 0).then(|| CanonicalBytes::from_array(*buf, usize::from(self.len)))
    }
}

/// A payload prefix length, clamped to [`DigestProfile::MAX_PREFIX`] so that
/// an unvalidated profile cannot overrun the canonical buffer.
#[inline(always)]
fn prefix(p: u8) -> usize {
    usize::from(p.min(DigestProfile::MAX_PREFIX))
}

#[inline(always)]
fn be16(b: &[u8], at: usize) -> usize {
    u16::from_be_bytes([b[at], b[at + 1]]) as usize
}

/// Canonicalize an IPv4 packet that starts at `d[0]`. `d` may hold less
/// (truncated capture) or more (link padding, FCS) than the packet.
#[inline]
pub(crate) fn ipv4<'a>(d: &'a [u8], profile: &DigestProfile, buf: &mut Scratch) -> IpPacket<'a> {
    let Some(&b0) = d.first() else {
        return IpPacket::undigested(Verdict::Truncated);
    };
    if b0 >> 4 != 4 {
        return IpPacket::undigested(Verdict::Malformed(Malformation::IpVersion));
    }
    let ihl = usize::from(b0 & 0x0f) * 4;
    if ihl < IPV4_HEADER {
        return IpPacket::undigested(Verdict::Malformed(Malformation::Ipv4HeaderLength));
    }
    if d.len() < IPV4_HEADER {
        return IpPacket::undigested(Verdict::Truncated);
    }
    let total = be16(d, 2);
    if total == 0 {
        return IpPacket::undigested(Verdict::Offload);
    }
    if total < ihl {
        return IpPacket::undigested(Verdict::Malformed(Malformation::Ipv4TotalLength));
    }
    if total > MAX_IPV4_WIRE_LEN {
        return IpPacket::undigested(Verdict::Offload);
    }
    let take = prefix(profile.ipv4_payload_prefix).min(total - ihl);
    let need = ihl + take;
    if d.len() < need {
        return IpPacket::undigested(Verdict::Truncated);
    }
    buf[..IPV4_HEADER].copy_from_slice(&d[..IPV4_HEADER]);
    buf[1] = 0; // DSCP / ECN
    buf[8] = 0; // TTL
    buf[10] = 0; // header checksum
    buf[11] = 0;
    buf[IPV4_HEADER..IPV4_HEADER + take].copy_from_slice(&d[ihl..need]);
    let len = (IPV4_HEADER + take) as u8;
    let fragment_offset = be16(d, 6) & 0x1fff;
    if fragment_offset != 0 {
        return IpPacket {
            verdict: Verdict::Fragment,
            len,
            upper: None,
        };
    }
    let end = total.min(d.len());
    IpPacket {
        verdict: if d.len() < total {
            Verdict::CaptureTruncated
        } else {
            Verdict::Ok
        },
        len,
        upper: Some((d[9], &d[ihl..end])),
    }
}

/// The Jumbo Payload length (RFC 2675) from the Hop-by-Hop header at `hbh`.
/// `Err(())` when the header is cut by the capture, `Ok(None)` when it holds
/// no Jumbo Payload option.
fn jumbo_length(hbh: &[u8]) -> Result<Option<usize>, ()> {
    if hbh.len() < 2 {
        return Err(());
    }
    let len = (usize::from(hbh[1]) + 1) * 8;
    let Some(opts) = hbh.get(2..len) else {
        return Err(());
    };
    let mut i = 0;
    while i < opts.len() {
        let kind = opts[i];
        if kind == 0 {
            i += 1; // Pad1
            continue;
        }
        let Some(&olen) = opts.get(i + 1) else {
            return Ok(None);
        };
        let olen = usize::from(olen);
        if kind == 0xc2 && olen == 4 {
            return Ok(opts
                .get(i + 2..i + 6)
                .map(|v| u32::from_be_bytes([v[0], v[1], v[2], v[3]]) as usize));
        }
        i += 2 + olen;
    }
    Ok(None)
}

/// How an IPv6 extension-header walk ended.
enum Chain {
    /// The upper-layer protocol starts at this offset of the payload.
    Upper(u8, usize),
    /// A Fragment header with a non-zero offset: the rest is fragment data.
    NonFirstFragment,
    /// The capture ends inside the chain (the packet itself may be fine).
    CaptureEnds,
    /// The chain runs past the IPv6 payload length or is too long.
    Malformed,
}

/// Whether `nh` is an IPv6 extension header this walker steps over.
#[inline(always)]
fn is_extension(nh: u8) -> bool {
    matches!(nh, 0 | 43 | 44 | 51 | 60 | 135 | 139 | 140)
}

/// Walk the extension-header chain of `payload` (captured bytes of the IPv6
/// payload, of declared length `declared`), starting with next header `nh`.
fn walk_chain(mut nh: u8, payload: &[u8], declared: usize) -> Chain {
    let mut at = 0usize;
    for _ in 0..MAX_IPV6_EXTENSIONS {
        if !is_extension(nh) {
            return Chain::Upper(nh, at);
        }
        // Every extension header starts with next-header and a length byte.
        if at + 2 > declared {
            return Chain::Malformed;
        }
        let Some(h) = payload.get(at..at + 2) else {
            return Chain::CaptureEnds;
        };
        let len = match nh {
            44 => 8,
            51 => (usize::from(h[1]) + 2) * 4,
            _ => (usize::from(h[1]) + 1) * 8,
        };
        if at + len > declared {
            return Chain::Malformed;
        }
        if nh == 44 {
            let Some(f) = payload.get(at..at + 8) else {
                return Chain::CaptureEnds;
            };
            if be16(f, 2) >> 3 != 0 {
                return Chain::NonFirstFragment;
            }
        }
        nh = h[0];
        at += len;
    }
    if is_extension(nh) {
        Chain::Malformed
    } else {
        Chain::Upper(nh, at)
    }
}

/// Option type bit saying the option's data may change en route (RFC 8200,
/// section 4.2): IOAM, RPL, MPL and Quick-Start set it.
const OPTION_MUTABLE: u8 = 0x20;

/// Zero, inside `window` (the payload prefix, starting right after the
/// fixed header), the data of every Hop-by-Hop or Destination option whose
/// type has [`OPTION_MUTABLE`] set, as AH does (RFC 4302, 3.3.3.1.2.2), so a
/// router that rewrites such an option does not change the digest. Option
/// types and lengths stay; the walk follows the chain as far as the window
/// reaches and stops at anything it cannot read there.
fn mask_mutable_options(mut nh: u8, window: &mut [u8]) {
    let mut at = 0usize;
    for _ in 0..MAX_IPV6_EXTENSIONS {
        if !is_extension(nh) || at + 2 > window.len() {
            return;
        }
        let (next, hlen) = (window[at], window[at + 1]);
        let len = match nh {
            44 => 8,
            51 => (usize::from(hlen) + 2) * 4,
            _ => (usize::from(hlen) + 1) * 8,
        };
        if nh == 0 || nh == 60 {
            let end = (at + len).min(window.len());
            let mut i = at + 2;
            while i < end {
                let kind = window[i];
                if kind == 0 {
                    i += 1; // Pad1
                    continue;
                }
                let Some(&olen) = window.get(i + 1) else {
                    return;
                };
                let data = i + 2;
                let data_end = (data + usize::from(olen)).min(end);
                if kind & OPTION_MUTABLE != 0 && data < data_end {
                    window[data..data_end].fill(0);
                }
                i = data + usize::from(olen);
            }
        }
        nh = next;
        at += len;
    }
}

/// Canonicalize an IPv6 packet that starts at `d[0]`.
#[inline]
pub(crate) fn ipv6<'a>(d: &'a [u8], profile: &DigestProfile, buf: &mut Scratch) -> IpPacket<'a> {
    let Some(&b0) = d.first() else {
        return IpPacket::undigested(Verdict::Truncated);
    };
    if b0 >> 4 != 6 {
        return IpPacket::undigested(Verdict::Malformed(Malformation::IpVersion));
    }
    if d.len() < IPV6_HEADER {
        return IpPacket::undigested(Verdict::Truncated);
    }
    let first_nh = d[6];
    let mut declared = be16(d, 4);
    if declared == 0 {
        // A jumbogram (RFC 2675) is bounded by its Jumbo Payload option; an
        // empty packet says "no next header"; anything else with length 0 is
        // an offload super-packet.
        if first_nh == 0 {
            match jumbo_length(&d[IPV6_HEADER..]) {
                Err(()) => return IpPacket::undigested(Verdict::Truncated),
                Ok(Some(j)) => declared = j,
                Ok(None) => return IpPacket::undigested(Verdict::Offload),
            }
        } else if first_nh != 59 {
            return IpPacket::undigested(Verdict::Offload);
        }
    }
    let take = prefix(profile.ipv6_payload_prefix).min(declared);
    let need = IPV6_HEADER + take;
    if d.len() < need {
        return IpPacket::undigested(Verdict::Truncated);
    }
    buf[..need].copy_from_slice(&d[..need]);
    buf[0] &= 0xf0; // traffic class, high nibble
    match profile.flow_label {
        FlowLabelPolicy::Mask => {
            buf[1] = 0;
            buf[2] = 0;
            buf[3] = 0;
        }
        // Include, and any later policy that keeps the label.
        _ => buf[1] &= 0x0f, // traffic class, low nibble
    }
    buf[7] = 0; // hop limit
    if is_extension(first_nh) {
        mask_mutable_options(first_nh, &mut buf[IPV6_HEADER..need]);
    }
    let len = need as u8;
    let end = (IPV6_HEADER + declared).min(d.len());
    let payload = &d[IPV6_HEADER..end];
    let whole = d.len() >= IPV6_HEADER + declared;
    let complete = if whole {
        Verdict::Ok
    } else {
        Verdict::CaptureTruncated
    };
    if !is_extension(first_nh) {
        // The common case: the upper layer follows the fixed header.
        return IpPacket {
            verdict: complete,
            len,
            upper: Some((first_nh, payload)),
        };
    }
    let (verdict, upper) = match walk_chain(first_nh, payload, declared) {
        Chain::Upper(nh, at) => (complete, payload.get(at..).map(|u| (nh, u))),
        Chain::NonFirstFragment => (Verdict::Fragment, None),
        Chain::CaptureEnds => (Verdict::CaptureTruncated, None),
        Chain::Malformed => (Verdict::Malformed(Malformation::Ipv6ExtensionChain), None),
    };
    IpPacket { verdict, len, upper }
}
