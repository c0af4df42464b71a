//! The interconnect's local method: its ISP's control, asked over TCP.
//!
//! [`ControlLocator`] implements the core's `IngressLocator` without I/O: it
//! queues the query and answers `Pending`; [`ask_control`] carries the query
//! to the control and the finding back into the state machine.

use crate::conn::{dial, Transport};
use crate::limits::Limits;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::sync::mpsc;
use traceback_core::intertrack::{IngressLocator, LocalFinding, LocalQuery, Located};
use traceback_core::proto::{ControlMsg, Hello, LocalTraceRequest, Message, Role};
use traceback_core::Timestamp;

/// An `IngressLocator` that hands every query to the driver.
#[derive(Debug)]
pub struct ControlLocator {
    tx: mpsc::UnboundedSender<LocalQuery>,
}

impl ControlLocator {
    /// A locator feeding `tx`.
    pub fn new(tx: mpsc::UnboundedSender<LocalQuery>) -> Self {
        ControlLocator { tx }
    }
}

impl IngressLocator for ControlLocator {
    fn name(&self) -> &str {
        "hash-based (control over collectors)"
    }

    fn locate(&mut self, query: &LocalQuery, _now: Timestamp) -> Located {
        if self.tx.send(query.clone()).is_err() {
            return Located::Ready(LocalFinding::Unavailable);
        }
        Located::Pending
    }
}

/// Ask the control at `addr` about `query`; any failure gives `Unavailable`.
pub(super) async fn ask_control(
    addr: SocketAddr,
    hello: &Hello,
    limits: Limits,
    query: &LocalQuery,
    timeout: Duration,
) -> LocalFinding {
    let req = Message::Control(ControlMsg::Trace(LocalTraceRequest {
        id: query.query.0,
        evidence: query.evidence,
        arrival: query.arrival,
    }));
    let exchange = async {
        let mut conn = dial(addr, &Transport::Plain, limits, hello, Role::Control).await?;
        let reply = conn.request(&req).await;
        conn.close().await;
        reply
    };
    match tokio::time::timeout(timeout, exchange).await {
        Ok(Ok(Message::Control(ControlMsg::Finding { id, finding }))) if id == query.query.0 => {
            tracing::info!(query = id, result = ?finding.result, questions = finding.questions, failed = finding.failed, "interconnect: local finding");
            finding.result.into()
        }
        Ok(Ok(other)) => {
            tracing::warn!("interconnect: control answered {}", other.kind());
            LocalFinding::Unavailable
        }
        Ok(Err(e)) => {
            tracing::warn!(%addr, "interconnect: control unreachable: {e}");
            LocalFinding::Unavailable
        }
        Err(_) => {
            tracing::warn!(%addr, "interconnect: control timed out");
            LocalFinding::Unavailable
        }
    }
}
