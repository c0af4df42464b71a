//! AS-level topologies for the simulator: the 15-ISP field-trial preset and
//! seeded generated graphs of 100 to 1,000 ASes.
//!
//! Business relationships follow the Gao-Rexford model: an edge is either
//! provider-to-customer or peer-to-peer, and routes are valley-free
//! (see [`super::routing`]).

use crate::ids::Asn;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeSet;
use std::net::{Ipv4Addr, Ipv6Addr};

/// The business relationship on one AS-level edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Relation {
    /// `a` is the provider of `b`.
    ProviderOf,
    /// `a` and `b` peer (settlement-free).
    Peer,
}

/// One AS of a simulated topology.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AsNode {
    /// Its number.
    pub asn: Asn,
    /// A display name ("ISP-A", "AS4200000017", ...).
    pub name: String,
    /// 1 for the backbone clique, 2 for regional transit, 3 for stubs.
    pub tier: u8,
    /// Its IPv4 prefix (network address and length).
    pub v4_prefix: (Ipv4Addr, u8),
    /// Its IPv6 prefix (network address and length).
    pub v6_prefix: (Ipv6Addr, u8),
}

/// An AS-level topology: nodes, provider/customer edges and peerings.
///
/// Nodes are indexed `0..len()`; adjacency lists are sorted so every
/// traversal is deterministic.
#[derive(Clone, Debug, Default)]
pub struct AsGraph {
    nodes: Vec<AsNode>,
    providers: Vec<Vec<usize>>,
    customers: Vec<Vec<usize>>,
    peers: Vec<Vec<usize>>,
}

/// Errors building an [`AsGraph`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AsGraphError {
    /// A topology size outside what the builder supports (generated: 20 to
    /// 4,096 ASes; field-trial subsets: 6 to 15).
    #[error("unsupported topology size {0} (generated: 20..=4096 ASes; field-trial subset: 6..=15)")]
    Size(usize),
    /// An edge names a node index that does not exist.
    #[error("edge names node {0}, but the graph has {1} nodes")]
    UnknownNode(usize, usize),
    /// An edge from a node to itself.
    #[error("AS {0} cannot be its own neighbour")]
    SelfLoop(Asn),
}

impl AsGraph {
    /// An empty graph.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add an AS and return its index. The prefixes are assigned from the
    /// index: IPv4 `10.0.0.0 + index * 4096` as a /20, IPv6 `2001:db8:index::/48`.
    pub fn add_node(&mut self, asn: Asn, name: impl Into<String>, tier: u8) -> usize {
        let idx = self.nodes.len();
        let v4 = Ipv4Addr::from(0x0a00_0000u32 + ((idx as u32) << 12));
        let v6 = Ipv6Addr::new(0x2001, 0x0db8, idx as u16, 0, 0, 0, 0, 0);
        self.nodes.push(AsNode {
            asn,
            name: name.into(),
            tier,
            v4_prefix: (v4, 20),
            v6_prefix: (v6, 48),
        });
        self.providers.push(Vec::new());
        self.customers.push(Vec::new());
        self.peers.push(Vec::new());
        idx
    }

    /// Add an edge between node indices `a` and `b`. Duplicate edges are ignored.
    pub fn add_edge(&mut self, a: usize, b: usize, rel: Relation) -> Result<(), AsGraphError> {
        let n = self.nodes.len();
        if a >= n {
            return Err(AsGraphError::UnknownNode(a, n));
        }
        if b >= n {
            return Err(AsGraphError::UnknownNode(b, n));
        }
        if a == b {
            return Err(AsGraphError::SelfLoop(self.nodes[a].asn));
        }
        if self.adjacent(a, b) {
            return Ok(());
        }
        match rel {
            Relation::ProviderOf => {
                insert_sorted(&mut self.customers[a], b);
                insert_sorted(&mut self.providers[b], a);
            }
            Relation::Peer => {
                insert_sorted(&mut self.peers[a], b);
                insert_sorted(&mut self.peers[b], a);
            }
        }
        Ok(())
    }

    /// Whether `a` and `b` share an edge of any kind.
    pub fn adjacent(&self, a: usize, b: usize) -> bool {
        self.customers[a].binary_search(&b).is_ok()
            || self.providers[a].binary_search(&b).is_ok()
            || self.peers[a].binary_search(&b).is_ok()
    }

    /// Number of ASes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the graph has no AS.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The ASes, by index.
    pub fn nodes(&self) -> &[AsNode] {
        &self.nodes
    }

    /// The AS at `idx`.
    pub fn node(&self, idx: usize) -> &AsNode {
        &self.nodes[idx]
    }

    /// Index of an AS by number.
    pub fn index_of(&self, asn: Asn) -> Option<usize> {
        self.nodes.iter().position(|n| n.asn == asn)
    }

    /// Index of an AS by name.
    pub fn index_of_name(&self, name: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.name == name)
    }

    /// Providers of `idx`, sorted.
    pub fn providers(&self, idx: usize) -> &[usize] {
        &self.providers[idx]
    }

    /// Customers of `idx`, sorted.
    pub fn customers(&self, idx: usize) -> &[usize] {
        &self.customers[idx]
    }

    /// Peers of `idx`, sorted.
    pub fn peers(&self, idx: usize) -> &[usize] {
        &self.peers[idx]
    }

    /// All neighbours of `idx` (providers, customers, peers), sorted.
    pub fn neighbors(&self, idx: usize) -> Vec<usize> {
        let mut v: Vec<usize> = self.providers[idx]
            .iter()
            .chain(&self.customers[idx])
            .chain(&self.peers[idx])
            .copied()
            .collect();
        v.sort_unstable();
        v
    }

    /// Degree of `idx`.
    pub fn degree(&self, idx: usize) -> usize {
        self.providers[idx].len() + self.customers[idx].len() + self.peers[idx].len()
    }

    /// The index of the AS whose IPv4 prefix holds `addr`.
    pub fn owner_of_v4(&self, addr: Ipv4Addr) -> Option<usize> {
        let a = u32::from(addr);
        self.nodes.iter().position(|n| {
            let (net, len) = n.v4_prefix;
            let mask = if len == 0 {
                0
            } else {
                u32::MAX << (32 - len as u32)
            };
            a & mask == u32::from(net) & mask
        })
    }

    /// Size of each AS's customer cone (itself plus all ASes reachable by
    /// provider-to-customer edges): the usual ranking of "top" ASes.
    pub fn customer_cone_sizes(&self) -> Vec<usize> {
        (0..self.len())
            .map(|i| {
                let mut seen = BTreeSet::new();
                let mut stack = vec![i];
                while let Some(x) = stack.pop() {
                    if seen.insert(x) {
                        stack.extend(self.customers[x].iter().copied());
                    }
                }
                seen.len()
            })
            .collect()
    }

    /// The `k` top ASes by customer-cone size (ties: higher degree, then lower index).
    pub fn top_by_cone(&self, k: usize) -> Vec<usize> {
        let cones = self.customer_cone_sizes();
        let mut idx: Vec<usize> = (0..self.len()).collect();
        idx.sort_by(|&a, &b| {
            cones[b]
                .cmp(&cones[a])
                .then(self.degree(b).cmp(&self.degree(a)))
                .then(a.cmp(&b))
        });
        idx.truncate(k);
        idx
    }

    /// The 15-ISP topology of the 2009 field trial (a stylised Japan, from
    /// Hokkaido to Okinawa): three national backbones peering with each other,
    /// eight regional ISPs buying transit from one or two backbones (some
    /// peering regionally), and four access ISPs below regional ones.
    ///
    /// The scenario's roles are fixed by name: `ISP-A` (the attacker's ISP, a
    /// regional ISP in Kyushu), `ISP-B` (whose addresses the attacker forges,
    /// in Hokkaido) and `ISP-C` (the victim's ISP, in Kanto). ASNs are the
    /// documentation range 64496-64510 (RFC 5398).
    pub fn field_trial() -> Self {
        const ISPS: [(&str, u8); 15] = [
            ("Backbone-East", 1),     // 0
            ("Backbone-West", 1),     // 1
            ("Backbone-National", 1), // 2
            ("ISP-A", 2),             // 3 Kyushu regional (attacker)
            ("ISP-B", 2),             // 4 Hokkaido regional (spoofed)
            ("ISP-C", 2),             // 5 Kanto regional (victim)
            ("Tohoku-Net", 2),        // 6
            ("Chubu-Net", 2),         // 7
            ("Kansai-Net", 2),        // 8
            ("Chugoku-Net", 2),       // 9
            ("Shikoku-Net", 2),       // 10
            ("Okinawa-Access", 3),    // 11
            ("Kyushu-Access", 3),     // 12
            ("Kanto-Access", 3),      // 13
            ("Hokuriku-Access", 3),   // 14
        ];
        let mut g = AsGraph::new();
        for (i, (name, tier)) in ISPS.iter().enumerate() {
            g.add_node(Asn(64496 + i as u32), *name, *tier);
        }
        let edges: [(usize, usize, Relation); 24] = [
            (0, 1, Relation::Peer),
            (1, 2, Relation::Peer),
            (0, 2, Relation::Peer),
            (1, 3, Relation::ProviderOf),  // West -> ISP-A
            (2, 3, Relation::ProviderOf),  // National -> ISP-A
            (0, 4, Relation::ProviderOf),  // East -> ISP-B
            (0, 5, Relation::ProviderOf),  // East -> ISP-C
            (2, 5, Relation::ProviderOf),  // National -> ISP-C
            (0, 6, Relation::ProviderOf),  // East -> Tohoku
            (2, 7, Relation::ProviderOf),  // National -> Chubu
            (1, 7, Relation::ProviderOf),  // West -> Chubu
            (1, 8, Relation::ProviderOf),  // West -> Kansai
            (1, 9, Relation::ProviderOf),  // West -> Chugoku
            (8, 10, Relation::ProviderOf), // Kansai -> Shikoku
            (1, 10, Relation::ProviderOf), // West -> Shikoku
            (3, 11, Relation::ProviderOf), // ISP-A -> Okinawa access
            (3, 12, Relation::ProviderOf), // ISP-A -> Kyushu access
            (5, 13, Relation::ProviderOf), // ISP-C -> Kanto access
            (0, 13, Relation::ProviderOf), // East -> Kanto access
            (7, 14, Relation::ProviderOf), // Chubu -> Hokuriku access
            (4, 6, Relation::Peer),        // Hokkaido - Tohoku
            (8, 9, Relation::Peer),        // Kansai - Chugoku
            (3, 9, Relation::Peer),        // ISP-A - Chugoku
            (5, 7, Relation::Peer),        // ISP-C - Chubu
        ];
        for (a, b, r) in edges {
            // The preset is a constant: every index is in range and no edge is a self-loop.
            let _ = g.add_edge(a, b, r);
        }
        g
    }

    /// The first `n` ISPs of [`AsGraph::field_trial`] (6..=15): the three
    /// backbones and ISP-A, ISP-B, ISP-C first, then the others in an order
    /// that keeps every prefix of the list connected. For small test runs.
    pub fn field_trial_subset(n: usize) -> Result<Self, AsGraphError> {
        if !(6..=15).contains(&n) {
            return Err(AsGraphError::Size(n));
        }
        let full = Self::field_trial();
        let mut g = AsGraph::new();
        for i in 0..n {
            let node = full.node(i);
            g.add_node(node.asn, node.name.clone(), node.tier);
        }
        for a in 0..n {
            for &c in full.customers(a).iter().filter(|&&c| c < n) {
                g.add_edge(a, c, Relation::ProviderOf)?;
            }
            for &p in full.peers(a).iter().filter(|&&p| p < n && p > a) {
                g.add_edge(a, p, Relation::Peer)?;
            }
        }
        Ok(g)
    }

    /// A seeded, generated national-scale topology of `n` ASes (20..=4096):
    /// see [`AsGraph::generate_with`]; five national backbones, as in the
    /// domestic AS graph of the field trial's deployment study.
    pub fn generate(n: usize, seed: u64) -> Result<Self, AsGraphError> {
        Self::generate_with(n, 5, seed)
    }

    /// A seeded, generated topology of `n` ASes (20..=4096): a clique of
    /// `backbones` tier-1 ASes (clamped to 2..=n/4), about 15% regional transit ASes
    /// each buying from 1-3 providers chosen by preferential attachment among
    /// the tiers above and peering with a few others of their tier, and stub
    /// ASes multihomed to 1-2 transit providers, again preferentially. This
    /// reproduces the property the field trial's deployment study relies on:
    /// a handful of large ASes sit on most AS paths.
    pub fn generate_with(n: usize, backbones: usize, seed: u64) -> Result<Self, AsGraphError> {
        if !(20..=4096).contains(&n) {
            return Err(AsGraphError::Size(n));
        }
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let t1 = backbones.clamp(2, n / 4);
        let t2 = (n * 15 / 100).max(6);
        let mut g = AsGraph::new();
        for i in 0..n {
            let tier = if i < t1 {
                1
            } else if i < t1 + t2 {
                2
            } else {
                3
            };
            g.add_node(
                Asn(4_200_000_000 + i as u32),
                format!("AS{}", 4_200_000_000u64 + i as u64),
                tier,
            );
        }
        // Tier-1 clique.
        for a in 0..t1 {
            for b in a + 1..t1 {
                let _ = g.add_edge(a, b, Relation::Peer);
            }
        }
        // Tier 2: providers among tier 1 and earlier tier-2 ASes, weighted by degree + 1.
        for i in t1..t1 + t2 {
            let k = rng.gen_range(1..=3usize);
            let candidates: Vec<usize> = (0..i).collect();
            for p in pick_weighted(&g, &candidates, k, &mut rng) {
                let _ = g.add_edge(p, i, Relation::ProviderOf);
            }
        }
        // Regional peering among tier 2.
        for i in t1..t1 + t2 {
            if rng.gen_bool(0.3) {
                let j = rng.gen_range(t1..t1 + t2);
                if j != i && !g.adjacent(i, j) {
                    let _ = g.add_edge(i, j, Relation::Peer);
                }
            }
        }
        // Stubs: 1-2 providers among tier 1 and tier 2, preferential.
        let transit: Vec<usize> = (0..t1 + t2).collect();
        for i in t1 + t2..n {
            let k = if rng.gen_bool(0.4) { 2 } else { 1 };
            for p in pick_weighted(&g, &transit, k, &mut rng) {
                let _ = g.add_edge(p, i, Relation::ProviderOf);
            }
        }
        Ok(g)
    }
}

fn insert_sorted(v: &mut Vec<usize>, x: usize) {
    if let Err(pos) = v.binary_search(&x) {
        v.insert(pos, x);
    }
}

/// Pick `k` distinct candidates with probability proportional to degree + 1.
fn pick_weighted(g: &AsGraph, candidates: &[usize], k: usize, rng: &mut ChaCha8Rng) -> Vec<usize> {
    let mut chosen = Vec::with_capacity(k);
    let mut pool: Vec<usize> = candidates.to_vec();
    pool.shuffle(rng);
    while chosen.len() < k && !pool.is_empty() {
        let total: usize = pool.iter().map(|&c| g.degree(c) + 1).sum();
        let mut x = rng.gen_range(0..total);
        let mut pick = 0;
        for (pos, &c) in pool.iter().enumerate() {
            let w = g.degree(c) + 1;
            if x < w {
                pick = pos;
                break;
            }
            x -= w;
        }
        chosen.push(pool.swap_remove(pick));
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_trial_has_fifteen_isps_and_named_roles() {
        let g = AsGraph::field_trial();
        assert_eq!(g.len(), 15);
        for name in ["ISP-A", "ISP-B", "ISP-C"] {
            assert!(g.index_of_name(name).is_some(), "{name}");
        }
        let a = g.index_of_name("ISP-A").unwrap();
        let c = g.index_of_name("ISP-C").unwrap();
        assert!(!g.adjacent(a, c), "the attack must cross transit ISPs");
        assert!(g.nodes().iter().all(|n| g.degree(g.index_of(n.asn).unwrap()) > 0));
    }

    #[test]
    fn generation_is_seeded_and_connected_upwards() {
        let a = AsGraph::generate(300, 7).unwrap();
        let b = AsGraph::generate(300, 7).unwrap();
        let c = AsGraph::generate(300, 8).unwrap();
        let edges = |g: &AsGraph| (0..g.len()).map(|i| g.neighbors(i)).collect::<Vec<_>>();
        assert_eq!(edges(&a), edges(&b));
        assert_ne!(edges(&a), edges(&c));
        // Every non-tier-1 AS has a provider.
        for (i, n) in a.nodes().iter().enumerate() {
            if n.tier > 1 {
                assert!(!a.providers(i).is_empty(), "{} has no provider", n.name);
            }
        }
        assert!(AsGraph::generate(5, 1).is_err());
    }

    #[test]
    fn prefixes_are_disjoint_and_owned() {
        let g = AsGraph::generate(1000, 1).unwrap();
        for i in [0usize, 1, 17, 999] {
            let (net, _) = g.node(i).v4_prefix;
            let inside = Ipv4Addr::from(u32::from(net) + 77);
            assert_eq!(g.owner_of_v4(inside), Some(i));
        }
    }
}
