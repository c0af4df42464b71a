//! A seeded, deterministic multi-ISP simulator: a research tool and the test harness.
//!
//! ```text
//!  AsGraph (preset or generated) ─▶ valley-free AS paths ─▶ per-ISP router topologies
//!        ─▶ packets routed hop by hop (TTL−1, checksum recomputed) ─▶ every collector on the way
//!        ─▶ traces (control + interconnect logic) ─▶ results: origin found, false positives, questions
//! ```

pub mod asgraph;
pub mod deployment;
pub mod rewrite;
pub mod routing;

pub use asgraph::{AsGraph, AsGraphError, AsNode, Relation};
pub use deployment::{evaluate, evaluate_path, DeploymentReport, PathOutcome};
pub use routing::RoutesTo;
