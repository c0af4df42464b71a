//! x86_64 paths of the blocked Bloom filter's batch insert (distinct
//! layout, `positions`).
//!
//! * **AVX-512** (F, DQ, BW, with BMI1/BMI2): eight digests per step in
//!   64-bit lanes: the two 64-bit mixes, the block index, the candidate words
//!   and the search for repeated positions, so that the bit loop sets `k`
//!   ready positions with four instructions each (`shr`, `bextr` for the
//!   word, `shlx` for the bit, one `or` into the block).
//! * **AVX2** (with BMI1/BMI2): the mixes digest by digest in general
//!   registers (AVX2 has no 64-bit lane multiply), the search for repeats
//!   four digests per step in 256-bit vectors; the same bit loop.
//! * **BMI** (BMI1, BMI2): digest by digest, the portable code compiled with
//!   `shlx`/`bextr` (repeats told by the SSE2 test below).
//!
//! Every CPU-dependent `unsafe` of the store is here. The bits set are
//! exactly those of `positions::distinct_mask` (tested for every hash count,
//! on digests crafted to repeat positions in every pattern).
//!
//! # Finding repeats in vector lanes
//! Candidate word `w` of eight (AVX2: four) digests is one vector; its four 16-bit slots,
//! masked to 9 bits, are candidates `4w` to `4w + 3`. For `k` positions the
//! kernel compares every pair among candidates `0..k` with 16-bit lane
//! compares: a word against itself rotated by one and two slots (the second
//! for two lanes only, so no pair is counted twice), against every earlier
//! word rotated by zero to three slots, and each candidate of a partial last
//! word broadcast against the full words. Each equal pair flags exactly one
//! of its two lanes. A flagged lane is replaced by candidate `k` (the spare).
//! Then the positions are the first `k` distinct candidates unless the spare
//! now appears twice among them: that happens exactly when two or more lanes
//! were flagged (two equal pairs or three equal candidates) or the spare
//! itself repeats a kept candidate. Those digests (0.275 % at `k` = 9) are set
//! from their key by the portable code.

use super::blocked::{
    insert_batch_k, BatchKernel, Block, Located, Portable, CHUNK, HI_SALT, MAX_SLOT_K, MIX_C1, MIX_C2,
    SLOT_WORDS,
};
use super::positions::{candidate_word, set_distinct_k, GOLDEN};
use crate::digest::Digest;
use core::arch::x86_64::*;

/// Which accelerated path this CPU can run, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Accel {
    /// AVX-512F, DQ (64-bit lane multiplies) and BW (16-bit lane compares),
    /// BMI1 and BMI2.
    Avx512,
    /// AVX2, BMI1 and BMI2.
    Avx2,
    /// BMI1 and BMI2.
    Bmi2,
}

impl Accel {
    /// The best path of this CPU (runtime detection, cached by std).
    #[inline]
    pub(super) fn detect() -> Option<Accel> {
        let bmi = is_x86_feature_detected!("bmi1") && is_x86_feature_detected!("bmi2");
        if bmi
            && is_x86_feature_detected!("avx512f")
            && is_x86_feature_detected!("avx512dq")
            && is_x86_feature_detected!("avx512bw")
        {
            Some(Accel::Avx512)
        } else if bmi && is_x86_feature_detected!("avx2") {
            Some(Accel::Avx2)
        } else if bmi {
            Some(Accel::Bmi2)
        } else {
            None
        }
    }

    /// Every path this CPU can run (tests compare them all).
    #[cfg(test)]
    pub(super) fn available() -> Vec<Accel> {
        match Accel::detect() {
            Some(Accel::Avx512) => vec![Accel::Bmi2, Accel::Avx2, Accel::Avx512],
            Some(Accel::Avx2) => vec![Accel::Bmi2, Accel::Avx2],
            Some(Accel::Bmi2) => vec![Accel::Bmi2],
            None => Vec::new(),
        }
    }

    /// Insert `digests` on this path. The vector block index needs fewer
    /// than 2^32 blocks (256 GiB of filter); larger filters take BMI2 only.
    #[inline]
    pub(super) fn insert_batch(self, blocks: &mut [Block], hashes: u32, seed: u64, digests: &[Digest]) {
        // SAFETY: an `Accel` value is only made by `detect` (or `available`,
        // which calls it), which saw the features each function needs.
        unsafe {
            match self {
                Accel::Avx512 if u32::try_from(blocks.len()).is_ok() => {
                    insert_avx512(blocks, hashes, seed, digests)
                }
                Accel::Avx2 => insert_avx2(blocks, hashes, seed, digests),
                _ => insert_bmi2(blocks, hashes, seed, digests),
            }
        }
    }
}

/// The batch insert of the portable kernel, compiled with BMI1 and BMI2.
#[target_feature(enable = "bmi1,bmi2")]
fn insert_bmi2(blocks: &mut [Block], hashes: u32, seed: u64, digests: &[Digest]) {
    super::blocked::dispatch_k!(hashes, insert_batch_k[Portable](blocks, hashes, seed, digests));
}

/// The batch insert with [`Avx2`], compiled with AVX2 and BMI.
#[target_feature(enable = "avx2,bmi1,bmi2")]
fn insert_avx2(blocks: &mut [Block], hashes: u32, seed: u64, digests: &[Digest]) {
    super::blocked::dispatch_k!(hashes, insert_batch_k[Avx2](blocks, hashes, seed, digests));
}

/// The batch insert with [`Avx512`], compiled with AVX-512 and BMI.
#[target_feature(enable = "avx512f,avx512dq,avx512bw,bmi1,bmi2")]
fn insert_avx512(blocks: &mut [Block], hashes: u32, seed: u64, digests: &[Digest]) {
    super::blocked::dispatch_k!(hashes, insert_batch_k[Avx512](blocks, hashes, seed, digests));
}

/// Locates a full chunk eight digests at a time in vector lanes and, for
/// `K` up to [`MAX_SLOT_K`], finds their positions (a short chunk, and `K`
/// = 0, go as [`Portable`]); sets ready positions with BMI.
pub(super) struct Avx512;

impl BatchKernel for Avx512 {
    #[inline(always)]
    fn locate_chunk<const K: u32>(seed: u64, len: usize, chunk: &[Digest], out: &mut Located) {
        if chunk.len() != CHUNK {
            return Portable::locate_chunk::<K>(seed, len, chunk, out);
        }
        let mut ready = 0;
        for (j, d) in chunk.chunks_exact(8).enumerate() {
            let at = j * 8;
            // SAFETY: only reached from `insert_avx512` (AVX-512F/DQ/BW
            // present); `d` is 8 digests and `at + 8 <= CHUNK`.
            unsafe {
                let key = locate8(
                    seed,
                    len as u64,
                    d.as_ptr(),
                    out.block[at..at + 8].as_mut_ptr(),
                    out.key[at..at + 8].as_mut_ptr(),
                );
                if K != 0 && K <= MAX_SLOT_K {
                    ready |= positions8::<K>(key, out, at) << at;
                }
            }
        }
        out.ready = ready;
        out.len = CHUNK;
    }

    #[inline(always)]
    fn set_bits<const K: u32>(block: &mut Block, l: &Located, i: usize, hashes: u32) {
        if K != 0 && K <= MAX_SLOT_K && l.ready & (1 << i) != 0 {
            // SAFETY: only reached from `insert_avx512` and `insert_avx2`
            // (BMI1 present).
            unsafe { set_slots_bmi::<K>(block, l, i) }
        } else {
            // Short chunks, k > 15, and the 0.275 % (at k = 9) whose
            // candidates repeat in ways the locator leaves to the stream.
            set_distinct_k::<K>(block, l.key[i % CHUNK], hashes);
        }
    }
}

/// Locates digest by digest (the 64-bit mixes in general registers: AVX2
/// has no 64-bit lane multiply), then, for `K` up to [`MAX_SLOT_K`], finds
/// the positions of four digests per step in 16-bit lanes as [`Avx512`]
/// does (a short chunk, and `K` = 0, go as [`Portable`]); sets ready
/// positions with BMI.
pub(super) struct Avx2;

impl BatchKernel for Avx2 {
    #[inline(always)]
    fn locate_chunk<const K: u32>(seed: u64, len: usize, chunk: &[Digest], out: &mut Located) {
        Portable::locate_chunk::<K>(seed, len, chunk, out);
        if K == 0 || K > MAX_SLOT_K || chunk.len() != CHUNK {
            return;
        }
        for i in 0..CHUNK {
            let key = out.key[i];
            out.slots[0][i] = key;
            for j in 1..=(K / 4) as usize {
                out.slots[j % SLOT_WORDS][i] = candidate_word(key, j as u64);
            }
        }
        let mut ready = 0;
        for at in (0..CHUNK).step_by(4) {
            // SAFETY: only reached from `insert_avx2` (AVX2 present);
            // `at + 4 <= CHUNK`.
            ready |= unsafe { positions4::<K>(out, at) } << at;
        }
        out.ready = ready;
    }

    #[inline(always)]
    fn set_bits<const K: u32>(block: &mut Block, l: &Located, i: usize, hashes: u32) {
        Avx512::set_bits::<K>(block, l, i, hashes);
    }
}

/// [`positions8`] for the four digests `at..at + 4` of `out`, whose
/// candidate words are already in `out.slots`, in 256-bit vectors (AVX2):
/// compares give lane masks, `vpshufb` rotates and broadcasts slots,
/// `vpblendvb` puts the spare in; returns the mask of ready digests.
#[inline(always)]
unsafe fn positions4<const K: u32>(out: &mut Located, at: usize) -> u32 {
    /// A `vpshufb` pattern that moves byte `b` of every quadword to byte
    /// `pick(b)` (each 128-bit lane holds two quadwords).
    #[inline(always)]
    unsafe fn pattern(pick: impl Fn(u8) -> u8) -> __m256i {
        let mut p = [0u8; 32];
        for (i, b) in p.iter_mut().enumerate() {
            let q = (i / 8) % 2;
            *b = (q * 8) as u8 + pick((i % 8) as u8);
        }
        // SAFETY: caller has AVX2; 32 bytes read from `p`.
        unsafe { _mm256_loadu_si256(p.as_ptr().cast()) }
    }
    /// Every quadword rotated left by `r` 16-bit slots.
    #[inline(always)]
    unsafe fn rotate(v: __m256i, r: u8) -> __m256i {
        // SAFETY: caller has AVX2.
        unsafe { _mm256_shuffle_epi8(v, pattern(|b| (b + 8 - 2 * r) % 8)) }
    }
    /// Slot `s` of every quadword in its four slots.
    #[inline(always)]
    unsafe fn broadcast(v: __m256i, s: u8) -> __m256i {
        // SAFETY: caller has AVX2.
        unsafe { _mm256_shuffle_epi8(v, pattern(|b| 2 * s + b % 2)) }
    }
    // SAFETY: caller has AVX2; `at + 4 <= CHUNK`, so every load and store
    // of 4 words at `slots[w][at..]` is in bounds.
    unsafe {
        let full = (K / 4) as usize;
        let part = (K % 4) as usize;
        let nine_bits = _mm256_set1_epi16(0x1ff);
        let mut w = [_mm256_setzero_si256(); SLOT_WORDS];
        for (j, wj) in w.iter_mut().enumerate().take(full + 1) {
            let v = _mm256_loadu_si256(out.slots[j][at..at + 4].as_ptr().cast());
            *wj = _mm256_and_si256(v, nine_bits);
        }
        let eq = |a: __m256i, b: __m256i| _mm256_cmpeq_epi16(a, b);
        let mut flags = [_mm256_setzero_si256(); SLOT_WORDS];
        for i in 0..full {
            let r1 = rotate(w[i], 1);
            let r2 = _mm256_and_si256(eq(w[i], rotate(w[i], 2)), broadcast_lanes(0b1100));
            flags[i] = _mm256_or_si256(flags[i], _mm256_or_si256(eq(w[i], r1), r2));
            for j in 0..i {
                for r in 0..4 {
                    flags[i] = _mm256_or_si256(flags[i], eq(w[i], rotate(w[j], r)));
                }
            }
        }
        if part > 0 {
            let p = full;
            for s in 0..part {
                let b = broadcast(w[p], s as u8);
                for j in 0..full {
                    flags[j] = _mm256_or_si256(flags[j], eq(w[j], b));
                }
            }
            if part >= 2 {
                let lanes = if part == 2 { 0b0010 } else { 0b0110 };
                let e = _mm256_and_si256(eq(w[p], rotate(w[p], 1)), broadcast_lanes(lanes));
                flags[p] = _mm256_or_si256(flags[p], e);
            }
            if part == 3 {
                let e = _mm256_and_si256(eq(w[p], rotate(w[p], 2)), broadcast_lanes(0b0100));
                flags[p] = _mm256_or_si256(flags[p], e);
            }
        }
        let spare = broadcast(w[(K / 4) as usize], (K % 4) as u8);
        let zero = _mm256_setzero_si256();
        let mut twice = zero;
        for j in 0..full + usize::from(part > 0) {
            let lanes = if j < full { 0b1111 } else { (1u8 << part) - 1 };
            let kept = _mm256_blendv_epi8(w[j], spare, flags[j]);
            let seen = _mm256_and_si256(eq(kept, spare), broadcast_lanes(lanes));
            twice = _mm256_add_epi64(twice, _mm256_sad_epu8(seen, zero));
            _mm256_storeu_si256(out.slots[j][at..at + 4].as_mut_ptr().cast(), kept);
        }
        let slow = _mm256_cmpgt_epi64(twice, _mm256_set1_epi64x(2 * 510 - 1));
        (!_mm256_movemask_pd(_mm256_castsi256_pd(slow)) & 0b1111) as u32
    }
}

/// 0xffff in the 16-bit lanes `lanes` (a 4-bit pattern) of every quadword.
#[inline(always)]
unsafe fn broadcast_lanes(lanes: u8) -> __m256i {
    let mut q = 0u64;
    for s in 0..4 {
        if lanes & (1 << s) != 0 {
            q |= 0xffff << (16 * s);
        }
    }
    // SAFETY: caller has AVX.
    unsafe { _mm256_set1_epi64x(q as i64) }
}

/// Set the `K` ready positions of digest `i` of `l`: position `p` is the
/// low 9 bits of slot `p % 4` of slot word `p / 4`; `bextr` takes the block
/// word (bits 6..9), `shlx` the bit (bits 0..6).
///
/// # Safety
/// The CPU must have BMI1 (the caller's target features).
#[inline(always)]
unsafe fn set_slots_bmi<const K: u32>(block: &mut Block, l: &Located, i: usize) {
    for p in 0..K as usize {
        let t = l.slots[(p / 4) % SLOT_WORDS][i % CHUNK] >> (16 * (p % 4));
        // SAFETY: the caller has BMI1; `bextr` of 3 bits is below 8.
        let word = unsafe { _bextr_u64(t, 6, 3) } as usize;
        block.0[word & 7] |= 1u64 << (t & 63);
    }
}

/// Whether two of the first `K` candidates in `words` (`K` ≤ 16) are
/// equal, in SSE2 (the x86_64 baseline): candidates 0..8 are the eight
/// 16-bit lanes of one vector, 8..16 of another, masked to 9 bits; lanes past
/// `K` hold distinct values above 511 so they equal nothing. Every pair of
/// one vector is compared by rotating it one to four lanes (rotation `r`
/// and `8 - r` meet the same pairs); the second vector's lanes against the
/// first, broadcast lane by lane when it holds one or two candidates (the
/// defaults: `k` = 9), else rotated zero to seven lanes, and against each
/// other as the first.
#[inline(always)]
pub(super) fn first_repeat_sse2<const K: u32>(words: &[u64; 4]) -> bool {
    /// `(valid lanes' 9-bit mask, filler)` for the vector of candidates
    /// `8 * half ..`: lanes past `K` become `0x200 | lane`.
    #[inline(always)]
    fn lanes<const K: u32>(half: u32) -> ([i16; 8], [i16; 8]) {
        let (mut keep, mut fill) = ([0i16; 8], [0i16; 8]);
        for (i, (k, f)) in keep.iter_mut().zip(fill.iter_mut()).enumerate() {
            let lane = 8 * half + i as u32;
            if lane < K {
                *k = 0x1ff;
            } else {
                *f = 0x200 | lane as i16;
            }
        }
        (keep, fill)
    }
    /// The eight lanes of `x`, masked by `keep`, filled by `fill`.
    #[inline(always)]
    unsafe fn load(x: (u64, u64), (keep, fill): ([i16; 8], [i16; 8])) -> __m128i {
        let v = |a: [i16; 8]| {
            // SAFETY: SSE2 is part of the x86_64 baseline.
            unsafe { _mm_setr_epi16(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]) }
        };
        // SAFETY: SSE2 is part of the x86_64 baseline.
        unsafe {
            _mm_or_si128(
                _mm_and_si128(_mm_set_epi64x(x.1 as i64, x.0 as i64), v(keep)),
                v(fill),
            )
        }
    }
    /// `x` rotated by `lanes` 16-bit lanes.
    #[inline(always)]
    unsafe fn rotate(x: __m128i, lanes: u32) -> __m128i {
        // SAFETY: SSE2 is part of the x86_64 baseline.
        unsafe {
            match lanes % 8 {
                0 => x,
                1 => _mm_or_si128(_mm_srli_si128::<2>(x), _mm_slli_si128::<14>(x)),
                2 => _mm_shuffle_epi32::<0b00_11_10_01>(x),
                3 => _mm_or_si128(_mm_srli_si128::<6>(x), _mm_slli_si128::<10>(x)),
                4 => _mm_shuffle_epi32::<0b01_00_11_10>(x),
                5 => _mm_or_si128(_mm_srli_si128::<10>(x), _mm_slli_si128::<6>(x)),
                6 => _mm_shuffle_epi32::<0b10_01_00_11>(x),
                _ => _mm_or_si128(_mm_srli_si128::<14>(x), _mm_slli_si128::<2>(x)),
            }
        }
    }
    /// `eq` with the lanes of `x` equal to another lane of `x` set.
    #[inline(always)]
    unsafe fn pairs_within(x: __m128i, mut eq: __m128i) -> __m128i {
        for r in 1..=4 {
            // SAFETY: SSE2 is part of the x86_64 baseline.
            eq = unsafe { _mm_or_si128(eq, _mm_cmpeq_epi16(x, rotate(x, r))) };
        }
        eq
    }
    // SAFETY: SSE2 is part of the x86_64 baseline.
    unsafe {
        let a = load((words[0], words[1]), lanes::<K>(0));
        let mut eq = _mm_setzero_si128();
        if K >= 2 {
            eq = pairs_within(a, eq);
        }
        if K > 8 {
            let b = load((words[2], words[3]), lanes::<K>(1));
            if K - 8 <= 2 {
                let first = _mm_shuffle_epi32::<0>(_mm_shufflelo_epi16::<0>(b));
                eq = _mm_or_si128(eq, _mm_cmpeq_epi16(a, first));
                if K - 8 == 2 {
                    let second = _mm_shuffle_epi32::<0>(_mm_shufflelo_epi16::<0b01_01_01_01>(b));
                    eq = _mm_or_si128(eq, _mm_cmpeq_epi16(a, second));
                    eq = _mm_or_si128(eq, _mm_cmpeq_epi16(first, second));
                }
            } else {
                eq = pairs_within(b, eq);
                for r in 0..8 {
                    eq = _mm_or_si128(eq, _mm_cmpeq_epi16(b, rotate(a, r)));
                }
            }
        }
        _mm_movemask_epi8(eq) != 0
    }
}

/// `mix64` on eight lanes.
#[inline(always)]
unsafe fn mix8(x: __m512i) -> __m512i {
    // SAFETY: caller has AVX-512F/DQ.
    unsafe {
        let x = _mm512_xor_si512(x, _mm512_srli_epi64::<30>(x));
        let x = _mm512_mullo_epi64(x, _mm512_set1_epi64(MIX_C1 as i64));
        let x = _mm512_xor_si512(x, _mm512_srli_epi64::<27>(x));
        let x = _mm512_mullo_epi64(x, _mm512_set1_epi64(MIX_C2 as i64));
        _mm512_xor_si512(x, _mm512_srli_epi64::<31>(x))
    }
}

/// `locate` for the eight digests at `d`: block indices to `block`, bit keys
/// to `key`; returns the keys. `len` < 2^32, so the high half of `lo * len`
/// is `((lo >> 32) * len + ((lo & 0xffff_ffff) * len >> 32)) >> 32`, exactly.
#[inline(always)]
unsafe fn locate8(seed: u64, len: u64, d: *const Digest, block: *mut usize, key: *mut u64) -> __m512i {
    // SAFETY: caller has AVX-512F/DQ, `d` points at 8 digests (128 bytes),
    // `block` and `key` at 8 writable words each.
    unsafe {
        let a = _mm512_loadu_si512(d.cast());
        let b = _mm512_loadu_si512(d.cast::<u8>().add(64).cast());
        // Digest bytes 0..8 are the low half, 8..16 the high half (LE).
        let lo = _mm512_permutex2var_epi64(a, _mm512_setr_epi64(0, 2, 4, 6, 8, 10, 12, 14), b);
        let hi = _mm512_permutex2var_epi64(a, _mm512_setr_epi64(1, 3, 5, 7, 9, 11, 13, 15), b);
        let lo = mix8(_mm512_xor_si512(lo, _mm512_set1_epi64(seed as i64)));
        let hi_seed = seed.rotate_left(32) ^ HI_SALT;
        let hi = mix8(_mm512_xor_si512(hi, _mm512_set1_epi64(hi_seed as i64)));
        let n = _mm512_set1_epi64(len as i64);
        let upper = _mm512_mul_epu32(_mm512_srli_epi64::<32>(lo), n);
        let lower = _mm512_mul_epu32(lo, n);
        let idx = _mm512_srli_epi64::<32>(_mm512_add_epi64(upper, _mm512_srli_epi64::<32>(lower)));
        _mm512_storeu_si512(block.cast(), idx);
        _mm512_storeu_si512(key.cast(), hi);
        hi
    }
}

/// A `vpshufb` pattern that copies 16-bit slot `s` of every 64-bit lane to
/// all four slots of that lane.
#[inline(always)]
unsafe fn broadcast_slot(s: u32) -> __m512i {
    // Bytes 2s, 2s + 1 of each quadword; the upper quadword of each 128-bit
    // lane is 8 bytes further.
    let lo = 0x0100_0100_0100_0100u64.wrapping_add(0x0202_0202_0202_0202u64.wrapping_mul(u64::from(s)));
    let hi = lo.wrapping_add(0x0808_0808_0808_0808);
    // SAFETY: caller has AVX-512F.
    unsafe {
        _mm512_set_epi64(
            hi as i64, lo as i64, hi as i64, lo as i64, hi as i64, lo as i64, hi as i64, lo as i64,
        )
    }
}

/// A 16-bit-lane mask (four lanes per digest, eight digests) repeating the
/// 4-bit `lanes`.
const fn every_digest(lanes: u32) -> u32 {
    lanes * 0x1111_1111
}

/// Rotate every 64-bit lane left by `R` slots of 16 bits (slot `s` moves to
/// `s + R`).
#[inline(always)]
unsafe fn rotate_slots<const R: u32>(v: __m512i) -> __m512i {
    // SAFETY: caller has AVX-512F.
    unsafe {
        match R % 4 {
            0 => v,
            1 => _mm512_rol_epi64::<16>(v),
            2 => _mm512_rol_epi64::<32>(v),
            _ => _mm512_rol_epi64::<48>(v),
        }
    }
}

/// The first `K` distinct candidate positions of the eight bit keys in
/// `key` (module docs), into `out.slots[..][at..at + 8]`; returns the mask
/// of the digests whose slots hold them (the others repeat positions in a
/// way left to the portable code).
#[inline(always)]
unsafe fn positions8<const K: u32>(key: __m512i, out: &mut Located, at: usize) -> u32 {
    // SAFETY: caller has AVX-512F/DQ/BW; `at + 8 <= CHUNK`, so every store
    // of 8 words at `slots[w][at..]` is in bounds.
    unsafe {
        let full = (K / 4) as usize; // words whose four slots are all positions
        let part = (K % 4) as usize; // positions in the word after them
        let nine_bits = _mm512_set1_epi16(0x1ff);
        let mut w = [_mm512_setzero_si512(); SLOT_WORDS];
        w[0] = _mm512_and_si512(key, nine_bits);
        for (j, wj) in w.iter_mut().enumerate().take(full + 1).skip(1) {
            let salt = _mm512_set1_epi64((j as u64).wrapping_mul(GOLDEN) as i64);
            *wj = _mm512_and_si512(mix8(_mm512_xor_si512(key, salt)), nine_bits);
        }
        // flags[j]: lanes of word j that repeat a candidate (one per equal pair).
        let mut flags = [0u32; SLOT_WORDS];
        for i in 0..full {
            flags[i] |= _mm512_cmpeq_epi16_mask(w[i], rotate_slots::<1>(w[i]));
            flags[i] |= _mm512_mask_cmpeq_epi16_mask(every_digest(0b1100), w[i], rotate_slots::<2>(w[i]));
            for j in 0..i {
                flags[i] |= _mm512_cmpeq_epi16_mask(w[i], w[j]);
                flags[i] |= _mm512_cmpeq_epi16_mask(w[i], rotate_slots::<1>(w[j]));
                flags[i] |= _mm512_cmpeq_epi16_mask(w[i], rotate_slots::<2>(w[j]));
                flags[i] |= _mm512_cmpeq_epi16_mask(w[i], rotate_slots::<3>(w[j]));
            }
        }
        if part > 0 {
            let p = full;
            for s in 0..part {
                let b = _mm512_shuffle_epi8(w[p], broadcast_slot(s as u32));
                for j in 0..full {
                    flags[j] |= _mm512_cmpeq_epi16_mask(w[j], b);
                }
            }
            if part >= 2 {
                let lanes = if part == 2 { 0b0010 } else { 0b0110 };
                flags[p] |= _mm512_mask_cmpeq_epi16_mask(every_digest(lanes), w[p], rotate_slots::<1>(w[p]));
            }
            if part == 3 {
                flags[p] |= _mm512_mask_cmpeq_epi16_mask(every_digest(0b0100), w[p], rotate_slots::<2>(w[p]));
            }
        }
        // The spare, candidate K, in every slot, replaces the flagged lanes;
        // count how often it then appears among the positions.
        let spare = _mm512_shuffle_epi8(w[(K / 4) as usize], broadcast_slot(K % 4));
        let zero = _mm512_setzero_si512();
        let mut twice = zero;
        for (j, (wj, fj)) in w.iter().zip(flags).enumerate().take(full + usize::from(part > 0)) {
            let lanes = if j < full {
                u32::MAX
            } else {
                every_digest((1 << part) - 1)
            };
            let kept = _mm512_mask_mov_epi16(*wj, fj, spare);
            let seen = _mm512_mask_cmpeq_epi16_mask(lanes, kept, spare);
            // Each lane holding the spare adds 2 * 255 to its digest's sum.
            twice = _mm512_add_epi64(twice, _mm512_sad_epu8(_mm512_movm_epi16(seen), zero));
            _mm512_storeu_si512(out.slots[j][at..at + 8].as_mut_ptr().cast(), kept);
        }
        let slow = _mm512_cmpge_epu64_mask(twice, _mm512_set1_epi64(2 * 510));
        u32::from(!slow)
    }
}

#[cfg(test)]
mod tests {
    use super::super::blocked::locate;
    use super::*;

    #[test]
    fn the_vector_locator_agrees_with_the_scalar_one() {
        if Accel::detect() != Some(Accel::Avx512) {
            return;
        }
        let ds: Vec<Digest> = (0..8u8).map(|i| Digest([i.wrapping_mul(37); 16])).collect();
        let (mut block, mut key) = ([0usize; 8], [0u64; 8]);
        #[target_feature(enable = "avx512f,avx512dq,avx512bw")]
        fn run(ds: &[Digest], block: &mut [usize; 8], key: &mut [u64; 8]) {
            // SAFETY: the test checked the CPU; 8 digests, 8 words each.
            unsafe { locate8(11, 1000, ds.as_ptr(), block.as_mut_ptr(), key.as_mut_ptr()) };
        }
        // SAFETY: AVX-512F/DQ/BW detected above.
        unsafe { run(&ds, &mut block, &mut key) };
        for (i, d) in ds.iter().enumerate() {
            assert_eq!((block[i], key[i]), locate(11, 1000, d));
        }
    }
}
