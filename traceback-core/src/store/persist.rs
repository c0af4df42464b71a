//! The byte format of a saved [`WindowedBloomStore`] (`docs/storage.md`).
//!
//! All integers little-endian. A stream is a header (magic, version, flags,
//! configuration, held interval, counters, window count, key fingerprint,
//! CRC-32) followed by
//! each window: a window header with its own CRC-32, then its bits with
//! another CRC-32. The reader checks every CRC and every value before it
//! allocates or accepts anything, and builds the store only at the end.

use super::blocked::{Block, BlockedBloom};
use super::bloom::WindowedBloomStore;
use super::config::{from_parts, ConfigError};
use super::geometry::{BitLayout, BLOCK_BITS, BLOCK_BYTES, MAX_HASHES};
use super::windows::{slot_end as slot_end_of, Counters, Held, Window, WindowFilter, Windows};
use crate::digest::DigestFingerprint;
use crate::time::{TimeRange, Timestamp};
use std::collections::VecDeque;
use std::io::{self, Read, Write};

/// The first 8 bytes of a saved store.
pub const MAGIC: [u8; 8] = *b"TBDSTORE";
/// The format version this crate writes. It reads this one, version 2
/// (windows all with positions drawn with replacement) and version 1 (no
/// key fingerprint either).
pub const VERSION: u16 = 3;

/// Header flag: the fingerprint field holds the store's key fingerprint.
const FLAG_FINGERPRINT: u16 = 1;

/// Window flag: the window is closed.
const WINDOW_SEALED: u32 = 1;
/// Window flag (version 3): its elements set distinct positions
/// ([`BitLayout::Distinct`]); without it, positions with replacement.
const WINDOW_DISTINCT: u32 = 2;

/// Why a saved store could not be written or read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PersistError {
    /// The underlying reader or writer failed.
    #[error("i/o error: {0}")]
    Io(#[from] io::Error),
    /// The stream ended before the store did.
    #[error("the stream ends early (truncated store)")]
    Truncated,
    /// The stream does not start with the store magic.
    #[error("not a traceback digest store (bad magic)")]
    BadMagic,
    /// A format version this crate does not read.
    #[error("unsupported store format version {0}")]
    UnsupportedVersion(u16),
    /// A CRC-32 did not match: the bytes were altered.
    #[error("checksum mismatch in {section}")]
    Checksum {
        /// `"header"`, `"window N header"` or `"window N bits"`.
        section: String,
    },
    /// The stored configuration is invalid.
    #[error("invalid stored configuration: {0}")]
    Config(#[from] ConfigError),
    /// A header or window field is out of range.
    #[error("invalid store field: {0}")]
    Invalid(String),
}

fn read_err(e: io::Error) -> PersistError {
    if e.kind() == io::ErrorKind::UnexpectedEof {
        PersistError::Truncated
    } else {
        PersistError::Io(e)
    }
}

/// A little-endian field buffer with a running CRC.
#[derive(Default)]
struct Section(Vec<u8>);

impl Section {
    fn u16(&mut self, v: u16) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn finish<W: Write>(mut self, out: &mut W) -> io::Result<()> {
        let crc = crc32fast::hash(&self.0);
        self.u32(crc);
        out.write_all(&self.0)
    }
}

/// Header of version 1: magic, version, flags, config, held, counters,
/// window count, CRC.
const HEADER_LEN_V1: usize = 8 + 2 + 2 + 5 * 8 + 4 + 2 * 8 + 5 * 8 + 4 + 4;
/// Versions 2 and 3 add the 16-byte key fingerprint before the CRC.
const HEADER_LEN: usize = HEADER_LEN_V1 + 16;
const WINDOW_HEADER_LEN: usize = 5 * 8 + 4 + 4 + 8 + 8;

pub(crate) fn write<W: Write>(store: &WindowedBloomStore, mut out: W) -> Result<(), PersistError> {
    let w = &store.windows;
    let c = &w.config;
    let mut h = Section::default();
    h.0.extend_from_slice(&MAGIC);
    h.u16(VERSION);
    h.u16(if store.fingerprint.is_some() {
        FLAG_FINGERPRINT
    } else {
        0
    });
    h.u64(c.window_span_nanos());
    h.u64(c.capacity());
    h.u64(c.target_fpp().to_bits());
    h.u64(c.memory_budget_bytes() as u64);
    h.u64(c.seed());
    let (present, held) = match w.held {
        Held::Nothing => (0, TimeRange::at(Timestamp::EPOCH)),
        Held::Range(r) => (1, r),
        Held::From(t) => (2, TimeRange::at(t)),
    };
    h.u32(present);
    h.u64(held.start.as_nanos());
    h.u64(held.end.as_nanos());
    h.u64(w.counters.inserted);
    h.u64(w.counters.evicted);
    h.u64(w.counters.late);
    h.u64(w.counters.capacity_closes);
    h.u64(w.next_seq);
    h.u32(u32::try_from(w.windows.len()).map_err(|_| PersistError::Invalid("too many windows".into()))?);
    h.0.extend_from_slice(&store.fingerprint.map_or([0; 16], |f| f.0));
    debug_assert_eq!(h.0.len() + 4, HEADER_LEN);
    h.finish(&mut out)?;

    let mut buf = Vec::with_capacity(64 * 1024);
    for win in &w.windows {
        let mut wh = Section::default();
        wh.u64(win.seq);
        wh.u64(win.span.start.as_nanos());
        wh.u64(win.span.end.as_nanos());
        wh.u64(win.slot_end.as_nanos());
        wh.u64(win.count);
        wh.u32(win.filter.hashes());
        let layout = match win.filter.layout() {
            BitLayout::Replacement => 0,
            BitLayout::Distinct => WINDOW_DISTINCT,
        };
        wh.u32(u32::from(win.sealed) | layout);
        wh.u64(win.filter.seed());
        wh.u64(win.filter.geometry().bits());
        wh.finish(&mut out)?;
        let mut crc = crc32fast::Hasher::new();
        for chunk in win.filter.blocks().chunks(1024) {
            buf.clear();
            for b in chunk {
                for word in b.0 {
                    buf.extend_from_slice(&word.to_le_bytes());
                }
            }
            crc.update(&buf);
            out.write_all(&buf)?;
        }
        out.write_all(&crc.finalize().to_le_bytes())?;
    }
    out.flush()?;
    Ok(())
}

/// Reads fixed fields out of a CRC-checked buffer.
struct Fields<'a>(&'a [u8]);

impl Fields<'_> {
    fn take<const N: usize>(&mut self) -> [u8; N] {
        let mut a = [0u8; N];
        let n = N.min(self.0.len());
        a[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        a
    }
    fn u16(&mut self) -> u16 {
        u16::from_le_bytes(self.take())
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.take())
    }
    fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.take())
    }
    fn ts(&mut self) -> Timestamp {
        Timestamp::from_nanos(self.u64())
    }
}

fn read_section<R: Read, const N: usize>(
    input: &mut R,
    name: impl FnOnce() -> String,
) -> Result<[u8; N], PersistError> {
    let mut b = [0u8; N];
    input.read_exact(&mut b).map_err(read_err)?;
    let (body, crc) = b.split_at(N - 4);
    let stored = u32::from_le_bytes([crc[0], crc[1], crc[2], crc[3]]);
    if crc32fast::hash(body) != stored {
        return Err(PersistError::Checksum { section: name() });
    }
    Ok(b)
}

fn invalid(s: impl Into<String>) -> PersistError {
    PersistError::Invalid(s.into())
}

pub(crate) fn read<R: Read>(mut input: R) -> Result<WindowedBloomStore, PersistError> {
    let mut magic = [0u8; 8];
    input.read_exact(&mut magic).map_err(read_err)?;
    if magic != MAGIC {
        return Err(PersistError::BadMagic);
    }
    let mut version = [0u8; 2];
    input.read_exact(&mut version).map_err(read_err)?;
    let version = u16::from_le_bytes(version);
    let header_len = match version {
        1 => HEADER_LEN_V1,
        2 | VERSION => HEADER_LEN,
        v => return Err(PersistError::UnsupportedVersion(v)),
    };
    let mut whole = vec![0u8; header_len];
    whole[..8].copy_from_slice(&magic);
    whole[8..10].copy_from_slice(&version.to_le_bytes());
    input.read_exact(&mut whole[10..]).map_err(read_err)?;
    let (body, crc) = whole.split_at(header_len - 4);
    if crc32fast::hash(body) != u32::from_le_bytes([crc[0], crc[1], crc[2], crc[3]]) {
        return Err(PersistError::Checksum {
            section: "header".into(),
        });
    }
    let mut f = Fields(&body[10..]);
    let flags = f.u16();
    // Version 1 reserved the field (always 0); versions 2 and 3 know one flag.
    let known = if version == 1 { 0 } else { FLAG_FINGERPRINT };
    if flags & !known != 0 {
        return Err(invalid(format!("unknown header flags {flags:#06x}")));
    }
    let span = f.u64();
    let capacity = f.u64();
    let fpp = f64::from_bits(f.u64());
    let budget = usize::try_from(f.u64()).map_err(|_| invalid("memory budget exceeds this platform"))?;
    let seed = f.u64();
    let config = from_parts(span, capacity, fpp, budget, seed)?;
    let has_held = f.u32();
    let held_range = TimeRange {
        start: f.ts(),
        end: f.ts(),
    };
    let held = match has_held {
        0 => Held::Nothing,
        1 if held_range.start <= held_range.end => Held::Range(held_range),
        2 if held_range.start == held_range.end => Held::From(held_range.start),
        _ => return Err(invalid("held interval")),
    };
    let counters = Counters {
        inserted: f.u64(),
        evicted: f.u64(),
        late: f.u64(),
        capacity_closes: f.u64(),
    };
    let next_seq = f.u64();
    let count = f.u32() as usize;
    let fingerprint = if version == 1 {
        None
    } else {
        let fp: [u8; 16] = f.take();
        match flags & FLAG_FINGERPRINT {
            0 if fp != [0; 16] => return Err(invalid("a fingerprint without its flag")),
            0 => None,
            _ => Some(DigestFingerprint(fp)),
        }
    };
    let mut windows = Windows::<BlockedBloom>::new(config);
    // Every window is at least one block, and the windows together fit the
    // budget (checked window by window below, against their own sizes: a
    // store written by an older version has windows of that version's size,
    // so their number may exceed what the budget holds at today's sizing;
    // the next rotations evict down to it).
    if count as u64 > budget as u64 / BLOCK_BYTES as u64 {
        return Err(invalid(format!(
            "{count} windows, the budget of {budget} bytes holds at most {}",
            budget / BLOCK_BYTES
        )));
    }
    if count > 0 && held == Held::Nothing {
        return Err(invalid("windows without a held interval"));
    }

    // Grown as windows arrive: `count` is bounded only by the budget the
    // file itself declares.
    let mut out: VecDeque<Window<BlockedBloom>> = VecDeque::with_capacity(count.min(64));
    let mut held_bytes = 0u64;
    for i in 0..count {
        let b: [u8; WINDOW_HEADER_LEN + 4] = read_section(&mut input, || format!("window {i} header"))?;
        let mut f = Fields(&b[..WINDOW_HEADER_LEN]);
        let seq = f.u64();
        let start = f.ts();
        let end = f.ts();
        let slot_end = f.ts();
        let n = f.u64();
        let hashes = f.u32();
        let flags = f.u32();
        let wseed = f.u64();
        let bit_len = f.u64();
        let bad = |what: &str| invalid(format!("window {i}: {what}"));
        if seq >= next_seq || out.back().is_some_and(|w| w.seq >= seq) {
            return Err(bad("sequence number"));
        }
        if start > end || n == 0 || n > capacity {
            return Err(bad("span or count"));
        }
        // Every insert of a window lies before its slot end, which is a slot
        // boundary (or the end of time). It need not be the slot of its
        // latest insert: a late digest that arrives when the window is full
        // opens a window that continues the full one's slot.
        let on_boundary = slot_end == Timestamp::MAX || slot_end.as_nanos() % span == 0;
        if !on_boundary || slot_end_of(span, end) > slot_end {
            return Err(bad("slot end"));
        }
        // Windows before version 3 drew positions with replacement.
        let known = if version < 3 {
            WINDOW_SEALED
        } else {
            WINDOW_SEALED | WINDOW_DISTINCT
        };
        if !(1..=MAX_HASHES).contains(&hashes) || flags & !known != 0 {
            return Err(bad("hash count or flags"));
        }
        let sealed = flags & WINDOW_SEALED != 0;
        let layout = if flags & WINDOW_DISTINCT != 0 {
            BitLayout::Distinct
        } else {
            BitLayout::Replacement
        };
        if !sealed && i + 1 != count {
            return Err(bad("only the last window may be open"));
        }
        if bit_len == 0 || bit_len % BLOCK_BITS as u64 != 0 {
            return Err(bad("bit length (not a positive multiple of 512)"));
        }
        if bit_len / 8 > budget as u64 - held_bytes {
            return Err(bad("bit length (the windows together exceed the memory budget)"));
        }
        // Every configuration this or an older version sized gives an element
        // more than one bit (the loosest rate, 0.5, needs about 1.44); a
        // window claiming more elements than bits was not written by a store.
        if n > bit_len {
            return Err(bad("count (more elements than bits)"));
        }
        held_bytes += bit_len / 8;
        let blocks_n = (bit_len / BLOCK_BITS as u64) as usize;
        let mut blocks: Vec<Block> = Vec::new();
        let mut crc = crc32fast::Hasher::new();
        let mut buf = vec![0u8; 1024 * BLOCK_BYTES];
        let mut left = blocks_n;
        while left > 0 {
            let take = left.min(1024);
            let bytes = &mut buf[..take * BLOCK_BYTES];
            input.read_exact(bytes).map_err(read_err)?;
            crc.update(bytes);
            blocks.extend(bytes.chunks_exact(BLOCK_BYTES).map(|c| {
                let mut words = [0u64; 8];
                for (w, b) in words.iter_mut().zip(c.chunks_exact(8)) {
                    let mut a = [0u8; 8];
                    a.copy_from_slice(b);
                    *w = u64::from_le_bytes(a);
                }
                Block(words)
            }));
            left -= take;
        }
        let mut stored = [0u8; 4];
        input.read_exact(&mut stored).map_err(read_err)?;
        if crc.finalize() != u32::from_le_bytes(stored) {
            return Err(PersistError::Checksum {
                section: format!("window {i} bits"),
            });
        }
        let filter = BlockedBloom::from_parts(blocks, hashes, wseed, layout);
        // An open window shaped unlike the configuration (another size, or
        // positions with replacement) is closed: new inserts go to a window
        // of the configured geometry.
        let sealed = sealed || filter.geometry() != config.geometry();
        let sealed_fpp = if sealed {
            filter.false_positive_probability(n)
        } else {
            0.0
        };
        out.push_back(Window {
            seq,
            span: TimeRange { start, end },
            slot_end,
            count: n,
            sealed,
            sealed_fpp,
            filter,
        });
    }
    // The stream is one store: anything after it is not ours to ignore.
    let mut extra = [0u8; 1];
    loop {
        match input.read(&mut extra) {
            Ok(0) => break,
            Ok(_) => return Err(invalid("bytes after the last window")),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(PersistError::Io(e)),
        }
    }
    windows.windows = out;
    windows.next_seq = next_seq;
    windows.held = held;
    windows.counters = counters;
    Ok(WindowedBloomStore {
        windows,
        fingerprint,
        read_format: Some(version),
    })
}
