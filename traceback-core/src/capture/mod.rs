//! Reading capture files: pcap (all byte orders, micro- and nanosecond, the
//! "modified" variant) and pcapng, detected by magic bytes, never by name.
//!
//! The reader is streaming over any [`std::io::Read`] (the core opens no file
//! itself: the caller hands it one). A file cut in the middle of a record
//! yields every complete record and then [`CaptureError::Truncated`].

use crate::packet::LinkType;
use crate::time::Timestamp;

/// One captured packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record<'a> {
    /// Capture time.
    pub ts: Timestamp,
    /// Link type of the interface the packet was captured on.
    pub link: LinkType,
    /// The captured bytes (possibly fewer than `orig_len`).
    pub data: &'a [u8],
    /// Length of the packet on the wire.
    pub orig_len: u32,
}

/// Errors while reading a capture.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CaptureError {
    /// The first bytes are neither a pcap nor a pcapng magic number.
    #[error("not a pcap or pcapng file (magic bytes {0:02x?})")]
    UnknownFormat([u8; 4]),
    /// The file ends inside a header or record.
    #[error("capture truncated: {context} needs {needed} bytes, {available} left")]
    Truncated {
        /// What was being read.
        context: &'static str,
        /// Bytes needed.
        needed: usize,
        /// Bytes available.
        available: usize,
    },
    /// A structurally invalid header, block or record.
    #[error("malformed capture: {0}")]
    Malformed(String),
    /// The underlying reader failed.
    #[error("I/O error reading capture: {0}")]
    Io(#[from] std::io::Error),
}
