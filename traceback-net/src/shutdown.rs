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
    {
        use tokio::signal::unix::SignalKind;
        let interrupt = on_unix(SignalKind::interrupt(), "Ctrl-C (SIGINT)");
        let terminate = on_unix(SignalKind::terminate(), "SIGTERM");
        async move {
            tokio::select! {
                () = interrupt => {}
                () = terminate => {}
            }
        }
    }
    #[cfg(not(unix))]
    {
        // `ctrl_c()` registers its handler on first poll; off Unix there is
        // no other way to listen.
        async {
            match tokio::signal::ctrl_c().await {
                Ok(()) => tracing::info!("Ctrl-C: shutting down"),
                Err(e) => {
                    tracing::error!("cannot listen for Ctrl-C: {e}");
                    std::future::pending::<()>().await;
                }
            }
        }
    }
}

/// Install the handler for `kind` now; the returned future completes on the
/// first such signal, or never if the handler could not be installed.
#[cfg(unix)]
fn on_unix(
    kind: tokio::signal::unix::SignalKind,
    name: &'static str,
) -> impl Future<Output = ()> + Send + 'static {
    let stream = tokio::signal::unix::signal(kind)
        .map_err(|e| tracing::error!("cannot listen for {name}: {e}"))
        .ok();
    async move {
        match stream {
            Some(mut s) => {
                s.recv().await;
                tracing::info!("{name}: shutting down");
            }
            None => std::future::pending::<()>().await,
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::time::Duration;

    /// Signal this very process before the future is first polled: the
    /// handlers are installed by `signal()` itself, so the signal is caught
    /// (not the default action, which would end the test binary) and the
    /// future completes.
    async fn completes_on(signo: libc::c_int) {
        let shutdown = super::signal();
        // SAFETY: kill(2) on our own pid with a signal whose handler is set.
        let rc = unsafe { libc::kill(libc::getpid(), signo) };
        assert_eq!(rc, 0);
        tokio::time::timeout(Duration::from_secs(5), shutdown)
            .await
            .expect("the signal ends the wait");
    }

    #[tokio::test]
    async fn sigterm_completes_the_shutdown_future() {
        completes_on(libc::SIGTERM).await;
    }

    #[tokio::test]
    async fn sigint_completes_the_shutdown_future() {
        completes_on(libc::SIGINT).await;
    }
}
