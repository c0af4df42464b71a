//! What a trace starts from and how it is tuned.

use super::error::TraceError;
use crate::evidence::Evidence;
use crate::time::TimeRange;
use crate::topology::{LinkId, RouterId, Topology};
use core::time::Duration;
use serde::{Deserialize, Serialize};

/// When a node joins the attack graph.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Acceptance {
    /// SPIE: a hit on the link to a router is enough.
    #[default]
    SingleHit,
    /// A router reached by a hit is kept only if the path continues from it:
    /// a further hit link to a kept router, or an edge at it that hit, is
    /// unknown, or has no collector (see `docs/trace-algorithms.md`).
    Corroborated,
}

/// Tuning shared by the built-in algorithms. Durations are in milliseconds in config files.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TraceOptions {
    /// Extra time allowed before the evidence window per hop away from the start.
    #[serde(with = "millis")]
    pub per_hop: Duration,
    /// Widening of the window on both sides for collector clock skew.
    #[serde(with = "millis")]
    pub skew_tolerance: Duration,
    /// How long a question may stay unanswered before `handle_timeout` fails it.
    #[serde(with = "millis")]
    pub question_timeout: Duration,
    /// When a router joins the graph.
    pub acceptance: Acceptance,
    /// How many consecutive unknown links (collector down, unwatched) the
    /// flood may cross before it stops expanding (SPIE only).
    pub max_unknown_hops: u32,
}

impl Default for TraceOptions {
    fn default() -> Self {
        TraceOptions {
            per_hop: Duration::from_millis(50),
            skew_tolerance: Duration::from_millis(500),
            question_timeout: Duration::from_secs(5),
            acceptance: Acceptance::SingleHit,
            max_unknown_hops: 1,
        }
    }
}

/// One trace request.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceParams {
    /// The packet's evidence.
    pub evidence: Evidence,
    /// Where the packet was seen leaving this ISP towards the victim: the
    /// victim's customer edge, or the border links to the downstream
    /// neighbour for a transit trace (all of them if there are several,
    /// see [`crate::topology::Topology::borders_to`]). Never asked about.
    /// Must not be empty.
    pub start: Vec<LinkId>,
    /// Tuning.
    pub options: TraceOptions,
}

impl TraceParams {
    /// A request from one start edge, with default options.
    pub fn new(evidence: Evidence, start: impl Into<LinkId>) -> Self {
        TraceParams {
            evidence,
            start: vec![start.into()],
            options: TraceOptions::default(),
        }
    }

    /// A request from several start edges (parallel border links to one neighbour), with default options.
    pub fn with_starts<L: Into<LinkId>>(evidence: Evidence, starts: impl IntoIterator<Item = L>) -> Self {
        TraceParams {
            evidence,
            start: starts.into_iter().map(Into::into).collect(),
            options: TraceOptions::default(),
        }
    }

    /// The routers of the start edges, deduplicated in order; an error if
    /// there is none or one is not a border link or customer edge.
    pub fn start_routers(&self, topo: &Topology) -> Result<Vec<RouterId>, TraceError> {
        if self.start.is_empty() {
            return Err(TraceError::NoStart);
        }
        let mut out: Vec<RouterId> = Vec::new();
        for s in &self.start {
            let r = topo
                .edge_router(s.as_str())
                .ok_or_else(|| TraceError::BadStart(s.clone()))?;
            if !out.contains(r) {
                out.push(r.clone());
            }
        }
        Ok(out)
    }

    /// Whether `link` is one of the start edges.
    pub fn is_start(&self, link: &LinkId) -> bool {
        self.start.contains(link)
    }

    /// The interval searched on a link `hops` router hops upstream of the start:
    /// the evidence window widened by the skew tolerance on both sides, and
    /// moved back by `hops * per_hop` at its start.
    pub fn range_at(&self, hops: u32) -> TimeRange {
        let w = self.evidence.window().widen(self.options.skew_tolerance);
        TimeRange::new(
            w.start.saturating_sub(self.options.per_hop.saturating_mul(hops)),
            w.end,
        )
    }
}

mod millis {
    use core::time::Duration;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}
