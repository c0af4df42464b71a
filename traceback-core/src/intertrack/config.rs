//! How one ISP's interconnect is set up.

use crate::ids::Asn;
use crate::intertrack::policy::Policy;
use core::time::Duration;
use std::collections::BTreeSet;

/// How one ISP's interconnect is set up.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct InterconnectConfig {
    /// This ISP's AS number.
    pub asn: Asn,
    /// Neighbour ASes running an interconnect peered with this one. A
    /// finding naming another neighbour ends that branch as Unknown
    /// (non-participating).
    pub neighbors: BTreeSet<Asn>,
    /// Per-peer policy and the cap on traces in progress.
    pub policy: Policy,
    /// How long to wait for a forwarded-to neighbour's own reply.
    pub branch_timeout: Duration,
    /// How long a deferred local method may take before its finding counts
    /// as unavailable.
    pub local_timeout: Duration,
    /// The origin's overall deadline per trace; relays keep a trace's state
    /// this long to pass on late replies.
    pub trace_timeout: Duration,
}

impl InterconnectConfig {
    /// Defaults: no neighbours, default policy, branch 5 s, local 5 s, trace 30 s.
    pub fn new(asn: Asn) -> Self {
        InterconnectConfig {
            asn,
            neighbors: BTreeSet::new(),
            policy: Policy::default(),
            branch_timeout: Duration::from_secs(5),
            local_timeout: Duration::from_secs(5),
            trace_timeout: Duration::from_secs(30),
        }
    }

    /// The same config with these neighbours added.
    pub fn with_neighbors(mut self, neighbors: impl IntoIterator<Item = Asn>) -> Self {
        self.neighbors.extend(neighbors);
        self
    }

    /// The same config with another policy.
    pub fn with_policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    /// The same config with other timeouts (branch, local method, whole trace).
    pub fn with_timeouts(mut self, branch: Duration, local: Duration, trace: Duration) -> Self {
        self.branch_timeout = branch;
        self.local_timeout = local;
        self.trace_timeout = trace;
        self
    }

    /// Check the config.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.neighbors.contains(&self.asn) {
            return Err(ConfigError::SelfNeighbor(self.asn));
        }
        if self.branch_timeout.is_zero() || self.local_timeout.is_zero() {
            return Err(ConfigError::ZeroTimeout);
        }
        if self.trace_timeout < self.branch_timeout {
            return Err(ConfigError::TraceShorterThanBranch);
        }
        Ok(())
    }
}

/// An unusable [`InterconnectConfig`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The ISP lists itself as a neighbour.
    #[error("{0} lists itself as a neighbour")]
    SelfNeighbor(Asn),
    /// A zero branch or local timeout.
    #[error("branch and local timeouts must be positive")]
    ZeroTimeout,
    /// The trace timeout is shorter than one branch timeout.
    #[error("the trace timeout must be at least the branch timeout")]
    TraceShorterThanBranch,
}
