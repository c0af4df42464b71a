//! Canonical digest input (layout: `docs/digest.md`).

use super::{LinkType, Verdict};
use crate::digest::DigestProfile;

/// Canonical digest input held inline (no allocation on the hot path).
#[derive(Clone, Copy, PartialEq, Eq)]
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
}

impl core::fmt::Debug for CanonicalBytes {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "CanonicalBytes({})", hex::encode(self.as_slice()))
    }
}

/// The result of canonicalizing one frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Canonical {
    /// The verdict, always set.
    pub verdict: Verdict,
    /// The outer (as routed) packet's digest input, when digestible.
    pub outer: Option<CanonicalBytes>,
    /// The innermost tunnelled packet's digest input, when the profile asks.
    pub inner: Option<CanonicalBytes>,
}

/// Decode `frame` of link type `link` and build its canonical digest input
/// under `profile`. Never panics.
pub fn canonicalize(link: LinkType, frame: &[u8], profile: &DigestProfile) -> Canonical {
    // Placeholder until the parser lands (issue 2); see docs/digest.md.
    let _ = (frame, profile);
    let verdict = if link.is_supported() {
        Verdict::NotIp
    } else {
        Verdict::UnsupportedLinkType
    };
    Canonical {
        verdict,
        outer: None,
        inner: None,
    }
}
