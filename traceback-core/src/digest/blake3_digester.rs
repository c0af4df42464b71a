//! The default digester: keyed BLAKE3, 128-bit output.
//!
//! Bursts are hashed several packets per compression call through
//! [`super::lanes`]; the digests are bit-identical to one
//! `blake3::keyed_hash` per packet.

use super::lanes::{SingleBlockHasher, MAX_SINGLE_BLOCK_LEN};
use super::{Digest, DigestKey, DigestProfile, Digester, FederationSecret, FrameDigest, ProfileError};
use crate::packet::{canonicalize_into, CanonicalBytes, LinkType, Scratch, Verdict};

/// Frames canonicalized and hashed together in [`Blake3Digester::digest_batch`]:
/// a multiple of every lane count, small enough to stay on the stack.
const GROUP: usize = 16;

/// One digest input, canonicalized in place: its first 64 bytes are the
/// lane's message block (zero past the input), on a cache line of its own.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Row(Scratch);

impl Row {
    const BLANK: Row = Row([0; CanonicalBytes::CAPACITY]);

    /// The first 64 bytes, the lane's message block.
    #[inline(always)]
    fn block(&self) -> &[u8; MAX_SINGLE_BLOCK_LEN] {
        match self.0.first_chunk() {
            Some(b) => b,
            None => &[0; MAX_SINGLE_BLOCK_LEN],
        }
    }

    /// Clear the message block and hand out the whole row to write into.
    #[inline(always)]
    fn clear(&mut self) -> &mut Scratch {
        self.0[..MAX_SINGLE_BLOCK_LEN].fill(0);
        &mut self.0
    }
}

/// Keyed BLAKE3-128 over the canonical bytes of `docs/digest.md`.
#[derive(Clone, Debug)]
pub struct Blake3Digester {
    profile: DigestProfile,
    key: DigestKey,
    hasher: SingleBlockHasher,
}

impl Blake3Digester {
    /// A digester for `profile`, keyed from `secret` at the profile's key
    /// epoch. The SIMD backend is detected here, once.
    pub fn new(profile: DigestProfile, secret: &FederationSecret) -> Result<Self, ProfileError> {
        profile.validate()?;
        let key = secret.derive_key(profile.key_epoch);
        Ok(Blake3Digester {
            hasher: SingleBlockHasher::new(key.as_bytes()),
            key,
            profile,
        })
    }

    /// The same digester on another lane backend (tests and benchmarks).
    pub fn with_hasher_backend(
        mut self,
        backend: super::lanes::LaneBackend,
    ) -> Result<Self, super::lanes::BackendUnavailable> {
        self.hasher = SingleBlockHasher::with_backend(self.key.as_bytes(), backend)?;
        Ok(self)
    }

    /// The key in use.
    pub fn key(&self) -> &DigestKey {
        &self.key
    }

    /// The fingerprint of this digester's key and profile (what a store
    /// records to be recognised under another key later).
    pub fn fingerprint(&self) -> super::DigestFingerprint {
        super::DigestFingerprint::of(&self.key, &self.profile)
    }

    /// The multi-lane hasher in use (its backend tells which SIMD path runs).
    pub fn hasher(&self) -> &SingleBlockHasher {
        &self.hasher
    }

    /// Digest inputs canonicalized by the caller, replacing the contents of
    /// `out` with one digest per input, in order. Allocates only if `out`
    /// must grow.
    pub fn digest_canonical_batch(&self, inputs: &[CanonicalBytes], out: &mut Vec<Digest>) {
        out.clear();
        out.resize(inputs.len(), Digest::default());
        for (ins, outs) in inputs.chunks(GROUP).zip(out.chunks_mut(GROUP)) {
            let mut msgs: [&[u8]; GROUP] = [&[]; GROUP];
            for (m, c) in msgs.iter_mut().zip(ins) {
                *m = c.as_slice();
            }
            self.hash_group(&msgs[..ins.len()], outs);
        }
    }

    /// Hash `msgs` into `out` (same length by construction).
    fn hash_group(&self, msgs: &[&[u8]], out: &mut [Digest]) {
        if self.hasher.hash_many(msgs, out).is_err() {
            // Unreachable by construction; stay correct rather than panic.
            for (d, m) in out.iter_mut().zip(msgs) {
                *d = self.hasher.hash_one(m);
            }
        }
    }
}

impl Digester for Blake3Digester {
    fn profile(&self) -> &DigestProfile {
        &self.profile
    }

    fn digest_canonical(&self, canonical: &[u8]) -> Digest {
        self.hasher.hash_one(canonical)
    }

    /// Canonicalizes the burst 16 frames at a time straight into SIMD lane
    /// blocks and hashes every digest input of a group (outer and, when
    /// asked, inner) in lanes. Allocates only if `out` must grow.
    fn digest_batch(&self, link: LinkType, frames: &[&[u8]], out: &mut Vec<FrameDigest>) {
        out.clear();
        out.reserve(frames.len());
        // Rows 0..GROUP: the frames' outer inputs; then their inner inputs.
        let mut rows = [Row::BLANK; 2 * GROUP];
        for group in frames.chunks(GROUP) {
            let mut lens = [0u32; 2 * GROUP];
            let mut verdicts = [Verdict::NotIp; GROUP];
            // Row of each frame's inner input; 0 (an outer row) when none.
            let mut inner_row = [0usize; GROUP];
            let mut n = group.len();
            for (i, f) in group.iter().enumerate() {
                let parts = canonicalize_into(link, f, &self.profile, rows[i].clear());
                verdicts[i] = parts.verdict;
                lens[i] = u32::from(parts.outer_len);
                if let Some(c) = parts.inner {
                    let b = c.as_slice();
                    rows[n].clear()[..b.len()].copy_from_slice(b);
                    lens[n] = b.len() as u32;
                    inner_row[i] = n;
                    n += 1;
                }
            }
            let blocks = rows.each_ref().map(Row::block);
            let lane_lens = lens.map(|l| l.min(MAX_SINGLE_BLOCK_LEN as u32));
            let mut digests = [Digest::default(); 2 * GROUP];
            self.hasher
                .hash_blocks(&blocks[..n], &lane_lens[..n], &mut digests[..n]);
            for ((d, &len), row) in digests.iter_mut().zip(&lens).zip(&rows).take(n) {
                if len as usize > MAX_SINGLE_BLOCK_LEN {
                    // Profiles with long prefixes: beyond one block.
                    *d = self.hasher.hash_one(&row.0[..len as usize]);
                }
            }
            for i in 0..group.len() {
                out.push(FrameDigest {
                    verdict: verdicts[i],
                    digest: (lens[i] != 0).then_some(digests[i]),
                    inner: (inner_row[i] != 0).then(|| digests[inner_row[i]]),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::lanes::LaneBackend;

    fn digester() -> Blake3Digester {
        Blake3Digester::new(DigestProfile::V1, &FederationSecret::from_passphrase("t")).unwrap()
    }

    #[test]
    fn canonical_batch_equals_one_call_per_input_on_every_backend() {
        let inputs: Vec<CanonicalBytes> = (0..37u8)
            .map(|i| {
                let len = [28usize, 64, 0, 104, 13][i as usize % 5];
                let b: Vec<u8> = (0..len).map(|j| (j as u8) ^ i.wrapping_mul(31)).collect();
                CanonicalBytes::from_slice(&b).unwrap()
            })
            .collect();
        for backend in LaneBackend::available() {
            let d = digester().with_hasher_backend(backend).unwrap();
            let mut out = vec![Digest::default(); 3];
            d.digest_canonical_batch(&inputs, &mut out);
            assert_eq!(out.len(), inputs.len());
            for (c, got) in inputs.iter().zip(&out) {
                let want = blake3::keyed_hash(d.key().as_bytes(), c.as_slice());
                assert_eq!(got.as_bytes()[..], want.as_bytes()[..16], "{backend}");
                assert_eq!(d.digest_canonical(c.as_slice()), *got);
            }
        }
    }

    /// Ethernet frames: UDP over IPv4 and IPv6 of varied sizes, and junk.
    fn test_frame(i: u8) -> Vec<u8> {
        use etherparse::PacketBuilder;
        let payload = vec![i; 18 + 37 * i as usize];
        let mut v = Vec::new();
        let eth = PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2]);
        let written = match i % 3 {
            0 => eth
                .ipv4([10, 0, 0, i], [192, 0, 2, 1], 64)
                .udp(1000 + u16::from(i), 53)
                .write(&mut v, &payload),
            1 => eth
                .ipv6([0x20; 16], [0x30 ^ i; 16], 64)
                .udp(5000, u16::from(i))
                .write(&mut v, &payload),
            _ => {
                v = vec![i; 14 + usize::from(i)];
                Ok(())
            }
        };
        assert!(written.is_ok());
        v
    }

    #[test]
    fn frame_batch_equals_digest_frame() {
        let d = digester();
        let frames: Vec<Vec<u8>> = (0..40u8).map(test_frame).collect();
        let refs: Vec<&[u8]> = frames.iter().map(Vec::as_slice).collect();
        for link in [LinkType::ETHERNET, LinkType::RAW] {
            let mut out = Vec::new();
            d.digest_batch(link, &refs, &mut out);
            let want: Vec<FrameDigest> = refs.iter().map(|f| d.digest_frame(link, f)).collect();
            assert_eq!(out, want);
        }
        // The IPv4 and IPv6 frames (two in three) digest, the junk does not.
        let mut out = Vec::new();
        d.digest_batch(LinkType::ETHERNET, &refs, &mut out);
        for (i, f) in out.iter().enumerate() {
            assert_eq!(f.digest.is_some(), i % 3 != 2, "frame {i}: {f:?}");
        }
    }
}
