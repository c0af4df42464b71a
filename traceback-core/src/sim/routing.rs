//! Valley-free (Gao-Rexford) AS-level routing.
//!
//! Every AS prefers routes learned from customers over routes from peers over
//! routes from providers, then shorter AS paths, then the lower next-hop
//! index (deterministic). Customer routes are exported to everyone, peer and
//! provider routes only to customers, so no path goes down and up again.

use super::asgraph::AsGraph;
use std::collections::VecDeque;

/// How an AS learned its route to a destination (lower is preferred).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Learned {
    Origin,
    Customer,
    Peer,
    Provider,
}

/// Routes of every AS towards one destination.
#[derive(Clone, Debug)]
pub struct RoutesTo {
    dest: usize,
    next_hop: Vec<Option<usize>>,
}

impl RoutesTo {
    /// Compute every AS's best valley-free route to `dest`.
    pub fn compute(g: &AsGraph, dest: usize) -> Self {
        let n = g.len();
        let mut best: Vec<Option<(Learned, usize, usize)>> = vec![None; n]; // (kind, length, next hop)
        best[dest] = Some((Learned::Origin, 0, dest));
        // 1. Customer routes climb provider edges from the destination (BFS: shortest first).
        let mut queue = VecDeque::from([dest]);
        while let Some(x) = queue.pop_front() {
            let len = best[x].map_or(0, |b| b.1);
            for &p in g.providers(x) {
                let cand = (Learned::Customer, len + 1, x);
                if better(best[p], cand) {
                    let fresh = best[p].is_none();
                    best[p] = Some(cand);
                    if fresh {
                        queue.push_back(p);
                    }
                }
            }
        }
        // 2. Peer routes: one peer edge from any AS holding a customer (or origin) route.
        let holders: Vec<usize> = (0..n)
            .filter(|&x| matches!(best[x], Some((Learned::Origin | Learned::Customer, _, _))))
            .collect();
        for x in holders {
            let len = best[x].map_or(0, |b| b.1);
            for &q in g.peers(x) {
                let cand = (Learned::Peer, len + 1, x);
                if better(best[q], cand) {
                    best[q] = Some(cand);
                }
            }
        }
        // 3. Provider routes descend customer edges from every AS holding any route,
        //    shortest first (Dijkstra with unit weights over a multi-source queue).
        let mut order: Vec<usize> = (0..n).filter(|&x| best[x].is_some()).collect();
        order.sort_by_key(|&x| (best[x].map_or(usize::MAX, |b| b.1), x));
        let mut queue: VecDeque<usize> = order.into();
        while let Some(x) = queue.pop_front() {
            let len = best[x].map_or(0, |b| b.1);
            for &c in g.customers(x) {
                let cand = (Learned::Provider, len + 1, x);
                if better(best[c], cand) {
                    best[c] = Some(cand);
                    queue.push_back(c);
                }
            }
        }
        RoutesTo {
            dest,
            next_hop: best.iter().map(|b| b.map(|(_, _, nh)| nh)).collect(),
        }
    }

    /// The destination these routes lead to.
    pub fn dest(&self) -> usize {
        self.dest
    }

    /// The AS path from `src` to the destination, both included, or `None`
    /// when `src` has no route. Bounded by the number of ASes.
    pub fn path_from(&self, src: usize) -> Option<Vec<usize>> {
        let mut path = vec![src];
        let mut x = src;
        while x != self.dest {
            x = self.next_hop.get(x).copied().flatten()?;
            path.push(x);
            if path.len() > self.next_hop.len() {
                return None;
            }
        }
        Some(path)
    }
}

fn better(current: Option<(Learned, usize, usize)>, cand: (Learned, usize, usize)) -> bool {
    match current {
        None => true,
        Some(c) => cand < c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::asgraph::Relation;

    fn valley_free(g: &AsGraph, path: &[usize]) -> bool {
        // Up* (peer)? down*
        let mut phase = 0; // 0 up, 1 after peer, 2 down
        for w in path.windows(2) {
            let (a, b) = (w[0], w[1]);
            let step = if g.providers(a).contains(&b) {
                0
            } else if g.peers(a).contains(&b) {
                1
            } else if g.customers(a).contains(&b) {
                2
            } else {
                return false;
            };
            match (phase, step) {
                (0, s) => phase = s,
                (1, 2) | (2, 2) => phase = 2,
                _ => return false,
            }
        }
        true
    }

    #[test]
    fn field_trial_attack_path_crosses_backbones() {
        let g = AsGraph::field_trial();
        let a = g.index_of_name("ISP-A").unwrap();
        let c = g.index_of_name("ISP-C").unwrap();
        let r = RoutesTo::compute(&g, c);
        let p = r.path_from(a).unwrap();
        assert_eq!(p.first(), Some(&a));
        assert_eq!(p.last(), Some(&c));
        assert!(p.len() >= 3, "{p:?}");
        assert!(valley_free(&g, &p));
    }

    #[test]
    fn all_generated_paths_are_valley_free() {
        let g = AsGraph::generate(200, 3).unwrap();
        for dest in [0, 50, 199] {
            let r = RoutesTo::compute(&g, dest);
            for src in 0..g.len() {
                let p = r
                    .path_from(src)
                    .expect("the generated graph is connected through tier 1");
                assert!(valley_free(&g, &p), "{p:?}");
            }
        }
    }

    #[test]
    fn prefers_customer_routes() {
        let mut g = AsGraph::new();
        for i in 0..4 {
            g.add_node(crate::ids::Asn(i), format!("n{i}"), 2);
        }
        // 0 is provider of 1 and 2; 1 peers 3; 3 is provider of 2.
        g.add_edge(0, 1, Relation::ProviderOf).unwrap();
        g.add_edge(0, 2, Relation::ProviderOf).unwrap();
        g.add_edge(1, 3, Relation::Peer).unwrap();
        g.add_edge(3, 2, Relation::ProviderOf).unwrap();
        let r = RoutesTo::compute(&g, 2);
        // 1 can reach 2 via peer 3 (peer route, length 2) or provider 0 (provider route, length 2): peer wins.
        assert_eq!(r.path_from(1).unwrap(), vec![1, 3, 2]);
    }
}
