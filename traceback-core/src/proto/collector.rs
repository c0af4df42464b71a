//! Control ⇄ collector: "did this digest pass your link during [t0, t1]?"

use crate::digest::{Digest, DigestProfile};
use crate::store::{QueryAnswer, StoreStats};
use crate::time::TimeRange;
use serde::{Deserialize, Serialize};

/// A question from a control to one of its collectors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Query {
    /// Chosen by the control; echoed in the answer. Unique per connection.
    pub id: u64,
    /// The digest looked for.
    pub digest: Digest,
    /// The profile the digest was computed under; a collector storing another
    /// profile answers [`super::ErrorCode::ProfileMismatch`].
    pub profile: DigestProfile,
    /// The interval to search.
    pub range: TimeRange,
}

/// The collector ⇄ control envelope.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum CollectorMsg {
    /// Control → collector.
    Query(Query),
    /// Collector → control: the store's answer to query `id`.
    Answer {
        /// The query's id.
        id: u64,
        /// What the store found.
        answer: QueryAnswer,
    },
    /// Control → collector: ask for the store's counters.
    StatsRequest {
        /// Chosen by the control; echoed in the reply.
        id: u64,
    },
    /// Collector → control: the store's counters.
    Stats {
        /// The request's id.
        id: u64,
        /// The counters.
        stats: StoreStats,
        /// Frames read from captures since start.
        frames: u64,
        /// Frames that yielded a digest since start.
        digested: u64,
    },
}

impl CollectorMsg {
    pub(super) fn kind(&self) -> &'static str {
        match self {
            CollectorMsg::Query(_) => "collector.query",
            CollectorMsg::Answer { .. } => "collector.answer",
            CollectorMsg::StatsRequest { .. } => "collector.stats_request",
            CollectorMsg::Stats { .. } => "collector.stats",
        }
    }
}
