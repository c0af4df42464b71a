//! Writing Suricata EVE JSON alerts for a packet: what the victim's IDS hands
//! the center in a simulation or a field-trial replay, readable by
//! [`super::parse_eve_line`] and by tools that consume Suricata's EVE.
//!
//! The line has the field names, order and shapes Suricata 6/7 writes
//! (`testdata/suricata/sample-eve-alerts.jsonl`). The caller gives time, link
//! type, frame and rule; everything about the packet (addresses, ports,
//! `proto`, `ip_v`, ICMP type and code, `payload`) is decoded from the frame,
//! so the line cannot contradict its own `packet`.
//!
//! Decisions:
//! - `packet_info.linktype` is the pcap `LINKTYPE_*` value of the frame
//!   (101 for raw IP, where Suricata on Linux would write the DLT value 12),
//!   so the reader gets back exactly the link type it was given;
//! - `flow_id`, when not given, is derived from the 5-tuple (same flow, same
//!   id), kept below 2^51 like Suricata's;
//! - the `flow` object describes a one-packet flow (`pkts_toserver` 1,
//!   `bytes_toserver` the frame length), `direction` is `to_server`,
//!   `stream` is 0: the alert matched on the packet, not on stream data;
//! - `payload` and `payload_printable` are written only when the transport
//!   payload (TCP, UDP, ICMP data) is non-empty.

mod fields;
mod timefmt;

pub use timefmt::format_timestamp;

use crate::packet::LinkType;
use crate::time::Timestamp;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use fields::{addr_text, frame_fields, printable, proto_name};
use serde::Serialize;
use std::io::Write;

/// Why an alert line could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EveWriteError {
    /// The link type is not one the writer can decode.
    #[error("cannot decode frames of {0}")]
    UnsupportedLinkType(LinkType),
    /// The frame carries no IPv4 or IPv6 header: Suricata raises no alert
    /// with addresses for it.
    #[error("frame carries no IPv4 or IPv6 header")]
    NotIp,
    /// JSON serialization failed.
    #[error("EVE JSON serialization failed: {0}")]
    Json(#[from] serde_json::Error),
    /// The underlying writer failed.
    #[error("I/O error writing EVE: {0}")]
    Io(#[from] std::io::Error),
}

/// The rule that fired: the `alert` object of the line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EveRule {
    /// `alert.action` (`allowed`, `blocked`).
    pub action: String,
    /// `alert.gid`.
    pub gid: u64,
    /// `alert.signature_id`.
    pub signature_id: u64,
    /// `alert.rev`.
    pub rev: u64,
    /// `alert.signature`, the rule message.
    pub signature: String,
    /// `alert.category`, the classtype description.
    pub category: String,
    /// `alert.severity` (1 highest).
    pub severity: u8,
}

impl EveRule {
    /// A rule with Suricata's usual defaults: action `allowed`, gid 1, rev 1,
    /// category "Attempted Denial of Service", severity 2.
    pub fn new(signature_id: u64, signature: impl Into<String>) -> Self {
        EveRule {
            action: "allowed".into(),
            gid: 1,
            signature_id,
            rev: 1,
            signature: signature.into(),
            category: "Attempted Denial of Service".into(),
            severity: 2,
        }
    }
}

/// One alert to write: the packet, when it was seen, and the rule.
#[derive(Clone, Debug)]
pub struct AlertSpec<'a> {
    timestamp: Timestamp,
    link: LinkType,
    frame: &'a [u8],
    rule: &'a EveRule,
    flow_id: Option<u64>,
    pcap_cnt: Option<u64>,
}

impl<'a> AlertSpec<'a> {
    /// An alert for `frame` (link header included) captured on `link`.
    pub fn new(timestamp: Timestamp, link: LinkType, frame: &'a [u8], rule: &'a EveRule) -> Self {
        AlertSpec {
            timestamp,
            link,
            frame,
            rule,
            flow_id: None,
            pcap_cnt: None,
        }
    }

    /// Use this `flow_id` instead of the one derived from the 5-tuple.
    pub fn with_flow_id(mut self, flow_id: u64) -> Self {
        self.flow_id = Some(flow_id);
        self
    }

    /// Write `pcap_cnt` (the packet's 1-based index in its capture file).
    pub fn with_pcap_cnt(mut self, pcap_cnt: u64) -> Self {
        self.pcap_cnt = Some(pcap_cnt);
        self
    }
}

#[derive(Serialize)]
struct Line<'a> {
    timestamp: &'a str,
    flow_id: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pcap_cnt: Option<u64>,
    event_type: &'static str,
    src_ip: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    src_port: Option<u16>,
    dest_ip: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    dest_port: Option<u16>,
    proto: String,
    ip_v: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    icmp_type: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    icmp_code: Option<u8>,
    pkt_src: &'static str,
    alert: Alert<'a>,
    direction: &'static str,
    flow: Flow<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payload: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payload_printable: Option<String>,
    stream: u8,
    packet: String,
    packet_info: PacketInfo,
}

#[derive(Serialize)]
struct Alert<'a> {
    action: &'a str,
    gid: u64,
    signature_id: u64,
    rev: u64,
    signature: &'a str,
    category: &'a str,
    severity: u8,
}

#[derive(Serialize)]
struct Flow<'a> {
    pkts_toserver: u64,
    pkts_toclient: u64,
    bytes_toserver: u64,
    bytes_toclient: u64,
    start: &'a str,
    src_ip: &'a str,
    dest_ip: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    src_port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dest_port: Option<u16>,
}

#[derive(Serialize)]
struct PacketInfo {
    linktype: u32,
    linktype_name: &'static str,
}

/// The name libpcap (`pcap_datalink_val_to_name`) gives a link type.
fn linktype_name(link: LinkType) -> &'static str {
    match link {
        LinkType::ETHERNET => "EN10MB",
        other => other.name().unwrap_or("n/a"),
    }
}

/// A flow id from the 5-tuple, below 2^51 like Suricata's.
fn derived_flow_id(src: &str, dst: &str, proto: u8, ports: Option<(u16, u16)>) -> u64 {
    let mut h = blake3::Hasher::new();
    h.update(b"traceback eve flow_id v1\0");
    h.update(src.as_bytes());
    h.update(b"\0");
    h.update(dst.as_bytes());
    h.update(&[0, proto]);
    let (sp, dp) = ports.unwrap_or((0, 0));
    h.update(&sp.to_be_bytes());
    h.update(&dp.to_be_bytes());
    let mut b = [0u8; 8];
    b.copy_from_slice(&h.finalize().as_bytes()[..8]);
    u64::from_le_bytes(b) & ((1 << 51) - 1)
}

/// The EVE alert line for `spec`, without the trailing newline.
pub fn alert_line(spec: &AlertSpec<'_>) -> Result<String, EveWriteError> {
    let f = frame_fields(spec.link, spec.frame)?;
    let ts = format_timestamp(spec.timestamp);
    let (src, dst) = (addr_text(f.src), addr_text(f.dst));
    let flow_id = spec
        .flow_id
        .unwrap_or_else(|| derived_flow_id(&src, &dst, f.proto, f.ports));
    let (src_port, dest_port) = (f.ports.map(|p| p.0), f.ports.map(|p| p.1));
    let has_payload = !f.payload.is_empty();
    let r = spec.rule;
    let line = Line {
        timestamp: &ts,
        flow_id,
        pcap_cnt: spec.pcap_cnt,
        event_type: "alert",
        src_ip: &src,
        src_port,
        dest_ip: &dst,
        dest_port,
        proto: proto_name(f.proto),
        ip_v: if f.src.is_ipv4() { 4 } else { 6 },
        icmp_type: f.icmp.map(|i| i.0),
        icmp_code: f.icmp.map(|i| i.1),
        pkt_src: "wire/pcap",
        alert: Alert {
            action: &r.action,
            gid: r.gid,
            signature_id: r.signature_id,
            rev: r.rev,
            signature: &r.signature,
            category: &r.category,
            severity: r.severity,
        },
        direction: "to_server",
        flow: Flow {
            pkts_toserver: 1,
            pkts_toclient: 0,
            bytes_toserver: spec.frame.len() as u64,
            bytes_toclient: 0,
            start: &ts,
            src_ip: &src,
            dest_ip: &dst,
            src_port,
            dest_port,
        },
        payload: has_payload.then(|| B64.encode(f.payload)),
        payload_printable: has_payload.then(|| printable(f.payload)),
        stream: 0,
        packet: B64.encode(spec.frame),
        packet_info: PacketInfo {
            linktype: spec.link.0,
            linktype_name: linktype_name(spec.link),
        },
    };
    Ok(serde_json::to_string(&line)?)
}

/// Write the alert line for `spec` and a newline to `out` (EVE is one JSON
/// object per line).
pub fn write_alert<W: Write>(out: &mut W, spec: &AlertSpec<'_>) -> Result<(), EveWriteError> {
    let mut line = alert_line(spec)?;
    line.push('\n');
    out.write_all(line.as_bytes())?;
    Ok(())
}
