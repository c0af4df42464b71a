//! Suricata EVE JSON alerts: the IDS side's hand-off of an attack packet.
//!
//! One EVE line becomes an [`EveEvent`]: an [`EveAlert`] carrying the
//! triggering frame (decoded from the base64 `packet` field) and its link
//! type, or [`EveEvent::Other`] for every other event type (flow, stats,
//! dns, ...), which is an outcome, not an error.
//!
//! Decisions:
//! - the digest input always comes from `packet`, never from `payload`
//!   (which is empty for SYNs and fragments and, with `stream: 1`, holds
//!   reassembled stream data rather than the packet);
//! - `packet_info.linktype` gives the link type; when it is absent (Suricata
//!   before 6.0 did not write it) the frame is taken as Ethernet, which is
//!   what those versions logged for Ethernet captures, and
//!   [`EveAlert::link_assumed`] says so;
//! - an alert without `packet` is an error ([`EveError::MissingField`]):
//!   traceback has nothing to digest;
//! - the timestamp is parsed here (`2021-04-28T10:30:21.099510+0000`, any
//!   UTC offset, `Z`, `+HH:MM`), to nanoseconds since the epoch.

mod timestamp;
mod writer;

pub use timestamp::parse_timestamp;
pub use writer::{alert_line, format_timestamp, write_alert, AlertSpec, EveRule, EveWriteError};

use crate::packet::LinkType;
use crate::time::Timestamp;
use base64::Engine as _;
use serde::Deserialize;
use std::net::IpAddr;

/// Largest EVE line accepted (a 256 KiB packet in base64 plus metadata).
pub const MAX_LINE_LEN: usize = 512 * 1024;

/// One decoded EVE record.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EveEvent {
    /// An alert with its triggering packet.
    Alert(EveAlert),
    /// Any other event type (not an alert: nothing to trace).
    Other {
        /// The `event_type` field.
        event_type: String,
    },
}

/// An IDS alert, ready to be digested and traced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EveAlert {
    /// When the IDS saw the packet.
    pub timestamp: Timestamp,
    /// `alert.signature_id`.
    pub signature_id: u64,
    /// `alert.signature` (the rule message), empty if absent.
    pub signature: String,
    /// `alert.gid`, if present.
    pub gid: Option<u64>,
    /// `alert.rev`, if present.
    pub rev: Option<u64>,
    /// Source address, if present.
    pub src_ip: Option<IpAddr>,
    /// Source port, if present.
    pub src_port: Option<u16>,
    /// Destination address, if present.
    pub dest_ip: Option<IpAddr>,
    /// Destination port, if present.
    pub dest_port: Option<u16>,
    /// `proto` as Suricata names it ("TCP", "UDP", "IPv6-ICMP", ...).
    pub proto: Option<String>,
    /// `flow_id`, if present.
    pub flow_id: Option<u64>,
    /// Whether Suricata matched on reassembled stream data (`stream: 1`).
    pub stream: bool,
    /// Link type of [`EveAlert::packet`].
    pub link: LinkType,
    /// True when `packet_info.linktype` was absent and Ethernet was assumed.
    pub link_assumed: bool,
    /// The triggering frame, link layer included.
    pub packet: Vec<u8>,
}

/// Why an EVE line could not be decoded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EveError {
    /// Not valid JSON, or a field of the wrong type.
    #[error("invalid EVE JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A field an alert needs is absent.
    #[error("EVE alert without `{0}`")]
    MissingField(&'static str),
    /// `packet` is not valid base64.
    #[error("EVE `packet` is not valid base64: {0}")]
    BadBase64(#[from] base64::DecodeError),
    /// A timestamp that is not `YYYY-MM-DDTHH:MM:SS[.frac]<offset>` after 1970.
    #[error("bad EVE timestamp {0:?}")]
    BadTimestamp(String),
    /// An address field that is not an IP address.
    #[error("bad EVE address {0:?}")]
    BadAddress(String),
    /// The line is longer than [`MAX_LINE_LEN`].
    #[error("EVE line of {0} bytes exceeds the limit")]
    TooLong(usize),
}

#[derive(Deserialize)]
struct RawEvent<'a> {
    #[serde(borrow)]
    event_type: Option<std::borrow::Cow<'a, str>>,
    timestamp: Option<String>,
    flow_id: Option<u64>,
    src_ip: Option<String>,
    src_port: Option<u16>,
    dest_ip: Option<String>,
    dest_port: Option<u16>,
    proto: Option<String>,
    stream: Option<u8>,
    packet: Option<String>,
    packet_info: Option<RawPacketInfo>,
    alert: Option<RawAlert>,
}

#[derive(Deserialize)]
struct RawPacketInfo {
    linktype: Option<u32>,
}

#[derive(Deserialize)]
struct RawAlert {
    signature_id: Option<u64>,
    signature: Option<String>,
    gid: Option<u64>,
    rev: Option<u64>,
}

fn ip(s: Option<String>) -> Result<Option<IpAddr>, EveError> {
    match s {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| EveError::BadAddress(s)),
    }
}

/// Decode one EVE line (UTF-8 JSON object; surrounding whitespace allowed).
pub fn parse_eve_line(line: &[u8]) -> Result<EveEvent, EveError> {
    if line.len() > MAX_LINE_LEN {
        return Err(EveError::TooLong(line.len()));
    }
    let raw: RawEvent<'_> = serde_json::from_slice(line)?;
    let event_type = raw.event_type.ok_or(EveError::MissingField("event_type"))?;
    if event_type != "alert" {
        return Ok(EveEvent::Other {
            event_type: event_type.into_owned(),
        });
    }
    let alert = raw.alert.ok_or(EveError::MissingField("alert"))?;
    let ts = raw.timestamp.ok_or(EveError::MissingField("timestamp"))?;
    let timestamp = parse_timestamp(&ts).ok_or(EveError::BadTimestamp(ts))?;
    let packet = raw.packet.ok_or(EveError::MissingField("packet"))?;
    let packet = base64::engine::general_purpose::STANDARD.decode(packet.trim())?;
    let linktype = raw.packet_info.and_then(|p| p.linktype);
    Ok(EveEvent::Alert(EveAlert {
        timestamp,
        signature_id: alert
            .signature_id
            .ok_or(EveError::MissingField("alert.signature_id"))?,
        signature: alert.signature.unwrap_or_default(),
        gid: alert.gid,
        rev: alert.rev,
        src_ip: ip(raw.src_ip)?,
        src_port: raw.src_port,
        dest_ip: ip(raw.dest_ip)?,
        dest_port: raw.dest_port,
        proto: raw.proto,
        flow_id: raw.flow_id,
        stream: raw.stream.unwrap_or(0) != 0,
        link: LinkType(linktype.unwrap_or(LinkType::ETHERNET.0)),
        link_assumed: linktype.is_none(),
        packet,
    }))
}

#[cfg(test)]
mod tests;
