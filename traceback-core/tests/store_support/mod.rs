//! Shared by the store tests: seeded random digests.

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use traceback_core::Digest;

/// `n` random digests drawn from `rng`.
pub(crate) fn digests_from(rng: &mut ChaCha8Rng, n: usize) -> Vec<Digest> {
    (0..n)
        .map(|_| {
            let mut b = [0u8; 16];
            rng.fill_bytes(&mut b);
            Digest(b)
        })
        .collect()
}

/// `n` random digests from a generator seeded with `seed`.
#[allow(dead_code)] // not every test crate that includes this module uses both
pub(crate) fn digests(seed: u64, n: usize) -> Vec<Digest> {
    digests_from(&mut ChaCha8Rng::seed_from_u64(seed), n)
}
