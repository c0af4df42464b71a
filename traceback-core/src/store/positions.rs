//! Where an element's bits go inside its 512-bit block: the two layouts
//! ([`BitLayout`](super::BitLayout)), written plainly. Queries, single
//! inserts and the portable batch path use this code; the SIMD kernels of
//! `blocked_x86` must set exactly the same bits (tested for every `k`).
//!
//! Both layouts read positions from the element's bit key (the re-mixed high
//! half of its digest, `blocked::locate`):
//!
//! * **Distinct** (every new window): candidate positions are the low 9 bits
//!   of the four 16-bit slots of candidate word 0 (the key itself), then of
//!   word 1, 2, ... (`mix64(key ^ j · golden)`, fresh draws). The element's
//!   positions are the first `k` *distinct* candidates, so it sets exactly
//!   `k` bits.
//! * **Replacement** (windows saved in store formats 1 and 2): position `i`
//!   is the 9-bit field `i % 7` of word `i / 7` (the key, then `mix64(key ^
//!   7j · golden)`); two positions may coincide.

use super::blocked::{mix64, Block};

/// The 64-bit golden ratio: salts the fresh candidate words.
pub(super) const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

/// Candidate positions per candidate word (16-bit slots).
pub(super) const SLOTS_PER_WORD: u32 = 4;

/// Candidate words drawn before the (never reached in practice) fallback:
/// 256 uniform candidates give fewer than 24 distinct positions out of 512
/// with a chance below 2^-1000.
const MAX_WORDS: u64 = 64;

/// Candidate word `j` of the distinct layout: the key itself for `j = 0`,
/// else a fresh mix of it.
#[inline(always)]
pub(super) fn candidate_word(key: u64, j: u64) -> u64 {
    if j == 0 {
        key
    } else {
        mix64(key ^ j.wrapping_mul(GOLDEN))
    }
}

/// The bits of the distinct layout: the first `k` distinct candidates of
/// `key`, as the block's eight words (what tests compare every path with).
#[cfg(test)]
pub(super) fn distinct_mask(key: u64, k: u32) -> [u64; 8] {
    super::blocked::dispatch_k!(k, distinct_mask_k(key, k))
}

/// [`distinct_mask`] with `K` = `k` known at compile time (0: not
/// specialised).
#[cfg(test)]
#[inline(always)]
pub(super) fn distinct_mask_k<const K: u32>(key: u64, k: u32) -> [u64; 8] {
    let mut block = Block::default();
    set_distinct_k::<K>(&mut block, key, k);
    block.0
}

/// The candidate words holding the first `K` candidates (`K` ≤ 16; the
/// words past them are left as the key).
#[inline(always)]
fn first_words<const K: u32>(key: u64) -> [u64; 4] {
    let mut words = [key; 4];
    for (j, w) in words.iter_mut().enumerate().skip(1) {
        if (j as u32) * SLOTS_PER_WORD < K {
            *w = candidate_word(key, j as u64);
        }
    }
    words
}

/// Calls `f(word, bit)` for each of the first `K` candidates in `words`
/// (`K` ≤ 16), unrolled.
#[inline(always)]
fn for_first_candidates<const K: u32>(words: &[u64; 4], mut f: impl FnMut(usize, u64)) {
    // Written out: LLVM leaves a loop of up to 16 such steps rolled.
    #[inline(always)]
    fn step<const K: u32>(words: &[u64; 4], p: u32, f: &mut impl FnMut(usize, u64)) {
        if p < K {
            let c = words[(p / SLOTS_PER_WORD) as usize % 4] >> (16 * (p % SLOTS_PER_WORD));
            f((c >> 6) as usize & 7, 1u64 << (c & 63));
        }
    }
    for p in [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] {
        step::<K>(words, p, &mut f);
    }
}

/// Whether two of the first `K` candidates in `words` are equal (`K` ≤ 16).
#[inline(always)]
fn first_repeat<const K: u32>(words: &[u64; 4]) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        super::blocked_x86::first_repeat_sse2::<K>(words)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        first_repeat_swar::<K>(words)
    }
}

/// Whether two of the first `K` candidates in `words` are equal (`K` ≤ 16),
/// in 64-bit registers (every target; x86_64 uses the SSE2 form of
/// `blocked_x86`, half the instructions). Every pair of 16-bit slots is
/// XOR-ed (a word with itself rotated by one and two slots, with every
/// earlier word rotated by zero to three, a candidate of the last, partial
/// word broadcast against the full ones), and a zero slot found with the
/// SWAR test `(x - 0x0001..) & !x & 0x8000..` (exact as "is any slot zero":
/// slots hold 9 bits).
#[inline(always)]
#[cfg_attr(target_arch = "x86_64", allow(dead_code))] // tests compare it with the SSE2 form
pub(super) fn first_repeat_swar<const K: u32>(words: &[u64; 4]) -> bool {
    const ONES: u64 = 0x0001_0001_0001_0001;
    const HIGH: u64 = 0x8000_8000_8000_8000;
    const NINE: u64 = 0x01ff_01ff_01ff_01ff;
    let zero = |x: u64| x.wrapping_sub(ONES) & !x;
    let full = (K / SLOTS_PER_WORD) as usize;
    let part = K % SLOTS_PER_WORD;
    let v = words.map(|w| w & NINE);
    let mut acc = 0;
    for i in 0..full.min(4) {
        acc |= zero(v[i] ^ v[i].rotate_left(16)) | zero(v[i] ^ v[i].rotate_left(32));
        for j in 0..i {
            acc |= zero(v[i] ^ v[j]) | zero(v[i] ^ v[j].rotate_left(16));
            acc |= zero(v[i] ^ v[j].rotate_left(32)) | zero(v[i] ^ v[j].rotate_left(48));
        }
    }
    let mut repeat = false;
    if part > 0 && full < 4 {
        let last = v[full];
        for s in 0..part {
            let c = (last >> (16 * s)) & 0x1ff;
            let spread = c.wrapping_mul(ONES);
            for vj in v.iter().take(full) {
                acc |= zero(vj ^ spread);
            }
            for t in s + 1..part {
                repeat |= c == (last >> (16 * t)) & 0x1ff;
            }
        }
    }
    repeat || acc & HIGH != 0
}

/// Set the distinct-layout bits of `key` in `block`, `K` = `k` known at
/// compile time (0: not specialised). The first `K` candidates are the
/// positions when no two are equal (about 93 % of keys at `k` = 9, told in
/// registers by `first_repeat`); they are set straight into the block in
/// any case, being a subset of the positions, and a key with a repeat then
/// walks the candidate stream for the rest.
#[inline(always)]
pub(super) fn set_distinct_k<const K: u32>(block: &mut Block, key: u64, k: u32) {
    if K != 0 && K <= 16 {
        let words = first_words::<K>(key);
        for_first_candidates::<K>(&words, |w, bit| block.0[w] |= bit);
        if first_repeat::<K>(&words) {
            complete_distinct(block, key, k);
        }
    } else {
        set_mask(block, distinct_mask_stream(key, k));
    }
}

/// Whether every distinct-layout bit of `key` is set in `block` (as
/// [`set_distinct_k`]).
#[inline(always)]
pub(super) fn has_distinct_k<const K: u32>(block: &Block, key: u64, k: u32) -> bool {
    if K != 0 && K <= 16 {
        let words = first_words::<K>(key);
        let mut all = true;
        for_first_candidates::<K>(&words, |w, bit| all &= block.0[w] & bit != 0);
        if !all || !first_repeat::<K>(&words) {
            return all;
        }
    }
    has_mask(block, distinct_mask_stream(key, k))
}

/// Set all positions of `key` in `block`: the candidate stream, each new
/// distinct candidate straight into the block until `k` are.
#[cold]
#[inline(never)]
fn complete_distinct(block: &mut Block, key: u64, k: u32) {
    walk_stream(key, k, |w, bit| block.0[w] |= bit);
}

/// The first `k` distinct candidates of `key` the long way: candidate by
/// candidate, skipping repeats.
#[cold]
#[inline(never)]
pub(super) fn distinct_mask_stream(key: u64, k: u32) -> [u64; 8] {
    walk_stream(key, k, |_, _| {})
}

/// Calls `f(word, bit)` for each of the first `k` distinct candidates of
/// `key`, and returns them as a mask.
#[inline(always)]
fn walk_stream(key: u64, k: u32, mut f: impl FnMut(usize, u64)) -> [u64; 8] {
    let mut mask = [0u64; 8];
    let mut found = 0;
    let mut take = |w: usize, bit: u64, mask: &mut [u64; 8]| {
        mask[w] |= bit;
        f(w, bit);
        found += 1;
        found >= k
    };
    for j in 0..MAX_WORDS {
        let word = candidate_word(key, j);
        for s in 0..SLOTS_PER_WORD {
            let p = (word >> (16 * s)) & 511;
            let (w, bit) = ((p >> 6) as usize & 7, 1u64 << (p & 63));
            if mask[w] & bit == 0 && take(w, bit, &mut mask) {
                return mask;
            }
        }
    }
    // Unreachable in practice (see MAX_WORDS); completes deterministically
    // with the lowest free positions so every element still sets `k` bits.
    for p in 0..512usize {
        let (w, bit) = (p >> 6, 1u64 << (p & 63));
        if mask[w] & bit == 0 && take(w, bit, &mut mask) {
            break;
        }
    }
    mask
}

/// Word `j` of the replacement layout, holding positions `7j` to `7j + 6` as
/// seven 9-bit fields.
#[inline(always)]
fn replacement_word(key: u64, j: u32) -> u64 {
    if j == 0 {
        key
    } else {
        mix64(key ^ u64::from(7 * j).wrapping_mul(GOLDEN))
    }
}

/// The bits of the replacement layout: `k` 9-bit fields, two of which may
/// coincide.
#[inline]
pub(super) fn replacement_mask(key: u64, k: u32) -> [u64; 8] {
    let mut mask = [0u64; 8];
    let mut h = key;
    for i in 0..k {
        if i != 0 && i % 7 == 0 {
            h = replacement_word(key, i / 7);
        }
        mask[((h >> 6) & 7) as usize] |= 1u64 << (h & 63);
        h >>= 9;
    }
    mask
}

/// OR `mask` into `block`.
#[inline(always)]
pub(super) fn set_mask(block: &mut Block, mask: [u64; 8]) {
    for (w, m) in block.0.iter_mut().zip(mask) {
        *w |= m;
    }
}

/// Whether every bit of `mask` is set in `block`.
#[inline(always)]
pub(super) fn has_mask(block: &Block, mask: [u64; 8]) -> bool {
    block.0.iter().zip(mask).all(|(w, m)| w & m == m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_sets_exactly_k_bits_from_the_candidate_stream() {
        for key in (0..2000u64).map(|i| mix64(i ^ 0x55)) {
            for k in 1..=24 {
                let m = distinct_mask(key, k);
                assert_eq!(m.iter().map(|w| w.count_ones()).sum::<u32>(), k);
            }
            // The first candidates, when distinct, are exactly the positions.
            let cands: Vec<u64> = (0..4).map(|s| (key >> (16 * s)) & 511).collect();
            let mut uniq = cands.clone();
            uniq.sort_unstable();
            uniq.dedup();
            if uniq.len() == 4 {
                let mut want = [0u64; 8];
                for p in cands {
                    want[(p >> 6) as usize] |= 1 << (p & 63);
                }
                assert_eq!(distinct_mask(key, 4), want);
            }
        }
        // A key whose four first candidates all repeat position 5 takes the
        // rest from word 1.
        let key = 0x0005_0005_0005_0005;
        let m = distinct_mask(key, 2);
        let next = (0..4)
            .map(|s| (candidate_word(key, 1) >> (16 * s)) & 511)
            .find(|&p| p != 5)
            .unwrap();
        assert!(m[0] & (1 << 5) != 0);
        assert!(m[(next >> 6) as usize] & (1 << (next & 63)) != 0);
        assert_eq!(m.iter().map(|w| w.count_ones()).sum::<u32>(), 2);
    }

    #[test]
    fn the_unrolled_path_agrees_with_the_candidate_stream() {
        let keys = (0..20_000u64).map(|i| mix64(i ^ 0x77)).chain([
            0x0005_0005_0005_0005,
            0x0005_0105_0005_0105,
            0x01ff_0000_01ff_0000,
        ]);
        for key in keys {
            for k in 1..=24 {
                let mask = distinct_mask_stream(key, k);
                assert_eq!(distinct_mask(key, k), mask, "{key:#x} k={k}");
                // Membership: the full mask answers yes; without any one of
                // its bits, no.
                let full = Block(mask);
                assert!(super::super::blocked::dispatch_k!(
                    k,
                    has_distinct_k(&full, key, k)
                ));
                let low = (0..512).find(|&p| mask[p / 64] >> (p % 64) & 1 == 1).unwrap();
                let mut gap = full;
                gap.0[low / 64] &= !(1 << (low % 64));
                assert!(!super::super::blocked::dispatch_k!(
                    k,
                    has_distinct_k(&gap, key, k)
                ));
            }
        }
    }

    /// Words whose first candidates repeat in every way a few slots can.
    fn repeating_words(i: u64) -> [u64; 4] {
        let r = |j: u64| mix64(i.wrapping_mul(31) ^ j);
        let mut w = [r(0), r(1), r(2), r(3)];
        // Copy one slot's 9 bits onto another, within or across words.
        let (from, to) = ((r(4) % 16) as usize, (r(5) % 16) as usize);
        if !i.is_multiple_of(3) {
            let v = (w[from / 4] >> (16 * (from % 4))) & 0x1ff;
            w[to / 4] = (w[to / 4] & !(0x1ff << (16 * (to % 4)))) | (v << (16 * (to % 4)));
        }
        w
    }

    #[test]
    fn every_repeat_test_agrees_with_pairwise_comparison() {
        fn check<const K: u32>() {
            for i in 0..3_000 {
                let w = repeating_words(i);
                let c: Vec<u64> = (0..K as usize)
                    .map(|p| (w[p / 4] >> (16 * (p % 4))) & 511)
                    .collect();
                let want = (0..c.len()).any(|a| (0..a).any(|b| c[a] == c[b]));
                assert_eq!(first_repeat_swar::<K>(&w), want, "swar K={K} {w:x?}");
                assert_eq!(first_repeat::<K>(&w), want, "K={K} {w:x?}");
            }
        }
        check::<1>();
        check::<2>();
        check::<3>();
        check::<4>();
        check::<5>();
        check::<6>();
        check::<7>();
        check::<8>();
        check::<9>();
        check::<10>();
        check::<11>();
        check::<12>();
        check::<13>();
        check::<14>();
        check::<15>();
        check::<16>();
    }

    #[test]
    fn replacement_is_the_format_2_layout() {
        // Position i is field i % 7 of word i / 7: two equal fields set one bit.
        let key = 3 | (3 << 9) | (200 << 18);
        let m = replacement_mask(key, 3);
        assert_eq!(m[0], 1 << 3);
        assert_eq!(m[3], 1 << (200 - 192));
        assert_eq!(m.iter().map(|w| w.count_ones()).sum::<u32>(), 2);
    }
}
