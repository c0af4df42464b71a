//! Traces answered by real `WindowedBloomStore`s, one per collector, filled
//! with background traffic: the algorithms see true Bloom false-positive
//! probabilities and real coverage.

mod trace_support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use trace_support::{evidence, Net, T0};
use traceback_core::digest::Digest;
use traceback_core::store::{DigestStore, StoreConfig, WindowedBloomStore};
use traceback_core::topology::Topology;
use traceback_core::trace::{
    drive, AlgorithmKind, Answer, NodeStatus, Observation, Question, TraceParams, UnknownReason,
};
use traceback_core::{Asn, Ingress, Timestamp};

fn topo() -> Arc<Topology> {
    Net::default()
        .routers(&["r1", "r2", "r3", "r4"])
        .link("r1", "r2")
        .link("r2", "r3")
        .link("r3", "r4")
        .link("r2", "r4")
        .border("up", "r1", 65010)
        .border("side", "r3", 65020)
        .customer("dc", "r2")
        .customer("vic", "r4")
        .build()
}

fn noise(seed: u64, i: u64) -> Digest {
    let mut d = [0u8; 16];
    let x = (seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ i).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    d[..8].copy_from_slice(&x.to_le_bytes());
    d[8..].copy_from_slice(&(x.rotate_left(29) ^ i).to_le_bytes());
    Digest(d)
}

/// One store per collector: 2 000 background digests each over [T0-5s, T0+2s]
/// in time order, plus the attack digest on the links in `path` at T0 - 3 ms.
/// Collectors on the links in `silent` keep an empty store (no window: coverage None).
fn stores(
    topo: &Topology,
    attack: Digest,
    path: &[&str],
    silent: &[&str],
) -> BTreeMap<String, WindowedBloomStore> {
    let mut out = BTreeMap::new();
    for (k, c) in topo.collectors().enumerate() {
        let config = StoreConfig::builder()
            .window_span(Duration::from_secs(1))
            .capacity(1_000)
            .target_fpp(0.01)
            .memory_budget_bytes(1 << 20)
            .seed(k as u64)
            .build()
            .unwrap();
        let mut s = WindowedBloomStore::new(config);
        if !silent.contains(&c.link.as_str()) {
            let start = Timestamp::from_secs(T0 - 5);
            let attack_at = Timestamp::from_secs(T0).saturating_sub(Duration::from_millis(3));
            let mut attack_done = !path.contains(&c.link.as_str());
            for i in 0..2_000u64 {
                let t = start.saturating_add(Duration::from_micros(i * 3_500));
                if !attack_done && t >= attack_at {
                    s.insert(&attack, attack_at);
                    attack_done = true;
                }
                s.insert(&noise(k as u64, i), t);
            }
            s.advance(Timestamp::from_secs(T0 + 5));
        }
        out.insert(c.id.0.clone(), s);
    }
    out
}

#[test]
fn real_bloom_stores_answer_a_trace() {
    let topo = topo();
    let attack = noise(999, 0);
    let stores = stores(&topo, attack, &["up", "r1-r2", "r2-r4"], &["dc"]);
    let mut oracle = |q: &Question| Answer::Store(stores[q.collector.as_str()].query(&q.digest, q.range));
    for kind in AlgorithmKind::ALL {
        let mut alg = kind
            .start(Arc::clone(&topo), TraceParams::new(evidence(attack), "vic"))
            .unwrap();
        let g = drive(alg.as_mut(), &mut oracle, 1_000).unwrap();
        assert_eq!(
            g.ingress,
            vec![Ingress::Border {
                neighbor: Asn(65010),
                link: "up".into()
            }],
            "{kind}"
        );
        // The silent collector has no window: unknown, not a miss.
        let dc = g.links.iter().find(|l| l.link.as_str() == "dc").unwrap();
        assert!(
            matches!(dc.observation, Observation::Unknown(UnknownReason::Coverage(_))),
            "{kind}: {:?}",
            dc.observation
        );
        for f in g.findings.iter().filter(|f| f.observation.is_hit()) {
            assert!(
                f.confidence > 0.9 && f.confidence < 1.0,
                "{kind}: a Bloom hit is never certain: {}",
                f.confidence
            );
        }
    }
    let mut spie = AlgorithmKind::Spie
        .start(Arc::clone(&topo), TraceParams::new(evidence(attack), "vic"))
        .unwrap();
    let g = drive(spie.as_mut(), &mut oracle, 1_000).unwrap();
    let mut hit: Vec<&str> = g.hit_routers().map(|r| r.as_str()).collect();
    hit.sort_unstable();
    assert_eq!(hit, vec!["r1", "r2", "r4"]);
    assert_eq!(g.node("r1").unwrap().status, NodeStatus::Hit);
    assert!(g.node("r1").unwrap().confidence < g.node("r2").unwrap().confidence);
}
