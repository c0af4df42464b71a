//! Identifiers shared by the tracing, inter-ISP and protocol layers.

use core::fmt;
use serde::{Deserialize, Serialize};

/// An autonomous system number: one ISP of the federation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Asn(pub u32);

impl fmt::Display for Asn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AS{}", self.0)
    }
}

impl core::str::FromStr for Asn {
    type Err = core::num::ParseIntError;
    /// Accepts `64500` or `AS64500` (any case).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let digits = s.strip_prefix("AS").or_else(|| s.strip_prefix("as")).unwrap_or(s);
        digits.parse().map(Asn)
    }
}
