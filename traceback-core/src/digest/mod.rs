//! Keyed packet digests: what a collector stores and what crosses ISP borders.
//!
//! ```text
//!  frame ──packet::canonicalize──▶ canonical bytes ──Digester──▶ Digest (128 bit)
//!                 (profile: prefix lengths, masks)     (key: federation secret + epoch)
//! ```
//!
//! A [`DigestProfile`] is a versioned value naming everything that decides a
//! digest (algorithm, prefix lengths, flow-label policy, tunnel policy, key
//! epoch). Two ISPs that share a profile and a [`FederationSecret`] compute
//! identical digests for the same packet at any hop; an outsider without the
//! secret cannot compute them (RFC 5475: keep the hash seed secret).
//! `docs/digest.md` specifies the exact byte layout.

mod blake3_digester;
mod fingerprint;
mod key;
pub mod lanes;
mod profile;
mod value;

pub use blake3_digester::Blake3Digester;
pub use fingerprint::DigestFingerprint;
pub use key::{DigestKey, FederationSecret};
pub use profile::{DigestAlgorithm, DigestProfile, FlowLabelPolicy, ProfileError, TunnelPolicy};
pub use value::{Digest, ParseDigestError};

use crate::packet::{LinkType, Verdict};

/// The outcome of digesting one frame: a verdict that is always counted, and
/// the digest when the packet could be digested.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameDigest {
    /// What the parser concluded about the frame.
    pub verdict: Verdict,
    /// The digest of the packet as routed (the outer packet of a tunnel), if
    /// the whole digest input was present.
    pub digest: Option<Digest>,
    /// The digest of the innermost tunnelled packet, when the profile's
    /// [`TunnelPolicy`] asks for it and the frame carries a tunnel.
    pub inner: Option<Digest>,
}

impl FrameDigest {
    /// A frame that yielded no digest.
    pub const fn undigested(verdict: Verdict) -> Self {
        FrameDigest {
            verdict,
            digest: None,
            inner: None,
        }
    }
}

/// Turns frames into digests under one [`DigestProfile`]: the collector's hot path.
///
/// Implementations are values (a vendor can plug in another keyed hash as its
/// own profile); the default is [`Blake3Digester`]. All methods are pure: the
/// same profile, key and bytes give the same digest on every machine.
pub trait Digester: Send + Sync {
    /// The profile this digester implements.
    fn profile(&self) -> &DigestProfile;

    /// Digest already canonicalized bytes (see `docs/digest.md`).
    fn digest_canonical(&self, canonical: &[u8]) -> Digest;

    /// Digest one captured frame of link type `link`.
    fn digest_frame(&self, link: LinkType, frame: &[u8]) -> FrameDigest {
        let c = crate::packet::canonicalize(link, frame, self.profile());
        FrameDigest {
            verdict: c.verdict,
            digest: c.outer.as_ref().map(|b| self.digest_canonical(b.as_slice())),
            inner: c.inner.as_ref().map(|b| self.digest_canonical(b.as_slice())),
        }
    }

    /// Digest a burst of frames, replacing the contents of `out` with one
    /// [`FrameDigest`] per frame, in order. Implementations batch the hashing
    /// (several packets per call); the default loops over [`Digester::digest_frame`].
    fn digest_batch(&self, link: LinkType, frames: &[&[u8]], out: &mut Vec<FrameDigest>) {
        out.clear();
        out.extend(frames.iter().map(|f| self.digest_frame(link, f)));
    }
}
