//! IP address prefixes (`192.0.2.0/24`, `2001:db8::/32`).

use core::fmt;
use core::str::FromStr;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::net::IpAddr;

/// An IPv4 or IPv6 prefix in canonical form (no host bits set).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Prefix {
    addr: IpAddr,
    len: u8,
}

/// Why a string is not a prefix.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PrefixError {
    /// Not of the form `ADDRESS/LENGTH`.
    #[error("{0:?} is not ADDRESS/LENGTH")]
    Syntax(String),
    /// The length exceeds the address width (32 or 128).
    #[error("prefix length {len} is longer than {max} bits")]
    LengthTooLong {
        /// The length given.
        len: u8,
        /// The address family's width.
        max: u8,
    },
    /// Bits beyond the length are set (`10.0.0.1/8`).
    #[error("{0:?} has host bits set")]
    HostBitsSet(String),
}

impl Prefix {
    /// A prefix from an address and a length, rejecting host bits.
    pub fn new(addr: IpAddr, len: u8) -> Result<Self, PrefixError> {
        let max = Self::width(&addr);
        if len > max {
            return Err(PrefixError::LengthTooLong { len, max });
        }
        let p = Prefix { addr, len };
        if p.masked(addr) != addr {
            return Err(PrefixError::HostBitsSet(format!("{addr}/{len}")));
        }
        Ok(p)
    }

    /// The network address.
    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    /// The prefix length in bits.
    pub fn prefix_len(&self) -> u8 {
        self.len
    }

    /// Whether the prefix is `/0` (matches every address of its family).
    pub fn is_default_route(&self) -> bool {
        self.len == 0
    }

    /// Whether `ip` lies in the prefix (always false across families).
    pub fn contains(&self, ip: IpAddr) -> bool {
        Self::width(&ip) == Self::width(&self.addr) && self.masked(ip) == self.addr
    }

    fn width(addr: &IpAddr) -> u8 {
        match addr {
            IpAddr::V4(_) => 32,
            IpAddr::V6(_) => 128,
        }
    }

    fn masked(&self, ip: IpAddr) -> IpAddr {
        match ip {
            IpAddr::V4(v4) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.len)).unwrap_or(0);
                IpAddr::V4((u32::from(v4) & mask).into())
            }
            IpAddr::V6(v6) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.len)).unwrap_or(0);
                IpAddr::V6((u128::from(v6) & mask).into())
            }
        }
    }
}

impl FromStr for Prefix {
    type Err = PrefixError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (a, l) = s
            .trim()
            .split_once('/')
            .ok_or_else(|| PrefixError::Syntax(s.to_owned()))?;
        let addr: IpAddr = a.parse().map_err(|_| PrefixError::Syntax(s.to_owned()))?;
        let len: u8 = l.parse().map_err(|_| PrefixError::Syntax(s.to_owned()))?;
        Prefix::new(addr, len)
    }
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.len)
    }
}

impl Serialize for Prefix {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Prefix {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_contain() {
        let p: Prefix = "192.0.2.0/24".parse().unwrap();
        assert!(p.contains("192.0.2.77".parse().unwrap()));
        assert!(!p.contains("192.0.3.1".parse().unwrap()));
        assert!(!p.contains("2001:db8::1".parse().unwrap()));
        let q: Prefix = "2001:db8::/32".parse().unwrap();
        assert!(q.contains("2001:db8:1::1".parse().unwrap()));
        let all: Prefix = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains("203.0.113.9".parse().unwrap()) && all.is_default_route());
        assert_eq!(q.to_string(), "2001:db8::/32");
    }

    #[test]
    fn reject_bad() {
        assert!(matches!(
            "10.0.0.1/8".parse::<Prefix>(),
            Err(PrefixError::HostBitsSet(_))
        ));
        assert!(matches!(
            "10.0.0.0/33".parse::<Prefix>(),
            Err(PrefixError::LengthTooLong { .. })
        ));
        assert!(matches!(
            "10.0.0.0".parse::<Prefix>(),
            Err(PrefixError::Syntax(_))
        ));
        assert!(matches!("x/8".parse::<Prefix>(), Err(PrefixError::Syntax(_))));
    }
}
