//! Property tests: on random AS graphs a trace always finishes, and without
//! loss it finds exactly the sources reachable from the victim.

use core::time::Duration;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use traceback_core::digest::{Digest, DigestProfile};
use traceback_core::evidence::{Evidence, Ingress};
use traceback_core::ids::Asn;
use traceback_core::intertrack::harness::{Federation, LinkModel, StaticLocator};
use traceback_core::intertrack::{AsStatus, HopLimit, Interconnect, InterconnectConfig};
use traceback_core::time::Timestamp;

/// A random topology: for each AS, the ASes its method names upstream and
/// whether a customer of it sent the packet.
#[derive(Clone, Debug)]
struct Topo {
    upstream: Vec<BTreeSet<usize>>,
    customer: Vec<bool>,
}

fn topo() -> impl Strategy<Value = Topo> {
    (2usize..9).prop_flat_map(|n| {
        (
            proptest::collection::vec(proptest::collection::btree_set(0..n, 0..3), n),
            proptest::collection::vec(proptest::bool::weighted(0.3), n),
        )
            .prop_map(move |(mut upstream, customer)| {
                for (i, u) in upstream.iter_mut().enumerate() {
                    u.remove(&i);
                }
                Topo { upstream, customer }
            })
    })
}

fn asn(i: usize) -> Asn {
    Asn(65000 + i as u32)
}

fn build(t: &Topo, seed: u64, model: LinkModel) -> Federation {
    let n = t.upstream.len();
    let mut f = Federation::new(seed, model, Timestamp::from_secs(1_700_000_001));
    for i in 0..n {
        let mut ingress: Vec<Ingress> = t.upstream[i]
            .iter()
            .map(|u| Ingress::Border {
                neighbor: asn(*u),
                link: format!("l{u}"),
            })
            .collect();
        if t.customer[i] {
            ingress.push(Ingress::Customer { edge: "c".into() });
        }
        // Full-mesh peering.
        let cfg = InterconnectConfig::new(asn(i)).with_neighbors((0..n).filter(|j| *j != i).map(asn));
        let node = Interconnect::new(cfg, Box::new(StaticLocator::always(ingress))).unwrap();
        f.add(node).unwrap();
    }
    f
}

fn evidence() -> Evidence {
    Evidence {
        digest: Digest([3; 16]),
        profile: DigestProfile::V1,
        seen_at: Timestamp::from_secs(1_700_000_000),
        before: Duration::from_secs(2),
        after: Duration::from_secs(1),
    }
}

/// Ground truth: the ASes reachable from AS 0 along "named upstream" edges.
fn reachable(t: &Topo) -> BTreeSet<usize> {
    let mut seen = BTreeSet::from([0]);
    let mut q = VecDeque::from([0]);
    while let Some(a) = q.pop_front() {
        for u in &t.upstream[a] {
            if seen.insert(*u) {
                q.push_back(*u);
            }
        }
    }
    seen
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn lossless_trace_finds_exactly_the_reachable_sources(t in topo(), seed in any::<u64>()) {
        let model = LinkModel::uniform(Duration::from_millis(1), Duration::from_millis(100));
        let mut f = build(&t, seed, model);
        let id = f.start_trace(asn(0), evidence(), HopLimit::MAX).unwrap();
        f.run(100_000).expect("quiescent");
        let tree = f.finished(id).expect("finished");
        prop_assert!(tree.is_complete());
        prop_assert!(tree.conflicts().iter().all(|c| matches!(c, traceback_core::intertrack::Conflict::NamedTwice { .. })),
            "{:?}", tree.conflicts());
        let reach = reachable(&t);
        let want: Vec<Asn> = reach.iter().filter(|i| t.customer[**i]).map(|i| asn(*i)).collect();
        prop_assert_eq!(tree.origins(), want.clone());
        // Every reachable AS has its true status; nothing else is in the tree.
        let statuses: BTreeMap<Asn, AsStatus> = tree.statuses();
        let in_tree: BTreeSet<Asn> = statuses.keys().copied().collect();
        prop_assert_eq!(in_tree, reach.iter().map(|i| asn(*i)).collect::<BTreeSet<_>>());
        for i in &reach {
            let expect = if t.customer[*i] {
                AsStatus::Source
            } else if *i == 0 {
                AsStatus::Destination
            } else if t.upstream[*i].is_empty() {
                AsStatus::NotFound
            } else {
                AsStatus::Transit
            };
            prop_assert_eq!(statuses[&asn(*i)], expect, "AS index {}", i);
        }
        // Each reported path starts at the victim, follows named edges, ends at its origin.
        let paths = tree.paths();
        prop_assert_eq!(paths.keys().copied().collect::<Vec<_>>(), want);
        for (o, p) in &paths {
            prop_assert_eq!(p.first(), Some(&asn(0)));
            prop_assert_eq!(p.last(), Some(o));
            for w in p.windows(2) {
                let (a, b) = ((w[0].0 - 65000) as usize, (w[1].0 - 65000) as usize);
                prop_assert!(t.upstream[a].contains(&b));
            }
        }
        // Each AS forwarded to each upstream at most once.
        let forwarded: u64 = (0..t.upstream.len()).map(|i| f.node(asn(i)).unwrap().stats().forwarded).sum();
        let edges: u64 = reach.iter().map(|i| t.upstream[*i].len() as u64).sum();
        prop_assert!(forwarded <= edges);
    }

    #[test]
    fn lossy_trace_always_finishes_without_false_origins(t in topo(), seed in any::<u64>(), drop in 0u32..600_000) {
        let model = LinkModel::uniform(Duration::from_millis(1), Duration::from_secs(3)).with_drop(drop);
        let mut f = build(&t, seed, model);
        let id = f.start_trace(asn(0), evidence(), HopLimit::MAX).unwrap();
        f.run(100_000).expect("quiescent");
        let tree = f.finished(id).expect("finished even with loss");
        let reach = reachable(&t);
        for o in tree.origins() {
            let i = (o.0 - 65000) as usize;
            prop_assert!(reach.contains(&i) && t.customer[i]);
        }
        // Nothing is left pending in any interconnect.
        for i in 0..t.upstream.len() {
            prop_assert_eq!(f.node(asn(i)).unwrap().in_progress(), 0);
        }
    }
}
