//! Interconnect → center: a finished path.

use super::peer::{PeerStatus, TraceId};
use crate::digest::Digest;
use crate::ids::Asn;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// One AS on a reported path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathHop {
    /// The AS.
    pub asn: Asn,
    /// What it disclosed.
    pub status: PeerStatus,
    /// The neighbours the packet came from, as disclosed.
    pub upstream: Vec<Asn>,
}

/// A finished trace as the origin's interconnect reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathReport {
    /// The trace.
    pub id: TraceId,
    /// The traced packet's digest.
    pub digest: Digest,
    /// When the packet was seen at the victim.
    pub seen_at: Timestamp,
    /// Every AS that answered, in the order answers arrived.
    pub hops: Vec<PathHop>,
    /// ASes found to be sources.
    pub sources: Vec<Asn>,
}

/// The interconnect → center envelope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum CenterMsg {
    /// A finished path.
    Report(PathReport),
    /// Center → interconnect: the report was stored.
    Stored {
        /// The trace.
        id: TraceId,
    },
}

impl CenterMsg {
    pub(super) fn kind(&self) -> &'static str {
        match self {
            CenterMsg::Report(_) => "center.report",
            CenterMsg::Stored { .. } => "center.stored",
        }
    }
}
