//! What a trace starts from, and where a trace can end inside one ISP.

use crate::digest::{Digest, DigestProfile};
use crate::ids::Asn;
use crate::time::{TimeRange, Timestamp};
use core::time::Duration;
use serde::{Deserialize, Serialize};

/// The evidence of one attack packet. Only this crosses ISP borders: the raw
/// packet never does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// The packet's digest under `profile`.
    pub digest: Digest,
    /// The profile the digest was computed with.
    pub profile: DigestProfile,
    /// When the packet was seen (by the IDS at the victim).
    pub seen_at: Timestamp,
    /// How far before `seen_at` the packet may have passed upstream
    /// (path latency plus clock skew between ISPs).
    pub before: Duration,
    /// How far after `seen_at` a collector's clock may place it (clock skew).
    pub after: Duration,
}

impl Evidence {
    /// The interval in which collectors are asked about the digest.
    pub fn window(&self) -> TimeRange {
        self.seen_at.around(self.before, self.after)
    }
}

/// Where a packet entered one ISP, as found by its control.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Ingress {
    /// Over a border link from a neighbour ISP: the trace continues there.
    Border {
        /// The neighbour the link leads to.
        neighbor: Asn,
        /// The border link's name in this ISP's topology (never exported by default).
        link: String,
    },
    /// From one of this ISP's own customers: this ISP is the source.
    Customer {
        /// The customer edge's name in this ISP's topology.
        edge: String,
    },
}
