//! [`DigestFingerprint`]: which key and profile a set of digests was made with.

use super::{DigestKey, DigestProfile};
use core::fmt;

/// A one-way 128-bit fingerprint of a digest key and profile. Two digesters
/// have the same fingerprint exactly when they compute the same digests (same
/// federation secret, key epoch and profile, up to a 2^-128 chance), and the
/// fingerprint tells nothing about the key. A store records it
/// ([`WindowedBloomStore::set_fingerprint`](crate::store::WindowedBloomStore::set_fingerprint))
/// so that a store written under another key or profile, whose digests would
/// never match, is recognised when it is loaded instead of being mixed in.
///
/// `BLAKE3-derive_key("traceback-sdk digest fingerprint v1", key || profile)`,
/// first 16 bytes, where `profile` is the postcard encoding of the
/// [`DigestProfile`].
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct DigestFingerprint(pub [u8; 16]);

impl DigestFingerprint {
    /// The fingerprint of `key` used with `profile`.
    pub fn of(key: &DigestKey, profile: &DigestProfile) -> Self {
        // A profile encodes in well under 64 bytes; were it ever longer, its
        // debug form still tells profiles apart.
        let mut buf = [0u8; 64];
        let debug;
        let encoded: &[u8] = match postcard::to_slice(profile, &mut buf) {
            Ok(p) => p,
            Err(_) => {
                debug = format!("{profile:?}");
                debug.as_bytes()
            }
        };
        let mut h = blake3::Hasher::new_derive_key("traceback-sdk digest fingerprint v1");
        h.update(key.as_bytes());
        h.update(encoded);
        let mut out = [0u8; 16];
        out.copy_from_slice(&h.finalize().as_bytes()[..16]);
        DigestFingerprint(out)
    }
}

impl fmt::Display for DigestFingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for DigestFingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DigestFingerprint({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::{FederationSecret, TunnelPolicy};

    #[test]
    fn fingerprints_tell_keys_epochs_and_profiles_apart() {
        let a = FederationSecret::from_passphrase("a");
        let b = FederationSecret::from_passphrase("b");
        let p = DigestProfile::V1;
        let fp =
            |s: &FederationSecret, p: DigestProfile| DigestFingerprint::of(&s.derive_key(p.key_epoch), &p);
        assert_eq!(fp(&a, p), fp(&a, p));
        assert_ne!(fp(&a, p), fp(&b, p));
        assert_ne!(fp(&a, p), fp(&a, p.with_epoch(1)));
        let inner = DigestProfile {
            tunnel: TunnelPolicy::OuterAndInner,
            ..p
        };
        assert_ne!(fp(&a, p), fp(&a, inner));
        // It does not show the key.
        let key = a.derive_key(0);
        assert!(!fp(&a, p).to_string().contains(&hex::encode(&key.as_bytes()[..8])));
    }
}
