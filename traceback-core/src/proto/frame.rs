//! Frame bodies: a 2-byte version prefix and a postcard-encoded [`Message`].

use super::{Message, ProtoError, PROTOCOL_VERSION};

/// Default limit on a frame body's length (64 KiB); configurable in the driver.
pub const DEFAULT_MAX_FRAME_LEN: usize = 64 * 1024;

/// Bytes of the big-endian length that precedes every frame body on a stream.
pub const LENGTH_PREFIX_LEN: usize = 4;

/// Bytes of the big-endian protocol version that starts every frame body.
pub const VERSION_PREFIX_LEN: usize = 2;

/// Encode `msg` as a frame body (without the stream's length prefix).
pub fn encode_frame(msg: &Message) -> Result<Vec<u8>, ProtoError> {
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(&PROTOCOL_VERSION.to_be_bytes());
    postcard::to_io(msg, &mut out).map_err(|e| ProtoError::Encode(e.to_string()))?;
    Ok(out)
}

/// Decode one frame body. Pure and total: any input gives a message or a
/// typed error, never a panic (this is the fuzz target `frame_decoder`).
pub fn decode_frame(body: &[u8]) -> Result<Message, ProtoError> {
    let Some((prefix, rest)) = body.split_first_chunk::<VERSION_PREFIX_LEN>() else {
        return Err(ProtoError::TooShort(body.len()));
    };
    let received = u16::from_be_bytes(*prefix);
    if received != PROTOCOL_VERSION {
        return Err(ProtoError::VersionMismatch {
            supported: PROTOCOL_VERSION,
            received,
        });
    }
    let (msg, left) =
        postcard::take_from_bytes::<Message>(rest).map_err(|e| ProtoError::Malformed(e.to_string()))?;
    if !left.is_empty() {
        return Err(ProtoError::TrailingBytes(left.len()));
    }
    Ok(msg)
}

/// Decode a frame body after checking it against a length limit.
pub fn decode_frame_limited(body: &[u8], limit: usize) -> Result<Message, ProtoError> {
    if body.len() > limit {
        return Err(ProtoError::TooLarge {
            len: body.len(),
            limit,
        });
    }
    decode_frame(body)
}
