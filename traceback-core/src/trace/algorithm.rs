//! The interface every trace algorithm implements.

use super::book::QuestionStats;
use super::error::TraceError;
use super::graph::AttackGraph;
use super::question::{Answer, Question, QuestionId};
use crate::time::Timestamp;

/// A trace inside one ISP as a state machine: no I/O, no clock.
///
/// The algorithm decides which collectors to ask; a driver (the synchronous
/// [`super::drive`], a simulator, or the network driver) carries the
/// questions to collectors and the answers back.
///
/// # Methods
/// - getters: [`name`](Self::name), [`stats`](Self::stats), [`is_done`](Self::is_done),
///   [`poll_timeout`](Self::poll_timeout) (the next deadline, does not change state);
/// - input: [`handle_answer`](Self::handle_answer), [`handle_timeout`](Self::handle_timeout);
/// - output: [`poll_question`](Self::poll_question), [`poll_outcome`](Self::poll_outcome).
///
/// # Polling contract
/// 1. Call `poll_question(now)` until it returns `None`; send every question.
///    Questions may be answered in any order and concurrently.
/// 2. Feed each answer with `handle_answer`. A collector that cannot be
///    reached may be reported at once as `Answer::Failed(Unreachable)`.
/// 3. When the clock reaches `poll_timeout()`, call `handle_timeout(now)`:
///    questions past their deadline count as unknown.
/// 4. After every `handle_*` call, go back to 1: answers open new questions.
/// 5. When `is_done()` is true, `poll_outcome()` returns the graph once
///    (then `None`). `is_done()` never becomes true while a question is
///    outstanding, and a finished trace asks nothing more.
///
/// An answer for an id that is not outstanding (never asked, answered
/// already, or timed out) is rejected with [`TraceError::NotOutstanding`]
/// and changes nothing, so late answers are harmless.
pub trait TraceAlgorithm: Send {
    /// The algorithm's name (as in config).
    fn name(&self) -> &str;

    /// The next question to send; `now` starts its deadline.
    fn poll_question(&mut self, now: Timestamp) -> Option<Question>;

    /// An answer (or a failure) for question `id`.
    fn handle_answer(&mut self, id: QuestionId, answer: Answer) -> Result<(), TraceError>;

    /// The clock reached `now`: fail questions whose deadline passed.
    fn handle_timeout(&mut self, now: Timestamp);

    /// The earliest deadline of an outstanding question.
    fn poll_timeout(&self) -> Option<Timestamp>;

    /// Whether the trace has finished (nothing to ask, nothing outstanding).
    fn is_done(&self) -> bool;

    /// The result, once, after the trace is done.
    fn poll_outcome(&mut self) -> Option<AttackGraph>;

    /// Question counts so far.
    fn stats(&self) -> QuestionStats;
}
