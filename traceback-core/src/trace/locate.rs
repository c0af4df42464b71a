//! Glue to the inter-ISP layer: where a trace starts for an
//! [`Arrival`], and what an [`AttackGraph`] tells the interconnect
//! ([`LocalFinding`]).

use super::graph::{AttackGraph, NodeStatus};
use crate::intertrack::{Arrival, Confidence, LocalFinding};
use crate::topology::{LinkId, Topology};

/// The start edges of a trace for a packet arriving as `arrival` says:
/// `victim_edges` (the customer edges the IDS watches) for
/// [`Arrival::Victim`], every border link to the neighbour for
/// [`Arrival::Neighbor`]. Empty if the topology has no such edge.
pub fn start_edges(topo: &Topology, arrival: Arrival, victim_edges: &[LinkId]) -> Vec<LinkId> {
    match arrival {
        Arrival::Victim => victim_edges.to_vec(),
        Arrival::Neighbor(asn) => topo.borders_to(asn).into_iter().cloned().collect(),
    }
}

fn percent(p: f64) -> Confidence {
    let v = (p.clamp(0.0, 1.0) * 100.0).round() as u8;
    Confidence::new(v).unwrap_or(Confidence::FULL)
}

impl AttackGraph {
    /// What this trace tells the interconnect:
    ///
    /// * accepted ingress points: `Entered`, with the highest finding confidence in percent;
    /// * none, and the packet was seen past the start router (the path
    ///   ends inside the ISP without an entry): `Unavailable`;
    /// * none, and nothing could be observed (every link unknown, or
    ///   nothing to ask): `Unavailable`;
    /// * none otherwise: `NotSeen`, with the share of links that gave a
    ///   certain answer (hit or miss) as confidence.
    pub fn local_finding(&self) -> LocalFinding {
        if !self.ingress.is_empty() {
            let best = self
                .ingress
                .iter()
                .filter_map(|i| self.confidence_of(i))
                .fold(0.0, f64::max);
            return LocalFinding::Entered {
                ingress: self.ingress.clone(),
                confidence: percent(best),
            };
        }
        if self.nodes.iter().any(|n| n.status == NodeStatus::Hit) {
            return LocalFinding::Unavailable;
        }
        let observed = self.links.iter().filter(|l| !l.observation.is_unknown()).count();
        if observed == 0 {
            return LocalFinding::Unavailable;
        }
        LocalFinding::NotSeen {
            confidence: percent(observed as f64 / self.links.len() as f64),
        }
    }
}
