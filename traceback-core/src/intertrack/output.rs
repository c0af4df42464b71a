//! What an interconnect hands back: messages to send, events, errors, counters.

use crate::ids::Asn;
use crate::intertrack::message::{Message, RequestId};
use crate::intertrack::method::QueryId;
use crate::intertrack::status::AsStatus;
use crate::intertrack::tree::AsPathTree;

/// A trace could not be started.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// Too many traces in progress (the policy's `max_in_progress`).
    #[error("too many traces in progress ({0})")]
    Busy(usize),
}

/// A local finding that matches no question in progress.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FindingError {
    /// The query is unknown, already answered or timed out.
    #[error("no local query {0:?} is waiting")]
    UnknownQuery(QueryId),
}

/// A message to send to a neighbour.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Transmit {
    /// The neighbour AS.
    pub to: Asn,
    /// The message.
    pub message: Message,
}

/// Something for the local operator or the center.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A reply was merged into a trace started here (progress).
    Progress {
        /// The trace.
        id: RequestId,
        /// The AS the reply is about.
        responder: Asn,
        /// Its status.
        status: AsStatus,
    },
    /// A trace started here ended: every branch answered, or the trace
    /// deadline passed (then `tree.is_complete()` is false).
    TraceFinished {
        /// The trace.
        id: RequestId,
        /// The merged reverse AS-path tree.
        tree: AsPathTree,
    },
}

/// Counters of what the interconnect did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct InterconnectStats {
    /// Trace requests received.
    pub requests: u64,
    /// Requests answered Refused (any reason).
    pub refused: u64,
    /// Requests answered Refused: rate limit.
    pub rate_limited: u64,
    /// Requests answered Busy.
    pub busy: u64,
    /// Requests answered Loop.
    pub loops: u64,
    /// Requests forwarded to neighbours.
    pub forwarded: u64,
    /// Replies relayed towards the origin.
    pub relayed: u64,
    /// Replies dropped (unknown trace, not asked, malformed).
    pub replies_ignored: u64,
    /// Neighbours answered for with Unknown (timed out or unreachable).
    pub branch_timeouts: u64,
    /// Traces started here.
    pub traces_started: u64,
    /// Traces started here that finished.
    pub traces_finished: u64,
}
