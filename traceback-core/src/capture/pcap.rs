//! Classic pcap: 24-byte file header, 16-byte record headers (24 for the
//! "modified" variant), either byte order, micro- or nanosecond timestamps.

use super::reader::{CaptureFormat, CaptureInfo, CaptureStats, InterfaceInfo, RawRecord};
use super::source::{Endian, Source};
use super::{CaptureError, MAX_RECORD_LEN};
use crate::packet::LinkType;
use crate::time::Timestamp;
use std::io::Read;

/// Which pcap flavour a magic number announces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Variant {
    endian: Endian,
    format: CaptureFormat,
}

/// The pcap variant for these four magic bytes, if they are a pcap magic.
pub(crate) fn variant(magic: [u8; 4]) -> Option<Variant> {
    let (endian, format) = match magic {
        [0xa1, 0xb2, 0xc3, 0xd4] => (Endian::Big, CaptureFormat::Pcap),
        [0xd4, 0xc3, 0xb2, 0xa1] => (Endian::Little, CaptureFormat::Pcap),
        [0xa1, 0xb2, 0x3c, 0x4d] => (Endian::Big, CaptureFormat::PcapNanos),
        [0x4d, 0x3c, 0xb2, 0xa1] => (Endian::Little, CaptureFormat::PcapNanos),
        [0xa1, 0xb2, 0xcd, 0x34] => (Endian::Big, CaptureFormat::PcapModified),
        [0x34, 0xcd, 0xb2, 0xa1] => (Endian::Little, CaptureFormat::PcapModified),
        _ => return None,
    };
    Some(Variant { endian, format })
}

/// Reader state for one pcap file.
#[derive(Debug)]
pub(crate) struct State {
    endian: Endian,
    nanos: bool,
    header_len: usize,
    link: LinkType,
    snaplen: u32,
}

/// Read the rest of the 24-byte file header (after the magic).
pub(crate) fn open<R: Read>(v: Variant, src: &mut Source<R>) -> Result<(State, CaptureInfo), CaptureError> {
    let mut h = [0u8; 20];
    src.exact(&mut h, "pcap file header")?;
    let e = v.endian;
    // h: version major(0..2) minor(2..4) thiszone(4..8) sigfigs(8..12) snaplen(12..16) linktype(16..20)
    let snaplen = e.u32(&h, 12);
    // The low 16 bits are the link type; the upper bits carry FCS information.
    let link = LinkType(e.u32(&h, 16) & 0xffff);
    let nanos = v.format == CaptureFormat::PcapNanos;
    let st = State {
        endian: e,
        nanos,
        header_len: if v.format == CaptureFormat::PcapModified {
            24
        } else {
            16
        },
        link,
        snaplen,
    };
    let info = CaptureInfo {
        format: v.format,
        big_endian: e == Endian::Big,
        interfaces: vec![InterfaceInfo {
            link,
            snaplen,
            ts_resolution: (10, if nanos { 9 } else { 6 }),
            ts_offset_secs: 0,
        }],
        sections: 1,
    };
    Ok((st, info))
}

/// The next record, or `None` at a clean end of file.
pub(crate) fn next<R: Read>(
    st: &mut State,
    src: &mut Source<R>,
    buf: &mut Vec<u8>,
    stats: &mut CaptureStats,
) -> Result<Option<RawRecord>, CaptureError> {
    let mut h = [0u8; 24];
    let h = &mut h[..st.header_len];
    if !src.exact_or_eof(h, "pcap record header")? {
        return Ok(None);
    }
    let e = st.endian;
    let secs = u64::from(e.u32(h, 0));
    let frac = u64::from(e.u32(h, 4));
    let caplen = e.u32(h, 8);
    let orig_len = e.u32(h, 12);
    if caplen as usize > MAX_RECORD_LEN {
        return Err(CaptureError::RecordTooLarge {
            len: u64::from(caplen),
            max: MAX_RECORD_LEN,
        });
    }
    src.exact_vec(buf, caplen as usize, "pcap record data")?;
    // u32 seconds * 1e9 + a u32 fraction * 1000 fits in u64.
    let nanos = secs * 1_000_000_000 + if st.nanos { frac } else { frac * 1000 };
    if frac >= if st.nanos { 1_000_000_000 } else { 1_000_000 } {
        stats.ts_out_of_range += 1;
    }
    let raw = RawRecord {
        ts: Timestamp::from_nanos(nanos),
        link: st.link,
        start: 0,
        end: caplen as usize,
        orig_len,
    };
    Ok(Some(raw.checked(st.snaplen, stats)))
}
