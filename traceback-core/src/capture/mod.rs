//! Reading capture files: pcap (all byte orders, micro- and nanosecond, the
//! "modified" variant) and pcapng, detected by magic bytes, never by name.
//!
//! The reader is streaming over any [`std::io::Read`] (the core opens no file
//! itself: the caller hands it one). A file cut in the middle of a record
//! yields every complete record and then [`CaptureError::Truncated`].
//!
//! ```text
//!  Read ─▶ CaptureReader::new (magic) ─▶ next_record() ─▶ Record { ts, link, data, orig_len }
//!                                             └─ one reusable buffer, at most MAX_RECORD_LEN per record
//! ```
//!
//! Decisions on inconsistent headers (none of them is an error, all are counted
//! in [`CaptureStats`]):
//! - a record longer than the file's snaplen (pcap) or its interface's snaplen
//!   (pcapng) is returned whole: the bytes are in the file, and a digest only
//!   needs the first few dozen of them (`zeek_trunc_trunc-hdr` style files);
//! - a record whose original length is below its captured length gets
//!   `orig_len` raised to the captured length, so `data.len() <= orig_len`
//!   always holds.
//!
//! Records larger than [`MAX_RECORD_LEN`] are refused with
//! [`CaptureError::RecordTooLarge`]: a hostile length field cannot make the
//! reader allocate more than that. A pcapng file may describe at most
//! [`MAX_INTERFACES`] interfaces, so its Interface Description Blocks
//! cannot grow [`CaptureInfo::interfaces`] without bound.

mod pcap;
mod pcapng;
mod reader;
mod source;
#[cfg(test)]
mod tests;
mod writer;

pub use reader::{CaptureFormat, CaptureInfo, CaptureReader, CaptureStats, InterfaceInfo};
pub use writer::{CaptureWriteError, PcapWriter, PcapngWriter};

use crate::packet::LinkType;
use crate::time::Timestamp;

/// The largest record (captured bytes) the reader accepts: 256 KiB, the
/// largest snaplen libpcap writes. Larger records are refused with
/// [`CaptureError::RecordTooLarge`] before anything is allocated.
pub const MAX_RECORD_LEN: usize = 256 * 1024;

/// Most interfaces a pcapng file may describe, over all its sections (about
/// 32 MB of [`InterfaceInfo`]); an Interface Description Block beyond them is
/// a [`CaptureError::Malformed`]. Real captures have a handful.
pub const MAX_INTERFACES: usize = 1 << 20;

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
    /// A record or block claims more bytes than [`MAX_RECORD_LEN`] allows;
    /// nothing was allocated for it.
    #[error("capture record or block of {len} bytes exceeds the {max}-byte limit")]
    RecordTooLarge {
        /// The length the header claims.
        len: u64,
        /// The limit.
        max: usize,
    },
}
