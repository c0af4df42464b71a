//! A synchronous driver: run an algorithm against an answering function.
//!
//! For tests, simulations and research: no I/O, no clock, and bounded, so
//! an algorithm that keeps asking fails with [`DriveError::StepLimit`]
//! instead of hanging.

use super::algorithm::TraceAlgorithm;
use super::error::TraceError;
use super::graph::AttackGraph;
use super::question::{Answer, Question};
use crate::time::Timestamp;

/// Why [`drive`] gave up.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DriveError {
    /// More than `max_steps` questions were asked.
    #[error("trace still asking after {steps} questions (livelock?)")]
    StepLimit {
        /// Questions answered before giving up.
        steps: usize,
    },
    /// The algorithm asks nothing, has nothing outstanding, yet is not done.
    #[error("trace stalled: not done but nothing to ask")]
    Stalled,
    /// The algorithm is done but gave no outcome (already taken).
    #[error("trace finished without an outcome")]
    NoOutcome,
    /// The algorithm rejected an answer.
    #[error(transparent)]
    Trace(#[from] TraceError),
}

/// Run `algorithm` to completion, answering each question with `oracle`.
///
/// Every question is answered at once (an oracle simulates a timeout by
/// returning `Answer::Failed(Failure::Timeout)`), so the deadline clock is
/// irrelevant: questions are polled at [`Timestamp::EPOCH`] and
/// `handle_timeout` is only called if a question stays outstanding, which a
/// correct algorithm never allows here. At most `max_steps` questions are
/// answered.
pub fn drive<A, F>(algorithm: &mut A, oracle: &mut F, max_steps: usize) -> Result<AttackGraph, DriveError>
where
    A: TraceAlgorithm + ?Sized,
    F: FnMut(&Question) -> Answer,
{
    let mut steps = 0usize;
    loop {
        if algorithm.is_done() {
            return algorithm.poll_outcome().ok_or(DriveError::NoOutcome);
        }
        match algorithm.poll_question(Timestamp::EPOCH) {
            Some(q) => {
                if steps >= max_steps {
                    return Err(DriveError::StepLimit { steps });
                }
                steps += 1;
                let answer = oracle(&q);
                algorithm.handle_answer(q.id, answer)?;
            }
            None => match algorithm.poll_timeout() {
                // Something is outstanding that the oracle never answered: expire it.
                Some(deadline) => algorithm.handle_timeout(deadline),
                None => return Err(DriveError::Stalled),
            },
        }
    }
}
