//! Interconnect ⇄ interconnect (between ISPs, over mutual TLS).

use crate::evidence::Evidence;
use crate::ids::Asn;
use serde::{Deserialize, Serialize};

/// A trace's federation-wide id: the ISP that started it and its sequence number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TraceId {
    /// The ISP whose interconnect started the trace.
    pub origin: Asn,
    /// Sequence number at the origin.
    pub seq: u64,
}

/// A request to a neighbour: "did this packet pass your network?"
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireTraceRequest {
    /// The trace.
    pub id: TraceId,
    /// Remaining AS hops (InterTrack: 0..=64).
    pub ttl: u8,
    /// ASes the request has visited, origin first (loop detection, at most 128).
    pub visited: Vec<Asn>,
    /// The attack packet's evidence.
    pub evidence: Evidence,
}

/// What one AS discloses about a packet (InterTrack's status).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum PeerStatus {
    /// The packet entered the Internet in this AS.
    Source,
    /// The packet crossed this AS.
    Transit,
    /// The packet was not seen.
    NotFound,
    /// No answer could be had.
    Unknown,
    /// The request was refused.
    Refused,
    /// The AS is too busy to answer.
    Busy,
}

/// A neighbour's answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireTraceReply {
    /// The trace.
    pub id: TraceId,
    /// The AS answering.
    pub from: Asn,
    /// Its status.
    pub status: PeerStatus,
    /// Its upstream neighbours the packet came from.
    pub upstream: Vec<Asn>,
}

/// The interconnect ⇄ interconnect envelope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum PeerMsg {
    /// A trace request.
    Request(WireTraceRequest),
    /// A trace reply.
    Reply(WireTraceReply),
}

impl PeerMsg {
    pub(super) fn kind(&self) -> &'static str {
        match self {
            PeerMsg::Request(_) => "peer.request",
            PeerMsg::Reply(_) => "peer.reply",
        }
    }
}
