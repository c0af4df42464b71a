//! The interconnect: one per ISP. Speaks InterTrack with the neighbour ISPs'
//! interconnects over mutual TLS, asks its own control where a packet entered,
//! and reports finished paths to the center.
//!
//! ```text
//!  neighbours ══mTLS══▶ inbound ─┐                        ┌─▶ outbound (one per neighbour) ══mTLS══▶ neighbours
//!                                ├─▶ driver: Interconnect ┤
//!  center jobs (HTTP) ─▶ start ──┘   (core state machine) ├─▶ control (LocalTraceRequest, TCP)
//!                                                         └─▶ finished trees ─▶ center report (HTTP)
//! ```
//!
//! Policy (allow/deny, rate limit, export level), hop limit and loop
//! detection are the core's (`traceback_core::intertrack`); this module adds
//! sockets, TLS, the OS clock and timers. A neighbour that cannot be reached
//! is reported unreachable at once; one that stays silent is answered for
//! with Unknown when the core's branch timeout fires.

mod center_link;
mod driver;
mod local;
mod peers;

pub use center_link::{report_of, status_name};
pub use driver::Input;
pub use local::ControlLocator;

use crate::config_file::{self, ConfigFileError};
use crate::limits::{Limits, LimitsConfig};
use crate::tls::{TlsFiles, TlsIdentity};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use traceback_core::intertrack::{
    AsPathTree, ExportLevel, HopLimit, Interconnect, InterconnectConfig, InterconnectStats, PeerPolicy,
    Policy, RateLimit, RequestId, StartError,
};
use traceback_core::proto::{Hello, Role};
use traceback_core::{Asn, Evidence};

/// Where the center is and how to authenticate to it.
#[derive(Clone, Debug)]
pub struct CenterLink {
    /// Base URL, e.g. `http://127.0.0.1:8480`.
    pub url: String,
    /// This ISP's bearer token.
    pub token: String,
    /// How often `GET /v1/jobs` is polled.
    pub poll_every: Duration,
}

/// An interconnect's configuration (the TOML file, resolved).
#[derive(Clone, Debug)]
pub struct InterconnectNetConfig {
    /// This ISP.
    pub asn: Asn,
    /// The mutual-TLS listener for neighbours.
    pub listen: SocketAddr,
    /// This ISP's TLS identity.
    pub tls: TlsIdentity,
    /// The ISP's control.
    pub control: SocketAddr,
    /// Neighbour interconnects.
    pub neighbors: BTreeMap<Asn, SocketAddr>,
    /// The core's configuration (policy, timeouts).
    pub core: InterconnectConfig,
    /// Hop limit of traces started here.
    pub hop_limit: HopLimit,
    /// The center, if this interconnect takes jobs from one.
    pub center: Option<CenterLink>,
    /// Connection limits.
    pub limits: Limits,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InterconnectFile {
    asn: Asn,
    listen: SocketAddr,
    control: SocketAddr,
    tls: TlsFiles,
    #[serde(default)]
    neighbors: Vec<NeighborEntry>,
    #[serde(default)]
    policy: PolicyFile,
    #[serde(default = "five_s")]
    branch_timeout_ms: u64,
    #[serde(default = "five_s")]
    local_timeout_ms: u64,
    #[serde(default = "thirty_s")]
    trace_timeout_ms: u64,
    #[serde(default = "hops")]
    hop_limit: u8,
    center: Option<CenterFile>,
    #[serde(default)]
    limits: LimitsConfig,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NeighborEntry {
    asn: Asn,
    addr: SocketAddr,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    default: Option<PeerFile>,
    #[serde(default)]
    peers: Vec<PeerFile>,
    max_in_progress: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PeerFile {
    asn: Option<Asn>,
    allow: Option<bool>,
    forward: Option<bool>,
    rate_per_second: Option<u32>,
    burst: Option<u32>,
    export: Option<ExportLevel>,
}

impl PeerFile {
    fn apply(&self, mut p: PeerPolicy) -> PeerPolicy {
        if let Some(a) = self.allow {
            p = p.with_allow(a);
        }
        if let Some(f) = self.forward {
            p = p.with_forward(f);
        }
        if self.rate_per_second.is_some() || self.burst.is_some() {
            let mut r = RateLimit::per_second(self.rate_per_second.unwrap_or(p.rate.per_second));
            if let Some(b) = self.burst {
                r = r.with_burst(b);
            }
            p = p.with_rate(r);
        }
        if let Some(e) = self.export {
            p = p.with_export(e);
        }
        p
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CenterFile {
    url: String,
    token_file: std::path::PathBuf,
    #[serde(default = "one_s")]
    poll_every_ms: u64,
}

fn five_s() -> u64 {
    5_000
}
fn thirty_s() -> u64 {
    30_000
}
fn one_s() -> u64 {
    1_000
}
fn hops() -> u8 {
    16
}

impl InterconnectNetConfig {
    /// Load a config file (see `docs/examples/interconnect.toml`).
    pub fn load(path: &Path) -> Result<Self, ConfigFileError> {
        let (f, base): (InterconnectFile, _) = config_file::load(path)?;
        let invalid = |detail: String| ConfigFileError::Invalid {
            path: path.to_path_buf(),
            detail,
        };
        let files = TlsFiles {
            ca: config_file::resolve(&base, &f.tls.ca),
            cert: config_file::resolve(&base, &f.tls.cert),
            key: config_file::resolve(&base, &f.tls.key),
        };
        let tls = TlsIdentity::load(&files).map_err(|e| invalid(e.to_string()))?;
        // A certificate and a key that do not belong together fail here, by name.
        tls.server_config().map_err(|e| {
            invalid(format!(
                "{} with {}: {e}",
                files.cert.display(),
                files.key.display()
            ))
        })?;
        if !tls.names_asn(f.asn) {
            return Err(invalid(format!(
                "{} does not name {} ({}): its peers would refuse it",
                files.cert.display(),
                f.asn,
                crate::tls::dns_name_for(f.asn)
            )));
        }
        let mut policy = Policy::default();
        let mut default_peer = policy.default_peer;
        if let Some(d) = &f.policy.default {
            default_peer = d.apply(default_peer);
            policy = policy.with_default_peer(default_peer);
        }
        for p in &f.policy.peers {
            let asn = p
                .asn
                .ok_or_else(|| invalid("every [[policy.peers]] entry needs an asn".into()))?;
            policy = policy.with_peer(asn, p.apply(default_peer));
        }
        if let Some(m) = f.policy.max_in_progress {
            policy = policy.with_max_in_progress(m);
        }
        let mut neighbors: BTreeMap<Asn, SocketAddr> = BTreeMap::new();
        for n in &f.neighbors {
            if neighbors.insert(n.asn, n.addr).is_some() {
                return Err(invalid(format!("{} is listed twice in [[neighbors]]", n.asn)));
            }
        }
        let core = InterconnectConfig::new(f.asn)
            .with_neighbors(neighbors.keys().copied())
            .with_policy(policy)
            .with_timeouts(
                Duration::from_millis(f.branch_timeout_ms),
                Duration::from_millis(f.local_timeout_ms),
                Duration::from_millis(f.trace_timeout_ms),
            );
        core.validate().map_err(|e| invalid(e.to_string()))?;
        let hop_limit = HopLimit::new(f.hop_limit).map_err(|e| invalid(e.to_string()))?;
        let center = match f.center {
            None => None,
            Some(c) => {
                let token_path = config_file::resolve(&base, &c.token_file);
                let token = std::fs::read_to_string(&token_path)
                    .map_err(|e| invalid(format!("{}: {e}", token_path.display())))?
                    .trim()
                    .to_owned();
                Some(CenterLink {
                    url: c.url,
                    token,
                    poll_every: Duration::from_millis(c.poll_every_ms.max(50)),
                })
            }
        };
        Ok(InterconnectNetConfig {
            asn: f.asn,
            listen: f.listen,
            tls,
            control: f.control,
            neighbors,
            core,
            hop_limit,
            center,
            limits: f.limits.resolve(),
        })
    }
}

/// Why an interconnect could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InterconnectError {
    /// The core rejected the configuration.
    #[error("interconnect config: {0}")]
    Config(#[from] traceback_core::intertrack::ConfigError),
    /// TLS setup failed.
    #[error("TLS: {0}")]
    Tls(#[from] crate::tls::TlsError),
    /// Binding the listener failed.
    #[error("binding {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// The center client could not be built.
    #[error("center: {0}")]
    Center(#[from] crate::center::ClientError),
}

/// A cheap handle to a running interconnect: start traces, wait for them.
#[derive(Clone, Debug)]
pub struct InterconnectHandle {
    inputs: mpsc::UnboundedSender<Input>,
    finished: Arc<Mutex<driver::Finished>>,
}

/// A trace could not be started through a handle.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TraceStartError {
    /// The core refused (too many traces in progress).
    #[error("{0}")]
    Refused(#[from] StartError),
    /// The interconnect has stopped.
    #[error("interconnect stopped")]
    Stopped,
}

impl InterconnectHandle {
    /// Start a trace at this ISP (the victim's); returns its id at once.
    pub async fn start_trace(
        &self,
        evidence: Evidence,
        hop_limit: HopLimit,
    ) -> Result<RequestId, TraceStartError> {
        let (reply, rx) = oneshot::channel();
        self.inputs
            .send(Input::Start {
                evidence,
                hop_limit,
                reply,
            })
            .map_err(|_| TraceStartError::Stopped)?;
        Ok(rx.await.map_err(|_| TraceStartError::Stopped)??)
    }

    /// The state machine's counters (requests, refusals, loops, ...).
    pub async fn stats(&self) -> Option<InterconnectStats> {
        let (reply, rx) = oneshot::channel();
        self.inputs.send(Input::Stats { reply }).ok()?;
        rx.await.ok()
    }

    /// The tree of trace `id` once it finished, or `None` after `timeout`.
    pub async fn wait_finished(&self, id: RequestId, timeout: Duration) -> Option<AsPathTree> {
        let rx = self.finished.lock().ok()?.watch(id);
        tokio::time::timeout(timeout, rx).await.ok()?.ok()
    }
}

/// A running interconnect.
#[derive(Debug)]
pub struct RunningInterconnect {
    /// The mutual-TLS listener's address.
    pub addr: SocketAddr,
    /// Start and wait for traces.
    pub handle: InterconnectHandle,
    shutdown: CancellationToken,
    tasks: TaskTracker,
    _server: JoinHandle<()>,
}

impl RunningInterconnect {
    /// Stop every task and wait for them (open connections get a grace period).
    pub async fn stop(self) {
        self.shutdown.cancel();
        self.tasks.close();
        self.tasks.wait().await;
        let _ = self._server.await;
    }
}

/// Start an interconnect on `config.listen`. Stops when `shutdown` is cancelled.
pub async fn start(
    config: InterconnectNetConfig,
    shutdown: CancellationToken,
) -> Result<RunningInterconnect, InterconnectError> {
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| InterconnectError::Bind {
            addr: config.listen,
            source,
        })?;
    start_on(listener, config, shutdown).await
}

/// Start an interconnect on an already bound listener (`config.listen` is
/// then ignored): lets a test or a launcher bind every port first.
pub async fn start_on(
    listener: TcpListener,
    config: InterconnectNetConfig,
    shutdown: CancellationToken,
) -> Result<RunningInterconnect, InterconnectError> {
    let addr = listener.local_addr().map_err(|source| InterconnectError::Bind {
        addr: config.listen,
        source,
    })?;
    let acceptor = config.tls.acceptor()?;
    let connector = config.tls.connector()?;
    let hello = Hello::new(Role::Interconnect, config.asn, "traceback interconnect");
    let (input_tx, input_rx) = mpsc::unbounded_channel();
    let (query_tx, mut query_rx) = mpsc::unbounded_channel();
    let ic = Interconnect::new(config.core.clone(), Box::new(ControlLocator::new(query_tx)))?;
    let tasks = TaskTracker::new();

    let mut outbound = BTreeMap::new();
    for (&asn, &naddr) in &config.neighbors {
        let (tx, rx) = mpsc::unbounded_channel();
        outbound.insert(asn, tx);
        tasks.spawn(peers::outbound(
            peers::Outbound {
                neighbor: asn,
                addr: naddr,
                connector: connector.clone(),
                hello: hello.clone(),
                limits: config.limits,
            },
            rx,
            input_tx.clone(),
            shutdown.clone(),
        ));
    }
    let finished = Arc::new(Mutex::new(driver::Finished::default()));
    tasks.spawn(driver::run(
        ic,
        input_rx,
        outbound,
        finished.clone(),
        input_tx.clone(),
        shutdown.clone(),
    ));

    // Local queries to the control, each on its own connection, concurrently.
    {
        let (inputs, control, limits, shutdown) =
            (input_tx.clone(), config.control, config.limits, shutdown.clone());
        let local_timeout = config.core.local_timeout;
        let hello = hello.clone();
        tasks.spawn(async move {
            loop {
                let q = tokio::select! {
                    () = shutdown.cancelled() => break,
                    q = query_rx.recv() => match q { Some(q) => q, None => break },
                };
                let (inputs, hello) = (inputs.clone(), hello.clone());
                tokio::spawn(async move {
                    let finding = local::ask_control(control, &hello, limits, &q, local_timeout).await;
                    let _ = inputs.send(Input::Finding {
                        query: q.query,
                        finding,
                    });
                });
            }
        });
    }

    let handle = InterconnectHandle {
        inputs: input_tx.clone(),
        finished,
    };

    if let Some(center) = &config.center {
        let client = crate::center::CenterClient::new(&center.url, &center.token)?;
        tasks.spawn(center_link::poll_jobs(
            client,
            handle.clone(),
            config.hop_limit,
            center.poll_every,
            config.core.trace_timeout + Duration::from_secs(5),
            shutdown.clone(),
        ));
    }

    let neighbors = Arc::new(config.neighbors.keys().copied().collect::<BTreeSet<_>>());
    let server = tokio::spawn(crate::server::serve(
        listener,
        Some(acceptor),
        config.limits,
        shutdown.clone(),
        move |conn, t| peers::inbound(conn, hello.clone(), neighbors.clone(), input_tx.clone(), t),
    ));
    tracing::info!(%addr, asn = %config.asn, neighbors = config.neighbors.len(), "interconnect listening");
    Ok(RunningInterconnect {
        addr,
        handle,
        shutdown,
        tasks,
        _server: server,
    })
}

/// Run an interconnect until `shutdown` completes, then stop it.
pub async fn run(
    config: InterconnectNetConfig,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), InterconnectError> {
    let running = start(config, CancellationToken::new()).await?;
    shutdown.await;
    tracing::info!("interconnect: shutting down");
    running.stop().await;
    Ok(())
}
