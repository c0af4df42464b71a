//! Digest-store filters on 2 MiB transparent huge pages (Linux).
//!
//! A window's blocked Bloom filter is tens of MiB and every insert touches one
//! random cache line in it: with 4 KiB pages nearly every insert also misses
//! the TLB. [`HugePageAllocator`] maps filter memory 2 MiB aligned and asks
//! the kernel for huge pages (`madvise(MADV_HUGEPAGE)`, effective when
//! `/sys/kernel/mm/transparent_hugepage/enabled` is `always` or `madvise`).
//! The core stays free of system calls: it only sees a
//! [`FilterAllocator`].
//!
//! ```no_run
//! use std::sync::Arc;
//! use traceback_core::store::{StoreConfig, WindowedBloomStore};
//! use traceback_net::hugepages::HugePageAllocator;
//!
//! let config = StoreConfig::builder().capacity(15_000_000).build().unwrap();
//! let store = WindowedBloomStore::with_allocator(config, Arc::new(HugePageAllocator::new()));
//! ```

use std::sync::atomic::{AtomicU64, Ordering};
use traceback_core::store::{FilterAllocator, FilterBlock, FilterMemory};

/// One huge page.
pub const HUGE_PAGE: usize = 2 << 20;

/// Maps filter memory in 2 MiB-aligned anonymous mappings advised for huge
/// pages. Filters smaller than [`HugePageAllocator::min_bytes`] stay on the
/// heap (a huge page would waste most of itself).
#[derive(Debug)]
pub struct HugePageAllocator {
    min_bytes: usize,
    mapped: AtomicU64,
    advised: AtomicU64,
}

impl Default for HugePageAllocator {
    fn default() -> Self {
        Self::new()
    }
}

impl HugePageAllocator {
    /// Huge pages for filters of at least one huge page.
    pub fn new() -> Self {
        Self::with_min_bytes(HUGE_PAGE)
    }

    /// Huge pages for filters of at least `min_bytes`.
    pub fn with_min_bytes(min_bytes: usize) -> Self {
        HugePageAllocator {
            min_bytes,
            mapped: AtomicU64::new(0),
            advised: AtomicU64::new(0),
        }
    }

    /// The smallest filter mapped here.
    pub fn min_bytes(&self) -> usize {
        self.min_bytes
    }

    /// Filters mapped so far, and how many of them the kernel accepted the
    /// huge-page advice for.
    pub fn counts(&self) -> (u64, u64) {
        (
            self.mapped.load(Ordering::Relaxed),
            self.advised.load(Ordering::Relaxed),
        )
    }
}

impl FilterAllocator for HugePageAllocator {
    fn allocate_zeroed(&self, blocks: usize) -> Option<Box<dyn FilterMemory>> {
        let bytes = blocks.checked_mul(core::mem::size_of::<FilterBlock>())?;
        if bytes < self.min_bytes || bytes == 0 {
            return None;
        }
        let m = HugePages::map(blocks, bytes)?;
        self.mapped.fetch_add(1, Ordering::Relaxed);
        if m.advised {
            self.advised.fetch_add(1, Ordering::Relaxed);
        }
        Some(Box::new(m))
    }
}

/// One 2 MiB-aligned anonymous mapping holding `blocks` filter blocks.
#[derive(Debug)]
struct HugePages {
    ptr: *mut FilterBlock,
    len: usize,
    blocks: usize,
    advised: bool,
}

// SAFETY: the mapping is owned exclusively by this value (nothing else holds
// the pointer); access goes through `&self` / `&mut self` like a `Vec`.
unsafe impl Send for HugePages {}
// SAFETY: as above; shared access is read-only.
unsafe impl Sync for HugePages {}

impl HugePages {
    /// Map `bytes` (rounded up to whole huge pages) 2 MiB aligned; anonymous
    /// mappings are zero-filled.
    fn map(blocks: usize, bytes: usize) -> Option<Self> {
        let len = bytes.checked_next_multiple_of(HUGE_PAGE)?;
        let over = len.checked_add(HUGE_PAGE)?;
        // SAFETY: a fresh private anonymous mapping: no existing memory is touched.
        let raw = unsafe {
            libc::mmap(
                core::ptr::null_mut(),
                over,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if raw == libc::MAP_FAILED {
            return None;
        }
        let start = raw as usize;
        let aligned = start.next_multiple_of(HUGE_PAGE);
        let head = aligned - start;
        let tail = over - head - len;
        // SAFETY: both ranges lie inside the mapping just made and outside
        // [aligned, aligned + len), which is kept; page-aligned (HUGE_PAGE and
        // mmap results are multiples of the page size).
        unsafe {
            if head > 0 {
                libc::munmap(raw, head);
            }
            if tail > 0 {
                libc::munmap((aligned + len) as *mut libc::c_void, tail);
            }
        }
        // SAFETY: advice on memory this value owns; failure only means 4 KiB pages.
        let advised = unsafe { libc::madvise(aligned as *mut libc::c_void, len, libc::MADV_HUGEPAGE) } == 0;
        Some(HugePages {
            ptr: aligned as *mut FilterBlock,
            len,
            blocks,
            advised,
        })
    }
}

impl FilterMemory for HugePages {
    fn blocks(&self) -> &[FilterBlock] {
        // SAFETY: `ptr` is 2 MiB aligned (so 64-byte aligned), the mapping is
        // readable, zero-initialised (a valid `FilterBlock` bit pattern: plain
        // u64 words) and `blocks * 64 <= len` bytes long; it lives until drop.
        unsafe { core::slice::from_raw_parts(self.ptr, self.blocks) }
    }

    fn blocks_mut(&mut self) -> &mut [FilterBlock] {
        // SAFETY: as in `blocks`, plus `&mut self` gives exclusive access.
        unsafe { core::slice::from_raw_parts_mut(self.ptr, self.blocks) }
    }
}

impl Drop for HugePages {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the range kept by `map`; no slice outlives `self`.
        unsafe {
            libc::munmap(self.ptr.cast(), self.len);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use traceback_core::store::{DigestStore, StoreConfig, WindowedBloomStore};
    use traceback_core::{Digest, TimeRange, Timestamp};

    #[test]
    fn mapped_memory_is_aligned_zeroed_and_writable() {
        let a = HugePageAllocator::with_min_bytes(0);
        let mut m = a.allocate_zeroed(40_000).expect("mmap works");
        assert_eq!(m.blocks().len(), 40_000);
        assert_eq!(m.blocks().as_ptr() as usize % HUGE_PAGE, 0);
        assert!(m.blocks().iter().all(|b| b.0 == [0; 8]));
        m.blocks_mut()[39_999].0[7] = 5;
        assert_eq!(m.blocks()[39_999].0[7], 5);
        assert_eq!(a.counts().0, 1);
        // Below the threshold: the heap.
        assert!(HugePageAllocator::new().allocate_zeroed(10).is_none());
    }

    #[test]
    fn store_on_huge_pages_answers_like_the_heap_store() {
        let config = StoreConfig::builder().capacity(200_000).seed(3).build().unwrap();
        let alloc = Arc::new(HugePageAllocator::with_min_bytes(0));
        let mut huge = WindowedBloomStore::with_allocator(config, alloc.clone());
        let mut heap = WindowedBloomStore::new(config);
        let ds: Vec<Digest> = (0..5000u32)
            .map(|i| {
                let mut b = [0u8; 16];
                b[..4].copy_from_slice(&i.to_le_bytes());
                b[8..12].copy_from_slice(&i.wrapping_mul(2_654_435_761).to_le_bytes());
                Digest(b)
            })
            .collect();
        let at = Timestamp::from_secs(1);
        huge.insert_batch(&ds, at);
        heap.insert_batch(&ds, at);
        assert_eq!(alloc.counts().0, 1);
        let mut a = Vec::new();
        let mut b = Vec::new();
        huge.write_to(&mut a).unwrap();
        heap.write_to(&mut b).unwrap();
        assert_eq!(a, b);
        let range = TimeRange::at(at);
        assert!(ds.iter().all(|d| huge.query(d, range).hit()));
    }
}
