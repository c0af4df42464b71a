//! Graceful shutdown for the programs.

/// Completes on Ctrl-C. If the signal handler cannot be installed, it logs
/// that and never completes (the program then runs until killed, instead of
/// stopping at once).
pub async fn ctrl_c() {
    match tokio::signal::ctrl_c().await {
        Ok(()) => tracing::info!("Ctrl-C: shutting down"),
        Err(e) => {
            tracing::error!("cannot listen for Ctrl-C: {e}");
            std::future::pending::<()>().await;
        }
    }
}
