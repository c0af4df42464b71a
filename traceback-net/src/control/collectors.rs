//! The control's connections to its collectors: one lazily opened
//! connection per collector, reopened after a failure.

use crate::conn::{dial, Conn, Transport};
use crate::limits::Limits;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;
use traceback_core::proto::{CollectorMsg, Hello, Message, Query, Role};
use traceback_core::topology::CollectorId;
use traceback_core::trace::{Answer, Failure, Question};
use traceback_core::DigestProfile;

/// Addresses of an ISP's collectors and an open connection to each.
#[derive(Debug)]
pub struct CollectorPool {
    hello: Hello,
    limits: Limits,
    profile: DigestProfile,
    slots: HashMap<CollectorId, (SocketAddr, Mutex<Option<Conn>>)>,
    next_id: AtomicU64,
}

impl CollectorPool {
    /// A pool over `addrs`; `hello` is what the control announces.
    pub fn new(
        hello: Hello,
        limits: Limits,
        profile: DigestProfile,
        addrs: HashMap<CollectorId, SocketAddr>,
    ) -> Arc<Self> {
        Arc::new(CollectorPool {
            hello,
            limits,
            profile,
            slots: addrs
                .into_iter()
                .map(|(id, a)| (id, (a, Mutex::new(None))))
                .collect(),
            next_id: AtomicU64::new(1),
        })
    }

    /// Ask question `q` within `timeout`. An unknown, unreachable or erring
    /// collector gives `Failed(Unreachable)`; a late one `Failed(Timeout)`.
    pub async fn ask(&self, q: &Question, timeout: Duration) -> Answer {
        let Some((addr, slot)) = self.slots.get(&q.collector) else {
            tracing::warn!(collector = %q.collector, "control: no address configured for collector");
            return Answer::Failed(Failure::Unreachable);
        };
        match tokio::time::timeout(timeout, self.ask_at(*addr, slot, q)).await {
            Ok(a) => a,
            Err(_) => {
                // The connection may hold a late answer: drop it.
                if let Ok(mut g) = slot.try_lock() {
                    *g = None;
                }
                tracing::info!(collector = %q.collector, "control: collector timed out");
                Answer::Failed(Failure::Timeout)
            }
        }
    }

    async fn ask_at(&self, addr: SocketAddr, slot: &Mutex<Option<Conn>>, q: &Question) -> Answer {
        let mut guard = slot.lock().await;
        if guard.is_none() {
            match dial(addr, &Transport::Plain, self.limits, &self.hello, Role::Collector).await {
                Ok(c) => *guard = Some(c),
                Err(e) => {
                    tracing::info!(collector = %q.collector, %addr, "control: collector unreachable: {e}");
                    return Answer::Failed(Failure::Unreachable);
                }
            }
        }
        let Some(conn) = guard.as_mut() else {
            return Answer::Failed(Failure::Unreachable);
        };
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let query = Message::Collector(CollectorMsg::Query(Query {
            id,
            digest: q.digest,
            profile: self.profile,
            range: q.range,
        }));
        let reply = conn.request(&query).await;
        match reply {
            Ok(Message::Collector(CollectorMsg::Answer { id: rid, answer })) if rid == id => {
                Answer::Store(answer)
            }
            Ok(other) => {
                tracing::warn!(collector = %q.collector, "control: unexpected collector reply {}", other.kind());
                *guard = None;
                Answer::Failed(Failure::Unreachable)
            }
            Err(e) => {
                tracing::info!(collector = %q.collector, "control: collector connection failed: {e}");
                *guard = None;
                Answer::Failed(Failure::Unreachable)
            }
        }
    }
}
