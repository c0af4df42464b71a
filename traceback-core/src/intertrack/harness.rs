//! A deterministic in-process federation of interconnects, for tests and
//! simulations.
//!
//! [`Federation`] routes [`Message`]s between [`Interconnect`]s through a
//! seeded link model (delay, drop), keeps each directed link FIFO (as a TCP
//! connection would), advances a virtual clock from event to event and stops
//! after a bounded number of steps, so a livelock fails instead of hanging.
//! An AS without an interconnect in the federation is non-participating:
//! messages to it vanish and its neighbours time out.
//!
//! [`StaticLocator`] is a trivial [`IngressLocator`]: a fixed table from
//! digest to finding, standing in for a real control in tests.

use crate::digest::Digest;
use crate::evidence::{Evidence, Ingress};
use crate::ids::Asn;
use crate::intertrack::interconnect::Interconnect;
use crate::intertrack::message::{HopLimit, Message, RequestId};
use crate::intertrack::method::{IngressLocator, LocalFinding, LocalQuery, Located};
use crate::intertrack::output::{Event, StartError};
use crate::intertrack::tree::AsPathTree;
use crate::time::Timestamp;
use core::time::Duration;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

/// Answers from a fixed table: digest -> finding, with an optional fallback.
#[derive(Clone, Debug, Default)]
pub struct StaticLocator {
    answers: BTreeMap<Digest, LocalFinding>,
    fallback: Option<LocalFinding>,
}

impl StaticLocator {
    /// An empty table: every query is answered "not seen".
    pub fn new() -> Self {
        StaticLocator::default()
    }

    /// A table answering every digest with `ingress` ("not seen" if empty).
    pub fn always(ingress: Vec<Ingress>) -> Self {
        StaticLocator {
            answers: BTreeMap::new(),
            fallback: Some(if ingress.is_empty() {
                LocalFinding::not_seen()
            } else {
                LocalFinding::entered(ingress)
            }),
        }
    }

    /// The same table answering `digest` with `finding`.
    pub fn with(mut self, digest: Digest, finding: LocalFinding) -> Self {
        self.answers.insert(digest, finding);
        self
    }

    /// The same table answering unlisted digests with `finding`.
    pub fn with_fallback(mut self, finding: LocalFinding) -> Self {
        self.fallback = Some(finding);
        self
    }
}

impl IngressLocator for StaticLocator {
    fn name(&self) -> &str {
        "static-table"
    }

    fn locate(&mut self, query: &LocalQuery, _now: Timestamp) -> Located {
        let f = self
            .answers
            .get(&query.evidence.digest)
            .or(self.fallback.as_ref())
            .cloned()
            .unwrap_or_else(LocalFinding::not_seen);
        Located::Ready(f)
    }
}

/// How messages travel between two interconnects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LinkModel {
    /// Shortest one-way delay.
    pub min_delay: Duration,
    /// Longest one-way delay (uniform between the two).
    pub max_delay: Duration,
    /// Messages dropped per million.
    pub drop_per_million: u32,
}

impl LinkModel {
    /// A fixed delay, no loss.
    pub const fn fixed(delay: Duration) -> Self {
        LinkModel {
            min_delay: delay,
            max_delay: delay,
            drop_per_million: 0,
        }
    }

    /// A delay uniform in `[min, max]`, no loss.
    pub fn uniform(min: Duration, max: Duration) -> Self {
        LinkModel {
            min_delay: min.min(max),
            max_delay: max.max(min),
            drop_per_million: 0,
        }
    }

    /// The same model dropping `per_million` messages in a million.
    pub const fn with_drop(mut self, per_million: u32) -> Self {
        self.drop_per_million = per_million;
        self
    }
}

impl Default for LinkModel {
    fn default() -> Self {
        LinkModel::fixed(Duration::from_millis(10))
    }
}

/// A harness failure.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HarnessError {
    /// Two interconnects with the same AS number.
    #[error("{0} is already in the federation")]
    DuplicateAsn(Asn),
    /// No interconnect for this AS.
    #[error("{0} has no interconnect in the federation")]
    UnknownAsn(Asn),
    /// The interconnect would not start the trace.
    #[error(transparent)]
    Start(#[from] StartError),
    /// The step budget ran out before the federation went quiet (a livelock).
    #[error("no quiescence after {0} steps")]
    StepLimit(u64),
}

/// An event with the AS that emitted it and the virtual time.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Recorded {
    /// Virtual time of the step that produced it.
    pub at: Timestamp,
    /// The AS whose interconnect emitted it.
    pub asn: Asn,
    /// The event.
    pub event: Event,
}

/// What a run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RunReport {
    /// Steps taken (deliveries and timer firings).
    pub steps: u64,
    /// Messages delivered to an interconnect.
    pub delivered: u64,
    /// Messages dropped by the link model.
    pub dropped: u64,
    /// Messages to an AS without an interconnect.
    pub undeliverable: u64,
    /// Virtual time at the end.
    pub now: Timestamp,
}

/// A seeded, in-process federation of interconnects.
pub struct Federation {
    nodes: BTreeMap<Asn, Interconnect>,
    links: BTreeMap<(Asn, Asn), LinkModel>,
    model: LinkModel,
    rng: ChaCha8Rng,
    queue: BTreeMap<(Timestamp, u64), (Asn, Asn, Message)>,
    link_last: BTreeMap<(Asn, Asn), Timestamp>,
    seq: u64,
    now: Timestamp,
    events: Vec<Recorded>,
    report: RunReport,
}

impl core::fmt::Debug for Federation {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Federation")
            .field("nodes", &self.nodes.keys().collect::<Vec<_>>())
            .field("now", &self.now)
            .field("queued", &self.queue.len())
            .field("report", &self.report)
            .finish()
    }
}

impl Federation {
    /// An empty federation at virtual time `start`, with `model` on every link.
    pub fn new(seed: u64, model: LinkModel, start: Timestamp) -> Self {
        Federation {
            nodes: BTreeMap::new(),
            links: BTreeMap::new(),
            model,
            rng: ChaCha8Rng::seed_from_u64(seed),
            queue: BTreeMap::new(),
            link_last: BTreeMap::new(),
            seq: 0,
            now: start,
            events: Vec::new(),
            report: RunReport {
                now: start,
                ..RunReport::default()
            },
        }
    }

    /// Add an interconnect.
    pub fn add(&mut self, node: Interconnect) -> Result<(), HarnessError> {
        let asn = node.asn();
        if self.nodes.contains_key(&asn) {
            return Err(HarnessError::DuplicateAsn(asn));
        }
        self.nodes.insert(asn, node);
        Ok(())
    }

    /// Use `model` on the directed link `from -> to`.
    pub fn set_link(&mut self, from: Asn, to: Asn, model: LinkModel) {
        self.links.insert((from, to), model);
    }

    /// The virtual clock.
    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// One interconnect.
    pub fn node(&self, asn: Asn) -> Option<&Interconnect> {
        self.nodes.get(&asn)
    }

    /// One interconnect, mutably (to feed it inputs directly).
    pub fn node_mut(&mut self, asn: Asn) -> Option<&mut Interconnect> {
        self.nodes.get_mut(&asn)
    }

    /// Feed an input to one interconnect at the current time (for example a
    /// deferred local finding), then collect what it sends.
    pub fn with_node<R>(
        &mut self,
        asn: Asn,
        input: impl FnOnce(&mut Interconnect, Timestamp) -> R,
    ) -> Result<R, HarnessError> {
        let now = self.now;
        let node = self.nodes.get_mut(&asn).ok_or(HarnessError::UnknownAsn(asn))?;
        let r = input(node, now);
        self.drain();
        Ok(r)
    }

    /// Every event so far, in order.
    pub fn events(&self) -> &[Recorded] {
        &self.events
    }

    /// The tree of a finished trace.
    pub fn finished(&self, id: RequestId) -> Option<&AsPathTree> {
        self.finished_at(id).map(|(_, t)| t)
    }

    /// When a trace finished, and its tree.
    pub fn finished_at(&self, id: RequestId) -> Option<(Timestamp, &AsPathTree)> {
        self.events.iter().find_map(|r| match &r.event {
            Event::TraceFinished { id: i, tree } if *i == id => Some((r.at, tree)),
            _ => None,
        })
    }

    /// The counters so far.
    pub fn report(&self) -> RunReport {
        self.report
    }

    /// Start a trace at `at` now.
    pub fn start_trace(
        &mut self,
        at: Asn,
        evidence: Evidence,
        hop_limit: HopLimit,
    ) -> Result<RequestId, HarnessError> {
        let now = self.now;
        let node = self.nodes.get_mut(&at).ok_or(HarnessError::UnknownAsn(at))?;
        let id = node.start_trace(evidence, hop_limit, now)?;
        self.drain();
        Ok(id)
    }

    /// Send `message` from `from` to `to` through the link model, as if
    /// `from` had sent it (`from` need not be in the federation: a rogue peer).
    pub fn inject(&mut self, from: Asn, to: Asn, message: Message) {
        self.enqueue(from, to, message);
    }

    /// Take one step: deliver the next message or fire the next timers.
    /// Returns `false` when nothing is left to do.
    pub fn step(&mut self) -> bool {
        let next_msg = self.queue.keys().next().map(|k| k.0);
        let next_timer = self.nodes.values().filter_map(Interconnect::poll_timeout).min();
        let deliver = match (next_msg, next_timer) {
            (None, None) => return false,
            (Some(m), Some(t)) => m <= t,
            (Some(_), None) => true,
            (None, Some(_)) => false,
        };
        self.report.steps += 1;
        if deliver {
            if let Some(((at, _), (from, to, msg))) = self.queue.pop_first() {
                self.now = self.now.max(at);
                match self.nodes.get_mut(&to) {
                    Some(node) => {
                        self.report.delivered += 1;
                        node.handle_message(from, msg, self.now);
                    }
                    None => self.report.undeliverable += 1,
                }
            }
        } else if let Some(t) = next_timer {
            self.now = self.now.max(t);
            let now = self.now;
            for node in self.nodes.values_mut() {
                if node.poll_timeout().is_some_and(|d| d <= now) {
                    node.handle_timeout(now);
                }
            }
        }
        self.drain();
        self.report.now = self.now;
        true
    }

    /// Take every step due at or before `t`, then set the clock to `t` (at
    /// most `max_steps` steps): to start the next trace at a later time.
    pub fn advance_to(&mut self, t: Timestamp, max_steps: u64) -> Result<RunReport, HarnessError> {
        let mut steps = 0;
        loop {
            let next_msg = self.queue.keys().next().map(|k| k.0);
            let next_timer = self.nodes.values().filter_map(Interconnect::poll_timeout).min();
            let next = match (next_msg, next_timer) {
                (Some(m), Some(d)) => Some(m.min(d)),
                (m, d) => m.or(d),
            };
            match next {
                Some(n) if n <= t => {
                    if steps == max_steps {
                        return Err(HarnessError::StepLimit(max_steps));
                    }
                    self.step();
                    steps += 1;
                }
                _ => break,
            }
        }
        self.now = self.now.max(t);
        self.report.now = self.now;
        Ok(self.report)
    }

    /// Step until nothing is left to do, at most `max_steps` steps.
    pub fn run(&mut self, max_steps: u64) -> Result<RunReport, HarnessError> {
        for _ in 0..max_steps {
            if !self.step() {
                return Ok(self.report);
            }
        }
        if self.step() {
            return Err(HarnessError::StepLimit(max_steps));
        }
        Ok(self.report)
    }

    fn drain(&mut self) {
        let mut out = Vec::new();
        for (asn, node) in self.nodes.iter_mut() {
            while let Some(t) = node.poll_transmit() {
                out.push((*asn, t.to, t.message));
            }
            while let Some(event) = node.poll_event() {
                self.events.push(Recorded {
                    at: self.now,
                    asn: *asn,
                    event,
                });
            }
        }
        for (from, to, m) in out {
            self.enqueue(from, to, m);
        }
    }

    fn enqueue(&mut self, from: Asn, to: Asn, message: Message) {
        let model = self.links.get(&(from, to)).copied().unwrap_or(self.model);
        if model.drop_per_million > 0 && self.rng.next_u32() % 1_000_000 < model.drop_per_million {
            self.report.dropped += 1;
            return;
        }
        let span = model.max_delay.saturating_sub(model.min_delay);
        let span_ns = u64::try_from(span.as_nanos()).unwrap_or(u64::MAX);
        let jitter = if span_ns == 0 {
            0
        } else {
            self.rng.next_u64() % span_ns.saturating_add(1)
        };
        let mut at = self
            .now
            .saturating_add(model.min_delay)
            .saturating_add(Duration::from_nanos(jitter));
        // FIFO per directed link.
        if let Some(last) = self.link_last.get(&(from, to)) {
            at = at.max(*last);
        }
        self.link_last.insert((from, to), at);
        self.seq += 1;
        self.queue.insert((at, self.seq), (from, to, message));
    }
}
