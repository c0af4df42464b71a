//! Operator tokens: only their hashes are kept, and they are compared in constant time.
//!
//! A token is a high-entropy secret handed to one ISP's operators (and its
//! interconnect). The center stores `BLAKE3-derive_key("traceback-sdk center
//! token v1", token)`; a fast hash is enough because tokens are random, not
//! passwords. [`TokenHash`] equality is constant-time (`blake3::Hash`), and
//! [`IspDirectory::authenticate`] compares against every entry without an
//! early exit, so timing reveals neither which bytes matched nor which ISP.

use core::fmt;
use traceback_core::Asn;

const TOKEN_CONTEXT: &str = "traceback-sdk center token v1";

/// The stored form of an operator token.
#[derive(Clone, Copy)]
pub struct TokenHash(blake3::Hash);

impl TokenHash {
    /// Hash a token.
    pub fn of_token(token: &str) -> Self {
        TokenHash(blake3::Hash::from_bytes(blake3::derive_key(
            TOKEN_CONTEXT,
            token.as_bytes(),
        )))
    }

    /// From 64 hex digits (as printed by [`TokenHash::to_hex`]).
    pub fn from_hex(s: &str) -> Result<Self, hex::FromHexError> {
        let mut b = [0u8; 32];
        hex::decode_to_slice(s.trim(), &mut b)?;
        Ok(TokenHash(blake3::Hash::from_bytes(b)))
    }

    /// From the 32 stored bytes.
    pub fn from_bytes(b: [u8; 32]) -> Self {
        TokenHash(blake3::Hash::from_bytes(b))
    }

    /// The 32 bytes stored in the database.
    pub fn as_bytes(&self) -> &[u8; 32] {
        self.0.as_bytes()
    }

    /// 64 lowercase hex digits, for config files.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0.as_bytes())
    }

    /// Constant-time comparison.
    pub fn ct_eq(&self, other: &TokenHash) -> bool {
        // blake3::Hash's PartialEq is constant-time.
        self.0 == other.0
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenHash({})", self.to_hex())
    }
}

/// One ISP known to the center.
#[derive(Clone, Debug)]
pub struct IspEntry {
    /// Its AS number.
    pub asn: Asn,
    /// A display name ("ISP-C").
    pub name: String,
    /// The hash of its operators' token.
    pub token_hash: TokenHash,
}

/// The ISPs allowed to use the API, looked up by token.
#[derive(Clone, Debug, Default)]
pub struct IspDirectory {
    entries: Vec<IspEntry>,
}

impl IspDirectory {
    /// From a list of ISPs.
    pub fn new(entries: Vec<IspEntry>) -> Self {
        IspDirectory { entries }
    }

    /// The ISPs.
    pub fn entries(&self) -> &[IspEntry] {
        &self.entries
    }

    /// Whether `asn` is a member.
    pub fn contains(&self, asn: Asn) -> bool {
        self.entries.iter().any(|e| e.asn == asn)
    }

    /// The ISP whose token this is, comparing against every entry in constant time.
    pub fn authenticate(&self, token: &str) -> Option<Asn> {
        let h = TokenHash::of_token(token);
        let mut found = None;
        for e in &self.entries {
            if e.token_hash.ct_eq(&h) && found.is_none() {
                found = Some(e.asn);
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_match_only_their_isp() {
        let dir = IspDirectory::new(vec![
            IspEntry {
                asn: Asn(1),
                name: "a".into(),
                token_hash: TokenHash::of_token("alpha"),
            },
            IspEntry {
                asn: Asn(2),
                name: "b".into(),
                token_hash: TokenHash::from_hex(&TokenHash::of_token("beta").to_hex()).unwrap(),
            },
        ]);
        assert_eq!(dir.authenticate("alpha"), Some(Asn(1)));
        assert_eq!(dir.authenticate("beta"), Some(Asn(2)));
        assert_eq!(dir.authenticate("alph"), None);
        assert_eq!(dir.authenticate(""), None);
        assert!(TokenHash::from_hex("zz").is_err());
    }
}
