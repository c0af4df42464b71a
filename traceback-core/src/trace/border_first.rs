//! Border-first: ask only the collectors on border links and customer edges.
//!
//! Answers the inter-ISP question "where did the packet enter this ISP?"
//! with one question per edge collector, without finding the path inside
//! the ISP. Edges nobody watches are decided only when no watched edge hit
//! (they are then all candidates); see `docs/trace-algorithms.md`.

use super::algorithm::TraceAlgorithm;
use super::book::{QuestionBook, QuestionStats};
use super::error::TraceError;
use super::graph::{AttackGraph, GraphLink, GraphNode, IngressBasis, IngressFinding, NodeStatus};
use super::params::TraceParams;
use super::question::{Answer, Observation, Question, QuestionId, UnknownReason};
use crate::time::Timestamp;
use crate::topology::{LinkId, RouterId, Topology};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

/// The name [`BorderFirst`] is chosen by in config.
pub const BORDER_FIRST_NAME: &str = "border-first";

/// Ask edge collectors only.
#[derive(Debug)]
pub struct BorderFirst {
    topo: Arc<Topology>,
    params: TraceParams,
    start_routers: Vec<RouterId>,
    book: QuestionBook,
    links: Vec<GraphLink>,
    outcome: Option<AttackGraph>,
    done: bool,
}

/// Router hop distances from the nearest of `from` over internal links.
fn hop_distances(topo: &Topology, from: &[RouterId]) -> BTreeMap<RouterId, u32> {
    let mut dist: BTreeMap<RouterId, u32> = from.iter().map(|r| (r.clone(), 0)).collect();
    let mut queue: VecDeque<RouterId> = from.iter().cloned().collect();
    while let Some(r) = queue.pop_front() {
        let d = dist[&r];
        for (_, n) in topo.neighbors(r.as_str()) {
            if !dist.contains_key(n) {
                dist.insert(n.clone(), d + 1);
                queue.push_back(n.clone());
            }
        }
    }
    dist
}

impl BorderFirst {
    /// Start a trace. Fails if `params.start` is empty or names something other than a border link or customer edge.
    pub fn new(topo: Arc<Topology>, params: TraceParams) -> Result<Self, TraceError> {
        let start_routers = params.start_routers(&topo)?;

        let mut book = QuestionBook::new(params.options.question_timeout);
        let dist = hop_distances(&topo, &start_routers);
        let far = u32::try_from(dist.len()).unwrap_or(u32::MAX);
        let digest = params.evidence.digest;
        for link in topo.link_ids() {
            if params.is_start(link) {
                continue;
            }
            let Some(router) = topo.edge_router(link.as_str()) else {
                continue;
            };
            let hops = dist.get(router).copied().unwrap_or(far);
            book.ask_link(&topo, link, digest, params.range_at(hops + 1), 0);
        }
        let mut s = BorderFirst {
            topo,
            params,
            start_routers,
            book,
            links: Vec::new(),
            outcome: None,
            done: false,
        };
        s.pump();
        Ok(s)
    }

    fn pump(&mut self) {
        while let Some(r) = self.book.poll_link() {
            let downstream = self
                .topo
                .edge_router(r.link.as_str())
                .cloned()
                .unwrap_or_else(|| RouterId(String::new()));
            self.links.push(GraphLink {
                link: r.link,
                downstream,
                upstream: None,
                observation: r.observation,
            });
        }
        if !self.done && self.book.is_idle() {
            self.done = true;
            self.outcome = Some(self.finish());
        }
    }

    fn finish(&self) -> AttackGraph {
        let mut findings = Vec::new();
        let mut unwatched: Vec<&GraphLink> = Vec::new();
        for l in &self.links {
            let Some(ingress) = self.topo.ingress_of(l.link.as_str()) else {
                continue;
            };
            match l.observation {
                Observation::Miss => {}
                Observation::Unknown(UnknownReason::NoCollector) => unwatched.push(l),
                obs => findings.push(IngressFinding {
                    ingress,
                    router: l.downstream.clone(),
                    observation: obs,
                    basis: IngressBasis::Collector,
                    confidence: obs.confidence(),
                }),
            }
        }
        let any_hit = findings.iter().any(|f| f.observation.is_hit());
        if !any_hit {
            for l in &unwatched {
                if let Some(ingress) = self.topo.ingress_of(l.link.as_str()) {
                    findings.push(IngressFinding {
                        ingress,
                        router: l.downstream.clone(),
                        observation: l.observation,
                        basis: IngressBasis::Frontier {
                            candidates: unwatched.len(),
                        },
                        confidence: 1.0 / unwatched.len() as f64,
                    });
                }
            }
        }
        let mut nodes: Vec<GraphNode> = self
            .start_routers
            .iter()
            .map(|r| GraphNode {
                router: r.clone(),
                status: NodeStatus::Start,
                confidence: 1.0,
                depth: 0,
                via: None,
            })
            .collect();
        let mut seen: BTreeSet<RouterId> = self.start_routers.iter().cloned().collect();
        for f in findings.iter().filter(|f| f.observation.is_hit()) {
            if seen.insert(f.router.clone()) {
                let via = match &f.ingress {
                    crate::evidence::Ingress::Border { link, .. } => Some(LinkId(link.clone())),
                    crate::evidence::Ingress::Customer { edge } => Some(LinkId(edge.clone())),
                };
                nodes.push(GraphNode {
                    router: f.router.clone(),
                    status: NodeStatus::Hit,
                    confidence: f.confidence,
                    depth: 0,
                    via,
                });
            }
        }
        let ingress: BTreeSet<_> = findings
            .iter()
            .filter(|f| f.is_accepted())
            .map(|f| f.ingress.clone())
            .collect();
        AttackGraph {
            algorithm: BORDER_FIRST_NAME.to_owned(),
            start: self.params.start.clone(),
            nodes,
            links: self.links.clone(),
            ingress: ingress.into_iter().collect(),
            findings,
            pruned: Vec::new(),
            stats: self.book.stats(),
        }
    }
}

impl TraceAlgorithm for BorderFirst {
    fn name(&self) -> &str {
        BORDER_FIRST_NAME
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
