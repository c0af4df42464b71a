//! The validated topology and its adjacency queries.

use super::error::TopologyError;
use super::ids::{CollectorId, LinkId, RouterId};
use super::prefix::Prefix;
use super::spec::TopologySpec;
use crate::evidence::Ingress;
use crate::ids::Asn;
use std::collections::BTreeMap;

/// What a [`LinkId`] names.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LinkKind {
    /// A link between two of this ISP's routers.
    Internal {
        /// One end.
        a: RouterId,
        /// The other end.
        b: RouterId,
    },
    /// A link to a neighbour ISP.
    Border {
        /// The local router.
        router: RouterId,
        /// The neighbour ISP.
        neighbor: Asn,
    },
    /// An edge to one of this ISP's customers.
    Customer {
        /// The local router.
        router: RouterId,
        /// The customer's prefixes.
        prefixes: Vec<Prefix>,
    },
}

impl LinkKind {
    /// Whether this is a border link or a customer edge (where packets enter the ISP).
    pub fn is_edge(&self) -> bool {
        !matches!(self, LinkKind::Internal { .. })
    }
}

/// A collector after validation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Collector {
    /// Its id.
    pub id: CollectorId,
    /// The link it watches.
    pub link: LinkId,
    /// The router whose interface it taps, if it watches one interface.
    pub router: Option<RouterId>,
}

#[derive(Clone, Debug)]
struct LinkEntry {
    kind: LinkKind,
    collectors: Vec<CollectorId>,
}

/// One ISP's validated topology.
///
/// Built with [`Topology::from_spec`], [`Topology::from_toml_str`] or
/// [`Topology::from_json_str`]; every query afterwards is infallible (an
/// unknown id gives `None` or an empty slice).
#[derive(Clone, Debug)]
pub struct Topology {
    spec: TopologySpec,
    /// Router -> links at it (internal, border, customer), in file order.
    routers: BTreeMap<RouterId, Vec<LinkId>>,
    links: BTreeMap<LinkId, LinkEntry>,
    collectors: BTreeMap<CollectorId, Collector>,
}

impl Topology {
    /// Parse and validate a TOML topology file.
    pub fn from_toml_str(text: &str) -> Result<Self, TopologyError> {
        let spec: TopologySpec = toml::from_str(text).map_err(|e| TopologyError::Toml(e.to_string()))?;
        Self::from_spec(spec)
    }

    /// Parse and validate a JSON topology file.
    pub fn from_json_str(text: &str) -> Result<Self, TopologyError> {
        let spec: TopologySpec =
            serde_json::from_str(text).map_err(|e| TopologyError::Json(e.to_string()))?;
        Self::from_spec(spec)
    }

    /// Validate a parsed specification.
    pub fn from_spec(spec: TopologySpec) -> Result<Self, TopologyError> {
        let mut routers: BTreeMap<RouterId, Vec<LinkId>> = BTreeMap::new();
        for r in &spec.routers {
            if r.id.as_str().is_empty() {
                return Err(TopologyError::EmptyId { kind: "router" });
            }
            if routers.insert(r.id.clone(), Vec::new()).is_some() {
                return Err(TopologyError::DuplicateRouter(r.id.clone()));
            }
        }
        let mut links: BTreeMap<LinkId, LinkEntry> = BTreeMap::new();
        let mut add = |kind_name: &'static str,
                       id: &LinkId,
                       kind: LinkKind,
                       routers: &mut BTreeMap<RouterId, Vec<LinkId>>|
         -> Result<(), TopologyError> {
            if id.as_str().is_empty() {
                return Err(TopologyError::EmptyId { kind: kind_name });
            }
            if links.contains_key(id) {
                return Err(TopologyError::DuplicateLink(id.clone()));
            }
            let ends: Vec<RouterId> = match &kind {
                LinkKind::Internal { a, b } => vec![a.clone(), b.clone()],
                LinkKind::Border { router, .. } | LinkKind::Customer { router, .. } => vec![router.clone()],
            };
            for r in &ends {
                match routers.get_mut(r) {
                    Some(at) => at.push(id.clone()),
                    None => {
                        return Err(TopologyError::UnknownRouter {
                            link: id.clone(),
                            router: r.clone(),
                        })
                    }
                }
            }
            links.insert(
                id.clone(),
                LinkEntry {
                    kind,
                    collectors: Vec::new(),
                },
            );
            Ok(())
        };
        for l in &spec.links {
            if l.a == l.b {
                return Err(TopologyError::SelfLoop(l.id.clone()));
            }
            add(
                "link",
                &l.id,
                LinkKind::Internal {
                    a: l.a.clone(),
                    b: l.b.clone(),
                },
                &mut routers,
            )?;
        }
        for b in &spec.borders {
            if b.neighbor == spec.asn {
                return Err(TopologyError::BorderToSelf(b.id.clone()));
            }
            let kind = LinkKind::Border {
                router: b.router.clone(),
                neighbor: b.neighbor,
            };
            add("border", &b.id, kind, &mut routers)?;
        }
        for c in &spec.customers {
            let kind = LinkKind::Customer {
                router: c.router.clone(),
                prefixes: c.prefixes.clone(),
            };
            add("customer", &c.id, kind, &mut routers)?;
        }
        let mut collectors = BTreeMap::new();
        for c in &spec.collectors {
            if c.id.as_str().is_empty() {
                return Err(TopologyError::EmptyId { kind: "collector" });
            }
            let Some(entry) = links.get_mut(&c.link) else {
                return Err(TopologyError::UnknownLink {
                    collector: c.id.clone(),
                    link: c.link.clone(),
                });
            };
            if let Some(r) = &c.router {
                let touches = match &entry.kind {
                    LinkKind::Internal { a, b } => a == r || b == r,
                    LinkKind::Border { router, .. } | LinkKind::Customer { router, .. } => router == r,
                };
                if !touches {
                    return Err(TopologyError::InterfaceNotOnLink {
                        collector: c.id.clone(),
                        router: r.clone(),
                        link: c.link.clone(),
                    });
                }
            }
            let collector = Collector {
                id: c.id.clone(),
                link: c.link.clone(),
                router: c.router.clone(),
            };
            if collectors.insert(c.id.clone(), collector).is_some() {
                return Err(TopologyError::DuplicateCollector(c.id.clone()));
            }
            entry.collectors.push(c.id.clone());
        }
        Ok(Topology {
            spec,
            routers,
            links,
            collectors,
        })
    }

    /// The specification this topology was built from (serializable back to TOML/JSON).
    pub fn spec(&self) -> &TopologySpec {
        &self.spec
    }

    /// The ISP's AS number.
    pub fn asn(&self) -> Asn {
        self.spec.asn
    }

    /// The ISP's own address prefixes.
    pub fn prefixes(&self) -> &[Prefix] {
        &self.spec.prefixes
    }

    /// All router ids, sorted.
    pub fn routers(&self) -> impl Iterator<Item = &RouterId> + '_ {
        self.routers.keys()
    }

    /// Whether a router exists.
    pub fn has_router(&self, router: &str) -> bool {
        self.routers.contains_key(router)
    }

    /// All link ids (internal, border, customer), sorted.
    pub fn link_ids(&self) -> impl Iterator<Item = &LinkId> + '_ {
        self.links.keys()
    }

    /// What a link id names.
    pub fn link(&self, link: &str) -> Option<&LinkKind> {
        self.links.get(link).map(|e| &e.kind)
    }

    /// Every link, border link and customer edge at a router, in file order.
    pub fn links_at(&self, router: &str) -> &[LinkId] {
        self.routers.get(router).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The routers adjacent over internal links, with the link used, in file
    /// order (a neighbour reached over parallel links appears once per link).
    pub fn neighbors<'a>(&'a self, router: &'a str) -> impl Iterator<Item = (&'a LinkId, &'a RouterId)> + 'a {
        self.links_at(router)
            .iter()
            .filter_map(move |l| match self.link(l.as_str()) {
                Some(LinkKind::Internal { a, b }) => Some((l, if a.as_str() == router { b } else { a })),
                _ => None,
            })
    }

    /// The far end of an internal link seen from `router`; `None` for
    /// borders, customer edges, unknown links or a router not on the link.
    pub fn other_end(&self, link: &str, router: &str) -> Option<&RouterId> {
        match self.link(link)? {
            LinkKind::Internal { a, b } if a.as_str() == router => Some(b),
            LinkKind::Internal { a, b } if b.as_str() == router => Some(a),
            _ => None,
        }
    }

    /// The border links to neighbour `asn`, sorted by id.
    pub fn borders_to(&self, asn: Asn) -> Vec<&LinkId> {
        self.links
            .iter()
            .filter(|(_, e)| matches!(e.kind, LinkKind::Border { neighbor, .. } if neighbor == asn))
            .map(|(id, _)| id)
            .collect()
    }

    /// The local router of a border link or customer edge.
    pub fn edge_router(&self, link: &str) -> Option<&RouterId> {
        match self.link(link)? {
            LinkKind::Border { router, .. } | LinkKind::Customer { router, .. } => Some(router),
            LinkKind::Internal { .. } => None,
        }
    }

    /// The collectors watching a link (whole-link or interface), in file order.
    pub fn collectors_watching(&self, link: &str) -> &[CollectorId] {
        self.links
            .get(link)
            .map(|e| e.collectors.as_slice())
            .unwrap_or(&[])
    }

    /// A collector by id.
    pub fn collector(&self, id: &str) -> Option<&Collector> {
        self.collectors.get(id)
    }

    /// All collectors, sorted by id.
    pub fn collectors(&self) -> impl Iterator<Item = &Collector> + '_ {
        self.collectors.values()
    }

    /// The [`Ingress`] a border link or customer edge stands for.
    pub fn ingress_of(&self, link: &str) -> Option<Ingress> {
        let (id, entry) = self.links.get_key_value(link)?;
        match &entry.kind {
            LinkKind::Border { neighbor, .. } => Some(Ingress::Border {
                neighbor: *neighbor,
                link: id.0.clone(),
            }),
            LinkKind::Customer { .. } => Some(Ingress::Customer { edge: id.0.clone() }),
            LinkKind::Internal { .. } => None,
        }
    }

    /// The customer edge whose prefixes hold `ip` (longest match), if any.
    pub fn customer_for(&self, ip: std::net::IpAddr) -> Option<&LinkId> {
        self.spec
            .customers
            .iter()
            .flat_map(|c| {
                c.prefixes
                    .iter()
                    .filter(|p| p.contains(ip))
                    .map(move |p| (p.prefix_len(), &c.id))
            })
            .max_by_key(|(len, _)| *len)
            .map(|(_, id)| id)
    }
}
