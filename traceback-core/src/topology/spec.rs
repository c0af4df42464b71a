//! The topology file format (TOML or JSON), as written by operators.
//!
//! Documented with a complete example in `docs/topology.md`.

use super::ids::{CollectorId, LinkId, RouterId};
use super::prefix::Prefix;
use crate::ids::Asn;
use serde::{Deserialize, Serialize};

/// One ISP's topology as written in a file, before validation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopologySpec {
    /// The ISP's AS number.
    pub asn: Asn,
    /// A free-form name for reports.
    #[serde(default)]
    pub name: String,
    /// The ISP's own address space (used by the simulator to re-address traffic).
    #[serde(default)]
    pub prefixes: Vec<Prefix>,
    /// The routers.
    #[serde(default)]
    pub routers: Vec<RouterSpec>,
    /// Links between two of this ISP's routers.
    #[serde(default)]
    pub links: Vec<LinkSpec>,
    /// Links to neighbour ISPs.
    #[serde(default)]
    pub borders: Vec<BorderSpec>,
    /// Edges to this ISP's own customers.
    #[serde(default)]
    pub customers: Vec<CustomerSpec>,
    /// Digest collectors and what each watches.
    #[serde(default)]
    pub collectors: Vec<CollectorSpec>,
}

/// A router.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouterSpec {
    /// Unique router id.
    pub id: RouterId,
}

/// An internal link between two routers (undirected).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkSpec {
    /// Unique id (shared id space with borders and customers).
    pub id: LinkId,
    /// One end.
    pub a: RouterId,
    /// The other end.
    pub b: RouterId,
}

/// A border link to a neighbour ISP.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BorderSpec {
    /// Unique id (shared id space with links and customers).
    pub id: LinkId,
    /// The local router the link ends at.
    pub router: RouterId,
    /// The neighbour ISP on the other side.
    pub neighbor: Asn,
}

/// An edge to one of this ISP's customers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerSpec {
    /// Unique id (shared id space with links and borders).
    pub id: LinkId,
    /// The local router the customer is attached to.
    pub router: RouterId,
    /// The customer's address prefixes.
    #[serde(default)]
    pub prefixes: Vec<Prefix>,
}

/// A digest collector.
///
/// It watches either a whole link (`router` absent) or one router's
/// interface on that link (`router` present). For tracing both mean "sees
/// the packets that cross `link`".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollectorSpec {
    /// Unique collector id (the name questions are addressed to).
    pub id: CollectorId,
    /// The link, border link or customer edge watched.
    pub link: LinkId,
    /// If set, the router whose interface on `link` is tapped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub router: Option<RouterId>,
}
