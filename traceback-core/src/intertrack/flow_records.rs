//! A second traceback method: ingress flow records.
//!
//! Some ISPs log no per-packet digests but export flow records at their
//! ingress interfaces (NetFlow/IPFIX; RFC 5477 defines IPFIX elements that
//! carry a packet digest). [`FlowRecordLocator`] answers the interconnect's
//! question from such a table: the records whose digest and profile match
//! the evidence and whose time range overlaps the evidence window name the
//! ingress points. It proves that [`IngressLocator`] is method-neutral.

use crate::digest::{Digest, DigestProfile};
use crate::evidence::Ingress;
use crate::intertrack::message::Confidence;
use crate::intertrack::method::{IngressLocator, LocalFinding, LocalQuery, Located};
use crate::time::{TimeRange, Timestamp};
use std::collections::{BTreeMap, BTreeSet};

/// One record exported at an ingress point: a packet with this digest
/// entered over `ingress` during `seen`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct IngressFlowRecord {
    /// Where the packet entered (border link or customer edge).
    pub ingress: Ingress,
    /// The packet digest exported with the record.
    pub digest: Digest,
    /// The profile the exporter computed the digest with.
    pub profile: DigestProfile,
    /// First and last time the record covers.
    pub seen: TimeRange,
}

impl IngressFlowRecord {
    /// A record.
    pub fn new(ingress: Ingress, digest: Digest, profile: DigestProfile, seen: TimeRange) -> Self {
        IngressFlowRecord {
            ingress,
            digest,
            profile,
            seen,
        }
    }
}

/// Answers from a table of ingress flow records, indexed by digest.
///
/// The table knows the interval its exporters covered: a query whose window
/// lies outside it is answered [`LocalFinding::Unavailable`] (no data), not
/// `NotSeen` (looked and did not find).
#[derive(Clone, Debug)]
pub struct FlowRecordLocator {
    by_digest: BTreeMap<Digest, Vec<IngressFlowRecord>>,
    coverage: Option<TimeRange>,
    confidence: Confidence,
    records: usize,
}

impl FlowRecordLocator {
    /// An empty table whose positive answers carry `confidence`.
    pub fn new(confidence: Confidence) -> Self {
        FlowRecordLocator {
            by_digest: BTreeMap::new(),
            coverage: None,
            confidence,
            records: 0,
        }
    }

    /// Add one record; the covered interval grows to include it.
    pub fn insert(&mut self, record: IngressFlowRecord) {
        self.extend_coverage(record.seen);
        self.by_digest.entry(record.digest).or_default().push(record);
        self.records += 1;
    }

    /// Declare that the exporters covered `range` (records or not).
    pub fn extend_coverage(&mut self, range: TimeRange) {
        self.coverage = Some(match self.coverage {
            None => range,
            Some(c) => TimeRange::new(c.start.min(range.start), c.end.max(range.end)),
        });
    }

    /// Drop records that ended before `t`; coverage starts at `t` at the earliest.
    pub fn expire_before(&mut self, t: Timestamp) {
        let mut removed = 0;
        self.by_digest.retain(|_, v| {
            let before = v.len();
            v.retain(|r| r.seen.end >= t);
            removed += before - v.len();
            !v.is_empty()
        });
        self.records -= removed;
        if let Some(c) = self.coverage {
            self.coverage = if c.end < t {
                None
            } else {
                Some(TimeRange::new(c.start.max(t), c.end))
            };
        }
    }

    /// Number of records held.
    pub fn len(&self) -> usize {
        self.records
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.records == 0
    }

    /// The interval the table covers, if any.
    pub fn coverage(&self) -> Option<TimeRange> {
        self.coverage
    }
}

impl IngressLocator for FlowRecordLocator {
    fn name(&self) -> &str {
        "ingress-flow-records"
    }

    fn locate(&mut self, query: &LocalQuery, _now: Timestamp) -> Located {
        let window = query.evidence.window();
        match self.coverage {
            Some(c) if c.overlaps(&window) => {}
            _ => return Located::Ready(LocalFinding::Unavailable),
        }
        let ingress: BTreeSet<Ingress> = self
            .by_digest
            .get(&query.evidence.digest)
            .into_iter()
            .flatten()
            .filter(|r| r.profile == query.evidence.profile && r.seen.overlaps(&window))
            .map(|r| r.ingress.clone())
            .collect();
        Located::Ready(if ingress.is_empty() {
            LocalFinding::not_seen()
        } else {
            LocalFinding::Entered {
                ingress: ingress.into_iter().collect(),
                confidence: self.confidence,
            }
        })
    }
}
