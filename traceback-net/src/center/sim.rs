//! A [`TraceDispatcher`] over the core's in-process InterTrack federation
//! (`traceback_core::intertrack::harness`): simulations, demos and tests run
//! the center against real interconnect state machines without sockets.

use super::dispatch::{DispatchError, Dispatched, TraceDispatcher, TraceJob};
use super::model::{AsStatusEntry, PathReport};
use std::sync::Mutex;
use traceback_core::intertrack::harness::Federation;
use traceback_core::intertrack::{AsPathTree, HopLimit};

/// Runs each job as a trace in a seeded [`Federation`], to quiescence.
///
/// The federation's virtual clock is moved to the evidence's `seen_at`
/// (never backwards) before the trace starts.
#[derive(Debug)]
pub struct FederationDispatcher {
    federation: Mutex<Federation>,
    max_steps: u64,
}

impl FederationDispatcher {
    /// Dispatch into `federation`, giving up on a trace after `max_steps` steps.
    pub fn new(federation: Federation, max_steps: u64) -> Self {
        FederationDispatcher {
            federation: Mutex::new(federation),
            max_steps,
        }
    }
}

/// The center's view of a finished InterTrack tree: origins reachable from the
/// victim with their shortest AS paths, every AS's status, and conflicts as text.
pub fn report_from_tree(tree: &AsPathTree) -> PathReport {
    let paths = tree.paths();
    let mut conflicts: Vec<String> = tree.conflicts().iter().map(|c| format!("{c:?}")).collect();
    for o in tree.origins() {
        if !paths.contains_key(&o) {
            conflicts.push(format!(
                "{o} said Source but no on-path chain leads to it from the victim"
            ));
        }
    }
    for (from, to) in tree.loops() {
        conflicts.push(format!("loop: {from} named {to}, already on the path"));
    }
    let statuses = tree
        .nodes()
        .iter()
        .filter_map(|(asn, n)| {
            n.status.map(|s| AsStatusEntry {
                asn: *asn,
                status: s.to_string(),
                detail: serde_json::json!({
                    "confidence": n.confidence.get(),
                    "upstream": n.children,
                    "downstream": n.parents,
                }),
            })
        })
        .collect();
    PathReport {
        origins: paths.keys().copied().collect(),
        paths: paths.into_values().collect(),
        statuses,
        conflicts,
    }
}

#[async_trait::async_trait]
impl TraceDispatcher for FederationDispatcher {
    async fn dispatch(&self, job: TraceJob) -> Result<Dispatched, DispatchError> {
        // The federation is synchronous and CPU-bound; a trace takes microseconds
        // to milliseconds, so it runs under the lock on the calling task.
        let mut f = self.federation.lock().unwrap_or_else(|p| p.into_inner());
        let start = f.now().max(job.evidence.seen_at);
        f.advance_to(start, self.max_steps)
            .map_err(|e| DispatchError::Failed(e.to_string()))?;
        let id = f
            .start_trace(job.victim, job.evidence, HopLimit::MAX)
            .map_err(|e| DispatchError::Unreachable(job.victim, e.to_string()))?;
        f.run(self.max_steps)
            .map_err(|e| DispatchError::Failed(e.to_string()))?;
        let tree = f
            .finished(id)
            .ok_or_else(|| DispatchError::Failed("trace did not finish".into()))?;
        Ok(Dispatched::Finished(report_from_tree(tree)))
    }
}
