//! Driving one local trace (`traceback_core::control::ControlTrace`) over
//! the network, with the polling contract of the core's trace algorithms.

use super::collectors::CollectorPool;
use crate::clock;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use traceback_core::control::{ControlOutcome, ControlTrace};
use traceback_core::trace::Answer;

/// What the network run adds to the core's outcome.
#[derive(Debug)]
pub(super) struct Run {
    /// The core's outcome (`None` if the trace passed its overall deadline).
    pub(super) outcome: Option<ControlOutcome>,
    /// Questions that got no answer (unreachable, timed out, error reply).
    pub(super) failed: usize,
}

/// Run `trace` to the end: questions go to collectors concurrently, each with
/// `question_timeout`; the trace's own deadlines are served by a timer;
/// `overall` bounds the whole run.
pub(super) async fn run(
    mut trace: ControlTrace,
    pool: Arc<CollectorPool>,
    question_timeout: Duration,
    overall: Duration,
) -> Run {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let deadline = tokio::time::Instant::now() + overall;
    let mut failed = 0;
    loop {
        while let Some(q) = trace.poll_question(clock::now()) {
            let (pool, tx) = (pool.clone(), tx.clone());
            tokio::spawn(async move {
                let answer = pool.ask(&q, question_timeout).await;
                let _ = tx.send((q.id, answer));
            });
        }
        if trace.is_done() {
            return Run {
                outcome: trace.take_outcome(),
                failed,
            };
        }
        let timer = trace.poll_timeout().map(clock::until).unwrap_or(overall);
        tokio::select! {
            Some((id, answer)) = rx.recv() => {
                if matches!(answer, Answer::Failed(_)) {
                    failed += 1;
                }
                if let Err(e) = trace.handle_answer(id, answer) {
                    tracing::debug!("control: answer not used: {e}");
                }
            }
            () = tokio::time::sleep(timer) => trace.handle_timeout(clock::now()),
            () = tokio::time::sleep_until(deadline) => {
                tracing::warn!("control: trace exceeded its overall deadline");
                return Run { outcome: None, failed };
            }
        }
    }
}
