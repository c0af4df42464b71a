//! One trace inside one ISP, from a local query to a local finding.

use crate::evidence::{Evidence, Ingress};
use crate::intertrack::{Arrival, Confidence, LocalFinding};
use crate::time::Timestamp;
use crate::topology::{LinkId, LinkKind, Topology};
use crate::trace::{
    AlgorithmRegistry, Answer, AttackGraph, Observation, Question, QuestionId, TraceAlgorithm, TraceError,
    TraceOptions, TraceParams,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

/// How a control traces.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ControlConfig {
    /// The trace algorithm's registered name (`spie`, `border-first`, or one a user registered).
    pub algorithm: String,
    /// Tuning passed to the algorithm.
    pub options: TraceOptions,
    /// Upper bound on the questions one local trace may ask (a livelock bound).
    pub max_questions: usize,
}

impl Default for ControlConfig {
    fn default() -> Self {
        ControlConfig {
            algorithm: "spie".into(),
            options: TraceOptions::default(),
            max_questions: 10_000,
        }
    }
}

/// Why a control trace could not run.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ControlError {
    /// The algorithm rejected its start or is unknown.
    #[error("trace algorithm: {0}")]
    Trace(#[from] TraceError),
    /// An answer for a question that is not outstanding.
    #[error("{0} is not outstanding")]
    NotOutstanding(QuestionId),
    /// The trace asked more questions than [`ControlConfig::max_questions`].
    #[error("local trace exceeded {0} questions")]
    QuestionLimit(usize),
}

/// What a finished control trace found.
#[derive(Clone, Debug, PartialEq)]
pub struct ControlOutcome {
    /// The answer for the interconnect.
    pub finding: LocalFinding,
    /// Where the packet left this ISP (the starts of the algorithm runs).
    pub exits: Vec<LinkId>,
    /// One attack graph per exit point (for the operator; not exported by default).
    pub graphs: Vec<AttackGraph>,
    /// Questions asked to collectors, all phases.
    pub questions: usize,
}

enum Inner {
    Locate(LinkId),
    Algo(QuestionId),
}

enum Phase {
    /// Asking every customer-edge collector where the packet left towards the victim.
    Locate {
        queue: VecDeque<(LinkId, Question)>,
        hits: BTreeSet<LinkId>,
        unknown: usize,
    },
    /// Running the algorithm once per exit point.
    Trace {
        starts: VecDeque<LinkId>,
        current: Option<Box<dyn TraceAlgorithm>>,
    },
    Done,
}

/// One local trace: a state machine over collector questions.
///
/// Polling contract (as [`TraceAlgorithm`]): call [`ControlTrace::poll_question`]
/// until it returns `None`, send each question to its collector, feed every
/// answer to [`ControlTrace::handle_answer`] (or [`Answer::Failed`] when the
/// collector cannot be reached), call [`ControlTrace::handle_timeout`] at
/// [`ControlTrace::poll_timeout`], and stop when [`ControlTrace::is_done`];
/// then take [`ControlTrace::outcome`]. Question ids are this trace's own.
pub struct ControlTrace {
    topo: Arc<Topology>,
    registry: Arc<AlgorithmRegistry>,
    config: ControlConfig,
    evidence: Evidence,
    phase: Phase,
    outstanding: BTreeMap<QuestionId, Inner>,
    next_id: u64,
    asked: usize,
    exits: Vec<LinkId>,
    graphs: Vec<AttackGraph>,
    outcome: Option<ControlOutcome>,
}

impl core::fmt::Debug for ControlTrace {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ControlTrace")
            .field("asn", &self.topo.asn())
            .field("algorithm", &self.config.algorithm)
            .field("asked", &self.asked)
            .field("done", &self.is_done())
            .finish()
    }
}

impl ControlTrace {
    /// Start a local trace for `evidence` arriving as `arrival`.
    pub fn new(
        topo: Arc<Topology>,
        registry: Arc<AlgorithmRegistry>,
        config: ControlConfig,
        evidence: Evidence,
        arrival: Arrival,
    ) -> Result<Self, ControlError> {
        if !registry
            .names()
            .any(|n| n.eq_ignore_ascii_case(config.algorithm.trim()))
        {
            return Err(TraceError::UnknownAlgorithm(config.algorithm.clone()).into());
        }
        let mut t = ControlTrace {
            topo,
            registry,
            config,
            evidence,
            phase: Phase::Done,
            outstanding: BTreeMap::new(),
            next_id: 0,
            asked: 0,
            exits: Vec::new(),
            graphs: Vec::new(),
            outcome: None,
        };
        match arrival {
            Arrival::Neighbor(asn) => {
                let starts: VecDeque<LinkId> = t
                    .topo
                    .link_ids()
                    .filter(|l| matches!(t.topo.link(l.as_str()), Some(LinkKind::Border { neighbor, .. }) if *neighbor == asn))
                    .cloned()
                    .collect();
                t.start_tracing(starts)?;
            }
            _ => {
                let range = t.evidence.window().widen(t.config.options.skew_tolerance);
                let mut queue = VecDeque::new();
                let mut no_collector = 0;
                for l in t.topo.link_ids() {
                    if !matches!(t.topo.link(l.as_str()), Some(LinkKind::Customer { .. })) {
                        continue;
                    }
                    let cols = t.topo.collectors_watching(l.as_str());
                    if cols.is_empty() {
                        no_collector += 1;
                    }
                    for c in cols {
                        let q = Question {
                            id: QuestionId(0),
                            collector: c.clone(),
                            link: l.clone(),
                            digest: t.evidence.digest,
                            range,
                        };
                        queue.push_back((l.clone(), q));
                    }
                }
                t.phase = Phase::Locate {
                    queue,
                    hits: BTreeSet::new(),
                    unknown: no_collector,
                };
                t.advance()?;
            }
        }
        Ok(t)
    }

    /// The evidence being traced.
    pub fn evidence(&self) -> &Evidence {
        &self.evidence
    }

    /// Questions asked so far.
    pub fn questions_asked(&self) -> usize {
        self.asked
    }

    /// Whether the trace has finished (then [`ControlTrace::outcome`] is set).
    pub fn is_done(&self) -> bool {
        matches!(self.phase, Phase::Done)
    }

    /// The result, once done.
    pub fn outcome(&self) -> Option<&ControlOutcome> {
        self.outcome.as_ref()
    }

    /// Take the result, once done.
    pub fn take_outcome(&mut self) -> Option<ControlOutcome> {
        self.outcome.take()
    }

    /// The next question to send to a collector, if any.
    pub fn poll_question(&mut self, now: Timestamp) -> Option<Question> {
        if self.asked >= self.config.max_questions {
            self.finish_with_limit();
            return None;
        }
        let next = match &mut self.phase {
            Phase::Locate { queue, .. } => queue.pop_front().map(|(l, q)| (Inner::Locate(l), q)),
            Phase::Trace {
                current: Some(algo), ..
            } => algo.poll_question(now).map(|q| (Inner::Algo(q.id), q)),
            _ => None,
        };
        let (inner, mut q) = next?;
        let id = QuestionId(self.next_id);
        self.next_id += 1;
        self.asked += 1;
        q.id = id;
        self.outstanding.insert(id, inner);
        Some(q)
    }

    /// Feed the answer to question `id`.
    pub fn handle_answer(&mut self, id: QuestionId, answer: Answer) -> Result<(), ControlError> {
        let inner = self
            .outstanding
            .remove(&id)
            .ok_or(ControlError::NotOutstanding(id))?;
        match (inner, &mut self.phase) {
            (Inner::Locate(link), Phase::Locate { hits, unknown, .. }) => match answer.observation() {
                Observation::Hit { .. } => {
                    hits.insert(link);
                }
                Observation::Unknown(_) => *unknown += 1,
                _ => {}
            },
            (
                Inner::Algo(inner_id),
                Phase::Trace {
                    current: Some(algo), ..
                },
            ) => {
                algo.handle_answer(inner_id, answer)?;
            }
            _ => return Err(ControlError::NotOutstanding(id)),
        }
        self.advance()
    }

    /// Expire questions whose deadline passed (the algorithm's own timeouts).
    pub fn handle_timeout(&mut self, now: Timestamp) {
        if let Phase::Trace {
            current: Some(algo), ..
        } = &mut self.phase
        {
            algo.handle_timeout(now);
        }
        // An algorithm that finished on a timeout moves the trace on.
        let _ = self.advance();
    }

    /// When [`ControlTrace::handle_timeout`] should next be called.
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        match &self.phase {
            Phase::Trace {
                current: Some(algo), ..
            } => algo.poll_timeout(),
            _ => None,
        }
    }

    fn start_tracing(&mut self, starts: VecDeque<LinkId>) -> Result<(), ControlError> {
        self.exits = starts.iter().cloned().collect();
        self.phase = Phase::Trace {
            starts,
            current: None,
        };
        self.advance()
    }

    /// Move between phases and algorithm runs as far as possible without answers.
    fn advance(&mut self) -> Result<(), ControlError> {
        loop {
            match &mut self.phase {
                Phase::Locate { queue, hits, unknown } => {
                    let waiting = self.outstanding.values().any(|i| matches!(i, Inner::Locate(_)));
                    if !queue.is_empty() || waiting {
                        return Ok(());
                    }
                    if hits.is_empty() {
                        let finding = if *unknown > 0 {
                            LocalFinding::Unavailable
                        } else {
                            LocalFinding::not_seen()
                        };
                        self.finish(finding);
                        return Ok(());
                    }
                    let starts: VecDeque<LinkId> = hits.iter().cloned().collect();
                    self.start_tracing(starts)?;
                    return Ok(());
                }
                Phase::Trace { starts, current } => {
                    if let Some(algo) = current {
                        if !algo.is_done() {
                            return Ok(());
                        }
                        if let Some(g) = algo.poll_outcome() {
                            self.graphs.push(g);
                        }
                        *current = None;
                        // Answers to the finished algorithm's late questions are dropped.
                        self.outstanding.retain(|_, i| !matches!(i, Inner::Algo(_)));
                    }
                    match starts.pop_front() {
                        Some(start) => {
                            let params = TraceParams {
                                evidence: self.evidence,
                                start: vec![start],
                                options: self.config.options,
                            };
                            *current = Some(self.registry.start(
                                &self.config.algorithm,
                                self.topo.clone(),
                                params,
                            )?);
                        }
                        None => {
                            let finding = self.finding();
                            self.finish(finding);
                            return Ok(());
                        }
                    }
                }
                Phase::Done => return Ok(()),
            }
        }
    }

    fn finding(&self) -> LocalFinding {
        if self.exits.is_empty() {
            // Asked about a neighbour we have no border with: nothing to look at.
            return LocalFinding::Unavailable;
        }
        let mut ingress: BTreeSet<Ingress> = BTreeSet::new();
        let mut confidence: f64 = 1.0;
        let mut incomplete = false;
        for g in &self.graphs {
            incomplete |= !g.is_complete();
            for f in g.findings.iter().filter(|f| f.is_accepted()) {
                ingress.insert(f.ingress.clone());
                confidence = confidence.min(f.confidence);
            }
        }
        if ingress.is_empty() {
            return if incomplete {
                LocalFinding::Unavailable
            } else {
                LocalFinding::not_seen()
            };
        }
        let pct = (confidence.clamp(0.0, 1.0) * 100.0).round() as u8;
        LocalFinding::Entered {
            ingress: ingress.into_iter().collect(),
            confidence: Confidence::new(pct).unwrap_or(Confidence::FULL),
        }
    }

    fn finish(&mut self, finding: LocalFinding) {
        self.outstanding.clear();
        self.outcome = Some(ControlOutcome {
            finding,
            exits: self.exits.clone(),
            graphs: std::mem::take(&mut self.graphs),
            questions: self.asked,
        });
        self.phase = Phase::Done;
    }

    fn finish_with_limit(&mut self) {
        if self.outcome.is_none() {
            self.finish(LocalFinding::Unavailable);
        }
    }
}
