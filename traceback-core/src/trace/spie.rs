//! SPIE reverse-path flooding inside one ISP.
//!
//! Start at the router(s) of the start edge(s); ask the collectors of every link
//! at them (except the start edges); every router whose link hit joins the
//! graph and is expanded in turn (breadth first), until no positive
//! extension is left. Each link is asked about at most once, so the trace
//! ends after at most one question per (link, collector) even on a graph
//! with loops. See `docs/trace-algorithms.md` for the ingress and
//! acceptance rules.

use super::algorithm::TraceAlgorithm;
use super::book::{LinkResult, QuestionBook, QuestionStats};
use super::error::TraceError;
use super::graph::{AttackGraph, GraphLink, GraphNode, IngressBasis, IngressFinding, NodeStatus};
use super::params::{Acceptance, TraceParams};
use super::question::{Answer, Observation, Question, QuestionId, UnknownReason};
use crate::time::Timestamp;
use crate::topology::{LinkId, LinkKind, RouterId, Topology};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

/// The name [`SpieFlood`] is chosen by in config.
pub const SPIE_NAME: &str = "spie";

#[derive(Clone, Debug)]
struct NodeState {
    node: GraphNode,
    parent: Option<usize>,
    unknown_hops: u32,
    expanded: bool,
}

/// SPIE reverse-path flooding (breadth first over positive links).
#[derive(Debug)]
pub struct SpieFlood {
    topo: Arc<Topology>,
    params: TraceParams,
    book: QuestionBook,
    nodes: Vec<NodeState>,
    index: BTreeMap<RouterId, usize>,
    queue: VecDeque<usize>,
    links: Vec<GraphLink>,
    /// (node index, edge) for border/customer edges nobody watches.
    unwatched_edges: Vec<(usize, LinkId)>,
    findings: Vec<IngressFinding>,
    outcome: Option<AttackGraph>,
    done: bool,
}

impl SpieFlood {
    /// Start a trace. Fails if `params.start` is empty or names something other than a border link or customer edge.
    pub fn new(topo: Arc<Topology>, params: TraceParams) -> Result<Self, TraceError> {
        let start_routers = params.start_routers(&topo)?;

        let book = QuestionBook::new(params.options.question_timeout);
        let mut s = SpieFlood {
            topo,
            params,
            book,
            nodes: Vec::new(),
            index: BTreeMap::new(),
            queue: VecDeque::new(),
            links: Vec::new(),
            unwatched_edges: Vec::new(),
            findings: Vec::new(),
            outcome: None,
            done: false,
        };
        for router in start_routers {
            let start = GraphNode {
                router,
                status: NodeStatus::Start,
                confidence: 1.0,
                depth: 0,
                via: None,
            };
            s.add_node(start, None, 0);
        }
        s.pump();
        Ok(s)
    }

    /// Add a router; queue it for expansion unless it is too many unknown hops out.
    fn add_node(&mut self, node: GraphNode, parent: Option<usize>, unknown_hops: u32) {
        let i = self.nodes.len();
        self.index.insert(node.router.clone(), i);
        self.nodes.push(NodeState {
            node,
            parent,
            unknown_hops,
            expanded: false,
        });
        if unknown_hops <= self.params.options.max_unknown_hops {
            self.queue.push_back(i);
        }
    }

    fn expand(&mut self, i: usize) {
        if self.nodes[i].expanded {
            return;
        }
        self.nodes[i].expanded = true;
        let topo = Arc::clone(&self.topo);
        let router = self.nodes[i].node.router.clone();
        let range = self.params.range_at(self.nodes[i].node.depth + 1);
        let digest = self.params.evidence.digest;
        for link in topo.links_at(router.as_str()) {
            if self.params.is_start(link) {
                continue;
            }
            self.book.ask_link(&topo, link, digest, range, i as u64);
        }
    }

    fn process(&mut self, r: LinkResult) {
        let down = r.tag as usize;
        let topo = Arc::clone(&self.topo);
        let down_router = self.nodes[down].node.router.clone();
        let Some(kind) = topo.link(r.link.as_str()) else {
            return;
        };
        match kind {
            LinkKind::Internal { .. } => {
                let Some(up) = topo.other_end(r.link.as_str(), down_router.as_str()).cloned() else {
                    return;
                };
                self.links.push(GraphLink {
                    link: r.link.clone(),
                    downstream: down_router,
                    upstream: Some(up.clone()),
                    observation: r.observation,
                });
                let parent = &self.nodes[down];
                let (conf, depth, hops) =
                    (parent.node.confidence, parent.node.depth + 1, parent.unknown_hops);
                match (r.observation, self.index.get(&up).copied()) {
                    (Observation::Hit { .. }, None) => {
                        let confidence = conf * r.observation.confidence();
                        let node = GraphNode {
                            router: up,
                            status: NodeStatus::Hit,
                            confidence,
                            depth,
                            via: Some(r.link),
                        };
                        self.add_node(node, Some(down), 0);
                    }
                    (Observation::Hit { .. }, Some(j))
                        if self.nodes[j].node.status == NodeStatus::Unknown =>
                    {
                        let n = &mut self.nodes[j];
                        n.node.status = NodeStatus::Hit;
                        n.node.confidence = conf * r.observation.confidence();
                        n.unknown_hops = 0;
                        if !n.expanded {
                            self.queue.push_back(j);
                        }
                    }
                    (Observation::Unknown(_), None) => {
                        let status = NodeStatus::Unknown;
                        let node = GraphNode {
                            router: up,
                            status,
                            confidence: conf,
                            depth,
                            via: Some(r.link),
                        };
                        self.add_node(node, Some(down), hops + 1);
                    }
                    _ => {}
                }
            }
            LinkKind::Border { .. } | LinkKind::Customer { .. } => {
                self.links.push(GraphLink {
                    link: r.link.clone(),
                    downstream: down_router.clone(),
                    upstream: None,
                    observation: r.observation,
                });
                if r.observation == Observation::Unknown(UnknownReason::NoCollector) {
                    self.unwatched_edges.push((down, r.link));
                } else if r.observation != Observation::Miss {
                    if let Some(ingress) = topo.ingress_of(r.link.as_str()) {
                        self.findings.push(IngressFinding {
                            ingress,
                            router: down_router,
                            observation: r.observation,
                            basis: IngressBasis::Collector,
                            confidence: self.nodes[down].node.confidence * r.observation.confidence(),
                        });
                    }
                }
            }
        }
    }

    fn pump(&mut self) {
        loop {
            while let Some(r) = self.book.poll_link() {
                self.process(r);
            }
            match self.queue.pop_front() {
                Some(i) => self.expand(i),
                None => break,
            }
        }
        if !self.done && self.book.is_idle() {
            self.done = true;
            self.outcome = Some(self.finish());
        }
    }

    /// Acceptance, frontier decisions and the final graph.
    fn finish(&self) -> AttackGraph {
        let n = self.nodes.len();
        // Local support: something at the router that can explain where the packet came from.
        let mut local = vec![false; n];
        for f in &self.findings {
            if let Some(&i) = self.index.get(&f.router) {
                local[i] = true;
            }
        }
        for (i, _) in &self.unwatched_edges {
            local[*i] = true;
        }
        let mut hit_edges: Vec<(usize, usize)> = Vec::new();
        for l in &self.links {
            let Some(&d) = self.index.get(&l.downstream) else {
                continue;
            };
            match (&l.upstream, l.observation) {
                (Some(u), Observation::Hit { .. }) => {
                    if let Some(&u) = self.index.get(u) {
                        hit_edges.push((d, u));
                    }
                }
                (Some(_), Observation::Unknown(_)) => local[d] = true,
                _ => {}
            }
        }
        let mut kept = vec![true; n];
        if self.params.options.acceptance == Acceptance::Corroborated {
            let mut supported = local.clone();
            loop {
                let mut changed = false;
                for &(d, u) in &hit_edges {
                    if supported[u] && !supported[d] {
                        supported[d] = true;
                        changed = true;
                    }
                }
                if !changed {
                    break;
                }
            }
            for (i, s) in self.nodes.iter().enumerate() {
                let parent_dropped = s.parent.is_some_and(|p| !kept[p]);
                kept[i] = match s.node.status {
                    NodeStatus::Start => true,
                    NodeStatus::Hit => supported[i] && !parent_dropped,
                    NodeStatus::Unknown => !parent_dropped,
                };
            }
        }
        let mut findings: Vec<IngressFinding> = self
            .findings
            .iter()
            .filter(|f| self.index.get(&f.router).is_some_and(|&i| kept[i]))
            .cloned()
            .collect();
        // Frontier: a kept Start/Hit router with no hit extension to a kept router and no hit edge.
        let mut extended = vec![false; n];
        for &(d, u) in &hit_edges {
            if kept[u] {
                extended[d] = true;
            }
        }
        for f in &findings {
            if f.observation.is_hit() {
                if let Some(&i) = self.index.get(&f.router) {
                    extended[i] = true;
                }
            }
        }
        let mut by_node: BTreeMap<usize, Vec<&LinkId>> = BTreeMap::new();
        for (i, e) in &self.unwatched_edges {
            by_node.entry(*i).or_default().push(e);
        }
        for (i, edges) in by_node {
            let s = &self.nodes[i];
            if !kept[i] || extended[i] || s.node.status == NodeStatus::Unknown {
                continue;
            }
            for e in &edges {
                if let Some(ingress) = self.topo.ingress_of(e.as_str()) {
                    findings.push(IngressFinding {
                        ingress,
                        router: s.node.router.clone(),
                        observation: Observation::Unknown(UnknownReason::NoCollector),
                        basis: IngressBasis::Frontier {
                            candidates: edges.len(),
                        },
                        confidence: s.node.confidence,
                    });
                }
            }
        }
        let ingress: BTreeSet<_> = findings
            .iter()
            .filter(|f| f.is_accepted())
            .map(|f| f.ingress.clone())
            .collect();
        AttackGraph {
            algorithm: SPIE_NAME.to_owned(),
            start: self.params.start.clone(),
            nodes: self
                .nodes
                .iter()
                .zip(&kept)
                .filter(|(_, k)| **k)
                .map(|(s, _)| s.node.clone())
                .collect(),
            links: self.links.clone(),
            ingress: ingress.into_iter().collect(),
            findings,
            pruned: self
                .nodes
                .iter()
                .zip(&kept)
                .filter(|(_, k)| !**k)
                .map(|(s, _)| s.node.router.clone())
                .collect(),
            stats: self.book.stats(),
        }
    }
}

impl TraceAlgorithm for SpieFlood {
    fn name(&self) -> &str {
        SPIE_NAME
    }

    fn poll_question(&mut self, now: Timestamp) -> Option<Question> {
        self.book.poll_question(now)
    }

    fn handle_answer(&mut self, id: QuestionId, answer: Answer) -> Result<(), TraceError> {
        self.book.handle_answer(id, &answer)?;
        self.pump();
        Ok(())
    }

    fn handle_timeout(&mut self, now: Timestamp) {
        self.book.handle_timeout(now);
        self.pump();
    }

    fn poll_timeout(&self) -> Option<Timestamp> {
        self.book.poll_timeout()
    }

    fn is_done(&self) -> bool {
        self.done
    }

    fn poll_outcome(&mut self) -> Option<AttackGraph> {
        self.outcome.take()
    }

    fn stats(&self) -> QuestionStats {
        self.book.stats()
    }
}
