//! The BLAKE3 compression function written once over a lane vector type.
//!
//! Lane `l` of every vector belongs to message `l`; the same 7 rounds run on
//! all lanes at once. Constants and the message schedule follow the BLAKE3
//! specification (section 2.2 to 2.5; reference implementation
//! `reference_impl.rs`).

/// The initialisation vector (the SHA-256 IV).
pub(super) const IV: [u32; 8] = [
    0x6A09_E667,
    0xBB67_AE85,
    0x3C6E_F372,
    0xA54F_F53A,
    0x510E_527F,
    0x9B05_688C,
    0x1F83_D9AB,
    0x5BE0_CD19,
];

/// Domain flags of a keyed hash whose whole input is one block:
/// `CHUNK_START | CHUNK_END | ROOT | KEYED_HASH`.
pub(super) const SINGLE_BLOCK_KEYED_FLAGS: u32 = 1 | 2 | 8 | 16;

/// Message word order of each of the 7 rounds: round `r` reads
/// `m[SCHEDULE[r][i]]` where the spec permutes the words after each round
/// with `[2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8]`.
const SCHEDULE: [[usize; 16]; 7] = schedule();

const fn schedule() -> [[usize; 16]; 7] {
    const PERMUTATION: [usize; 16] = [2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8];
    let mut s = [[0usize; 16]; 7];
    let mut i = 0;
    while i < 16 {
        s[0][i] = i;
        i += 1;
    }
    let mut r = 1;
    while r < 7 {
        let mut i = 0;
        while i < 16 {
            s[r][i] = s[r - 1][PERMUTATION[i]];
            i += 1;
        }
        r += 1;
    }
    s
}

/// A vector of 32-bit lanes, one lane per message.
///
/// # Safety
///
/// Implementations may use CPU instructions outside the baseline target;
/// every method may only be called when the CPU supports them (the caller of
/// [`compress`] guarantees it).
pub(super) trait Lane: Copy {
    /// `N` words, one per lane, as stored in memory.
    type Words: Copy;
    /// Every lane set to `x`.
    unsafe fn splat(x: u32) -> Self;
    /// Load one word per lane.
    unsafe fn load(w: &Self::Words) -> Self;
    /// Store one word per lane.
    unsafe fn store(self, w: &mut Self::Words);
    /// Lane-wise wrapping addition.
    unsafe fn add(self, o: Self) -> Self;
    /// Lane-wise exclusive or.
    unsafe fn xor(self, o: Self) -> Self;
    /// Lane-wise rotate right by 16.
    unsafe fn rotr16(self) -> Self;
    /// Lane-wise rotate right by 12.
    unsafe fn rotr12(self) -> Self;
    /// Lane-wise rotate right by 8.
    unsafe fn rotr8(self) -> Self;
    /// Lane-wise rotate right by 7.
    unsafe fn rotr7(self) -> Self;
}

/// One quarter-round G of the spec on state words `a, b, c, d`.
#[inline(always)]
unsafe fn g<V: Lane>(v: &mut [V; 16], a: usize, b: usize, c: usize, d: usize, mx: V, my: V) {
    // SAFETY: forwarded contract of `compress` (the CPU supports V).
    unsafe {
        v[a] = v[a].add(v[b]).add(mx);
        v[d] = v[d].xor(v[a]).rotr16();
        v[c] = v[c].add(v[d]);
        v[b] = v[b].xor(v[c]).rotr12();
        v[a] = v[a].add(v[b]).add(my);
        v[d] = v[d].xor(v[a]).rotr8();
        v[c] = v[c].add(v[d]);
        v[b] = v[b].xor(v[c]).rotr7();
    }
}

/// Round `R`: G on the four columns, then on the four diagonals.
#[inline(always)]
unsafe fn round<V: Lane, const R: usize>(v: &mut [V; 16], m: &[V; 16]) {
    let s = const { SCHEDULE[R] };
    // SAFETY: forwarded contract of `compress` (the CPU supports V).
    unsafe {
        g(v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
        g(v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
        g(v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
        g(v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
        g(v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
        g(v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
        g(v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
        g(v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
    }
}

/// Keyed BLAKE3 of one single-block message per lane, first 4 output words.
///
/// `m[w]` holds message word `w` (little-endian, zero padded) of every lane,
/// `block_len` each lane's message length in bytes (0..=64). Returns output
/// words 0..4 (the first 16 bytes of the hash) of every lane.
///
/// # Safety
///
/// The CPU must support the instructions `V` uses.
#[inline(always)]
pub(super) unsafe fn compress_vectors<V: Lane>(key: &[u32; 8], m: &[V; 16], block_len: V) -> [V; 4] {
    // SAFETY: the caller guarantees the CPU supports V.
    unsafe {
        let mut v = [
            V::splat(key[0]),
            V::splat(key[1]),
            V::splat(key[2]),
            V::splat(key[3]),
            V::splat(key[4]),
            V::splat(key[5]),
            V::splat(key[6]),
            V::splat(key[7]),
            V::splat(IV[0]),
            V::splat(IV[1]),
            V::splat(IV[2]),
            V::splat(IV[3]),
            V::splat(0), // counter low
            V::splat(0), // counter high
            block_len,
            V::splat(SINGLE_BLOCK_KEYED_FLAGS),
        ];
        // Unrolled with constant schedule indices: no bounds checks, the
        // message words stay in registers (or fixed stack slots).
        round::<V, 0>(&mut v, m);
        round::<V, 1>(&mut v, m);
        round::<V, 2>(&mut v, m);
        round::<V, 3>(&mut v, m);
        round::<V, 4>(&mut v, m);
        round::<V, 5>(&mut v, m);
        round::<V, 6>(&mut v, m);
        [v[0].xor(v[8]), v[1].xor(v[9]), v[2].xor(v[10]), v[3].xor(v[11])]
    }
}

/// [`compress_vectors`] on 64-byte message blocks (`blocks[l]` is lane
/// `l`'s message, zero padded past `block_len[l]`), moving words into lanes
/// and digests out of them with scalar code. Writes lane `l`'s 16-byte
/// digest to `out[l]`.
///
/// # Safety
///
/// The CPU must support the instructions `V` uses.
#[inline(always)]
pub(super) unsafe fn compress_blocks<V: Lane<Words = [u32; N]>, const N: usize>(
    key: &[u32; 8],
    blocks: &[&[u8; 64]; N],
    block_len: &[u32; N],
    out: &mut [[u8; 16]; N],
) {
    let mut words = [[0u32; N]; 16];
    for (lane, block) in blocks.iter().enumerate() {
        for (w, c) in words.iter_mut().zip(block.chunks_exact(4)) {
            w[lane] = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        }
    }
    // SAFETY: the caller guarantees the CPU supports V.
    unsafe {
        let mut m = [V::splat(0); 16];
        for (mv, w) in m.iter_mut().zip(&words) {
            *mv = V::load(w);
        }
        let o = compress_vectors(key, &m, V::load(block_len));
        let mut result = [[0u32; N]; 4];
        for (v, r) in o.iter().zip(result.iter_mut()) {
            v.store(r);
        }
        for (lane, d) in out.iter_mut().enumerate() {
            for (w, r) in result.iter().enumerate() {
                d[4 * w..4 * w + 4].copy_from_slice(&r[lane].to_le_bytes());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_matches_the_spec_table() {
        // The schedule table of the reference implementations (the spec's
        // permutation applied r times).
        assert_eq!(
            SCHEDULE[1],
            [2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8]
        );
        assert_eq!(
            SCHEDULE[6],
            [11, 15, 5, 0, 1, 9, 8, 6, 14, 10, 2, 12, 3, 4, 7, 13]
        );
    }
}
