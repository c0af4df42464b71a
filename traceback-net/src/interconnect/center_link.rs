//! Reporting to the center over its HTTP API (`docs/center.md`): the
//! interconnect polls `GET /v1/jobs` for searches its ISP submitted, runs
//! each trace and posts the finished path with `POST /v1/reports`.

use super::InterconnectHandle;
use crate::center::model::{AsStatusEntry, PathReport, ReportSubmission, SearchId};
use crate::center::CenterClient;
use std::collections::HashSet;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use traceback_core::intertrack::{AsPathTree, AsStatus, HopLimit};

/// The center's name for a status (`Source`, `Transit`, `NotFound`, ...).
pub fn status_name(s: &AsStatus) -> &'static str {
    match s {
        AsStatus::Destination => "Destination",
        AsStatus::Source => "Source",
        AsStatus::Transit => "Transit",
        AsStatus::NotFound => "NotFound",
        AsStatus::Refused(_) => "Refused",
        AsStatus::Busy => "Busy",
        AsStatus::Unknown(_) => "Unknown",
        AsStatus::Loop => "Loop",
        _ => "Unknown",
    }
}

/// The center's report for a finished tree.
pub fn report_of(tree: &AsPathTree) -> PathReport {
    let paths = tree.paths();
    let origins: Vec<_> = tree
        .origins()
        .into_iter()
        .filter(|o| paths.contains_key(o))
        .collect();
    let statuses = tree
        .nodes()
        .iter()
        .filter_map(|(asn, node)| {
            let status = node.status?;
            Some(AsStatusEntry {
                asn: *asn,
                status: status_name(&status).to_owned(),
                detail: serde_json::json!({
                    "status": status.to_string(),
                    "confidence": node.confidence.get(),
                    "upstream": node.children.iter().map(|a| a.0).collect::<Vec<_>>(),
                    "answered": node.answered,
                }),
            })
        })
        .collect();
    PathReport {
        paths: origins.iter().filter_map(|o| paths.get(o).cloned()).collect(),
        origins,
        statuses,
        conflicts: tree.conflicts().iter().map(|c| format!("{c:?}")).collect(),
    }
}

/// Poll the center for jobs every `every` until `shutdown`; run and report each.
pub(super) async fn poll_jobs(
    client: CenterClient,
    handle: InterconnectHandle,
    hop_limit: HopLimit,
    every: Duration,
    wait: Duration,
    shutdown: CancellationToken,
) {
    let mut started: HashSet<SearchId> = HashSet::new();
    let mut tick = tokio::time::interval(every);
    // While the center stays unreachable only the first failure is a
    // warning (the rest are debug), and its return is logged once.
    let mut failing = false;
    loop {
        tokio::select! {
            () = shutdown.cancelled() => break,
            _ = tick.tick() => {}
        }
        // A poll in flight when shutdown comes is dropped, not reported as
        // an error (the center may be stopping too).
        let polled = tokio::select! {
            () = shutdown.cancelled() => break,
            r = client.jobs() => r,
        };
        let jobs = match polled {
            Ok(j) => {
                if std::mem::take(&mut failing) {
                    tracing::info!("interconnect: center reachable again");
                }
                j
            }
            Err(_) if shutdown.is_cancelled() => break,
            Err(e) => {
                if std::mem::replace(&mut failing, true) {
                    tracing::debug!("interconnect: center jobs: {e}");
                } else {
                    tracing::warn!("interconnect: center jobs: {e} (further failures are logged at debug until it answers)");
                }
                continue;
            }
        };
        for job in jobs {
            if !started.insert(job.search_id) {
                continue;
            }
            let (client, handle) = (client.clone(), handle.clone());
            tokio::spawn(async move {
                let id = match handle.start_trace(job.evidence, hop_limit).await {
                    Ok(id) => id,
                    Err(e) => {
                        tracing::warn!(search = %job.search_id, "interconnect: cannot start trace: {e}");
                        return;
                    }
                };
                tracing::info!(search = %job.search_id, trace = %id, "interconnect: tracing for the center");
                let Some(tree) = handle.wait_finished(id, wait).await else {
                    tracing::warn!(search = %job.search_id, "interconnect: trace did not finish in time");
                    return;
                };
                let sub = ReportSubmission {
                    search_id: job.search_id,
                    report: report_of(&tree),
                };
                match client.report(&sub).await {
                    Ok(view) => {
                        tracing::info!(search = %view.id, status = ?view.status, "interconnect: path reported")
                    }
                    Err(e) => tracing::warn!(search = %job.search_id, "interconnect: report refused: {e}"),
                }
            });
        }
    }
}
