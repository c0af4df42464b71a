//! The state one interconnect keeps per trace: its own answer and the
//! branches still owed a reply.

use crate::evidence::{Evidence, Ingress};
use crate::ids::Asn;
use crate::intertrack::message::{Confidence, HopLimit, RequestId, Upstream, VisitedList};
use crate::intertrack::method::QueryId;
use crate::intertrack::status::AsStatus;
use crate::intertrack::tree::AsPathTree;
use crate::time::Timestamp;
use std::collections::{BTreeMap, BTreeSet};

/// Most edges one session tracks.
pub(crate) const MAX_EDGES: usize = 4 * crate::intertrack::tree::MAX_TREE_NODES;

/// An edge of the trace: `(asker, asked)`.
pub(crate) type Edge = (Asn, Asn);

/// Whether this ISP started the trace or passes it on.
#[derive(Debug)]
pub(crate) enum Role {
    /// The victim's ISP: merges replies into a tree.
    Origin { tree: AsPathTree },
    /// A relay: answers `requester`, relays descendants' replies to it.
    Relay {
        requester: Asn,
        /// Other neighbours that sent the same request: answered once, never relayed to.
        others: Vec<(Asn, VisitedList)>,
    },
}

/// This ISP's own answer, kept to answer repeated requests.
#[derive(Clone, Debug)]
pub(crate) struct OwnAnswer {
    pub(crate) status: AsStatus,
    pub(crate) upstream: Vec<Upstream>,
    pub(crate) confidence: Confidence,
    pub(crate) ingress: Vec<Ingress>,
}

/// The local method's progress.
#[derive(Clone, Debug)]
pub(crate) enum Local {
    /// Asked, no answer yet.
    Waiting { query: QueryId, deadline: Timestamp },
    /// Answered.
    Done(OwnAnswer),
}

/// One trace as seen by one interconnect.
#[derive(Debug)]
pub(crate) struct Session {
    pub(crate) id: RequestId,
    pub(crate) evidence: Evidence,
    pub(crate) hop_limit: HopLimit,
    /// The visited list as received (empty at the origin).
    pub(crate) via: VisitedList,
    pub(crate) role: Role,
    pub(crate) local: Local,
    /// Neighbours the request was forwarded to.
    pub(crate) children: BTreeSet<Asn>,
    /// Edges owed a reply; direct children carry a deadline.
    pub(crate) outstanding: BTreeMap<Edge, Option<Timestamp>>,
    /// Edges answered.
    pub(crate) settled: BTreeSet<Edge>,
    /// When the session is dropped (origin: the trace's overall deadline).
    pub(crate) expires: Timestamp,
    /// Whether every owed reply arrived (a relay lingers until `expires`
    /// to pass on late replies).
    pub(crate) finished: bool,
}

impl Session {
    /// Whether the local answer is in and no edge is owed a reply.
    pub(crate) fn is_done(&self) -> bool {
        matches!(self.local, Local::Done(_)) && self.outstanding.is_empty()
    }

    /// Whether `edge` was asked (answered or not).
    pub(crate) fn knows(&self, edge: Edge) -> bool {
        self.outstanding.contains_key(&edge) || self.settled.contains(&edge)
    }

    /// Mark `edge` answered; returns whether it was owed.
    pub(crate) fn settle(&mut self, edge: Edge) -> bool {
        let owed = self.outstanding.remove(&edge).is_some();
        self.settled.insert(edge);
        owed
    }

    /// Expect a reply on `edge` unless it was already asked (or the session
    /// already tracks [`MAX_EDGES`] edges: a flood of invented upstream ASes
    /// cannot grow it further).
    pub(crate) fn expect(&mut self, edge: Edge, deadline: Option<Timestamp>) {
        if !self.knows(edge) && self.outstanding.len() + self.settled.len() < MAX_EDGES {
            self.outstanding.insert(edge, deadline);
        }
    }

    /// The earliest time something in this session times out.
    pub(crate) fn next_deadline(&self) -> Timestamp {
        let mut t = self.expires;
        if let Local::Waiting { deadline, .. } = self.local {
            t = t.min(deadline);
        }
        for d in self.outstanding.values().flatten() {
            t = t.min(*d);
        }
        t
    }
}
