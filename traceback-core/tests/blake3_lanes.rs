//! The lane kernels against `blake3::keyed_hash`, for every backend this CPU runs.

use proptest::prelude::*;
use traceback_core::digest::lanes::{LaneBackend, SingleBlockHasher, MAX_SINGLE_BLOCK_LEN};
use traceback_core::Digest;

fn reference(key: &[u8; 32], msg: &[u8]) -> Digest {
    let mut d = [0u8; 16];
    d.copy_from_slice(&blake3::keyed_hash(key, msg).as_bytes()[..16]);
    Digest(d)
}

/// Deterministic bytes (xorshift64), so failures replay.
fn bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn key(seed: u64) -> [u8; 32] {
    let mut k = [0u8; 32];
    k.copy_from_slice(&bytes(seed, 32));
    k
}

fn check(backend: LaneBackend, key: &[u8; 32], msgs: &[Vec<u8>]) {
    let h = SingleBlockHasher::with_backend(key, backend).expect("listed as available");
    assert_eq!(h.backend(), backend);
    let refs: Vec<&[u8]> = msgs.iter().map(Vec::as_slice).collect();
    let mut out = vec![Digest::default(); msgs.len()];
    h.hash_many(&refs, &mut out).expect("lengths match");
    for (m, d) in msgs.iter().zip(&out) {
        assert_eq!(*d, reference(key, m), "{backend}: len {}", m.len());
        assert_eq!(h.hash_one(m), *d);
    }
}

#[test]
fn portable_and_sse2_exist_where_expected() {
    let available: Vec<_> = LaneBackend::available().collect();
    assert!(available.contains(&LaneBackend::Portable));
    #[cfg(target_arch = "x86_64")]
    assert!(available.contains(&LaneBackend::Sse2));
    assert!(available.contains(&LaneBackend::best()));
    assert_eq!(SingleBlockHasher::new(&[0; 32]).backend(), LaneBackend::best());
    for b in LaneBackend::ALL {
        assert_eq!(
            SingleBlockHasher::with_backend(&[0; 32], b).is_ok(),
            b.is_available()
        );
    }
}

#[test]
fn every_length_up_to_one_block_and_beyond() {
    for backend in LaneBackend::available() {
        for seed in 0..4u64 {
            // All lengths 0..=64 in one batch (lanes of different lengths
            // side by side), plus a few multi-block messages mixed in.
            let mut msgs: Vec<Vec<u8>> = (0..=MAX_SINGLE_BLOCK_LEN)
                .map(|len| bytes(seed * 1000 + len as u64, len))
                .collect();
            msgs.insert(7, bytes(seed, 65));
            msgs.insert(20, bytes(seed + 1, 104));
            msgs.push(bytes(seed + 2, 1500));
            check(backend, &key(seed), &msgs);
            // And each length alone (one lane used, the others stale).
            for m in &msgs {
                check(backend, &key(seed), std::slice::from_ref(m));
            }
        }
    }
}

#[test]
fn batch_sizes_around_lane_counts() {
    for backend in LaneBackend::available() {
        for n in 0..=40usize {
            let msgs: Vec<Vec<u8>> = (0..n)
                .map(|i| bytes(n as u64 * 77 + i as u64, [28, 64, 0, 13][i % 4]))
                .collect();
            check(backend, &key(n as u64), &msgs);
        }
    }
}

#[test]
fn length_mismatch_is_an_error() {
    let h = SingleBlockHasher::new(&[7; 32]);
    let mut out = [Digest::default(); 2];
    let msgs: [&[u8]; 3] = [b"a", b"b", b"c"];
    let e = h.hash_many(&msgs, &mut out).unwrap_err();
    assert_eq!((e.messages, e.outputs), (3, 2));
    assert_eq!(out, [Digest::default(); 2]);
}

#[test]
fn debug_does_not_print_the_key() {
    let h = SingleBlockHasher::new(&[0xab; 32]);
    assert!(!format!("{h:?}").contains("171"));
    assert!(!format!("{h:?}").to_lowercase().contains("abab"));
}

proptest! {
    #[test]
    fn random_batches_match_keyed_hash(
        k in any::<[u8; 32]>(),
        msgs in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..=80), 0..40),
    ) {
        for backend in LaneBackend::available() {
            check(backend, &k, &msgs);
        }
    }
}
