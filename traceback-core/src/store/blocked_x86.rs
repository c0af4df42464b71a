//! x86_64 paths of the blocked Bloom filter's batch insert: AVX-512 locates
//! eight digests per step (the two 64-bit mixes and the block index in
//! vector lanes), BMI2 makes the bit loop's variable shifts one instruction.
//!
//! Every CPU-dependent `unsafe` of the store is here. The bits set are
//! exactly those of the portable path (tested for every hash count).

use super::blocked::{insert_batch_k, Block, LocateChunk, CHUNK, HI_SALT, MIX_C1, MIX_C2};
use crate::digest::Digest;
use core::arch::x86_64::*;

/// Which accelerated path this CPU can run, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Accel {
    /// AVX-512F + AVX-512DQ (64-bit lane multiplies) and BMI2.
    Avx512,
    /// BMI2 only.
    Bmi2,
}

impl Accel {
    /// The best path of this CPU (runtime detection, cached by std).
    #[inline]
    pub(super) fn detect() -> Option<Accel> {
        if is_x86_feature_detected!("avx512f")
            && is_x86_feature_detected!("avx512dq")
            && is_x86_feature_detected!("bmi2")
        {
            Some(Accel::Avx512)
        } else if is_x86_feature_detected!("bmi2") {
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

/// The portable batch insert compiled with BMI2 (`shlx`, `shrx`).
#[target_feature(enable = "bmi2")]
fn insert_bmi2(blocks: &mut [Block], hashes: u32, seed: u64, digests: &[Digest]) {
    super::blocked::dispatch_k!(
        hashes,
        insert_batch_k[super::blocked::ScalarLocate](blocks, hashes, seed, digests)
    );
}

/// The batch insert with [`Avx512Locate`], compiled with AVX-512 and BMI2.
#[target_feature(enable = "avx512f,avx512dq,bmi2")]
fn insert_avx512(blocks: &mut [Block], hashes: u32, seed: u64, digests: &[Digest]) {
    super::blocked::dispatch_k!(
        hashes,
        insert_batch_k[Avx512Locate](blocks, hashes, seed, digests)
    );
}

/// Locates a full chunk eight digests at a time in 64-bit vector lanes;
/// a short chunk goes digest by digest.
pub(super) struct Avx512Locate;

impl LocateChunk for Avx512Locate {
    #[inline(always)]
    fn locate_chunk(
        seed: u64,
        len: usize,
        chunk: &[Digest],
        block: &mut [usize; CHUNK],
        key: &mut [u64; CHUNK],
    ) {
        if chunk.len() != CHUNK {
            return super::blocked::ScalarLocate::locate_chunk(seed, len, chunk, block, key);
        }
        for ((d, b), k) in chunk
            .chunks_exact(8)
            .zip(block.chunks_exact_mut(8))
            .zip(key.chunks_exact_mut(8))
        {
            // SAFETY: only reached from `insert_avx512` (AVX-512F/DQ
            // present); `d`, `b` and `k` are 8 items each.
            unsafe { locate8(seed, len as u64, d.as_ptr(), b.as_mut_ptr(), k.as_mut_ptr()) };
        }
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
/// to `key`. `len` < 2^32, so the high half of `lo * len` is
/// `((lo >> 32) * len + ((lo & 0xffff_ffff) * len >> 32)) >> 32`, exactly.
#[inline(always)]
unsafe fn locate8(seed: u64, len: u64, d: *const Digest, block: *mut usize, key: *mut u64) {
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
    }
}
