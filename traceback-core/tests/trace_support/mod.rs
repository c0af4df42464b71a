//! Shared helpers for the trace tests: topology builders and answering oracles
//! (an exact in-test store: collector -> digests with times).
#![allow(dead_code, unreachable_pub)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;
use traceback_core::digest::{Digest, DigestProfile};
use traceback_core::store::{Coverage, QueryAnswer, WindowMatch};
use traceback_core::topology::{
    BorderSpec, CollectorSpec, CustomerSpec, LinkSpec, RouterSpec, Topology, TopologySpec,
};
use traceback_core::trace::{Answer, Failure, Question};
use traceback_core::{Asn, Evidence, TimeRange, Timestamp};

/// Builds a topology where every link and edge has one collector `c:<link>`
/// unless listed in `unwatched`.
#[derive(Default)]
pub struct Net {
    pub routers: Vec<String>,
    pub links: Vec<(String, String, String)>,
    pub borders: Vec<(String, String, u32)>,
    pub customers: Vec<(String, String)>,
    pub unwatched: BTreeSet<String>,
}

impl Net {
    pub fn routers(mut self, names: &[&str]) -> Self {
        self.routers.extend(names.iter().map(|s| s.to_string()));
        self
    }
    /// Internal link named `a-b`.
    pub fn link(mut self, a: &str, b: &str) -> Self {
        self.links.push((format!("{a}-{b}"), a.to_owned(), b.to_owned()));
        self
    }
    pub fn border(mut self, id: &str, router: &str, neighbor: u32) -> Self {
        self.borders.push((id.to_owned(), router.to_owned(), neighbor));
        self
    }
    pub fn customer(mut self, id: &str, router: &str) -> Self {
        self.customers.push((id.to_owned(), router.to_owned()));
        self
    }
    pub fn unwatched(mut self, link: &str) -> Self {
        self.unwatched.insert(link.to_owned());
        self
    }
    pub fn build(self) -> Arc<Topology> {
        let mut spec = TopologySpec {
            asn: Asn(64500),
            name: "test".into(),
            prefixes: vec!["198.51.100.0/24".parse().unwrap()],
            routers: self
                .routers
                .iter()
                .map(|r| RouterSpec {
                    id: r.as_str().into(),
                })
                .collect(),
            links: self
                .links
                .iter()
                .map(|(id, a, b)| LinkSpec {
                    id: id.as_str().into(),
                    a: a.as_str().into(),
                    b: b.as_str().into(),
                })
                .collect(),
            borders: self
                .borders
                .iter()
                .map(|(id, r, n)| BorderSpec {
                    id: id.as_str().into(),
                    router: r.as_str().into(),
                    neighbor: Asn(*n),
                })
                .collect(),
            customers: self
                .customers
                .iter()
                .map(|(id, r)| CustomerSpec {
                    id: id.as_str().into(),
                    router: r.as_str().into(),
                    prefixes: vec![],
                })
                .collect(),
            collectors: vec![],
        };
        let all: Vec<String> = self
            .links
            .iter()
            .map(|l| l.0.clone())
            .chain(self.borders.iter().map(|b| b.0.clone()))
            .chain(self.customers.iter().map(|c| c.0.clone()))
            .collect();
        for l in all {
            if !self.unwatched.contains(&l) {
                spec.collectors.push(CollectorSpec {
                    id: format!("c:{l}").into(),
                    link: l.into(),
                    router: None,
                });
            }
        }
        Arc::new(Topology::from_spec(spec).expect("test topology is valid"))
    }
}

pub const T0: u64 = 1_700_000_000;

pub fn digest(n: u8) -> Digest {
    Digest([n; 16])
}

/// Evidence seen at T0 by the victim's IDS, window [T0 - 1s, T0].
pub fn evidence(d: Digest) -> Evidence {
    Evidence {
        digest: d,
        profile: DigestProfile::default(),
        seen_at: Timestamp::from_secs(T0),
        before: Duration::from_secs(1),
        after: Duration::ZERO,
    }
}

/// An exact in-test store per collector, plus failures and a seeded false-positive rate.
#[derive(Default)]
pub struct Oracle {
    pub seen: BTreeMap<String, Vec<(Digest, Timestamp)>>,
    pub down: BTreeSet<String>,
    /// (seed, probability): a deterministic false positive per (collector, digest).
    pub fp: Option<(u64, f64)>,
    pub asked: Vec<Question>,
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

impl Oracle {
    /// Record `d` on every collector of `link` at `t`.
    pub fn saw(&mut self, topo: &Topology, link: &str, d: Digest, t: Timestamp) {
        for c in topo.collectors_watching(link) {
            self.seen.entry(c.0.clone()).or_default().push((d, t));
        }
    }

    /// Record `d` along `links` (listed from the ingress towards the victim),
    /// 1 ms per hop, the last one 1 ms before T0.
    pub fn path(&mut self, topo: &Topology, links: &[&str], d: Digest) {
        let n = links.len() as u64;
        for (i, l) in links.iter().enumerate() {
            let t = Timestamp::from_secs(T0).saturating_sub(Duration::from_millis(n - i as u64));
            self.saw(topo, l, d, t);
        }
    }

    pub fn answer(&mut self, q: &Question) -> Answer {
        self.asked.push(q.clone());
        if self.down.contains(q.collector.as_str()) {
            return Answer::Failed(Failure::Timeout);
        }
        let p = self.fp.map(|(_, p)| p).unwrap_or(0.0);
        let mut matches: Vec<WindowMatch> = self
            .seen
            .get(q.collector.as_str())
            .into_iter()
            .flatten()
            .filter(|(d, t)| *d == q.digest && q.range.contains(*t))
            .map(|(_, t)| WindowMatch {
                span: TimeRange::at(*t),
                false_positive_probability: p,
            })
            .collect();
        if matches.is_empty() {
            if let Some((seed, p)) = self.fp {
                let h = splitmix(splitmix(seed ^ fnv(q.collector.as_str())) ^ q.digest.low_u64());
                if ((h >> 11) as f64 / (1u64 << 53) as f64) < p {
                    matches.push(WindowMatch {
                        span: q.range,
                        false_positive_probability: p,
                    });
                }
            }
        }
        Answer::Store(QueryAnswer {
            matches,
            coverage: Coverage::Full,
        })
    }
}
