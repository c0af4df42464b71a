//! One window's cache-line-blocked Bloom filter.
//!
//! The digest is already a keyed uniform 128-bit hash, so the filter does not
//! hash again: it re-mixes each half with the window's seed (a bijective
//! 64-bit finalizer, so false positives in two windows are independent),
//! reads the block index from the low half (multiply-shift range reduction)
//! and the bit positions from the high half, the bit key
//! ([`positions`](super::positions) has both layouts).
//!
//! Batch inserts are software-pipelined: chunk `j + AHEAD` is located and
//! its blocks prefetched while the bits of chunk `j` are set.

use super::geometry::{BitLayout, BloomGeometry, MAX_HASHES};
pub(crate) use super::memory::FilterBlock as Block;
use super::memory::{FilterAllocator, Memory};
use super::positions::{has_distinct_k, has_mask, replacement_mask, set_distinct_k, set_mask};
use crate::digest::Digest;

/// A blocked Bloom filter with its own re-mixing seed.
#[derive(Clone, Debug)]
pub(crate) struct BlockedBloom {
    memory: Memory,
    hashes: u32,
    seed: u64,
    layout: BitLayout,
}

impl PartialEq for BlockedBloom {
    fn eq(&self, other: &Self) -> bool {
        self.hashes == other.hashes
            && self.seed == other.seed
            && self.layout == other.layout
            && self.blocks() == other.blocks()
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
    mix64(store_seed ^ mix64(seq.wrapping_add(super::positions::GOLDEN)))
}

/// Hint the CPU to bring the cache line at `target` into its L2 cache (no
/// effect off x86_64). Any address is allowed: the pointer is never
/// dereferenced.
///
/// L2, not L1 (`T1`, not `T0`): a line requested into L1 holds one of the
/// few L1 miss buffers until it arrives, so prefetches into L1 stall once a
/// few dozen lines are in flight, and with filters beyond the caches the
/// insert then waits on memory. Into L2 they stay in flight in the L2's
/// larger queue; the bit loop's load then finds the line in L2. Measured on
/// the bench machine (Zen 4) with 29 MB filters: 1.4x to 1.5x the insert rate
/// of `T0`; equal within noise when the filter fits in L2
/// (`docs/performance.md`).
#[inline(always)]
fn prefetch<T>(target: *const T) {
    #[cfg(target_arch = "x86_64")]
    {
        use core::arch::x86_64::{_mm_prefetch, _MM_HINT_T1};
        // SAFETY: a prefetch is only a hint: it never faults, whatever the
        // address, and changes no memory; SSE is part of the x86_64 baseline.
        #[allow(unused_unsafe)]
        unsafe {
            _mm_prefetch::<_MM_HINT_T1>(target.cast::<i8>())
        };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = target;
}

/// Block index (multiply-shift reduction onto `len`) and the bit key.
#[inline(always)]
pub(super) fn locate(seed: u64, len: usize, d: &Digest) -> (usize, u64) {
    let lo = mix64(d.low_u64() ^ seed);
    let hi = mix64(d.high_u64() ^ seed.rotate_left(32) ^ HI_SALT);
    let block = ((u128::from(lo) * len as u128) >> 64) as usize;
    (block, hi)
}

/// Candidate words a SIMD locator may draw per digest (positions 0 to 15).
pub(super) const SLOT_WORDS: usize = 4;

/// The largest `k` whose positions a SIMD locator finds ([`SLOT_WORDS`]
/// words hold `k` positions and one spare candidate).
pub(super) const MAX_SLOT_K: u32 = 15;

/// A located chunk of at most [`CHUNK`] digests; the first `len` entries
/// are valid. A locator may also find the final positions of a digest: then
/// its bit in `ready` is set and `slots[w][i]` holds positions `4w` to `4w +
/// 3` of digest `i` (each the low 9 bits of a 16-bit slot); the others are
/// set from `key` by [`positions`](super::positions).
#[derive(Clone, Copy)]
pub(super) struct Located {
    pub(super) block: [usize; CHUNK],
    pub(super) key: [u64; CHUNK],
    pub(super) slots: [[u64; CHUNK]; SLOT_WORDS],
    pub(super) ready: u32,
    pub(super) len: usize,
}

impl Located {
    const EMPTY: Located = Located {
        block: [0; CHUNK],
        key: [0; CHUNK],
        slots: [[0; CHUNK]; SLOT_WORDS],
        ready: 0,
        len: 0,
    };
}

/// How a batch insert finds the blocks and bit keys of a chunk of digests,
/// and sets a digest's bits (distinct layout): the portable code by default,
/// CPU-specific kernels in `blocked_x86`. `K` is the hash count when
/// specialised (0: the runtime count), as in [`dispatch_k`].
pub(super) trait BatchKernel {
    /// Block index and bit key (and, if this kernel finds them, the final
    /// positions) of every digest of `chunk` (at most [`CHUNK`]), in order,
    /// into `out`; sets `out.len`.
    fn locate_chunk<const K: u32>(seed: u64, len: usize, chunk: &[Digest], out: &mut Located);

    /// Set the bits of digest `i` of `l` in `block`, exactly as
    /// `positions::distinct_mask` places them: from its key (a kernel whose
    /// locator finds positions sets its ready digests from their slots).
    #[inline(always)]
    fn set_bits<const K: u32>(block: &mut Block, l: &Located, i: usize, hashes: u32) {
        set_distinct_k::<K>(block, l.key[i % CHUNK], hashes);
    }
}

/// One digest at a time, on every target; positions from the key.
pub(super) struct Portable;

impl BatchKernel for Portable {
    #[inline(always)]
    fn locate_chunk<const K: u32>(seed: u64, len: usize, chunk: &[Digest], out: &mut Located) {
        for ((b, k), d) in out.block.iter_mut().zip(out.key.iter_mut()).zip(chunk) {
            (*b, *k) = locate(seed, len, d);
        }
        out.ready = 0;
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

/// Add `digests` (distinct layout): locate and prefetch chunk `j + AHEAD`
/// while setting chunk `j`.
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
        for i in 0..l.len.min(CHUNK) {
            // `block` < len by the multiply-shift reduction; `get_mut` keeps it panic-free.
            if let Some(b) = blocks.get_mut(l.block[i]) {
                L::set_bits::<K>(b, l, i, hashes);
            }
        }
        set += 1;
    }
}

/// Expands to a `match` on the hash count calling `$f::<K>` (or
/// `$f::<K, $l>` with a [`BatchKernel`]) with a constant `K` for every count
/// up to [`MAX_SLOT_K`] (and `K = 0`, the runtime count, otherwise), so the
/// locators and bit loops unroll. (Also a plain function: `$f::<K>(args)`.)
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
            layout: geometry.layout,
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
    pub(crate) fn from_parts(blocks: Vec<Block>, hashes: u32, seed: u64, layout: BitLayout) -> Self {
        BlockedBloom {
            memory: Memory::Heap(blocks),
            hashes,
            seed,
            layout,
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

    pub(crate) fn layout(&self) -> BitLayout {
        self.layout
    }

    pub(crate) fn geometry(&self) -> BloomGeometry {
        BloomGeometry {
            blocks: self.blocks().len(),
            hashes: self.hashes,
            layout: self.layout,
        }
    }

    /// Add one digest.
    #[inline]
    pub(crate) fn insert(&mut self, d: &Digest) {
        let (hashes, layout) = (self.hashes, self.layout);
        let (block, key) = locate(self.seed, self.blocks().len(), d);
        if let Some(b) = self.memory.blocks_mut().get_mut(block) {
            match layout {
                BitLayout::Replacement => set_mask(b, replacement_mask(key, hashes)),
                BitLayout::Distinct => dispatch_k!(hashes, set_distinct_k(b, key, hashes)),
            }
        }
    }

    /// Add many digests: blocks are located and prefetched ahead of setting
    /// their bits, with the locator and bit loop specialised for the hash
    /// count.
    pub(crate) fn insert_batch(&mut self, digests: &[Digest]) {
        if self.layout != BitLayout::Distinct {
            // Only windows read from old stores have another layout, and
            // they are sealed: nothing inserts there but tests.
            return digests.iter().for_each(|d| self.insert(d));
        }
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
        let (hashes, blocks) = (self.hashes, self.blocks());
        let (block, key) = locate(self.seed, blocks.len(), d);
        blocks.get(block).is_some_and(|b| match self.layout {
            BitLayout::Replacement => has_mask(b, replacement_mask(key, hashes)),
            BitLayout::Distinct => dispatch_k!(hashes, has_distinct_k(b, key, hashes)),
        })
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
    use super::super::positions::{candidate_word, distinct_mask};
    use super::*;

    fn geometry(blocks: usize, hashes: u32) -> BloomGeometry {
        BloomGeometry {
            blocks,
            hashes,
            layout: BitLayout::Distinct,
        }
    }

    #[test]
    fn blocks_are_cache_line_aligned_and_an_element_sets_k_bits() {
        let g = geometry(4, 9);
        let mut f = BlockedBloom::new(g, 7);
        assert_eq!(f.blocks().as_ptr() as usize % 64, 0);
        let d = Digest([3; 16]);
        assert!(!f.contains(&d));
        f.insert(&d);
        assert!(f.contains(&d));
        assert_eq!(f.count_ones(), 9);
        // Batch and single inserts set the same bits.
        let ds: Vec<Digest> = (0..100u8).map(|i| Digest([i; 16])).collect();
        let mut a = BlockedBloom::new(g, 7);
        let mut b = BlockedBloom::new(g, 7);
        ds.iter().for_each(|d| a.insert(d));
        b.insert_batch(&ds);
        assert_eq!(a, b);
        // The fill after n inserts matches 1 - (1 - k/512)^(n / blocks).
        let g12 = geometry(64, 12);
        let mut f12 = BlockedBloom::new(g12, 1);
        for i in 0..2000u32 {
            let mut b = [0u8; 16];
            b[..4].copy_from_slice(&i.to_le_bytes());
            b[8..12].copy_from_slice(&(i.wrapping_mul(2_654_435_761)).to_le_bytes());
            f12.insert(&Digest(b));
        }
        let fill = f12.count_ones() as f64 / g12.bits() as f64;
        let expect = 1.0 - (1.0 - 12.0 / 512.0f64).powf(2000.0 / 64.0);
        assert!((fill - expect).abs() < 0.02, "{fill} vs {expect}");
        // Another seed puts the digest elsewhere.
        let mut c = BlockedBloom::new(g, 8);
        c.insert(&d);
        assert_ne!(c.blocks(), f.blocks());
    }

    /// The inverse of [`mix64`], to build digests with a chosen bit key.
    fn unmix64(mut x: u64) -> u64 {
        fn unshift(x: u64, s: u32) -> u64 {
            let mut y = x;
            for _ in 0..64 / s {
                y = x ^ (y >> s);
            }
            y
        }
        fn inverse(a: u64) -> u64 {
            // Newton's iteration for the inverse of an odd number mod 2^64.
            let mut v = a;
            for _ in 0..6 {
                v = v.wrapping_mul(2u64.wrapping_sub(a.wrapping_mul(v)));
            }
            v
        }
        x = unshift(x, 31);
        x = x.wrapping_mul(inverse(MIX_C2));
        x = unshift(x, 27);
        x = x.wrapping_mul(inverse(MIX_C1));
        unshift(x, 30)
    }

    /// Digests whose bit keys under `seed` repeat candidate positions in
    /// every pattern the first word can hold (pairs, triples, all four
    /// equal, two pairs), then random ones.
    fn digests_with_repeats(seed: u64, random: u32) -> Vec<Digest> {
        let mut ds = Vec::new();
        let slot = |v: u64, s: u32| (v & 511) << (16 * s);
        for i in 0..400u64 {
            let (a, b) = (mix64(i) & 511, mix64(i ^ 77) & 511);
            let noise = mix64(i ^ 5) & 0xfe00_fe00_fe00_fe00;
            let keys = [
                slot(a, 0) | slot(a, 1) | slot(b, 2) | slot(a ^ 1, 3),
                slot(a, 0) | slot(b, 1) | slot(a, 2) | slot(a, 3),
                slot(a, 0) | slot(a, 1) | slot(a, 2) | slot(a, 3),
                slot(a, 0) | slot(b, 1) | slot(a, 2) | slot(b, 3),
                slot(b, 0) | slot(a, 1) | slot(a ^ 3, 2) | slot(a, 3),
            ];
            for key in keys {
                let key = key | noise;
                let hi = unmix64(key) ^ seed.rotate_left(32) ^ HI_SALT;
                let mut d = [0u8; 16];
                d[..8].copy_from_slice(&mix64(i ^ 0xabc).to_le_bytes());
                d[8..].copy_from_slice(&hi.to_le_bytes());
                assert_eq!(locate(seed, 1, &Digest(d)).1, key);
                ds.push(Digest(d));
            }
        }
        for i in 0..random {
            let mut b = [0u8; 16];
            b[..8].copy_from_slice(&mix64(u64::from(i)).to_le_bytes());
            b[8..].copy_from_slice(&mix64(u64::from(i) ^ 0x5555).to_le_bytes());
            ds.push(Digest(b));
        }
        ds
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
        let seed = 5;
        let ds = digests_with_repeats(seed, 6_000);
        // The crafted keys do repeat candidates.
        let repeats = ds
            .iter()
            .filter(|d| {
                let key = locate(seed, 1, d).1;
                let mut c: Vec<u64> = (0..4).map(|s| (key >> (16 * s)) & 511).collect();
                c.sort_unstable();
                c.dedup();
                c.len() < 4
            })
            .count();
        assert!(repeats >= 2_000, "{repeats}");
        for hashes in 1..=MAX_HASHES {
            let g = geometry(37, hashes);
            let mut want = vec![Block::default(); g.blocks];
            for d in &ds {
                let (block, key) = locate(seed, g.blocks, d);
                set_mask(&mut want[block], distinct_mask(key, hashes));
            }
            let mut single = BlockedBloom::new(g, seed);
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
                1024,
                ds.len(),
            ] {
                let mut batched = BlockedBloom::new(g, seed);
                ds.chunks(len).for_each(|c| batched.insert_batch(c));
                assert_eq!(batched.blocks(), &want[..], "k={hashes} batch {len}");
                for (name, path) in paths() {
                    let mut blocks = vec![Block::default(); g.blocks];
                    ds.chunks(len).for_each(|c| path(&mut blocks, hashes, seed, c));
                    assert_eq!(blocks, want, "k={hashes} batch {len} {name}");
                }
            }
            assert!(ds.iter().all(|d| single.contains(d)), "k={hashes}");
        }
    }

    #[test]
    fn an_old_window_keeps_its_layout() {
        // Windows of store formats 1 and 2 draw positions with replacement:
        // queried (and, in tests, filled) with that layout.
        let g = BloomGeometry {
            blocks: 16,
            hashes: 9,
            layout: BitLayout::Replacement,
        };
        let mut f = BlockedBloom::new(g, 3);
        let ds = digests_with_repeats(3, 500);
        f.insert_batch(&ds[..1000]);
        ds[1000..].iter().for_each(|d| f.insert(d));
        let mut want = vec![Block::default(); g.blocks];
        for d in &ds {
            let (block, key) = locate(3, g.blocks, d);
            set_mask(&mut want[block], replacement_mask(key, 9));
        }
        assert_eq!(f.blocks(), &want[..]);
        assert!(ds.iter().all(|d| f.contains(d)));
        assert_eq!(f.geometry(), g);
        // The same digests in a distinct-layout filter set other bits.
        let mut n = BlockedBloom::new(geometry(16, 9), 3);
        n.insert_batch(&ds);
        assert_ne!(n.blocks(), f.blocks());
        assert!(
            !f.reset(geometry(16, 9), 4),
            "a filter is recycled only into its own shape"
        );
    }

    #[test]
    fn candidate_words_are_fresh_draws() {
        // Word j > 0 is a mix of the key: no slot of it is a slot of the key.
        let key = 0x0123_4567_89ab_cdef;
        assert_eq!(candidate_word(key, 0), key);
        assert_ne!(candidate_word(key, 1), candidate_word(key, 2));
        assert_ne!(candidate_word(key, 1) & 0xffff, key & 0xffff);
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
        let g = geometry(50, 10);
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
