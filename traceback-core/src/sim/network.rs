//! The simulated network: packets routed along AS paths and router paths,
//! rewritten at every router (TTL or hop limit minus one, header checksum
//! recomputed), and digested by every collector on the links they cross.

use super::asgraph::AsGraph;
use super::isp::{border_link_id, build_topology};
use super::rewrite::forward_hop;
use super::routing::RoutesTo;
use super::SimError;
use crate::digest::{Digest, Digester};
use crate::packet::LinkType;
use crate::store::DigestStore;
use crate::time::Timestamp;
use crate::topology::{CollectorId, LinkId, RouterId, Topology};
use core::time::Duration;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

/// One ISP's collector stores, by collector id.
pub type CollectorStores = BTreeMap<CollectorId, Box<dyn DigestStore>>;

/// Makes the store of one collector (ISP index, collector id).
pub type StoreFactory = dyn Fn(usize, &CollectorId) -> Box<dyn DigestStore>;

/// One packet as a collector saw it: what a capture on that link records.
#[derive(Clone, Copy, Debug)]
pub struct Tapped<'a> {
    /// Index of the collector's ISP.
    pub isp: usize,
    /// The collector.
    pub collector: &'a CollectorId,
    /// The link it watches.
    pub link: &'a LinkId,
    /// The time on the collector's clock (skew applied).
    pub at: Timestamp,
    /// The bare IP packet as it crossed the link.
    pub packet: &'a [u8],
}

/// Receives every [`Tapped`] packet (for example to write per-collector captures).
pub type Tap = dyn FnMut(Tapped<'_>);

/// A customer edge of one ISP: where traffic enters or leaves the federation.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Endpoint {
    /// Index of the ISP in the [`AsGraph`].
    pub isp: usize,
    /// The customer edge's link id in that ISP's topology.
    pub edge: LinkId,
}

/// Where one packet went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    /// The AS path, sender's ISP first.
    pub as_path: Vec<usize>,
    /// Every (ISP, link) the packet crossed, in order.
    pub links: Vec<(usize, LinkId)>,
    /// When it reached the receiver's edge (true time).
    pub arrived_at: Timestamp,
    /// The packet as delivered (after every hop's rewrite).
    pub packet: Vec<u8>,
    /// The digest the first collector computed (equal at every hop).
    pub digest: Option<Digest>,
}

/// Counters over everything the network carried.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NetworkStats {
    /// Packets handed to [`Network::send`].
    pub packets: u64,
    /// Packets delivered to their receiver.
    pub delivered: u64,
    /// Packets dropped on the way (TTL expired, no route, unrewritable).
    pub dropped: u64,
    /// Collector observations stored.
    pub observations: u64,
    /// Collector observations of packets that could not be digested.
    pub undigested: u64,
}

/// The simulated federation's data plane.
pub struct Network {
    graph: AsGraph,
    isps: Vec<Topology>,
    stores: Vec<BTreeMap<CollectorId, Box<dyn DigestStore>>>,
    routes: BTreeMap<usize, RoutesTo>,
    router_paths: BTreeMap<(usize, RouterId, RouterId), Vec<(LinkId, RouterId)>>,
    digester: Arc<dyn Digester>,
    skew: Vec<i64>,
    hop_latency: Duration,
    stats: NetworkStats,
    tap: Option<Box<Tap>>,
}

impl Network {
    /// Build router topologies for every AS of `graph`, with a store per
    /// collector from `factory`. `skew_ns[i]` is the clock offset of ISP
    /// `i`'s collectors (empty: no skew). Every link adds `hop_latency`.
    pub fn new(
        graph: AsGraph,
        digester: Arc<dyn Digester>,
        factory: &StoreFactory,
        skew_ns: Vec<i64>,
        hop_latency: Duration,
    ) -> Result<Self, SimError> {
        let mut isps = Vec::with_capacity(graph.len());
        let mut stores = Vec::with_capacity(graph.len());
        for i in 0..graph.len() {
            let t = build_topology(&graph, i)?;
            stores.push(
                t.collectors()
                    .map(|c| (c.id.clone(), factory(i, &c.id)))
                    .collect(),
            );
            isps.push(t);
        }
        let skew = if skew_ns.is_empty() {
            vec![0; graph.len()]
        } else {
            skew_ns
        };
        if skew.len() != graph.len() {
            return Err(SimError::Config(format!(
                "{} clock skews for {} ISPs",
                skew.len(),
                graph.len()
            )));
        }
        Ok(Network {
            graph,
            isps,
            stores,
            routes: BTreeMap::new(),
            router_paths: BTreeMap::new(),
            digester,
            skew,
            hop_latency,
            stats: NetworkStats::default(),
            tap: None,
        })
    }

    /// The AS graph.
    pub fn graph(&self) -> &AsGraph {
        &self.graph
    }

    /// ISP `i`'s router topology.
    pub fn topology(&self, i: usize) -> &Topology {
        &self.isps[i]
    }

    /// The store of collector `id` of ISP `i`.
    pub fn store(&self, i: usize, id: &str) -> Option<&dyn DigestStore> {
        self.stores.get(i)?.get(id).map(|b| b.as_ref())
    }

    /// Every store of ISP `i`.
    pub fn stores_of(&self, i: usize) -> &BTreeMap<CollectorId, Box<dyn DigestStore>> {
        &self.stores[i]
    }

    /// Hand every packet a collector sees to `tap` as well as to its store.
    pub fn set_tap(&mut self, tap: Box<Tap>) {
        self.tap = Some(tap);
    }

    /// Give up the network, keeping every ISP's router topology and
    /// collector stores (both by ISP index).
    pub fn into_parts(self) -> (Vec<Topology>, Vec<CollectorStores>) {
        (self.isps, self.stores)
    }

    /// The clock offset of ISP `i`'s collectors, in nanoseconds.
    pub fn skew_ns(&self, i: usize) -> i64 {
        self.skew[i]
    }

    /// The digester every collector uses.
    pub fn digester(&self) -> &Arc<dyn Digester> {
        &self.digester
    }

    /// Counters.
    pub fn stats(&self) -> NetworkStats {
        self.stats
    }

    /// The AS path from ISP `src` to ISP `dst`.
    pub fn as_path(&mut self, src: usize, dst: usize) -> Option<Vec<usize>> {
        let g = &self.graph;
        self.routes
            .entry(dst)
            .or_insert_with(|| RoutesTo::compute(g, dst))
            .path_from(src)
    }

    /// Send a bare IP packet from one customer edge to another at true time
    /// `at`. Every collector on the way stores its digest at its own clock.
    pub fn send(
        &mut self,
        mut packet: Vec<u8>,
        from: &Endpoint,
        to: &Endpoint,
        at: Timestamp,
    ) -> Result<Delivery, SimError> {
        self.stats.packets += 1;
        let Some(as_path) = self.as_path(from.isp, to.isp) else {
            self.stats.dropped += 1;
            return Err(SimError::Config(format!(
                "no route from ISP {} to ISP {}",
                from.isp, to.isp
            )));
        };
        let mut links = Vec::new();
        let mut t = at;
        let mut digest = None;
        for (k, &isp) in as_path.iter().enumerate() {
            let ingress = if k == 0 {
                from.edge.clone()
            } else {
                border_link_id(&self.graph, as_path[k - 1])
            };
            let egress = if k + 1 == as_path.len() {
                to.edge.clone()
            } else {
                border_link_id(&self.graph, as_path[k + 1])
            };
            let (Some(r_in), Some(r_out)) = (
                self.isps[isp].edge_router(ingress.as_str()).cloned(),
                self.isps[isp].edge_router(egress.as_str()).cloned(),
            ) else {
                self.stats.dropped += 1;
                return Err(SimError::Config(format!(
                    "ISP {isp} has no edge {ingress} or {egress}"
                )));
            };
            // Crossing the ingress link (into the first router).
            let d = self.observe(isp, &ingress, &packet, t);
            digest = digest.or(d);
            links.push((isp, ingress));
            t = t.saturating_add(self.hop_latency);
            let hops = self.router_path(isp, &r_in, &r_out)?;
            for (link, _next) in hops {
                if let Err(e) = forward_hop(&mut packet) {
                    self.stats.dropped += 1;
                    return Err(e.into());
                }
                self.observe(isp, &link, &packet, t);
                links.push((isp, link));
                t = t.saturating_add(self.hop_latency);
            }
            // The last router forwards onto the egress link.
            if let Err(e) = forward_hop(&mut packet) {
                self.stats.dropped += 1;
                return Err(e.into());
            }
            self.observe(isp, &egress, &packet, t);
            links.push((isp, egress));
            t = t.saturating_add(self.hop_latency);
        }
        self.stats.delivered += 1;
        Ok(Delivery {
            as_path,
            links,
            arrived_at: t,
            packet,
            digest,
        })
    }

    /// Every collector watching `link` of ISP `isp` digests `packet` at its clock.
    fn observe(&mut self, isp: usize, link: &LinkId, packet: &[u8], t: Timestamp) -> Option<Digest> {
        let fd = self.digester.digest_frame(LinkType::RAW, packet);
        let local = skewed(t, self.skew[isp]);
        let ids = self.isps[isp].collectors_watching(link.as_str()).to_vec();
        for id in ids {
            if let Some(tap) = self.tap.as_mut() {
                tap(Tapped {
                    isp,
                    collector: &id,
                    link,
                    at: local,
                    packet,
                });
            }
            match fd.digest {
                Some(d) => {
                    if let Some(s) = self.stores[isp].get_mut(&id) {
                        s.insert(&d, local);
                        self.stats.observations += 1;
                    }
                }
                None => self.stats.undigested += 1,
            }
        }
        fd.digest
    }

    /// Shortest router path inside ISP `isp` (BFS, deterministic), as the
    /// internal links to cross with the router each leads to.
    fn router_path(
        &mut self,
        isp: usize,
        from: &RouterId,
        to: &RouterId,
    ) -> Result<Vec<(LinkId, RouterId)>, SimError> {
        let key = (isp, from.clone(), to.clone());
        if let Some(p) = self.router_paths.get(&key) {
            return Ok(p.clone());
        }
        let topo = &self.isps[isp];
        let mut prev: BTreeMap<RouterId, (LinkId, RouterId)> = BTreeMap::new();
        let mut seen = BTreeSet::from([from.clone()]);
        let mut queue = VecDeque::from([from.clone()]);
        while let Some(r) = queue.pop_front() {
            if &r == to {
                break;
            }
            for (l, n) in topo.neighbors(r.as_str()) {
                if seen.insert(n.clone()) {
                    prev.insert(n.clone(), (l.clone(), r.clone()));
                    queue.push_back(n.clone());
                }
            }
        }
        if !seen.contains(to) {
            return Err(SimError::Config(format!(
                "ISP {isp}: no router path from {from} to {to}"
            )));
        }
        let mut path = Vec::new();
        let mut cur = to.clone();
        while &cur != from {
            let (l, p) = prev[&cur].clone();
            path.push((l, cur.clone()));
            cur = p;
        }
        path.reverse();
        self.router_paths.insert(key, path.clone());
        Ok(path)
    }
}

/// `t` as read by a clock `skew_ns` nanoseconds off.
pub(crate) fn skewed(t: Timestamp, skew_ns: i64) -> Timestamp {
    if skew_ns >= 0 {
        t.saturating_add(Duration::from_nanos(skew_ns as u64))
    } else {
        t.saturating_sub(Duration::from_nanos(skew_ns.unsigned_abs()))
    }
}
