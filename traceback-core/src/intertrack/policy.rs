//! Per-peer policy: who may ask, how often, and how much of an answer leaves the ISP.

use crate::ids::Asn;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How much of a local finding leaves the ISP in a reply.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ExportLevel {
    /// Only the status, the upstream neighbour ASes and the confidence (default).
    #[default]
    None,
    /// Also the border links the packet entered over (inter-AS detail).
    InterAsOnly,
    /// Also customer edges and the method's name (intra-AS detail).
    All,
}

/// A token-bucket rate limit on requests from one peer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RateLimit {
    /// Tokens added per second (InterTrack's default: 100 messages/s).
    pub per_second: u32,
    /// Bucket size: how many requests may arrive at once.
    pub burst: u32,
}

impl RateLimit {
    /// `per_second` requests per second with a burst of the same size.
    pub const fn per_second(per_second: u32) -> Self {
        RateLimit {
            per_second,
            burst: per_second,
        }
    }

    /// The same limit with another burst size.
    pub const fn with_burst(mut self, burst: u32) -> Self {
        self.burst = burst;
        self
    }
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit::per_second(100)
    }
}

/// What one peer AS may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PeerPolicy {
    /// Whether trace requests from this peer are served (else Refused: policy deny).
    pub allow: bool,
    /// Whether traces may be forwarded to this peer (else it is reported
    /// Refused: path policy, on its behalf).
    pub forward: bool,
    /// Rate limit on requests from this peer (else Refused: rate limit).
    pub rate: RateLimit,
    /// How much detail replies to this peer carry.
    pub export: ExportLevel,
}

impl PeerPolicy {
    /// Allow, forward, 100 requests/s, export level None.
    pub const DEFAULT: PeerPolicy = PeerPolicy {
        allow: true,
        forward: true,
        rate: RateLimit::per_second(100),
        export: ExportLevel::None,
    };

    /// Deny requests from the peer (and do not forward to it).
    pub const fn denied() -> Self {
        PeerPolicy {
            allow: false,
            forward: false,
            ..PeerPolicy::DEFAULT
        }
    }

    /// The same policy with `allow` set.
    pub const fn with_allow(mut self, allow: bool) -> Self {
        self.allow = allow;
        self
    }

    /// The same policy with `forward` set.
    pub const fn with_forward(mut self, forward: bool) -> Self {
        self.forward = forward;
        self
    }

    /// The same policy with another rate limit.
    pub const fn with_rate(mut self, rate: RateLimit) -> Self {
        self.rate = rate;
        self
    }

    /// The same policy with another export level.
    pub const fn with_export(mut self, export: ExportLevel) -> Self {
        self.export = export;
        self
    }
}

impl Default for PeerPolicy {
    fn default() -> Self {
        PeerPolicy::DEFAULT
    }
}

/// One ISP's interconnect policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Policy {
    /// Applies to every neighbour without its own entry.
    pub default_peer: PeerPolicy,
    /// Per-neighbour overrides.
    pub peers: BTreeMap<Asn, PeerPolicy>,
    /// Traces in progress (started here or relayed) above which new requests
    /// are answered Busy and new local traces are rejected.
    pub max_in_progress: usize,
}

impl Policy {
    /// The policy applying to `peer`.
    pub fn for_peer(&self, peer: Asn) -> &PeerPolicy {
        self.peers.get(&peer).unwrap_or(&self.default_peer)
    }

    /// The same policy with an override for `peer`.
    pub fn with_peer(mut self, peer: Asn, policy: PeerPolicy) -> Self {
        self.peers.insert(peer, policy);
        self
    }

    /// The same policy with another default.
    pub fn with_default_peer(mut self, policy: PeerPolicy) -> Self {
        self.default_peer = policy;
        self
    }

    /// The same policy with another cap on traces in progress.
    pub fn with_max_in_progress(mut self, max: usize) -> Self {
        self.max_in_progress = max;
        self
    }
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            default_peer: PeerPolicy::DEFAULT,
            peers: BTreeMap::new(),
            max_in_progress: 1024,
        }
    }
}

const NANOS: u128 = 1_000_000_000;

/// A token bucket refilled from the timestamps passed in.
///
/// Tokens are counted in billionths so refill is exact integer arithmetic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TokenBucket {
    nano_tokens: u128,
    last: Timestamp,
}

impl TokenBucket {
    /// A full bucket at `now`.
    pub(crate) fn full(limit: RateLimit, now: Timestamp) -> Self {
        TokenBucket {
            nano_tokens: u128::from(limit.burst) * NANOS,
            last: now,
        }
    }

    /// Refill up to `now` and take one token if there is one.
    pub(crate) fn try_take(&mut self, limit: RateLimit, now: Timestamp) -> bool {
        let cap = u128::from(limit.burst) * NANOS;
        if now > self.last {
            let elapsed = u128::from(now.as_nanos() - self.last.as_nanos());
            // elapsed [ns] * per_second [tokens/s] = tokens * 1e9 (nano_tokens).
            let added = elapsed.saturating_mul(u128::from(limit.per_second));
            self.nano_tokens = self.nano_tokens.saturating_add(added).min(cap);
            self.last = now;
        }
        self.nano_tokens = self.nano_tokens.min(cap);
        if self.nano_tokens >= NANOS {
            self.nano_tokens -= NANOS;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_refills_from_timestamps() {
        let limit = RateLimit::per_second(10).with_burst(2);
        let t0 = Timestamp::from_secs(100);
        let mut b = TokenBucket::full(limit, t0);
        assert!(b.try_take(limit, t0));
        assert!(b.try_take(limit, t0));
        assert!(!b.try_take(limit, t0));
        // 10/s: one token per 100 ms.
        assert!(!b.try_take(limit, Timestamp::from_millis(100_099)));
        assert!(b.try_take(limit, Timestamp::from_millis(100_100)));
        // A long pause refills only up to the burst.
        let later = Timestamp::from_secs(200);
        assert!(b.try_take(limit, later));
        assert!(b.try_take(limit, later));
        assert!(!b.try_take(limit, later));
        // Time going backwards adds nothing.
        assert!(!b.try_take(limit, t0));
    }
}
