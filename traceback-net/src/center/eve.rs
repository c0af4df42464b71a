//! One Suricata EVE alert line to (link type, packet bytes, time).

use super::submit::SubmitError;
use traceback_core::packet::LinkType;
use traceback_core::Timestamp;

/// The triggering packet of an EVE alert line.
///
/// Refused with [`SubmitError::EveUnsupported`] until the core's EVE reader
/// (branch `capture`) is merged; the center then digests `packet`.
pub(super) fn alert_packet(line: &str) -> Result<(LinkType, Vec<u8>, Timestamp), SubmitError> {
    let _ = line;
    Err(SubmitError::EveUnsupported)
}
