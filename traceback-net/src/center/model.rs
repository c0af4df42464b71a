//! The center's records and the JSON shapes of its API (shared by the server
//! and [`super::client`]).
//!
//! Times are [`Timestamp`]s: integer nanoseconds since the Unix epoch in JSON.

use core::fmt;
use core::str::FromStr;
use serde::{Deserialize, Serialize};
use traceback_core::{Asn, Digest, DigestProfile, Timestamp};

/// The id of one search request (a row of `searches`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SearchId(pub i64);

impl fmt::Display for SearchId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The id of one countermeasure request (a row of `countermeasures`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CountermeasureId(pub i64);

impl fmt::Display for CountermeasureId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A text value in the database that is not one of an enum's names.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {value:?}")]
pub struct UnknownName {
    kind: &'static str,
    value: String,
}

macro_rules! named_enum {
    ($(#[$m:meta])* $name:ident, $kind:literal { $($(#[$vm:meta])* $var:ident => $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        #[non_exhaustive]
        pub enum $name { $($(#[$vm])* $var),+ }

        impl $name {
            /// The name stored in the database and used in JSON.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$var => $s),+ }
            }
        }

        impl FromStr for $name {
            type Err = UnknownName;
            fn from_str(s: &str) -> Result<Self, UnknownName> {
                match s {
                    $($s => Ok($name::$var),)+
                    _ => Err(UnknownName { kind: $kind, value: s.to_owned() }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

named_enum!(
    /// Where a search is in its life.
    SearchStatus, "search status" {
        /// Accepted, waiting for a worker.
        Queued => "queued",
        /// Handed to the victim ISP's interconnect; waiting for its path report.
        Running => "running",
        /// A path record was stored.
        Done => "done",
        /// The trace failed or timed out; `error` says why.
        Failed => "failed",
    }
);

named_enum!(
    /// What the operator submitted as evidence.
    SourceKind, "source kind" {
        /// A digest the ISP computed itself.
        Digest => "digest",
        /// The raw packet (hex); the center computed the digest.
        Packet => "packet",
        /// One Suricata EVE alert line; the center computed the digest of its `packet`.
        Eve => "eve",
    }
);

named_enum!(
    /// Where a countermeasure request is.
    CountermeasureStatus, "countermeasure status" {
        /// In the origin operator's inbox.
        Sent => "sent",
        /// The origin operator acknowledged it.
        Acknowledged => "acknowledged",
    }
);

/// A search as submitted through the API (what [`super::client::CenterClient::submit_search`] sends).
///
/// The server reads the same JSON object: exactly one of `digest`,
/// `packet_hex` or `eve` must be present.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum SearchRequest {
    /// By digest (computed by the ISP with the federation's profile V1).
    Digest {
        /// The packet's digest.
        digest: Digest,
        /// When the IDS saw the packet.
        seen_at: Timestamp,
        /// Clock tolerance on both sides of `seen_at`, in milliseconds.
        #[serde(skip_serializing_if = "Option::is_none")]
        tolerance_ms: Option<u64>,
    },
    /// By raw packet: the center digests it.
    Packet {
        /// The captured frame, hex encoded.
        packet_hex: String,
        /// Its pcap `LINKTYPE_*` value (1 = Ethernet, 101 = raw IP).
        linktype: u32,
        /// When the IDS saw the packet.
        seen_at: Timestamp,
        /// Clock tolerance on both sides of `seen_at`, in milliseconds.
        #[serde(skip_serializing_if = "Option::is_none")]
        tolerance_ms: Option<u64>,
    },
    /// By one Suricata EVE alert line: time, link type and packet come from it.
    Eve {
        /// The EVE JSON line, as a string.
        eve: String,
        /// Clock tolerance on both sides of the alert time, in milliseconds.
        #[serde(skip_serializing_if = "Option::is_none")]
        tolerance_ms: Option<u64>,
    },
}

/// The answer to a submitted search: the id to poll.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submitted {
    /// The new search.
    pub id: SearchId,
    /// Always [`SearchStatus::Queued`] at submission.
    pub status: SearchStatus,
    /// The digest the search is for (computed by the center for packets and EVE alerts).
    pub digest: Digest,
}

/// What one AS disclosed about the packet during the trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AsStatusEntry {
    /// The AS.
    pub asn: Asn,
    /// Its InterTrack status name (`Source`, `Transit`, `NotFound`, `Refused`, ...).
    pub status: String,
    /// Further fields the AS exported (neighbours, confidence, ...), as reported.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub detail: serde_json::Value,
}

/// A finished trace as the victim ISP's interconnect reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathReport {
    /// The ASes where the packet entered the Internet (empty: not found).
    pub origins: Vec<Asn>,
    /// AS paths from the victim's AS to an origin (first element: the victim).
    pub paths: Vec<Vec<Asn>>,
    /// Per-AS status, one entry per AS that answered.
    #[serde(default)]
    pub statuses: Vec<AsStatusEntry>,
    /// Contradictions met during the trace (two ASes claiming the same hop, ...).
    #[serde(default)]
    pub conflicts: Vec<String>,
}

/// A stored path record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathRecord {
    /// The record's row id.
    pub id: i64,
    /// The search it answers.
    pub search_id: SearchId,
    /// The AS of the ISP that submitted the search.
    pub victim: Asn,
    /// The trace result.
    #[serde(flatten)]
    pub report: PathReport,
    /// The AS whose interconnect reported it.
    pub reported_by: Asn,
    /// When the center stored it.
    pub recorded_at: Timestamp,
}

/// A search and, once done, its result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchView {
    /// The search id.
    pub id: SearchId,
    /// The AS of the submitting (victim) ISP.
    pub isp: Asn,
    /// What the evidence came from.
    pub source: SourceKind,
    /// The digest traced.
    pub digest: Digest,
    /// The digest profile.
    pub profile: DigestProfile,
    /// When the packet was seen.
    pub seen_at: Timestamp,
    /// Clock tolerance, milliseconds on both sides of `seen_at`.
    pub tolerance_ms: u64,
    /// Where the search is.
    pub status: SearchStatus,
    /// Why it failed, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// When it was submitted.
    pub created_at: Timestamp,
    /// When a worker handed it to the interconnect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<Timestamp>,
    /// When it became done or failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<Timestamp>,
    /// The path record, when done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<PathRecord>,
}

/// Filters of `GET /v1/records`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordFilter {
    /// Only records naming this origin AS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Asn>,
    /// Only records stored at or after this time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<Timestamp>,
    /// At most this many records, newest first (default 100, at most 1000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// Body of `POST /v1/searches/{id}/countermeasures`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountermeasureRequest {
    /// What the origin ISP is asked to do ("filter UDP/161 from customer edge", ...).
    pub action: String,
    /// The origin AS to ask; may be left out when the search found exactly one origin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Asn>,
}

/// Body of `POST /v1/countermeasures/{id}/ack`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AckRequest {
    /// What the origin operator did or will do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Body of `POST /v1/reports`: a finished trace from an interconnect.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportSubmission {
    /// The search the trace was for.
    pub search_id: SearchId,
    /// The result.
    pub report: PathReport,
}

/// A countermeasure request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Countermeasure {
    /// Its id.
    pub id: CountermeasureId,
    /// The search whose result named the target.
    pub search_id: SearchId,
    /// The AS whose operator asked.
    pub requested_by: Asn,
    /// The origin AS asked to act.
    pub target: Asn,
    /// What it is asked to do.
    pub action: String,
    /// Sent or acknowledged.
    pub status: CountermeasureStatus,
    /// When it was sent.
    pub sent_at: Timestamp,
    /// The AS that acknowledged (always `target`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acked_by: Option<Asn>,
    /// When it was acknowledged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acked_at: Option<Timestamp>,
    /// The acknowledging operator's note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The digest of the traced packet, so the origin operator can look it up.
    pub digest: Digest,
    /// When the traced packet was seen.
    pub seen_at: Timestamp,
}

/// One line of the append-only audit log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Sequence number (strictly increasing).
    pub seq: i64,
    /// When.
    pub at: Timestamp,
    /// Who: `AS64500`, or `center` for the center's own actions.
    pub actor: String,
    /// What (`search.submit`, `search.done`, `countermeasure.ack`, ...).
    pub action: String,
    /// On which object (`search/3`, `countermeasure/1`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The JSON body of every error answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// A stable machine-readable code (`unauthorized`, `bad_json`, `not_found`, ...).
    pub error: String,
    /// A human-readable explanation.
    pub detail: String,
}
