//! One Suricata EVE alert line to (link type, packet bytes, time), through
//! the core's EVE reader (`traceback_core::eve`).

use super::submit::SubmitError;
use traceback_core::eve::{parse_eve_line, EveEvent};
use traceback_core::packet::LinkType;
use traceback_core::Timestamp;

/// The triggering packet of an EVE alert line: its link type, bytes and time.
/// The digest always comes from `packet`, never from `payload`.
pub(super) fn alert_packet(line: &str) -> Result<(LinkType, Vec<u8>, Timestamp), SubmitError> {
    match parse_eve_line(line.trim().as_bytes()) {
        Ok(EveEvent::Alert(a)) => Ok((a.link, a.packet, a.timestamp)),
        Ok(EveEvent::Other { event_type }) => Err(SubmitError::BadEve(format!(
            "event_type {event_type:?} is not an alert: nothing to trace"
        ))),
        Ok(_) => Err(SubmitError::BadEve("not an alert: nothing to trace".into())),
        Err(e) => Err(SubmitError::BadEve(e.to_string())),
    }
}
