//! Saving and loading a WindowedBloomStore: round trip, and typed errors for
//! corrupt or truncated streams.

use core::time::Duration;
use traceback_core::store::{
    DigestStore, PersistError, StoreConfig, WindowedBloomStore, STORE_FORMAT_VERSION,
};
use traceback_core::{Digest, TimeRange, Timestamp};

mod store_support;
use store_support::digests as random_digests;

fn filled() -> (WindowedBloomStore, Vec<Digest>) {
    let c = StoreConfig::builder()
        .capacity(300)
        .target_fpp(0.001)
        .window_span(Duration::from_millis(500))
        .memory_budget_bytes(4 << 10)
        .seed(99)
        .build()
        .unwrap();
    let mut s = WindowedBloomStore::new(c);
    let ds = random_digests(1, 2_000);
    for (i, chunk) in ds.chunks(50).enumerate() {
        s.insert_batch(chunk, Timestamp::from_millis(i as u64 * 100));
    }
    (s, ds)
}

fn bytes(s: &WindowedBloomStore) -> Vec<u8> {
    let mut out = Vec::new();
    s.write_to(&mut out).unwrap();
    out
}

#[test]
fn round_trip_keeps_every_answer() {
    let (s, ds) = filled();
    assert!(
        s.stats().windows_evicted > 0,
        "the test store has evicted windows"
    );
    let raw = bytes(&s);
    assert_eq!(&raw[..8], b"TBDSTORE");
    let back = WindowedBloomStore::read_from(raw.as_slice()).unwrap();
    assert_eq!(back.stats(), s.stats());
    assert_eq!(back.windows(), s.windows());
    assert_eq!(back.config(), s.config());
    let all = TimeRange::new(Timestamp::EPOCH, Timestamp::from_secs(10));
    for d in &ds {
        assert_eq!(back.query(d, all), s.query(d, all));
    }
    // Writing the loaded store gives the same bytes, and it keeps inserting.
    assert_eq!(bytes(&back), raw);
    let mut back = back;
    back.insert(&ds[0], Timestamp::from_secs(5));
    assert!(back.query(&ds[0], TimeRange::at(Timestamp::from_secs(5))).hit());
}

#[test]
fn every_flipped_byte_is_a_typed_error() {
    let (s, _) = filled();
    let raw = bytes(&s);
    // Every byte of the header and first window header, then a stride (loads validate the config,
    // which sizes the filter numerically: a few ms each in debug builds).
    for i in (0..raw.len()).filter(|i| *i < 200 || i % 61 == 0 || *i >= raw.len() - 8) {
        let mut bad = raw.clone();
        bad[i] ^= 0x10;
        let e = WindowedBloomStore::read_from(bad.as_slice()).unwrap_err();
        match (i, &e) {
            (0..8, PersistError::BadMagic) => {}
            (8..10, PersistError::UnsupportedVersion(_)) => {}
            (10.., PersistError::Checksum { .. }) => {}
            _ => panic!("byte {i}: unexpected {e:?}"),
        }
    }
}

#[test]
fn every_truncation_is_a_typed_error() {
    let (s, _) = filled();
    let raw = bytes(&s);
    for len in (0..raw.len()).filter(|l| *l < 200 || l % 67 == 0 || *l >= raw.len() - 8) {
        let e = WindowedBloomStore::read_from(&raw[..len]).unwrap_err();
        assert!(matches!(e, PersistError::Truncated), "{len}: {e:?}");
    }
}

#[test]
fn other_versions_and_foreign_data_are_refused() {
    let (s, _) = filled();
    let mut raw = bytes(&s);
    raw[8..10].copy_from_slice(&(STORE_FORMAT_VERSION + 1).to_le_bytes());
    assert!(matches!(
        WindowedBloomStore::read_from(raw.as_slice()),
        Err(PersistError::UnsupportedVersion(v)) if v == STORE_FORMAT_VERSION + 1
    ));
    assert!(matches!(
        WindowedBloomStore::read_from(&b"GIF89a......"[..]),
        Err(PersistError::BadMagic)
    ));
    // A failed load leaves an existing store untouched.
    let before = s.stats();
    let _ = WindowedBloomStore::read_from(&raw[..100]);
    assert_eq!(s.stats(), before);
}

#[test]
fn the_key_fingerprint_is_kept() {
    use traceback_core::digest::{Blake3Digester, FederationSecret};
    use traceback_core::DigestProfile;
    let (mut s, _) = filled();
    let d = Blake3Digester::new(DigestProfile::V1, &FederationSecret::from_passphrase("k")).unwrap();
    assert_eq!(s.fingerprint(), None);
    let plain = bytes(&s);
    assert_eq!(
        WindowedBloomStore::read_from(plain.as_slice())
            .unwrap()
            .fingerprint(),
        None
    );
    s.set_fingerprint(Some(d.fingerprint()));
    let tagged = bytes(&s);
    assert_eq!(plain.len(), tagged.len());
    let back = WindowedBloomStore::read_from(tagged.as_slice()).unwrap();
    assert_eq!(back.fingerprint(), Some(d.fingerprint()));
    assert_eq!(bytes(&back), tagged);

    // Header flags this version does not know are refused.
    let mut odd = plain.clone();
    odd[10] = 0x80;
    reseal_header(&mut odd);
    assert!(matches!(
        WindowedBloomStore::read_from(odd.as_slice()),
        Err(PersistError::Invalid(e)) if e.contains("flags")
    ));
}

/// `testdata/stores/format2-replacement.store`: written by the store of
/// commit 96db9d2 (format 2, positions drawn with replacement) from
/// `StoreConfig { capacity 2000, target 0.001, 1 s windows, budget 3 * 4096,
/// seed 7 }` and digests `digests(11, 7000)` inserted 100 at a time every 50
/// ms; the figures below are what that store answered.
fn format_2_store() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/stores/format2-replacement.store"
    ))
    .unwrap()
}

/// Every answer `store` gives about the fixture's digests and 200 000
/// absent probes: (kept digests found, probes by number of matching
/// windows, sum and hash of the matching probes' indices).
fn fixture_answers(store: &WindowedBloomStore) -> (usize, [usize; 4], u64, u64) {
    let all = TimeRange::new(Timestamp::EPOCH, Timestamp::from_secs(100));
    let ds = random_digests(11, 7_000);
    let found = ds[2_000..].iter().filter(|d| store.query(d, all).hit()).count();
    let (mut per, mut sum, mut hash) = ([0usize; 4], 0u64, 0u64);
    for (i, p) in random_digests(12, 200_000).iter().enumerate() {
        let m = store.query(p, all).matches.len();
        per[m.min(3)] += 1;
        if m > 0 {
            sum += i as u64 * m as u64;
            hash ^= (i as u64)
                .wrapping_mul(0x9e37_79b9_7f4a_7c15)
                .rotate_left(m as u32);
        }
    }
    (found, per, sum, hash)
}

#[test]
fn a_format_2_store_answers_as_it_did_and_keeps_its_windows() {
    let raw = format_2_store();
    assert_eq!(u16::from_le_bytes([raw[8], raw[9]]), 2);
    let old = WindowedBloomStore::read_from(raw.as_slice()).unwrap();
    assert_eq!(old.read_format(), Some(2));
    // What the format-2 store itself answered (see `format_2_store`).
    let want = (5_000, [199_655, 343, 2, 0], 33_685_707, 0x838c_35dc_19dd_9392);
    assert_eq!(fixture_answers(&old), want);
    let w = old.windows();
    assert_eq!(
        w.iter()
            .map(|w| (w.count, w.span.start.as_nanos()))
            .collect::<Vec<_>>(),
        [
            (2_000, 1_000_000_000),
            (2_000, 2_000_000_000),
            (1_000, 3_000_000_000)
        ]
    );
    // Estimates from the windows' own layout (with replacement), as before;
    // the open window is closed on load, as its layout is not the config's.
    let fpp: Vec<u64> = w.iter().map(|w| w.false_positive_probability.to_bits()).collect();
    assert_eq!(
        fpp,
        [
            0x3f4f_e8a0_0420_7753,
            0x3f4f_e8a0_0420_7753,
            0x3eec_0dd3_2a02_8642
        ]
    );
    assert!(w.iter().all(|w| w.sealed));

    // New digests go into a new window of the current layout; the old ones
    // keep answering after a save in the current format and a reload.
    let mut s = old;
    let fresh = random_digests(13, 1_500);
    s.insert_batch(&fresh, Timestamp::from_millis(3_500));
    assert_eq!(s.windows().len(), 3, "the oldest window made room");
    let saved = bytes(&s);
    assert_eq!(u16::from_le_bytes([saved[8], saved[9]]), STORE_FORMAT_VERSION);
    let back = WindowedBloomStore::read_from(saved.as_slice()).unwrap();
    assert_eq!(back.read_format(), Some(STORE_FORMAT_VERSION));
    assert_eq!(back.windows(), s.windows());
    let t = TimeRange::at(Timestamp::from_millis(3_500));
    assert!(fresh.iter().all(|d| back.query(d, t).hit()));
    let kept = TimeRange::new(Timestamp::from_secs(2), Timestamp::from_secs(3));
    let ds = random_digests(11, 7_000);
    assert!(ds[4_000..6_000].iter().all(|d| back.query(d, kept).hit()));
    assert_eq!(bytes(&back), saved);

    // The same store as format version 1 (no fingerprint field): a 120-byte
    // header, then the same windows.
    let mut v1 = raw[..116].to_vec();
    v1[8..10].copy_from_slice(&1u16.to_le_bytes());
    let crc = crc32fast::hash(&v1);
    v1.extend_from_slice(&crc.to_le_bytes());
    v1.extend_from_slice(&raw[136..]);
    let from_v1 = WindowedBloomStore::read_from(v1.as_slice()).unwrap();
    assert_eq!(from_v1.fingerprint(), None);
    assert_eq!(fixture_answers(&from_v1), want);

    // A window of a format-2 stream may not claim the distinct layout (a
    // flag format 2 did not have).
    let mut odd = raw.clone();
    let flags_at = 136 + 44; // the first window header's flags field
    odd[flags_at] |= 2;
    reseal_window(&mut odd, 136);
    assert!(matches!(
        WindowedBloomStore::read_from(odd.as_slice()),
        Err(PersistError::Invalid(e)) if e.contains("flags")
    ));
}

/// Rewrite the header CRC after editing header fields.
fn reseal_header(b: &mut [u8]) {
    let crc = crc32fast::hash(&b[..132]);
    b[132..136].copy_from_slice(&crc.to_le_bytes());
}

/// Rewrite the CRC of the window header at `at` after editing its fields.
fn reseal_window(b: &mut [u8], at: usize) {
    let crc = crc32fast::hash(&b[at..at + 64]);
    b[at + 64..at + 68].copy_from_slice(&crc.to_le_bytes());
}

#[test]
fn windows_of_an_older_size_load_though_today_fewer_fit() {
    // The format-2 fixture (3 windows of 61 blocks, budget 12 288 bytes)
    // with its capacity raised to 2 200: today's sizing gives 67-block
    // windows, of which the budget holds 2; the file's 3 fit it, so they all
    // load and answer, and the next window to open evicts down to the budget.
    let mut raw = format_2_store();
    raw[20..28].copy_from_slice(&2_200u64.to_le_bytes()); // capacity
    reseal_header(&mut raw);
    let mut s = WindowedBloomStore::read_from(raw.as_slice()).unwrap();
    assert_eq!(s.config().max_windows(), 2);
    assert_eq!(s.windows().len(), 3);
    assert_eq!(fixture_answers(&s).0, 5_000);
    let evicted = s.stats().windows_evicted;
    s.insert(&Digest([9; 16]), Timestamp::from_secs(4));
    assert_eq!(s.stats().windows_evicted, evicted + 2);
    assert_eq!(s.windows().len(), 2);
    // But windows that together exceed the budget are refused.
    raw[36..44].copy_from_slice(&(11_711u64).to_le_bytes()); // budget, one byte short
    reseal_header(&mut raw);
    assert!(matches!(
        WindowedBloomStore::read_from(raw.as_slice()),
        Err(PersistError::Invalid(e)) if e.contains("budget")
    ));
}

#[test]
fn a_header_declaring_huge_counts_allocates_nothing_for_them() {
    // An empty store's 136 bytes, then: budget 2^63 - 1 (so max_windows is
    // huge), next_seq u64::MAX, window_count u32::MAX. Only the budget and
    // count bound the reader's first allocation; it must fail as Truncated.
    let c = StoreConfig::builder().capacity(100).build().unwrap();
    let mut b = bytes(&WindowedBloomStore::new(c));
    assert_eq!(b.len(), 136);
    b[36..44].copy_from_slice(&(i64::MAX as u64).to_le_bytes()); // budget
                                                                 // held present = 1 (windows need a held interval)
    b[52..56].copy_from_slice(&1u32.to_le_bytes());
    b[104..112].copy_from_slice(&u64::MAX.to_le_bytes()); // next_seq
    b[112..116].copy_from_slice(&u32::MAX.to_le_bytes()); // window_count
    reseal_header(&mut b);
    assert!(matches!(
        WindowedBloomStore::read_from(b.as_slice()),
        Err(PersistError::Truncated)
    ));
}

#[test]
fn a_window_claiming_more_elements_than_bits_is_refused_at_once() {
    // A hostile store with valid checksums: capacity 5e10 at rate 0.5 (a
    // configuration that validates) and a first window of 10 blocks (5 120
    // bits) claiming 5 121 or 5e10 elements. Such a count would make the
    // window's false-positive estimate sum billions of Poisson terms; it
    // is refused before that, and the estimate itself saturates at 1.
    let (s, _) = filled();
    for claim in [5_121u64, 50_000_000_000] {
        let mut b = bytes(&s);
        b[20..28].copy_from_slice(&50_000_000_000u64.to_le_bytes()); // capacity
        b[28..36].copy_from_slice(&0.5f64.to_bits().to_le_bytes()); // target_fpp
        b[36..44].copy_from_slice(&(1u64 << 40).to_le_bytes()); // budget
        reseal_header(&mut b);
        let at = 136;
        let bit_len = u64::from_le_bytes(b[at + 56..at + 64].try_into().unwrap());
        assert_eq!(bit_len, 5_120);
        b[at + 32..at + 40].copy_from_slice(&claim.to_le_bytes()); // count
        reseal_window(&mut b, at);
        assert!(
            matches!(
                WindowedBloomStore::read_from(b.as_slice()),
                Err(PersistError::Invalid(e)) if e.contains("more elements than bits")
            ),
            "{claim}"
        );
    }
}

#[test]
fn a_bit_length_off_the_block_size_says_so() {
    let (s, _) = filled();
    let mut b = bytes(&s);
    let at = 136;
    b[at + 56..at + 64].copy_from_slice(&1u64.to_le_bytes()); // bit_len
    reseal_window(&mut b, at);
    assert!(matches!(
        WindowedBloomStore::read_from(b.as_slice()),
        Err(PersistError::Invalid(e)) if e.contains("multiple of 512")
    ));
}

#[test]
fn bytes_after_the_store_are_refused() {
    let (s, _) = filled();
    let mut b = bytes(&s);
    b.extend_from_slice(b"garbage");
    assert!(matches!(
        WindowedBloomStore::read_from(b.as_slice()),
        Err(PersistError::Invalid(e)) if e.contains("after the last window")
    ));
    let twice = [bytes(&s), bytes(&s)].concat();
    assert!(WindowedBloomStore::read_from(twice.as_slice()).is_err());
}

#[test]
fn a_window_whose_slot_end_lies_is_refused() {
    let (s, _) = filled();
    // First window header at 136: slot_end at +24; its CRC at +64. Off a
    // slot boundary (500 ms slots), or before the window's last insert.
    for lie in [1u64, 0] {
        let mut b = bytes(&s);
        let at = 136;
        b[at + 24..at + 32].copy_from_slice(&lie.to_le_bytes());
        reseal_window(&mut b, at);
        assert!(
            matches!(
                WindowedBloomStore::read_from(b.as_slice()),
                Err(PersistError::Invalid(e)) if e.contains("slot end")
            ),
            "{lie}"
        );
    }
}

#[test]
fn nothing_held_after_an_eviction_survives_a_restart() {
    // One window of budget; a flood of one instant evicts part of itself.
    let one = StoreConfig::builder().capacity(50).build().unwrap();
    let c = StoreConfig::builder()
        .capacity(50)
        .memory_budget_bytes(one.geometry().bytes())
        .build()
        .unwrap();
    let mut s = WindowedBloomStore::new(c);
    let ds = random_digests(5, 120);
    let t = Timestamp::from_millis(7);
    s.insert_batch(&ds, t);
    let q = |s: &WindowedBloomStore| s.query(&ds[0], TimeRange::at(t));
    assert_eq!(q(&s).coverage, traceback_core::store::Coverage::None);
    let b = bytes(&s);
    let mut back = WindowedBloomStore::read_from(b.as_slice()).unwrap();
    assert_eq!(bytes(&back), b);
    assert_eq!(q(&back), q(&s));
    // More of the same instant after the restart still does not make it held.
    back.insert(&ds[1], t);
    assert_eq!(q(&back).coverage, traceback_core::store::Coverage::None);
    back.insert(&ds[2], Timestamp::from_millis(8));
    assert_eq!(
        back.query(&ds[2], TimeRange::at(Timestamp::from_millis(8)))
            .coverage,
        traceback_core::store::Coverage::Full
    );
}

#[test]
fn a_late_digest_after_a_capacity_close_survives_a_restart() {
    // A full window of second 5, then a digest of second 3: it opens a
    // window that continues second 5's slot. The file must load again.
    let c = StoreConfig::builder()
        .capacity(2)
        .window_span(Duration::from_secs(1))
        .build()
        .unwrap();
    let ds = random_digests(6, 3);
    let mut s = WindowedBloomStore::new(c);
    s.insert(&ds[0], Timestamp::from_millis(5_100));
    s.insert(&ds[1], Timestamp::from_millis(5_200));
    s.insert(&ds[2], Timestamp::from_millis(3_200));
    assert_eq!(s.windows().len(), 2);
    let b = bytes(&s);
    let back = WindowedBloomStore::read_from(b.as_slice()).unwrap();
    assert_eq!(bytes(&back), b);
    assert!(back
        .query(&ds[2], TimeRange::at(Timestamp::from_millis(3_200)))
        .hit());
}

#[test]
fn random_workloads_round_trip_at_every_step() {
    use rand::{RngCore, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(31);
    let mut round_trips = 0;
    for case in 0..9u64 {
        let cap = [1u64, 5, 40][(case % 3) as usize];
        let windows = [1usize, 2, 6][(case / 3 % 3) as usize];
        let one = StoreConfig::builder().capacity(cap).build().unwrap();
        let c = StoreConfig::builder()
            .capacity(cap)
            .window_span(Duration::from_millis(100))
            .memory_budget_bytes(one.geometry().bytes() * windows)
            .seed(case)
            .build()
            .unwrap();
        let mut s = WindowedBloomStore::new(c);
        let mut t = 10_000u64;
        for step in 0..60u64 {
            let ds = random_digests(
                case * 1_000 + step,
                1 + (rng.next_u32() % 3 * cap as u32) as usize,
            );
            match rng.next_u32() % 6 {
                // Late by up to 0.3 s, or the same instant, or later.
                0 => s.insert_batch(&ds, Timestamp::from_millis(t.saturating_sub(300))),
                1 => s.advance(Timestamp::from_millis(t + 150)),
                2 => ds.iter().for_each(|d| s.insert(d, Timestamp::from_millis(t))),
                _ => {
                    t += u64::from(rng.next_u32() % 120);
                    s.insert_batch(&ds, Timestamp::from_millis(t));
                }
            }
            let b = bytes(&s);
            let back = WindowedBloomStore::read_from(b.as_slice())
                .unwrap_or_else(|e| panic!("case {case}, step {step}: {e}"));
            assert_eq!(bytes(&back), b, "case {case}, step {step}");
            let probe = TimeRange::new(
                Timestamp::from_millis(t.saturating_sub(500)),
                Timestamp::from_millis(t),
            );
            assert!(ds.iter().all(|d| back.query(d, probe) == s.query(d, probe)));
            round_trips += 1;
        }
    }
    assert_eq!(round_trips, 9 * 60);
}
