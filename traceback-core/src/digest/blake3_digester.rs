//! The default digester: keyed BLAKE3, 128-bit output.

use super::{Digest, DigestKey, DigestProfile, Digester, FederationSecret, ProfileError};

/// Keyed BLAKE3-128 over the canonical bytes of `docs/digest.md`.
#[derive(Clone, Debug)]
pub struct Blake3Digester {
    profile: DigestProfile,
    key: DigestKey,
}

impl Blake3Digester {
    /// A digester for `profile`, keyed from `secret` at the profile's key epoch.
    pub fn new(profile: DigestProfile, secret: &FederationSecret) -> Result<Self, ProfileError> {
        profile.validate()?;
        Ok(Blake3Digester {
            key: secret.derive_key(profile.key_epoch),
            profile,
        })
    }

    /// The key in use.
    pub fn key(&self) -> &DigestKey {
        &self.key
    }
}

impl Digester for Blake3Digester {
    fn profile(&self) -> &DigestProfile {
        &self.profile
    }

    fn digest_canonical(&self, canonical: &[u8]) -> Digest {
        let h = blake3::keyed_hash(self.key.as_bytes(), canonical);
        let mut d = [0u8; 16];
        d.copy_from_slice(&h.as_bytes()[..16]);
        Digest(d)
    }
}
