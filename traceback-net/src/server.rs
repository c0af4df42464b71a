//! The accept loop every service uses: a bounded number of concurrent
//! connections, optional mutual TLS, graceful shutdown.

use crate::conn::{Conn, ConnError};
use crate::limits::Limits;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use traceback_core::proto::{ErrorCode, ErrorReply, Refusal};

/// How long [`serve`] waits for open connections to finish after shutdown.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Accept connections on `listener` until `shutdown` is cancelled, handing
/// each one (after the TLS handshake, when `tls` is given) to `handler`.
///
/// At most [`Limits::max_connections`] connections are served at once; a
/// further one gets a `Refused(Busy)` error frame (plain TCP) or is closed
/// (TLS). Each handler receives a child token of `shutdown`.
pub async fn serve<H, F>(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    limits: Limits,
    shutdown: CancellationToken,
    handler: H,
) where
    H: Fn(Conn, CancellationToken) -> F + Send + Sync + 'static,
    F: Future<Output = ()> + Send + 'static,
{
    let handler = Arc::new(handler);
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let tracker = TaskTracker::new();
    let local = listener.local_addr().ok();
    loop {
        let (tcp, addr) = tokio::select! {
            () = shutdown.cancelled() => break,
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    tracing::warn!(?local, "accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = tcp.set_nodelay(true);
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            tracing::warn!(?local, %addr, "connection limit reached: refusing");
            if tls.is_none() {
                tracker.spawn(refuse_busy(tcp, addr, limits));
            }
            continue;
        };
        let handler = handler.clone();
        let tls = tls.clone();
        let token = shutdown.child_token();
        tracker.spawn(async move {
            let _permit = permit;
            match open(tcp, addr, tls, limits).await {
                Ok(conn) => handler(conn, token).await,
                Err(e) => tracing::info!(%addr, "connection setup failed: {e}"),
            }
        });
    }
    tracker.close();
    if tokio::time::timeout(SHUTDOWN_GRACE, tracker.wait())
        .await
        .is_err()
    {
        tracing::warn!(?local, "connections still open after the shutdown grace period");
    }
}

async fn open(
    tcp: tokio::net::TcpStream,
    addr: SocketAddr,
    tls: Option<TlsAcceptor>,
    limits: Limits,
) -> Result<Conn, ConnError> {
    match tls {
        None => Ok(Conn::new(Box::new(tcp), limits, Some(addr), None)),
        Some(acceptor) => {
            let stream = tokio::time::timeout(limits.handshake_timeout, acceptor.accept(tcp))
                .await
                .map_err(|_| ConnError::HandshakeTimeout)??;
            let cert = stream
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|c| c.first())
                .map(|c| c.clone().into_owned());
            Ok(Conn::new(Box::new(stream), limits, Some(addr), cert))
        }
    }
}

async fn refuse_busy(tcp: tokio::net::TcpStream, addr: SocketAddr, limits: Limits) {
    let mut conn = Conn::new(Box::new(tcp), limits, Some(addr), None);
    conn.send_error(ErrorReply::new(
        ErrorCode::Refused(Refusal::Busy),
        None,
        "too many connections",
    ))
    .await;
}
