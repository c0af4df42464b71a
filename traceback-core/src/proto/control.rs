//! Interconnect ⇄ control (inside one ISP): "this packet was heading towards
//! X: where did it enter our network?"

use crate::evidence::{Evidence, Ingress};
use crate::intertrack::{self, Arrival, Confidence};
use serde::{Deserialize, Serialize};

/// A request from the interconnect to its ISP's control.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalTraceRequest {
    /// Chosen by the interconnect; echoed in the finding.
    pub id: u64,
    /// The attack packet's evidence.
    pub evidence: Evidence,
    /// Where the packet was heading: this ISP's own victim, or the neighbour
    /// that sent the trace request (its border links are the trace's start).
    pub arrival: Arrival,
}

/// What a control found, as the wire carries it (mirrors
/// [`intertrack::LocalFinding`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ControlResult {
    /// The packet entered this ISP at these points.
    Entered {
        /// Border links (the trace continues at the neighbour) and customer
        /// edges (this ISP is a source).
        ingress: Vec<Ingress>,
        /// How sure the control is (0..=100).
        confidence: Confidence,
    },
    /// The control looked and did not see the packet.
    NotSeen {
        /// How sure the control is (0..=100).
        confidence: Confidence,
    },
    /// The control could not answer (collectors failed, no coverage, no
    /// start link for the arrival).
    Unavailable,
    /// The control is overloaded.
    Busy,
}

impl From<ControlResult> for intertrack::LocalFinding {
    fn from(r: ControlResult) -> Self {
        match r {
            ControlResult::Entered { ingress, confidence } => {
                intertrack::LocalFinding::Entered { ingress, confidence }
            }
            ControlResult::NotSeen { confidence } => intertrack::LocalFinding::NotSeen { confidence },
            ControlResult::Unavailable => intertrack::LocalFinding::Unavailable,
            ControlResult::Busy => intertrack::LocalFinding::Busy,
        }
    }
}

/// A control's answer to one [`LocalTraceRequest`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlFinding {
    /// The outcome.
    pub result: ControlResult,
    /// Questions sent to collectors.
    pub questions: u32,
    /// Questions that failed (collector unreachable, timed out, error reply).
    pub failed: u32,
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
        finding: ControlFinding,
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
