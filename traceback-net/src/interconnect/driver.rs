//! The task that owns one ISP's `Interconnect` state machine: feeds it
//! inputs with the OS time, drains its outputs, serves its timers.

use crate::clock;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use traceback_core::intertrack::{
    AsPathTree, Event, HopLimit, Interconnect, InterconnectStats, LocalFinding, Message, QueryId, RequestId,
    StartError,
};
use traceback_core::{Asn, Evidence};

/// An input to the state machine.
#[derive(Debug)]
#[non_exhaustive]
pub enum Input {
    /// A message from neighbour `from` (authenticated by mutual TLS).
    Peer {
        /// The neighbour.
        from: Asn,
        /// Its message.
        msg: Message,
    },
    /// The control's answer to a local query.
    Finding {
        /// The query.
        query: QueryId,
        /// The answer.
        finding: LocalFinding,
    },
    /// A request could not be delivered to `neighbor`.
    Unreachable {
        /// The neighbour.
        neighbor: Asn,
        /// The trace.
        id: RequestId,
    },
    /// Start a trace at this ISP.
    Start {
        /// The packet's evidence.
        evidence: Evidence,
        /// AS hops allowed.
        hop_limit: HopLimit,
        /// Where the trace id (or the refusal) goes.
        reply: oneshot::Sender<Result<RequestId, StartError>>,
    },
    /// Report the state machine's counters.
    Stats {
        /// Where the counters go.
        reply: oneshot::Sender<InterconnectStats>,
    },
}

/// Finished traces and the tasks waiting for them.
#[derive(Debug, Default)]
pub(super) struct Finished {
    done: HashMap<RequestId, AsPathTree>,
    waiters: HashMap<RequestId, Vec<oneshot::Sender<AsPathTree>>>,
}

impl Finished {
    /// A receiver that gets the tree of `id` when (or if already) finished.
    pub(super) fn watch(&mut self, id: RequestId) -> oneshot::Receiver<AsPathTree> {
        let (tx, rx) = oneshot::channel();
        if let Some(t) = self.done.get(&id) {
            let _ = tx.send(t.clone());
        } else {
            self.waiters.entry(id).or_default().push(tx);
        }
        rx
    }

    fn finish(&mut self, id: RequestId, tree: AsPathTree) {
        for w in self.waiters.remove(&id).unwrap_or_default() {
            let _ = w.send(tree.clone());
        }
        self.done.insert(id, tree);
    }
}

/// Run the state machine until `shutdown`.
pub(super) async fn run(
    mut ic: Interconnect,
    mut inputs: mpsc::UnboundedReceiver<Input>,
    outbound: BTreeMap<Asn, mpsc::UnboundedSender<Message>>,
    finished: Arc<Mutex<Finished>>,
    unreachable: mpsc::UnboundedSender<Input>,
    shutdown: CancellationToken,
) {
    loop {
        drain(&mut ic, &outbound, &finished, &unreachable);
        let timer = ic.poll_timeout().map(clock::until);
        tokio::select! {
            () = shutdown.cancelled() => break,
            input = inputs.recv() => {
                let Some(input) = input else { break };
                apply(&mut ic, input);
            }
            () = async { tokio::time::sleep(timer.unwrap_or_default()).await }, if timer.is_some() => {
                ic.handle_timeout(clock::now());
            }
        }
    }
    tracing::info!(asn = %ic.asn(), stats = ?ic.stats(), "interconnect state machine stopped");
}

fn apply(ic: &mut Interconnect, input: Input) {
    let now = clock::now();
    match input {
        Input::Peer { from, msg } => ic.handle_message(from, msg, now),
        Input::Finding { query, finding } => {
            if let Err(e) = ic.handle_local_finding(query, finding, now) {
                tracing::info!("interconnect: late local finding ignored: {e}");
            }
        }
        Input::Unreachable { neighbor, id } => ic.handle_unreachable(neighbor, id, now),
        Input::Start {
            evidence,
            hop_limit,
            reply,
        } => {
            let r = ic.start_trace(evidence, hop_limit, now);
            if let Ok(id) = &r {
                tracing::info!(%id, digest = %evidence.digest, "interconnect: trace started");
            }
            let _ = reply.send(r);
        }
        Input::Stats { reply } => {
            let _ = reply.send(*ic.stats());
        }
    }
}

fn drain(
    ic: &mut Interconnect,
    outbound: &BTreeMap<Asn, mpsc::UnboundedSender<Message>>,
    finished: &Arc<Mutex<Finished>>,
    unreachable: &mpsc::UnboundedSender<Input>,
) {
    while let Some(t) = ic.poll_transmit() {
        match outbound.get(&t.to) {
            Some(tx) if tx.send(t.message.clone()).is_ok() => {}
            _ => {
                tracing::info!(to = %t.to, "interconnect: no connection to neighbour");
                if let Message::Request(r) = &t.message {
                    let _ = unreachable.send(Input::Unreachable {
                        neighbor: t.to,
                        id: r.id,
                    });
                }
            }
        }
    }
    while let Some(ev) = ic.poll_event() {
        match ev {
            Event::TraceFinished { id, tree } => {
                tracing::info!(%id, origins = ?tree.origins(), complete = tree.is_complete(), "interconnect: trace finished");
                if let Ok(mut f) = finished.lock() {
                    f.finish(id, tree);
                }
            }
            other => tracing::debug!(?other, "interconnect: event"),
        }
    }
}
