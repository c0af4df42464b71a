//! The digest profile: a versioned value naming everything that decides a digest.

use serde::{Deserialize, Serialize};

/// The keyed hash a profile uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum DigestAlgorithm {
    /// BLAKE3 in keyed mode, output truncated to 128 bits.
    Blake3Keyed128,
}

/// What goes into an IPv6 digest from the 20-bit flow label.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum FlowLabelPolicy {
    /// The flow label is hashed. RFC 6437 says it is set by the source and
    /// not changed on the path; it adds entropy to otherwise equal packets.
    Include,
    /// The flow label is masked to zero (for paths where middleboxes rewrite it).
    Mask,
}

/// Which packet of a tunnelled frame is digested.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum TunnelPolicy {
    /// Only the outer packet, as routed between the tunnel endpoints.
    Outer,
    /// The outer packet and, in [`super::FrameDigest::inner`], the innermost
    /// IP packet of a recognised tunnel (GRE, VXLAN, Geneve, IP-in-IP, 6in4).
    OuterAndInner,
}

/// Everything that decides a digest, as one versioned value.
///
/// Two collectors produce equal digests for the same packet if and only if
/// they share the profile and the federation secret. A profile is compared
/// and exchanged as a value (it is part of every trace request), never chosen
/// by a cargo feature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DigestProfile {
    /// Layout version of the canonical bytes (`docs/digest.md`). Currently 1.
    pub version: u16,
    /// The keyed hash.
    pub algorithm: DigestAlgorithm,
    /// IPv4: how many bytes after the header (options excluded) are hashed.
    pub ipv4_payload_prefix: u8,
    /// IPv6: how many bytes after the 40-byte fixed header are hashed.
    pub ipv6_payload_prefix: u8,
    /// IPv6 flow-label policy.
    pub flow_label: FlowLabelPolicy,
    /// Tunnel policy.
    pub tunnel: TunnelPolicy,
    /// Key epoch: the key is derived from the federation secret and this number.
    pub key_epoch: u32,
}

/// A profile that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProfileError {
    /// The canonical layout version is not one this build implements.
    #[error("digest profile version {0} is not supported (this build implements version 1)")]
    UnsupportedVersion(u16),
    /// A prefix length outside the allowed range.
    #[error("{field} must be between {min} and {max} bytes, got {got}")]
    PrefixOutOfRange {
        /// Which field.
        field: &'static str,
        /// Smallest allowed.
        min: u8,
        /// Largest allowed.
        max: u8,
        /// What was given.
        got: u8,
    },
}

impl DigestProfile {
    /// Largest payload prefix a profile may ask for.
    pub const MAX_PREFIX: u8 = 64;

    /// The default profile, version 1: keyed BLAKE3-128; IPv4 header plus 8
    /// payload bytes (what an ICMP error quotes); IPv6 fixed header plus 16
    /// bytes (IPv6 has no identification field, so more payload is needed to
    /// tell packets apart, but TCP MSS clamping rewrites TCP bytes 16 and
    /// later; 40 + 16 = 56 bytes, one BLAKE3 block); flow label included;
    /// outer packet only; key epoch 0.
    pub const V1: DigestProfile = DigestProfile {
        version: 1,
        algorithm: DigestAlgorithm::Blake3Keyed128,
        ipv4_payload_prefix: 8,
        ipv6_payload_prefix: 16,
        flow_label: FlowLabelPolicy::Include,
        tunnel: TunnelPolicy::Outer,
        key_epoch: 0,
    };

    /// The same profile with another key epoch.
    pub const fn with_epoch(mut self, epoch: u32) -> Self {
        self.key_epoch = epoch;
        self
    }

    /// Check that this build can compute digests for the profile.
    pub fn validate(&self) -> Result<(), ProfileError> {
        if self.version != 1 {
            return Err(ProfileError::UnsupportedVersion(self.version));
        }
        if self.ipv4_payload_prefix > Self::MAX_PREFIX {
            return Err(ProfileError::PrefixOutOfRange {
                field: "ipv4_payload_prefix",
                min: 0,
                max: Self::MAX_PREFIX,
                got: self.ipv4_payload_prefix,
            });
        }
        if self.ipv6_payload_prefix < 9 || self.ipv6_payload_prefix > Self::MAX_PREFIX {
            return Err(ProfileError::PrefixOutOfRange {
                field: "ipv6_payload_prefix",
                min: 9,
                max: Self::MAX_PREFIX,
                got: self.ipv6_payload_prefix,
            });
        }
        Ok(())
    }
}

impl Default for DigestProfile {
    fn default() -> Self {
        Self::V1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_validates_and_bad_ones_do_not() {
        assert!(DigestProfile::V1.validate().is_ok());
        let mut p = DigestProfile::V1;
        p.version = 2;
        assert_eq!(p.validate(), Err(ProfileError::UnsupportedVersion(2)));
        let mut p = DigestProfile::V1;
        p.ipv6_payload_prefix = 8;
        assert!(p.validate().is_err());
    }
}
