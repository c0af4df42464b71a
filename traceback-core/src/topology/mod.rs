//! One ISP's network as the trace sees it: routers, the links between them,
//! the collectors watching those links, and where the ISP meets the outside
//! world (border links to neighbour ISPs, edges to its own customers).
//!
//! ```text
//!   neighbour AS ══ border link ══▶ router ── internal link ── router ◀── customer edge ── customer prefixes
//!                      ▲                          ▲                            ▲
//!                  collector                  collector                (optional) collector
//! ```
//!
//! A [`Topology`] is built from a [`TopologySpec`] (the TOML / JSON file
//! format documented in `docs/topology.md`) and validated on construction:
//! every id is unique, every link names routers that exist, every collector
//! watches a link that exists. After that the adjacency queries cannot fail.
//!
//! Links, border links and customer edges share one id space ([`LinkId`]):
//! all three are "something a packet crosses that a collector can watch".

mod error;
mod ids;
mod model;
mod prefix;
mod spec;

pub use error::TopologyError;
pub use ids::{CollectorId, LinkId, RouterId};
pub use model::{Collector, LinkKind, Topology};
pub use prefix::{Prefix, PrefixError};
pub use spec::{BorderSpec, CollectorSpec, CustomerSpec, LinkSpec, RouterSpec, TopologySpec};
