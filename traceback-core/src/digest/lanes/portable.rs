//! Portable lanes: plain arrays of `u32`, one element per message.
//!
//! Runs everywhere; the compiler may vectorize the per-lane loops with the
//! baseline instruction set of the target.

use super::compress::{compress_blocks, Lane};

/// `N` lanes held in an array.
#[derive(Clone, Copy)]
struct Portable<const N: usize>([u32; N]);

impl<const N: usize> Portable<N> {
    #[inline(always)]
    fn map2(self, o: Self, f: impl Fn(u32, u32) -> u32) -> Self {
        let mut r = self.0;
        for (x, y) in r.iter_mut().zip(o.0) {
            *x = f(*x, y);
        }
        Portable(r)
    }

    #[inline(always)]
    fn rotr(self, n: u32) -> Self {
        Portable(self.0.map(|x| x.rotate_right(n)))
    }
}

// These methods use no instruction beyond the target baseline, so the
// `unsafe` marker of the trait carries no obligation here.
impl<const N: usize> Lane for Portable<N> {
    type Words = [u32; N];
    #[inline(always)]
    unsafe fn splat(x: u32) -> Self {
        Portable([x; N])
    }
    #[inline(always)]
    unsafe fn load(w: &[u32; N]) -> Self {
        Portable(*w)
    }
    #[inline(always)]
    unsafe fn store(self, w: &mut [u32; N]) {
        *w = self.0;
    }
    #[inline(always)]
    unsafe fn add(self, o: Self) -> Self {
        self.map2(o, u32::wrapping_add)
    }
    #[inline(always)]
    unsafe fn xor(self, o: Self) -> Self {
        self.map2(o, |a, b| a ^ b)
    }
    #[inline(always)]
    unsafe fn rotr16(self) -> Self {
        self.rotr(16)
    }
    #[inline(always)]
    unsafe fn rotr12(self) -> Self {
        self.rotr(12)
    }
    #[inline(always)]
    unsafe fn rotr8(self) -> Self {
        self.rotr(8)
    }
    #[inline(always)]
    unsafe fn rotr7(self) -> Self {
        self.rotr(7)
    }
}

/// Keyed single-block BLAKE3 of `N` message blocks with portable code.
pub(super) fn compress_portable<const N: usize>(
    key: &[u32; 8],
    blocks: &[&[u8; 64]; N],
    block_len: &[u32; N],
    out: &mut [[u8; 16]; N],
) {
    // SAFETY: `Portable` uses only baseline operations of every target.
    unsafe { compress_blocks::<Portable<N>, N>(key, blocks, block_len, out) }
}
