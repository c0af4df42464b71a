//! Multi-ISP traces through the seeded in-process federation.

use core::time::Duration;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use traceback_core::digest::{Digest, DigestProfile};
use traceback_core::evidence::{Evidence, Ingress};
use traceback_core::ids::Asn;
use traceback_core::intertrack::harness::{Federation, HarnessError, LinkModel, StaticLocator};
use traceback_core::intertrack::{
    AsPathTree, AsStatus, Confidence, Conflict, Event, ExportLevel, FlowRecordLocator, HopLimit,
    IngressFlowRecord, IngressLocator, Interconnect, InterconnectConfig, LocalFinding, LocalQuery, Located,
    Message, PeerPolicy, Policy, RefusalReason, RequestId, TraceReply, UnknownReason, Upstream, UpstreamNote,
    VisitedList,
};
use traceback_core::time::{TimeRange, Timestamp};

const T0: u64 = 1_700_000_000;
const STEPS: u64 = 10_000;

fn evidence(tag: u8) -> Evidence {
    Evidence {
        digest: Digest([tag; 16]),
        profile: DigestProfile::V1,
        seen_at: Timestamp::from_secs(T0),
        before: Duration::from_secs(2),
        after: Duration::from_secs(1),
    }
}

fn border(n: u32) -> Ingress {
    Ingress::Border {
        neighbor: Asn(n),
        link: format!("xe-0/0/{n}"),
    }
}

fn customer(edge: &str) -> Ingress {
    Ingress::Customer {
        edge: edge.to_owned(),
    }
}

fn config(asn: u32, neighbors: &[u32]) -> InterconnectConfig {
    InterconnectConfig::new(Asn(asn)).with_neighbors(neighbors.iter().map(|n| Asn(*n)))
}

fn node(asn: u32, neighbors: &[u32], ingress: Vec<Ingress>) -> Interconnect {
    node_with(config(asn, neighbors), Box::new(StaticLocator::always(ingress)))
}

fn node_with(config: InterconnectConfig, locator: Box<dyn IngressLocator>) -> Interconnect {
    Interconnect::new(config, locator).expect("valid config")
}

fn federation(seed: u64, nodes: Vec<Interconnect>) -> Federation {
    let model = LinkModel::uniform(Duration::from_millis(5), Duration::from_millis(50));
    let mut f = Federation::new(seed, model, Timestamp::from_secs(T0 + 1));
    for n in nodes {
        f.add(n).expect("distinct ASes");
    }
    f
}

/// Start a trace at `victim`, run to quiescence, return the finished tree.
fn trace(f: &mut Federation, victim: u32, hop_limit: u8) -> (RequestId, AsPathTree) {
    let id = f
        .start_trace(Asn(victim), evidence(7), HopLimit::new(hop_limit).expect("<= 64"))
        .expect("started");
    f.run(STEPS).expect("quiescent within the step bound");
    let tree = f.finished(id).expect("trace finished").clone();
    (id, tree)
}

fn asns(v: &[u32]) -> Vec<Asn> {
    v.iter().map(|a| Asn(*a)).collect()
}

/// AS numbers used below: 64503 = C (victim), 64502 = B (transit), 64501 = A (source).
const A: u32 = 64501;
const B: u32 = 64502;
const C: u32 = 64503;
const D: u32 = 64504;
const E: u32 = 64505;

fn chain() -> Vec<Interconnect> {
    vec![
        node(C, &[B], vec![border(B)]),
        node(B, &[A, C], vec![border(A)]),
        node(A, &[B], vec![customer("cust-17")]),
    ]
}

#[test]
fn chain_names_the_source() {
    let mut f = federation(1, chain());
    let (_, tree) = trace(&mut f, C, 64);
    assert!(tree.is_complete());
    assert_eq!(tree.root(), Asn(C));
    assert_eq!(tree.origins(), asns(&[A]));
    assert_eq!(tree.paths(), BTreeMap::from([(Asn(A), asns(&[C, B, A]))]));
    let st = tree.statuses();
    assert_eq!(st[&Asn(C)], AsStatus::Destination);
    assert_eq!(st[&Asn(B)], AsStatus::Transit);
    assert_eq!(st[&Asn(A)], AsStatus::Source);
    assert!(tree.conflicts().is_empty(), "{:?}", tree.conflicts());
    assert!(tree.loops().is_empty());
    // Default export level: no intra-ISP detail left B or A.
    assert!(tree.node(Asn(B)).unwrap().detail.is_none());
    assert!(tree.node(Asn(A)).unwrap().detail.is_none());
    // The origin keeps its own detail.
    assert!(tree.node(Asn(C)).unwrap().detail.is_some());
    // Progress events arrived for B and A before the end.
    let progress: Vec<Asn> = f
        .events()
        .iter()
        .filter_map(|r| match &r.event {
            Event::Progress { responder, .. } => Some(*responder),
            _ => None,
        })
        .collect();
    assert_eq!(progress, asns(&[B, A]));
    // One request C->B, one B->A; A's reply relayed by B.
    assert_eq!(f.node(Asn(C)).unwrap().stats().forwarded, 1);
    assert_eq!(f.node(Asn(B)).unwrap().stats().forwarded, 1);
    assert_eq!(f.node(Asn(B)).unwrap().stats().relayed, 1);
    assert_eq!(f.node(Asn(A)).unwrap().stats().forwarded, 0);
}

#[test]
fn branching_tree_has_two_origins() {
    // C <- B; B <- A (source) and B <- D; D <- E (source).
    let nodes = vec![
        node(C, &[B], vec![border(B)]),
        node(B, &[A, C, D], vec![border(A), border(D)]),
        node(A, &[B], vec![customer("a-cust")]),
        node(D, &[B, E], vec![border(E)]),
        node(E, &[D], vec![customer("e-cust")]),
    ];
    let mut f = federation(2, nodes);
    let (_, tree) = trace(&mut f, C, 64);
    assert!(tree.is_complete());
    assert_eq!(tree.origins(), asns(&[A, E]));
    let paths = tree.paths();
    assert_eq!(paths[&Asn(A)], asns(&[C, B, A]));
    assert_eq!(paths[&Asn(E)], asns(&[C, B, D, E]));
    assert_eq!(tree.status(Asn(D)), Some(AsStatus::Transit));
    assert!(tree.conflicts().is_empty());
}

#[test]
fn loop_in_as_graph_completes() {
    // B says A is upstream, A says B is upstream.
    let nodes = vec![
        node(C, &[B], vec![border(B)]),
        node(B, &[A, C], vec![border(A)]),
        node(A, &[B], vec![border(B)]),
    ];
    let mut f = federation(3, nodes);
    let (_, tree) = trace(&mut f, C, 64);
    assert!(tree.is_complete());
    assert!(tree.origins().is_empty());
    assert!(tree.loops().contains(&(Asn(A), Asn(B))), "{:?}", tree.loops());
    assert_eq!(tree.status(Asn(A)), Some(AsStatus::Transit));
    assert_eq!(tree.status(Asn(B)), Some(AsStatus::Transit));
    // A did not forward back to B.
    assert_eq!(f.node(Asn(A)).unwrap().stats().forwarded, 0);
    assert!(f.report().steps < 50, "{:?}", f.report());
}

#[test]
fn three_as_loop_with_a_source_behind_it() {
    // C <- B <- A <- D <- B (loop), and D also has a customer source.
    let nodes = vec![
        node(C, &[B], vec![border(B)]),
        node(B, &[A, C, D], vec![border(A)]),
        node(A, &[B, D], vec![border(D)]),
        node(D, &[A, B], vec![border(B), customer("d-cust")]),
    ];
    let mut f = federation(33, nodes);
    let (_, tree) = trace(&mut f, C, 64);
    assert!(tree.is_complete());
    assert_eq!(tree.origins(), asns(&[D]));
    assert_eq!(tree.paths()[&Asn(D)], asns(&[C, B, A, D]));
    assert!(tree.loops().contains(&(Asn(D), Asn(B))));
}

#[test]
fn silent_as_on_the_path_ends_its_branch_unknown() {
    // B peers with A, but A runs no interconnect in the federation.
    let nodes = vec![node(C, &[B], vec![border(B)]), node(B, &[A, C], vec![border(A)])];
    let mut f = federation(4, nodes);
    let (id, tree) = trace(&mut f, C, 64);
    assert!(tree.is_complete(), "B answers for A after its branch timeout");
    assert_eq!(
        tree.status(Asn(A)),
        Some(AsStatus::Unknown(UnknownReason::TimedOut))
    );
    assert_eq!(tree.status(Asn(B)), Some(AsStatus::Transit));
    assert!(tree.origins().is_empty());
    assert_eq!(f.report().undeliverable, 1);
    // B's 5 s branch timeout, not the 30 s trace timeout, ended it.
    let took = f
        .finished_at(id)
        .unwrap()
        .0
        .saturating_duration_since(Timestamp::from_secs(T0 + 1));
    assert!(
        took >= Duration::from_secs(5) && took < Duration::from_secs(6),
        "{took:?}"
    );
    assert_eq!(f.node(Asn(B)).unwrap().stats().branch_timeouts, 1);
}

#[test]
fn non_peer_neighbour_is_non_participating() {
    // B's finding names A, but A is not one of B's interconnect peers.
    let nodes = vec![node(C, &[B], vec![border(B)]), node(B, &[C], vec![border(A)])];
    let mut f = federation(5, nodes);
    let (_, tree) = trace(&mut f, C, 64);
    assert!(tree.is_complete());
    assert_eq!(
        tree.status(Asn(A)),
        Some(AsStatus::Unknown(UnknownReason::NonParticipating))
    );
    assert_eq!(f.node(Asn(B)).unwrap().stats().forwarded, 0);
}

#[test]
fn denying_as_is_refused() {
    let deny_c = Policy::default().with_peer(Asn(C), PeerPolicy::denied());
    let nodes = vec![
        node(C, &[B], vec![border(B)]),
        node_with(
            config(B, &[A, C]).with_policy(deny_c),
            Box::new(StaticLocator::always(vec![border(A)])),
        ),
        node(A, &[B], vec![customer("x")]),
    ];
    let mut f = federation(6, nodes);
    let (_, tree) = trace(&mut f, C, 64);
    assert!(tree.is_complete());
    assert_eq!(
        tree.status(Asn(B)),
        Some(AsStatus::Refused(RefusalReason::PolicyDeny))
    );
    assert!(tree.node(Asn(A)).is_none(), "a refusing AS names nothing");
    assert!(tree.origins().is_empty());
}

#[test]
fn path_policy_stops_forwarding_towards_a_neighbour() {
    let no_fwd_a = Policy::default().with_peer(Asn(A), PeerPolicy::DEFAULT.with_forward(false));
    let nodes = vec![
        node(C, &[B], vec![border(B)]),
        node_with(
            config(B, &[A, C]).with_policy(no_fwd_a),
            Box::new(StaticLocator::always(vec![border(A)])),
        ),
        node(A, &[B], vec![customer("x")]),
    ];
    let mut f = federation(7, nodes);
    let (_, tree) = trace(&mut f, C, 64);
    assert_eq!(
        tree.status(Asn(A)),
        Some(AsStatus::Refused(RefusalReason::PathPolicy))
    );
    assert_eq!(f.node(Asn(A)).unwrap().stats().requests, 0);
}

fn long_chain() -> Vec<Interconnect> {
    // 64510 (victim) <- 64511 <- 64512 <- 64513 <- 64514 (source)
    (0..5)
        .map(|i| {
            let asn = 64510 + i;
            let mut nb = vec![];
            if i > 0 {
                nb.push(asn - 1);
            }
            if i < 4 {
                nb.push(asn + 1);
            }
            let ingress = if i < 4 {
                vec![border(asn + 1)]
            } else {
                vec![customer("c")]
            };
            node(asn, &nb, ingress)
        })
        .collect()
}

#[test]
fn hop_limit_exhaustion() {
    // Hop limit 2: 64510 -> 64511 (1 left) -> 64512 (0 left): 64513 never asked.
    let mut f = federation(8, long_chain());
    let (_, tree) = trace(&mut f, 64510, 2);
    assert!(tree.is_complete());
    assert_eq!(tree.status(Asn(64512)), Some(AsStatus::Transit));
    assert_eq!(
        tree.status(Asn(64513)),
        Some(AsStatus::Unknown(UnknownReason::HopLimit))
    );
    assert!(tree.node(Asn(64514)).is_none());
    assert!(tree.origins().is_empty());
    assert_eq!(f.node(Asn(64513)).unwrap().stats().requests, 0);

    // Hop limit 0: nothing leaves the victim's ISP.
    let mut f = federation(8, long_chain());
    let (_, tree) = trace(&mut f, 64510, 0);
    assert_eq!(
        tree.status(Asn(64511)),
        Some(AsStatus::Unknown(UnknownReason::HopLimit))
    );
    assert_eq!(f.report().delivered, 0);

    // Hop limit 4 is exactly enough.
    let mut f = federation(8, long_chain());
    let (_, tree) = trace(&mut f, 64510, 4);
    assert_eq!(tree.origins(), asns(&[64514]));
    assert_eq!(tree.paths()[&Asn(64514)].len(), 5);
}

/// Step until the origin has merged a reply about `responder`.
fn step_until_progress(f: &mut Federation, responder: u32) {
    for _ in 0..STEPS {
        let seen = f
            .events()
            .iter()
            .any(|r| matches!(&r.event, Event::Progress { responder: r, .. } if *r == Asn(responder)));
        if seen {
            return;
        }
        assert!(f.step(), "went quiet before {responder} answered");
    }
    panic!("no progress");
}

#[test]
fn inconsistent_answers_become_conflicts() {
    // C <- D and C <- B; both name A (a packet takes one path: one is wrong).
    let nodes = vec![
        node(C, &[B, D], vec![border(B), border(D)]),
        node(B, &[A, C], vec![border(A)]),
        node(D, &[A, C], vec![border(A)]),
        node(A, &[B, D], vec![customer("a-cust")]),
    ];
    // Slow links into A so the rogue replies below land while the trace runs.
    let mut f = federation(9, nodes);
    f.set_link(Asn(B), Asn(A), LinkModel::fixed(Duration::from_millis(500)));
    f.set_link(Asn(D), Asn(A), LinkModel::fixed(Duration::from_millis(700)));
    let id = f
        .start_trace(Asn(C), evidence(7), HopLimit::MAX)
        .expect("started");
    step_until_progress(&mut f, B);
    let via_b = VisitedList::new(asns(&[C, B])).unwrap();
    // B relays a lie about A (Transit) before A's own answer (Source).
    let lie = TraceReply::new(id, Asn(A), via_b.clone(), AsStatus::Transit, Confidence::FULL);
    f.inject(Asn(B), Asn(C), Message::Reply(lie));
    // A reply about an AS nobody named.
    let stray = TraceReply::new(id, Asn(E), via_b.clone(), AsStatus::Source, Confidence::FULL);
    f.inject(Asn(B), Asn(C), Message::Reply(stray));
    // A reply from a peer the trace never went to.
    let rogue = TraceReply::new(
        id,
        Asn(E),
        VisitedList::new(asns(&[C])).unwrap(),
        AsStatus::Source,
        Confidence::FULL,
    );
    f.inject(Asn(E), Asn(C), Message::Reply(rogue));
    // A duplicate of B's own reply.
    let dup = TraceReply::new(
        id,
        Asn(B),
        VisitedList::new(asns(&[C])).unwrap(),
        AsStatus::Transit,
        Confidence::FULL,
    )
    .with_upstream(vec![Upstream::new(Asn(A), UpstreamNote::Forwarded)])
    .unwrap();
    f.inject(Asn(B), Asn(C), Message::Reply(dup));
    // A reply for a trace that does not exist.
    let ghost = TraceReply::new(
        RequestId::new(Asn(C), Timestamp::from_secs(1), 99),
        Asn(B),
        VisitedList::new(asns(&[C])).unwrap(),
        AsStatus::Transit,
        Confidence::FULL,
    );
    f.inject(Asn(B), Asn(C), Message::Reply(ghost));
    f.run(STEPS).expect("quiescent");
    let tree = f.finished(id).expect("finished");
    assert!(tree.is_complete());
    assert_eq!(tree.origins(), asns(&[A]), "Source outranks Transit");
    let c = tree.conflicts();
    assert!(
        c.iter().any(|x| matches!(x,
            Conflict::Contradiction { asn, kept: AsStatus::Source, other: AsStatus::Transit, .. }
            if *asn == Asn(A))),
        "{c:?}"
    );
    assert!(
        c.iter().any(
            |x| matches!(x, Conflict::NamedTwice { asn, by, .. } if *asn == Asn(A) && *by == asns(&[B, D]))
        ),
        "{c:?}"
    );
    assert!(c.iter().any(|x| matches!(x, Conflict::Unsolicited { responder, from, .. } if *responder == Asn(E) && *from == Asn(B))), "{c:?}");
    assert!(c.iter().any(|x| matches!(x, Conflict::Unsolicited { responder, from, .. } if *responder == Asn(E) && *from == Asn(E))), "{c:?}");
    assert!(
        tree.node(Asn(E)).is_none(),
        "unsolicited replies stay out of the tree"
    );
    assert!(tree.duplicates() >= 1);
    // Both paths to A are kept; the shorter-by-number one is reported.
    assert_eq!(tree.node(Asn(A)).unwrap().parents.len(), 2);
    assert_eq!(tree.paths()[&Asn(A)], asns(&[C, B, A]));
    // A answered the second request without forwarding anything twice.
    assert_eq!(f.node(Asn(A)).unwrap().stats().requests, 2);
    assert!(f.node(Asn(C)).unwrap().stats().replies_ignored >= 3);
}

fn flow_locator() -> FlowRecordLocator {
    let ev = evidence(7);
    let mut l = FlowRecordLocator::new(Confidence::new(90).unwrap());
    let around = |s: u64, e: u64| TimeRange::new(Timestamp::from_secs(s), Timestamp::from_secs(e));
    // The attack packet entered from A within the window.
    l.insert(IngressFlowRecord::new(
        border(A),
        ev.digest,
        ev.profile,
        around(T0 - 1, T0),
    ));
    // Same digest from D, but an hour earlier: outside the window.
    l.insert(IngressFlowRecord::new(
        border(D),
        ev.digest,
        ev.profile,
        around(T0 - 3600, T0 - 3599),
    ));
    // Another packet from D in the window.
    l.insert(IngressFlowRecord::new(
        border(D),
        Digest([8; 16]),
        ev.profile,
        around(T0, T0),
    ));
    // Same digest under another key epoch from D.
    l.insert(IngressFlowRecord::new(
        border(D),
        ev.digest,
        ev.profile.with_epoch(5),
        around(T0, T0),
    ));
    l
}

#[test]
fn flow_record_method_in_the_chain_finds_the_source() {
    let nodes = vec![
        node(C, &[B], vec![border(B)]),
        node_with(
            config(B, &[A, C, D]).with_policy(
                Policy::default().with_peer(Asn(C), PeerPolicy::DEFAULT.with_export(ExportLevel::All)),
            ),
            Box::new(flow_locator()),
        ),
        node(A, &[B], vec![customer("a-cust")]),
        node(D, &[B], vec![customer("d-cust")]),
    ];
    let mut f = federation(10, nodes);
    let (_, tree) = trace(&mut f, C, 64);
    assert!(tree.is_complete());
    assert_eq!(tree.origins(), asns(&[A]));
    assert_eq!(tree.paths()[&Asn(A)], asns(&[C, B, A]));
    let b = tree.node(Asn(B)).unwrap();
    assert_eq!(b.status, Some(AsStatus::Transit));
    assert_eq!(b.confidence, Confidence::new(90).unwrap());
    assert_eq!(b.children.iter().copied().collect::<Vec<_>>(), asns(&[A]));
    let detail = b.detail.as_ref().expect("export level All");
    assert_eq!(detail.method.as_deref(), Some("ingress-flow-records"));
    assert_eq!(detail.ingress, vec![border(A)]);
    assert_eq!(f.node(Asn(D)).unwrap().stats().requests, 0);
}

#[test]
fn export_levels_decide_the_detail() {
    let run = |level: ExportLevel| {
        let policy = Policy::default().with_peer(Asn(C), PeerPolicy::DEFAULT.with_export(level));
        let nodes = vec![
            node(C, &[B], vec![border(B)]),
            node_with(
                config(B, &[A, C]).with_policy(policy),
                Box::new(StaticLocator::always(vec![border(A), customer("b-cust")])),
            ),
            node(A, &[B], vec![customer("a-cust")]),
        ];
        let mut f = federation(11, nodes);
        let (_, tree) = trace(&mut f, C, 64);
        assert_eq!(tree.origins(), asns(&[A, B]));
        tree.node(Asn(B)).unwrap().detail.clone()
    };
    assert_eq!(run(ExportLevel::None), None);
    let inter = run(ExportLevel::InterAsOnly).expect("detail");
    assert_eq!(inter.ingress, vec![border(A)]);
    assert_eq!(inter.method, None);
    let all = run(ExportLevel::All).expect("detail");
    assert_eq!(all.ingress, vec![border(A), customer("b-cust")]);
    assert_eq!(all.method.as_deref(), Some("static-table"));
}

#[test]
fn victim_isp_is_itself_the_source() {
    let nodes = vec![node(C, &[B], vec![customer("c-cust")]), node(B, &[C], vec![])];
    let mut f = federation(12, nodes);
    let (_, tree) = trace(&mut f, C, 64);
    assert_eq!(tree.origins(), asns(&[C]));
    assert_eq!(tree.paths()[&Asn(C)], asns(&[C]));
    assert_eq!(f.report().delivered, 0);
}

#[test]
fn lossy_links_never_hang_and_replay_exactly() {
    let nodes = || {
        vec![
            node(C, &[B, D], vec![border(B), border(D)]),
            node(B, &[A, C], vec![border(A)]),
            node(D, &[C, E], vec![border(E)]),
            node(A, &[B], vec![customer("a")]),
            node(E, &[D], vec![customer("e")]),
        ]
    };
    let model = LinkModel::uniform(Duration::from_millis(1), Duration::from_millis(200)).with_drop(300_000);
    let mut outcomes = Vec::new();
    let mut lossy = 0;
    for seed in 0..20u64 {
        let run = || {
            let mut f = Federation::new(seed, model, Timestamp::from_secs(T0 + 1));
            for n in nodes() {
                f.add(n).unwrap();
            }
            let id = f.start_trace(Asn(C), evidence(7), HopLimit::MAX).unwrap();
            f.run(STEPS).expect("quiescent");
            let tree = f.finished(id).expect("always finishes").clone();
            (format!("{tree:?}"), tree, f.report())
        };
        let (a, tree, report) = run();
        let (b, _, _) = run();
        assert_eq!(a, b, "seed {seed} replays exactly");
        // Every AS of the topology has a status; found origins are real ones.
        for o in tree.origins() {
            assert!(o == Asn(A) || o == Asn(E));
        }
        for asn in [B, D] {
            assert!(tree.status(Asn(asn)).is_some());
        }
        if report.dropped > 0 {
            lossy += 1;
        }
        outcomes.push(tree.origins().len());
    }
    assert!(lossy > 0, "the drop model dropped something");
    assert!(
        outcomes.contains(&2),
        "some seeds trace both origins: {outcomes:?}"
    );
    assert!(
        outcomes.iter().any(|n| *n < 2),
        "some seeds lose a branch: {outcomes:?}"
    );
}

#[test]
fn step_bound_reports_livelock_instead_of_hanging() {
    let mut f = federation(13, chain());
    f.start_trace(Asn(C), evidence(7), HopLimit::MAX).unwrap();
    assert_eq!(f.run(1), Err(HarnessError::StepLimit(1)));
    // The run can continue afterwards.
    assert!(f.run(STEPS).is_ok());
}

#[test]
fn traces_at_different_times_and_tree_serializes() {
    let mut f = federation(14, chain());
    let first = f.start_trace(Asn(C), evidence(7), HopLimit::MAX).unwrap();
    // Half a second later: the first trace is done, relays still linger.
    let t1 = Timestamp::from_secs(T0 + 1).saturating_add(Duration::from_millis(500));
    f.advance_to(t1, STEPS).unwrap();
    assert_eq!(f.now(), t1);
    let (done_at, tree) = f.finished_at(first).expect("first finished");
    assert!(done_at <= t1);
    assert_eq!(tree.origins(), asns(&[A]));
    // A second trace with another digest; the relay sessions of the first do not block it.
    let second = f.start_trace(Asn(C), evidence(9), HopLimit::MAX).unwrap();
    assert_ne!(first, second);
    assert_eq!(second.seq, first.seq + 1);
    f.run(STEPS).unwrap();
    let tree = f.finished(second).unwrap().clone();
    assert_eq!(tree.origins(), asns(&[A]));
    // The center stores trees: JSON round trip.
    let json = serde_json::to_string(&tree).unwrap();
    let back: AsPathTree = serde_json::from_str(&json).unwrap();
    assert_eq!(back, tree);
}

/// A method that answers later, as the hash-logging control will (it asks
/// its collectors first).
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
fn deferred_method_answers_through_the_driver() {
    let probe = Deferred::default();
    let nodes = vec![
        node(C, &[B], vec![border(B)]),
        node_with(config(B, &[A, C]), Box::new(probe.clone())),
        node(A, &[B], vec![customer("a")]),
    ];
    let mut f = federation(15, nodes);
    let id = f.start_trace(Asn(C), evidence(7), HopLimit::MAX).unwrap();
    while probe.asked.lock().unwrap().is_empty() {
        assert!(f.step());
    }
    let q = probe.asked.lock().unwrap()[0].clone();
    assert_eq!(q.request, id);
    assert_eq!(q.evidence, evidence(7));
    assert_eq!(q.arrival, traceback_core::intertrack::Arrival::Neighbor(Asn(C)));
    // The control takes 300 ms to ask its collectors.
    let later = f.now().saturating_add(Duration::from_millis(300));
    f.advance_to(later, STEPS).unwrap();
    f.with_node(Asn(B), |b, now| {
        b.handle_local_finding(q.query, LocalFinding::entered(vec![border(A)]), now)
    })
    .unwrap()
    .unwrap();
    f.run(STEPS).unwrap();
    let tree = f.finished(id).unwrap();
    assert!(tree.is_complete());
    assert_eq!(tree.paths()[&Asn(A)], asns(&[C, B, A]));
}
