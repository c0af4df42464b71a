//! The messages interconnects exchange: trace requests and replies.
//!
//! Every bounded field is a validated newtype whose serde form re-checks the
//! bound, so a decoded message already satisfies the limits (hop limit
//! 0..=64, visited list of at most 128 ASes, confidence 0..=100, at most
//! [`MAX_UPSTREAM`] upstream entries). Structs and enums are
//! `#[non_exhaustive]` so the wire format (issue 4) can grow fields.

use crate::evidence::{Evidence, Ingress};
use crate::ids::Asn;
use crate::intertrack::status::AsStatus;
use crate::time::Timestamp;
use core::fmt;
use serde::{Deserialize, Serialize};

/// Largest hop limit (InterTrack's TTL): 64 AS hops.
pub const MAX_HOP_LIMIT: u8 = 64;
/// Largest visited list: 128 ASes.
pub const MAX_VISITED: usize = 128;
/// Largest number of upstream entries in one reply.
pub const MAX_UPSTREAM: usize = 128;

/// A value outside a message field's bounds.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MessageError {
    /// A hop limit above [`MAX_HOP_LIMIT`].
    #[error("hop limit {0} is above the maximum of 64 AS hops")]
    HopLimitTooLarge(u8),
    /// A visited list longer than [`MAX_VISITED`].
    #[error("visited list of {0} ASes is longer than the maximum of 128")]
    VisitedTooLong(usize),
    /// A confidence above 100.
    #[error("confidence {0} is above 100")]
    ConfidenceTooLarge(u8),
    /// More than [`MAX_UPSTREAM`] upstream entries.
    #[error("{0} upstream entries is more than the maximum of 128")]
    TooManyUpstream(usize),
}

/// Identifies one trace across every AS it reaches: the origin AS, when the
/// origin started it and a sequence number local to the origin.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RequestId {
    /// The AS whose interconnect started the trace (the victim's ISP).
    pub origin: Asn,
    /// When the origin started the trace (its clock).
    pub started: Timestamp,
    /// The origin's sequence number; unique per origin together with `started`.
    pub seq: u32,
}

impl RequestId {
    /// A request id.
    pub const fn new(origin: Asn, started: Timestamp, seq: u32) -> Self {
        RequestId { origin, started, seq }
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.origin, self.started, self.seq)
    }
}

/// How many more AS hops a request may travel (InterTrack TTL, 0..=64).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct HopLimit(u8);

impl HopLimit {
    /// The maximum, 64 AS hops.
    pub const MAX: HopLimit = HopLimit(MAX_HOP_LIMIT);

    /// A hop limit; values above 64 are rejected.
    pub const fn new(hops: u8) -> Result<Self, MessageError> {
        if hops > MAX_HOP_LIMIT {
            Err(MessageError::HopLimitTooLarge(hops))
        } else {
            Ok(HopLimit(hops))
        }
    }

    /// The number of hops left.
    pub const fn get(self) -> u8 {
        self.0
    }

    /// The hop limit a forwarded copy carries, or `None` when no hop is left.
    pub fn decremented(self) -> Option<HopLimit> {
        self.0.checked_sub(1).map(HopLimit)
    }
}

impl Default for HopLimit {
    fn default() -> Self {
        HopLimit::MAX
    }
}

impl TryFrom<u8> for HopLimit {
    type Error = MessageError;
    fn try_from(v: u8) -> Result<Self, Self::Error> {
        HopLimit::new(v)
    }
}

impl From<HopLimit> for u8 {
    fn from(h: HopLimit) -> u8 {
        h.0
    }
}

/// The ASes a request has passed through, origin first, requester last
/// (at most 128): InterTrack's loop detection list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "Vec<Asn>", into = "Vec<Asn>")]
pub struct VisitedList(Vec<Asn>);

impl VisitedList {
    /// A list holding only `origin`.
    pub fn starting_at(origin: Asn) -> Self {
        VisitedList(vec![origin])
    }

    /// A list from ASes in order; longer than 128 is rejected.
    pub fn new(ases: Vec<Asn>) -> Result<Self, MessageError> {
        if ases.len() > MAX_VISITED {
            Err(MessageError::VisitedTooLong(ases.len()))
        } else {
            Ok(VisitedList(ases))
        }
    }

    /// Whether `asn` is on the list.
    pub fn contains(&self, asn: Asn) -> bool {
        self.0.contains(&asn)
    }

    /// The last AS (the requester), if any.
    pub fn last(&self) -> Option<Asn> {
        self.0.last().copied()
    }

    /// The first AS (the origin), if any.
    pub fn first(&self) -> Option<Asn> {
        self.0.first().copied()
    }

    /// The ASes in order.
    pub fn as_slice(&self) -> &[Asn] {
        &self.0
    }

    /// Number of ASes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The list with `asn` appended, or `None` if it would exceed 128 entries.
    pub fn with(&self, asn: Asn) -> Option<VisitedList> {
        if self.0.len() >= MAX_VISITED {
            return None;
        }
        let mut v = self.0.clone();
        v.push(asn);
        Some(VisitedList(v))
    }
}

impl TryFrom<Vec<Asn>> for VisitedList {
    type Error = MessageError;
    fn try_from(v: Vec<Asn>) -> Result<Self, Self::Error> {
        VisitedList::new(v)
    }
}

impl From<VisitedList> for Vec<Asn> {
    fn from(v: VisitedList) -> Vec<Asn> {
        v.0
    }
}

/// A confidence ("degree" in InterTrack), 0..=100.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Confidence(u8);

impl Confidence {
    /// No confidence (used for ASes that did not answer).
    pub const NONE: Confidence = Confidence(0);
    /// Full confidence.
    pub const FULL: Confidence = Confidence(100);

    /// A confidence; values above 100 are rejected.
    pub const fn new(v: u8) -> Result<Self, MessageError> {
        if v > 100 {
            Err(MessageError::ConfidenceTooLarge(v))
        } else {
            Ok(Confidence(v))
        }
    }

    /// The value, 0..=100.
    pub const fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for Confidence {
    type Error = MessageError;
    fn try_from(v: u8) -> Result<Self, Self::Error> {
        Confidence::new(v)
    }
}

impl From<Confidence> for u8 {
    fn from(c: Confidence) -> u8 {
        c.0
    }
}

/// A request to trace one packet, sent by an interconnect to a neighbour's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TraceRequest {
    /// The trace this request belongs to.
    pub id: RequestId,
    /// Digest, profile and time window of the packet (never the packet).
    pub evidence: Evidence,
    /// How many more AS hops the request may be forwarded.
    pub hop_limit: HopLimit,
    /// The ASes the request has passed through, origin first, requester last.
    pub visited: VisitedList,
    /// The neighbour AS that sent this request (equal to `visited.last()`).
    pub requester: Asn,
}

impl TraceRequest {
    /// A request; `visited` must end with `requester` (checked on receipt).
    pub fn new(
        id: RequestId,
        evidence: Evidence,
        hop_limit: HopLimit,
        visited: VisitedList,
        requester: Asn,
    ) -> Self {
        TraceRequest {
            id,
            evidence,
            hop_limit,
            visited,
            requester,
        }
    }
}

/// What happened to one upstream neighbour an AS named.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum UpstreamNote {
    /// The request was forwarded to it: a reply for it follows (its own, or
    /// `Unknown` on its behalf if it stays silent).
    Forwarded,
    /// Already forwarded to it under this request through another path.
    AlreadyForwarded,
    /// Not forwarded: no hop left.
    HopLimit,
    /// Not forwarded: it is on the visited list (a loop).
    Visited,
    /// Not forwarded: it runs no interconnect peered with this AS.
    NonParticipating,
    /// Not forwarded: this AS's policy forbids tracing towards it.
    PathPolicy,
}

/// One upstream neighbour named in a reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Upstream {
    /// The neighbour AS the packet came from.
    pub asn: Asn,
    /// Whether the request went on to it.
    pub note: UpstreamNote,
}

impl Upstream {
    /// An upstream entry.
    pub const fn new(asn: Asn, note: UpstreamNote) -> Self {
        Upstream { asn, note }
    }
}

/// Intra-ISP detail of an answer, included only as the export level allows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReplyDetail {
    /// The local method that answered (export level `All`).
    pub method: Option<String>,
    /// Ingress points found: border links (export level `InterAsOnly` and
    /// `All`), customer edges (export level `All`).
    pub ingress: Vec<Ingress>,
}

/// One AS's answer to a trace request, relayed back hop by hop to the origin.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TraceReply {
    /// The trace answered.
    pub id: RequestId,
    /// The AS this reply is about (the one that answered, or the silent one
    /// for a reply its requester made on its behalf).
    pub responder: Asn,
    /// The visited list of the request answered: origin first, the AS that
    /// asked `responder` last.
    pub via: VisitedList,
    /// What the responder discloses.
    pub status: AsStatus,
    /// Upstream neighbour ASes the packet came from (for Transit and Source).
    #[serde(default)]
    pub upstream: Vec<Upstream>,
    /// The responder's confidence in `status`.
    pub confidence: Confidence,
    /// Intra-ISP detail, as the responder's export level allows.
    #[serde(default)]
    pub detail: Option<ReplyDetail>,
}

impl TraceReply {
    /// A reply without upstream entries or detail.
    pub fn new(
        id: RequestId,
        responder: Asn,
        via: VisitedList,
        status: AsStatus,
        confidence: Confidence,
    ) -> Self {
        TraceReply {
            id,
            responder,
            via,
            status,
            upstream: Vec::new(),
            confidence,
            detail: None,
        }
    }

    /// The same reply with upstream entries (at most [`MAX_UPSTREAM`]).
    pub fn with_upstream(mut self, upstream: Vec<Upstream>) -> Result<Self, MessageError> {
        if upstream.len() > MAX_UPSTREAM {
            return Err(MessageError::TooManyUpstream(upstream.len()));
        }
        self.upstream = upstream;
        Ok(self)
    }

    /// The same reply with intra-ISP detail.
    pub fn with_detail(mut self, detail: ReplyDetail) -> Self {
        self.detail = Some(detail);
        self
    }

    /// The AS that asked the responder (the last entry of `via`).
    pub fn asked_by(&self) -> Option<Asn> {
        self.via.last()
    }

    /// Check bounds not enforced by the field types (upstream count).
    pub fn validate(&self) -> Result<(), MessageError> {
        if self.upstream.len() > MAX_UPSTREAM {
            return Err(MessageError::TooManyUpstream(self.upstream.len()));
        }
        Ok(())
    }
}

/// A message between two interconnects.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Message {
    /// A trace request.
    Request(TraceRequest),
    /// A trace reply (own or relayed).
    Reply(TraceReply),
}
