//! One interconnect driven by hand: forwarding, loop and hop rules, policy,
//! deferred local methods, timeouts, and the message bounds.

use core::time::Duration;
use std::sync::{Arc, Mutex};
use traceback_core::digest::{Digest, DigestProfile};
use traceback_core::evidence::{Evidence, Ingress};
use traceback_core::ids::Asn;
use traceback_core::intertrack::harness::StaticLocator;
use traceback_core::intertrack::{
    Arrival, AsStatus, Confidence, ConfigError, Event, FindingError, FlowRecordLocator, HopLimit,
    IngressFlowRecord, IngressLocator, Interconnect, InterconnectConfig, LocalFinding, LocalQuery, Located,
    Message, MessageError, PeerPolicy, Policy, QueryId, RateLimit, RefusalReason, RequestId, StartError,
    TraceReply, TraceRequest, Transmit, UnknownReason, Upstream, UpstreamNote, VisitedList,
};
use traceback_core::time::{TimeRange, Timestamp};

const A: Asn = Asn(64501);
const B: Asn = Asn(64502);
const C: Asn = Asn(64503);
const D: Asn = Asn(64504);
const X: Asn = Asn(64599);

fn now() -> Timestamp {
    Timestamp::from_secs(1_700_000_001)
}

fn evidence() -> Evidence {
    Evidence {
        digest: Digest([7; 16]),
        profile: DigestProfile::V1,
        seen_at: Timestamp::from_secs(1_700_000_000),
        before: Duration::from_secs(2),
        after: Duration::from_secs(1),
    }
}

fn border(a: Asn) -> Ingress {
    Ingress::Border {
        neighbor: a,
        link: format!("link-{}", a.0),
    }
}

fn id(seq: u32) -> RequestId {
    RequestId::new(C, Timestamp::from_secs(1_700_000_001), seq)
}

fn request(seq: u32, hops: u8, visited: &[Asn]) -> TraceRequest {
    let visited = VisitedList::new(visited.to_vec()).unwrap();
    let requester = visited.last().unwrap();
    TraceRequest::new(
        id(seq),
        evidence(),
        HopLimit::new(hops).unwrap(),
        visited,
        requester,
    )
}

/// B, peered with A, C and D, whose method says the packet came from A.
fn b_with(locator: Box<dyn IngressLocator>, policy: Policy) -> Interconnect {
    let cfg = InterconnectConfig::new(B)
        .with_neighbors([A, C, D])
        .with_policy(policy);
    Interconnect::new(cfg, locator).unwrap()
}

fn b() -> Interconnect {
    b_with(
        Box::new(StaticLocator::always(vec![border(A)])),
        Policy::default(),
    )
}

fn drain(ic: &mut Interconnect) -> Vec<Transmit> {
    std::iter::from_fn(|| ic.poll_transmit()).collect()
}

fn reply_of(t: &Transmit) -> &TraceReply {
    match &t.message {
        Message::Reply(r) => r,
        other => panic!("expected a reply, got {other:?}"),
    }
}

fn request_of(t: &Transmit) -> &TraceRequest {
    match &t.message {
        Message::Request(r) => r,
        other => panic!("expected a request, got {other:?}"),
    }
}

#[test]
fn forwarding_decrements_hop_limit_and_appends_itself() {
    let mut b = b();
    b.handle_request(C, request(1, 5, &[C]), now());
    let out = drain(&mut b);
    assert_eq!(out.len(), 2);
    // Own reply first, to the requester.
    assert_eq!(out[0].to, C);
    let r = reply_of(&out[0]);
    assert_eq!(r.responder, B);
    assert_eq!(r.status, AsStatus::Transit);
    assert_eq!(r.upstream, vec![Upstream::new(A, UpstreamNote::Forwarded)]);
    assert_eq!(r.via.as_slice(), &[C]);
    assert_eq!(r.detail, None);
    // Then the forwarded request.
    assert_eq!(out[1].to, A);
    let q = request_of(&out[1]);
    assert_eq!(q.hop_limit.get(), 4);
    assert_eq!(q.visited.as_slice(), &[C, B]);
    assert_eq!(q.requester, B);
    assert_eq!(q.id, id(1));
    assert_eq!(b.in_progress(), 1);
    assert_eq!(
        b.poll_timeout(),
        Some(now().saturating_add(Duration::from_secs(5)))
    );
}

#[test]
fn hop_limit_zero_is_answered_not_forwarded() {
    let mut b = b();
    b.handle_request(C, request(1, 0, &[C]), now());
    let out = drain(&mut b);
    assert_eq!(out.len(), 1);
    let r = reply_of(&out[0]);
    assert_eq!(r.status, AsStatus::Transit);
    assert_eq!(r.upstream, vec![Upstream::new(A, UpstreamNote::HopLimit)]);
    assert_eq!(b.in_progress(), 0, "nothing owed: done at once");
}

/// A locator that counts questions and answers later.
#[derive(Clone, Default)]
struct Deferred {
    asked: Arc<Mutex<Vec<LocalQuery>>>,
}

impl IngressLocator for Deferred {
    fn name(&self) -> &str {
        "deferred"
    }
    fn locate(&mut self, query: &LocalQuery, _now: Timestamp) -> Located {
        self.asked.lock().unwrap().push(query.clone());
        Located::Pending
    }
}

#[test]
fn request_that_visited_us_is_a_loop() {
    let loc = Deferred::default();
    let mut b = b_with(Box::new(loc.clone()), Policy::default());
    b.handle_request(D, request(1, 9, &[C, B, D]), now());
    let out = drain(&mut b);
    assert_eq!(out.len(), 1);
    assert_eq!(reply_of(&out[0]).status, AsStatus::Loop);
    assert!(loc.asked.lock().unwrap().is_empty(), "no lookup for a loop");
    assert_eq!(b.stats().loops, 1);
    assert_eq!(b.in_progress(), 0);
}

#[test]
fn requester_must_be_the_sending_peer() {
    let mut b = b();
    b.handle_request(D, request(1, 9, &[C]), now());
    let out = drain(&mut b);
    assert_eq!(out[0].to, D);
    assert_eq!(
        reply_of(&out[0]).status,
        AsStatus::Refused(RefusalReason::Authentication)
    );
}

#[test]
fn non_neighbour_and_inconsistent_requests_are_refused() {
    let mut b = b();
    b.handle_request(X, request(1, 9, &[X]), now());
    let out = drain(&mut b);
    assert_eq!(
        reply_of(&out[0]).status,
        AsStatus::Refused(RefusalReason::PolicyDeny)
    );
    let mut bad = request(2, 9, &[C, D]);
    bad.requester = C;
    b.handle_request(C, bad, now());
    let out = drain(&mut b);
    assert_eq!(
        reply_of(&out[0]).status,
        AsStatus::Refused(RefusalReason::InvalidRequest)
    );
    assert_eq!(b.stats().refused, 2);
}

#[test]
fn flood_is_rate_limited_after_the_budget() {
    // Default policy: 100 requests/s per peer. C floods 150 in one instant.
    let mut b = b_with(Box::new(StaticLocator::new()), Policy::default());
    let count = |out: &[Transmit], s: AsStatus| out.iter().filter(|t| reply_of(t).status == s).count();
    for seq in 0..150 {
        b.handle_request(C, request(seq, 9, &[C]), now());
    }
    let out = drain(&mut b);
    assert_eq!(out.len(), 150);
    assert_eq!(count(&out, AsStatus::NotFound), 100);
    assert_eq!(count(&out, AsStatus::Refused(RefusalReason::RateLimit)), 50);
    // The first 100 were served, the rest refused.
    assert!(out[..100]
        .iter()
        .all(|t| reply_of(t).status == AsStatus::NotFound));
    assert_eq!(b.stats().rate_limited, 50);
    // Another peer has its own bucket.
    b.handle_request(D, request(500, 9, &[D]), now());
    assert_eq!(reply_of(&drain(&mut b)[0]).status, AsStatus::NotFound);
    // 10 ms later one token is back (100/s).
    let t1 = now().saturating_add(Duration::from_millis(10));
    b.handle_request(C, request(600, 9, &[C]), t1);
    b.handle_request(C, request(601, 9, &[C]), t1);
    let out = drain(&mut b);
    assert_eq!(reply_of(&out[0]).status, AsStatus::NotFound);
    assert_eq!(
        reply_of(&out[1]).status,
        AsStatus::Refused(RefusalReason::RateLimit)
    );
}

#[test]
fn configured_rate_limit_applies() {
    let policy = Policy::default().with_peer(C, PeerPolicy::DEFAULT.with_rate(RateLimit::per_second(5)));
    let mut b = b_with(Box::new(StaticLocator::new()), policy);
    for seq in 0..8 {
        b.handle_request(C, request(seq, 9, &[C]), now());
    }
    let refused = drain(&mut b)
        .iter()
        .filter(|t| reply_of(t).status == AsStatus::Refused(RefusalReason::RateLimit))
        .count();
    assert_eq!(refused, 3);
}

#[test]
fn too_many_traces_in_progress_is_busy() {
    let policy = Policy::default().with_max_in_progress(2);
    let mut b = b_with(Box::new(Deferred::default()), policy);
    b.handle_request(C, request(1, 9, &[C]), now());
    b.handle_request(C, request(2, 9, &[C]), now());
    assert!(drain(&mut b).is_empty(), "both waiting for the local method");
    b.handle_request(C, request(3, 9, &[C]), now());
    let out = drain(&mut b);
    assert_eq!(reply_of(&out[0]).status, AsStatus::Busy);
    assert_eq!(
        b.start_trace(evidence(), HopLimit::MAX, now()),
        Err(StartError::Busy(2))
    );
    assert_eq!(b.stats().busy, 1);
}

#[test]
fn deferred_local_finding_and_local_timeout() {
    let loc = Deferred::default();
    let mut b = b_with(Box::new(loc.clone()), Policy::default());
    b.handle_request(C, request(1, 9, &[C]), now());
    b.handle_request(C, request(2, 9, &[C]), now());
    let (q1, q2) = {
        let asked = loc.asked.lock().unwrap();
        assert_eq!(asked.len(), 2);
        assert_eq!(asked[0].request, id(1));
        (asked[0].query, asked[1].query)
    };
    assert!(drain(&mut b).is_empty());
    // The first answer arrives late but in time.
    let t = now().saturating_add(Duration::from_secs(1));
    b.handle_local_finding(q1, LocalFinding::entered(vec![border(A)]), t)
        .unwrap();
    let out = drain(&mut b);
    assert_eq!(reply_of(&out[0]).status, AsStatus::Transit);
    assert_eq!(out[1].to, A);
    // Answering twice, or an unknown query, is an error, not a panic.
    assert_eq!(
        b.handle_local_finding(q1, LocalFinding::not_seen(), t),
        Err(FindingError::UnknownQuery(q1))
    );
    assert!(b
        .handle_local_finding(QueryId(999), LocalFinding::not_seen(), t)
        .is_err());
    // The second never comes: after the local timeout it counts as unavailable.
    let late = now().saturating_add(Duration::from_secs(5));
    b.handle_timeout(late);
    let out = drain(&mut b);
    let r2: Vec<_> = out.iter().map(reply_of).filter(|r| r.id == id(2)).collect();
    assert_eq!(r2[0].status, AsStatus::Unknown(UnknownReason::NoCoverage));
    assert!(b
        .handle_local_finding(q2, LocalFinding::not_seen(), late)
        .is_err());
}

#[test]
fn silent_upstream_is_answered_for_and_late_reply_still_relayed() {
    let mut b = b();
    b.handle_request(C, request(1, 9, &[C]), now());
    drain(&mut b);
    // A says nothing for 5 s.
    b.handle_timeout(now().saturating_add(Duration::from_millis(4999)));
    assert!(drain(&mut b).is_empty());
    let t = now().saturating_add(Duration::from_secs(5));
    b.handle_timeout(t);
    let out = drain(&mut b);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].to, C);
    let r = reply_of(&out[0]);
    assert_eq!(
        (r.responder, r.status),
        (A, AsStatus::Unknown(UnknownReason::TimedOut))
    );
    assert_eq!(r.via.as_slice(), &[C, B]);
    assert_eq!(b.in_progress(), 0);
    // A's own answer arrives late: relayed all the same (C prefers it).
    let late = TraceReply::new(
        id(1),
        A,
        VisitedList::new(vec![C, B]).unwrap(),
        AsStatus::Source,
        Confidence::FULL,
    );
    b.handle_reply(A, late.clone(), t.saturating_add(Duration::from_secs(1)));
    let out = drain(&mut b);
    assert_eq!(out.len(), 1);
    assert_eq!(reply_of(&out[0]), &late);
    // A reply from a neighbour never asked is not relayed.
    let stray = TraceReply::new(
        id(1),
        D,
        VisitedList::new(vec![C, B]).unwrap(),
        AsStatus::Source,
        Confidence::FULL,
    );
    b.handle_reply(D, stray, t);
    assert!(drain(&mut b).is_empty());
    assert_eq!(b.stats().replies_ignored, 1);
    // After the trace timeout the relay forgets the trace.
    b.handle_timeout(now().saturating_add(Duration::from_secs(30)));
    assert_eq!(b.poll_timeout(), None);
}

#[test]
fn second_path_to_the_same_as_is_not_forwarded_twice() {
    let mut b = b();
    b.handle_request(C, request(1, 9, &[C]), now());
    assert_eq!(drain(&mut b).len(), 2);
    b.handle_request(D, request(1, 9, &[C, D]), now());
    let out = drain(&mut b);
    assert_eq!(out.len(), 1, "answered, not forwarded again");
    assert_eq!(out[0].to, D);
    let r = reply_of(&out[0]);
    assert_eq!(r.upstream, vec![Upstream::new(A, UpstreamNote::AlreadyForwarded)]);
    assert_eq!(r.via.as_slice(), &[C, D]);
    assert_eq!(b.stats().forwarded, 1);
}

#[test]
fn unreachable_neighbour_ends_branch_at_once() {
    let cfg = InterconnectConfig::new(C).with_neighbors([B]);
    let mut c = Interconnect::new(cfg, Box::new(StaticLocator::always(vec![border(B)]))).unwrap();
    let tid = c.start_trace(evidence(), HopLimit::MAX, now()).unwrap();
    let out = drain(&mut c);
    assert_eq!(request_of(&out[0]).visited.as_slice(), &[C]);
    assert_eq!(request_of(&out[0]).hop_limit.get(), 63);
    c.handle_unreachable(B, tid, now());
    let events: Vec<Event> = std::iter::from_fn(|| c.poll_event()).collect();
    let tree = events
        .iter()
        .find_map(|e| match e {
            Event::TraceFinished { tree, .. } => Some(tree),
            _ => None,
        })
        .expect("finished");
    assert_eq!(
        tree.status(B),
        Some(AsStatus::Unknown(UnknownReason::Unreachable))
    );
    assert!(tree.is_complete());
    assert_eq!(c.in_progress(), 0);
}

#[test]
fn origin_deadline_finishes_an_incomplete_trace() {
    let cfg = InterconnectConfig::new(C).with_neighbors([B]).with_timeouts(
        Duration::from_secs(5),
        Duration::from_secs(5),
        Duration::from_secs(8),
    );
    let mut c = Interconnect::new(cfg, Box::new(StaticLocator::always(vec![border(B)]))).unwrap();
    let tid = c.start_trace(evidence(), HopLimit::MAX, now()).unwrap();
    drain(&mut c);
    // B answers Transit via A, then A's reply is lost and B dies.
    let rb = TraceReply::new(
        tid,
        B,
        VisitedList::starting_at(C),
        AsStatus::Transit,
        Confidence::FULL,
    )
    .with_upstream(vec![Upstream::new(A, UpstreamNote::Forwarded)])
    .unwrap();
    c.handle_reply(B, rb, now());
    assert_eq!(c.in_progress(), 1);
    c.handle_timeout(now().saturating_add(Duration::from_secs(8)));
    let tree = std::iter::from_fn(|| c.poll_event())
        .find_map(|e| match e {
            Event::TraceFinished { tree, .. } => Some(tree),
            _ => None,
        })
        .expect("finished at the deadline");
    assert!(!tree.is_complete());
    assert_eq!(tree.status(A), Some(AsStatus::Unknown(UnknownReason::TimedOut)));
    assert_eq!(tree.status(B), Some(AsStatus::Transit));
}

#[test]
fn config_is_validated() {
    let bad = InterconnectConfig::new(B).with_neighbors([B]);
    assert_eq!(
        Interconnect::new(bad, Box::new(StaticLocator::new())).err(),
        Some(ConfigError::SelfNeighbor(B))
    );
    let bad = InterconnectConfig::new(B).with_timeouts(
        Duration::ZERO,
        Duration::from_secs(1),
        Duration::from_secs(1),
    );
    assert_eq!(bad.validate(), Err(ConfigError::ZeroTimeout));
    let bad = InterconnectConfig::new(B).with_timeouts(
        Duration::from_secs(9),
        Duration::from_secs(1),
        Duration::from_secs(1),
    );
    assert_eq!(bad.validate(), Err(ConfigError::TraceShorterThanBranch));
}

#[test]
fn message_bounds_hold_on_the_wire() {
    assert_eq!(HopLimit::new(64).unwrap().get(), 64);
    assert_eq!(HopLimit::new(65), Err(MessageError::HopLimitTooLarge(65)));
    assert_eq!(
        HopLimit::new(1).unwrap().decremented().map(HopLimit::get),
        Some(0)
    );
    assert_eq!(HopLimit::new(0).unwrap().decremented(), None);
    assert_eq!(Confidence::new(101), Err(MessageError::ConfidenceTooLarge(101)));
    let full = VisitedList::new((0..128).map(Asn).collect()).unwrap();
    assert!(full.with(Asn(999)).is_none());
    assert_eq!(
        VisitedList::new((0..129).map(Asn).collect()),
        Err(MessageError::VisitedTooLong(129))
    );

    let req = request(7, 12, &[C, D]);
    let json = serde_json::to_string(&Message::Request(req.clone())).unwrap();
    let back: Message = serde_json::from_str(&json).unwrap();
    assert_eq!(back, Message::Request(req));
    // Tampered bounds are rejected by decoding.
    let bad = json.replace("\"hop_limit\":12", "\"hop_limit\":65");
    assert_ne!(bad, json);
    assert!(serde_json::from_str::<Message>(&bad).is_err());
    let long: Vec<u32> = (0..129).collect();
    let bad = json.replace("\"visited\":[64503,64504]", &format!("\"visited\":{long:?}"));
    assert_ne!(bad, json);
    assert!(serde_json::from_str::<Message>(&bad).is_err());

    let reply = TraceReply::new(
        id(7),
        B,
        VisitedList::starting_at(C),
        AsStatus::Refused(RefusalReason::RateLimit),
        Confidence::new(40).unwrap(),
    )
    .with_upstream(vec![Upstream::new(A, UpstreamNote::Visited)])
    .unwrap();
    let json = serde_json::to_string(&reply).unwrap();
    assert_eq!(serde_json::from_str::<TraceReply>(&json).unwrap(), reply);
    let bad = json.replace("\"confidence\":40", "\"confidence\":101");
    assert_ne!(bad, json);
    assert!(serde_json::from_str::<TraceReply>(&bad).is_err());
    let too_many = vec![Upstream::new(A, UpstreamNote::Forwarded); 129];
    assert_eq!(
        TraceReply::new(
            id(7),
            B,
            VisitedList::starting_at(C),
            AsStatus::Transit,
            Confidence::FULL
        )
        .with_upstream(too_many)
        .err(),
        Some(MessageError::TooManyUpstream(129))
    );
}

#[test]
fn flow_record_locator_separates_not_seen_from_no_data() {
    let ev = evidence();
    let mut l = FlowRecordLocator::new(Confidence::new(80).unwrap());
    let q = LocalQuery::new(QueryId(1), id(1), ev, Arrival::Neighbor(C));
    // No records at all: no data.
    assert_eq!(l.locate(&q, now()), Located::Ready(LocalFinding::Unavailable));
    // Coverage of the window but no matching record: not seen.
    l.extend_coverage(TimeRange::new(
        Timestamp::from_secs(1_699_999_000),
        Timestamp::from_secs(1_700_000_100),
    ));
    assert_eq!(l.locate(&q, now()), Located::Ready(LocalFinding::not_seen()));
    let rec = |ingress, s| {
        IngressFlowRecord::new(
            ingress,
            ev.digest,
            ev.profile,
            TimeRange::at(Timestamp::from_secs(s)),
        )
    };
    l.insert(rec(border(A), 1_699_999_999));
    l.insert(rec(border(A), 1_700_000_000)); // same ingress twice: reported once
    l.insert(rec(Ingress::Customer { edge: "cpe-9".into() }, 1_700_000_001));
    l.insert(rec(border(D), 1_699_990_000)); // outside the window
    assert_eq!(l.len(), 4);
    assert_eq!(
        l.locate(&q, now()),
        Located::Ready(LocalFinding::Entered {
            ingress: vec![border(A), Ingress::Customer { edge: "cpe-9".into() }],
            confidence: Confidence::new(80).unwrap(),
        })
    );
    // Expiring old records shrinks the table and its coverage.
    l.expire_before(Timestamp::from_secs(1_700_000_000));
    assert_eq!(l.len(), 2);
    assert_eq!(l.coverage().unwrap().start, Timestamp::from_secs(1_700_000_000));
    l.expire_before(Timestamp::from_secs(1_800_000_000));
    assert!(l.is_empty());
    assert_eq!(l.locate(&q, now()), Located::Ready(LocalFinding::Unavailable));
}

#[test]
fn second_requester_while_waiting_is_answered_with_the_finding() {
    let loc = Deferred::default();
    let mut b = b_with(Box::new(loc.clone()), Policy::default());
    b.handle_request(C, request(1, 9, &[C]), now());
    b.handle_request(D, request(1, 9, &[C, D]), now());
    b.handle_request(D, request(1, 9, &[C, D]), now()); // repeated: answered once
    assert_eq!(loc.asked.lock().unwrap().len(), 1, "one lookup per trace");
    let q = loc.asked.lock().unwrap()[0].query;
    b.handle_local_finding(q, LocalFinding::entered(vec![border(A)]), now())
        .unwrap();
    let out = drain(&mut b);
    assert_eq!(out.len(), 3);
    assert_eq!(
        (out[0].to, reply_of(&out[0]).upstream[0].note),
        (C, UpstreamNote::Forwarded)
    );
    assert_eq!(
        (out[1].to, reply_of(&out[1]).upstream[0].note),
        (D, UpstreamNote::AlreadyForwarded)
    );
    assert_eq!(out[2].to, A);
    assert_eq!(request_of(&out[2]).visited.as_slice(), &[C, B]);
}
