//! The center's operations, independent of HTTP: submit, trace, record,
//! countermeasure, acknowledge. [`super::api`] maps them onto routes.

use super::auth::IspDirectory;
use super::db::AckOutcome;
use super::dispatch::{Dispatched, TraceDispatcher, TraceJob};
use super::model::{
    AckRequest, AuditEntry, Countermeasure, CountermeasureId, CountermeasureRequest, PathRecord, PathReport,
    RecordFilter, ReportSubmission, SearchId, SearchStatus, SearchView, Submitted,
};
use super::store::{Store, StoreError};
use super::submit::{parse_search, SubmitError};
use super::CenterConfig;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::{mpsc, oneshot};
use traceback_core::digest::Blake3Digester;
use traceback_core::{Asn, DigestProfile, Timestamp};

/// Longest countermeasure action or acknowledgement note, in bytes.
pub const MAX_TEXT: usize = 4096;
/// Most ASes on one reported path (InterTrack's visited-AS limit).
pub const MAX_PATH_LEN: usize = 128;
/// Most per-AS statuses, and most conflicts, in one report (the core's tree node bound).
pub const MAX_REPORT_ENTRIES: usize = 4096;

/// A failed center operation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CenterError {
    /// The search submission was refused.
    #[error(transparent)]
    Submit(#[from] SubmitError),
    /// No such object (or not visible to the caller).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The caller may not do this.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The object is not in a state that allows this.
    #[error("conflict: {0}")]
    Conflict(String),
    /// A well-formed request with invalid content.
    #[error("invalid: {0}")]
    Invalid(String),
    /// The database failed.
    #[error("storage: {0}")]
    Store(#[from] StoreError),
    /// The configuration cannot be used.
    #[error("configuration: {0}")]
    Config(String),
}

/// The wall clock as a [`Timestamp`] (the only clock read of the center).
pub fn now() -> Timestamp {
    let d = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    Timestamp::from_secs_nanos(d.as_secs(), d.subsec_nanos())
}

/// What the trace workers share with the request handlers.
struct Engine {
    store: Store,
    dispatcher: Arc<dyn TraceDispatcher>,
    waiters: Mutex<HashMap<SearchId, oneshot::Sender<()>>>,
    trace_timeout: Duration,
    max_concurrent: usize,
    /// Set to true once every [`Center`] clone is gone: traces in flight stop
    /// waiting and leave their searches `running`, to be resumed on the next open.
    stopped: tokio::sync::watch::Sender<bool>,
}

/// The management center: database, ISP directory, digester and trace workers.
///
/// Cheap to clone (an `Arc` inside). The trace workers stop once every clone
/// is dropped; searches still unfinished then are picked up again by the next
/// [`Center::open`] on the same database file.
#[derive(Clone)]
pub struct Center {
    engine: Arc<Engine>,
    directory: Arc<IspDirectory>,
    digester: Arc<Blake3Digester>,
    queue: mpsc::UnboundedSender<SearchId>,
    max_body_bytes: usize,
}

impl core::fmt::Debug for Center {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Center")
            .field("isps", &self.directory.entries().len())
            .finish_non_exhaustive()
    }
}

impl Center {
    /// Open the database, register the configured ISPs, start the trace
    /// workers and re-queue searches left unfinished by a previous run.
    /// Must be called inside a tokio runtime.
    pub async fn open(
        config: &CenterConfig,
        dispatcher: Arc<dyn TraceDispatcher>,
    ) -> Result<Center, CenterError> {
        let digester = Blake3Digester::new(DigestProfile::V1, &config.federation_secret)
            .map_err(|e| CenterError::Config(e.to_string()))?;
        let path = config.db_path.clone();
        let store = tokio::task::spawn_blocking(move || Store::open(&path))
            .await
            .map_err(|e| StoreError::Task(e.to_string()))?
            .map_err(StoreError::Db)?;
        let directory = IspDirectory::new(config.isps.clone());
        let entries = directory.entries().to_vec();
        let t = now();
        store.call(move |db| db.sync_isps(&entries, t)).await?;
        let engine = Arc::new(Engine {
            store,
            dispatcher,
            waiters: Mutex::new(HashMap::new()),
            trace_timeout: config.trace_timeout,
            max_concurrent: config.max_concurrent_traces.max(1),
            stopped: tokio::sync::watch::Sender::new(false),
        });
        let (queue, rx) = mpsc::unbounded_channel();
        tokio::spawn(run_workers(Arc::clone(&engine), rx));
        let center = Center {
            engine,
            directory: Arc::new(directory),
            digester: Arc::new(digester),
            queue,
            max_body_bytes: config.max_body_bytes,
        };
        let unfinished = center.engine.store.call(|db| db.unfinished()).await?;
        if !unfinished.is_empty() {
            tracing::info!(count = unfinished.len(), "re-queueing unfinished searches");
        }
        for id in unfinished {
            let _ = center.queue.send(id);
        }
        Ok(center)
    }

    /// The ISPs allowed in.
    pub fn directory(&self) -> &IspDirectory {
        &self.directory
    }

    /// The digester used for raw packets and EVE alerts.
    pub fn digester(&self) -> &Blake3Digester {
        &self.digester
    }

    /// The largest request body accepted by the API.
    pub fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }

    /// The database handle.
    pub fn store(&self) -> &Store {
        &self.engine.store
    }

    /// Accept a search body from ISP `isp` and queue it; returns at once.
    pub async fn submit(&self, isp: Asn, body: &[u8]) -> Result<Submitted, CenterError> {
        let parsed = parse_search(body, &self.digester)?;
        let t = now();
        let id = self
            .engine
            .store
            .call(move |db| db.insert_search(isp, parsed.source, &parsed.evidence, parsed.tolerance_ms, t))
            .await?;
        tracing::info!(search = %id, %isp, digest = %parsed.evidence.digest, "search queued");
        // The workers stop only when every Center clone is gone, so this cannot fail here.
        let _ = self.queue.send(id);
        Ok(Submitted {
            id,
            status: SearchStatus::Queued,
            digest: parsed.evidence.digest,
        })
    }

    /// A search as `viewer` may see it: the submitting ISP, or an AS on its path.
    pub async fn search(&self, viewer: Asn, id: SearchId) -> Result<SearchView, CenterError> {
        let view = self.engine.store.call(move |db| db.search(id)).await?;
        match view {
            Some(v) if visible(&v, viewer) => Ok(v),
            _ => Err(CenterError::NotFound("search")),
        }
    }

    /// Path records visible to `viewer`.
    pub async fn records(&self, viewer: Asn, filter: RecordFilter) -> Result<Vec<PathRecord>, CenterError> {
        Ok(self
            .engine
            .store
            .call(move |db| db.records(viewer, &filter))
            .await?)
    }

    /// Searches of `isp` now running: the work of a polling interconnect.
    pub async fn jobs(&self, isp: Asn) -> Result<Vec<TraceJob>, CenterError> {
        let tol = self.engine.store.call(move |db| db.running_for(isp)).await?;
        Ok(tol
            .into_iter()
            .map(|v| TraceJob {
                search_id: v.id,
                victim: v.isp,
                evidence: evidence_of(&v),
            })
            .collect())
    }

    /// A finished path from the interconnect of `reporter`, which must be
    /// the ISP that submitted the search.
    pub async fn accept_report(
        &self,
        reporter: Asn,
        sub: ReportSubmission,
    ) -> Result<SearchView, CenterError> {
        let id = sub.search_id;
        let view = self
            .engine
            .store
            .call(move |db| db.search(id))
            .await?
            .ok_or(CenterError::NotFound("search"))?;
        if view.isp != reporter {
            let detail = format!("only {}'s interconnect reports search {id}", view.isp);
            self.audit(
                reporter,
                "report.denied",
                format!("search/{id}"),
                Some(detail.clone()),
            )
            .await?;
            return Err(CenterError::Forbidden(detail));
        }
        validate_report(view.isp, &sub.report)?;
        let report = sub.report;
        let stored = self
            .engine
            .store
            .call(move |db| db.complete(id, reporter, &report, now()))
            .await?;
        if !stored {
            return Err(CenterError::Conflict(format!(
                "search {id} is already {}",
                view.status
            )));
        }
        self.engine.wake(id);
        self.search(reporter, id).await
    }

    /// Ask the operator of a search's origin AS to act. Only the ISP that
    /// submitted the search may, once it is done.
    pub async fn send_countermeasure(
        &self,
        requester: Asn,
        id: SearchId,
        req: CountermeasureRequest,
    ) -> Result<Countermeasure, CenterError> {
        let view = self.search(requester, id).await?;
        if view.isp != requester {
            return Err(CenterError::Forbidden(format!(
                "only {} (which submitted search {id}) may request countermeasures",
                view.isp
            )));
        }
        let Some(record) = view.result.filter(|_| view.status == SearchStatus::Done) else {
            return Err(CenterError::Conflict(format!(
                "search {id} is {}, not done",
                view.status
            )));
        };
        let action = req.action.trim().to_owned();
        if action.is_empty() || action.len() > MAX_TEXT {
            return Err(CenterError::Invalid(format!(
                "action must be 1..={MAX_TEXT} bytes"
            )));
        }
        let origins = &record.report.origins;
        let target = match (req.target, origins.as_slice()) {
            (Some(t), _) if origins.contains(&t) => t,
            (Some(t), _) => {
                return Err(CenterError::Invalid(format!(
                    "{t} is not an origin of search {id}"
                )))
            }
            (None, [only]) => *only,
            (None, []) => return Err(CenterError::Conflict(format!("search {id} found no origin"))),
            (None, _) => {
                return Err(CenterError::Invalid(
                    "the search found several origins: name one as target".into(),
                ))
            }
        };
        if !self.directory.contains(target) {
            return Err(CenterError::Invalid(format!(
                "{target} has no operator registered at the center"
            )));
        }
        let cm = self
            .engine
            .store
            .call(move |db| db.insert_countermeasure(id, requester, target, &action, now()))
            .await?;
        tracing::info!(countermeasure = %cm.id, %target, "countermeasure sent");
        Ok(cm)
    }

    /// Countermeasure requests addressed to `isp`.
    pub async fn inbox(&self, isp: Asn, only_open: bool) -> Result<Vec<Countermeasure>, CenterError> {
        Ok(self.engine.store.call(move |db| db.inbox(isp, only_open)).await?)
    }

    /// Acknowledge a countermeasure as `by` (only its target may).
    pub async fn ack(
        &self,
        by: Asn,
        id: CountermeasureId,
        req: AckRequest,
    ) -> Result<Countermeasure, CenterError> {
        if req.note.as_ref().is_some_and(|n| n.len() > MAX_TEXT) {
            return Err(CenterError::Invalid(format!(
                "note must be at most {MAX_TEXT} bytes"
            )));
        }
        let outcome = self
            .engine
            .store
            .call(move |db| {
                let o = db.ack(id, by, req.note.as_deref(), now())?;
                Ok((o, db.countermeasure(id)?))
            })
            .await?;
        match outcome {
            (AckOutcome::Acked, Some(cm)) => Ok(cm),
            (AckOutcome::NotTarget, _) => Err(CenterError::Forbidden(format!(
                "countermeasure {id} is not addressed to {by}"
            ))),
            (AckOutcome::AlreadyAcked, _) => Err(CenterError::Conflict(format!(
                "countermeasure {id} is already acknowledged"
            ))),
            _ => Err(CenterError::NotFound("countermeasure")),
        }
    }

    /// The audit entries written by `isp`'s own actions, oldest first.
    pub async fn audit_log_of(&self, isp: Asn, limit: u32) -> Result<Vec<AuditEntry>, CenterError> {
        let actor = super::db::actor(isp);
        Ok(self
            .engine
            .store
            .call(move |db| db.audit_log(Some(&actor), limit))
            .await?)
    }

    /// The whole audit log, oldest first (for the center's own operators).
    pub async fn audit_log(&self, limit: u32) -> Result<Vec<AuditEntry>, CenterError> {
        Ok(self
            .engine
            .store
            .call(move |db| db.audit_log(None, limit))
            .await?)
    }

    async fn audit(
        &self,
        who: Asn,
        action: &'static str,
        object: String,
        detail: Option<String>,
    ) -> Result<(), CenterError> {
        let actor = super::db::actor(who);
        self.engine
            .store
            .call(move |db| db.audit(now(), &actor, action, Some(&object), detail.as_deref()))
            .await?;
        Ok(())
    }
}

fn visible(v: &SearchView, viewer: Asn) -> bool {
    v.isp == viewer
        || v.result.as_ref().is_some_and(|r| {
            r.report.origins.contains(&viewer) || r.report.paths.iter().flatten().any(|a| *a == viewer)
        })
}

fn evidence_of(v: &SearchView) -> traceback_core::Evidence {
    let tol = Duration::from_millis(v.tolerance_ms);
    traceback_core::Evidence {
        digest: v.digest,
        profile: v.profile,
        seen_at: v.seen_at,
        before: tol,
        after: tol,
    }
}

/// Check a path report against the victim: every path starts at the victim,
/// ends at a listed origin, has no loop and at most [`MAX_PATH_LEN`] ASes;
/// every origin ends some path.
pub fn validate_report(victim: Asn, r: &PathReport) -> Result<(), CenterError> {
    let bad = |m: String| Err(CenterError::Invalid(m));
    let mut origins = r.origins.clone();
    origins.sort();
    origins.dedup();
    if r.origins.len() > MAX_REPORT_ENTRIES || r.paths.len() > MAX_REPORT_ENTRIES {
        return bad(format!("at most {MAX_REPORT_ENTRIES} origins and paths"));
    }
    if origins.len() != r.origins.len() {
        return bad("origins repeat an AS".into());
    }
    for (i, p) in r.paths.iter().enumerate() {
        let (Some(first), Some(last)) = (p.first(), p.last()) else {
            return bad(format!("path {i} is empty"));
        };
        if *first != victim {
            return bad(format!("path {i} starts at {first}, not at the victim {victim}"));
        }
        if !r.origins.contains(last) {
            return bad(format!("path {i} ends at {last}, which is not among the origins"));
        }
        if p.len() > MAX_PATH_LEN {
            return bad(format!("path {i} has more than {MAX_PATH_LEN} ASes"));
        }
        let mut seen = p.clone();
        seen.sort();
        seen.dedup();
        if seen.len() != p.len() {
            return bad(format!("path {i} visits an AS twice"));
        }
    }
    for o in &r.origins {
        if !r.paths.iter().any(|p| p.last() == Some(o)) {
            return bad(format!("origin {o} ends no path"));
        }
    }
    if r.statuses
        .iter()
        .any(|s| s.status.is_empty() || s.status.len() > 64)
    {
        return bad("a status name must be 1..=64 bytes".into());
    }
    Ok(())
}

impl Engine {
    fn wake(&self, id: SearchId) {
        let tx = self.waiters.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
        if let Some(tx) = tx {
            let _ = tx.send(());
        }
    }

    async fn trace(self: Arc<Self>, id: SearchId) {
        if let Err(e) = self.trace_inner(id).await {
            tracing::error!(search = %id, error = %e, "trace bookkeeping failed");
        }
    }

    async fn trace_inner(&self, id: SearchId) -> Result<(), StoreError> {
        let t = now();
        if !self.store.call(move |db| db.mark_running(id, t)).await? {
            return Ok(());
        }
        let Some(view) = self.store.call(move |db| db.search(id)).await? else {
            return Ok(());
        };
        let (tx, rx) = oneshot::channel();
        self.waiters
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, tx);
        let job = TraceJob {
            search_id: id,
            victim: view.isp,
            evidence: evidence_of(&view),
        };
        let mut stopped = self.stopped.subscribe();
        let traced = tokio::time::timeout(self.trace_timeout, async {
            match self.dispatcher.dispatch(job).await {
                Ok(Dispatched::Finished(report)) => Ok(Some(report)),
                Ok(Dispatched::Pending) => {
                    // Woken by accept_report once the record is stored.
                    let _ = rx.await;
                    Ok(None)
                }
                Err(e) => Err(e.to_string()),
            }
        });
        let outcome = tokio::select! {
            o = traced => o,
            _ = stopped.wait_for(|s| *s) => {
                tracing::info!(search = %id, "center stopping; search left running");
                return Ok(());
            }
        };
        self.waiters.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
        let victim = view.isp;
        match outcome {
            Ok(Ok(Some(report))) => match validate_report(victim, &report) {
                Ok(()) => {
                    self.store
                        .call(move |db| db.complete(id, victim, &report, now()))
                        .await?;
                    tracing::info!(search = %id, "trace finished");
                }
                Err(e) => {
                    let why = format!("interconnect returned an invalid path: {e}");
                    self.store.call(move |db| db.fail(id, &why, now())).await?;
                }
            },
            Ok(Ok(None)) => tracing::info!(search = %id, "trace reported"),
            Ok(Err(why)) => {
                tracing::warn!(search = %id, %why, "trace failed");
                self.store.call(move |db| db.fail(id, &why, now())).await?;
            }
            Err(_) => {
                let why = format!("no path report within {:?}", self.trace_timeout);
                tracing::warn!(search = %id, %why, "trace timed out");
                self.store.call(move |db| db.fail(id, &why, now())).await?;
            }
        }
        Ok(())
    }
}

async fn run_workers(engine: Arc<Engine>, mut rx: mpsc::UnboundedReceiver<SearchId>) {
    let limit = Arc::new(tokio::sync::Semaphore::new(engine.max_concurrent));
    while let Some(id) = rx.recv().await {
        let e = Arc::clone(&engine);
        let limit = Arc::clone(&limit);
        tokio::spawn(async move {
            let mut stopped = e.stopped.subscribe();
            // Wait for a free slot, unless the center stops first.
            let permit = tokio::select! {
                p = limit.acquire_owned() => p,
                _ = stopped.wait_for(|s| *s) => return,
            };
            e.trace(id).await;
            drop(permit);
        });
    }
    engine.stopped.send_replace(true);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(origins: &[u32], paths: &[&[u32]]) -> PathReport {
        PathReport {
            origins: origins.iter().map(|a| Asn(*a)).collect(),
            paths: paths
                .iter()
                .map(|p| p.iter().map(|a| Asn(*a)).collect())
                .collect(),
            ..PathReport::default()
        }
    }

    #[test]
    fn reports_are_checked_against_the_victim() {
        let v = Asn(1);
        assert!(validate_report(v, &r(&[3], &[&[1, 2, 3]])).is_ok());
        assert!(validate_report(v, &r(&[], &[])).is_ok());
        assert!(validate_report(v, &r(&[1], &[&[1]])).is_ok());
        assert!(validate_report(v, &r(&[3, 4], &[&[1, 2, 3], &[1, 4]])).is_ok());
        for bad in [
            r(&[3], &[&[2, 3]]),       // does not start at the victim
            r(&[3], &[&[1, 2]]),       // ends at a non-origin
            r(&[3], &[]),              // origin without a path
            r(&[3, 3], &[&[1, 3]]),    // repeated origin
            r(&[3], &[&[1, 2, 1, 3]]), // loop
            r(&[3], &[&[]]),           // empty path
        ] {
            assert!(validate_report(v, &bad).is_err(), "{bad:?}");
        }
        let long: Vec<u32> = (1..=200).collect();
        assert!(validate_report(v, &r(&[200], &[&long])).is_err());
    }
}
