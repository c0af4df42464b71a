//! How the center hands a search to the victim ISP's interconnect.
//!
//! The center never talks to an ISP's collectors or controls: it gives the
//! evidence to the interconnect of the ISP that submitted the search (the
//! victim's ISP), which runs InterTrack with its neighbours and reports the
//! finished path. A [`TraceDispatcher`] is that hand-over; it either returns
//! the path at once ([`Dispatched::Finished`]) or says the report will come
//! later through `POST /v1/reports` ([`Dispatched::Pending`]).

use super::model::{PathReport, SearchId};
use serde::{Deserialize, Serialize};
use traceback_core::{Asn, Evidence};

/// One search handed to an interconnect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceJob {
    /// The search it answers (quote it in the report).
    pub search_id: SearchId,
    /// The submitting (victim) ISP, whose interconnect starts the trace.
    pub victim: Asn,
    /// What to trace.
    pub evidence: Evidence,
}

/// The outcome of a successful hand-over.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Dispatched {
    /// The trace ran to the end during the call.
    Finished(PathReport),
    /// The interconnect accepted the job and will report through
    /// `POST /v1/reports` (or [`super::Center::accept_report`]).
    Pending,
}

/// Why a hand-over failed; the search is marked failed with this text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DispatchError {
    /// The interconnect could not be reached.
    #[error("interconnect of {0} unreachable: {1}")]
    Unreachable(Asn, String),
    /// The interconnect refused the job (policy, rate limit, busy).
    #[error("interconnect of {0} refused the trace: {1}")]
    Refused(Asn, String),
    /// The trace itself failed.
    #[error("trace failed: {0}")]
    Failed(String),
}

/// Hands searches to interconnects. The real implementation is the
/// interconnect client of `traceback-net`; [`AwaitReport`] serves
/// interconnects that poll the center (`GET /v1/jobs`).
#[async_trait::async_trait]
pub trait TraceDispatcher: Send + Sync {
    /// Start (and possibly finish) the trace of one search.
    async fn dispatch(&self, job: TraceJob) -> Result<Dispatched, DispatchError>;
}

/// A dispatcher for interconnects that pull their work: the job becomes
/// visible in `GET /v1/jobs` for the victim ISP's token as soon as it is
/// running, and its result arrives through `POST /v1/reports`.
#[derive(Clone, Copy, Debug, Default)]
pub struct AwaitReport;

#[async_trait::async_trait]
impl TraceDispatcher for AwaitReport {
    async fn dispatch(&self, _job: TraceJob) -> Result<Dispatched, DispatchError> {
        Ok(Dispatched::Pending)
    }
}
