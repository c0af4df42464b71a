//! Canonical digest input (layout: `docs/digest.md`) and the entry points
//! that build it.

use super::decode::{ethertype, link_to_ip, Layers, L3};
use super::ip::{ipv4, ipv6, IpPacket, Scratch};
use super::tunnel::{innermost, may_tunnel};
use super::{LinkType, Verdict};
use crate::digest::{DigestProfile, TunnelPolicy};

/// Canonical digest input held inline (no allocation on the hot path).
/// Equality compares the bytes ([`CanonicalBytes::as_slice`]).
#[derive(Clone, Copy)]
pub struct CanonicalBytes {
    buf: [u8; CanonicalBytes::CAPACITY],
    len: u8,
}

impl CanonicalBytes {
    /// Largest canonical input: IPv6 fixed header plus the largest prefix.
    pub const CAPACITY: usize = 40 + DigestProfile::MAX_PREFIX as usize;

    /// The bytes.
    pub fn as_slice(&self) -> &[u8] {
        &self.buf[..self.len as usize]
    }

    /// Build from a slice; `None` if it exceeds [`CanonicalBytes::CAPACITY`].
    pub fn from_slice(b: &[u8]) -> Option<Self> {
        if b.len() > Self::CAPACITY {
            return None;
        }
        let mut buf = [0u8; Self::CAPACITY];
        buf[..b.len()].copy_from_slice(b);
        Some(CanonicalBytes {
            buf,
            len: b.len() as u8,
        })
    }

    /// From a filled buffer whose first `len` bytes are the input
    /// (`len <= CAPACITY`, which the callers guarantee by construction).
    #[inline(always)]
    pub(crate) fn from_array(buf: [u8; Self::CAPACITY], len: usize) -> Self {
        debug_assert!(len <= Self::CAPACITY);
        CanonicalBytes {
            buf,
            len: len.min(Self::CAPACITY) as u8,
        }
    }
}

impl PartialEq for CanonicalBytes {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for CanonicalBytes {}

impl core::fmt::Debug for CanonicalBytes {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "CanonicalBytes({})", hex::encode(self.as_slice()))
    }
}

/// The result of canonicalizing one frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Canonical {
    /// The verdict, always set. It describes the outer (as routed) packet;
    /// `outer` is `Some` exactly when [`Verdict::is_digested`].
    pub verdict: Verdict,
    /// The outer (as routed) packet's digest input, when digestible.
    pub outer: Option<CanonicalBytes>,
    /// The innermost tunnelled packet's digest input, when the profile's
    /// tunnel policy is `OuterAndInner`, the outer packet is digested, and a
    /// recognised tunnel carries an IP packet that can itself be digested.
    pub inner: Option<CanonicalBytes>,
}

impl Canonical {
    /// A frame with nothing to digest.
    pub const fn undigested(verdict: Verdict) -> Self {
        Canonical {
            verdict,
            outer: None,
            inner: None,
        }
    }
}

/// Decode `frame` of link type `link` and build its canonical digest input
/// under `profile`. Never panics, never allocates.
///
/// Plain Ethernet/IPv4 and Ethernet/IPv6 frames take a direct fast path; every
/// other frame goes through the full decoder (link layer, VLAN, MPLS, PPPoE,
/// and with [`TunnelPolicy::OuterAndInner`] the tunnel walker).
#[inline]
pub fn canonicalize(link: LinkType, frame: &[u8], profile: &DigestProfile) -> Canonical {
    let mut buf: Scratch = [0; CanonicalBytes::CAPACITY];
    canonicalize_into(link, frame, profile, &mut buf).into_canonical(&buf)
}

/// What [`canonicalize_into`] found; the outer input's bytes are in the
/// caller's buffer.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Parts {
    /// The frame's verdict.
    pub(crate) verdict: Verdict,
    /// Length of the outer input written to the buffer; 0 when the outer
    /// packet is not digested (a canonical input is at least 20 bytes).
    pub(crate) outer_len: u8,
    /// The innermost tunnelled packet's input (tunnel policy
    /// `OuterAndInner` only).
    pub(crate) inner: Option<CanonicalBytes>,
}

impl Parts {
    #[inline(always)]
    fn into_canonical(self, buf: &Scratch) -> Canonical {
        Canonical {
            verdict: self.verdict,
            outer: (self.outer_len != 0)
                .then(|| CanonicalBytes::from_array(*buf, usize::from(self.outer_len))),
            inner: self.inner,
        }
    }
}

/// [`canonicalize`] writing the outer input straight into `buf` (the batch
/// digester's lane blocks): only its first `outer_len` bytes are written,
/// the rest of `buf` is left as it was.
#[inline(always)]
pub(crate) fn canonicalize_into(
    link: LinkType,
    frame: &[u8],
    profile: &DigestProfile,
    buf: &mut Scratch,
) -> Parts {
    if link == LinkType::ETHERNET && frame.len() >= 14 {
        let et = u16::from_be_bytes([frame[12], frame[13]]);
        let ip = &frame[14..];
        if et == ethertype::IPV4 {
            let p = ipv4(ip, profile, buf);
            return finish(p, profile, &mut Layers::default());
        }
        if et == ethertype::IPV6 {
            let p = ipv6(ip, profile, buf);
            return finish(p, profile, &mut Layers::default());
        }
    }
    let mut layers = Layers::default();
    let p = match link_to_ip(link, frame, &mut layers) {
        L3::V4(d) => ipv4(d, profile, buf),
        L3::V6(d) => ipv6(d, profile, buf),
        L3::Stop(v) => return Parts::undigested(v),
    };
    finish(p, profile, &mut layers)
}

impl Parts {
    const fn undigested(verdict: Verdict) -> Self {
        Parts {
            verdict,
            outer_len: 0,
            inner: None,
        }
    }
}

/// Canonicalize a bare IP packet (IPv4 or IPv6 by its version nibble): the
/// packet quoted in an ICMP error, or the packet of an IDS alert.
///
/// A quote that holds the IPv4 header and 8 bytes (what ICMP errors carry)
/// digests exactly like the original packet, modulo the masked TTL and
/// checksum; its verdict is [`Verdict::CaptureTruncated`].
pub fn canonicalize_ip(ip: &[u8], profile: &DigestProfile) -> Canonical {
    let mut buf: Scratch = [0; CanonicalBytes::CAPACITY];
    let p = match super::decode::raw_ip(ip) {
        L3::V4(d) => ipv4(d, profile, &mut buf),
        L3::V6(d) => ipv6(d, profile, &mut buf),
        L3::Stop(v) => return Canonical::undigested(v),
    };
    finish(p, profile, &mut Layers::default()).into_canonical(&buf)
}

/// From the outer packet's result to [`Parts`], adding the inner packet when
/// the tunnel policy asks for it.
#[inline(always)]
fn finish(outer: IpPacket<'_>, profile: &DigestProfile, layers: &mut Layers) -> Parts {
    let inner = match (profile.tunnel, outer.len, outer.upper) {
        (TunnelPolicy::Outer, ..) | (_, 0, _) | (_, _, None) => None,
        (_, _, Some((proto, _))) if !may_tunnel(proto) => None,
        _ => innermost(&outer, profile, layers),
    };
    Parts {
        verdict: outer.verdict,
        outer_len: outer.len,
        inner,
    }
}
