//! A seeded, deterministic multi-ISP simulator: a research tool and the test harness.
//!
//! ```text
//!  AsGraph (preset or generated) ─▶ valley-free AS paths ─▶ per-ISP router topologies
//!        ─▶ packets routed hop by hop (TTL−1, checksum recomputed) ─▶ every collector on the way
//!        ─▶ traces (control + interconnect logic) ─▶ results: origin found, false positives, questions
//! ```

pub mod asgraph;
pub mod deployment;
pub mod export;
pub mod isp;
pub mod network;
pub mod report;
pub mod rewrite;
pub mod routing;
pub mod scenario;
pub mod traffic;

pub use asgraph::{AsGraph, AsGraphError, AsNode, Relation};
pub use deployment::{evaluate, evaluate_path, DeploymentReport, PathOutcome};
pub use routing::RoutesTo;

/// Why a simulation could not be set up or run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// A generated ISP topology failed validation.
    #[error("ISP topology: {0}")]
    Topology(#[from] crate::topology::TopologyError),
    /// A generated prefix is invalid.
    #[error("prefix: {0}")]
    Prefix(#[from] crate::topology::PrefixError),
    /// The AS graph could not be built.
    #[error("AS graph: {0}")]
    AsGraph(#[from] AsGraphError),
    /// A packet could not be rewritten on its way.
    #[error("packet rewrite: {0}")]
    Rewrite(#[from] rewrite::RewriteError),
    /// A capture could not be read.
    #[error("capture: {0}")]
    Capture(#[from] crate::capture::CaptureError),
    /// A configuration value is out of range or inconsistent.
    #[error("configuration: {0}")]
    Config(String),
}
