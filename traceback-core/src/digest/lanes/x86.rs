//! x86_64 lanes: SSE2 and SSSE3 (4 lanes), AVX2 (8 lanes), AVX-512 (16 lanes).
//!
//! Every `unsafe` of the lanes module that depends on the CPU lives here.
//! Each backend is a zero-sized token that can only be built by runtime
//! feature detection, so holding one proves the CPU supports the backend and
//! its `compress` method is safe to call.

use super::compress::{compress, Lane};
use core::arch::x86_64::*;

macro_rules! token {
    ($(#[$doc:meta])* $name:ident, $feature:tt, $lanes:literal, $vec:ty, $inner:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(super) struct $name(());

        impl $name {
            /// The token, if this CPU supports the backend.
            pub(super) fn detect() -> Option<Self> {
                is_x86_feature_detected!($feature).then_some($name(()))
            }

            /// Keyed single-block BLAKE3 of one message per lane.
            #[inline]
            pub(super) fn compress(
                self,
                key: &[u32; 8],
                msg: &[[u32; $lanes]; 16],
                block_len: &[u32; $lanes],
                out: &mut [[u32; $lanes]; 4],
            ) {
                // SAFETY: `self` exists only if `detect` saw the feature.
                unsafe { $inner(key, msg, block_len, out) }
            }
        }

        #[target_feature(enable = $feature)]
        fn $inner(
            key: &[u32; 8],
            msg: &[[u32; $lanes]; 16],
            block_len: &[u32; $lanes],
            out: &mut [[u32; $lanes]; 4],
        ) {
            // SAFETY: this function is compiled for, and only called on a CPU
            // with, the feature `$vec` needs.
            unsafe { compress::<$vec>(key, msg, block_len, out) }
        }
    };
}

token!(
    /// 4 lanes with SSE2 (baseline of x86_64; rotations by shifts).
    Sse2, "sse2", 4, X128, compress_sse2
);
token!(
    /// 4 lanes with SSSE3 (byte shuffles for the rotations by 16 and 8).
    Ssse3, "ssse3", 4, X128Shuffle, compress_ssse3
);
token!(
    /// 8 lanes with AVX2.
    Avx2, "avx2", 8, Y256, compress_avx2
);
token!(
    /// 16 lanes with AVX-512F (native rotations).
    Avx512, "avx512f", 16, Z512, compress_avx512
);

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
