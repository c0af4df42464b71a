//! One window's cache-line-blocked Bloom filter.
//!
//! The digest is already a keyed uniform 128-bit hash, so the filter does not
//! hash again: it re-mixes each half with the window's seed (a bijective
//! 64-bit finalizer, so false positives in two windows are independent) and
//! reads the block index from the low half (multiply-shift range reduction)
//! and `k` 9-bit bit positions from the high half (a fresh mix of it for
//! every 7 positions).

use super::geometry::{BloomGeometry, MAX_HASHES};
pub(crate) use super::memory::FilterBlock as Block;
use super::memory::{FilterAllocator, Memory};
use crate::digest::Digest;

/// A blocked Bloom filter with its own re-mixing seed.
#[derive(Clone, Debug)]
pub(crate) struct BlockedBloom {
    memory: Memory,
    hashes: u32,
    seed: u64,
}

impl PartialEq for BlockedBloom {
    fn eq(&self, other: &Self) -> bool {
        self.hashes == other.hashes && self.seed == other.seed && self.blocks() == other.blocks()
    }
}

impl Eq for BlockedBloom {}

/// Digests located (and their blocks prefetched) together by a batch insert;
/// [`AHEAD`] chunks are in flight while one is set (software pipelining).
pub(super) const CHUNK: usize = 16;

/// First multiplier of [`mix64`].
pub(super) const MIX_C1: u64 = 0xbf58_476d_1ce4_e5b9;
/// Second multiplier of [`mix64`].
pub(super) const MIX_C2: u64 = 0x94d0_49bb_1331_11eb;
/// Mixed into the high half's seed so the two halves draw independently.
pub(super) const HI_SALT: u64 = 0x6a09_e667_f3bc_c909;
/// The 64-bit golden ratio: salts the fresh draws of bit positions 7 and up.
const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

/// The splitmix64 / murmur3 64-bit finalizer: a bijection with full avalanche.
#[inline(always)]
pub(crate) fn mix64(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(MIX_C1);
    x ^= x >> 27;
    x = x.wrapping_mul(MIX_C2);
    x ^ (x >> 31)
}

/// The seed of window number `seq` of a store seeded with `store_seed`.
pub(crate) fn window_seed(store_seed: u64, seq: u64) -> u64 {
    mix64(store_seed ^ mix64(seq.wrapping_add(GOLDEN)))
}

/// Hint the CPU to pull the cache line at `target` into L1 (no effect off
/// x86_64). Any address is allowed: the pointer is never dereferenced.
#[inline(always)]
fn prefetch<T>(target: *const T) {
    #[cfg(target_arch = "x86_64")]
    {
        use core::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: a prefetch is only a hint: it never faults, whatever the
        // address, and changes no memory; SSE is part of the x86_64 baseline.
        #[allow(unused_unsafe)]
        unsafe {
            _mm_prefetch::<_MM_HINT_T0>(target.cast::<i8>())
        };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = target;
}

/// Block index (multiply-shift reduction onto `len`) and the high-half key
/// for the bit positions.
#[inline(always)]
fn locate(seed: u64, len: usize, d: &Digest) -> (usize, u64) {
    let lo = mix64(d.low_u64() ^ seed);
    let hi = mix64(d.high_u64() ^ seed.rotate_left(32) ^ HI_SALT);
    let block = ((u128::from(lo) * len as u128) >> 64) as usize;
    (block, hi)
}

/// Word `j` of bit positions of `key`, holding positions `7j` to `7j + 6` as
/// seven 9-bit fields: the key itself for `j = 0`, else `mix64(key ^ 7j *
/// golden)` (a fresh draw, not the exhausted remainder). Every kernel draws
/// positions through this.
#[inline(always)]
pub(super) fn position_word(key: u64, j: u32) -> u64 {
    if j == 0 {
        key
    } else {
        mix64(key ^ u64::from(7 * j).wrapping_mul(GOLDEN))
    }
}

/// What [`second_word`] XORs into the key before mixing (`7 * golden`).
pub(super) const SECOND_WORD_SALT: u64 = 7u64.wrapping_mul(GOLDEN);

/// The second word of bit positions (positions 7 to 13) of `key`, which
/// the SIMD locator draws ahead.
#[inline(always)]
pub(super) fn second_word(key: u64) -> u64 {
    position_word(key, 1)
}

/// The `i`-th bit position inside a block, for `i` in `0..hashes`: field
/// `i % 7` of [`position_word`] `i / 7`. Calls `f(word, bit)` for each; with
/// a constant `hashes` the loop unrolls.
#[inline(always)]
fn for_each_bit(key: u64, hashes: u32, mut f: impl FnMut(usize, u64)) {
    let mut h = key;
    for i in 0..hashes {
        if i != 0 && i % 7 == 0 {
            h = position_word(key, i / 7);
        }
        // Position `h & 511`: word `(h >> 6) & 7`, bit `h & 63`.
        f(((h >> 6) & 7) as usize, 1u64 << (h & 63));
        h >>= 9;
    }
}

/// Set the bits of `key` in `block`.
#[inline(always)]
fn set_bits<const K: u32>(block: &mut Block, key: u64, hashes: u32) {
    // K == 0 stands for "not specialised": use the runtime count.
    let k = if K == 0 { hashes } else { K };
    // `word` < 8 (three bits): `& 7` lets the compiler drop the bounds check.
    for_each_bit(key, k, |word, bit| block.0[word & 7] |= bit);
}

/// A located chunk of at most [`CHUNK`] digests: for each its block index,
/// bit key and, when the kernel draws it ahead, the [`second_word`] of the
/// key; the first `len` entries are valid.
#[derive(Clone, Copy)]
pub(super) struct Located {
    pub(super) block: [usize; CHUNK],
    pub(super) key: [u64; CHUNK],
    pub(super) key2: [u64; CHUNK],
    pub(super) len: usize,
}

impl Located {
    const EMPTY: Located = Located {
        block: [0; CHUNK],
        key: [0; CHUNK],
        key2: [0; CHUNK],
        len: 0,
    };
}

/// How a batch insert finds the blocks and bit keys of a chunk of digests,
/// and sets a digest's bits: the portable code by default, CPU-specific
/// kernels in `blocked_x86`. `K` is the hash count when specialised (0: the
/// runtime count), as in [`dispatch_k`].
pub(super) trait BatchKernel {
    /// Block index and bit key (and, if this kernel uses it, the second
    /// position word) of every digest of `chunk` (at most [`CHUNK`]), in
    /// order, into `out`; sets `out.len`.
    fn locate_chunk<const K: u32>(seed: u64, len: usize, chunk: &[Digest], out: &mut Located);

    /// Set the bits of `key` in `block`, exactly as [`set_bits`] does;
    /// `key2` is what `locate_chunk` stored for it.
    #[inline(always)]
    fn set_bits<const K: u32>(block: &mut Block, key: u64, key2: u64, hashes: u32) {
        let _ = key2;
        set_bits::<K>(block, key, hashes);
    }
}

/// One digest at a time, on every target (draws no second word ahead).
pub(super) struct Portable;

impl BatchKernel for Portable {
    #[inline(always)]
    fn locate_chunk<const K: u32>(seed: u64, len: usize, chunk: &[Digest], out: &mut Located) {
        for ((b, k), d) in out.block.iter_mut().zip(out.key.iter_mut()).zip(chunk) {
            (*b, *k) = locate(seed, len, d);
        }
        out.len = chunk.len().min(CHUNK);
    }
}

/// Chunks located (and their blocks prefetched) before the first chunk's
/// bits are set: chunk `j + AHEAD` is located while chunk `j` is set, so a
/// line is requested `AHEAD` to `AHEAD + 1` chunks before it is written, and
/// a short batch (at most `AHEAD` chunks) is wholly prefetched first.
pub(super) const AHEAD: usize = 2;

/// Ring of located chunks: the `AHEAD` in flight and the one being set.
const RING: usize = AHEAD + 1;

/// Add `digests`: locate and prefetch chunk `j + AHEAD` while setting chunk `j`.
#[inline(always)]
pub(super) fn insert_batch_k<const K: u32, L: BatchKernel>(
    blocks: &mut [Block],
    hashes: u32,
    seed: u64,
    digests: &[Digest],
) {
    // A function, not a closure: closures do not inherit the caller's
    // target features, so SIMD locators would not be inlined into them.
    #[inline(always)]
    fn locate_all<const K: u32, L: BatchKernel>(
        seed: u64,
        slot: &mut Located,
        chunk: &[Digest],
        blocks: &[Block],
    ) {
        L::locate_chunk::<K>(seed, blocks.len(), chunk, slot);
        // All CHUNK entries, so the loop unrolls with no branch; entries past
        // `len` are earlier chunks' blocks (or 0): hinting them is harmless.
        for &b in &slot.block {
            prefetch(blocks.as_ptr().wrapping_add(b));
        }
    }
    let mut ring = [Located::EMPTY; RING];
    let mut chunks = digests.chunks(CHUNK);
    let mut located = 0;
    for slot in ring.iter_mut().take(AHEAD) {
        let Some(c) = chunks.next() else { break };
        locate_all::<K, L>(seed, slot, c, blocks);
        located += 1;
    }
    let mut set = 0;
    while set < located {
        if let Some(c) = chunks.next() {
            locate_all::<K, L>(seed, &mut ring[located % RING], c, blocks);
            located += 1;
        }
        let l = &ring[set % RING];
        let n = l.len;
        for ((&block, &key), &key2) in l.block[..n].iter().zip(&l.key[..n]).zip(&l.key2[..n]) {
            // `block` < len by the multiply-shift reduction; `get_mut` keeps it panic-free.
            if let Some(b) = blocks.get_mut(block) {
                L::set_bits::<K>(b, key, key2, hashes);
            }
        }
        set += 1;
    }
}

/// Expands to a `match` on the hash count calling `$f::<K>` (or
/// `$f::<K, $l>` with a [`BatchKernel`]) with a constant `K` for every count
/// up to 16 (and `K = 0`, the runtime count, otherwise), so the bit loop
/// unrolls.
macro_rules! dispatch_k {
    ($hashes:expr, $f:ident $([ $l:ty ])? ( $($arg:expr),* )) => {
        match $hashes {
            1 => $f::<1 $(, $l)?>($($arg),*),
            2 => $f::<2 $(, $l)?>($($arg),*),
            3 => $f::<3 $(, $l)?>($($arg),*),
            4 => $f::<4 $(, $l)?>($($arg),*),
            5 => $f::<5 $(, $l)?>($($arg),*),
            6 => $f::<6 $(, $l)?>($($arg),*),
            7 => $f::<7 $(, $l)?>($($arg),*),
            8 => $f::<8 $(, $l)?>($($arg),*),
            9 => $f::<9 $(, $l)?>($($arg),*),
            10 => $f::<10 $(, $l)?>($($arg),*),
            11 => $f::<11 $(, $l)?>($($arg),*),
            12 => $f::<12 $(, $l)?>($($arg),*),
            13 => $f::<13 $(, $l)?>($($arg),*),
            14 => $f::<14 $(, $l)?>($($arg),*),
            15 => $f::<15 $(, $l)?>($($arg),*),
            16 => $f::<16 $(, $l)?>($($arg),*),
            _ => $f::<0 $(, $l)?>($($arg),*),
        }
    };
}
pub(super) use dispatch_k;

impl BlockedBloom {
    /// An empty filter of the given shape, on the heap.
    #[cfg(test)]
    pub(crate) fn new(geometry: BloomGeometry, seed: u64) -> Self {
        Self::new_in(geometry, seed, None)
    }

    /// An empty filter of the given shape, in memory from `alloc` when given
    /// (the heap otherwise).
    pub(crate) fn new_in(geometry: BloomGeometry, seed: u64, alloc: Option<&dyn FilterAllocator>) -> Self {
        BlockedBloom {
            memory: Memory::zeroed(geometry.blocks.max(1), alloc),
            hashes: geometry.hashes.clamp(1, MAX_HASHES),
            seed,
        }
    }

    /// Empty this filter in place for a new window seeded `seed`, keeping
    /// its memory (heap or allocator's); `false`, and unchanged, if its
    /// shape is not `geometry`.
    pub(crate) fn reset(&mut self, geometry: BloomGeometry, seed: u64) -> bool {
        if self.geometry() != geometry {
            return false;
        }
        self.memory.blocks_mut().fill(Block::default());
        self.seed = seed;
        true
    }

    /// Rebuild from stored parts (already validated by the caller).
    pub(crate) fn from_parts(blocks: Vec<Block>, hashes: u32, seed: u64) -> Self {
        BlockedBloom {
            memory: Memory::Heap(blocks),
            hashes,
            seed,
        }
    }

    pub(crate) fn blocks(&self) -> &[Block] {
        self.memory.blocks()
    }

    pub(crate) fn hashes(&self) -> u32 {
        self.hashes
    }

    pub(crate) fn seed(&self) -> u64 {
        self.seed
    }

    pub(crate) fn geometry(&self) -> BloomGeometry {
        BloomGeometry {
            blocks: self.blocks().len(),
            hashes: self.hashes,
        }
    }

    /// Add one digest.
    #[inline]
    pub(crate) fn insert(&mut self, d: &Digest) {
        let (hashes, seed) = (self.hashes, self.seed);
        let blocks = self.memory.blocks_mut();
        let (block, key) = locate(seed, blocks.len(), d);
        if let Some(b) = blocks.get_mut(block) {
            dispatch_k!(hashes, set_bits(b, key, hashes));
        }
    }

    /// Add many digests: blocks are located and prefetched one chunk ahead
    /// of setting their bits, with the bit loop specialised for the hash count.
    pub(crate) fn insert_batch(&mut self, digests: &[Digest]) {
        let (hashes, seed) = (self.hashes, self.seed);
        let blocks = self.memory.blocks_mut();
        #[cfg(target_arch = "x86_64")]
        if let Some(accel) = super::blocked_x86::Accel::detect() {
            accel.insert_batch(blocks, hashes, seed, digests);
            return;
        }
        dispatch_k!(hashes, insert_batch_k[Portable](blocks, hashes, seed, digests));
    }

    /// Whether the digest may have been added.
    #[inline]
    pub(crate) fn contains(&self, d: &Digest) -> bool {
        let blocks = self.blocks();
        let (block, key) = locate(self.seed, blocks.len(), d);
        match blocks.get(block) {
            Some(b) => {
                let mut all = true;
                for_each_bit(key, self.hashes, |word, bit| all &= b.0[word & 7] & bit != 0);
                all
            }
            None => false,
        }
    }

    /// Bits currently set.
    pub(crate) fn count_ones(&self) -> u64 {
        self.blocks()
            .iter()
            .flat_map(|b| b.0)
            .map(|w| u64::from(w.count_ones()))
            .sum()
    }

    /// Filter memory in bytes.
    pub(crate) fn memory_bytes(&self) -> usize {
        core::mem::size_of_val(self.blocks())
    }
}

#[cfg(test)]
mod tests {
    use super::super::geometry::BLOCK_BITS;
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

    /// The bit layout of the first implementation (a mask built per insert),
    /// kept here to prove the specialised paths set the same bits: stored
    /// filters (`docs/storage.md`) stay readable.
    fn reference_mask(key: u64, hashes: u32) -> [u64; 8] {
        let mut m = [0u64; 8];
        let mut h = key;
        for i in 0..hashes {
            if i != 0 && i % 7 == 0 {
                h = mix64(key ^ u64::from(i).wrapping_mul(0x9e37_79b9_7f4a_7c15));
            }
            let pos = (h as usize) & (BLOCK_BITS - 1);
            h >>= 9;
            m[pos >> 6] |= 1u64 << (pos & 63);
        }
        m
    }

    type InsertPath = Box<dyn Fn(&mut [Block], u32, u64, &[Digest])>;

    /// Every batch-insert path this CPU can run, named.
    fn paths() -> Vec<(String, InsertPath)> {
        let portable: InsertPath =
            Box::new(|b, h, s, d| dispatch_k!(h, insert_batch_k[Portable](b, h, s, d)));
        #[allow(unused_mut)]
        let mut v = vec![("portable".to_owned(), portable)];
        #[cfg(target_arch = "x86_64")]
        for accel in super::super::blocked_x86::Accel::available() {
            let path: InsertPath = Box::new(move |b, h, s, d| accel.insert_batch(b, h, s, d));
            v.push((format!("{accel:?}"), path));
        }
        v
    }

    #[test]
    fn every_hash_count_sets_the_reference_bits_single_and_batched() {
        let ds: Vec<Digest> = (0..203u32)
            .map(|i| {
                let mut b = [0u8; 16];
                b[..4].copy_from_slice(&i.wrapping_mul(0x9e37_79b9).to_le_bytes());
                b[8..12].copy_from_slice(&i.to_le_bytes());
                Digest(b)
            })
            .collect();
        for hashes in 1..=MAX_HASHES {
            let g = BloomGeometry { blocks: 37, hashes };
            let mut want = vec![Block::default(); g.blocks];
            for d in &ds {
                let (block, key) = locate(5, g.blocks, d);
                for (w, m) in want[block].0.iter_mut().zip(reference_mask(key, hashes)) {
                    *w |= m;
                }
            }
            let mut single = BlockedBloom::new(g, 5);
            ds.iter().for_each(|d| single.insert(d));
            assert_eq!(single.blocks(), &want[..], "k={hashes} single");
            // Batches of every length around the chunk size, on the path
            // this CPU takes and on every path it can run.
            for len in [
                1,
                CHUNK - 1,
                CHUNK,
                CHUNK + 1,
                2 * CHUNK + 3,
                RING * CHUNK + 5,
                ds.len(),
            ] {
                let mut batched = BlockedBloom::new(g, 5);
                ds.chunks(len).for_each(|c| batched.insert_batch(c));
                assert_eq!(batched.blocks(), &want[..], "k={hashes} batch {len}");
                for (name, path) in paths() {
                    let mut blocks = vec![Block::default(); g.blocks];
                    ds.chunks(len).for_each(|c| path(&mut blocks, hashes, 5, c));
                    assert_eq!(blocks, want, "k={hashes} batch {len} {name}");
                }
            }
            assert!(ds.iter().all(|d| single.contains(d)), "k={hashes}");
        }
    }

    /// Memory handed out by a test allocator, counted.
    #[derive(Debug, Default)]
    struct CountingAllocator(std::sync::atomic::AtomicUsize);

    #[derive(Debug)]
    struct Owned(Vec<Block>);

    impl super::super::memory::FilterMemory for Owned {
        fn blocks(&self) -> &[Block] {
            &self.0
        }
        fn blocks_mut(&mut self) -> &mut [Block] {
            &mut self.0
        }
    }

    impl FilterAllocator for CountingAllocator {
        fn allocate_zeroed(&self, blocks: usize) -> Option<Box<dyn super::super::memory::FilterMemory>> {
            // Every other call fails, to exercise the heap fallback.
            let n = self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            n.is_multiple_of(2)
                .then(|| Box::new(Owned(vec![Block::default(); blocks])) as _)
        }
    }

    #[test]
    fn allocator_memory_behaves_like_the_heap() {
        let g = BloomGeometry {
            blocks: 50,
            hashes: 10,
        };
        let alloc = CountingAllocator::default();
        let mut ext = BlockedBloom::new_in(g, 9, Some(&alloc));
        let mut fallback = BlockedBloom::new_in(g, 9, Some(&alloc));
        let mut heap = BlockedBloom::new(g, 9);
        assert!(ext.memory.is_external() && !fallback.memory.is_external());
        let ds: Vec<Digest> = (0..300u16).map(|i| Digest([(i % 251) as u8; 16])).collect();
        for f in [&mut ext, &mut fallback, &mut heap] {
            f.insert_batch(&ds[..200]);
            ds[200..].iter().for_each(|d| f.insert(d));
        }
        assert_eq!(ext, heap);
        assert_eq!(fallback, heap);
        let copy = ext.clone();
        assert!(!copy.memory.is_external());
        assert_eq!(copy, heap);
        assert_eq!(alloc.0.load(std::sync::atomic::Ordering::Relaxed), 2);
    }
}
