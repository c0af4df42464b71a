//! Interconnect ⇄ control (inside one ISP): "did this packet enter our
//! network, and over which border or customer edge?"

use crate::evidence::{Evidence, Ingress};
use crate::ids::Asn;
use serde::{Deserialize, Serialize};

/// A request from the interconnect to its ISP's control.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalTraceRequest {
    /// Chosen by the interconnect; echoed in the finding.
    pub id: u64,
    /// The attack packet's evidence.
    pub evidence: Evidence,
    /// The neighbour the request came from (the packet left this ISP towards
    /// it), or `None` when the victim is inside this ISP.
    pub from: Option<Asn>,
}

/// The outcome of a local trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum LocalStatus {
    /// The packet was seen inside this ISP; `ingress` says where it entered.
    Found,
    /// Every collector that was asked answered, and none saw the packet.
    NotFound,
    /// Some collectors failed or could not cover the interval, so a miss is
    /// not conclusive; `ingress` holds what was found anyway.
    Incomplete,
}

/// A control's answer: where the packet entered this ISP.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalFinding {
    /// The outcome.
    pub status: LocalStatus,
    /// Where the packet entered: border links (the trace continues at the
    /// neighbour) and customer edges (this ISP is a source).
    pub ingress: Vec<Ingress>,
    /// Collectors asked.
    pub collectors_asked: u32,
    /// Collectors that failed (unreachable, timed out, error reply).
    pub collectors_failed: u32,
}

/// The interconnect ⇄ control envelope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ControlMsg {
    /// Interconnect → control.
    Trace(LocalTraceRequest),
    /// Control → interconnect: the finding for request `id`.
    Finding {
        /// The request's id.
        id: u64,
        /// The finding.
        finding: LocalFinding,
    },
}

impl ControlMsg {
    pub(super) fn kind(&self) -> &'static str {
        match self {
            ControlMsg::Trace(_) => "control.trace",
            ControlMsg::Finding { .. } => "control.finding",
        }
    }
}
