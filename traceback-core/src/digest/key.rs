//! Federation secret and per-epoch digest keys.

use core::fmt;

/// The secret shared by every ISP of a federation. Digests are keyed with a
/// [`DigestKey`] derived from it, so ISPs agree on digests while outsiders
/// cannot compute them. `Debug` never prints it.
#[derive(Clone, PartialEq, Eq)]
pub struct FederationSecret([u8; 32]);

impl FederationSecret {
    /// From 32 secret bytes.
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        FederationSecret(bytes)
    }

    /// From 64 hex digits.
    pub fn from_hex(s: &str) -> Result<Self, hex::FromHexError> {
        let mut b = [0u8; 32];
        hex::decode_to_slice(s.trim(), &mut b)?;
        Ok(FederationSecret(b))
    }

    /// The 64 hex digits [`FederationSecret::from_hex`] reads back (to write
    /// a secret file; whoever holds them can compute the federation's digests).
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// From a passphrase (development and tests; production uses random bytes).
    pub fn from_passphrase(pass: &str) -> Self {
        FederationSecret(blake3::derive_key(
            "traceback-sdk federation passphrase v1",
            pass.as_bytes(),
        ))
    }

    /// Derive the key for one key epoch: BLAKE3 `derive_key` with context
    /// `"traceback-sdk digest key v1"` over `secret || epoch (u32 little-endian)`.
    pub fn derive_key(&self, epoch: u32) -> DigestKey {
        let mut material = [0u8; 36];
        material[..32].copy_from_slice(&self.0);
        material[32..].copy_from_slice(&epoch.to_le_bytes());
        DigestKey {
            bytes: blake3::derive_key("traceback-sdk digest key v1", &material),
            epoch,
        }
    }
}

impl fmt::Debug for FederationSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FederationSecret(<redacted>)")
    }
}

/// A 256-bit digest key for one epoch. `Debug` never prints the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct DigestKey {
    bytes: [u8; 32],
    epoch: u32,
}

impl DigestKey {
    /// The key bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.bytes
    }

    /// The key epoch it was derived for.
    pub const fn epoch(&self) -> u32 {
        self.epoch
    }
}

impl fmt::Debug for DigestKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DigestKey(epoch {}, <redacted>)", self.epoch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epochs_give_different_keys_and_debug_redacts() {
        let s = FederationSecret::from_passphrase("test");
        assert_ne!(s.derive_key(1), s.derive_key(2));
        assert_eq!(s.derive_key(1), s.derive_key(1));
        assert!(!format!("{:?}", s.derive_key(1)).contains(&hex::encode(s.derive_key(1).as_bytes())));
        assert!(FederationSecret::from_hex("00").is_err());
    }
}
