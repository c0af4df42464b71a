//! The seeded simulator on real captures: the field-trial preset names the
//! origin ISP, false positives stay within SPIE's bound, partial deployment.

use core::time::Duration;
use traceback_core::sim::scenario::{
    run, summarize, Captures, Participation, ScenarioConfig, StoreChoice, TopologyChoice,
};

const FLOOD: &[u8] = include_bytes!("../../testdata/pcaps/stopddos_pkt.TCP.synflood.spoofed.pcap");
const BACKGROUND: &[&[u8]] = &[
    include_bytes!("../../testdata/pcaps/zeek_wikipedia.pcap"),
    include_bytes!("../../testdata/pcaps/ndpi_http_ipv6.pcap"),
    include_bytes!("../../testdata/pcaps/tcpreplay_test.pcap"),
    include_bytes!("../../testdata/pcaps/chrissanders_http_ip4and6.pcapng"),
];

fn captures() -> Captures<'static> {
    Captures {
        attack: FLOOD,
        background: BACKGROUND,
    }
}

fn small(seed: u64) -> ScenarioConfig {
    ScenarioConfig {
        seed,
        attack_packets: 1500,
        background_packets: 400,
        ..ScenarioConfig::default()
    }
}

#[test]
fn field_trial_names_isp_a_for_every_seed() {
    let mut runs = Vec::new();
    for seed in 1..=5 {
        let r = run(&small(seed), captures()).unwrap();
        assert!(
            r.origin_found,
            "seed {seed}: origins {:?}, statuses {:?}",
            r.origins, r.as_status
        );
        assert_eq!(r.origins, vec![r.attacker_as], "seed {seed}");
        assert_eq!(r.found_path.as_deref(), Some(&r.true_path[..]), "seed {seed}");
        assert!(r.packets.delivered > 1000);
        runs.push(r);
    }
    let s = summarize(&runs);
    assert_eq!(s.origin_found, 5);
    println!("{s:?}");
}

#[test]
fn runs_replay_exactly() {
    let a = run(&small(7), captures()).unwrap();
    let b = run(&small(7), captures()).unwrap();
    assert_eq!(a.digest, b.digest);
    assert_eq!(a.as_status, b.as_status);
    assert_eq!(a.collector_questions, b.collector_questions);
    assert_eq!(a.trace_time_ms, b.trace_time_ms);
}

#[test]
fn exact_store_has_no_false_positive_ases() {
    let cfg = ScenarioConfig {
        store: StoreChoice::Exact,
        ..small(3)
    };
    let r = run(&cfg, captures()).unwrap();
    assert!(r.origin_found);
    assert!(r.false_positive_ases.is_empty(), "{:?}", r.false_positive_ases);
}

#[test]
fn partial_deployment_ends_branches_with_unknown() {
    let cfg = ScenarioConfig {
        topology: TopologyChoice::Generated(120),
        participation: Participation::Top(5),
        ..small(11)
    };
    let r = run(&cfg, captures()).unwrap();
    let t = r
        .traceability
        .clone()
        .expect("partial deployment reports traceability");
    assert_eq!(t.participating, r.participating);
    println!("{r:?}");
    // Somebody on the path did not take part: it must show up as Unknown, not as an error.
    if !r.origin_found {
        assert!(
            r.as_status.values().any(|s| s.contains("nknown")),
            "{:?}",
            r.as_status
        );
    }
}

#[test]
fn skew_beyond_tolerance_is_reported_not_hidden() {
    // Clock offsets of up to 200 ms are inside the default tolerance (500 ms).
    let cfg = ScenarioConfig {
        max_skew: Duration::from_millis(200),
        ..small(5)
    };
    assert!(run(&cfg, captures()).unwrap().origin_found);
}

/// SPIE's bound on false positives, at the AS level: with per-question false
/// positive probability P at an AS's border collectors and d neighbours, a
/// trace asks about d*P/(1-d*P) wrong neighbours per true AS. Filters are
/// sized small so windows run near their target rate, P is measured in each
/// run with absent digests, and the false branches over several seeds must
/// stay within the bound summed over the true paths.
#[test]
fn false_branches_stay_within_the_spie_bound() {
    let mut measured = 0usize;
    let mut bound = 0.0f64;
    let mut named_wrongly = 0usize;
    for seed in 1..=6 {
        let cfg = ScenarioConfig {
            attack_packets: 3000,
            background_packets: 600,
            store: StoreChoice::Bloom {
                target_fpp: 0.01,
                capacity: 400,
                window: Duration::from_millis(1000),
            },
            ..small(seed)
        };
        let r = run(&cfg, captures()).unwrap();
        assert!(r.origin_found, "seed {seed}");
        measured += r.false_branches.len();
        named_wrongly += r.false_positive_ases.len();
        bound += r.spie_bound;
        println!(
            "seed {seed}: P {:?} false branches {:?} bound {:.3}",
            r.border_false_positive_rate, r.false_branches, r.spie_bound
        );
    }
    println!("false branches: measured {measured}, SPIE bound {bound:.2}; wrongly named source/transit: {named_wrongly}");
    assert!(
        bound.is_finite() && bound > 0.0,
        "the setting must make false positives possible"
    );
    assert!(
        (measured as f64) <= bound,
        "measured {measured} > bound {bound:.2}"
    );
}

#[test]
fn unusable_scenarios_are_refused_not_run() {
    use traceback_core::sim::SimError;
    let mut cfg = small(1);
    cfg.control.algorithm = "foo".into();
    match run(&cfg, captures()) {
        Err(SimError::Config(e)) => assert!(e.contains("unknown trace algorithm \"foo\""), "{e}"),
        other => panic!("{:?}", other.map(|r| r.origin_found)),
    }
    let mut cfg = small(1);
    cfg.participation = Participation::List(vec![traceback_core::Asn(1), traceback_core::Asn(2)]);
    match run(&cfg, captures()) {
        Err(SimError::Config(e)) => assert!(e.contains("participant AS1 is not in the topology"), "{e}"),
        other => panic!("{:?}", other.map(|r| r.origin_found)),
    }
    let mut cfg = small(1);
    cfg.victim = Some("99999".into());
    assert!(matches!(run(&cfg, captures()), Err(SimError::Config(_))));
}
