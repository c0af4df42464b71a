//! The collector: digests the packets of one link into its store and answers
//! its control's queries.
//!
//! ```text
//!  capture files ─▶ CaptureReader ─▶ Blake3Digester::digest_batch ─▶ WindowedBloomStore ◀─ Query ─ control
//!   (paced by speed)                                                   │ every persist_every, on shutdown
//!                                                                      ▼
//!                                                               state file (reloaded on start)
//! ```
//!
//! Queries arrive over plain TCP: collector and control sit inside one ISP's
//! management network (`docs/protocol.md`, "Transport security").

mod ingest;
mod queries;

pub use ingest::{IngestSummary, ReplayClock};
pub use queries::{IngestCounters, QueryService};

use crate::config_file::{self, ConfigFileError};
use crate::limits::{Limits, LimitsConfig};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use traceback_core::digest::{Blake3Digester, DigestFingerprint, FederationSecret};
use traceback_core::proto::{Hello, Role};
use traceback_core::store::{DigestStore, StoreConfig, WindowedBloomStore, STORE_FORMAT_VERSION};
use traceback_core::{Asn, DigestProfile};

/// A collector's configuration (the TOML file, paths resolved).
#[derive(Clone, Debug)]
pub struct CollectorConfig {
    /// The ISP.
    pub asn: Asn,
    /// This collector's id in the ISP's topology (for logs and Hello).
    pub name: String,
    /// Where controls connect.
    pub listen: SocketAddr,
    /// Capture files replayed in order.
    pub captures: Vec<PathBuf>,
    /// Replay pace: 1.0 = recorded pace, 2.0 = twice as fast, 0 = as fast as possible.
    pub speed: f64,
    /// The store's state file (loaded on start if present, written periodically and on shutdown).
    pub state_file: Option<PathBuf>,
    /// How often the store is written to `state_file`.
    pub persist_every: Duration,
    /// The digest profile.
    pub profile: DigestProfile,
    /// The federation secret digests are keyed with.
    pub secret: FederationSecret,
    /// Store sizing (ignored when a state file is loaded: the file carries its own).
    pub store: StoreConfig,
    /// Connection limits.
    pub limits: Limits,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CollectorFile {
    asn: Asn,
    name: String,
    listen: SocketAddr,
    #[serde(default)]
    captures: Vec<PathBuf>,
    #[serde(default = "one")]
    speed: f64,
    state_file: Option<PathBuf>,
    #[serde(default = "thirty")]
    persist_every_secs: u64,
    federation_secret_file: PathBuf,
    #[serde(default)]
    key_epoch: u32,
    store: Option<StoreConfig>,
    #[serde(default)]
    limits: LimitsConfig,
}

/// Slowest replay pace accepted (a thousandth of the recorded pace).
const MIN_SPEED: f64 = 1e-3;
/// Fastest paced replay accepted (beyond it, use 0: as fast as possible).
const MAX_SPEED: f64 = 1e6;

fn one() -> f64 {
    1.0
}
fn thirty() -> u64 {
    30
}

impl CollectorConfig {
    /// Load a config file (see `docs/examples/collector.toml`).
    pub fn load(path: &Path) -> Result<Self, ConfigFileError> {
        let (f, base): (CollectorFile, _) = config_file::load(path)?;
        let invalid = |detail: String| ConfigFileError::Invalid {
            path: path.to_path_buf(),
            detail,
        };
        let secret_path = config_file::resolve(&base, &f.federation_secret_file);
        let text = std::fs::read_to_string(&secret_path)
            .map_err(|e| invalid(format!("federation secret {}: {e}", secret_path.display())))?;
        let secret = FederationSecret::from_hex(text.trim()).map_err(|e| {
            invalid(format!(
                "federation secret {}: not 64 hex digits: {e}",
                secret_path.display()
            ))
        })?;
        if !(f.speed == 0.0 || (MIN_SPEED..=MAX_SPEED).contains(&f.speed)) {
            return Err(invalid(format!(
                "speed must be 0 (as fast as possible) or in {MIN_SPEED}..={MAX_SPEED} (1 = recorded pace), got {:?}",
                f.speed
            )));
        }
        Ok(CollectorConfig {
            asn: f.asn,
            name: f.name,
            listen: f.listen,
            captures: f
                .captures
                .iter()
                .map(|p| config_file::resolve(&base, p))
                .collect(),
            speed: f.speed,
            state_file: f.state_file.map(|p| config_file::resolve(&base, &p)),
            persist_every: Duration::from_secs(f.persist_every_secs.max(1)),
            profile: DigestProfile::V1.with_epoch(f.key_epoch),
            secret,
            store: match f.store {
                Some(s) => s,
                None => StoreConfig::builder()
                    .build()
                    .map_err(|e| invalid(e.to_string()))?,
            },
            limits: f.limits.resolve(),
        })
    }
}

/// Why a collector could not start or stop cleanly.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CollectorError {
    /// The digest profile is not usable.
    #[error("digest profile: {0}")]
    Profile(#[from] traceback_core::digest::ProfileError),
    /// Binding the listener or reading/writing the state file failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The state file holds digests made under another federation secret,
    /// key epoch or profile: it is left as it is and the collector does not
    /// start (move the file away, or configure the key it was made with).
    #[error(
        "state file {path} was written under another digest key or profile (fingerprint {stored}, \
         this collector's is {expected}): move it away or use the secret and key_epoch it was made with"
    )]
    ForeignState {
        /// The file.
        path: PathBuf,
        /// The fingerprint recorded in the file.
        stored: DigestFingerprint,
        /// This collector's fingerprint.
        expected: DigestFingerprint,
    },
    /// The state file could not be read or written.
    #[error("state file {path}: {source}")]
    State {
        /// The file.
        path: PathBuf,
        /// The store's persistence error.
        source: traceback_core::store::PersistError,
    },
    /// A configured capture cannot be opened or does not start like a pcap
    /// or pcapng file (checked at start; a file cut short later is counted
    /// while it is replayed).
    #[error("capture {path}: {source}")]
    Capture {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        source: traceback_core::capture::CaptureError,
    },
}

/// A running collector.
#[derive(Debug)]
pub struct CollectorHandle {
    /// The address controls connect to (the bound port when `listen` used port 0).
    pub addr: SocketAddr,
    shutdown: CancellationToken,
    task: JoinHandle<Result<(), CollectorError>>,
}

impl CollectorHandle {
    /// Ask the collector to stop and wait until it has written its state.
    pub async fn stop(self) -> Result<(), CollectorError> {
        self.shutdown.cancel();
        self.join().await
    }

    /// Wait until the collector stops (after its shutdown token is cancelled).
    pub async fn join(self) -> Result<(), CollectorError> {
        match self.task.await {
            Ok(r) => r,
            Err(e) => Err(CollectorError::Io {
                context: "collector task".into(),
                source: std::io::Error::other(e.to_string()),
            }),
        }
    }
}

/// The store from the state file if there is one, else a new one; either
/// way marked with the digester's key fingerprint. A state file written under
/// another key or profile is refused (its digests would never match, and
/// overwriting it would lose its history); one without a fingerprint (store
/// format 1, or a store saved without one) is loaded with a warning. A file
/// in an older store format is copied to `<file>.format<N>` (once) before the
/// first save rewrites it in the current format.
fn load_store(
    config: &CollectorConfig,
    expected: DigestFingerprint,
) -> Result<WindowedBloomStore, CollectorError> {
    let mut store = match &config.state_file {
        Some(path) if path.exists() => {
            let io_err = |context: String| move |source| CollectorError::Io { context, source };
            let file = std::fs::File::open(path).map_err(io_err(format!("opening {}", path.display())))?;
            let store = WindowedBloomStore::read_from(std::io::BufReader::new(file)).map_err(|source| {
                CollectorError::State {
                    path: path.clone(),
                    source,
                }
            })?;
            // The file is rewritten in the current format at start, which the
            // versions that wrote older formats cannot read: keep the original.
            if let Some(v) = store.read_format().filter(|&v| v < STORE_FORMAT_VERSION) {
                let mut name = path.clone().into_os_string();
                name.push(format!(".format{v}"));
                let backup = std::path::PathBuf::from(name);
                if !backup.exists() {
                    std::fs::copy(path, &backup).map_err(io_err(format!(
                        "copying {} to {}",
                        path.display(),
                        backup.display()
                    )))?;
                }
                tracing::warn!(
                    file = %path.display(),
                    backup = %backup.display(),
                    "collector: the state file is in store format {v}; it is rewritten in format \
                     {STORE_FORMAT_VERSION}, which older versions cannot read; the original is kept \
                     beside it"
                );
            }
            match store.fingerprint() {
                Some(stored) if stored != expected => {
                    return Err(CollectorError::ForeignState {
                        path: path.clone(),
                        stored,
                        expected,
                    })
                }
                Some(_) => {}
                None => tracing::warn!(
                    file = %path.display(),
                    "collector: the state file records no key fingerprint (store format 1, or saved \
                     without one); loaded without checking it was made with this federation secret and \
                     key epoch"
                ),
            }
            tracing::info!(file = %path.display(), windows = store.stats().windows, "collector: store reloaded");
            store
        }
        _ => WindowedBloomStore::new(config.store),
    };
    store.set_fingerprint(Some(expected));
    Ok(store)
}

/// Write the store to `path` atomically (temporary file, then rename).
fn save_store(store: &Mutex<WindowedBloomStore>, path: &Path) -> Result<(), CollectorError> {
    let tmp = path.with_extension("tmp");
    let io_err = |context: String| move |source| CollectorError::Io { context, source };
    let file = std::fs::File::create(&tmp).map_err(io_err(format!("creating {}", tmp.display())))?;
    let mut w = std::io::BufWriter::new(file);
    {
        let s = store.lock().map_err(|_| CollectorError::Io {
            context: "store lock".into(),
            source: std::io::Error::other("poisoned"),
        })?;
        s.write_to(&mut w).map_err(|source| CollectorError::State {
            path: path.to_path_buf(),
            source,
        })?;
    }
    let file = w.into_inner().map_err(|e| CollectorError::Io {
        context: format!("writing {}", tmp.display()),
        source: e.into_error(),
    })?;
    file.sync_all()
        .map_err(io_err(format!("syncing {}", tmp.display())))?;
    std::fs::rename(&tmp, path).map_err(io_err(format!("renaming to {}", path.display())))?;
    Ok(())
}

async fn persist(
    store: &Arc<Mutex<WindowedBloomStore>>,
    path: &Option<PathBuf>,
) -> Result<(), CollectorError> {
    let Some(path) = path.clone() else { return Ok(()) };
    let store = store.clone();
    tokio::task::spawn_blocking(move || save_store(&store, &path))
        .await
        .map_err(|e| CollectorError::Io {
            context: "persist task".into(),
            source: std::io::Error::other(e.to_string()),
        })?
}

/// Start a collector: check its captures open as pcap or pcapng, load its
/// store (and write it back to its state file, so an unwritable one fails
/// here), bind its listener, start replaying its captures. Stops when `shutdown` is cancelled (or [`CollectorHandle::stop`]).
pub async fn start(
    config: CollectorConfig,
    shutdown: CancellationToken,
) -> Result<CollectorHandle, CollectorError> {
    let digester = Blake3Digester::new(config.profile, &config.secret)?;
    for path in &config.captures {
        ingest::check_capture(path).map_err(|source| CollectorError::Capture {
            path: path.clone(),
            source,
        })?;
    }
    let store = Arc::new(Mutex::new(load_store(&config, digester.fingerprint())?));
    // Written once now: a state file that cannot be written is an error at
    // start, not a warning at every save and a failure at shutdown that
    // loses the windows.
    persist(&store, &config.state_file).await?;
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| CollectorError::Io {
            context: format!("binding {}", config.listen),
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| CollectorError::Io {
        context: "local address".into(),
        source,
    })?;
    let counters = Arc::new(IngestCounters::default());
    let clock = Arc::new(ReplayClock::new(config.speed));
    let service = QueryService {
        store: store.clone(),
        profile: config.profile,
        hello: Hello::new(
            Role::Collector,
            config.asn,
            format!("traceback collector {}", config.name),
        ),
        counters: counters.clone(),
    };
    tracing::info!(%addr, name = %config.name, captures = config.captures.len(), "collector listening");
    let token = shutdown.clone();
    let task = tokio::spawn(async move {
        let ingest_task = {
            let (captures, speed) = (config.captures.clone(), config.speed);
            let (store, counters, clock, cancel) =
                (store.clone(), counters.clone(), clock.clone(), token.clone());
            tokio::task::spawn_blocking(move || {
                let s = ingest::ingest(&captures, speed, &digester, &store, &counters, &clock, &cancel);
                tracing::info!(
                    files = s.files,
                    errors = s.file_errors,
                    "collector: captures read"
                );
                s
            })
        };
        let server = tokio::spawn(crate::server::serve(
            listener,
            None,
            config.limits,
            token.clone(),
            move |conn, t| service.clone().handle(conn, t),
        ));
        let mut persist_tick = tokio::time::interval(config.persist_every);
        persist_tick.tick().await;
        let mut advance_tick = tokio::time::interval(Duration::from_millis(200));
        loop {
            tokio::select! {
                () = token.cancelled() => break,
                _ = persist_tick.tick() => {
                    if let Err(e) = persist(&store, &config.state_file).await {
                        tracing::warn!("collector: periodic persist failed: {e}");
                    }
                }
                _ = advance_tick.tick() => {
                    if let (Some(now), Ok(mut s)) = (clock.now(), store.lock()) {
                        s.advance(now);
                    }
                }
            }
        }
        let _ = ingest_task.await;
        let _ = server.await;
        persist(&store, &config.state_file).await?;
        tracing::info!(name = %config.name, "collector stopped, store written");
        Ok(())
    });
    Ok(CollectorHandle { addr, shutdown, task })
}

/// Run a collector until `shutdown` completes (mini-redis style), then stop
/// it and write its state.
pub async fn run(
    config: CollectorConfig,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), CollectorError> {
    let token = CancellationToken::new();
    let handle = start(config, token.clone()).await?;
    shutdown.await;
    tracing::info!("collector: shutting down");
    handle.stop().await
}
