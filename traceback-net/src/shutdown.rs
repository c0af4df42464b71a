//! Graceful shutdown for the programs.

use std::future::Future;

/// Completes on Ctrl-C (SIGINT) or, on Unix, SIGTERM (what systemd, docker
/// and `kill` send), so every program writes its state before it stops.
///
/// The handlers are installed when this is called, not when the future is
/// first polled, so a signal that arrives in between is not lost. A handler
/// that cannot be installed is logged; the future then waits for the other
/// signal only (and never completes if neither could be installed, so the
/// program runs until killed instead of stopping at once).
pub fn signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::error!("cannot listen for SIGTERM: {e}");
            None
        }
    };
    let ctrl_c = tokio::signal::ctrl_c();
    async move {
        let ctrl_c = async {
            match ctrl_c.await {
                Ok(()) => tracing::info!("Ctrl-C: shutting down"),
                Err(e) => {
                    tracing::error!("cannot listen for Ctrl-C: {e}");
                    std::future::pending::<()>().await;
                }
            }
        };
        #[cfg(unix)]
        let term = async {
            match term {
                Some(mut s) => {
                    s.recv().await;
                    tracing::info!("SIGTERM: shutting down");
                }
                None => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! {
            () = ctrl_c => {}
            () = term => {}
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::time::Duration;

    #[tokio::test]
    async fn sigterm_completes_the_shutdown_future() {
        let shutdown = super::signal();
        // SAFETY: sending a signal to this very process; the handler above is
        // installed, so SIGTERM is caught instead of ending the test binary.
        let rc = unsafe { libc::kill(libc::getpid(), libc::SIGTERM) };
        assert_eq!(rc, 0);
        tokio::time::timeout(Duration::from_secs(5), shutdown)
            .await
            .expect("SIGTERM ends the wait");
    }
}
