//! x86_64 paths of the blocked Bloom filter's batch insert: AVX-512 locates
//! eight digests per step (the two 64-bit mixes and the block index in
//! vector lanes); BMI1/BMI2 make each bit of the bit loop four instructions
//! (`rorx` to bring the position down, `shlx` for the bit, `bextr` for the
//! word, one `or` into the block).
//!
//! Every CPU-dependent `unsafe` of the store is here. The bits set are
//! exactly those of the portable path (tested for every hash count).

use super::blocked::{
    insert_batch_k, position_word, second_word, BatchKernel, Block, Located, Portable, CHUNK, HI_SALT,
    MIX_C1, MIX_C2, SECOND_WORD_SALT,
};
use crate::digest::Digest;
use core::arch::x86_64::*;

/// Which accelerated path this CPU can run, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Accel {
    /// AVX-512F + AVX-512DQ (64-bit lane multiplies), BMI1 and BMI2.
    Avx512,
    /// BMI1 and BMI2.
    Bmi2,
}

impl Accel {
    /// The best path of this CPU (runtime detection, cached by std).
    #[inline]
    pub(super) fn detect() -> Option<Accel> {
        let bmi = is_x86_feature_detected!("bmi1") && is_x86_feature_detected!("bmi2");
        if bmi && is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512dq") {
            Some(Accel::Avx512)
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
            Some(Accel::Avx512) => vec![Accel::Bmi2, Accel::Avx512],
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
                _ => insert_bmi2(blocks, hashes, seed, digests),
            }
        }
    }
}

/// The batch insert with [`Bmi`], compiled with BMI1 and BMI2.
#[target_feature(enable = "bmi1,bmi2")]
fn insert_bmi2(blocks: &mut [Block], hashes: u32, seed: u64, digests: &[Digest]) {
    super::blocked::dispatch_k!(hashes, insert_batch_k[Bmi](blocks, hashes, seed, digests));
}

/// The batch insert with [`Avx512`], compiled with AVX-512, BMI1 and BMI2.
#[target_feature(enable = "avx512f,avx512dq,bmi1,bmi2")]
fn insert_avx512(blocks: &mut [Block], hashes: u32, seed: u64, digests: &[Digest]) {
    super::blocked::dispatch_k!(hashes, insert_batch_k[Avx512](blocks, hashes, seed, digests));
}

/// The bits of `key` in `block`, as the portable `set_bits` sets them:
/// position `i` is bits `9 (i % 7)` to `9 (i % 7) + 8` of `key` for `i < 7`,
/// of `key2` (the [`second_word`], drawn ahead by the locator) for the next
/// seven, and of [`position_word`] `i / 7` beyond. Rotating the word right
/// by `9 (i % 7)` brings the position to bits 0..9: `shlx` reads the bit
/// number from bits 0..6 by itself, `bextr` the word from bits 6..9, and no
/// shifted copy of the word is kept.
///
/// # Safety
/// The CPU must have BMI1 and BMI2 (the caller's target features).
#[inline(always)]
unsafe fn set_bits_bmi<const K: u32>(block: &mut Block, key: u64, key2: u64, hashes: u32) {
    // K == 0 stands for "not specialised": use the runtime count.
    let k = if K == 0 { hashes } else { K };
    let mut src = key;
    for i in 0..k {
        if i == 7 {
            src = key2;
        } else if i != 0 && i % 7 == 0 {
            src = position_word(key, i / 7);
        }
        let t = src.rotate_right(9 * (i % 7));
        // SAFETY: the caller has BMI1; `bextr` of 3 bits is below 8.
        let word = unsafe { _bextr_u64(t, 6, 3) } as usize;
        block.0[word & 7] |= 1u64 << (t & 63);
    }
}

/// Whether bit setting with `K` hashes (0: the runtime count) reads the
/// second position word.
const fn needs_key2<const K: u32>() -> bool {
    K == 0 || K > 7
}

/// Locates digest by digest (drawing the second word when `K` needs it);
/// sets bits with [`set_bits_bmi`].
pub(super) struct Bmi;

impl BatchKernel for Bmi {
    #[inline(always)]
    fn locate_chunk<const K: u32>(seed: u64, len: usize, chunk: &[Digest], out: &mut Located) {
        Portable::locate_chunk::<K>(seed, len, chunk, out);
        if needs_key2::<K>() {
            for (k2, &k) in out.key2.iter_mut().zip(&out.key).take(out.len) {
                *k2 = second_word(k);
            }
        }
    }

    #[inline(always)]
    fn set_bits<const K: u32>(block: &mut Block, key: u64, key2: u64, hashes: u32) {
        // SAFETY: only reached from `insert_bmi2` and `insert_avx512`, which
        // `Accel::detect` runs only when the CPU has BMI1 and BMI2.
        unsafe { set_bits_bmi::<K>(block, key, key2, hashes) }
    }
}

/// Locates a full chunk eight digests at a time in 64-bit vector lanes,
/// second words included (a short chunk goes as [`Bmi`] does); sets bits
/// with [`set_bits_bmi`].
pub(super) struct Avx512;

impl BatchKernel for Avx512 {
    #[inline(always)]
    fn locate_chunk<const K: u32>(seed: u64, len: usize, chunk: &[Digest], out: &mut Located) {
        if chunk.len() != CHUNK {
            return Bmi::locate_chunk::<K>(seed, len, chunk, out);
        }
        for (j, d) in chunk.chunks_exact(8).enumerate() {
            let at = j * 8;
            // SAFETY: only reached from `insert_avx512` (AVX-512F/DQ
            // present); `d` is 8 digests and `at + 8 <= CHUNK`.
            unsafe {
                locate8::<K>(
                    seed,
                    len as u64,
                    d.as_ptr(),
                    out.block[at..at + 8].as_mut_ptr(),
                    out.key[at..at + 8].as_mut_ptr(),
                    out.key2[at..at + 8].as_mut_ptr(),
                )
            };
        }
        out.len = CHUNK;
    }

    #[inline(always)]
    fn set_bits<const K: u32>(block: &mut Block, key: u64, key2: u64, hashes: u32) {
        // SAFETY: only reached from `insert_avx512` (BMI1 and BMI2 present).
        unsafe { set_bits_bmi::<K>(block, key, key2, hashes) }
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
/// to `key`, and their second words to `key2` when `K` needs them. `len` <
/// 2^32, so the high half of `lo * len` is
/// `((lo >> 32) * len + ((lo & 0xffff_ffff) * len >> 32)) >> 32`, exactly.
#[inline(always)]
unsafe fn locate8<const K: u32>(
    seed: u64,
    len: u64,
    d: *const Digest,
    block: *mut usize,
    key: *mut u64,
    key2: *mut u64,
) {
    // SAFETY: caller has AVX-512F/DQ, `d` points at 8 digests (128 bytes),
    // `block`, `key` and `key2` at 8 writable words each.
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
        if needs_key2::<K>() {
            // `second_word` in lanes: mix64(key ^ 7 golden).
            let salt = _mm512_set1_epi64(SECOND_WORD_SALT as i64);
            _mm512_storeu_si512(key2.cast(), mix8(_mm512_xor_si512(hi, salt)));
        }
    }
}
