//! Entry points for the cargo-fuzz targets in `fuzz/`, also called by the
//! corpus replay test (`tests/fuzz_corpus.rs`) so CI runs every seed on stable.
//!
//! Each function takes arbitrary bytes, must never panic, and checks the
//! invariants the rest of the SDK relies on (a panic here is a finding).

use crate::capture::{CaptureReader, MAX_RECORD_LEN};
use crate::digest::{Blake3Digester, DigestProfile, Digester, FederationSecret, FrameDigest};
use crate::eve::{parse_eve_line, EveEvent};
use crate::packet::LinkType;

/// The link types a fuzz input's first byte chooses from (index modulo the
/// length); the last entry is one no build decodes.
pub const FUZZ_LINK_TYPES: [LinkType; 10] = [
    LinkType::ETHERNET,
    LinkType::NULL,
    LinkType::PPP,
    LinkType::RAW,
    LinkType::LOOP,
    LinkType::LINUX_SLL,
    LinkType::IPV4,
    LinkType::IPV6,
    LinkType::LINUX_SLL2,
    LinkType(147),
];

/// The byte that selects `link` in [`frame_to_digest`] input, if listed.
pub fn link_selector(link: LinkType) -> Option<u8> {
    FUZZ_LINK_TYPES.iter().position(|&l| l == link).map(|i| i as u8)
}

fn digester() -> Blake3Digester {
    // A fixed development secret: fuzzing explores parsing, not keys.
    let secret = FederationSecret::from_passphrase("traceback-sdk fuzzing");
    match Blake3Digester::new(DigestProfile::V1, &secret) {
        Ok(d) => d,
        Err(e) => panic!("DigestProfile::V1 must validate: {e}"),
    }
}

fn check(fd: &FrameDigest) {
    assert_eq!(
        fd.digest.is_some(),
        fd.verdict.is_digested(),
        "verdict {:?} and digest presence disagree",
        fd.verdict
    );
}

/// First byte picks a link type from [`FUZZ_LINK_TYPES`], the rest is the
/// frame: digest it with [`Blake3Digester`] under [`DigestProfile::V1`].
pub fn frame_to_digest(data: &[u8]) -> Option<FrameDigest> {
    let (&sel, frame) = data.split_first()?;
    let link = FUZZ_LINK_TYPES[usize::from(sel) % FUZZ_LINK_TYPES.len()];
    let d = digester();
    let fd = d.digest_frame(link, frame);
    check(&fd);
    assert_eq!(fd, d.digest_frame(link, frame), "digesting is deterministic");
    Some(fd)
}

/// Read every record of `data` as a capture file; the number of records
/// read before the end or the first error.
pub fn capture_reader(data: &[u8]) -> usize {
    let Ok(mut r) = CaptureReader::new(data) else {
        return 0;
    };
    let mut n = 0;
    while let Ok(Some(rec)) = r.next_record() {
        assert!(rec.data.len() <= MAX_RECORD_LEN);
        assert!(rec.data.len() as u64 <= u64::from(rec.orig_len));
        n += 1;
    }
    assert!(matches!(r.next_record(), Ok(None)), "reader is fused");
    n
}

/// Parse `data` as one EVE line; digest the packet of an alert.
pub fn eve_line(data: &[u8]) -> Option<FrameDigest> {
    match parse_eve_line(data) {
        Ok(EveEvent::Alert(a)) => {
            let fd = digester().digest_frame(a.link, &a.packet);
            check(&fd);
            Some(fd)
        }
        _ => None,
    }
}

/// Decode `data` as one protocol frame body; a decoded message must
/// re-encode to a stable byte form. Returns whether it decoded.
pub fn frame_decoder(data: &[u8]) -> bool {
    use crate::proto::{decode_frame, encode_frame};
    let Ok(msg) = decode_frame(data) else { return false };
    let again = encode_frame(&msg).expect("a decoded message encodes");
    // Compare bytes, not values: a float field may hold NaN.
    let twice = decode_frame(&again).expect("re-encoded frame decodes");
    assert_eq!(encode_frame(&twice).expect("encodes again"), again);
    true
}

/// Read `data` as a saved [`WindowedBloomStore`](crate::store::WindowedBloomStore)
/// (`docs/storage.md`); a store that loads must save to bytes that load to
/// the same store, and saving that gives the same bytes again. Returns
/// whether it loaded.
pub fn store_reader(data: &[u8]) -> bool {
    use crate::store::{DigestStore, WindowedBloomStore};
    let Ok(store) = WindowedBloomStore::read_from(data) else {
        return false;
    };
    let mut saved = Vec::new();
    store.write_to(&mut saved).expect("a loaded store saves");
    let back = WindowedBloomStore::read_from(saved.as_slice()).expect("a saved store loads");
    assert_eq!(back.windows(), store.windows());
    assert_eq!(back.stats(), store.stats());
    assert_eq!(back.fingerprint(), store.fingerprint());
    let mut again = Vec::new();
    back.write_to(&mut again).expect("saves again");
    assert_eq!(again, saved, "saving is stable");
    true
}
