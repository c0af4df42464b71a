//! The origin's view of a trace: a reverse AS-path tree merged from replies.
//!
//! The victim's AS is the root; a node's children are the upstream ASes it
//! named. Replies may be inconsistent (an AS named by two parents, an AS
//! answering twice with different statuses, a reply nobody asked for):
//! the tree records each inconsistency as a [`Conflict`] and keeps going.
//! It never holds a cycle: an edge that would close one is recorded in
//! [`AsPathTree::loops`] instead.

use crate::ids::Asn;
use crate::intertrack::message::{Confidence, ReplyDetail, TraceReply, Upstream, UpstreamNote};
use crate::intertrack::status::{AsStatus, RefusalReason, UnknownReason};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Most nodes a tree holds; more are dropped with [`Conflict::TreeFull`].
pub const MAX_TREE_NODES: usize = 4096;
/// Most conflicts a tree lists; more are only counted.
pub const MAX_CONFLICTS: usize = 1024;

/// One AS in the tree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AsNode {
    /// What the AS (or its requester, on its behalf) said; `None` while no
    /// reply has arrived.
    pub status: Option<AsStatus>,
    /// Confidence of the kept status.
    pub confidence: Confidence,
    /// The ASes that named this one upstream (more than one is a conflict).
    pub parents: BTreeSet<Asn>,
    /// The upstream ASes this one named.
    pub children: BTreeSet<Asn>,
    /// Intra-ISP detail, if the AS exported any.
    pub detail: Option<ReplyDetail>,
    /// Replies received about this AS.
    pub replies: u32,
    /// Whether `status` is the AS's own answer (not Unknown said on its
    /// behalf, nor a note from the AS that would have asked it).
    pub answered: bool,
}

impl AsNode {
    fn pending() -> Self {
        AsNode {
            status: None,
            confidence: Confidence::NONE,
            parents: BTreeSet::new(),
            children: BTreeSet::new(),
            detail: None,
            replies: 0,
            answered: false,
        }
    }
}

/// An inconsistency found while merging replies.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Conflict {
    /// A reply about an AS nobody asked (or arriving from a neighbour the
    /// trace never went to); ignored.
    #[non_exhaustive]
    Unsolicited {
        /// The AS the reply is about.
        responder: Asn,
        /// The neighbour it arrived from.
        from: Asn,
    },
    /// An AS named upstream by more than one AS (a packet follows one path,
    /// so one of them is wrong); all edges are kept.
    #[non_exhaustive]
    NamedTwice {
        /// The AS named.
        asn: Asn,
        /// Every AS that named it so far.
        by: Vec<Asn>,
    },
    /// Two answers from the same AS disagree; the higher-ranked status is
    /// kept (Source > Transit > NotFound > Refused/Busy > Loop > Unknown).
    #[non_exhaustive]
    Contradiction {
        /// The AS.
        asn: Asn,
        /// The status kept.
        kept: AsStatus,
        /// The status set aside.
        other: AsStatus,
    },
    /// A reply broke a message bound (for example too many upstream entries); ignored.
    #[non_exhaustive]
    Malformed {
        /// The AS the reply is about.
        responder: Asn,
    },
    /// The tree reached [`MAX_TREE_NODES`]; further ASes were dropped.
    TreeFull,
}

/// The merged result of one trace, rooted at the victim's AS.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AsPathTree {
    root: Asn,
    nodes: BTreeMap<Asn, AsNode>,
    loops: BTreeSet<(Asn, Asn)>,
    conflicts: Vec<Conflict>,
    conflicts_dropped: u64,
    duplicates: u64,
    complete: bool,
}

impl AsPathTree {
    /// A tree holding only the root, status pending.
    pub fn new(root: Asn) -> Self {
        let mut nodes = BTreeMap::new();
        nodes.insert(root, AsNode::pending());
        AsPathTree {
            root,
            nodes,
            loops: BTreeSet::new(),
            conflicts: Vec::new(),
            conflicts_dropped: 0,
            duplicates: 0,
            complete: false,
        }
    }

    /// The victim's AS.
    pub fn root(&self) -> Asn {
        self.root
    }

    /// One AS's node.
    pub fn node(&self, asn: Asn) -> Option<&AsNode> {
        self.nodes.get(&asn)
    }

    /// Every AS in the tree, by number.
    pub fn nodes(&self) -> &BTreeMap<Asn, AsNode> {
        &self.nodes
    }

    /// One AS's status, if it has one.
    pub fn status(&self, asn: Asn) -> Option<AsStatus> {
        self.nodes.get(&asn).and_then(|n| n.status)
    }

    /// The status of every AS that has one.
    pub fn statuses(&self) -> BTreeMap<Asn, AsStatus> {
        self.nodes
            .iter()
            .filter_map(|(a, n)| n.status.map(|s| (*a, s)))
            .collect()
    }

    /// The ASes that said Source, by number.
    pub fn origins(&self) -> Vec<Asn> {
        self.nodes
            .iter()
            .filter(|(_, n)| n.status == Some(AsStatus::Source))
            .map(|(a, _)| *a)
            .collect()
    }

    /// For each origin reachable from the root through ASes on the path
    /// (Source or Transit), the shortest AS path from the victim's AS to it
    /// (ties broken by AS number).
    pub fn paths(&self) -> BTreeMap<Asn, Vec<Asn>> {
        let mut prev: BTreeMap<Asn, Asn> = BTreeMap::new();
        let mut seen = BTreeSet::from([self.root]);
        let mut queue = VecDeque::from([self.root]);
        let mut out = BTreeMap::new();
        while let Some(a) = queue.pop_front() {
            let Some(node) = self.nodes.get(&a) else { continue };
            if node.status == Some(AsStatus::Source) {
                let mut path = vec![a];
                let mut cur = a;
                while let Some(p) = prev.get(&cur) {
                    path.push(*p);
                    cur = *p;
                }
                path.reverse();
                out.insert(a, path);
            }
            if a != self.root && !node.status.is_some_and(|s| s.is_on_path()) {
                continue;
            }
            for c in &node.children {
                if seen.insert(*c) {
                    prev.insert(*c, a);
                    queue.push_back(*c);
                }
            }
        }
        out
    }

    /// Edges `(from, to)` where `from` named `to` upstream but `to` was
    /// already on the path (loops in the AS graph); not part of the tree.
    pub fn loops(&self) -> &BTreeSet<(Asn, Asn)> {
        &self.loops
    }

    /// The inconsistencies recorded, in arrival order.
    pub fn conflicts(&self) -> &[Conflict] {
        &self.conflicts
    }

    /// Conflicts beyond [`MAX_CONFLICTS`], only counted.
    pub fn conflicts_dropped(&self) -> u64 {
        self.conflicts_dropped
    }

    /// Replies that repeated an earlier one.
    pub fn duplicates(&self) -> u64 {
        self.duplicates
    }

    /// Whether every AS asked answered (or was answered for) before the
    /// trace ended; `false` if the trace hit its overall deadline.
    pub fn is_complete(&self) -> bool {
        self.complete
    }

    /// Record the origin's own finding.
    pub(crate) fn record_root(
        &mut self,
        status: AsStatus,
        confidence: Confidence,
        upstream: &[Upstream],
        detail: Option<ReplyDetail>,
    ) {
        let root = self.root;
        if let Some(n) = self.nodes.get_mut(&root) {
            n.status = Some(status);
            n.confidence = confidence;
            n.detail = detail;
            n.replies += 1;
            n.answered = true;
        }
        self.add_upstream(root, upstream);
    }

    /// Merge one reply; `solicited` says whether the interconnect expected it.
    pub(crate) fn merge(&mut self, reply: &TraceReply, from: Asn, solicited: bool) {
        let responder = reply.responder;
        if reply.validate().is_err() {
            self.conflict(Conflict::Malformed { responder });
            return;
        }
        let parent = reply.asked_by().unwrap_or(from);
        if !solicited {
            self.conflict(Conflict::Unsolicited { responder, from });
            return;
        }
        if reply.status == AsStatus::Loop || responder == self.root {
            // The request came back to an AS already on its path.
            self.add_loop(parent, responder);
            return;
        }
        if !self.ensure_node(responder) {
            return;
        }
        if self.nodes.contains_key(&parent) && !self.would_cycle(parent, responder) {
            self.link(parent, responder);
        }
        self.merge_status(
            responder,
            reply.status,
            reply.confidence,
            reply.status.is_answer(),
        );
        if let Some(n) = self.nodes.get_mut(&responder) {
            n.replies += 1;
            if reply.detail.is_some() {
                n.detail.clone_from(&reply.detail);
            }
        }
        self.add_upstream(responder, &reply.upstream);
    }

    /// End the trace: ASes still pending become Unknown (timed out).
    pub(crate) fn finish(&mut self, complete: bool) {
        for n in self.nodes.values_mut() {
            if n.status.is_none() {
                n.status = Some(AsStatus::Unknown(UnknownReason::TimedOut));
            }
        }
        self.complete = complete;
    }

    fn add_upstream(&mut self, asn: Asn, upstream: &[Upstream]) {
        let mut named = BTreeSet::new();
        for u in upstream {
            if !named.insert(u.asn) {
                continue; // listed twice in one reply: once is enough
            }
            if u.asn == asn || self.would_cycle(asn, u.asn) {
                self.add_loop(asn, u.asn);
                continue;
            }
            let noted = match u.note {
                UpstreamNote::Visited => {
                    self.add_loop(asn, u.asn);
                    continue;
                }
                UpstreamNote::Forwarded | UpstreamNote::AlreadyForwarded => None,
                UpstreamNote::HopLimit => Some(AsStatus::Unknown(UnknownReason::HopLimit)),
                UpstreamNote::NonParticipating => Some(AsStatus::Unknown(UnknownReason::NonParticipating)),
                UpstreamNote::PathPolicy => Some(AsStatus::Refused(RefusalReason::PathPolicy)),
            };
            if !self.ensure_node(u.asn) {
                continue;
            }
            self.link(asn, u.asn);
            if let Some(s) = noted {
                self.merge_status(u.asn, s, Confidence::NONE, false);
            }
        }
    }

    fn add_loop(&mut self, from: Asn, to: Asn) {
        if self.loops.len() < MAX_TREE_NODES {
            self.loops.insert((from, to));
        }
    }

    /// Whether an edge `parent -> child` would close a cycle (child reaches parent).
    fn would_cycle(&self, parent: Asn, child: Asn) -> bool {
        if parent == child || child == self.root {
            return true;
        }
        let mut seen = BTreeSet::from([child]);
        let mut stack = vec![child];
        while let Some(a) = stack.pop() {
            if a == parent {
                return true;
            }
            if let Some(n) = self.nodes.get(&a) {
                for c in &n.children {
                    if seen.insert(*c) {
                        stack.push(*c);
                    }
                }
            }
        }
        false
    }

    fn ensure_node(&mut self, asn: Asn) -> bool {
        if self.nodes.contains_key(&asn) {
            return true;
        }
        if self.nodes.len() >= MAX_TREE_NODES {
            if !self.conflicts.contains(&Conflict::TreeFull) {
                self.conflict(Conflict::TreeFull);
            }
            return false;
        }
        self.nodes.insert(asn, AsNode::pending());
        true
    }

    fn link(&mut self, parent: Asn, child: Asn) {
        if let Some(p) = self.nodes.get_mut(&parent) {
            p.children.insert(child);
        }
        let Some(c) = self.nodes.get_mut(&child) else {
            return;
        };
        if c.parents.insert(parent) && c.parents.len() > 1 {
            let by = c.parents.iter().copied().collect();
            // Keep one NamedTwice entry per AS, listing every parent.
            self.conflicts
                .retain(|x| !matches!(x, Conflict::NamedTwice { asn, .. } if *asn == child));
            self.conflict(Conflict::NamedTwice { asn: child, by });
        }
    }

    /// Merge a status: `own` when the AS said it itself (not Unknown on its
    /// behalf, not a note from the AS that would have asked it).
    fn merge_status(&mut self, asn: Asn, status: AsStatus, confidence: Confidence, own: bool) {
        let Some(n) = self.nodes.get_mut(&asn) else { return };
        let Some(old) = n.status else {
            n.status = Some(status);
            n.confidence = confidence;
            n.answered = own;
            return;
        };
        if !own {
            // Notes and Unknowns never override what the AS said itself.
            if !n.answered && status.merge_rank() > old.merge_rank() {
                n.status = Some(status);
            }
            return;
        }
        if !n.answered {
            n.status = Some(status);
            n.confidence = confidence;
            n.answered = true;
            return;
        }
        if old == status {
            self.duplicates += 1;
            n.confidence = n.confidence.max(confidence);
            return;
        }
        let (kept, other) = if status.merge_rank() > old.merge_rank() {
            n.status = Some(status);
            n.confidence = confidence;
            (status, old)
        } else {
            (old, status)
        };
        self.conflict(Conflict::Contradiction { asn, kept, other });
    }

    fn conflict(&mut self, c: Conflict) {
        if self.conflicts.len() < MAX_CONFLICTS {
            self.conflicts.push(c);
        } else {
            self.conflicts_dropped += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intertrack::message::{RequestId, VisitedList};
    use crate::time::Timestamp;

    const V: Asn = Asn(1);

    fn reply(responder: u32, via: &[u32], status: AsStatus, up: &[(u32, UpstreamNote)]) -> TraceReply {
        let via = VisitedList::new(via.iter().map(|a| Asn(*a)).collect()).unwrap();
        TraceReply::new(
            RequestId::new(V, Timestamp::EPOCH, 0),
            Asn(responder),
            via,
            status,
            Confidence::FULL,
        )
        .with_upstream(up.iter().map(|(a, n)| Upstream::new(Asn(*a), *n)).collect())
        .unwrap()
    }

    fn rooted(children: &[u32]) -> AsPathTree {
        let mut t = AsPathTree::new(V);
        let up: Vec<Upstream> = children
            .iter()
            .map(|c| Upstream::new(Asn(*c), UpstreamNote::Forwarded))
            .collect();
        t.record_root(AsStatus::Destination, Confidence::FULL, &up, None);
        t
    }

    #[test]
    fn forged_upstream_cannot_make_a_cycle() {
        let mut t = rooted(&[2]);
        t.merge(
            &reply(2, &[1], AsStatus::Transit, &[(3, UpstreamNote::Forwarded)]),
            Asn(2),
            true,
        );
        // 3 names 2 and the root as upstream, as if they had not been visited.
        t.merge(
            &reply(
                3,
                &[1, 2],
                AsStatus::Transit,
                &[(2, UpstreamNote::Forwarded), (1, UpstreamNote::Forwarded)],
            ),
            Asn(2),
            true,
        );
        assert!(t.loops().contains(&(Asn(3), Asn(2))));
        assert!(t.loops().contains(&(Asn(3), Asn(1))));
        assert!(t.node(Asn(3)).unwrap().children.is_empty());
        // A reply about the root itself is a loop too, not a status change.
        t.merge(&reply(1, &[1, 2, 3], AsStatus::Source, &[]), Asn(2), true);
        assert_eq!(t.status(V), Some(AsStatus::Destination));
        t.finish(true);
        assert!(t.paths().is_empty());
    }

    #[test]
    fn notes_and_unknowns_never_override_an_own_answer() {
        let mut t = rooted(&[2, 3]);
        // 2 answers itself: NotFound.
        t.merge(&reply(2, &[1], AsStatus::NotFound, &[]), Asn(2), true);
        // 3 says 2 was beyond its hop limit: a note, ignored for 2.
        t.merge(
            &reply(3, &[1], AsStatus::Transit, &[(2, UpstreamNote::HopLimit)]),
            Asn(3),
            true,
        );
        assert_eq!(t.status(Asn(2)), Some(AsStatus::NotFound));
        // A late Unknown (timed out) about 2 changes nothing and is no conflict.
        t.merge(
            &reply(2, &[1], AsStatus::Unknown(UnknownReason::TimedOut), &[]),
            Asn(1),
            true,
        );
        assert_eq!(t.status(Asn(2)), Some(AsStatus::NotFound));
        // Unknown first, then the real answer: the answer wins quietly.
        let mut t2 = rooted(&[4]);
        t2.merge(
            &reply(4, &[1], AsStatus::Unknown(UnknownReason::TimedOut), &[]),
            Asn(1),
            true,
        );
        t2.merge(&reply(4, &[1], AsStatus::Source, &[]), Asn(4), true);
        assert_eq!(t2.origins(), vec![Asn(4)]);
        assert!(t2.conflicts().is_empty());
        // Two own answers that differ: the higher rank stays, conflict recorded.
        t.merge(
            &reply(2, &[1], AsStatus::Refused(RefusalReason::RateLimit), &[]),
            Asn(2),
            true,
        );
        assert_eq!(t.status(Asn(2)), Some(AsStatus::NotFound));
        assert!(
            matches!(
                t.conflicts(),
                [
                    Conflict::NamedTwice { .. },
                    Conflict::Contradiction {
                        kept: AsStatus::NotFound,
                        ..
                    }
                ]
            ),
            "{:?}",
            t.conflicts()
        );
    }

    #[test]
    fn tree_and_conflicts_are_bounded() {
        let mut t = rooted(&[2]);
        let up: Vec<(u32, UpstreamNote)> = (10..138).map(|a| (a, UpstreamNote::Forwarded)).collect();
        // Forty replies naming 128 new ASes each: 5120 > MAX_TREE_NODES.
        for k in 0..40u32 {
            let up: Vec<(u32, UpstreamNote)> = up.iter().map(|(a, n)| (a + k * 1000, *n)).collect();
            t.merge(&reply(2, &[1], AsStatus::Transit, &up), Asn(2), true);
        }
        assert_eq!(t.nodes().len(), MAX_TREE_NODES);
        assert_eq!(
            t.conflicts().iter().filter(|c| **c == Conflict::TreeFull).count(),
            1
        );
        for _ in 0..(MAX_CONFLICTS + 10) {
            t.merge(&reply(9, &[1], AsStatus::Source, &[]), Asn(9), false);
        }
        assert_eq!(t.conflicts().len(), MAX_CONFLICTS);
        assert!(t.conflicts_dropped() >= 10);
    }
}
