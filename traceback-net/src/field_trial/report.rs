//! What the field trial reports.

use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use traceback_core::Asn;

/// One line of the timeline.
#[derive(Clone, Debug, Serialize)]
pub struct TimelineEntry {
    /// Milliseconds since the run started.
    pub at_ms: f64,
    /// What happened.
    pub what: String,
}

/// The countermeasure request sent to the origin ISP's operator.
#[derive(Clone, Debug, Serialize)]
pub struct CountermeasureOutcome {
    /// Its id at the center.
    pub id: i64,
    /// The origin AS asked to act.
    pub target: Asn,
    /// What it was asked to do.
    pub action: String,
    /// Whether the origin's operator acknowledged it.
    pub acknowledged: bool,
}

/// The result of one field-trial run (`--json` prints it).
#[derive(Clone, Debug, Serialize)]
pub struct FieldTrialReport {
    /// Ground truth: where the attacker sits.
    pub attacker_as: Asn,
    /// Ground truth: whose addresses it forged.
    pub spoofed_as: Asn,
    /// The victim's AS.
    pub victim_as: Asn,
    /// What the trace found (the first origin), if anything.
    pub origin_as: Option<Asn>,
    /// Every origin the trace named.
    pub origins: Vec<Asn>,
    /// The traced AS path, victim first, origin last.
    pub path: Vec<Asn>,
    /// The attack's true AS path, victim first.
    pub true_path: Vec<Asn>,
    /// Every AS's status, as reported to the center.
    pub as_status: BTreeMap<Asn, String>,
    /// ASes named source or transit that the attack never crossed.
    pub false_positive_ases: Vec<Asn>,
    /// From the search's submission to the center's answer, milliseconds.
    pub elapsed_ms: f64,
    /// The search's id at the center.
    pub search_id: i64,
    /// The traced packet's digest.
    pub digest: String,
    /// The countermeasure request and its acknowledgement.
    pub countermeasure: Option<CountermeasureOutcome>,
    /// ISPs in the federation.
    pub isps: usize,
    /// Collector programs run.
    pub collectors: usize,
    /// Packets the data plane delivered.
    pub packets_delivered: u64,
    /// The attack graph (Graphviz DOT).
    pub dot_file: PathBuf,
    /// The center's SQLite file.
    pub db_file: PathBuf,
    /// Everything that happened, in order.
    pub timeline: Vec<TimelineEntry>,
}
