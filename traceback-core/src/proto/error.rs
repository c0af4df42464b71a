//! Typed error replies on the wire, and the errors of decoding a frame.

use super::truncate_text;
use serde::{Deserialize, Serialize};

/// Why a request or a peer was refused (InterTrack's "Refused" causes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Refusal {
    /// The peer's ASN is denied by local policy (or not on the allow list).
    NotAllowed,
    /// The ASN in the peer's Hello is not the one its certificate names.
    AsnMismatch,
    /// The peer's role may not open this kind of connection.
    WrongRole,
    /// The request exceeds the peer's rate limit.
    RateLimited,
    /// The request's AS path is refused (loop, hop limit, path policy).
    PathPolicy,
    /// Too many connections are open.
    Busy,
}

/// The kind of an [`ErrorReply`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ErrorCode {
    /// The frame's version prefix is not one the receiver speaks.
    VersionMismatch {
        /// The version the receiver speaks.
        supported: u16,
        /// The version it received.
        received: u16,
    },
    /// The frame's announced length exceeds the receiver's limit.
    FrameTooLarge {
        /// The receiver's limit in bytes.
        limit: u32,
    },
    /// The frame body could not be decoded.
    Malformed,
    /// A well-formed message that is not valid at this point of the
    /// conversation (a query before Hello, a collector message to a peer, ...).
    Unexpected,
    /// The request or the connection is refused.
    Refused(Refusal),
    /// A frame was not completed within the per-frame timeout.
    Timeout,
    /// The query's digest profile is not the one the receiver stores.
    ProfileMismatch,
    /// The receiver could not produce an answer (a collector unreachable, a
    /// store error); the detail says which.
    Unavailable,
}

/// An error reply. `request` names the request it answers, if any.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorReply {
    /// What went wrong.
    pub code: ErrorCode,
    /// The id of the request this answers, when the error concerns one.
    pub request: Option<u64>,
    /// Human-readable detail (at most [`super::MAX_TEXT_LEN`] bytes).
    pub detail: String,
}

impl ErrorReply {
    /// An error reply with the detail cut to [`super::MAX_TEXT_LEN`] bytes.
    pub fn new(code: ErrorCode, request: Option<u64>, detail: impl Into<String>) -> Self {
        ErrorReply {
            code,
            request,
            detail: truncate_text(detail.into()),
        }
    }
}

impl core::fmt::Display for ErrorReply {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{:?}", self.code)?;
        if let Some(id) = self.request {
            write!(f, " (request {id})")?;
        }
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        Ok(())
    }
}

/// Why a frame could not be encoded or decoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtoError {
    /// The frame body is shorter than the version prefix.
    #[error("frame of {0} bytes is shorter than the 2-byte version prefix")]
    TooShort(usize),
    /// The version prefix is not [`super::PROTOCOL_VERSION`].
    #[error("protocol version {received} is not supported (this build speaks {supported})")]
    VersionMismatch {
        /// The version this build speaks.
        supported: u16,
        /// The version in the frame.
        received: u16,
    },
    /// The frame is longer than the limit.
    #[error("frame of {len} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The frame's length.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// The body is not a valid postcard-encoded message.
    #[error("malformed message: {0}")]
    Malformed(String),
    /// The body decoded but bytes were left over.
    #[error("{0} trailing bytes after the message")]
    TrailingBytes(usize),
    /// The message could not be encoded.
    #[error("cannot encode message: {0}")]
    Encode(String),
}

impl ProtoError {
    /// The error reply a receiver sends back for this decoding error.
    pub fn to_reply(&self) -> ErrorReply {
        let code = match *self {
            ProtoError::VersionMismatch { supported, received } => {
                ErrorCode::VersionMismatch { supported, received }
            }
            ProtoError::TooLarge { limit, .. } => ErrorCode::FrameTooLarge {
                limit: u32::try_from(limit).unwrap_or(u32::MAX),
            },
            ProtoError::TooShort(_)
            | ProtoError::Malformed(_)
            | ProtoError::TrailingBytes(_)
            | ProtoError::Encode(_) => ErrorCode::Malformed,
        };
        ErrorReply::new(code, None, self.to_string())
    }
}
