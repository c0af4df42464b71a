//! The control system's logic: one per ISP, between its collectors and its
//! interconnect.
//!
//! ```text
//!  interconnect ──LocalQuery (evidence, arrival)──▶ ControlTrace
//!                                                   │ 1. where did it leave? (victim side: customer-edge collectors;
//!                                                   │    neighbour side: the border links to that neighbour)
//!                                                   │ 2. a TraceAlgorithm from each exit point (SPIE, border-first, ...)
//!                                                   ▼
//!                      Questions ──▶ collectors ──▶ Answers
//!                                                   ▼
//!  interconnect ◀──LocalFinding (ingress points)── ControlOutcome (+ attack graphs for the operator)
//! ```
//!
//! [`ControlTrace`] is a state machine with the polling contract of
//! [`crate::trace::TraceAlgorithm`]: no I/O, time passed in. [`LocalControl`]
//! drives it synchronously over collectors held in memory (the simulator,
//! embedded deployments) and plugs into the interconnect as an
//! [`crate::intertrack::IngressLocator`]; `traceback-net` drives it over the
//! network.

mod dot;
mod local;
mod trace;

pub use dot::{as_path_dot, attack_graph_dot};
pub use local::{CollectorSet, LocalControl, SharedLocator};
pub use trace::{ControlConfig, ControlError, ControlOutcome, ControlTrace};
