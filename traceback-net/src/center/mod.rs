//! The management center: where operators ask for a trace, where finished
//! paths are recorded, and where countermeasure requests reach the origin
//! ISP's operator (the 2009 trial's "traceback search" system).
//!
//! ```text
//!  operator (ISP-C) ──POST /v1/searches──▶ center ──TraceDispatcher──▶ ISP-C interconnect
//!        ▲                                   │  ▲                          │ InterTrack
//!        └──GET /v1/searches/{id}────────────┘  └──POST /v1/reports────────┘ (path report)
//!  operator (ISP-C) ──POST .../countermeasures──▶ inbox of ISP-A ──ack──▶ audit log
//! ```
//!
//! The center never sees an ISP's traffic or topology: it receives evidence
//! (a digest, or a packet it digests itself), hands it to the victim ISP's
//! interconnect, and stores what the interconnect reports (origin ASes, AS
//! paths, per-AS status). State lives in one SQLite file ([`db`]) that
//! survives restarts; unfinished searches are resumed. `docs/center.md`
//! describes the API, the schema and the operator flow.

pub mod api;
pub mod auth;
pub mod client;
pub mod config;
pub mod db;
pub mod dispatch;
mod eve;
pub mod model;
pub mod service;
pub mod sim;
pub mod store;
pub mod submit;
pub mod timefmt;

pub use api::{router, serve};
pub use auth::{IspDirectory, IspEntry, TokenHash};
pub use client::{CenterClient, ClientError};
pub use config::{CenterConfig, ConfigError};
pub use dispatch::{AwaitReport, DispatchError, Dispatched, TraceDispatcher, TraceJob};
pub use service::{Center, CenterError};
pub use sim::{report_from_tree, FederationDispatcher};

use std::future::Future;
use std::sync::Arc;

/// Open the center described by `config`, listen on `config.listen` and
/// serve until `shutdown` completes.
pub async fn run(
    config: CenterConfig,
    dispatcher: Arc<dyn TraceDispatcher>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), RunError> {
    let center = Center::open(&config, dispatcher).await?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| RunError::Bind(config.listen, e))?;
    tracing::info!(addr = %config.listen, isps = config.isps.len(), "center listening");
    serve(center, listener, shutdown).await.map_err(RunError::Serve)?;
    tracing::info!("center stopped");
    Ok(())
}

/// Why [`run`] stopped with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// The center could not be opened.
    #[error(transparent)]
    Open(#[from] CenterError),
    /// The listen address could not be bound.
    #[error("cannot listen on {0}: {1}")]
    Bind(std::net::SocketAddr, std::io::Error),
    /// The server failed.
    #[error("server: {0}")]
    Serve(std::io::Error),
}
