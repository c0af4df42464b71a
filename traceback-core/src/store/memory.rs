//! Where filter memory comes from: an allocation hook.
//!
//! The core makes no system calls, so it allocates filters on the heap
//! (64-byte aligned, zeroed). A driver that wants fewer TLB misses (2 MiB huge
//! pages: `traceback_net::hugepages`) hands a [`FilterAllocator`] to
//! [`WindowedBloomStore::with_allocator`](super::WindowedBloomStore::with_allocator);
//! every new window's filter then lives in memory the allocator provides.

use core::fmt;

/// One 512-bit filter block: one 64-byte, 64-byte-aligned cache line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C, align(64))]
pub struct FilterBlock(pub [u64; 8]);

/// Zeroed memory holding one filter's blocks, owned by whoever allocated it
/// (released when dropped).
pub trait FilterMemory: Send + Sync + fmt::Debug {
    /// The blocks.
    fn blocks(&self) -> &[FilterBlock];
    /// The blocks, writable.
    fn blocks_mut(&mut self) -> &mut [FilterBlock];
}

/// A source of filter memory.
pub trait FilterAllocator: Send + Sync + fmt::Debug {
    /// `blocks` zeroed blocks, or `None` if it cannot provide them (the store
    /// then falls back to the heap). Memory of another length is not used.
    fn allocate_zeroed(&self, blocks: usize) -> Option<Box<dyn FilterMemory>>;
}

/// Filter memory: the heap (default) or an allocator's.
pub(crate) enum Memory {
    /// A plain 64-byte-aligned vector.
    Heap(Vec<FilterBlock>),
    /// Memory from a [`FilterAllocator`].
    External(Box<dyn FilterMemory>),
}

impl Memory {
    /// `blocks` zeroed blocks, from `alloc` when it provides exactly that many.
    pub(crate) fn zeroed(blocks: usize, alloc: Option<&dyn FilterAllocator>) -> Self {
        if let Some(m) = alloc.and_then(|a| a.allocate_zeroed(blocks)) {
            if m.blocks().len() == blocks {
                return Memory::External(m);
            }
        }
        Memory::Heap(vec![FilterBlock::default(); blocks])
    }

    #[inline(always)]
    pub(crate) fn blocks(&self) -> &[FilterBlock] {
        match self {
            Memory::Heap(v) => v,
            Memory::External(m) => m.blocks(),
        }
    }

    #[inline(always)]
    pub(crate) fn blocks_mut(&mut self) -> &mut [FilterBlock] {
        match self {
            Memory::Heap(v) => v,
            Memory::External(m) => m.blocks_mut(),
        }
    }

    pub(crate) fn is_external(&self) -> bool {
        matches!(self, Memory::External(_))
    }
}

impl Clone for Memory {
    /// A copy lives on the heap, whoever provided the original.
    fn clone(&self) -> Self {
        Memory::Heap(self.blocks().to_vec())
    }
}

impl fmt::Debug for Memory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.is_external() { "external" } else { "heap" };
        write!(f, "Memory({} blocks, {kind})", self.blocks().len())
    }
}
