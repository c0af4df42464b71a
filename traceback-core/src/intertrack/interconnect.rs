//! The interconnect state machine of one ISP (InterTrack's ITM).
//!
//! # Polling contract
//!
//! [`Interconnect`] does no I/O and reads no clock (quinn-proto style):
//!
//! - **Inputs** (`handle_*`, `start_trace`): a trace started by the local
//!   operator or the center ([`Interconnect::start_trace`]), a message from a
//!   neighbour ([`Interconnect::handle_message`]), a deferred local finding
//!   ([`Interconnect::handle_local_finding`]), a delivery failure
//!   ([`Interconnect::handle_unreachable`]) and the passage of time
//!   ([`Interconnect::handle_timeout`]). Each takes `now`.
//! - **Outputs** (`poll_*`): after any input, drain [`Interconnect::poll_transmit`]
//!   (messages for neighbours) and [`Interconnect::poll_event`] (finished
//!   traces for the center), then call [`Interconnect::handle_timeout`] no
//!   later than [`Interconnect::poll_timeout`].
//!
//! # Forwarding
//!
//! A request is answered by the ISP's [`IngressLocator`]; the ISP replies to
//! its requester at once with its own status and upstream neighbours, then
//! forwards the request (hop limit minus one, itself appended to the visited
//! list) to each upstream neighbour the finding named. Replies from those
//! neighbours, and from their own upstream in turn, are relayed back to the
//! requester unchanged, so the origin receives one reply per AS on the
//! reverse path. A forwarded-to neighbour that does not answer within
//! `branch_timeout` is answered for: `Unknown (timed out)`.

use crate::evidence::{Evidence, Ingress};
use crate::ids::Asn;
use crate::intertrack::message::{
    Confidence, HopLimit, Message, ReplyDetail, RequestId, TraceReply, TraceRequest, Upstream, UpstreamNote,
    VisitedList, MAX_UPSTREAM,
};
use crate::intertrack::method::{Arrival, IngressLocator, LocalFinding, LocalQuery, Located, QueryId};
use crate::intertrack::policy::{ExportLevel, TokenBucket};
use crate::intertrack::session::{Local, OwnAnswer, Role, Session};
use crate::intertrack::status::{AsStatus, RefusalReason, UnknownReason};
use crate::intertrack::tree::AsPathTree;
use crate::time::Timestamp;

use crate::intertrack::config::{ConfigError, InterconnectConfig};
use crate::intertrack::output::{Event, FindingError, InterconnectStats, StartError, Transmit};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Most other neighbours waiting for the local answer to a trace already asked.
const MAX_WAITING_REQUESTERS: usize = 16;

/// One ISP's interconnect: see the module documentation for the polling contract.
pub struct Interconnect {
    config: InterconnectConfig,
    locator: Box<dyn IngressLocator>,
    sessions: BTreeMap<RequestId, Session>,
    queries: BTreeMap<QueryId, RequestId>,
    buckets: BTreeMap<Asn, TokenBucket>,
    transmits: VecDeque<Transmit>,
    events: VecDeque<Event>,
    next_seq: u32,
    next_query: u64,
    stats: InterconnectStats,
}

impl core::fmt::Debug for Interconnect {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Interconnect")
            .field("asn", &self.config.asn)
            .field("method", &self.locator.name())
            .field("sessions", &self.sessions.len())
            .field("stats", &self.stats)
            .finish()
    }
}

impl Interconnect {
    /// An interconnect for `config.asn` answering with `locator`.
    pub fn new(config: InterconnectConfig, locator: Box<dyn IngressLocator>) -> Result<Self, ConfigError> {
        config.validate()?;
        Ok(Interconnect {
            config,
            locator,
            sessions: BTreeMap::new(),
            queries: BTreeMap::new(),
            buckets: BTreeMap::new(),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            next_seq: 0,
            next_query: 0,
            stats: InterconnectStats::default(),
        })
    }

    // ---- getters ----

    /// This ISP's AS number.
    pub fn asn(&self) -> Asn {
        self.config.asn
    }

    /// The configuration.
    pub fn config(&self) -> &InterconnectConfig {
        &self.config
    }

    /// The local method's name.
    pub fn method_name(&self) -> &str {
        self.locator.name()
    }

    /// Traces in progress here (started or relayed, not yet finished).
    pub fn in_progress(&self) -> usize {
        self.sessions.values().filter(|s| !s.finished).count()
    }

    /// Counters.
    pub fn stats(&self) -> &InterconnectStats {
        &self.stats
    }

    // ---- inputs ----

    /// Start a trace at this ISP (the victim's), on behalf of the local
    /// operator or the center. Returns the trace's id at once; the result
    /// comes later as [`Event::TraceFinished`].
    pub fn start_trace(
        &mut self,
        evidence: Evidence,
        hop_limit: HopLimit,
        now: Timestamp,
    ) -> Result<RequestId, StartError> {
        if self.in_progress() >= self.config.policy.max_in_progress {
            return Err(StartError::Busy(self.in_progress()));
        }
        let id = RequestId::new(self.config.asn, now, self.next_seq);
        self.next_seq = self.next_seq.wrapping_add(1);
        self.stats.traces_started += 1;
        let session = Session {
            id,
            evidence,
            hop_limit,
            via: VisitedList::default(),
            role: Role::Origin {
                tree: AsPathTree::new(self.config.asn),
            },
            local: Local::Waiting {
                query: QueryId(0),
                deadline: now,
            },
            children: BTreeSet::new(),
            outstanding: BTreeMap::new(),
            settled: BTreeSet::new(),
            expires: now.saturating_add(self.config.trace_timeout),
            finished: false,
        };
        self.sessions.insert(id, session);
        self.ask_locally(id, Arrival::Victim, now);
        Ok(id)
    }

    /// A message from neighbour `from` (as authenticated by the driver).
    pub fn handle_message(&mut self, from: Asn, message: Message, now: Timestamp) {
        match message {
            Message::Request(r) => self.handle_request(from, r, now),
            Message::Reply(r) => self.handle_reply(from, r, now),
        }
    }

    /// A trace request from neighbour `from`.
    pub fn handle_request(&mut self, from: Asn, req: TraceRequest, now: Timestamp) {
        self.stats.requests += 1;
        if req.requester != from {
            return self.refuse(from, &req, RefusalReason::Authentication);
        }
        let peer = *self.config.policy.for_peer(from);
        if !self.config.neighbors.contains(&from) || !peer.allow {
            return self.refuse(from, &req, RefusalReason::PolicyDeny);
        }
        let bucket = self
            .buckets
            .entry(from)
            .or_insert_with(|| TokenBucket::full(peer.rate, now));
        if !bucket.try_take(peer.rate, now) {
            self.stats.rate_limited += 1;
            return self.refuse(from, &req, RefusalReason::RateLimit);
        }
        if req.visited.last() != Some(req.requester) {
            return self.refuse(from, &req, RefusalReason::InvalidRequest);
        }
        if req.visited.contains(self.config.asn) {
            self.stats.loops += 1;
            let reply = TraceReply::new(
                req.id,
                self.config.asn,
                req.visited,
                AsStatus::Loop,
                Confidence::FULL,
            );
            return self.send(from, Message::Reply(reply));
        }
        if let Some(s) = self.sessions.get_mut(&req.id) {
            // The same trace again: from our requester (a repeat) or from
            // another neighbour (the AS graph has two paths to us).
            let repeat = matches!(s.role, Role::Relay { requester, .. } if requester == from);
            match (&s.local, repeat) {
                (Local::Done(own), _) => {
                    let own = own.clone();
                    let (id, via) = (s.id, req.visited);
                    self.answer(from, id, via, &own, !repeat);
                }
                (Local::Waiting { .. }, true) => {}
                (Local::Waiting { .. }, false) => {
                    if let Role::Relay { others, .. } = &mut s.role {
                        if others.len() < MAX_WAITING_REQUESTERS && !others.iter().any(|(p, _)| *p == from) {
                            others.push((from, req.visited));
                        }
                    }
                }
            }
            return;
        }
        if self.in_progress() >= self.config.policy.max_in_progress {
            self.stats.busy += 1;
            let reply = TraceReply::new(
                req.id,
                self.config.asn,
                req.visited,
                AsStatus::Busy,
                Confidence::FULL,
            );
            return self.send(from, Message::Reply(reply));
        }
        self.make_room();
        let id = req.id;
        let session = Session {
            id,
            evidence: req.evidence,
            hop_limit: req.hop_limit,
            via: req.visited,
            role: Role::Relay {
                requester: from,
                others: Vec::new(),
            },
            local: Local::Waiting {
                query: QueryId(0),
                deadline: now,
            },
            children: BTreeSet::new(),
            outstanding: BTreeMap::new(),
            settled: BTreeSet::new(),
            expires: now.saturating_add(self.config.trace_timeout),
            finished: false,
        };
        self.sessions.insert(id, session);
        self.ask_locally(id, Arrival::Neighbor(from), now);
    }

    /// A trace reply from neighbour `from` (its own, or relayed from further upstream).
    pub fn handle_reply(&mut self, from: Asn, reply: TraceReply, _now: Timestamp) {
        let me = self.config.asn;
        let Some(s) = self.sessions.get_mut(&reply.id) else {
            self.stats.replies_ignored += 1;
            return;
        };
        let parent = reply.asked_by().unwrap_or(from);
        let edge = (parent, reply.responder);
        let through_us = reply
            .via
            .as_slice()
            .strip_prefix(s.via.as_slice())
            .and_then(|r| r.first())
            == Some(&me);
        let known = s.children.contains(&from) && through_us && reply.validate().is_ok() && s.knows(edge);
        if known {
            s.settle(edge);
            if reply.status.is_on_path() {
                for u in &reply.upstream {
                    if u.note == UpstreamNote::Forwarded {
                        s.expect((reply.responder, u.asn), None);
                    }
                }
            }
        }
        match &mut s.role {
            Role::Origin { tree } => {
                tree.merge(&reply, from, known);
                if !known {
                    self.stats.replies_ignored += 1;
                }
                if known {
                    self.events.push_back(Event::Progress {
                        id: reply.id,
                        responder: reply.responder,
                        status: reply.status,
                    });
                }
            }
            Role::Relay { requester, .. } => {
                if known {
                    let to = *requester;
                    self.stats.relayed += 1;
                    self.transmits.push_back(Transmit {
                        to,
                        message: Message::Reply(reply.clone()),
                    });
                } else {
                    self.stats.replies_ignored += 1;
                }
            }
        }
        if known {
            self.check_done(reply.id);
        }
    }

    /// The deferred answer of the local method to `query`.
    pub fn handle_local_finding(
        &mut self,
        query: QueryId,
        finding: LocalFinding,
        now: Timestamp,
    ) -> Result<(), FindingError> {
        let id = self
            .queries
            .remove(&query)
            .ok_or(FindingError::UnknownQuery(query))?;
        self.on_finding(id, finding, now);
        Ok(())
    }

    /// The driver could not deliver trace `id` to `neighbor`: that branch
    /// ends as Unknown (unreachable) without waiting for the timeout.
    pub fn handle_unreachable(&mut self, neighbor: Asn, id: RequestId, _now: Timestamp) {
        let me = self.config.asn;
        if self
            .sessions
            .get(&id)
            .is_some_and(|s| s.outstanding.contains_key(&(me, neighbor)))
        {
            self.answer_for(id, neighbor, UnknownReason::Unreachable);
            self.check_done(id);
        }
    }

    /// Let time pass: local methods, neighbours and traces past their deadline time out.
    pub fn handle_timeout(&mut self, now: Timestamp) {
        let me = self.config.asn;
        let ids: Vec<RequestId> = self
            .sessions
            .values()
            .filter(|s| s.next_deadline() <= now)
            .map(|s| s.id)
            .collect();
        for id in ids {
            let Some(s) = self.sessions.get(&id) else { continue };
            if let Local::Waiting { query, deadline } = s.local {
                if deadline <= now {
                    self.queries.remove(&query);
                    self.on_finding(id, LocalFinding::Unavailable, now);
                }
            }
            let Some(s) = self.sessions.get(&id) else { continue };
            let late: Vec<Asn> = s
                .outstanding
                .iter()
                .filter(|((p, _), d)| *p == me && d.is_some_and(|d| d <= now))
                .map(|((_, c), _)| *c)
                .collect();
            for child in late {
                self.answer_for(id, child, UnknownReason::TimedOut);
            }
            let Some(s) = self.sessions.get(&id) else { continue };
            if s.expires <= now {
                if let Some(s) = self.sessions.remove(&id) {
                    if let Local::Waiting { query, .. } = s.local {
                        self.queries.remove(&query);
                    }
                    if let Role::Origin { mut tree } = s.role {
                        tree.finish(false);
                        self.stats.traces_finished += 1;
                        self.events.push_back(Event::TraceFinished { id, tree });
                    }
                }
                continue;
            }
            self.check_done(id);
        }
    }

    // ---- outputs ----

    /// The next message to send to a neighbour.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next event for the operator or the center.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When [`Interconnect::handle_timeout`] must be called next, if ever.
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        self.sessions.values().map(Session::next_deadline).min()
    }

    // ---- internals ----

    /// Finished relay sessions linger to pass on late replies; keep at most
    /// four times `max_in_progress` sessions by dropping the oldest finished ones.
    fn make_room(&mut self) {
        let cap = self.config.policy.max_in_progress.saturating_mul(4).max(16);
        while self.sessions.len() >= cap {
            let oldest = self
                .sessions
                .values()
                .filter(|s| s.finished)
                .min_by_key(|s| s.expires)
                .map(|s| s.id);
            match oldest {
                Some(id) => {
                    self.sessions.remove(&id);
                }
                None => break,
            }
        }
    }

    fn send(&mut self, to: Asn, message: Message) {
        self.transmits.push_back(Transmit { to, message });
    }

    fn refuse(&mut self, from: Asn, req: &TraceRequest, reason: RefusalReason) {
        self.stats.refused += 1;
        let reply = TraceReply::new(
            req.id,
            self.config.asn,
            req.visited.clone(),
            AsStatus::Refused(reason),
            Confidence::FULL,
        );
        self.send(from, Message::Reply(reply));
    }

    fn ask_locally(&mut self, id: RequestId, arrival: Arrival, now: Timestamp) {
        let Some(s) = self.sessions.get_mut(&id) else {
            return;
        };
        let query = QueryId(self.next_query);
        self.next_query = self.next_query.wrapping_add(1);
        s.local = Local::Waiting {
            query,
            deadline: now.saturating_add(self.config.local_timeout),
        };
        let q = LocalQuery {
            query,
            request: id,
            evidence: s.evidence,
            arrival,
        };
        match self.locator.locate(&q, now) {
            Located::Ready(f) => self.on_finding(id, f, now),
            Located::Pending => {
                self.queries.insert(query, id);
            }
        }
    }

    /// Turn the local finding into this ISP's answer, forward, reply.
    fn on_finding(&mut self, id: RequestId, finding: LocalFinding, now: Timestamp) {
        let me = self.config.asn;
        let Some(s) = self.sessions.get_mut(&id) else {
            return;
        };
        if !matches!(s.local, Local::Waiting { .. }) {
            return;
        }
        let origin = matches!(s.role, Role::Origin { .. });
        // At the origin the root is the Destination (or Source, when the
        // packet also entered from one of its own customers).
        let (status, ingress, confidence) = match finding {
            LocalFinding::Entered { ingress, confidence } if !ingress.is_empty() => {
                let source = ingress.iter().any(|i| matches!(i, Ingress::Customer { .. }));
                let border = ingress.iter().any(|i| matches!(i, Ingress::Border { .. }));
                let status = match (source, border) {
                    (true, _) => AsStatus::Source,
                    (false, _) if origin => AsStatus::Destination,
                    (false, true) => AsStatus::Transit,
                    (false, false) => AsStatus::NotFound,
                };
                (status, ingress, confidence)
            }
            LocalFinding::Entered { confidence, .. } | LocalFinding::NotSeen { confidence } => {
                let status = if origin {
                    AsStatus::Destination
                } else {
                    AsStatus::NotFound
                };
                (status, Vec::new(), confidence)
            }
            // The method could not look: said as such, at the origin too.
            LocalFinding::Unavailable => (
                AsStatus::Unknown(UnknownReason::NoCoverage),
                Vec::new(),
                Confidence::NONE,
            ),
            LocalFinding::Busy => (AsStatus::Busy, Vec::new(), Confidence::NONE),
        };
        let borders: BTreeSet<Asn> = ingress
            .iter()
            .filter_map(|i| match i {
                Ingress::Border { neighbor, .. } => Some(*neighbor),
                _ => None,
            })
            .collect();
        let hop = s.hop_limit.decremented();
        let forward_via = s.via.with(me);
        let mut upstream = Vec::new();
        let mut forwards = Vec::new();
        for u in borders.into_iter().take(MAX_UPSTREAM) {
            let note = if u == me || s.via.contains(u) {
                UpstreamNote::Visited
            } else if !self.config.neighbors.contains(&u) {
                UpstreamNote::NonParticipating
            } else if !self.config.policy.for_peer(u).forward {
                UpstreamNote::PathPolicy
            } else if hop.is_none() || forward_via.is_none() {
                UpstreamNote::HopLimit
            } else {
                forwards.push(u);
                UpstreamNote::Forwarded
            };
            upstream.push(Upstream::new(u, note));
        }
        let own = OwnAnswer {
            status,
            upstream,
            confidence,
            ingress,
        };
        s.local = Local::Done(own.clone());
        // Own reply first, so it reaches the requester before any relayed one.
        match &mut s.role {
            Role::Origin { tree } => {
                let detail = export(ExportLevel::All, self.locator.name(), &own.ingress);
                tree.record_root(own.status, own.confidence, &own.upstream, detail);
            }
            Role::Relay { requester, others } => {
                let requester = *requester;
                let others = core::mem::take(others);
                let via = s.via.clone();
                self.answer(requester, id, via, &own, false);
                for (peer, via) in others {
                    self.answer(peer, id, via, &own, true);
                }
            }
        }
        if let (Some(hop), Some(visited)) = (hop, forward_via) {
            let Some(s) = self.sessions.get_mut(&id) else {
                return;
            };
            let deadline = now.saturating_add(self.config.branch_timeout);
            for u in forwards {
                s.children.insert(u);
                s.expect((me, u), Some(deadline));
                let req = TraceRequest::new(id, s.evidence, hop, visited.clone(), me);
                self.stats.forwarded += 1;
                self.transmits.push_back(Transmit {
                    to: u,
                    message: Message::Request(req),
                });
            }
        }
        self.check_done(id);
    }

    /// Send this ISP's answer to `to`; `again` marks forwarded neighbours as
    /// already forwarded (for a second requester).
    fn answer(&mut self, to: Asn, id: RequestId, via: VisitedList, own: &OwnAnswer, again: bool) {
        let upstream = own
            .upstream
            .iter()
            .map(|u| match u.note {
                UpstreamNote::Forwarded if again => Upstream::new(u.asn, UpstreamNote::AlreadyForwarded),
                _ => *u,
            })
            .collect();
        let level = self.config.policy.for_peer(to).export;
        let mut reply = TraceReply::new(id, self.config.asn, via, own.status, own.confidence);
        reply.upstream = upstream;
        reply.detail = export(level, self.locator.name(), &own.ingress);
        self.send(to, Message::Reply(reply));
    }

    /// Answer on behalf of a silent neighbour `child`.
    fn answer_for(&mut self, id: RequestId, child: Asn, reason: UnknownReason) {
        let me = self.config.asn;
        let Some(s) = self.sessions.get_mut(&id) else {
            return;
        };
        if !s.settle((me, child)) {
            return;
        }
        self.stats.branch_timeouts += 1;
        let via = s.via.with(me).unwrap_or_else(|| s.via.clone());
        let reply = TraceReply::new(id, child, via, AsStatus::Unknown(reason), Confidence::NONE);
        match &mut s.role {
            Role::Origin { tree } => {
                tree.merge(&reply, me, true);
                self.events.push_back(Event::Progress {
                    id,
                    responder: child,
                    status: reply.status,
                });
            }
            Role::Relay { requester, .. } => {
                let to = *requester;
                self.stats.relayed += 1;
                self.transmits.push_back(Transmit {
                    to,
                    message: Message::Reply(reply),
                });
            }
        }
    }

    fn check_done(&mut self, id: RequestId) {
        let Some(s) = self.sessions.get_mut(&id) else {
            return;
        };
        if s.finished || !s.is_done() {
            return;
        }
        s.finished = true;
        if matches!(s.role, Role::Origin { .. }) {
            if let Some(Session {
                role: Role::Origin { mut tree },
                ..
            }) = self.sessions.remove(&id)
            {
                tree.finish(true);
                self.stats.traces_finished += 1;
                self.events.push_back(Event::TraceFinished { id, tree });
            }
        }
    }
}

/// The detail a reply carries at `level`.
fn export(level: ExportLevel, method: &str, ingress: &[Ingress]) -> Option<ReplyDetail> {
    match level {
        ExportLevel::None => None,
        ExportLevel::InterAsOnly => Some(ReplyDetail {
            method: None,
            ingress: ingress
                .iter()
                .filter(|i| matches!(i, Ingress::Border { .. }))
                .cloned()
                .collect(),
        }),
        ExportLevel::All => Some(ReplyDetail {
            method: Some(method.to_owned()),
            ingress: ingress.to_vec(),
        }),
    }
}
