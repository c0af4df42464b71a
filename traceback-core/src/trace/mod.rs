//! Tracing a packet inside one ISP: which links did it cross, and where did
//! it enter?
//!
//! ```text
//!   Evidence + start edge ──▶ TraceAlgorithm ──poll_question──▶ Question ──▶ collector (store query)
//!                                   ▲                                            │
//!                                   └────────── handle_answer(id, Answer) ◀──────┘
//!                                   │ is_done
//!                                   ▼
//!                       poll_outcome: AttackGraph { nodes, links, ingress: Vec<Ingress> }
//! ```
//!
//! Algorithms are state machines with no I/O and no clock
//! ([`TraceAlgorithm`] documents the polling contract); [`drive`] runs one
//! synchronously against a closure, bounded. Built-ins: [`SpieFlood`]
//! (reverse-path flooding) and [`BorderFirst`] (edge collectors only),
//! chosen by name with [`AlgorithmKind`] or an [`AlgorithmRegistry`].
//! [`QuestionBook`] does the bookkeeping a new algorithm needs.
//! The rules are written up in `docs/trace-algorithms.md`.
//!
//! ```
//! use std::sync::Arc;
//! use traceback_core::store::{Coverage, QueryAnswer, WindowMatch};
//! use traceback_core::topology::Topology;
//! use traceback_core::trace::{drive, AlgorithmKind, Answer, TraceParams};
//! use traceback_core::{Asn, Digest, DigestProfile, Evidence, Ingress, TimeRange, Timestamp};
//!
//! let topo = Arc::new(Topology::from_toml_str(r#"
//!     asn = 64500
//!     routers = [{ id = "r1" }, { id = "r2" }]
//!     links = [{ id = "r1-r2", a = "r1", b = "r2" }]
//!     borders = [{ id = "up", router = "r1", neighbor = 64501 }]
//!     customers = [{ id = "victim", router = "r2" }]
//!     collectors = [{ id = "c12", link = "r1-r2" }, { id = "cup", link = "up" }]
//! "#)?);
//! let evidence = Evidence {
//!     digest: Digest([7; 16]),
//!     profile: DigestProfile::default(),
//!     seen_at: Timestamp::from_secs(1_700_000_000),
//!     before: std::time::Duration::from_secs(1),
//!     after: std::time::Duration::ZERO,
//! };
//! // Every collector saw the packet (an exact store would say so).
//! let mut collectors = |q: &traceback_core::trace::Question| {
//!     let seen = WindowMatch { span: TimeRange::at(q.range.end), false_positive_probability: 0.0 };
//!     Answer::Store(QueryAnswer { matches: vec![seen], coverage: Coverage::Full })
//! };
//! let kind: AlgorithmKind = "spie".parse()?;
//! let mut trace = kind.start(topo, TraceParams::new(evidence, "victim"))?;
//! let graph = drive(trace.as_mut(), &mut collectors, 100)?;
//! assert_eq!(graph.ingress, vec![Ingress::Border { neighbor: Asn(64501), link: "up".into() }]);
//! assert_eq!(graph.questions_asked(), 2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod algorithm;
mod book;
mod border_first;
mod drive;
mod error;
mod factory;
mod graph;
mod locate;
mod params;
mod question;
mod spie;

pub use algorithm::TraceAlgorithm;
pub use book::{LinkResult, QuestionBook, QuestionStats};
pub use border_first::{BorderFirst, BORDER_FIRST_NAME};
pub use drive::{drive, DriveError};
pub use error::TraceError;
pub use factory::{AlgorithmConstructor, AlgorithmKind, AlgorithmRegistry};
pub use graph::{AttackGraph, GraphLink, GraphNode, IngressBasis, IngressFinding, NodeStatus};
pub use locate::start_edges;
pub use params::{Acceptance, TraceOptions, TraceParams};
pub use question::{Answer, Failure, Observation, Question, QuestionId, UnknownReason};
pub use spie::{SpieFlood, SPIE_NAME};
