//! Keyed BLAKE3 of many short messages at once, one message per SIMD lane.
//!
//! With the default profile every canonical digest input fits one 64-byte
//! BLAKE3 block (IPv4: 20 + 8 bytes, IPv6: 40 + 16 bytes), so its keyed hash
//! is a single compression: chaining value = key words, counter 0,
//! `block_len` = message length, flags `CHUNK_START | CHUNK_END | ROOT |
//! KEYED_HASH`, message zero-padded. [`SingleBlockHasher`] runs that
//! compression on 4, 8 or 16 messages at a time and gives exactly the first
//! 16 bytes of `blake3::keyed_hash` (longer messages go to `blake3` itself).
//!
//! The `blake3` crate (1.8) has no public multi-message API: `hazmat` works
//! on subtrees of one input and the hidden `platform::hash_many` only takes
//! full 64-byte blocks, so the kernel is written here.
//!
//! ```text
//!  msgs ─▶ transpose into lanes (word w of message l at [w][l])
//!       ─▶ 7 rounds on N lanes (portable | SSE2 | SSSE3 | AVX2 | AVX-512)
//!       ─▶ output words 0..4 of each lane ─▶ Digest
//! ```
//!
//! The backend is chosen once, by runtime feature detection, when the hasher
//! is built; [`LaneBackend`] lets tests and benchmarks force one.

mod compress;
mod portable;
#[cfg(target_arch = "x86_64")]
mod x86;

use super::Digest;
use core::fmt;

/// Longest message hashed in lanes; longer ones take `blake3::keyed_hash`.
pub const MAX_SINGLE_BLOCK_LEN: usize = 64;

/// A compression backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LaneBackend {
    /// Plain Rust, one message at a time; available on every target.
    Portable,
    /// x86_64 SSE2, 4 lanes.
    Sse2,
    /// x86_64 SSSE3, 4 lanes (byte shuffles for two of the rotations).
    Ssse3,
    /// x86_64 AVX2, 8 lanes.
    Avx2,
    /// x86_64 AVX-512F, 16 lanes.
    Avx512,
}

impl LaneBackend {
    /// Every backend this build knows, slowest first.
    pub const ALL: [LaneBackend; 5] = [
        LaneBackend::Portable,
        LaneBackend::Sse2,
        LaneBackend::Ssse3,
        LaneBackend::Avx2,
        LaneBackend::Avx512,
    ];

    /// Messages hashed per compression call.
    pub const fn lanes(self) -> usize {
        match self {
            LaneBackend::Portable => 1,
            LaneBackend::Avx2 => 8,
            LaneBackend::Sse2 | LaneBackend::Ssse3 => 4,
            LaneBackend::Avx512 => 16,
        }
    }

    /// A short lowercase name (for benchmark ids and logs).
    pub const fn name(self) -> &'static str {
        match self {
            LaneBackend::Portable => "portable",
            LaneBackend::Sse2 => "sse2",
            LaneBackend::Ssse3 => "ssse3",
            LaneBackend::Avx2 => "avx2",
            LaneBackend::Avx512 => "avx512",
        }
    }

    /// Whether this CPU can run the backend (runtime detection).
    pub fn is_available(self) -> bool {
        Backend::detect(self).is_some()
    }

    /// The backends this CPU can run, slowest first.
    pub fn available() -> impl Iterator<Item = LaneBackend> {
        Self::ALL.into_iter().filter(|b| b.is_available())
    }

    /// The backend [`SingleBlockHasher::new`] picks on this CPU.
    ///
    /// The widest available. AVX-512 hashed 1.25 times faster per message
    /// than AVX2 here even on AMD Zen 4, which splits 512-bit operations in
    /// two: native rotations replace shift-or pairs (`docs/performance.md`).
    pub fn best() -> LaneBackend {
        [
            LaneBackend::Avx512,
            LaneBackend::Avx2,
            LaneBackend::Ssse3,
            LaneBackend::Sse2,
        ]
        .into_iter()
        .find(|b| b.is_available())
        .unwrap_or(LaneBackend::Portable)
    }
}

impl fmt::Display for LaneBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A detected backend; the x86 variants hold a proof of CPU support.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Backend {
    Portable,
    #[cfg(target_arch = "x86_64")]
    Sse2(x86::Sse2),
    #[cfg(target_arch = "x86_64")]
    Ssse3(x86::Ssse3),
    #[cfg(target_arch = "x86_64")]
    Avx2(x86::Avx2),
    #[cfg(target_arch = "x86_64")]
    Avx512(x86::Avx512),
}

impl Backend {
    fn detect(which: LaneBackend) -> Option<Backend> {
        match which {
            LaneBackend::Portable => Some(Backend::Portable),
            #[cfg(target_arch = "x86_64")]
            LaneBackend::Sse2 => x86::Sse2::detect().map(Backend::Sse2),
            #[cfg(target_arch = "x86_64")]
            LaneBackend::Ssse3 => x86::Ssse3::detect().map(Backend::Ssse3),
            #[cfg(target_arch = "x86_64")]
            LaneBackend::Avx2 => x86::Avx2::detect().map(Backend::Avx2),
            #[cfg(target_arch = "x86_64")]
            LaneBackend::Avx512 => x86::Avx512::detect().map(Backend::Avx512),
            #[cfg(not(target_arch = "x86_64"))]
            _ => None,
        }
    }

    fn public(self) -> LaneBackend {
        match self {
            Backend::Portable => LaneBackend::Portable,
            #[cfg(target_arch = "x86_64")]
            Backend::Sse2(_) => LaneBackend::Sse2,
            #[cfg(target_arch = "x86_64")]
            Backend::Ssse3(_) => LaneBackend::Ssse3,
            #[cfg(target_arch = "x86_64")]
            Backend::Avx2(_) => LaneBackend::Avx2,
            #[cfg(target_arch = "x86_64")]
            Backend::Avx512(_) => LaneBackend::Avx512,
        }
    }
}

/// The requested backend cannot run on this CPU or target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("lane backend {0} is not available on this CPU")]
pub struct BackendUnavailable(pub LaneBackend);

/// `msgs` and `out` of a batch call have different lengths.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{messages} messages but room for {outputs} digests")]
pub struct LengthMismatch {
    /// Number of messages given.
    pub messages: usize,
    /// Number of output slots given.
    pub outputs: usize,
}

/// Keyed BLAKE3-128 of many messages, several per compression call.
///
/// Gives exactly the first 16 bytes of `blake3::keyed_hash(key, msg)` for
/// every message, whatever the backend. `Debug` does not print the key.
#[derive(Clone)]
pub struct SingleBlockHasher {
    key: [u8; 32],
    key_words: [u32; 8],
    backend: Backend,
}

impl fmt::Debug for SingleBlockHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SingleBlockHasher")
            .field("backend", &self.backend.public())
            .finish_non_exhaustive()
    }
}

impl SingleBlockHasher {
    /// A hasher for `key` with the [`LaneBackend::best`] backend of this CPU.
    pub fn new(key: &[u8; 32]) -> Self {
        let backend = Backend::detect(LaneBackend::best()).unwrap_or(Backend::Portable);
        Self::with(key, backend)
    }

    /// A hasher forced onto `backend` (tests and benchmarks).
    pub fn with_backend(key: &[u8; 32], backend: LaneBackend) -> Result<Self, BackendUnavailable> {
        Backend::detect(backend)
            .map(|b| Self::with(key, b))
            .ok_or(BackendUnavailable(backend))
    }

    fn with(key: &[u8; 32], backend: Backend) -> Self {
        let mut key_words = [0u32; 8];
        for (w, c) in key_words.iter_mut().zip(key.chunks_exact(4)) {
            *w = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        }
        SingleBlockHasher {
            key: *key,
            key_words,
            backend,
        }
    }

    /// The backend in use.
    pub fn backend(&self) -> LaneBackend {
        self.backend.public()
    }

    /// Keyed BLAKE3-128 of one message (no batching).
    pub fn hash_one(&self, msg: &[u8]) -> Digest {
        truncate(blake3::keyed_hash(&self.key, msg))
    }

    /// Hash `msgs[i]` into `out[i]` for every `i`. Messages of at most
    /// [`MAX_SINGLE_BLOCK_LEN`] bytes are hashed in lanes, longer ones one by
    /// one. Allocates nothing.
    pub fn hash_many(&self, msgs: &[&[u8]], out: &mut [Digest]) -> Result<(), LengthMismatch> {
        if msgs.len() != out.len() {
            return Err(LengthMismatch {
                messages: msgs.len(),
                outputs: out.len(),
            });
        }
        /// Messages staged per lane call.
        const STAGE: usize = 16;
        let mut blocks = [[0u8; MAX_SINGLE_BLOCK_LEN]; STAGE];
        let mut lens = [0u32; STAGE];
        let mut slot = [0usize; STAGE];
        let mut digests = [Digest::default(); STAGE];
        let mut n = 0;
        let short = msgs
            .iter()
            .enumerate()
            .filter(|(_, m)| m.len() <= MAX_SINGLE_BLOCK_LEN);
        let mut short = short.peekable();
        while let Some((i, msg)) = short.next() {
            blocks[n] = [0; MAX_SINGLE_BLOCK_LEN];
            blocks[n][..msg.len()].copy_from_slice(msg);
            lens[n] = msg.len() as u32;
            slot[n] = i;
            n += 1;
            if n == STAGE || short.peek().is_none() {
                self.hash_blocks(&blocks.each_ref()[..n], &lens[..n], &mut digests[..n]);
                for (&i, d) in slot[..n].iter().zip(&digests) {
                    out[i] = *d;
                }
                n = 0;
            }
        }
        for (m, d) in msgs.iter().zip(out.iter_mut()) {
            if m.len() > MAX_SINGLE_BLOCK_LEN {
                *d = self.hash_one(m);
            }
        }
        Ok(())
    }

    /// Hash message blocks: `out[i]` = keyed BLAKE3-128 of
    /// `blocks[i][..lens[i]]`. Every `lens[i]` is at most 64 and every block
    /// is zero past its length (the caller's contract: a block that is not
    /// gives a wrong digest, never undefined behaviour). The three slices
    /// have the same length.
    #[inline]
    pub(crate) fn hash_blocks(&self, blocks: &[&[u8; 64]], lens: &[u32], out: &mut [Digest]) {
        debug_assert!(blocks.len() == lens.len() && lens.len() == out.len());
        debug_assert!(lens.iter().all(|&l| l as usize <= MAX_SINGLE_BLOCK_LEN));
        let k = &self.key_words;
        match self.backend {
            Backend::Portable => run::<1>(blocks, lens, out, |b, l, o| {
                portable::compress_portable::<1>(k, b, l, o)
            }),
            #[cfg(target_arch = "x86_64")]
            Backend::Sse2(t) => run::<4>(blocks, lens, out, |b, l, o| t.compress(k, b, l, o)),
            #[cfg(target_arch = "x86_64")]
            Backend::Ssse3(t) => run::<4>(blocks, lens, out, |b, l, o| t.compress(k, b, l, o)),
            #[cfg(target_arch = "x86_64")]
            Backend::Avx2(t) => run::<8>(blocks, lens, out, |b, l, o| t.compress(k, b, l, o)),
            #[cfg(target_arch = "x86_64")]
            Backend::Avx512(t) => run::<16>(blocks, lens, out, |b, l, o| t.compress(k, b, l, o)),
        }
    }
}

/// Feed `N` blocks at a time to `kernel`; a short last call repeats the
/// first block in the unused lanes and drops their output.
#[inline(always)]
fn run<const N: usize>(
    blocks: &[&[u8; 64]],
    lens: &[u32],
    out: &mut [Digest],
    kernel: impl Fn(&[&[u8; 64]; N], &[u32; N], &mut [[u8; 16]; N]),
) {
    let mut result = [[0u8; 16]; N];
    for ((b, l), o) in blocks.chunks(N).zip(lens.chunks(N)).zip(out.chunks_mut(N)) {
        let mut bs = [b[0]; N];
        bs[..b.len()].copy_from_slice(b);
        let mut ls = [0u32; N];
        ls[..l.len()].copy_from_slice(l);
        kernel(&bs, &ls, &mut result);
        for (d, r) in o.iter_mut().zip(&result) {
            d.0 = *r;
        }
    }
}

/// The first 16 bytes of a BLAKE3 hash.
pub(crate) fn truncate(h: blake3::Hash) -> Digest {
    let mut d = [0u8; 16];
    d.copy_from_slice(&h.as_bytes()[..16]);
    Digest(d)
}
