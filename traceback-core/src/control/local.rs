//! A control whose collectors are in memory: the simulator's and an embedded
//! deployment's hash-logging method for the interconnect.

use super::trace::{ControlConfig, ControlOutcome, ControlTrace};
use crate::digest::Digest;
use crate::intertrack::{IngressLocator, LocalFinding, LocalQuery, Located};
use crate::store::DigestStore;
use crate::time::{TimeRange, Timestamp};
use crate::topology::{CollectorId, Topology};
use crate::trace::{AlgorithmRegistry, Answer, Failure};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Collectors a control can ask synchronously.
pub trait CollectorSet: Send {
    /// Ask collector `id` whether `digest` passed during `range`.
    fn ask(&self, id: &CollectorId, digest: &Digest, range: TimeRange) -> Answer;
}

impl CollectorSet for BTreeMap<CollectorId, Box<dyn DigestStore>> {
    fn ask(&self, id: &CollectorId, digest: &Digest, range: TimeRange) -> Answer {
        match self.get(id) {
            Some(store) => Answer::Store(store.query(digest, range)),
            None => Answer::Failed(Failure::Unreachable),
        }
    }
}

/// The hash-logging traceback method over in-memory collectors, as an
/// [`IngressLocator`] for the interconnect: every local query runs a
/// [`ControlTrace`] to completion at once (bounded by
/// [`ControlConfig::max_questions`]) and answers [`Located::Ready`].
pub struct LocalControl<C: CollectorSet> {
    topo: Arc<Topology>,
    registry: Arc<AlgorithmRegistry>,
    config: ControlConfig,
    collectors: C,
    history: Vec<(LocalQuery, ControlOutcome)>,
}

impl<C: CollectorSet> core::fmt::Debug for LocalControl<C> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("LocalControl")
            .field("asn", &self.topo.asn())
            .field("traces", &self.history.len())
            .finish()
    }
}

impl<C: CollectorSet> LocalControl<C> {
    /// A control for `topo` asking `collectors`.
    pub fn new(
        topo: Arc<Topology>,
        registry: Arc<AlgorithmRegistry>,
        config: ControlConfig,
        collectors: C,
    ) -> Self {
        LocalControl {
            topo,
            registry,
            config,
            collectors,
            history: Vec::new(),
        }
    }

    /// The collectors.
    pub fn collectors(&self) -> &C {
        &self.collectors
    }

    /// Every local trace run so far, with its outcome (attack graphs included).
    pub fn history(&self) -> &[(LocalQuery, ControlOutcome)] {
        &self.history
    }

    /// Run one local trace to completion.
    pub fn run(&mut self, query: &LocalQuery, now: Timestamp) -> ControlOutcome {
        let started = ControlTrace::new(
            self.topo.clone(),
            self.registry.clone(),
            self.config.clone(),
            query.evidence,
            query.arrival,
        );
        let mut trace = match started {
            Ok(t) => t,
            Err(_) => {
                return ControlOutcome {
                    finding: LocalFinding::Unavailable,
                    exits: Vec::new(),
                    graphs: Vec::new(),
                    questions: 0,
                }
            }
        };
        // Bounded: every iteration either answers a question (bounded by
        // max_questions) or fires a timeout, after which a stalled trace ends.
        let mut idle_rounds = 0;
        while !trace.is_done() && idle_rounds < 4 {
            let mut progressed = false;
            while let Some(q) = trace.poll_question(now) {
                let a = self.collectors.ask(&q.collector, &q.digest, q.range);
                if trace.handle_answer(q.id, a).is_err() {
                    break;
                }
                progressed = true;
            }
            if !progressed {
                idle_rounds += 1;
                let at = trace.poll_timeout().unwrap_or(now);
                trace.handle_timeout(at);
            }
        }
        trace.take_outcome().unwrap_or(ControlOutcome {
            finding: LocalFinding::Unavailable,
            exits: Vec::new(),
            graphs: Vec::new(),
            questions: trace.questions_asked(),
        })
    }
}

impl<C: CollectorSet> IngressLocator for LocalControl<C> {
    fn name(&self) -> &str {
        "hash-logging"
    }

    fn locate(&mut self, query: &LocalQuery, now: Timestamp) -> Located {
        let outcome = self.run(query, now);
        let finding = outcome.finding.clone();
        self.history.push((query.clone(), outcome));
        Located::Ready(finding)
    }
}

/// A locator shared between the interconnect that owns it and code that
/// reads its state afterwards (for example a simulator collecting attack
/// graphs from [`LocalControl::history`]).
pub struct SharedLocator<L> {
    inner: Arc<std::sync::Mutex<L>>,
    name: String,
}

impl<L: IngressLocator> SharedLocator<L> {
    /// Share `locator`; keep the returned handle to read it later.
    pub fn new(locator: L) -> (Self, Arc<std::sync::Mutex<L>>) {
        let name = locator.name().to_owned();
        let inner = Arc::new(std::sync::Mutex::new(locator));
        (
            SharedLocator {
                inner: inner.clone(),
                name,
            },
            inner,
        )
    }
}

impl<L: IngressLocator> IngressLocator for SharedLocator<L> {
    fn name(&self) -> &str {
        &self.name
    }

    fn locate(&mut self, query: &LocalQuery, now: Timestamp) -> Located {
        match self.inner.lock() {
            Ok(mut l) => l.locate(query, now),
            // A reader panicked while holding the lock: the method cannot answer.
            Err(_) => Located::Ready(LocalFinding::Unavailable),
        }
    }
}
