//! SPIE flooding and border-first on line, tree and mesh topologies, with
//! an exact in-test store as the oracle.

mod trace_support;

use std::sync::Arc;
use std::time::Duration;
use trace_support::{digest, evidence, Net, Oracle, T0};
use traceback_core::topology::Topology;
use traceback_core::trace::{
    drive, Acceptance, AlgorithmKind, AlgorithmRegistry, Answer, AttackGraph, BorderFirst, DriveError,
    Failure, IngressBasis, NodeStatus, Observation, Question, QuestionId, QuestionStats, SpieFlood,
    TraceAlgorithm, TraceError, TraceOptions, TraceParams, UnknownReason,
};
use traceback_core::{Asn, Ingress, Timestamp};

const STEPS: usize = 10_000;

fn run(kind: AlgorithmKind, topo: &Arc<Topology>, oracle: &mut Oracle, params: TraceParams) -> AttackGraph {
    let mut alg = kind.start(Arc::clone(topo), params).expect("trace starts");
    drive(alg.as_mut(), &mut |q: &Question| oracle.answer(q), STEPS).expect("trace completes")
}

fn cust(edge: &str) -> Ingress {
    Ingress::Customer { edge: edge.into() }
}

fn border(neighbor: u32, link: &str) -> Ingress {
    Ingress::Border {
        neighbor: Asn(neighbor),
        link: link.into(),
    }
}

fn routers(g: &AttackGraph) -> Vec<&str> {
    let mut v: Vec<&str> = g.hit_routers().map(|r| r.as_str()).collect();
    v.sort_unstable();
    v
}

/// r1 - r2 - r3 - r4; attacker behind customer edge `att` at r1, victim `vic` at r4.
fn line() -> Net {
    Net::default()
        .routers(&["r1", "r2", "r3", "r4"])
        .link("r1", "r2")
        .link("r2", "r3")
        .link("r3", "r4")
        .customer("att", "r1")
        .customer("vic", "r4")
        .border("b2", "r2", 64502)
}

#[test]
fn line_customer_ingress_is_source() {
    let topo = line().build();
    let mut o = Oracle::default();
    o.path(&topo, &["att", "r1-r2", "r2-r3", "r3-r4"], digest(1));
    let g = run(
        AlgorithmKind::Spie,
        &topo,
        &mut o,
        TraceParams::new(evidence(digest(1)), "vic"),
    );
    assert_eq!(g.ingress, vec![cust("att")]);
    assert_eq!(routers(&g), vec!["r1", "r2", "r3", "r4"]);
    assert_eq!(g.node("r4").unwrap().status, NodeStatus::Start);
    assert_eq!(g.node("r1").unwrap().depth, 3);
    assert_eq!(g.node("r1").unwrap().via.as_ref().unwrap().as_str(), "r1-r2");
    assert_eq!(g.node("r1").unwrap().confidence, 1.0);
    assert!(g.is_complete());
    // Every link except the start edge asked once: 3 internal + att + b2.
    assert_eq!(g.questions_asked(), 5);
    assert!(o.asked.iter().all(|q| q.link.as_str() != "vic"));
    let f = g.findings.iter().find(|f| f.ingress == cust("att")).unwrap();
    assert_eq!(f.basis, IngressBasis::Collector);
    assert_eq!(f.router.as_str(), "r1");
    assert_eq!(g.confidence_of(&cust("att")), Some(1.0));
    assert_eq!(g.confidence_of(&cust("vic")), None);

    let mut o2 = Oracle {
        seen: o.seen.clone(),
        ..Oracle::default()
    };
    let b = run(
        AlgorithmKind::BorderFirst,
        &topo,
        &mut o2,
        TraceParams::new(evidence(digest(1)), "vic"),
    );
    assert_eq!(b.ingress, vec![cust("att")]);
    assert_eq!(b.questions_asked(), 2);
}

#[test]
fn a_packet_never_seen_has_no_ingress() {
    let topo = line().build();
    let mut o = Oracle::default();
    o.path(&topo, &["att", "r1-r2", "r2-r3", "r3-r4"], digest(1));
    let g = run(
        AlgorithmKind::Spie,
        &topo,
        &mut o,
        TraceParams::new(evidence(digest(9)), "vic"),
    );
    assert!(g.ingress.is_empty());
    assert_eq!(routers(&g), vec!["r4"]);
    assert_eq!(g.questions_asked(), 1, "only r3-r4 is asked at r4");
}

#[test]
fn unwatched_customer_edge_is_decided_at_the_frontier() {
    let topo = line().unwatched("att").build();
    let mut o = Oracle::default();
    o.path(&topo, &["att", "r1-r2", "r2-r3", "r3-r4"], digest(1));
    let g = run(
        AlgorithmKind::Spie,
        &topo,
        &mut o,
        TraceParams::new(evidence(digest(1)), "vic"),
    );
    assert_eq!(g.ingress, vec![cust("att")]);
    let f = &g.findings[0];
    assert_eq!(f.basis, IngressBasis::Frontier { candidates: 1 });
    assert_eq!(f.observation, Observation::Unknown(UnknownReason::NoCollector));
    assert_eq!(g.stats.unwatched_links, 1);
    // b2 at r2 is watched and missed: not an ingress.
    assert!(!g.ingress.contains(&border(64502, "b2")));
}

/// A tree rooted at the victim's router `root`:
/// root - a - {a1, a2}, root - b - {b1}; borders at the leaves.
fn tree() -> Arc<Topology> {
    Net::default()
        .routers(&["root", "a", "b", "a1", "a2", "b1"])
        .link("root", "a")
        .link("root", "b")
        .link("a", "a1")
        .link("a", "a2")
        .link("b", "b1")
        .customer("vic", "root")
        .border("x1", "a1", 65001)
        .border("x2", "a2", 65002)
        .border("y1", "b1", 65003)
        .customer("c-b", "b")
        .build()
}

#[test]
fn tree_border_ingress_names_the_neighbour() {
    let topo = tree();
    let mut o = Oracle::default();
    o.path(&topo, &["x2", "a-a2", "root-a"], digest(2));
    let g = run(
        AlgorithmKind::Spie,
        &topo,
        &mut o,
        TraceParams::new(evidence(digest(2)), "vic"),
    );
    assert_eq!(g.ingress, vec![border(65002, "x2")]);
    assert_eq!(routers(&g), vec!["a", "a2", "root"]);
    assert!(g.node("b").is_none() && g.node("a1").is_none());
    // root: 2 links; a: a-a1, a-a2; a2: x2. The b branch is never entered.
    assert_eq!(g.questions_asked(), 5);

    let mut o2 = Oracle {
        seen: o.seen.clone(),
        ..Oracle::default()
    };
    let b = run(
        AlgorithmKind::BorderFirst,
        &topo,
        &mut o2,
        TraceParams::new(evidence(digest(2)), "vic"),
    );
    assert_eq!(b.ingress, vec![border(65002, "x2")]);
    assert_eq!(b.questions_asked(), 4, "x1, x2, y1, c-b");
    assert_eq!(b.node("a2").unwrap().status, NodeStatus::Hit);
}

#[test]
fn distributed_attack_finds_every_ingress() {
    let topo = tree();
    let mut o = Oracle::default();
    // The same packet (same digest) sent from three places.
    o.path(&topo, &["x1", "a-a1", "root-a"], digest(3));
    o.path(&topo, &["y1", "b-b1", "root-b"], digest(3));
    o.path(&topo, &["c-b", "root-b"], digest(3));
    let g = run(
        AlgorithmKind::Spie,
        &topo,
        &mut o,
        TraceParams::new(evidence(digest(3)), "vic"),
    );
    assert_eq!(
        g.ingress,
        vec![border(65001, "x1"), border(65003, "y1"), cust("c-b")]
    );
    assert_eq!(routers(&g), vec!["a", "a1", "b", "b1", "root"]);
    let mut o2 = Oracle {
        seen: o.seen.clone(),
        ..Oracle::default()
    };
    let b = run(
        AlgorithmKind::BorderFirst,
        &topo,
        &mut o2,
        TraceParams::new(evidence(digest(3)), "vic"),
    );
    assert_eq!(b.ingress, g.ingress);
}

/// A 3x3 grid with a diagonal in every square (16 links, a mesh with many
/// loops). `edges_everywhere`: a border and a customer edge at every router;
/// otherwise, as in most ISPs, edges only at a few routers: borders at the
/// corners g02, g20, g22 and customers at g00, g11, g21.
fn mesh(edges_everywhere: bool) -> Arc<Topology> {
    let mut net = Net::default();
    let name = |r: usize, c: usize| format!("g{r}{c}");
    for r in 0..3 {
        for c in 0..3 {
            let n = name(r, c);
            net = net.routers(&[&n]);
            let asn = 65000 + (r * 3 + c) as u32;
            if edges_everywhere || [(0, 2), (2, 0), (2, 2)].contains(&(r, c)) {
                net = net.border(&format!("bx{r}{c}"), &n, asn);
            }
            if edges_everywhere || [(0, 0), (1, 1), (2, 1)].contains(&(r, c)) {
                net = net.customer(&format!("cu{r}{c}"), &n);
            }
        }
    }
    for r in 0..3 {
        for c in 0..3 {
            if c + 1 < 3 {
                net = net.link(&name(r, c), &name(r, c + 1));
            }
            if r + 1 < 3 {
                net = net.link(&name(r, c), &name(r + 1, c));
            }
            if r + 1 < 3 && c + 1 < 3 {
                net = net.link(&name(r, c), &name(r + 1, c + 1));
            }
        }
    }
    net.build()
}

/// Trace the packet that entered at g22's border, went diagonally to g11,
/// then g00, and out to the victim edge cu00, with both algorithms.
fn mesh_traces(edges_everywhere: bool) -> (AttackGraph, AttackGraph) {
    let topo = mesh(edges_everywhere);
    let mut o = Oracle::default();
    o.path(&topo, &["bx22", "g11-g22", "g00-g11"], digest(4));
    let spie = run(
        AlgorithmKind::Spie,
        &topo,
        &mut o,
        TraceParams::new(evidence(digest(4)), "cu00"),
    );
    assert_eq!(spie.stats.asked, o.asked.len());
    let mut o2 = Oracle {
        seen: o.seen.clone(),
        ..Oracle::default()
    };
    let bf = run(
        AlgorithmKind::BorderFirst,
        &topo,
        &mut o2,
        TraceParams::new(evidence(digest(4)), "cu00"),
    );
    assert_eq!(bf.stats.asked, o2.asked.len());
    assert_eq!(spie.ingress, vec![border(65008, "bx22")]);
    assert_eq!(bf.ingress, spie.ingress);
    assert_eq!(routers(&spie), vec!["g00", "g11", "g22"]);
    assert_eq!(routers(&bf), vec!["g00", "g22"], "border-first knows no path");
    (spie, bf)
}

#[test]
fn mesh_border_first_asks_fewer_questions() {
    let (spie, bf) = mesh_traces(false);
    // Border-first: the 6 edges but the start.
    assert_eq!(bf.questions_asked(), 5);
    // SPIE: g00 has 3 links; g11 6 links (one asked) + cu11; g22 3 links (one asked) + bx22.
    assert_eq!(spie.questions_asked(), 3 + 6 + 3);
    assert!(bf.questions_asked() < spie.questions_asked());
}

#[test]
fn mesh_with_edges_everywhere_favours_spie() {
    // Measured, not a goal: when every router has edges, border-first asks
    // all 17 edge collectors while SPIE only asks around the 3 path routers.
    let (spie, bf) = mesh_traces(true);
    assert_eq!(bf.questions_asked(), 17);
    assert_eq!(spie.questions_asked(), 4 + 7 + 4);
}

#[test]
fn failed_collector_gives_unknown_node_and_trace_completes() {
    let topo = line().build();
    let mut o = Oracle::default();
    o.path(&topo, &["att", "r1-r2", "r2-r3", "r3-r4"], digest(5));
    o.down.insert("c:r2-r3".into());
    let g = run(
        AlgorithmKind::Spie,
        &topo,
        &mut o,
        TraceParams::new(evidence(digest(5)), "vic"),
    );
    assert_eq!(g.node("r2").unwrap().status, NodeStatus::Unknown);
    assert_eq!(
        g.node("r1").unwrap().status,
        NodeStatus::Hit,
        "the flood crossed one unknown hop"
    );
    assert_eq!(g.ingress, vec![cust("att")]);
    assert!(!g.is_complete());
    assert_eq!(g.stats.failed, 1);

    // Not allowed to cross an unknown hop: the trace stops at r2, unknown, without ingress.
    let mut params = TraceParams::new(evidence(digest(5)), "vic");
    params.options.max_unknown_hops = 0;
    let mut o = Oracle {
        seen: o.seen.clone(),
        down: o.down.clone(),
        ..Oracle::default()
    };
    let g = run(AlgorithmKind::Spie, &topo, &mut o, params);
    assert_eq!(g.node("r2").unwrap().status, NodeStatus::Unknown);
    assert!(g.node("r1").is_none());
    assert!(g.ingress.is_empty());

    // Border-first with the ingress collector down: an unknown finding, no ingress.
    let mut o = Oracle {
        seen: o.seen.clone(),
        ..Oracle::default()
    };
    o.down.insert("c:att".into());
    let b = run(
        AlgorithmKind::BorderFirst,
        &topo,
        &mut o,
        TraceParams::new(evidence(digest(5)), "vic"),
    );
    assert!(b.ingress.is_empty());
    assert_eq!(b.findings.len(), 1);
    assert!(b.findings[0].observation.is_unknown());
}

#[test]
fn questions_that_never_come_back_time_out() {
    let topo = line().build();
    let mut o = Oracle::default();
    o.path(&topo, &["att", "r1-r2", "r2-r3", "r3-r4"], digest(6));
    let mut params = TraceParams::new(evidence(digest(6)), "vic");
    params.options.question_timeout = Duration::from_secs(2);
    let mut alg = SpieFlood::new(Arc::clone(&topo), params).unwrap();
    let mut now = Timestamp::from_secs(T0 + 10);
    let mut lost: Option<QuestionId> = None;
    let mut rounds = 0;
    while !alg.is_done() {
        rounds += 1;
        assert!(rounds < 100, "bounded");
        while let Some(q) = alg.poll_question(now) {
            if q.link.as_str() == "r2-r3" {
                lost = Some(q.id); // this collector never answers
            } else {
                let a = o.answer(&q);
                alg.handle_answer(q.id, a).unwrap();
            }
        }
        if let Some(deadline) = alg.poll_timeout() {
            assert_eq!(deadline, now.saturating_add(Duration::from_secs(2)));
            alg.handle_timeout(deadline.saturating_sub(Duration::from_nanos(1)));
            assert!(!alg.is_done(), "not yet expired");
            now = deadline;
            alg.handle_timeout(now);
        }
    }
    let g = alg.poll_outcome().unwrap();
    assert!(alg.poll_outcome().is_none(), "outcome is given once");
    assert_eq!(g.stats.timed_out, 1);
    assert_eq!(g.node("r2").unwrap().status, NodeStatus::Unknown);
    assert_eq!(g.ingress, vec![cust("att")]);
    // A late answer is rejected and changes nothing.
    let late = alg.handle_answer(lost.unwrap(), Answer::Failed(Failure::Unreachable));
    assert_eq!(late, Err(TraceError::NotOutstanding(lost.unwrap())));
    assert_eq!(
        alg.handle_answer(QuestionId(999), Answer::Failed(Failure::Unreachable)),
        Err(TraceError::NotOutstanding(QuestionId(999)))
    );
}

#[test]
fn loops_cannot_hang_even_if_every_collector_says_yes() {
    let topo = mesh(true);
    let mut always = |q: &Question| {
        Answer::Store(traceback_core::store::QueryAnswer {
            matches: vec![traceback_core::store::WindowMatch {
                span: q.range,
                false_positive_probability: 0.5,
            }],
            coverage: traceback_core::store::Coverage::Full,
        })
    };
    for kind in AlgorithmKind::ALL {
        let mut alg = kind
            .start(Arc::clone(&topo), TraceParams::new(evidence(digest(7)), "cu00"))
            .unwrap();
        let g = drive(alg.as_mut(), &mut always, STEPS).unwrap();
        // At most one question per collector (every link, border and edge but the start: 16 + 17).
        assert!(g.questions_asked() <= 33, "{kind}: {}", g.questions_asked());
        assert_eq!(g.ingress.len(), 17, "{kind}: every edge hits");
    }
    // The full flood reaches every router exactly once.
    let mut alg = SpieFlood::new(Arc::clone(&topo), TraceParams::new(evidence(digest(7)), "cu00")).unwrap();
    let g = drive(&mut alg, &mut always, STEPS).unwrap();
    assert_eq!(g.nodes.len(), 9);
    assert_eq!(g.questions_asked(), 33);
    // Confidence falls with depth: 0.5 per hit hop.
    assert_eq!(g.node("g22").unwrap().depth, 2);
    assert_eq!(g.node("g22").unwrap().confidence, 0.25);
    // A step limit below what the trace needs fails instead of looping.
    let mut alg = SpieFlood::new(Arc::clone(&topo), TraceParams::new(evidence(digest(7)), "cu00")).unwrap();
    assert_eq!(
        drive(&mut alg, &mut always, 10).unwrap_err(),
        DriveError::StepLimit { steps: 10 }
    );
}

/// An algorithm that asks forever: the driver must stop it.
struct Livelock(u64);

impl TraceAlgorithm for Livelock {
    fn name(&self) -> &str {
        "livelock"
    }
    fn poll_question(&mut self, _now: Timestamp) -> Option<Question> {
        self.0 += 1;
        Some(Question {
            id: QuestionId(self.0),
            collector: "c".into(),
            link: "l".into(),
            digest: digest(0),
            range: traceback_core::TimeRange::at(Timestamp::EPOCH),
        })
    }
    fn handle_answer(&mut self, _id: QuestionId, _a: Answer) -> Result<(), TraceError> {
        Ok(())
    }
    fn handle_timeout(&mut self, _now: Timestamp) {}
    fn poll_timeout(&self) -> Option<Timestamp> {
        None
    }
    fn is_done(&self) -> bool {
        false
    }
    fn poll_outcome(&mut self) -> Option<AttackGraph> {
        None
    }
    fn stats(&self) -> QuestionStats {
        QuestionStats::default()
    }
}

#[test]
fn a_livelocked_algorithm_fails_the_driver() {
    let mut alg = Livelock(0);
    let err = drive(
        &mut alg,
        &mut |_q: &Question| Answer::Failed(Failure::Unreachable),
        50,
    )
    .unwrap_err();
    assert_eq!(err, DriveError::StepLimit { steps: 50 });
}

#[test]
fn clock_skew_within_tolerance_hits_beyond_misses() {
    let topo = line().build();
    let tolerance = TraceOptions::default().skew_tolerance;
    assert_eq!(tolerance, Duration::from_millis(500));
    for (skew_ms, expect_found) in [
        (0i64, true),
        (400, true),
        (-400, true),
        (700, false),
        (-2_000, false),
    ] {
        let mut o = Oracle::default();
        // The packet crossed att at T0 - 3 ms by the victim's clock; the collector on att
        // is `skew_ms` ahead. Every other collector is accurate.
        o.path(&topo, &["r1-r2", "r2-r3", "r3-r4"], digest(8));
        let true_t = Timestamp::from_secs(T0).saturating_sub(Duration::from_millis(4));
        let t = if skew_ms >= 0 {
            true_t.saturating_add(Duration::from_millis(skew_ms as u64))
        } else {
            true_t.saturating_sub(Duration::from_millis(skew_ms.unsigned_abs()))
        };
        o.saw(&topo, "att", digest(8), t);
        let mut params = TraceParams::new(evidence(digest(8)), "vic");
        // The window is [T0 - 1 s - 3 hops * per_hop, T0] widened by the tolerance.
        params.options.per_hop = Duration::from_millis(100);
        let g = run(AlgorithmKind::Spie, &topo, &mut o, params.clone());
        assert_eq!(
            g.ingress.contains(&cust("att")),
            expect_found,
            "skew {skew_ms} ms"
        );
        let range = params.range_at(4);
        assert_eq!(range.end, Timestamp::from_secs(T0).saturating_add(tolerance));
        assert_eq!(
            range.start,
            Timestamp::from_secs(T0).saturating_sub(Duration::from_millis(1_000 + 500 + 400))
        );
    }
    // A collector running 1.7 s slow falls before the widened window only without per-hop slack.
    let mut o = Oracle::default();
    o.path(&topo, &["r1-r2", "r2-r3", "r3-r4"], digest(8));
    o.saw(
        &topo,
        "att",
        digest(8),
        Timestamp::from_secs(T0).saturating_sub(Duration::from_millis(1_700)),
    );
    let mut params = TraceParams::new(evidence(digest(8)), "vic");
    params.options.per_hop = Duration::ZERO;
    assert!(run(AlgorithmKind::Spie, &topo, &mut o, params.clone())
        .ingress
        .is_empty());
    params.options.per_hop = Duration::from_millis(100);
    assert_eq!(
        run(AlgorithmKind::Spie, &topo, &mut o, params).ingress,
        vec![cust("att")]
    );
}

#[test]
fn corroboration_prunes_a_lonely_false_branch() {
    let topo = tree();
    let mut o = Oracle::default();
    o.path(&topo, &["x2", "a-a2", "root-a"], digest(10));
    // A false positive on root-b: b's other links all miss.
    o.saw(
        &topo,
        "root-b",
        digest(10),
        Timestamp::from_secs(T0).saturating_sub(Duration::from_millis(1)),
    );
    let single = run(
        AlgorithmKind::Spie,
        &topo,
        &mut o,
        TraceParams::new(evidence(digest(10)), "vic"),
    );
    assert!(single.node("b").is_some());
    let mut params = TraceParams::new(evidence(digest(10)), "vic");
    params.options.acceptance = Acceptance::Corroborated;
    let mut o2 = Oracle {
        seen: o.seen.clone(),
        ..Oracle::default()
    };
    let corr = run(AlgorithmKind::Spie, &topo, &mut o2, params);
    assert!(corr.node("b").is_none());
    assert_eq!(corr.pruned.len(), 1);
    assert_eq!(corr.pruned[0].as_str(), "b");
    assert_eq!(routers(&corr), vec!["a", "a2", "root"], "the true path is kept");
    assert_eq!(corr.ingress, vec![border(65002, "x2")]);
    assert_eq!(
        corr.questions_asked(),
        single.questions_asked(),
        "acceptance does not change the questions"
    );
}

#[test]
fn bad_start_and_names_are_typed_errors() {
    let topo = line().build();
    let p = TraceParams::new(evidence(digest(1)), "r1-r2");
    assert!(matches!(
        SpieFlood::new(Arc::clone(&topo), p.clone()),
        Err(TraceError::BadStart(_))
    ));
    assert!(matches!(
        BorderFirst::new(Arc::clone(&topo), p),
        Err(TraceError::BadStart(_))
    ));
    assert_eq!("spie".parse::<AlgorithmKind>().unwrap(), AlgorithmKind::Spie);
    assert_eq!(
        " Border-First".parse::<AlgorithmKind>().unwrap(),
        AlgorithmKind::BorderFirst
    );
    assert_eq!(
        "ouija".parse::<AlgorithmKind>(),
        Err(TraceError::UnknownAlgorithm("ouija".into()))
    );
}

#[test]
fn algorithms_are_chosen_by_name_from_config() {
    #[derive(serde::Deserialize)]
    struct Config {
        algorithm: AlgorithmKind,
        #[serde(default)]
        options: TraceOptions,
    }
    let cfg: Config = toml::from_str(
        "algorithm = \"border-first\"\n[options]\nper_hop = 20\nacceptance = \"corroborated\"\n",
    )
    .unwrap();
    assert_eq!(cfg.algorithm, AlgorithmKind::BorderFirst);
    assert_eq!(cfg.options.per_hop, Duration::from_millis(20));
    assert_eq!(cfg.options.acceptance, Acceptance::Corroborated);
    assert_eq!(
        cfg.options.question_timeout,
        TraceOptions::default().question_timeout
    );

    let topo = tree();
    let mut o = Oracle::default();
    o.path(&topo, &["y1", "b-b1", "root-b"], digest(11));
    let mut reg = AlgorithmRegistry::with_builtins();
    // A third-party algorithm: SPIE that always corroborates.
    reg.register(
        "strict-spie",
        Arc::new(|t, mut p: TraceParams| {
            p.options.acceptance = Acceptance::Corroborated;
            Ok(Box::new(SpieFlood::new(t, p)?) as Box<dyn TraceAlgorithm>)
        }),
    );
    assert_eq!(
        reg.names().collect::<Vec<_>>(),
        vec!["border-first", "spie", "strict-spie"]
    );
    for name in ["spie", "border-first", "Strict-SPIE"] {
        let mut alg = reg
            .start(
                name,
                Arc::clone(&topo),
                TraceParams::new(evidence(digest(11)), "vic"),
            )
            .unwrap();
        let g = drive(alg.as_mut(), &mut |q: &Question| o.answer(q), STEPS).unwrap();
        assert_eq!(g.ingress, vec![border(65003, "y1")], "{name}");
    }
    assert!(matches!(
        reg.start(
            "nope",
            Arc::clone(&topo),
            TraceParams::new(evidence(digest(11)), "vic")
        ),
        Err(TraceError::UnknownAlgorithm(_))
    ));
}

#[test]
fn documented_config_parses() {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Config {
        algorithm: AlgorithmKind,
        options: TraceOptions,
    }
    let doc = include_str!("../../docs/trace-algorithms.md");
    let start = doc.find("```toml\n").unwrap() + "```toml\n".len();
    let end = start + doc[start..].find("```").unwrap();
    let cfg: Config = toml::from_str(&doc[start..end]).unwrap();
    assert_eq!(cfg.algorithm, AlgorithmKind::Spie);
    assert_eq!(
        cfg.options,
        TraceOptions::default(),
        "the documented values are the defaults"
    );
}

#[test]
fn example_isp_traces_to_an_unwatched_customer() {
    let topo =
        Arc::new(Topology::from_toml_str(include_str!("../../docs/examples/topology-as64500.toml")).unwrap());
    let mut o = Oracle::default();
    // From a customer at edge2 (whose edge has no collector) to the web customer at edge1.
    o.path(&topo, &["core2-edge2", "core1-core2", "edge1-core1"], digest(12));
    let g = run(
        AlgorithmKind::Spie,
        &topo,
        &mut o,
        TraceParams::new(evidence(digest(12)), "cust-web"),
    );
    assert_eq!(routers(&g), vec!["core1", "core2", "edge1", "edge2"]);
    assert_eq!(g.ingress, vec![cust("cust-home")]);
    assert_eq!(g.findings.len(), 1);
    assert_eq!(g.findings[0].basis, IngressBasis::Frontier { candidates: 1 });
    assert!(!g.is_complete(), "cust-home could not be observed");
    // Border-first sees no hit on any watched edge: the one unwatched edge is the only candidate.
    let mut o2 = Oracle {
        seen: o.seen.clone(),
        ..Oracle::default()
    };
    let b = run(
        AlgorithmKind::BorderFirst,
        &topo,
        &mut o2,
        TraceParams::new(evidence(digest(12)), "cust-web"),
    );
    assert_eq!(b.ingress, vec![cust("cust-home")]);
    assert_eq!(b.questions_asked(), 3, "b-64501, b-64502, cust-dc");
    // A transit trace: entered from AS64501, seen leaving towards AS64502.
    let mut o = Oracle::default();
    o.path(
        &topo,
        &["b-64501", "edge1-core1", "core1-core2", "core2-edge2"],
        digest(13),
    );
    let g = run(
        AlgorithmKind::Spie,
        &topo,
        &mut o,
        TraceParams::new(evidence(digest(13)), "b-64502"),
    );
    assert_eq!(g.ingress, vec![border(64501, "b-64501")]);
    assert_eq!(g.node("edge1").unwrap().depth, 3);
}

#[test]
fn transit_trace_starts_from_every_border_link_to_the_downstream_neighbour() {
    // Two parallel border links to AS65100 at different routers; the packet left via `dn2`.
    let topo = Net::default()
        .routers(&["e1", "e2", "core", "in"])
        .link("e1", "core")
        .link("e2", "core")
        .link("core", "in")
        .border("dn1", "e1", 65100)
        .border("dn2", "e2", 65100)
        .border("up", "in", 65200)
        .build();
    let starts: Vec<String> = topo
        .borders_to(Asn(65100))
        .iter()
        .map(|l| l.to_string())
        .collect();
    assert_eq!(starts, vec!["dn1", "dn2"]);
    assert!(topo.borders_to(Asn(1)).is_empty());
    let mut o = Oracle::default();
    o.path(&topo, &["up", "core-in", "e2-core"], digest(14));
    for kind in AlgorithmKind::ALL {
        let params = TraceParams::with_starts(evidence(digest(14)), starts.clone());
        let g = run(kind, &topo, &mut o, params);
        assert_eq!(g.ingress, vec![border(65200, "up")], "{kind}");
        assert_eq!(g.start.len(), 2);
        assert!(
            o.asked.iter().all(|q| !q.link.as_str().starts_with("dn")),
            "{kind}: start edges are never asked"
        );
        assert_eq!(
            g.nodes.iter().filter(|n| n.status == NodeStatus::Start).count(),
            2,
            "{kind}"
        );
    }
    let none: Vec<&str> = vec![];
    assert!(matches!(
        SpieFlood::new(
            Arc::clone(&topo),
            TraceParams::with_starts(evidence(digest(14)), none)
        ),
        Err(TraceError::NoStart)
    ));
}

#[test]
fn graphs_become_local_findings_for_the_interconnect() {
    use traceback_core::intertrack::{Arrival, Confidence, LocalFinding};
    use traceback_core::topology::LinkId;
    use traceback_core::trace::start_edges;

    let topo = line().build();
    assert_eq!(
        start_edges(&topo, Arrival::Victim, &[LinkId::from("vic")]),
        vec![LinkId::from("vic")]
    );
    assert_eq!(
        start_edges(&topo, Arrival::Neighbor(Asn(64502)), &[]),
        vec![LinkId::from("b2")]
    );
    assert!(start_edges(&topo, Arrival::Neighbor(Asn(7)), &[]).is_empty());

    let mut o = Oracle::default();
    o.path(&topo, &["att", "r1-r2", "r2-r3", "r3-r4"], digest(1));
    let params = |d| TraceParams::new(evidence(digest(d)), "vic");
    let g = run(AlgorithmKind::Spie, &topo, &mut o, params(1));
    assert_eq!(
        g.local_finding(),
        LocalFinding::Entered {
            ingress: vec![cust("att")],
            confidence: Confidence::FULL
        }
    );
    // Never seen, every answer certain.
    let g = run(AlgorithmKind::Spie, &topo, &mut o, params(2));
    assert_eq!(g.local_finding(), LocalFinding::not_seen());
    // Nothing observable: the only collector at r4 is down.
    o.down.insert("c:r3-r4".into());
    let mut p = params(1);
    p.options.max_unknown_hops = 0;
    let g = run(AlgorithmKind::Spie, &topo, &mut o, p);
    assert_eq!(g.local_finding(), LocalFinding::Unavailable);
    // Seen inside but no entry found (the ingress collector is down and cannot be crossed).
    o.down.clear();
    o.down.insert("c:att".into());
    let g = run(AlgorithmKind::Spie, &topo, &mut o, params(1));
    assert!(g.ingress.is_empty());
    assert_eq!(g.local_finding(), LocalFinding::Unavailable);
}
