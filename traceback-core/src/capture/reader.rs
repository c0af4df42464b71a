//! The format-independent reader: magic detection, the lending record API,
//! per-file summary and counters.

use super::source::Source;
use super::{pcap, pcapng, CaptureError, Record};
use crate::packet::LinkType;
use crate::time::Timestamp;
use std::io::Read;

/// The container format, as told by the magic bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CaptureFormat {
    /// Classic pcap, microsecond timestamps (magic `a1b2c3d4`).
    Pcap,
    /// Classic pcap, nanosecond timestamps (magic `a1b23c4d`).
    PcapNanos,
    /// The "modified" pcap variant (magic `a1b2cd34`, 24-byte record header,
    /// microsecond timestamps).
    PcapModified,
    /// pcapng (Section Header Block `0a0d0d0a`).
    Pcapng,
}

impl CaptureFormat {
    /// A short stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            CaptureFormat::Pcap => "pcap",
            CaptureFormat::PcapNanos => "pcap-ns",
            CaptureFormat::PcapModified => "pcap-modified",
            CaptureFormat::Pcapng => "pcapng",
        }
    }
}

/// One capture interface: the whole file for pcap, one Interface
/// Description Block for pcapng.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InterfaceInfo {
    /// Link type of every packet captured on it.
    pub link: LinkType,
    /// Snapshot length announced for it (0: none announced).
    pub snaplen: u32,
    /// Timestamp units per second as `(base, exponent)`: `(10, 6)` is
    /// microseconds, `(2, 20)` is 2^-20 s.
    pub ts_resolution: (u8, u8),
    /// `if_tsoffset`: seconds added to every timestamp (pcapng only).
    pub ts_offset_secs: i64,
}

/// What the reader has learned about the file so far.
///
/// For pcap everything is known after [`CaptureReader::new`]; for pcapng the
/// interface list grows as Interface Description Blocks are read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaptureInfo {
    /// The container format.
    pub format: CaptureFormat,
    /// Whether the file (pcapng: the first section) is big-endian.
    pub big_endian: bool,
    /// Every interface seen, in file order (pcapng: across all sections).
    pub interfaces: Vec<InterfaceInfo>,
    /// Number of pcapng sections seen (1 for pcap).
    pub sections: u32,
}

impl CaptureInfo {
    /// The distinct link types, in order of first appearance.
    pub fn link_types(&self) -> Vec<LinkType> {
        let mut seen = std::collections::BTreeSet::new();
        self.interfaces
            .iter()
            .map(|i| i.link)
            .filter(|l| seen.insert(l.0))
            .collect()
    }

    /// The largest snapshot length announced, if any interface is known.
    pub fn snaplen(&self) -> Option<u32> {
        self.interfaces.iter().map(|i| i.snaplen).max()
    }
}

/// Counters kept while reading: records and the header inconsistencies the
/// reader tolerated (see the module documentation).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CaptureStats {
    /// Records returned.
    pub records: u64,
    /// Records with more captured bytes than the announced snaplen.
    pub caplen_over_snaplen: u64,
    /// Records whose original length was below the captured length (raised).
    pub orig_len_below_caplen: u64,
    /// pcapng blocks skipped (unknown types, statistics, name resolution...).
    pub skipped_blocks: u64,
    /// Records whose timestamp is not exact: a pcap fraction of one second
    /// or more (carried into the seconds), or a time before 1970 or beyond
    /// the year 2554 (clamped to the nearest representable nanosecond).
    pub ts_out_of_range: u64,
}

/// A record found by a format reader: where its bytes lie in the buffer.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RawRecord {
    pub(crate) ts: Timestamp,
    pub(crate) link: LinkType,
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) orig_len: u32,
}

impl RawRecord {
    /// Apply the tolerated-inconsistency rules and count them.
    pub(crate) fn checked(mut self, snaplen: u32, stats: &mut CaptureStats) -> Self {
        let caplen = (self.end - self.start) as u64;
        if snaplen != 0 && caplen > u64::from(snaplen) {
            stats.caplen_over_snaplen += 1;
        }
        if u64::from(self.orig_len) < caplen {
            stats.orig_len_below_caplen += 1;
            self.orig_len = caplen as u32;
        }
        self
    }
}

#[derive(Debug)]
enum Kind {
    Pcap(pcap::State),
    Pcapng(pcapng::State),
}

/// A streaming capture reader with one reusable record buffer.
///
/// ```no_run
/// # fn main() -> Result<(), traceback_core::capture::CaptureError> {
/// use traceback_core::capture::CaptureReader;
/// let file = std::io::BufReader::new(std::fs::File::open("x.pcap")?);
/// let mut reader = CaptureReader::new(file)?;
/// while let Some(rec) = reader.next_record()? {
///     println!("{} {} {} bytes", rec.ts, rec.link, rec.data.len());
/// }
/// # Ok(()) }
/// ```
///
/// The reader is fused: after it returned an error or the end of the input,
/// [`CaptureReader::next_record`] keeps returning `Ok(None)`. Wrap unbuffered
/// inputs (files) in a [`std::io::BufReader`]: the reader issues small reads.
#[derive(Debug)]
pub struct CaptureReader<R> {
    src: Source<R>,
    buf: Vec<u8>,
    info: CaptureInfo,
    stats: CaptureStats,
    kind: Kind,
    done: bool,
}

impl<R: Read> CaptureReader<R> {
    /// Read the magic number and the file (or first section) header.
    pub fn new(input: R) -> Result<Self, CaptureError> {
        let mut src = Source::new(input);
        let mut magic = [0u8; 4];
        src.exact(&mut magic, "magic number")?;
        let mut buf = Vec::new();
        let (kind, info) = if magic == pcapng::SHB_MAGIC {
            let (st, info) = pcapng::open(&mut src, &mut buf)?;
            (Kind::Pcapng(st), info)
        } else if let Some(variant) = pcap::variant(magic) {
            let (st, info) = pcap::open(variant, &mut src)?;
            (Kind::Pcap(st), info)
        } else {
            return Err(CaptureError::UnknownFormat(magic));
        };
        Ok(CaptureReader {
            src,
            buf,
            info,
            stats: CaptureStats::default(),
            kind,
            done: false,
        })
    }

    /// The next record, `Ok(None)` at the end of the input.
    ///
    /// The record borrows the reader's buffer until the next call. A cut
    /// file gives [`CaptureError::Truncated`] after its last complete record.
    pub fn next_record(&mut self) -> Result<Option<Record<'_>>, CaptureError> {
        if self.done {
            return Ok(None);
        }
        let res = match &mut self.kind {
            Kind::Pcap(st) => pcap::next(st, &mut self.src, &mut self.buf, &mut self.stats),
            Kind::Pcapng(st) => {
                pcapng::next(st, &mut self.src, &mut self.buf, &mut self.info, &mut self.stats)
            }
        };
        match res {
            Ok(Some(raw)) => {
                self.stats.records += 1;
                Ok(Some(Record {
                    ts: raw.ts,
                    link: raw.link,
                    data: &self.buf[raw.start..raw.end],
                    orig_len: raw.orig_len,
                }))
            }
            Ok(None) => {
                self.done = true;
                Ok(None)
            }
            Err(e) => {
                self.done = true;
                Err(e)
            }
        }
    }

    /// What is known about the file so far.
    pub fn info(&self) -> &CaptureInfo {
        &self.info
    }

    /// Counters so far.
    pub fn stats(&self) -> &CaptureStats {
        &self.stats
    }

    /// Give back the underlying reader.
    pub fn into_inner(self) -> R {
        self.src.into_inner()
    }
}
