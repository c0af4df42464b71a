//! What one AS discloses about a traced packet: its status.

use core::fmt;
use serde::{Deserialize, Serialize};

/// The status an AS reports for one trace request (InterTrack's status set).
///
/// Only this, the upstream neighbour ASes and a confidence leave an ISP by
/// default. InterTrack's other statuses (Internal, Amplifier, Translator,
/// NATTraversal, Wait) are not produced yet; the enum is non-exhaustive so
/// they can be added without breaking users.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum AsStatus {
    /// The packet was addressed into this AS: the victim's AS, root of a trace.
    Destination,
    /// The packet entered the Internet here: it came in from one of this AS's
    /// own customers (the attacker is behind this AS).
    Source,
    /// The packet passed through this AS; it came in from the upstream
    /// neighbour ASes named in the reply.
    Transit,
    /// This AS's method looked and did not see the packet.
    NotFound,
    /// This AS answered but would not trace (reason attached).
    Refused(RefusalReason),
    /// This AS has too many traces in progress.
    Busy,
    /// No answer for this AS (reason attached): it does not take part, could
    /// not be reached, did not answer in time, or was never asked.
    Unknown(UnknownReason),
    /// The request had already visited this AS (a loop in the AS graph): it
    /// was answered without a lookup and not forwarded. An SDK extension to
    /// InterTrack's status set.
    Loop,
}

impl AsStatus {
    /// Whether the AS said the packet passed through it (Source or Transit):
    /// only such ASes lie on a traced path.
    pub fn is_on_path(&self) -> bool {
        matches!(self, AsStatus::Source | AsStatus::Transit)
    }

    /// Whether this is an answer given by the AS itself (anything but
    /// [`AsStatus::Unknown`], which is what others say about a silent AS).
    pub fn is_answer(&self) -> bool {
        !matches!(self, AsStatus::Unknown(_))
    }

    /// How strongly a status is kept when two replies for the same AS
    /// disagree: a higher rank wins (see `docs/intertrack.md`, merge rules).
    pub(crate) fn merge_rank(&self) -> u8 {
        match self {
            AsStatus::Unknown(_) => 0,
            AsStatus::Loop => 1,
            AsStatus::Busy | AsStatus::Refused(_) => 2,
            AsStatus::NotFound => 3,
            AsStatus::Destination => 4,
            AsStatus::Transit => 5,
            AsStatus::Source => 6,
        }
    }
}

impl fmt::Display for AsStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AsStatus::Destination => f.write_str("destination"),
            AsStatus::Source => f.write_str("source"),
            AsStatus::Transit => f.write_str("transit"),
            AsStatus::NotFound => f.write_str("not-found"),
            AsStatus::Refused(r) => write!(f, "refused ({r})"),
            AsStatus::Busy => f.write_str("busy"),
            AsStatus::Unknown(r) => write!(f, "unknown ({r})"),
            AsStatus::Loop => f.write_str("loop"),
        }
    }
}

/// Why an AS refused a trace request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum RefusalReason {
    /// The AS's policy denies requests from the requesting peer.
    PolicyDeny,
    /// The requesting peer exceeded its message rate.
    RateLimit,
    /// The request names a requester other than the authenticated peer that sent it.
    Authentication,
    /// The AS's policy forbids tracing towards that neighbour (reported by the
    /// AS that would have forwarded, on behalf of the neighbour).
    PathPolicy,
    /// The request is inconsistent (its visited list does not end with its requester).
    InvalidRequest,
}

impl fmt::Display for RefusalReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RefusalReason::PolicyDeny => "policy deny",
            RefusalReason::RateLimit => "rate limit",
            RefusalReason::Authentication => "authentication",
            RefusalReason::PathPolicy => "path policy",
            RefusalReason::InvalidRequest => "invalid request",
        })
    }
}

/// Why there is no answer for an AS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum UnknownReason {
    /// The AS runs no interconnect (it is not a federation member or not a
    /// peer of the AS that would have asked).
    NonParticipating,
    /// The driver could not deliver the request.
    Unreachable,
    /// The AS did not answer before the deadline.
    TimedOut,
    /// The request's hop limit was used up before reaching the AS.
    HopLimit,
    /// The AS's own method could not answer (no coverage for the time window,
    /// no answer from its collectors in time).
    NoCoverage,
}

impl fmt::Display for UnknownReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UnknownReason::NonParticipating => "non-participating",
            UnknownReason::Unreachable => "unreachable",
            UnknownReason::TimedOut => "timed out",
            UnknownReason::HopLimit => "hop limit reached",
            UnknownReason::NoCoverage => "no coverage",
        })
    }
}
