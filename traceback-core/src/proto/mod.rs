//! The wire protocol between the four programs: message definitions and the
//! frame codec. Pure: no I/O, no clock.
//!
//! ```text
//!  collector ◀─CollectorMsg─▶ control ◀─ControlMsg─▶ interconnect ◀─PeerMsg─▶ interconnect (neighbour ISP)
//!                                                         │
//!                                                         └─ HTTP/JSON (docs/center.md) ─▶ center
//! ```
//!
//! Every connection starts with a [`Hello`] from each side (protocol version,
//! role, ASN) and then carries one envelope enum per connection type, all
//! wrapped in [`Message`]. A frame on the wire is a 4-byte big-endian length
//! followed by the frame body; a frame body is a 2-byte big-endian protocol
//! version followed by the postcard encoding of a [`Message`]
//! ([`encode_frame`], [`decode_frame`]). `docs/protocol.md` is the full
//! specification, with limits and timeouts.

mod collector;
mod control;
mod error;
mod frame;
mod peer;

pub use collector::{CollectorMsg, Query};
pub use control::{ControlFinding, ControlMsg, ControlResult, LocalTraceRequest};
pub use error::{ErrorCode, ErrorReply, ProtoError, Refusal};
pub use frame::{
    decode_frame, decode_frame_limited, encode_frame, DEFAULT_MAX_FRAME_LEN, LENGTH_PREFIX_LEN,
    VERSION_PREFIX_LEN,
};
pub use peer::PeerMsg;

use crate::ids::Asn;
use serde::{Deserialize, Serialize};

/// The protocol version this build speaks (the frame body's 2-byte prefix).
pub const PROTOCOL_VERSION: u16 = 1;

/// Longest free-text field (agent names, error details) an encoder emits.
pub const MAX_TEXT_LEN: usize = 256;

/// What a program is, as announced in its [`Hello`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Role {
    /// Stores digests of one link's packets and answers queries about them.
    Collector,
    /// Runs one ISP's trace algorithm over its collectors.
    Control,
    /// Talks to the neighbour ISPs' interconnects (InterTrack's ITM).
    Interconnect,
    /// The federation's management center.
    Center,
    /// An operator tool or an IDS handing in evidence.
    Client,
}

/// The first message on every connection, sent by both sides.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    /// The protocol version the sender speaks (also in every frame prefix).
    pub version: u16,
    /// The sender's role.
    pub role: Role,
    /// The sender's ISP. Over mutual TLS it must match the certificate.
    pub asn: Asn,
    /// Free text naming the software and instance (at most [`MAX_TEXT_LEN`] bytes).
    pub agent: String,
}

impl Hello {
    /// A hello for this build's protocol version.
    pub fn new(role: Role, asn: Asn, agent: impl Into<String>) -> Self {
        Hello {
            version: PROTOCOL_VERSION,
            role,
            asn,
            agent: truncate_text(agent.into()),
        }
    }
}

/// One message of any connection type.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Message {
    /// Connection opening, both directions.
    Hello(Hello),
    /// A typed error; the sender may close the connection after it.
    Error(ErrorReply),
    /// Collector ⇄ control.
    Collector(CollectorMsg),
    /// Control ⇄ interconnect (one ISP).
    Control(ControlMsg),
    /// Interconnect ⇄ neighbour interconnect (between ISPs, mutual TLS).
    Peer(PeerMsg),
}

impl Message {
    /// A short name for logs ("hello", "collector.query", ...).
    pub fn kind(&self) -> &'static str {
        match self {
            Message::Hello(_) => "hello",
            Message::Error(_) => "error",
            Message::Collector(m) => m.kind(),
            Message::Control(m) => m.kind(),
            Message::Peer(m) => m.kind(),
        }
    }
}

/// Cut a text to at most [`MAX_TEXT_LEN`] bytes on a character boundary.
pub fn truncate_text(mut s: String) -> String {
    if s.len() > MAX_TEXT_LEN {
        let mut end = MAX_TEXT_LEN;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    s
}

#[cfg(test)]
mod tests;
