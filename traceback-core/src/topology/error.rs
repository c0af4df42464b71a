//! Why a topology file was rejected.

use super::ids::{CollectorId, LinkId, RouterId};

/// A topology that cannot be loaded or is inconsistent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TopologyError {
    /// The TOML text does not parse into the documented format.
    #[error("topology TOML: {0}")]
    Toml(String),
    /// The JSON text does not parse into the documented format.
    #[error("topology JSON: {0}")]
    Json(String),
    /// An id is empty.
    #[error("a {kind} has an empty id")]
    EmptyId {
        /// What kind of element ("router", "link", "border", "customer", "collector").
        kind: &'static str,
    },
    /// Two routers share an id.
    #[error("duplicate router id {0}")]
    DuplicateRouter(RouterId),
    /// Two links, border links or customer edges share an id.
    #[error("duplicate link id {0} (links, borders and customers share one id space)")]
    DuplicateLink(LinkId),
    /// Two collectors share an id.
    #[error("duplicate collector id {0}")]
    DuplicateCollector(CollectorId),
    /// A link, border link or customer edge names a router that does not exist.
    #[error("{link} names unknown router {router}")]
    UnknownRouter {
        /// The offending link.
        link: LinkId,
        /// The missing router.
        router: RouterId,
    },
    /// An internal link connects a router to itself.
    #[error("link {0} connects a router to itself")]
    SelfLoop(LinkId),
    /// A collector watches a link that does not exist.
    #[error("collector {collector} watches missing link {link}")]
    UnknownLink {
        /// The collector.
        collector: CollectorId,
        /// The missing link.
        link: LinkId,
    },
    /// A collector watches a router interface on a link that does not touch that router.
    #[error(
        "collector {collector} watches {router}'s interface on {link}, but {link} does not touch {router}"
    )]
    InterfaceNotOnLink {
        /// The collector.
        collector: CollectorId,
        /// The router named.
        router: RouterId,
        /// The link named.
        link: LinkId,
    },
    /// A border link's neighbour is this ISP itself.
    #[error("border {0} leads to this ISP's own AS")]
    BorderToSelf(LinkId),
}
