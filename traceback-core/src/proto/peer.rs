//! Interconnect ⇄ interconnect (between ISPs, over mutual TLS): InterTrack's
//! trace requests and replies, as defined by [`crate::intertrack::message`].

use crate::intertrack;
use serde::{Deserialize, Serialize};

/// The interconnect ⇄ interconnect envelope.
///
/// The sender's ASN is not repeated here: it is the ASN of the connection's
/// Hello, which mutual TLS ties to the peer's certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum PeerMsg {
    /// A trace request or a trace reply.
    InterTrack(intertrack::Message),
}

impl PeerMsg {
    pub(super) fn kind(&self) -> &'static str {
        match self {
            PeerMsg::InterTrack(intertrack::Message::Request(_)) => "peer.request",
            PeerMsg::InterTrack(intertrack::Message::Reply(_)) => "peer.reply",
        }
    }
}
