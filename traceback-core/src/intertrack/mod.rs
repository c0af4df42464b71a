//! InterTrack: the inter-ISP logic of a trace, without I/O.
//!
//! ```text
//!  victim's ISP (origin)          transit ISP                 source ISP
//!  ┌───────────────────┐  req   ┌──────────────┐   req    ┌──────────────┐
//!  │ Interconnect      │──────▶ │ Interconnect │ ───────▶ │ Interconnect │
//!  │  └ IngressLocator │ ◀───── │  └ Locator   │ ◀─────── │  └ Locator   │
//!  │  └ AsPathTree     │ replies│  relays      │  reply   │  Source      │
//!  └───────────────────┘        └──────────────┘          └──────────────┘
//! ```
//!
//! - [`message`]: [`TraceRequest`], [`TraceReply`] and their bounded fields.
//! - [`status`]: [`AsStatus`], what an AS discloses.
//! - [`method`]: [`IngressLocator`], the adapter to an ISP's own traceback
//!   method; [`FlowRecordLocator`] is one built on ingress flow records.
//! - [`policy`]: per-peer allow/deny, rate limit and export level.
//! - [`Interconnect`]: the per-ISP state machine (InterTrack's ITM).
//! - [`AsPathTree`]: the origin's merged result.
//! - [`harness`]: a seeded in-process federation of interconnects.
//!
//! `docs/intertrack.md` gives the semantics and maps them to InterTrack's
//! ITM / BTM / DTM roles.

mod config;
mod flow_records;
pub mod harness;
mod interconnect;
pub mod message;
pub mod method;
mod output;
pub mod policy;
mod session;
pub mod status;
mod tree;

pub use config::{ConfigError, InterconnectConfig};
pub use flow_records::{FlowRecordLocator, IngressFlowRecord};
pub use interconnect::Interconnect;
pub use message::{
    Confidence, HopLimit, Message, MessageError, ReplyDetail, RequestId, TraceReply, TraceRequest, Upstream,
    UpstreamNote, VisitedList,
};
pub use method::{Arrival, IngressLocator, LocalFinding, LocalQuery, Located, QueryId};
pub use output::{Event, FindingError, InterconnectStats, StartError, Transmit};
pub use policy::{ExportLevel, PeerPolicy, Policy, RateLimit};
pub use status::{AsStatus, RefusalReason, UnknownReason};
pub use tree::{AsNode, AsPathTree, Conflict, MAX_CONFLICTS, MAX_TREE_NODES};
