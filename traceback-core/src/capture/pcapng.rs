//! pcapng: sections (either byte order), Interface Description Blocks with
//! `if_tsresol` and `if_tsoffset`, Enhanced, Simple and (obsolete) Packet
//! Blocks. Every other block type is skipped without being buffered.

use super::reader::{CaptureFormat, CaptureInfo, CaptureStats, InterfaceInfo, RawRecord};
use super::source::{Endian, Source};
use super::{CaptureError, MAX_RECORD_LEN};
use crate::packet::LinkType;
use crate::time::Timestamp;
use std::io::Read;

/// The Section Header Block type, the same in both byte orders.
pub(crate) const SHB_MAGIC: [u8; 4] = [0x0a, 0x0d, 0x0d, 0x0a];

/// Largest block the reader buffers: a maximal record plus 64 KiB of
/// headers and options. Larger packet or interface blocks are refused.
const MAX_BLOCK_LEN: usize = MAX_RECORD_LEN + 64 * 1024;

const IDB: u32 = 1;
const PB: u32 = 2;
const SPB: u32 = 3;
const EPB: u32 = 6;

/// Reader state: the current section's byte order and where its interfaces
/// start in [`CaptureInfo::interfaces`].
#[derive(Debug)]
pub(crate) struct State {
    endian: Endian,
    section_base: usize,
}

/// Read the first Section Header Block (its type has been read as the magic).
pub(crate) fn open<R: Read>(
    src: &mut Source<R>,
    buf: &mut Vec<u8>,
) -> Result<(State, CaptureInfo), CaptureError> {
    let endian = read_shb(src, buf)?;
    let info = CaptureInfo {
        format: CaptureFormat::Pcapng,
        big_endian: endian == Endian::Big,
        interfaces: Vec::new(),
        sections: 1,
    };
    Ok((
        State {
            endian,
            section_base: 0,
        },
        info,
    ))
}

/// Read a Section Header Block after its type; the section's byte order.
fn read_shb<R: Read>(src: &mut Source<R>, buf: &mut Vec<u8>) -> Result<Endian, CaptureError> {
    let mut h = [0u8; 8];
    src.exact(&mut h, "pcapng section header")?;
    let endian = match [h[4], h[5], h[6], h[7]] {
        [0x1a, 0x2b, 0x3c, 0x4d] => Endian::Big,
        [0x4d, 0x3c, 0x2b, 0x1a] => Endian::Little,
        other => {
            return Err(CaptureError::Malformed(format!(
                "pcapng byte-order magic {other:02x?}"
            )))
        }
    };
    let total = endian.u32(&h, 0) as usize;
    // type, length, byte-order magic, version (4), section length (8), trailing length
    if total < 28 {
        return Err(CaptureError::Malformed(format!(
            "pcapng section header of {total} bytes"
        )));
    }
    if !total.is_multiple_of(4) {
        return Err(CaptureError::Malformed(format!(
            "pcapng section header length {total} is not a multiple of 4"
        )));
    }
    if total > MAX_BLOCK_LEN {
        return Err(CaptureError::RecordTooLarge {
            len: total as u64,
            max: MAX_BLOCK_LEN,
        });
    }
    src.exact_vec(buf, total - 12, "pcapng section header")?;
    check_trailer(endian, buf, total)?;
    let major = endian.u16(buf, 0);
    if major != 1 {
        return Err(CaptureError::Malformed(format!("pcapng major version {major}")));
    }
    Ok(endian)
}

fn check_trailer(e: Endian, block_rest: &[u8], total: usize) -> Result<(), CaptureError> {
    let trailer = e.u32(block_rest, block_rest.len() - 4) as usize;
    if trailer != total {
        return Err(CaptureError::Malformed(format!(
            "pcapng block length {total} but trailing length {trailer}"
        )));
    }
    Ok(())
}

/// The next packet record, skipping non-packet blocks; `None` at a clean end.
pub(crate) fn next<R: Read>(
    st: &mut State,
    src: &mut Source<R>,
    buf: &mut Vec<u8>,
    info: &mut CaptureInfo,
    stats: &mut CaptureStats,
) -> Result<Option<RawRecord>, CaptureError> {
    loop {
        let mut ty = [0u8; 4];
        if !src.exact_or_eof(&mut ty, "pcapng block header")? {
            return Ok(None);
        }
        if ty == SHB_MAGIC {
            st.endian = read_shb(src, buf)?;
            st.section_base = info.interfaces.len();
            info.sections += 1;
            continue;
        }
        let e = st.endian;
        let block_type = e.u32(&ty, 0);
        let mut len = [0u8; 4];
        src.exact(&mut len, "pcapng block header")?;
        let total = e.u32(&len, 0) as usize;
        if total < 12 {
            return Err(CaptureError::Malformed(format!("pcapng block of {total} bytes")));
        }
        if !total.is_multiple_of(4) {
            return Err(CaptureError::Malformed(format!(
                "pcapng block length {total} is not a multiple of 4"
            )));
        }
        let rest = total - 8; // body and trailing length
        if !matches!(block_type, IDB | PB | SPB | EPB) {
            src.skip(rest as u64, "pcapng block")?;
            stats.skipped_blocks += 1;
            continue;
        }
        if total > MAX_BLOCK_LEN {
            return Err(CaptureError::RecordTooLarge {
                len: total as u64,
                max: MAX_BLOCK_LEN,
            });
        }
        src.exact_vec(buf, rest, "pcapng block")?;
        check_trailer(e, buf, total)?;
        let body_len = rest - 4;
        let body = &buf[..body_len];
        let (iface, ts_units, start, caplen, orig_len) = match block_type {
            IDB => {
                if info.interfaces.len() >= super::MAX_INTERFACES {
                    return Err(CaptureError::Malformed(format!(
                        "pcapng file describes more than {} interfaces",
                        super::MAX_INTERFACES
                    )));
                }
                info.interfaces.push(parse_idb(e, body)?);
                continue;
            }
            EPB => {
                need(body, 20, "enhanced packet block")?;
                let units = (u64::from(e.u32(body, 4)) << 32) | u64::from(e.u32(body, 8));
                (
                    e.u32(body, 0) as usize,
                    Some(units),
                    20,
                    e.u32(body, 12) as usize,
                    e.u32(body, 16),
                )
            }
            PB => {
                need(body, 20, "packet block")?;
                let units = (u64::from(e.u32(body, 4)) << 32) | u64::from(e.u32(body, 8));
                (
                    usize::from(e.u16(body, 0)),
                    Some(units),
                    20,
                    e.u32(body, 12) as usize,
                    e.u32(body, 16),
                )
            }
            _ => {
                // Simple Packet Block: no timestamp, interface 0; the captured
                // length is the block's data, cut to the original length and
                // the interface's snaplen.
                need(body, 4, "simple packet block")?;
                let orig = e.u32(body, 0);
                let mut caplen = (body_len - 4).min(orig as usize);
                if let Some(i) = info.interfaces.get(st.section_base) {
                    if i.snaplen != 0 {
                        caplen = caplen.min(i.snaplen as usize);
                    }
                }
                (0, None, 4, caplen, orig)
            }
        };
        if caplen > body_len - start {
            return Err(CaptureError::Malformed(format!(
                "pcapng packet of {caplen} captured bytes in a {body_len}-byte block body"
            )));
        }
        let Some(ifc) = info.interfaces.get(st.section_base + iface) else {
            return Err(CaptureError::Malformed(format!(
                "pcapng packet on undefined interface {iface}"
            )));
        };
        let ts = match ts_units {
            Some(u) => {
                let (ts, exact) = to_timestamp(u, ifc.ts_resolution, ifc.ts_offset_secs);
                if !exact {
                    stats.ts_out_of_range += 1;
                }
                ts
            }
            None => Timestamp::EPOCH,
        };
        let raw = RawRecord {
            ts,
            link: ifc.link,
            start,
            end: start + caplen,
            orig_len,
        };
        return Ok(Some(raw.checked(ifc.snaplen, stats)));
    }
}

fn need(body: &[u8], n: usize, what: &str) -> Result<(), CaptureError> {
    if body.len() < n {
        return Err(CaptureError::Malformed(format!(
            "{what} body of {} bytes, needs {n}",
            body.len()
        )));
    }
    Ok(())
}

/// Interface Description Block: link type, snaplen, `if_tsresol` (option 9)
/// and `if_tsoffset` (option 14). Options that run past the block end the
/// option list (the interface itself stays usable).
fn parse_idb(e: Endian, body: &[u8]) -> Result<InterfaceInfo, CaptureError> {
    need(body, 8, "interface description block")?;
    let mut ifc = InterfaceInfo {
        link: LinkType(u32::from(e.u16(body, 0))),
        snaplen: e.u32(body, 4),
        ts_resolution: (10, 6),
        ts_offset_secs: 0,
    };
    let mut at = 8;
    while at + 4 <= body.len() {
        let code = e.u16(body, at);
        let len = usize::from(e.u16(body, at + 2));
        let value = at + 4;
        if code == 0 || value + len > body.len() {
            break;
        }
        match (code, len) {
            (9, 1..) => {
                let r = body[value];
                ts_res_from_byte(r, &mut ifc);
            }
            (14, 8..) => ifc.ts_offset_secs = e.u64(body, value) as i64,
            _ => {}
        }
        at = value + len.div_ceil(4) * 4;
    }
    Ok(ifc)
}

fn ts_res_from_byte(r: u8, ifc: &mut InterfaceInfo) {
    ifc.ts_resolution = if r & 0x80 == 0 { (10, r) } else { (2, r & 0x7f) };
}

/// Timestamp units of `resolution` plus an offset in seconds, clamped to
/// the representable range; `false` when it had to be clamped.
fn to_timestamp(units: u64, (base, exp): (u8, u8), offset_secs: i64) -> (Timestamp, bool) {
    let units = u128::from(units);
    let nanos: u128 = if base == 2 {
        if exp >= 128 {
            0
        } else {
            (units * 1_000_000_000) >> exp
        }
    } else if exp <= 9 {
        units * 10u128.pow(u32::from(9 - exp))
    } else {
        match 10u128.checked_pow(u32::from(exp - 9)) {
            Some(div) => units / div,
            None => 0,
        }
    };
    let total = i128::try_from(nanos)
        .unwrap_or(i128::MAX)
        .saturating_add(i128::from(offset_secs) * 1_000_000_000);
    match u64::try_from(total) {
        Ok(n) => (Timestamp::from_nanos(n), true),
        Err(_) if total < 0 => (Timestamp::EPOCH, false),
        Err(_) => (Timestamp::MAX, false),
    }
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn resolutions() {
        let ns = |u, r, o| to_timestamp(u, r, o).0.as_nanos();
        assert_eq!(ns(1_500_000, (10, 6), 0), 1_500_000_000);
        assert_eq!(ns(7, (10, 9), 0), 7);
        assert_eq!(ns(123_456, (10, 12), 0), 123);
        assert_eq!(ns(3, (2, 1), 0), 1_500_000_000);
        assert_eq!(ns(1 << 20, (2, 20), 10), 11_000_000_000);
        assert!(to_timestamp(1 << 20, (2, 20), 10).1);
        // Before 1970 or beyond u64 nanoseconds: clamped, and said so.
        assert_eq!(to_timestamp(5, (10, 0), -10), (Timestamp::EPOCH, false));
        assert_eq!(to_timestamp(u64::MAX, (10, 0), i64::MAX), (Timestamp::MAX, false));
        assert_eq!(
            to_timestamp(u64::MAX, (10, 9), 0),
            (Timestamp::from_nanos(u64::MAX), true)
        );
        assert_eq!(to_timestamp(u64::MAX, (10, 127), 0).0.as_nanos(), 0);
        assert_eq!(to_timestamp(u64::MAX, (2, 127), 0).0.as_nanos(), 0);
    }
}
