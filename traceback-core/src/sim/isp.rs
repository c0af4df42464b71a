//! Router-level topologies for the ISPs of an [`AsGraph`].
//!
//! Each AS gets core routers (4 for backbones, 3 for regional transit, 2 for
//! access ISPs) in a ring with one chord, a border link per neighbour AS,
//! customer edges holding /24s of the AS's /20, and a collector on every
//! link, border link and customer edge (SPIE's full deployment).

use super::asgraph::AsGraph;
use super::SimError;
use crate::topology::{
    BorderSpec, CollectorSpec, CustomerSpec, LinkId, LinkSpec, Prefix, RouterSpec, Topology, TopologySpec,
};
use std::net::{IpAddr, Ipv4Addr};

/// Customer edges per ISP.
pub const CUSTOMERS_PER_ISP: usize = 3;

/// Name of the border link of an ISP towards `neighbor_index`'s AS.
pub fn border_link_id(g: &AsGraph, neighbor_index: usize) -> LinkId {
    LinkId(format!("border-{}", g.node(neighbor_index).asn))
}

/// Name of customer edge `j` of an ISP.
pub fn customer_link_id(j: usize) -> LinkId {
    LinkId(format!("customer-{j}"))
}

/// The /24 of customer edge `j` of AS `idx`.
pub fn customer_prefix(g: &AsGraph, idx: usize, j: usize) -> (Ipv4Addr, u8) {
    let (net, _) = g.node(idx).v4_prefix;
    (Ipv4Addr::from(u32::from(net) + ((j as u32 + 1) << 8)), 24)
}

/// Build the router-level topology of AS `idx`.
pub fn build_topology(g: &AsGraph, idx: usize) -> Result<Topology, SimError> {
    let node = g.node(idx);
    let cores = match node.tier {
        1 => 4,
        2 => 3,
        _ => 2,
    };
    let router = |i: usize| format!("r{i}");
    let mut spec = TopologySpec {
        asn: node.asn,
        name: node.name.clone(),
        prefixes: vec![
            Prefix::new(IpAddr::V4(node.v4_prefix.0), node.v4_prefix.1)?,
            Prefix::new(IpAddr::V6(node.v6_prefix.0), node.v6_prefix.1)?,
        ],
        routers: (0..cores).map(|i| RouterSpec { id: router(i).into() }).collect(),
        links: Vec::new(),
        borders: Vec::new(),
        customers: Vec::new(),
        collectors: Vec::new(),
    };
    // Ring, plus a chord across it when there are four routers.
    let mut pairs: Vec<(usize, usize)> = (0..cores).map(|i| (i, (i + 1) % cores)).collect();
    if cores == 2 {
        pairs.truncate(1);
    }
    if cores == 4 {
        pairs.push((0, 2));
    }
    for (a, b) in pairs {
        spec.links.push(LinkSpec {
            id: format!("core-{a}-{b}").into(),
            a: router(a).into(),
            b: router(b).into(),
        });
    }
    for (k, n) in g.neighbors(idx).into_iter().enumerate() {
        spec.borders.push(BorderSpec {
            id: border_link_id(g, n),
            router: router(k % cores).into(),
            neighbor: g.node(n).asn,
        });
    }
    for j in 0..CUSTOMERS_PER_ISP {
        let (net, len) = customer_prefix(g, idx, j);
        spec.customers.push(CustomerSpec {
            id: customer_link_id(j),
            router: router((j + 1) % cores).into(),
            prefixes: vec![Prefix::new(IpAddr::V4(net), len)?],
        });
    }
    let all_links: Vec<LinkId> = spec
        .links
        .iter()
        .map(|l| l.id.clone())
        .chain(spec.borders.iter().map(|b| b.id.clone()))
        .chain(spec.customers.iter().map(|c| c.id.clone()))
        .collect();
    for l in all_links {
        spec.collectors.push(CollectorSpec {
            id: format!("col-{l}").into(),
            link: l,
            router: None,
        });
    }
    Ok(Topology::from_spec(spec)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_trial_isp_builds_and_has_collectors_everywhere() {
        let g = AsGraph::field_trial();
        for i in 0..g.len() {
            let t = build_topology(&g, i).unwrap();
            assert_eq!(t.asn(), g.node(i).asn);
            for l in t.link_ids() {
                assert!(
                    !t.collectors_watching(l.as_str()).is_empty(),
                    "{l} has no collector"
                );
            }
            for n in g.neighbors(i) {
                assert!(t.link(border_link_id(&g, n).as_str()).is_some());
            }
        }
    }
}
