//! Writing capture files: classic pcap (nanosecond magic `a1b23c4d`,
//! little-endian) and pcapng (one section, one interface, `if_tsresol` = 9,
//! Enhanced Packet Blocks), both readable by [`super::CaptureReader`],
//! tcpdump, Wireshark and Suricata.
//!
//! The writers stream into any [`std::io::Write`] (the core opens no file:
//! the caller hands it one; wrap files in a [`std::io::BufWriter`]). The
//! file header is written by the constructor, so a writer that never gets a
//! packet still leaves a valid, empty capture.
//!
//! Decisions (none of them is an error):
//! - a packet longer than the snaplen is cut to the snaplen, and its
//!   `orig_len` is kept, as a capturing kernel does;
//! - an `orig_len` below the (possibly cut) captured length is raised to the
//!   captured length, so every written record has `caplen <= orig_len`
//!   (the reader applies the same rule to foreign files).
//!
//! What is refused, with a typed [`CaptureWriteError`]: a snaplen of 0 or
//! above [`super::MAX_RECORD_LEN`] (the reader would refuse such records), a
//! link type that does not fit the format's 16-bit field, and (pcap only) a
//! timestamp after 2106-02-07, the end of pcap's 32-bit seconds.

use super::MAX_RECORD_LEN;
use crate::packet::LinkType;
use crate::time::Timestamp;
use std::io::Write;

/// Why a capture could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CaptureWriteError {
    /// The snaplen is 0 or larger than [`super::MAX_RECORD_LEN`].
    #[error("snaplen {0} outside 1..={max}", max = MAX_RECORD_LEN)]
    BadSnaplen(u32),
    /// The link type does not fit the 16-bit field of pcap and pcapng.
    #[error("link type {0} does not fit in 16 bits")]
    LinkTypeOutOfRange(u32),
    /// The timestamp is after the last second classic pcap can hold
    /// (`u32::MAX` seconds after the epoch).
    #[error("timestamp {0} is beyond pcap's 32-bit seconds")]
    TimestampOutOfRange(Timestamp),
    /// The underlying writer failed.
    #[error("I/O error writing capture: {0}")]
    Io(#[from] std::io::Error),
}

/// pcap file magic for nanosecond timestamps, little-endian on disk.
const PCAP_NS_MAGIC: u32 = 0xa1b2_3c4d;

/// Check the header parameters shared by both formats.
fn check_header(link: LinkType, snaplen: u32) -> Result<u16, CaptureWriteError> {
    if snaplen == 0 || snaplen as usize > MAX_RECORD_LEN {
        return Err(CaptureWriteError::BadSnaplen(snaplen));
    }
    u16::try_from(link.0).map_err(|_| CaptureWriteError::LinkTypeOutOfRange(link.0))
}

/// The bytes to store and the `orig_len` to record, after the snaplen cut and
/// the `orig_len >= caplen` rule. The cut length fits in `u32` because the
/// snaplen does.
fn cut(data: &[u8], orig_len: u32, snaplen: u32) -> (&[u8], u32, u32) {
    let caplen = data.len().min(snaplen as usize);
    let stored = &data[..caplen];
    let caplen = caplen as u32;
    (stored, caplen, orig_len.max(caplen))
}

/// A classic pcap writer: little-endian, nanosecond timestamps, one link type.
///
/// ```
/// # fn main() -> Result<(), traceback_core::capture::CaptureWriteError> {
/// use traceback_core::capture::PcapWriter;
/// use traceback_core::packet::LinkType;
/// use traceback_core::Timestamp;
/// let mut w = PcapWriter::new(Vec::new(), LinkType::RAW, 65535)?;
/// w.write_packet(Timestamp::from_nanos(1_500_000_000_123_456_789), &[0x45, 0, 0, 20], 20)?;
/// let bytes = w.into_inner();
/// assert_eq!(bytes.len(), 24 + 16 + 4);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct PcapWriter<W: Write> {
    out: W,
    snaplen: u32,
    packets: u64,
}

impl<W: Write> PcapWriter<W> {
    /// Write the 24-byte file header (version 2.4, zone 0, sigfigs 0).
    pub fn new(mut out: W, link: LinkType, snaplen: u32) -> Result<Self, CaptureWriteError> {
        let link16 = check_header(link, snaplen)?;
        let mut h = [0u8; 24];
        h[0..4].copy_from_slice(&PCAP_NS_MAGIC.to_le_bytes());
        h[4..6].copy_from_slice(&2u16.to_le_bytes());
        h[6..8].copy_from_slice(&4u16.to_le_bytes());
        // thiszone (8..12) and sigfigs (12..16) stay 0.
        h[16..20].copy_from_slice(&snaplen.to_le_bytes());
        h[20..24].copy_from_slice(&u32::from(link16).to_le_bytes());
        out.write_all(&h)?;
        Ok(PcapWriter {
            out,
            snaplen,
            packets: 0,
        })
    }

    /// Append one record. `data` longer than the snaplen is cut (see the
    /// module documentation); `orig_len` is the length on the wire.
    pub fn write_packet(
        &mut self,
        ts: Timestamp,
        data: &[u8],
        orig_len: u32,
    ) -> Result<(), CaptureWriteError> {
        let secs = u32::try_from(ts.as_secs()).map_err(|_| CaptureWriteError::TimestampOutOfRange(ts))?;
        let nanos = (ts.as_nanos() % 1_000_000_000) as u32;
        let (stored, caplen, orig_len) = cut(data, orig_len, self.snaplen);
        let mut h = [0u8; 16];
        h[0..4].copy_from_slice(&secs.to_le_bytes());
        h[4..8].copy_from_slice(&nanos.to_le_bytes());
        h[8..12].copy_from_slice(&caplen.to_le_bytes());
        h[12..16].copy_from_slice(&orig_len.to_le_bytes());
        self.out.write_all(&h)?;
        self.out.write_all(stored)?;
        self.packets += 1;
        Ok(())
    }

    /// Records written so far.
    pub fn packets_written(&self) -> u64 {
        self.packets
    }

    /// Flush the underlying writer.
    pub fn flush(&mut self) -> Result<(), CaptureWriteError> {
        Ok(self.out.flush()?)
    }

    /// Give back the underlying writer (not flushed: call
    /// [`PcapWriter::flush`] first when it buffers).
    pub fn into_inner(self) -> W {
        self.out
    }
}

/// pcapng block types and options used here.
const SHB_TYPE: u32 = 0x0a0d_0d0a;
const IDB_TYPE: u32 = 1;
const EPB_TYPE: u32 = 6;
const BYTE_ORDER_MAGIC: u32 = 0x1a2b_3c4d;
const OPT_IF_TSRESOL: u16 = 9;

/// A pcapng writer: little-endian, one Section Header Block, one Interface
/// Description Block (nanosecond `if_tsresol`), then one Enhanced Packet
/// Block per packet. Timestamps are 64-bit, so every [`Timestamp`] fits.
#[derive(Debug)]
pub struct PcapngWriter<W: Write> {
    out: W,
    snaplen: u32,
    packets: u64,
}

impl<W: Write> PcapngWriter<W> {
    /// Write the Section Header Block (section length unknown) and the
    /// Interface Description Block for `link` and `snaplen`.
    pub fn new(mut out: W, link: LinkType, snaplen: u32) -> Result<Self, CaptureWriteError> {
        let link16 = check_header(link, snaplen)?;
        let mut shb = Vec::with_capacity(28);
        shb.extend_from_slice(&SHB_TYPE.to_le_bytes());
        shb.extend_from_slice(&28u32.to_le_bytes());
        shb.extend_from_slice(&BYTE_ORDER_MAGIC.to_le_bytes());
        shb.extend_from_slice(&1u16.to_le_bytes());
        shb.extend_from_slice(&0u16.to_le_bytes());
        shb.extend_from_slice(&u64::MAX.to_le_bytes()); // section length: not given
        shb.extend_from_slice(&28u32.to_le_bytes());
        out.write_all(&shb)?;

        let mut idb = Vec::with_capacity(32);
        idb.extend_from_slice(&IDB_TYPE.to_le_bytes());
        idb.extend_from_slice(&32u32.to_le_bytes());
        idb.extend_from_slice(&link16.to_le_bytes());
        idb.extend_from_slice(&0u16.to_le_bytes());
        idb.extend_from_slice(&snaplen.to_le_bytes());
        idb.extend_from_slice(&OPT_IF_TSRESOL.to_le_bytes());
        idb.extend_from_slice(&1u16.to_le_bytes());
        idb.extend_from_slice(&[9, 0, 0, 0]); // 10^-9 s, padded to 4 bytes
        idb.extend_from_slice(&[0, 0, 0, 0]); // opt_endofopt
        idb.extend_from_slice(&32u32.to_le_bytes());
        out.write_all(&idb)?;
        Ok(PcapngWriter {
            out,
            snaplen,
            packets: 0,
        })
    }

    /// Append one Enhanced Packet Block on interface 0. `data` longer than
    /// the snaplen is cut (see the module documentation).
    pub fn write_packet(
        &mut self,
        ts: Timestamp,
        data: &[u8],
        orig_len: u32,
    ) -> Result<(), CaptureWriteError> {
        let (stored, caplen, orig_len) = cut(data, orig_len, self.snaplen);
        let pad = (4 - stored.len() % 4) % 4;
        // 28 bytes of fixed fields, the padded data, the trailing length;
        // at most 32 + MAX_RECORD_LEN + 3, far below u32::MAX.
        let total = (32 + stored.len() + pad) as u32;
        let t = ts.as_nanos();
        let mut h = [0u8; 28];
        h[0..4].copy_from_slice(&EPB_TYPE.to_le_bytes());
        h[4..8].copy_from_slice(&total.to_le_bytes());
        // interface id (8..12) is 0.
        h[12..16].copy_from_slice(&((t >> 32) as u32).to_le_bytes());
        h[16..20].copy_from_slice(&(t as u32).to_le_bytes());
        h[20..24].copy_from_slice(&caplen.to_le_bytes());
        h[24..28].copy_from_slice(&orig_len.to_le_bytes());
        self.out.write_all(&h)?;
        self.out.write_all(stored)?;
        self.out.write_all(&[0u8; 3][..pad])?;
        self.out.write_all(&total.to_le_bytes())?;
        self.packets += 1;
        Ok(())
    }

    /// Packets written so far.
    pub fn packets_written(&self) -> u64 {
        self.packets
    }

    /// Flush the underlying writer.
    pub fn flush(&mut self) -> Result<(), CaptureWriteError> {
        Ok(self.out.flush()?)
    }

    /// Give back the underlying writer (not flushed: call
    /// [`PcapngWriter::flush`] first when it buffers).
    pub fn into_inner(self) -> W {
        self.out
    }
}
