//! One window's cache-line-blocked Bloom filter.
//!
//! The digest is already a keyed uniform 128-bit hash, so the filter does not
//! hash again: it re-mixes each half with the window's seed (a bijective
//! 64-bit finalizer, so false positives in two windows are independent) and
//! reads the block index from the low half (multiply-shift range reduction)
//! and `k` 9-bit bit positions from the high half (a fresh mix of it for
//! every 7 positions).

use super::geometry::{BloomGeometry, BLOCK_BITS};
use crate::digest::Digest;

/// One 64-byte, 64-byte-aligned block.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C, align(64))]
pub(crate) struct Block(pub(crate) [u64; 8]);

/// A blocked Bloom filter with its own re-mixing seed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct BlockedBloom {
    blocks: Vec<Block>,
    hashes: u32,
    seed: u64,
}

/// Batches are processed in chunks of this many digests (locate + prefetch, then set).
const CHUNK: usize = 32;

/// The splitmix64 / murmur3 64-bit finalizer: a bijection with full avalanche.
#[inline(always)]
pub(crate) fn mix64(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The seed of window number `seq` of a store seeded with `store_seed`.
pub(crate) fn window_seed(store_seed: u64, seq: u64) -> u64 {
    mix64(store_seed ^ mix64(seq.wrapping_add(0x9e37_79b9_7f4a_7c15)))
}

/// Hint the CPU to pull the cache line holding `target` (no effect off x86_64).
#[inline(always)]
fn prefetch<T>(target: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use core::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: a prefetch is only a hint: it never faults or changes memory,
        // and `target` is a valid reference; SSE is part of the x86_64 baseline.
        #[allow(unused_unsafe)]
        unsafe {
            _mm_prefetch::<_MM_HINT_T0>((target as *const T).cast::<i8>())
        };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = target;
}

impl BlockedBloom {
    /// An empty filter of the given shape.
    pub(crate) fn new(geometry: BloomGeometry, seed: u64) -> Self {
        BlockedBloom {
            blocks: vec![Block::default(); geometry.blocks.max(1)],
            hashes: geometry.hashes.max(1),
            seed,
        }
    }

    /// Rebuild from stored parts (already validated by the caller).
    pub(crate) fn from_parts(blocks: Vec<Block>, hashes: u32, seed: u64) -> Self {
        BlockedBloom { blocks, hashes, seed }
    }

    pub(crate) fn blocks(&self) -> &[Block] {
        &self.blocks
    }

    pub(crate) fn hashes(&self) -> u32 {
        self.hashes
    }

    pub(crate) fn seed(&self) -> u64 {
        self.seed
    }

    pub(crate) fn geometry(&self) -> BloomGeometry {
        BloomGeometry {
            blocks: self.blocks.len(),
            hashes: self.hashes,
        }
    }

    /// Block index and the high-half key for the bit positions.
    #[inline(always)]
    fn locate(&self, d: &Digest) -> (usize, u64) {
        let lo = mix64(d.low_u64() ^ self.seed);
        let hi = mix64(d.high_u64() ^ self.seed.rotate_left(32) ^ 0x6a09_e667_f3bc_c909);
        let block = ((u128::from(lo) * self.blocks.len() as u128) >> 64) as usize;
        (block, hi)
    }

    /// The k-bit mask inside a block.
    #[inline(always)]
    fn mask(&self, key: u64) -> [u64; 8] {
        let mut m = [0u64; 8];
        let mut h = key;
        for i in 0..self.hashes {
            if i != 0 && i % 7 == 0 {
                // Seven 9-bit fields used up: draw the next word from the key, not from
                // the exhausted remainder.
                h = mix64(key ^ u64::from(i).wrapping_mul(0x9e37_79b9_7f4a_7c15));
            }
            let pos = (h as usize) & (BLOCK_BITS - 1);
            h >>= 9;
            m[pos >> 6] |= 1u64 << (pos & 63);
        }
        m
    }

    #[inline(always)]
    fn set(&mut self, block: usize, h: u64) {
        let m = self.mask(h);
        // `block` comes from a multiply-shift reduction, so it is < len; `get_mut` keeps it panic-free.
        if let Some(b) = self.blocks.get_mut(block) {
            for (w, bits) in b.0.iter_mut().zip(m) {
                *w |= bits;
            }
        }
    }

    /// Add one digest.
    #[inline]
    pub(crate) fn insert(&mut self, d: &Digest) {
        let (block, h) = self.locate(d);
        self.set(block, h);
    }

    /// Add many digests: locate and prefetch a chunk's blocks, then set their bits.
    pub(crate) fn insert_batch(&mut self, digests: &[Digest]) {
        let mut located = [(0usize, 0u64); CHUNK];
        for chunk in digests.chunks(CHUNK) {
            for (slot, d) in located.iter_mut().zip(chunk) {
                *slot = self.locate(d);
                if let Some(b) = self.blocks.get(slot.0) {
                    prefetch(b);
                }
            }
            for &(block, h) in &located[..chunk.len()] {
                self.set(block, h);
            }
        }
    }

    /// Whether the digest may have been added.
    #[inline]
    pub(crate) fn contains(&self, d: &Digest) -> bool {
        let (block, h) = self.locate(d);
        let m = self.mask(h);
        match self.blocks.get(block) {
            Some(b) => b.0.iter().zip(m).all(|(w, bits)| w & bits == bits),
            None => false,
        }
    }

    /// Bits currently set.
    pub(crate) fn count_ones(&self) -> u64 {
        self.blocks
            .iter()
            .flat_map(|b| b.0)
            .map(|w| u64::from(w.count_ones()))
            .sum()
    }

    /// Filter memory in bytes.
    pub(crate) fn memory_bytes(&self) -> usize {
        core::mem::size_of_val(self.blocks.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_cache_line_aligned_and_sets_k_bits() {
        let g = BloomGeometry { blocks: 4, hashes: 9 };
        let mut f = BlockedBloom::new(g, 7);
        assert_eq!(f.blocks().as_ptr() as usize % 64, 0);
        let d = Digest([3; 16]);
        assert!(!f.contains(&d));
        f.insert(&d);
        assert!(f.contains(&d));
        let ones = f.count_ones();
        assert!((1..=9).contains(&ones), "{ones}");
        // Batch and single inserts set the same bits.
        let ds: Vec<Digest> = (0..100u8).map(|i| Digest([i; 16])).collect();
        let mut a = BlockedBloom::new(g, 7);
        let mut b = BlockedBloom::new(g, 7);
        ds.iter().for_each(|d| a.insert(d));
        b.insert_batch(&ds);
        assert_eq!(a, b);
        // Positions beyond the seventh are as random as the first seven: the
        // fill after n inserts matches 1 - (1 - 1/512)^(k n / blocks).
        let g12 = BloomGeometry {
            blocks: 64,
            hashes: 12,
        };
        let mut f12 = BlockedBloom::new(g12, 1);
        for i in 0..2000u32 {
            let mut b = [0u8; 16];
            b[..4].copy_from_slice(&i.to_le_bytes());
            b[8..12].copy_from_slice(&(i.wrapping_mul(2_654_435_761)).to_le_bytes());
            f12.insert(&Digest(b));
        }
        let fill = f12.count_ones() as f64 / g12.bits() as f64;
        let expect = 1.0 - (1.0 - 1.0 / 512.0f64).powf(12.0 * 2000.0 / 64.0);
        assert!((fill - expect).abs() < 0.02, "{fill} vs {expect}");
        // Another seed puts the digest elsewhere.
        let mut c = BlockedBloom::new(g, 8);
        c.insert(&d);
        assert_ne!(c.blocks(), f.blocks());
    }
}
