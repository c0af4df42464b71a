//! False positives: with a seeded oracle that answers "seen" with
//! probability P for digests never inserted, SPIE's false routers per true
//! router stay within d*P/(1-d*P); corroboration removes most of them.

mod trace_support;

use std::sync::Arc;
use trace_support::{evidence, Net, Oracle};
use traceback_core::digest::Digest;
use traceback_core::topology::Topology;
use traceback_core::trace::{drive, Acceptance, Question, SpieFlood, TraceParams};
use traceback_core::Ingress;

const SIDE: usize = 8;
const PATH: usize = 5;
const TRIALS: u64 = 400;

fn r(row: usize, col: usize) -> String {
    format!("t{row}_{col}")
}

/// An 8x8 torus: every router has 4 internal links (d = 4) and one watched
/// customer edge; the victim's edge `vic` is at t0_0, the attacker's `att` at t0_5.
fn torus() -> Arc<Topology> {
    let mut net = Net::default();
    for row in 0..SIDE {
        for col in 0..SIDE {
            net = net
                .routers(&[&r(row, col)])
                .customer(&format!("cu{row}_{col}"), &r(row, col));
        }
    }
    for row in 0..SIDE {
        for col in 0..SIDE {
            net = net.link(&r(row, col), &r(row, (col + 1) % SIDE));
            net = net.link(&r(row, col), &r((row + 1) % SIDE, col));
        }
    }
    net.customer("vic", &r(0, 0)).customer("att", &r(0, PATH)).build()
}

struct Tally {
    true_nodes: usize,
    false_nodes: usize,
    false_ingress: usize,
    questions: usize,
}

fn measure(topo: &Arc<Topology>, p: f64, acceptance: Acceptance) -> Tally {
    let mut t = Tally {
        true_nodes: 0,
        false_nodes: 0,
        false_ingress: 0,
        questions: 0,
    };
    let true_routers: Vec<String> = (0..=PATH).map(|c| r(0, c)).collect();
    let mut links: Vec<String> = vec!["att".into()];
    links.extend((0..PATH).rev().map(|c| format!("{}-{}", r(0, c), r(0, c + 1))));
    let links: Vec<&str> = links.iter().map(String::as_str).collect();
    for seed in 0..TRIALS {
        let mut d = [0u8; 16];
        d[..8].copy_from_slice(&seed.wrapping_mul(0x9e37_79b9_7f4a_7c15).to_le_bytes());
        let d = Digest(d);
        let mut o = Oracle {
            fp: Some((seed, p)),
            ..Oracle::default()
        };
        o.path(topo, &links, d);
        let mut params = TraceParams::new(evidence(d), "vic");
        params.options.acceptance = acceptance;
        let mut alg = SpieFlood::new(Arc::clone(topo), params).unwrap();
        let g = drive(&mut alg, &mut |q: &Question| o.answer(q), 100_000).unwrap();
        for tr in &true_routers {
            assert!(
                g.node(tr).is_some(),
                "seed {seed}: true router {tr} lost ({acceptance:?})"
            );
        }
        assert!(
            g.ingress.contains(&Ingress::Customer { edge: "att".into() }),
            "seed {seed}"
        );
        t.true_nodes += true_routers.len();
        t.false_nodes += g.nodes.len() - true_routers.len();
        t.false_ingress += g.ingress.len() - 1;
        t.questions += g.questions_asked();
    }
    t
}

#[test]
fn spie_false_nodes_stay_within_the_bound_and_corroboration_cuts_them() {
    let topo = torus();
    let d = 4.0;
    for p in [0.05, 0.1] {
        let bound = d * p / (1.0 - d * p);
        let single = measure(&topo, p, Acceptance::SingleHit);
        let corr = measure(&topo, p, Acceptance::Corroborated);
        let rate = single.false_nodes as f64 / single.true_nodes as f64;
        let corr_rate = corr.false_nodes as f64 / corr.true_nodes as f64;
        eprintln!(
            "P={p}: bound {bound:.3}; single-hit {rate:.3} false/true ({} false ingress), corroborated {corr_rate:.3} ({} false ingress); {:.1} questions/trace",
            single.false_ingress,
            corr.false_ingress,
            single.questions as f64 / TRIALS as f64
        );
        assert!(rate <= bound, "P={p}: {rate} > {bound}");
        assert!(
            rate > bound / 4.0,
            "P={p}: the oracle must produce false positives ({rate})"
        );
        assert!(
            corr_rate < rate / 2.0,
            "P={p}: corroboration {corr_rate} vs {rate}"
        );
        assert!(
            single.false_ingress > 0,
            "P={p}: edge collectors give false positives too"
        );
        // Edge false positives at true routers cannot be told from a second
        // source: corroboration only removes those at false routers.
        assert!(corr.false_ingress <= single.false_ingress);
        assert_eq!(
            single.questions, corr.questions,
            "acceptance does not change the questions"
        );
    }
}
