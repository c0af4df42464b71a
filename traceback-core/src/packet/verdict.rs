//! What the parser concluded about a frame. Every frame gets exactly one.

use serde::{Deserialize, Serialize};

/// Why a frame is malformed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Malformation {
    /// IPv4 header length below 5 words.
    Ipv4HeaderLength,
    /// IPv4 total length smaller than the header.
    Ipv4TotalLength,
    /// IP version nibble not 4 or 6 where IP was announced.
    IpVersion,
    /// IPv6 extension-header chain that runs past the IPv6 payload length or
    /// is longer than the walker follows. Routers forward such packets (they
    /// read at most the Hop-by-Hop header), so this one malformation is
    /// still digested.
    Ipv6ExtensionChain,
    /// Link-layer or encapsulation header that cannot be decoded.
    LinkHeader,
    /// More nested encapsulation layers than the parser follows.
    TooManyLayers,
}

/// The parser's verdict on one frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Verdict {
    /// A whole IP packet; digested.
    Ok,
    /// A non-first IP fragment (no transport header); digested over its
    /// header and the first bytes of the fragment data.
    Fragment,
    /// The capture holds less than the IP length says, but the whole digest
    /// input; digested.
    CaptureTruncated,
    /// The capture ends before the digest input does; not digested.
    Truncated,
    /// A header that violates its specification; not digested, except
    /// [`Malformation::Ipv6ExtensionChain`] (see [`Verdict::is_digested`]).
    Malformed(Malformation),
    /// Not an IP packet (ARP, STP, LLDP, ...); nothing to digest.
    NotIp,
    /// A host-offload super-packet (IPv4 total length 0, or larger than any
    /// link MTU): never seen on the wire as such; not digested.
    Offload,
    /// The frame's link type is not one this build decodes.
    UnsupportedLinkType,
}

impl Verdict {
    /// Whether a frame with this verdict yields a digest: whole packets,
    /// non-first fragments, captures cut after the digest input, and IPv6
    /// packets with a broken extension-header chain (routers forward those).
    pub fn is_digested(self) -> bool {
        matches!(
            self,
            Verdict::Ok
                | Verdict::Fragment
                | Verdict::CaptureTruncated
                | Verdict::Malformed(Malformation::Ipv6ExtensionChain)
        )
    }

    /// Every verdict this build produces, in [`Verdict::as_str`] order (for
    /// counters and reports).
    pub const ALL: [Verdict; 13] = [
        Verdict::Ok,
        Verdict::Fragment,
        Verdict::CaptureTruncated,
        Verdict::Truncated,
        Verdict::Malformed(Malformation::Ipv4HeaderLength),
        Verdict::Malformed(Malformation::Ipv4TotalLength),
        Verdict::Malformed(Malformation::IpVersion),
        Verdict::Malformed(Malformation::Ipv6ExtensionChain),
        Verdict::Malformed(Malformation::LinkHeader),
        Verdict::Malformed(Malformation::TooManyLayers),
        Verdict::NotIp,
        Verdict::Offload,
        Verdict::UnsupportedLinkType,
    ];

    /// A short stable name, as printed by the `digest` example.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Fragment => "fragment",
            Verdict::CaptureTruncated => "capture_truncated",
            Verdict::Truncated => "truncated",
            Verdict::Malformed(Malformation::Ipv4HeaderLength) => "malformed_ipv4_header_length",
            Verdict::Malformed(Malformation::Ipv4TotalLength) => "malformed_ipv4_total_length",
            Verdict::Malformed(Malformation::IpVersion) => "malformed_ip_version",
            Verdict::Malformed(Malformation::Ipv6ExtensionChain) => "malformed_ipv6_extension_chain",
            Verdict::Malformed(Malformation::LinkHeader) => "malformed_link_header",
            Verdict::Malformed(Malformation::TooManyLayers) => "malformed_too_many_layers",
            Verdict::NotIp => "not_ip",
            Verdict::Offload => "offload",
            Verdict::UnsupportedLinkType => "unsupported_link_type",
        }
    }
}

impl core::fmt::Display for Verdict {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}
