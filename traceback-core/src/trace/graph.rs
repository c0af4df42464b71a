//! The result of a trace inside one ISP.

use super::book::QuestionStats;
use super::question::Observation;
use crate::evidence::Ingress;
use crate::topology::{LinkId, RouterId};
use serde::{Deserialize, Serialize};

/// How a router came to be in the graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum NodeStatus {
    /// The router at the start edge (where the packet was seen leaving).
    Start,
    /// Reached over a link whose collectors hit.
    Hit,
    /// Reached only over links that could not be observed (collector down,
    /// window expired, no collector): it may or may not be on the path.
    Unknown,
}

/// One router of the attack graph.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GraphNode {
    /// The router.
    pub router: RouterId,
    /// How it joined.
    pub status: NodeStatus,
    /// Probability that the chain of hits from the start to this router has
    /// no false positive: the product of `1 - fpp` over the hit links on its
    /// first-found path (unknown links count as 1; the start is 1).
    pub confidence: f64,
    /// Router hops from the start router.
    pub depth: u32,
    /// The link it was first reached over (`None` for the start).
    pub via: Option<LinkId>,
}

/// One link asked about, oriented towards the victim.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GraphLink {
    /// The link (internal, border or customer edge).
    pub link: LinkId,
    /// The router on the victim's side (the one being expanded when asked).
    pub downstream: RouterId,
    /// The router on the far side; `None` for a border link or customer edge.
    pub upstream: Option<RouterId>,
    /// What its collectors said.
    pub observation: Observation,
}

/// How an ingress point was decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum IngressBasis {
    /// A collector on the border link or customer edge hit (or could not answer).
    Collector,
    /// The edge has no collector and its router is at the frontier of the
    /// graph (no further hit); `candidates` uncollected edges share that router.
    Frontier {
        /// How many uncollected edges at that router are candidates.
        candidates: usize,
    },
}

/// One border link or customer edge considered as the packet's entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IngressFinding {
    /// The entry point.
    pub ingress: Ingress,
    /// The local router of the edge.
    pub router: RouterId,
    /// The edge's observation (`Unknown(NoCollector)` for frontier findings).
    pub observation: Observation,
    /// How it was decided.
    pub basis: IngressBasis,
    /// Router confidence times the edge hit's `1 - fpp` (router confidence for frontier findings; 0 if unknown).
    pub confidence: f64,
}

impl IngressFinding {
    /// Whether the finding names a likely entry (a hit, or a frontier decision).
    pub fn is_accepted(&self) -> bool {
        self.observation.is_hit() || matches!(self.basis, IngressBasis::Frontier { .. })
    }
}

/// What one ISP's trace found: the routers and links the packet (probably)
/// crossed and where it entered the ISP.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttackGraph {
    /// The algorithm that built it.
    pub algorithm: String,
    /// The start edges.
    pub start: Vec<LinkId>,
    /// Routers, in the order they joined.
    pub nodes: Vec<GraphNode>,
    /// Every link asked about (or found unwatched), in completion order.
    pub links: Vec<GraphLink>,
    /// Accepted entry points, sorted and deduplicated: what the inter-ISP layer continues from.
    pub ingress: Vec<Ingress>,
    /// Every edge considered, accepted or unknown, with its basis and confidence.
    pub findings: Vec<IngressFinding>,
    /// Routers reached by a hit but dropped by [`super::Acceptance::Corroborated`].
    pub pruned: Vec<RouterId>,
    /// Question counts.
    pub stats: QuestionStats,
}

impl AttackGraph {
    /// A node by router id.
    pub fn node(&self, router: &str) -> Option<&GraphNode> {
        self.nodes.iter().find(|n| n.router.as_str() == router)
    }

    /// How many questions the trace asked.
    pub fn questions_asked(&self) -> usize {
        self.stats.asked
    }

    /// Whether every link asked about gave a hit or a miss.
    pub fn is_complete(&self) -> bool {
        !self.links.iter().any(|l| l.observation.is_unknown())
    }

    /// The highest confidence among the accepted findings for `ingress`
    /// (`None` if it is not an accepted entry point).
    pub fn confidence_of(&self, ingress: &Ingress) -> Option<f64> {
        self.findings
            .iter()
            .filter(|f| f.is_accepted() && f.ingress == *ingress)
            .map(|f| f.confidence)
            .reduce(f64::max)
    }

    /// Routers with status [`NodeStatus::Hit`] or [`NodeStatus::Start`].
    pub fn hit_routers(&self) -> impl Iterator<Item = &RouterId> + '_ {
        self.nodes
            .iter()
            .filter(|n| n.status != NodeStatus::Unknown)
            .map(|n| &n.router)
    }
}
