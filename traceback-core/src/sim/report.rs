//! Plain-text rendering of simulation results (the caller prints it).

use super::scenario::{RunResult, Summary};
use std::fmt::Write;

/// One line per run and a summary table.
pub fn table(runs: &[RunResult], summary: &Summary) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:>6}  {:>12}  {:>12}  {:>12}  {:>6}  {:>4}  {:>9}  {:>8}  {:>9}  path (victim -> origin)",
        "seed", "attacker", "victim", "origins", "found", "fp", "questions", "messages", "trace ms"
    );
    for r in runs {
        let origins = r
            .origins
            .iter()
            .map(|a| a.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let path = match &r.found_path {
            Some(p) => p.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(" <- "),
            None => "-".into(),
        };
        let _ = writeln!(
            out,
            "{:>6}  {:>12}  {:>12}  {:>12}  {:>6}  {:>4}  {:>9}  {:>8}  {:>9.1}  {}",
            r.seed,
            r.attacker_as.to_string(),
            r.victim_as.to_string(),
            if origins.is_empty() { "-".into() } else { origins },
            if r.origin_found { "yes" } else { "NO" },
            r.false_positive_ases.len(),
            r.collector_questions,
            r.interdomain_messages,
            r.trace_time_ms,
            path
        );
        if let Some(t) = &r.traceability {
            let _ = writeln!(
                out,
                "        deployment: {} of {} ASes take part; traceability {:.1}%, origin named {:.1}%, {:.2} AS hops left on average ({} paths)",
                t.participating,
                t.ases,
                t.traceability * 100.0,
                t.origin_named * 100.0,
                t.mean_hops_left,
                t.paths
            );
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "| runs | origin found | false-positive ASes | mean questions | mean messages | mean trace time |"
    );
    let _ = writeln!(out, "|---:|---:|---:|---:|---:|---:|");
    let _ = writeln!(
        out,
        "| {} | {} ({:.0}%) | {} | {:.1} | {:.1} | {:.1} ms |",
        summary.runs,
        summary.origin_found,
        if summary.runs == 0 {
            0.0
        } else {
            100.0 * summary.origin_found as f64 / summary.runs as f64
        },
        summary.false_positive_ases,
        summary.mean_collector_questions,
        summary.mean_interdomain_messages,
        summary.mean_trace_time_ms
    );
    out
}
