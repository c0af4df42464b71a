//! Sizing a cache-line-blocked Bloom filter from theory.
//!
//! A blocked Bloom filter (Putze, Sanders and Singler, "Cache-, Hash- and
//! Space-Efficient Bloom Filters", 2007) sends each element to one block of
//! `B = 512` bits (one 64-byte cache line) and sets `k` bits inside it. With
//! `c = m / n` bits per element, the number of elements landing in a block
//! is Poisson with mean `λ = B / c`, and the false-positive rate is the
//! Poisson mixture, over the block's load `i`, of the chance that `i`
//! elements cover all of a query's positions:
//!
//! ```text
//!   P(c, k) = Σ_{i ≥ 0}  e^{-λ} λ^i / i!  ·  Cover(i) ,   λ = B / c
//! ```
//!
//! `Cover(i)` depends on how an element's positions are drawn ([`BitLayout`]):
//!
//! * [`BitLayout::Distinct`] (every new window): an element sets exactly `k`
//!   bits, a uniform `k`-subset of its block. `Cover(i)` follows, element by
//!   element, how many of the query's `k` positions are covered: an element
//!   covers `h` of the `u` still uncovered with the hypergeometric chance
//!   `C(u, h) C(B - u, k - h) / C(B, k)`.
//! * [`BitLayout::Replacement`] (windows saved in store formats 1 and 2):
//!   `k` uniform positions drawn with replacement, so two may coincide. A
//!   query tests its `D` distinct positions and `Cover(i) = Σ_d P(D = d) ·
//!   A(d, i·k)`, `A(d, n)` being the chance that `n` uniform throws hit all
//!   of `d` given positions. The often quoted form `(1 - (1 - 1/B)^{i·k})^k`
//!   takes `D = k` and independent bits; at `k` = 9 and 15.49 bits per
//!   element it says 0.1000 % where the exact sum says 0.1021 % and 8 M
//!   probes measured 0.1019 %.
//!
//! Distinct positions need less space: at 0.1 % 15.48 bits per element
//! (`k` = 9) against 15.55 with replacement. Uneven block loads cost space
//! either way: the classic (unblocked) filter needs 14.4.

use serde::{Deserialize, Serialize};

/// Bits in one block: a 64-byte cache line.
pub const BLOCK_BITS: usize = 512;
/// Bytes in one block.
pub const BLOCK_BYTES: usize = BLOCK_BITS / 8;
/// The largest number of bits set per element.
pub const MAX_HASHES: u32 = 24;

/// How an element's `k` bit positions inside its block are drawn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum BitLayout {
    /// `k` distinct positions: the first `k` distinct of a stream of
    /// candidates (`docs/storage.md`). Every new window uses it.
    #[default]
    Distinct,
    /// `k` positions drawn with replacement (two may coincide): windows saved
    /// in store formats 1 and 2, still read and queried.
    Replacement,
}

impl BitLayout {
    /// The expected false-positive rate of a full filter of this layout at
    /// `bits_per_element` and `hashes` bits per element (module docs).
    pub fn false_positive_rate(self, bits_per_element: f64, hashes: u32) -> f64 {
        match self {
            BitLayout::Distinct => blocked_false_positive_rate_distinct(bits_per_element, hashes),
            BitLayout::Replacement => blocked_false_positive_rate(bits_per_element, hashes),
        }
    }
}

/// The shape of one window's filter: how many blocks, how many bits per
/// element and how they are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BloomGeometry {
    /// Number of 512-bit blocks.
    pub blocks: usize,
    /// Bits set per element (inside its one block).
    pub hashes: u32,
    /// How the bits are drawn.
    pub layout: BitLayout,
}

impl BloomGeometry {
    /// The smallest geometry of the default layout ([`BitLayout::Distinct`])
    /// holding `capacity` elements at or below `target_fpp`, with `k` chosen
    /// to minimise space. `None` if the target is out of reach (below about
    /// 1e-14: 24 bits in 256 per element) or the filter would not fit in
    /// memory.
    pub fn for_target(capacity: u64, target_fpp: f64) -> Option<Self> {
        Self::for_target_in(capacity, target_fpp, BitLayout::Distinct)
    }

    /// [`BloomGeometry::for_target`] for a given layout.
    pub fn for_target_in(capacity: u64, target_fpp: f64, layout: BitLayout) -> Option<Self> {
        if capacity == 0 || !(target_fpp > 0.0 && target_fpp < 1.0) {
            return None;
        }
        let (bits_per_element, hashes) = optimal_bits_per_element(target_fpp, layout)?;
        let bits = (capacity as f64 * bits_per_element).ceil();
        let blocks = (bits / BLOCK_BITS as f64).ceil();
        if !(blocks >= 1.0 && blocks * BLOCK_BYTES as f64 <= isize::MAX as f64 / 2.0) {
            return None;
        }
        Some(BloomGeometry {
            blocks: blocks as usize,
            hashes,
            layout,
        })
    }

    /// Total bits.
    pub fn bits(&self) -> u64 {
        self.blocks as u64 * BLOCK_BITS as u64
    }

    /// Filter memory in bytes.
    pub fn bytes(&self) -> usize {
        self.blocks * BLOCK_BYTES
    }

    /// The false-positive rate predicted for `count` inserted elements.
    pub fn false_positive_rate(&self, count: u64) -> f64 {
        if count == 0 {
            return 0.0;
        }
        self.layout
            .false_positive_rate(self.bits() as f64 / count as f64, self.hashes)
    }
}

/// `P(c, k)` for a 512-bit blocked Bloom filter with positions drawn with
/// replacement ([`BitLayout::Replacement`], module docs), exact for Poisson
/// block loads: the chance that all of a query's distinct
/// positions were hit by the block's `i · k` insert positions is followed
/// throw by throw (no independence assumed, every term positive, so it stays
/// accurate down to the smallest targets).
pub fn blocked_false_positive_rate(bits_per_element: f64, hashes: u32) -> f64 {
    if let Some(p) = degenerate(bits_per_element, hashes) {
        return p;
    }
    let k = hashes.min(MAX_HASHES) as usize;
    let b = BLOCK_BITS as f64;
    let distinct = distinct_positions(hashes);
    // covered[d][j]: chance that j of d given positions are set by the
    // throws so far (a throw hits a new one of them with chance (d - j) / B).
    let mut covered: Vec<Vec<f64>> = (0..=k)
        .map(|d| {
            let mut v = vec![0.0; d + 1];
            v[0] = 1.0;
            v
        })
        .collect();
    poisson_sum(BLOCK_BITS as f64 / bits_per_element, |i| {
        if i > 0 {
            // The i-th element's k positions.
            for (d, v) in covered.iter_mut().enumerate().skip(1) {
                if distinct[d] > 0.0 {
                    for _ in 0..k {
                        birth_step(v, |j| (d - j) as f64 / b);
                    }
                }
            }
        }
        (1..=k).map(|d| distinct[d] * covered[d][d]).sum()
    })
}

/// `P(c, k)` for a 512-bit blocked Bloom filter whose elements set `k`
/// distinct bits ([`BitLayout::Distinct`], module docs), exact for Poisson
/// block loads: the number of the query's `k` positions covered is followed
/// element by element (hypergeometric steps, every term positive, so it
/// stays accurate down to the smallest targets).
pub fn blocked_false_positive_rate_distinct(bits_per_element: f64, hashes: u32) -> f64 {
    if let Some(p) = degenerate(bits_per_element, hashes) {
        return p;
    }
    let k = hashes.min(MAX_HASHES) as usize;
    // step[u][h]: chance that an element covers h of u uncovered positions.
    let all = binomial(BLOCK_BITS, k);
    let step: Vec<Vec<f64>> = (0..=k)
        .map(|u| {
            (0..=u)
                .map(|h| binomial(u, h) * binomial(BLOCK_BITS - u, k - h) / all)
                .collect()
        })
        .collect();
    // covered[j]: chance that j of the query's k positions are covered.
    let mut covered = vec![0.0; k + 1];
    covered[0] = 1.0;
    let mut next = vec![0.0; k + 1];
    poisson_sum(BLOCK_BITS as f64 / bits_per_element, |i| {
        if i > 0 {
            next.iter_mut().for_each(|x| *x = 0.0);
            for (j, &p) in covered.iter().enumerate() {
                for (h, &s) in step[k - j].iter().enumerate() {
                    next[j + h] += p * s;
                }
            }
            core::mem::swap(&mut covered, &mut next);
        }
        covered[k]
    })
}

/// The rate where there is nothing to sum: 1 without bits or hashes (or a
/// NaN size), 0 with infinitely many bits.
fn degenerate(bits_per_element: f64, hashes: u32) -> Option<f64> {
    if bits_per_element.is_nan() || bits_per_element <= 0.0 || hashes == 0 {
        Some(1.0)
    } else if bits_per_element.is_infinite() {
        Some(0.0)
    } else {
        None
    }
}

/// `C(n, r)` as a float (exact to rounding for the sizes used here: `n` ≤ 512, `r` ≤ 24).
fn binomial(n: usize, r: usize) -> f64 {
    if r > n {
        return 0.0;
    }
    (0..r).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

/// Mean block load (elements per 512-bit block) from which every rate here
/// is 1 to double precision: a bit is still clear with chance about
/// `e^{-λk/512}` ≤ `e^{-40}`, so a query of `k` positions misses with chance
/// at most `k · e^{-40}` < 2^-53. Above it [`poisson_sum`] answers 1 at once
/// instead of summing `λ` terms (a hostile saved window claiming billions of
/// elements must not cost billions of steps).
const SATURATED_LOAD: f64 = 40.0 * BLOCK_BITS as f64;

/// `Σ_i Pois(i; λ) · term(i)` over the block loads `i` that matter, `term`
/// called once per `i` in increasing order; capped at 1 (and 1 at once for
/// `λ` ≥ [`SATURATED_LOAD`]). Poisson weights by recurrence, or in log space
/// when `e^{-λ}` would underflow.
fn poisson_sum(lambda: f64, mut term: impl FnMut(u32) -> f64) -> f64 {
    if lambda.is_nan() || lambda >= SATURATED_LOAD {
        return 1.0;
    }
    let last = (lambda + 12.0 * lambda.sqrt() + 40.0).ceil() as u32;
    let ln_lambda = lambda.ln();
    let big = lambda > 600.0;
    let mut pmf = (-lambda).exp();
    let mut log_pmf = -lambda;
    let mut sum = 0.0;
    for i in 0..=last {
        if i > 0 {
            if big {
                log_pmf += ln_lambda - f64::from(i).ln();
            } else {
                pmf *= lambda / f64::from(i);
            }
        }
        let weight = if big { log_pmf.exp() } else { pmf };
        sum += weight * term(i);
    }
    sum.min(1.0)
}

/// One step of a pure-birth chain over `v[j]` = chance of state `j`: state
/// `j` moves to `j + 1` with chance `up(j)` (the last state stays).
#[inline]
fn birth_step(v: &mut [f64], up: impl Fn(usize) -> f64) {
    for j in (0..v.len().saturating_sub(1)).rev() {
        let moved = v[j] * up(j);
        v[j + 1] += moved;
        v[j] -= moved;
    }
}

/// The textbook form `Σ_i Pois(i) (1 - (1 - 1/B)^{i k})^k`, which assumes a
/// query's `k` positions are distinct and its bits independent: kept to
/// show (in tests and `docs/storage.md`) how far it is from the exact
/// [`blocked_false_positive_rate`].
pub fn blocked_false_positive_rate_textbook(bits_per_element: f64, hashes: u32) -> f64 {
    if bits_per_element.is_nan() || bits_per_element <= 0.0 {
        return 1.0;
    }
    let q = (1.0 - 1.0 / BLOCK_BITS as f64).powi(hashes as i32);
    poisson_sum(BLOCK_BITS as f64 / bits_per_element, |i| {
        (1.0 - q.powi(i as i32)).powi(hashes as i32)
    })
}

/// `P(D = d)` for `d` in `0..=k`: the chance that `k` uniform draws from the
/// block's positions hit `d` distinct ones (a draw is new with chance
/// `(B - d) / B`).
fn distinct_positions(hashes: u32) -> Vec<f64> {
    let b = BLOCK_BITS as f64;
    let k = hashes.min(MAX_HASHES) as usize;
    let mut p = vec![0.0; k + 1];
    p[0] = 1.0;
    for _ in 0..k {
        birth_step(&mut p, |d| (b - d as f64) / b);
    }
    p
}

/// The classic (unblocked) Bloom false-positive rate `(1 - e^{-kn/m})^k`.
pub fn classic_false_positive_rate(bits_per_element: f64, hashes: u32) -> f64 {
    if bits_per_element <= 0.0 {
        return 1.0;
    }
    (1.0 - (-f64::from(hashes) / bits_per_element).exp()).powi(hashes as i32)
}

/// The fewest bits per element (and the `k` achieving it) for which a blocked
/// filter of `layout` stays at or below `target_fpp`.
pub fn optimal_bits_per_element(target_fpp: f64, layout: BitLayout) -> Option<(f64, u32)> {
    let mut best: Option<(f64, u32)> = None;
    for k in 1..=MAX_HASHES {
        let (mut lo, mut hi) = (0.5_f64, 256.0_f64);
        if layout.false_positive_rate(hi, k) > target_fpp {
            continue;
        }
        for _ in 0..36 {
            let mid = 0.5 * (lo + hi);
            if layout.false_positive_rate(mid, k) <= target_fpp {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        match best {
            Some((c, _)) if hi >= c => break, // past the optimum: c(k) is unimodal
            _ => best = Some((hi, k)),
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn theory_matches_known_points() {
        // Classic: SPIE's m/n = 16, k = 8 gives about 5.7e-4.
        let p = classic_false_positive_rate(16.0, 8);
        assert!((p - 5.7e-4).abs() < 0.2e-4, "{p}");
        // Blocking costs space: a blocked filter is worse than classic at the same c.
        assert!(blocked_false_positive_rate(16.0, 8) > p);
        // Monotone in c.
        assert!(blocked_false_positive_rate(20.0, 8) < blocked_false_positive_rate(16.0, 8));
        // Independent evaluations (Python, inclusion-exclusion for A(d, n)):
        // 0.0010210 at (15.49, 9), 0.0100750 at (9.90, 6); the textbook
        // form gives 0.000999 at (15.49, 9).
        let p = blocked_false_positive_rate(15.49, 9);
        assert!((p - 0.001_021_0).abs() < 1e-6, "{p}");
        let p = blocked_false_positive_rate(9.90, 6);
        assert!((p - 0.010_075).abs() < 1e-5, "{p}");
        let t = blocked_false_positive_rate_textbook(15.49, 9);
        assert!((t - 0.000_999).abs() < 1e-6, "{t}");
        // Far from 0.1 % too, where an alternating sum would cancel out:
        // 2.1348108e-8 at (60, 24) (Python, exact rationals).
        let tiny = blocked_false_positive_rate(60.0, 24);
        assert!((tiny / 2.134_810_8e-8 - 1.0).abs() < 1e-6, "{tiny}");
    }

    #[test]
    fn distinct_position_counts_are_a_distribution() {
        for k in [1, 2, 9, MAX_HASHES] {
            let p = distinct_positions(k);
            assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12, "k={k}");
            assert_eq!(p[0], 0.0);
        }
        let two = distinct_positions(2);
        assert!((two[1] - 1.0 / 512.0).abs() < 1e-15 && (two[2] - 511.0 / 512.0).abs() < 1e-15);
    }

    #[test]
    fn distinct_positions_match_an_independent_evaluation() {
        // Python (mpmath, 60 digits), by inclusion-exclusion over the query's
        // positions: Cover(i) = Σ_j (-1)^j C(k, j) (C(B - j, k) / C(B, k))^i.
        for (c, k, want) in [
            (15.48, 9, 0.001_000_243_359_874_55),
            (15.4806, 9, 0.001_000_013_337_677_18),
            (9.89, 6, 0.010_000_868_090_450_9),
            (22.0, 12, 9.718_836_074_331_8e-5),
            (60.0, 24, 2.033_558_789_410_51e-8),
            (4.0, 3, 0.147_927_767_064_409),
        ] {
            let p = blocked_false_positive_rate_distinct(c, k);
            assert!((p / want - 1.0).abs() < 1e-9, "({c}, {k}): {p} vs {want}");
        }
        // Around the sizes used, distinct positions do better than positions
        // with replacement (not everywhere: with k large and few bits per
        // element their extra set bits cost more than the repeats).
        for (c, k) in [(9.9, 6), (15.5, 9), (22.0, 12)] {
            assert!(blocked_false_positive_rate_distinct(c, k) < blocked_false_positive_rate(c, k));
        }
        assert_eq!(blocked_false_positive_rate_distinct(f64::NAN, 9), 1.0);
        assert_eq!(blocked_false_positive_rate_distinct(f64::INFINITY, 9), 0.0);
    }

    #[test]
    fn saturated_blocks_answer_one_at_once() {
        // Just under the cut the sum is already 1 (to the rounding of its
        // twenty thousand terms, about 2e-11) for every form and k; above it
        // the answer is 1 without summing (a window claiming 5e10 elements
        // in 8 blocks would otherwise take hours).
        let under = BLOCK_BITS as f64 / (SATURATED_LOAD - 1.0);
        for k in [1, 9] {
            for p in [
                blocked_false_positive_rate(under, k),
                blocked_false_positive_rate_distinct(under, k),
                blocked_false_positive_rate_textbook(under, k),
            ] {
                assert!(p > 1.0 - 1e-9, "k={k}: {p}");
            }
        }
        for k in [1, 9, MAX_HASHES] {
            let over = 4096.0 / 5e10;
            assert_eq!(blocked_false_positive_rate_distinct(over, k), 1.0);
            assert_eq!(blocked_false_positive_rate(over, k), 1.0);
        }
        // Every sizing gives an element more than one bit (the store's
        // reader refuses windows with more elements than bits).
        for layout in [BitLayout::Distinct, BitLayout::Replacement] {
            let (c, _) = optimal_bits_per_element(0.5, layout).unwrap();
            assert!(c > 1.0, "{layout:?}: {c}");
        }
    }

    #[test]
    fn sizing_at_one_per_mille() {
        // Distinct positions reach 0.1 % at 15.4806 bits (k = 9): under 15.5.
        let (c, k) = optimal_bits_per_element(0.001, BitLayout::Distinct).unwrap();
        assert!((15.480..15.481).contains(&c), "{c}");
        assert_eq!(k, 9);
        // With replacement no k gets under 15.546.
        let (c, k) = optimal_bits_per_element(0.001, BitLayout::Replacement).unwrap();
        assert!((15.54..15.55).contains(&c), "{c}");
        assert_eq!(k, 9);
        let g = BloomGeometry::for_target(1_000_000, 0.001).unwrap();
        assert_eq!(g.layout, BitLayout::Distinct);
        assert!(g.bits() as f64 / 1e6 < 15.5);
        assert!(g.false_positive_rate(1_000_000) <= 0.001);
        assert!(g.false_positive_rate(1_100_000) > 0.001);
        assert!(BloomGeometry::for_target(0, 0.001).is_none());
        assert!(BloomGeometry::for_target(10, 1.5).is_none());
        // The other targets' best k: 6 at 1 %, 12 at 0.01 %.
        assert_eq!(optimal_bits_per_element(0.01, BitLayout::Distinct).unwrap().1, 6);
        assert_eq!(
            optimal_bits_per_element(0.0001, BitLayout::Distinct).unwrap().1,
            12
        );
    }
}
