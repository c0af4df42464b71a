//! The control: one per ISP. Answers its interconnect's "where did this
//! packet enter our network?" by running the ISP's trace algorithm over its
//! collectors.
//!
//! ```text
//!  interconnect ─LocalTraceRequest─▶ control ─ traceback_core::control::ControlTrace: exit points
//!                                       │ (victim side: customer-edge collectors; neighbour side: its
//!                                       │ border links), then the trace algorithm from each exit
//!                                       ├─Query─▶ collector A   (concurrently, question_timeout each;
//!                                       ├─Query─▶ collector B    unreachable → Failed(Unreachable))
//!  interconnect ◀─ControlFinding─────── ingress points, counts of questions and failures
//! ```

mod collectors;
mod run_trace;

pub use collectors::CollectorPool;

use crate::config_file::{self, ConfigFileError};
use crate::conn::{Conn, ConnError};
use crate::limits::{Limits, LimitsConfig};
use serde::Deserialize;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use traceback_core::control::{ControlConfig as TraceConfig, ControlTrace};
use traceback_core::intertrack::LocalFinding;
use traceback_core::proto::{
    ControlFinding, ControlMsg, ControlResult, ErrorCode, ErrorReply, Hello, LocalTraceRequest, Message, Role,
};
use traceback_core::topology::{CollectorId, Topology};
use traceback_core::trace::AlgorithmRegistry;
use traceback_core::DigestProfile;

/// A control's configuration (the TOML file, resolved).
#[derive(Clone, Debug)]
pub struct ControlNetConfig {
    /// Where the interconnect connects.
    pub listen: SocketAddr,
    /// The ISP's topology.
    pub topology: Arc<Topology>,
    /// How the ISP traces: algorithm name, its options, a question bound.
    pub trace: TraceConfig,
    /// Collector addresses by topology id.
    pub collectors: HashMap<CollectorId, SocketAddr>,
    /// Traces run at once; more get `Busy`.
    pub max_concurrent_traces: usize,
    /// Bound on one local trace (all its questions).
    pub trace_timeout: Duration,
    /// The profile collectors store.
    pub profile: DigestProfile,
    /// Connection limits (listener and collector connections).
    pub limits: Limits,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ControlFile {
    listen: SocketAddr,
    topology: std::path::PathBuf,
    #[serde(default)]
    trace: TraceConfig,
    #[serde(default)]
    collectors: Vec<CollectorAddr>,
    #[serde(default = "eight")]
    max_concurrent_traces: usize,
    #[serde(default = "ten_s")]
    trace_timeout_ms: u64,
    #[serde(default)]
    key_epoch: u32,
    #[serde(default)]
    limits: LimitsConfig,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CollectorAddr {
    id: String,
    addr: SocketAddr,
}

fn eight() -> usize {
    8
}
fn ten_s() -> u64 {
    10_000
}

impl ControlNetConfig {
    /// Load a config file (see `docs/examples/control.toml`); the topology
    /// path is relative to it. Every collector of the topology must have an address.
    pub fn load(path: &Path) -> Result<Self, ConfigFileError> {
        let (f, base): (ControlFile, _) = config_file::load(path)?;
        let invalid = |detail: String| ConfigFileError::Invalid {
            path: path.to_path_buf(),
            detail,
        };
        let topo_path = config_file::resolve(&base, &f.topology);
        let text = std::fs::read_to_string(&topo_path)
            .map_err(|e| invalid(format!("{}: {e}", topo_path.display())))?;
        let topology =
            Topology::from_toml_str(&text).map_err(|e| invalid(format!("{}: {e}", topo_path.display())))?;
        let mut collectors: HashMap<CollectorId, SocketAddr> = HashMap::new();
        for c in f.collectors {
            let id = CollectorId::from(c.id);
            if !topology.collectors().any(|t| t.id == id) {
                return Err(invalid(format!(
                    "collector {id} is not in the topology {}",
                    topo_path.display()
                )));
            }
            if collectors.contains_key(&id) {
                return Err(invalid(format!(
                    "collector {id} is listed twice in [[collectors]]"
                )));
            }
            if let Some((other, _)) = collectors.iter().find(|(_, a)| **a == c.addr) {
                return Err(invalid(format!(
                    "collectors {other} and {id} share the address {}",
                    c.addr
                )));
            }
            collectors.insert(id, c.addr);
        }
        for c in topology.collectors() {
            if !collectors.contains_key(&c.id) {
                return Err(invalid(format!(
                    "collector {} of the topology has no address",
                    c.id
                )));
            }
        }
        if !AlgorithmRegistry::with_builtins()
            .names()
            .any(|n| n.eq_ignore_ascii_case(f.trace.algorithm.trim()))
        {
            return Err(invalid(format!(
                "unknown trace algorithm {:?} (known: {})",
                f.trace.algorithm,
                AlgorithmRegistry::with_builtins()
                    .names()
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        if f.max_concurrent_traces == 0 {
            return Err(invalid("max_concurrent_traces must be at least 1".into()));
        }
        Ok(ControlNetConfig {
            listen: f.listen,
            topology: Arc::new(topology),
            trace: f.trace,
            collectors,
            max_concurrent_traces: f.max_concurrent_traces,
            trace_timeout: Duration::from_millis(f.trace_timeout_ms.max(1)),
            profile: DigestProfile::V1.with_epoch(f.key_epoch),
            limits: f.limits.resolve(),
        })
    }
}

/// The state shared by a control's connections.
#[derive(Debug)]
struct ControlState {
    config: ControlNetConfig,
    registry: Arc<AlgorithmRegistry>,
    pool: Arc<CollectorPool>,
    traces: Arc<Semaphore>,
    hello: Hello,
}

impl ControlState {
    /// Run the local trace for one request.
    async fn locate(&self, req: &LocalTraceRequest) -> ControlFinding {
        let Ok(_permit) = self.traces.clone().try_acquire_owned() else {
            return ControlFinding {
                result: ControlResult::Busy,
                questions: 0,
                failed: 0,
            };
        };
        let trace = match ControlTrace::new(
            self.config.topology.clone(),
            self.registry.clone(),
            self.config.trace.clone(),
            req.evidence,
            req.arrival,
        ) {
            Ok(t) => t,
            Err(e) => {
                tracing::warn!(arrival = ?req.arrival, "control: cannot start trace: {e}");
                return ControlFinding {
                    result: ControlResult::Unavailable,
                    questions: 0,
                    failed: 0,
                };
            }
        };
        let run = run_trace::run(
            trace,
            self.pool.clone(),
            self.config.trace.options.question_timeout,
            self.config.trace_timeout,
        )
        .await;
        let (result, questions) = match run.outcome {
            Some(o) => (result_of(o.finding), o.questions),
            None => (ControlResult::Unavailable, 0),
        };
        ControlFinding {
            result,
            questions: u32::try_from(questions).unwrap_or(u32::MAX),
            failed: u32::try_from(run.failed).unwrap_or(u32::MAX),
        }
    }
}

/// The wire form of the core's finding.
pub fn result_of(f: LocalFinding) -> ControlResult {
    match f {
        LocalFinding::Entered { ingress, confidence } => ControlResult::Entered { ingress, confidence },
        LocalFinding::NotSeen { confidence } => ControlResult::NotSeen { confidence },
        LocalFinding::Busy => ControlResult::Busy,
        _ => ControlResult::Unavailable,
    }
}

async fn handle(state: Arc<ControlState>, mut conn: Conn, shutdown: CancellationToken) {
    let peer = conn.peer_addr();
    if let Err(e) = conn
        .accept_hello(&state.hello, &[Role::Interconnect, Role::Client])
        .await
    {
        tracing::info!(?peer, "control: hello failed: {e}");
        conn.close().await;
        return;
    }
    loop {
        let msg = tokio::select! {
            () = shutdown.cancelled() => break,
            m = conn.recv() => m,
        };
        let reply = match msg {
            Ok(Message::Control(ControlMsg::Trace(req))) => {
                tracing::info!(id = req.id, digest = %req.evidence.digest, arrival = ?req.arrival, "control: local trace");
                let finding = state.locate(&req).await;
                tracing::info!(id = req.id, result = ?finding.result, "control: finding");
                Message::Control(ControlMsg::Finding { id: req.id, finding })
            }
            Ok(other) => Message::Error(ErrorReply::new(
                ErrorCode::Unexpected,
                None,
                format!("a control does not answer {}", other.kind()),
            )),
            Err(ConnError::Closed) => break,
            Err(e) => {
                tracing::info!(?peer, "control: closing connection: {e}");
                break;
            }
        };
        if let Err(e) = conn.send(&reply).await {
            tracing::info!(?peer, "control: send failed: {e}");
            break;
        }
    }
    conn.close().await;
}

/// Why a control could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ControlError {
    /// Binding the listener failed.
    #[error("binding {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
}

/// A running control.
#[derive(Debug)]
pub struct ControlHandle {
    /// The address the interconnect connects to.
    pub addr: SocketAddr,
    shutdown: CancellationToken,
    task: JoinHandle<()>,
}

impl ControlHandle {
    /// Stop and wait (open connections get a grace period).
    pub async fn stop(self) {
        self.shutdown.cancel();
        let _ = self.task.await;
    }
}

/// Start a control for its topology's ISP. Stops when `shutdown` is cancelled.
pub async fn start(
    config: ControlNetConfig,
    shutdown: CancellationToken,
) -> Result<ControlHandle, ControlError> {
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| ControlError::Bind {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| ControlError::Bind {
        addr: config.listen,
        source,
    })?;
    let asn = config.topology.asn();
    let hello = Hello::new(Role::Control, asn, "traceback control");
    let pool = CollectorPool::new(
        hello.clone(),
        config.limits,
        config.profile,
        config.collectors.clone(),
    );
    let limits = config.limits;
    let state = Arc::new(ControlState {
        registry: Arc::new(AlgorithmRegistry::with_builtins()),
        traces: Arc::new(Semaphore::new(config.max_concurrent_traces)),
        config,
        pool,
        hello,
    });
    tracing::info!(%addr, %asn, "control listening");
    let token = shutdown.clone();
    let task = tokio::spawn(crate::server::serve(
        listener,
        None,
        limits,
        token,
        move |conn, t| handle(state.clone(), conn, t),
    ));
    Ok(ControlHandle { addr, shutdown, task })
}

/// Run a control until `shutdown` completes, then stop it.
pub async fn run(
    config: ControlNetConfig,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), ControlError> {
    let handle = start(config, CancellationToken::new()).await?;
    shutdown.await;
    tracing::info!("control: shutting down");
    handle.stop().await;
    tracing::info!("control stopped");
    Ok(())
}
