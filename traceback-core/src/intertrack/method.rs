//! The adapter between the interconnect and an ISP's own traceback method.
//!
//! InterTrack's interconnect "absorbs the differences between traceback
//! methods": whatever an ISP runs inside (hash-based logging, flow records,
//! ingress-filter logs), the interconnect only asks one question, through
//! [`IngressLocator`]: *this packet, arriving towards neighbour X (or towards
//! our own victim), where did it enter this ISP?*  The answer is a
//! [`LocalFinding`]. In InterTrack's terms this is the DTM (the AS's own
//! method) together with the BTM (which border, which neighbour AS).
//!
//! An AS that runs no interconnect is not a method: it is the absence of an
//! answer, reported as `Unknown` by whoever would have asked it.

use crate::evidence::{Evidence, Ingress};
use crate::ids::Asn;
use crate::intertrack::message::{Confidence, RequestId};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// Which way the traced packet was heading when it was seen, seen from this ISP.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Arrival {
    /// Towards this ISP's own victim: the trace starts here.
    Victim,
    /// Towards the neighbour AS that sent the trace request.
    Neighbor(Asn),
}

/// Names one question put to the local method, so a late answer finds its trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct QueryId(pub u64);

/// One question to the local method.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LocalQuery {
    /// Answer with this id (to [`crate::intertrack::Interconnect::handle_local_finding`]
    /// if the answer is deferred).
    pub query: QueryId,
    /// The trace asking.
    pub request: RequestId,
    /// The packet's evidence (digest, profile, time window).
    pub evidence: Evidence,
    /// Where the packet was heading.
    pub arrival: Arrival,
}

impl LocalQuery {
    /// A query (for adapters and their tests; the interconnect makes its own).
    pub fn new(query: QueryId, request: RequestId, evidence: Evidence, arrival: Arrival) -> Self {
        LocalQuery {
            query,
            request,
            evidence,
            arrival,
        }
    }
}

/// What the local method found.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LocalFinding {
    /// The packet entered this ISP at these points. A `Customer` ingress makes
    /// this ISP a Source; `Border` ingress points name the upstream neighbours.
    /// An empty list counts as [`LocalFinding::NotSeen`].
    Entered {
        /// Where it entered.
        ingress: Vec<Ingress>,
        /// How sure the method is.
        confidence: Confidence,
    },
    /// The method looked and did not see the packet.
    NotSeen {
        /// How sure the method is (a Bloom store can miss nothing, so often 100).
        confidence: Confidence,
    },
    /// The method could not answer (no data for the window, collectors silent).
    Unavailable,
    /// The method is overloaded and answers nothing now.
    Busy,
}

impl LocalFinding {
    /// Entered at `ingress` with full confidence.
    pub fn entered(ingress: Vec<Ingress>) -> Self {
        LocalFinding::Entered {
            ingress,
            confidence: Confidence::FULL,
        }
    }

    /// Not seen, with full confidence.
    pub fn not_seen() -> Self {
        LocalFinding::NotSeen {
            confidence: Confidence::FULL,
        }
    }
}

/// The local method's answer to a [`LocalQuery`]: now, or later.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Located {
    /// The answer, at once.
    Ready(LocalFinding),
    /// The method started work (for example asked its collectors); its driver
    /// will deliver the answer through `Interconnect::handle_local_finding`
    /// with the query's id. Without an answer by the interconnect's
    /// `local_timeout`, the finding counts as [`LocalFinding::Unavailable`].
    Pending,
}

/// An ISP's traceback method as the interconnect sees it (DTM + BTM).
///
/// Implementations must not block and must do no I/O: answer from memory
/// ([`Located::Ready`]) or start work elsewhere and return
/// [`Located::Pending`]. Implemented in this crate by
/// [`crate::intertrack::FlowRecordLocator`] (ingress flow records) and
/// [`crate::intertrack::harness::StaticLocator`] (a fixed table, for tests
/// and simulations); the hash-logging control implements it over its trace
/// algorithm.
pub trait IngressLocator: Send {
    /// A short name of the method (exported in detail at export level `All`).
    fn name(&self) -> &str;

    /// Where did the packet of `query` enter this ISP? `now` is the caller's time.
    fn locate(&mut self, query: &LocalQuery, now: Timestamp) -> Located;
}
