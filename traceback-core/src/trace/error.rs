//! Why a trace could not start or an input was rejected.

use super::question::QuestionId;
use crate::topology::LinkId;

/// An error from a trace algorithm.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TraceError {
    /// The start is not a border link or customer edge of the topology.
    #[error("trace start {0} is not a border link or customer edge")]
    BadStart(LinkId),
    /// The trace has no start edge.
    #[error("a trace needs at least one start edge")]
    NoStart,
    /// An answer for a question that is not outstanding (never asked, already answered or timed out).
    #[error("{0} is not outstanding")]
    NotOutstanding(QuestionId),
    /// No algorithm is registered under this name.
    #[error("unknown trace algorithm {0:?}")]
    UnknownAlgorithm(String),
}
