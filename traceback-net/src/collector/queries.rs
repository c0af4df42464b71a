//! Answering a control's queries from the collector's store.

use crate::conn::{Conn, ConnError};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio_util::sync::CancellationToken;
use traceback_core::proto::{CollectorMsg, ErrorCode, ErrorReply, Hello, Message, Role};
use traceback_core::store::DigestStore;
use traceback_core::DigestProfile;

/// Counters of the ingest side, reported in `Stats` replies.
#[derive(Debug, Default)]
pub struct IngestCounters {
    /// Frames read from captures.
    pub frames: AtomicU64,
    /// Frames that yielded a digest.
    pub digested: AtomicU64,
}

/// The state a query connection needs: the shared store and what it holds.
#[derive(Clone)]
pub struct QueryService {
    /// The store (shared with the ingest task).
    pub store: Arc<Mutex<dyn DigestStore + Send>>,
    /// The profile the store's digests were computed under.
    pub profile: DigestProfile,
    /// The Hello this collector sends.
    pub hello: Hello,
    /// Ingest counters.
    pub counters: Arc<IngestCounters>,
}

impl std::fmt::Debug for QueryService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueryService")
            .field("hello", &self.hello)
            .finish_non_exhaustive()
    }
}

impl QueryService {
    /// Serve one connection from a control until it closes, errs or `shutdown` fires.
    pub async fn handle(self, mut conn: Conn, shutdown: CancellationToken) {
        let peer = conn.peer_addr();
        if let Err(e) = conn
            .accept_hello(&self.hello, &[Role::Control, Role::Client])
            .await
        {
            tracing::info!(?peer, "collector: hello failed: {e}");
            conn.close().await;
            return;
        }
        self.serve_queries(&mut conn, shutdown).await;
        conn.close().await;
    }

    async fn serve_queries(&self, conn: &mut Conn, shutdown: CancellationToken) {
        let peer = conn.peer_addr();
        loop {
            let msg = tokio::select! {
                () = shutdown.cancelled() => return,
                m = conn.recv() => m,
            };
            let msg = match msg {
                Ok(m) => m,
                Err(ConnError::Closed) => return,
                Err(e) => {
                    tracing::info!(?peer, "collector: closing connection: {e}");
                    return;
                }
            };
            let reply = self.answer(msg);
            if let Err(e) = conn.send(&reply).await {
                tracing::info!(?peer, "collector: send failed: {e}");
                return;
            }
        }
    }

    /// The reply to one message (pure apart from reading the store).
    pub fn answer(&self, msg: Message) -> Message {
        match msg {
            Message::Collector(CollectorMsg::Query(q)) => {
                if q.profile != self.profile {
                    return Message::Error(ErrorReply::new(
                        ErrorCode::ProfileMismatch,
                        Some(q.id),
                        "this collector stores digests of another profile",
                    ));
                }
                let answer = match self.store.lock() {
                    Ok(store) => store.query(&q.digest, q.range),
                    Err(_) => {
                        return Message::Error(ErrorReply::new(
                            ErrorCode::Unavailable,
                            Some(q.id),
                            "store lock poisoned",
                        ))
                    }
                };
                Message::Collector(CollectorMsg::Answer { id: q.id, answer })
            }
            Message::Collector(CollectorMsg::StatsRequest { id }) => {
                let stats = match self.store.lock() {
                    Ok(store) => store.stats(),
                    Err(_) => {
                        return Message::Error(ErrorReply::new(
                            ErrorCode::Unavailable,
                            Some(id),
                            "store lock poisoned",
                        ))
                    }
                };
                Message::Collector(CollectorMsg::Stats {
                    id,
                    stats,
                    frames: self.counters.frames.load(Ordering::Relaxed),
                    digested: self.counters.digested.load(Ordering::Relaxed),
                })
            }
            other => Message::Error(ErrorReply::new(
                ErrorCode::Unexpected,
                None,
                format!("a collector does not answer {}", other.kind()),
            )),
        }
    }
}
