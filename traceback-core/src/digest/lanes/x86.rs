//! x86_64 lanes: SSE2 and SSSE3 (4 lanes), AVX2 (8 lanes), AVX-512 (16 lanes).
//!
//! Every `unsafe` of the lanes module that depends on the CPU lives here.
//! Each backend is a zero-sized token that can only be built by runtime
//! feature detection, so holding one proves the CPU supports the backend and
//! its `compress` method is safe to call.

use super::compress::{compress_blocks, compress_vectors, Lane};
use core::arch::x86_64::*;

macro_rules! token {
    ($(#[$doc:meta])* $name:ident, $feature:tt, $lanes:literal, $inner:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(super) struct $name(());

        impl $name {
            /// The token, if this CPU supports the backend.
            pub(super) fn detect() -> Option<Self> {
                is_x86_feature_detected!($feature).then_some($name(()))
            }

            /// Keyed single-block BLAKE3 of one 64-byte message block per
            /// lane (zero padded past its length); lane `l`'s digest goes to
            /// `out[l]`.
            #[inline]
            pub(super) fn compress(
                self,
                key: &[u32; 8],
                blocks: &[&[u8; 64]; $lanes],
                block_len: &[u32; $lanes],
                out: &mut [[u8; 16]; $lanes],
            ) {
                // SAFETY: `self` exists only if `detect` saw the feature.
                unsafe { $inner(key, blocks, block_len, out) }
            }
        }
    };
}

token!(
    /// 4 lanes with SSE2 (baseline of x86_64; rotations by shifts).
    Sse2, "sse2", 4, compress_sse2
);
token!(
    /// 4 lanes with SSSE3 (byte shuffles for the rotations by 16 and 8).
    Ssse3, "ssse3", 4, compress_ssse3
);
token!(
    /// 8 lanes with AVX2 (blocks moved into lanes by an 8x8 transpose).
    Avx2, "avx2", 8, compress_avx2
);
token!(
    /// 16 lanes with AVX-512F (native rotations, 16x16 transpose).
    Avx512, "avx512f", 16, compress_avx512
);

#[target_feature(enable = "sse2")]
fn compress_sse2(key: &[u32; 8], blocks: &[&[u8; 64]; 4], lens: &[u32; 4], out: &mut [[u8; 16]; 4]) {
    // SAFETY: compiled for, and only called on a CPU with, SSE2.
    unsafe { compress_blocks::<X128, 4>(key, blocks, lens, out) }
}

#[target_feature(enable = "ssse3")]
fn compress_ssse3(key: &[u32; 8], blocks: &[&[u8; 64]; 4], lens: &[u32; 4], out: &mut [[u8; 16]; 4]) {
    // SAFETY: compiled for, and only called on a CPU with, SSSE3.
    unsafe { compress_blocks::<X128Shuffle, 4>(key, blocks, lens, out) }
}

/// AVX2: each block is two 8-word halves; an 8x8 transpose of 32-bit words
/// per half (unpack 32, unpack 64, 128-bit lane permute) puts word `w` of
/// every message in vector `w`, and a 4x8 transpose brings the digests back.
#[target_feature(enable = "avx2")]
fn compress_avx2(key: &[u32; 8], blocks: &[&[u8; 64]; 8], lens: &[u32; 8], out: &mut [[u8; 16]; 8]) {
    // SAFETY: compiled for, and only called on a CPU with, AVX2. Every load
    // reads 32 bytes inside a 64-byte block; the stores write 4 x 32 bytes
    // into `out`, which is 128 bytes.
    unsafe {
        let mut m = [Y256(_mm256_setzero_si256()); 16];
        for half in 0..2 {
            let mut r = [_mm256_setzero_si256(); 8];
            for (v, b) in r.iter_mut().zip(blocks) {
                *v = _mm256_loadu_si256(b.as_ptr().add(32 * half).cast());
            }
            let cols = transpose8(&r);
            for (k, c) in cols.into_iter().enumerate() {
                m[8 * half + k] = Y256(c);
            }
        }
        let o = compress_vectors::<Y256>(key, &m, Y256::load(lens));
        let t0 = _mm256_unpacklo_epi32(o[0].0, o[1].0);
        let t1 = _mm256_unpackhi_epi32(o[0].0, o[1].0);
        let t2 = _mm256_unpacklo_epi32(o[2].0, o[3].0);
        let t3 = _mm256_unpackhi_epi32(o[2].0, o[3].0);
        // d_k holds the digests of messages k (low half) and 4 + k (high).
        let d0 = _mm256_unpacklo_epi64(t0, t2);
        let d1 = _mm256_unpackhi_epi64(t0, t2);
        let d2 = _mm256_unpacklo_epi64(t1, t3);
        let d3 = _mm256_unpackhi_epi64(t1, t3);
        let p = out.as_mut_ptr().cast::<__m256i>();
        _mm256_storeu_si256(p, _mm256_permute2x128_si256::<0x20>(d0, d1));
        _mm256_storeu_si256(p.add(1), _mm256_permute2x128_si256::<0x20>(d2, d3));
        _mm256_storeu_si256(p.add(2), _mm256_permute2x128_si256::<0x31>(d0, d1));
        _mm256_storeu_si256(p.add(3), _mm256_permute2x128_si256::<0x31>(d2, d3));
    }
}

/// Transpose 8 rows of 8 words: word `k` of every row into vector `k`.
#[inline(always)]
unsafe fn transpose8(r: &[__m256i; 8]) -> [__m256i; 8] {
    // SAFETY: only called from `compress_avx2` (AVX2 available).
    unsafe {
        // Within each 128-bit half j, u[4g + k] = word 4j + k of rows
        // 4g..4g + 4.
        let mut u = [_mm256_setzero_si256(); 8];
        for g in 0..2 {
            let b = 4 * g;
            let t0 = _mm256_unpacklo_epi32(r[b], r[b + 1]);
            let t1 = _mm256_unpackhi_epi32(r[b], r[b + 1]);
            let t2 = _mm256_unpacklo_epi32(r[b + 2], r[b + 3]);
            let t3 = _mm256_unpackhi_epi32(r[b + 2], r[b + 3]);
            u[b] = _mm256_unpacklo_epi64(t0, t2);
            u[b + 1] = _mm256_unpackhi_epi64(t0, t2);
            u[b + 2] = _mm256_unpacklo_epi64(t1, t3);
            u[b + 3] = _mm256_unpackhi_epi64(t1, t3);
        }
        let mut c = [_mm256_setzero_si256(); 8];
        for k in 0..4 {
            c[k] = _mm256_permute2x128_si256::<0x20>(u[k], u[4 + k]);
            c[4 + k] = _mm256_permute2x128_si256::<0x31>(u[k], u[4 + k]);
        }
        c
    }
}

/// AVX-512: a 16x16 transpose of 32-bit words (unpack 32, unpack 64, two
/// rounds of 128-bit lane shuffles) puts word `w` of every message in vector
/// `w`; a 4x16 transpose brings the digests back.
#[target_feature(enable = "avx512f")]
fn compress_avx512(key: &[u32; 8], blocks: &[&[u8; 64]; 16], lens: &[u32; 16], out: &mut [[u8; 16]; 16]) {
    // SAFETY: compiled for, and only called on a CPU with, AVX-512F. Every
    // load reads one 64-byte block; the stores write 4 x 64 bytes into
    // `out`, which is 256 bytes.
    unsafe {
        let mut r = [_mm512_setzero_si512(); 16];
        for (v, b) in r.iter_mut().zip(blocks) {
            *v = _mm512_loadu_si512(b.as_ptr().cast());
        }
        let cols = transpose16(&r);
        let mut m = [Z512(_mm512_setzero_si512()); 16];
        for (v, c) in m.iter_mut().zip(cols) {
            *v = Z512(c);
        }
        let o = compress_vectors::<Z512>(key, &m, Z512::load(lens));
        let t0 = _mm512_unpacklo_epi32(o[0].0, o[1].0);
        let t1 = _mm512_unpackhi_epi32(o[0].0, o[1].0);
        let t2 = _mm512_unpacklo_epi32(o[2].0, o[3].0);
        let t3 = _mm512_unpackhi_epi32(o[2].0, o[3].0);
        // 128-bit lane j of d_k is the digest of message 4j + k.
        let d0 = _mm512_unpacklo_epi64(t0, t2);
        let d1 = _mm512_unpackhi_epi64(t0, t2);
        let d2 = _mm512_unpacklo_epi64(t1, t3);
        let d3 = _mm512_unpackhi_epi64(t1, t3);
        let [x, y, x2, y2] = [
            _mm512_shuffle_i32x4::<0x44>(d0, d1),
            _mm512_shuffle_i32x4::<0x44>(d2, d3),
            _mm512_shuffle_i32x4::<0xEE>(d0, d1),
            _mm512_shuffle_i32x4::<0xEE>(d2, d3),
        ];
        let p = out.as_mut_ptr().cast::<__m512i>();
        _mm512_storeu_si512(p, _mm512_shuffle_i32x4::<0x88>(x, y));
        _mm512_storeu_si512(p.add(1), _mm512_shuffle_i32x4::<0xDD>(x, y));
        _mm512_storeu_si512(p.add(2), _mm512_shuffle_i32x4::<0x88>(x2, y2));
        _mm512_storeu_si512(p.add(3), _mm512_shuffle_i32x4::<0xDD>(x2, y2));
    }
}

/// Transpose 16 rows of 16 words: word `w` of every row into vector `w`.
#[inline(always)]
unsafe fn transpose16(r: &[__m512i; 16]) -> [__m512i; 16] {
    // SAFETY: only called from `compress_avx512` (AVX-512F available).
    unsafe {
        // Within each 128-bit lane j, u[4g + k] = word 4j + k of rows
        // 4g..4g + 4.
        let mut u = [_mm512_setzero_si512(); 16];
        for g in 0..4 {
            let b = 4 * g;
            let t0 = _mm512_unpacklo_epi32(r[b], r[b + 1]);
            let t1 = _mm512_unpackhi_epi32(r[b], r[b + 1]);
            let t2 = _mm512_unpacklo_epi32(r[b + 2], r[b + 3]);
            let t3 = _mm512_unpackhi_epi32(r[b + 2], r[b + 3]);
            u[b] = _mm512_unpacklo_epi64(t0, t2);
            u[b + 1] = _mm512_unpackhi_epi64(t0, t2);
            u[b + 2] = _mm512_unpacklo_epi64(t1, t3);
            u[b + 3] = _mm512_unpackhi_epi64(t1, t3);
        }
        // Gather lane j of u[k], u[4 + k], u[8 + k], u[12 + k]: word 4j + k
        // of rows 0..16.
        let mut c = [_mm512_setzero_si512(); 16];
        for k in 0..4 {
            let x = _mm512_shuffle_i32x4::<0x44>(u[k], u[4 + k]);
            let y = _mm512_shuffle_i32x4::<0x44>(u[8 + k], u[12 + k]);
            let x2 = _mm512_shuffle_i32x4::<0xEE>(u[k], u[4 + k]);
            let y2 = _mm512_shuffle_i32x4::<0xEE>(u[8 + k], u[12 + k]);
            c[k] = _mm512_shuffle_i32x4::<0x88>(x, y);
            c[4 + k] = _mm512_shuffle_i32x4::<0xDD>(x, y);
            c[8 + k] = _mm512_shuffle_i32x4::<0x88>(x2, y2);
            c[12 + k] = _mm512_shuffle_i32x4::<0xDD>(x2, y2);
        }
        c
    }
}

/// Byte shuffle rotating each 32-bit lane right by 16.
const ROT16_BYTES: [u8; 16] = [2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13];
/// Byte shuffle rotating each 32-bit lane right by 8.
const ROT8_BYTES: [u8; 16] = [1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12];

/// Shared SSE2 operations of both 4-lane backends.
macro_rules! sse2_common {
    () => {
        type Words = [u32; 4];
        #[inline(always)]
        unsafe fn splat(x: u32) -> Self {
            // SAFETY: the trait contract (the CPU has the feature).
            unsafe { Self(_mm_set1_epi32(x as i32)) }
        }
        #[inline(always)]
        unsafe fn load(w: &[u32; 4]) -> Self {
            // SAFETY: the trait contract (the CPU has the feature).
            unsafe {
                // `w` is 16 readable bytes; loadu needs no alignment.
                Self(_mm_loadu_si128(w.as_ptr().cast()))
            }
        }
        #[inline(always)]
        unsafe fn store(self, w: &mut [u32; 4]) {
            // SAFETY: the trait contract (the CPU has the feature).
            unsafe {
                // `w` is 16 writable bytes; storeu needs no alignment.
                _mm_storeu_si128(w.as_mut_ptr().cast(), self.0)
            }
        }
        #[inline(always)]
        unsafe fn add(self, o: Self) -> Self {
            // SAFETY: the trait contract (the CPU has the feature).
            unsafe { Self(_mm_add_epi32(self.0, o.0)) }
        }
        #[inline(always)]
        unsafe fn xor(self, o: Self) -> Self {
            // SAFETY: the trait contract (the CPU has the feature).
            unsafe { Self(_mm_xor_si128(self.0, o.0)) }
        }
        #[inline(always)]
        unsafe fn rotr12(self) -> Self {
            // SAFETY: the trait contract (the CPU has the feature).
            unsafe {
                Self(_mm_or_si128(
                    _mm_srli_epi32::<12>(self.0),
                    _mm_slli_epi32::<20>(self.0),
                ))
            }
        }
        #[inline(always)]
        unsafe fn rotr7(self) -> Self {
            // SAFETY: the trait contract (the CPU has the feature).
            unsafe {
                Self(_mm_or_si128(
                    _mm_srli_epi32::<7>(self.0),
                    _mm_slli_epi32::<25>(self.0),
                ))
            }
        }
    };
}

#[derive(Clone, Copy)]
struct X128(__m128i);

// SAFETY (trait contract): only reached through `compress_sse2`, compiled
// with and called under SSE2.
impl Lane for X128 {
    sse2_common!();
    #[inline(always)]
    unsafe fn rotr16(self) -> Self {
        // SAFETY: the trait contract (the CPU has the feature).
        unsafe {
            Self(_mm_or_si128(
                _mm_srli_epi32::<16>(self.0),
                _mm_slli_epi32::<16>(self.0),
            ))
        }
    }
    #[inline(always)]
    unsafe fn rotr8(self) -> Self {
        // SAFETY: the trait contract (the CPU has the feature).
        unsafe {
            Self(_mm_or_si128(
                _mm_srli_epi32::<8>(self.0),
                _mm_slli_epi32::<24>(self.0),
            ))
        }
    }
}

#[derive(Clone, Copy)]
struct X128Shuffle(__m128i);

// SAFETY (trait contract): only reached through `compress_ssse3`, compiled
// with and called under SSSE3.
impl Lane for X128Shuffle {
    sse2_common!();
    #[inline(always)]
    unsafe fn rotr16(self) -> Self {
        // SAFETY: the trait contract (the CPU has the feature).
        unsafe {
            // The table is 16 readable bytes.
            let t = _mm_loadu_si128(ROT16_BYTES.as_ptr().cast());
            Self(_mm_shuffle_epi8(self.0, t))
        }
    }
    #[inline(always)]
    unsafe fn rotr8(self) -> Self {
        // SAFETY: the trait contract (the CPU has the feature).
        unsafe {
            // The table is 16 readable bytes.
            let t = _mm_loadu_si128(ROT8_BYTES.as_ptr().cast());
            Self(_mm_shuffle_epi8(self.0, t))
        }
    }
}

#[derive(Clone, Copy)]
struct Y256(__m256i);

// SAFETY (trait contract): only reached through `compress_avx2`, compiled
// with and called under AVX2.
impl Lane for Y256 {
    type Words = [u32; 8];
    #[inline(always)]
    unsafe fn splat(x: u32) -> Self {
        // SAFETY: the trait contract (the CPU has the feature).
        unsafe { Self(_mm256_set1_epi32(x as i32)) }
    }
    #[inline(always)]
    unsafe fn load(w: &[u32; 8]) -> Self {
        // SAFETY: the trait contract (the CPU has the feature).
        unsafe {
            // `w` is 32 readable bytes; loadu needs no alignment.
            Self(_mm256_loadu_si256(w.as_ptr().cast()))
        }
    }
    #[inline(always)]
    unsafe fn store(self, w: &mut [u32; 8]) {
        // SAFETY: the trait contract (the CPU has the feature).
        unsafe {
            // `w` is 32 writable bytes; storeu needs no alignment.
            _mm256_storeu_si256(w.as_mut_ptr().cast(), self.0)
        }
    }
    #[inline(always)]
    unsafe fn add(self, o: Self) -> Self {
        // SAFETY: the trait contract (the CPU has the feature).
        unsafe { Self(_mm256_add_epi32(self.0, o.0)) }
    }
    #[inline(always)]
    unsafe fn xor(self, o: Self) -> Self {
        // SAFETY: the trait contract (the CPU has the feature).
        unsafe { Self(_mm256_xor_si256(self.0, o.0)) }
    }
    #[inline(always)]
    unsafe fn rotr16(self) -> Self {
        // SAFETY: the trait contract (the CPU has the feature).
        unsafe {
            let t = _mm256_broadcastsi128_si256(
                // The table is 16 readable bytes.
                _mm_loadu_si128(ROT16_BYTES.as_ptr().cast()),
            );
            Self(_mm256_shuffle_epi8(self.0, t))
        }
    }
    #[inline(always)]
    unsafe fn rotr12(self) -> Self {
        // SAFETY: the trait contract (the CPU has the feature).
        unsafe {
            Self(_mm256_or_si256(
                _mm256_srli_epi32::<12>(self.0),
                _mm256_slli_epi32::<20>(self.0),
            ))
        }
    }
    #[inline(always)]
    unsafe fn rotr8(self) -> Self {
        // SAFETY: the trait contract (the CPU has the feature).
        unsafe {
            let t = _mm256_broadcastsi128_si256(
                // The table is 16 readable bytes.
                _mm_loadu_si128(ROT8_BYTES.as_ptr().cast()),
            );
            Self(_mm256_shuffle_epi8(self.0, t))
        }
    }
    #[inline(always)]
    unsafe fn rotr7(self) -> Self {
        // SAFETY: the trait contract (the CPU has the feature).
        unsafe {
            Self(_mm256_or_si256(
                _mm256_srli_epi32::<7>(self.0),
                _mm256_slli_epi32::<25>(self.0),
            ))
        }
    }
}

#[derive(Clone, Copy)]
struct Z512(__m512i);

// SAFETY (trait contract): only reached through `compress_avx512`, compiled
// with and called under AVX-512F.
impl Lane for Z512 {
    type Words = [u32; 16];
    #[inline(always)]
    unsafe fn splat(x: u32) -> Self {
        // SAFETY: the trait contract (the CPU has the feature).
        unsafe { Self(_mm512_set1_epi32(x as i32)) }
    }
    #[inline(always)]
    unsafe fn load(w: &[u32; 16]) -> Self {
        // SAFETY: the trait contract (the CPU has the feature).
        unsafe {
            // `w` is 64 readable bytes; loadu needs no alignment.
            Self(_mm512_loadu_si512(w.as_ptr().cast()))
        }
    }
    #[inline(always)]
    unsafe fn store(self, w: &mut [u32; 16]) {
        // SAFETY: the trait contract (the CPU has the feature).
        unsafe {
            // `w` is 64 writable bytes; storeu needs no alignment.
            _mm512_storeu_si512(w.as_mut_ptr().cast(), self.0)
        }
    }
    #[inline(always)]
    unsafe fn add(self, o: Self) -> Self {
        // SAFETY: the trait contract (the CPU has the feature).
        unsafe { Self(_mm512_add_epi32(self.0, o.0)) }
    }
    #[inline(always)]
    unsafe fn xor(self, o: Self) -> Self {
        // SAFETY: the trait contract (the CPU has the feature).
        unsafe { Self(_mm512_xor_si512(self.0, o.0)) }
    }
    #[inline(always)]
    unsafe fn rotr16(self) -> Self {
        // SAFETY: the trait contract (the CPU has the feature).
        unsafe { Self(_mm512_ror_epi32::<16>(self.0)) }
    }
    #[inline(always)]
    unsafe fn rotr12(self) -> Self {
        // SAFETY: the trait contract (the CPU has the feature).
        unsafe { Self(_mm512_ror_epi32::<12>(self.0)) }
    }
    #[inline(always)]
    unsafe fn rotr8(self) -> Self {
        // SAFETY: the trait contract (the CPU has the feature).
        unsafe { Self(_mm512_ror_epi32::<8>(self.0)) }
    }
    #[inline(always)]
    unsafe fn rotr7(self) -> Self {
        // SAFETY: the trait contract (the CPU has the feature).
        unsafe { Self(_mm512_ror_epi32::<7>(self.0)) }
    }
}
