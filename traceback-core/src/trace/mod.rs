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

mod algorithm;
mod book;
mod border_first;
mod drive;
mod error;
mod factory;
mod graph;
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
pub use params::{Acceptance, TraceOptions, TraceParams};
pub use question::{Answer, Failure, Observation, Question, QuestionId, UnknownReason};
pub use spie::{SpieFlood, SPIE_NAME};
