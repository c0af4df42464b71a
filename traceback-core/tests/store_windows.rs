//! Windowing behaviour shared by every store: no false negatives, capacity
//! closes under a flood, eviction and coverage, window boundaries, and
//! agreement between the exact and Bloom stores.

use core::time::Duration;
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use traceback_core::store::{
    Coverage, DigestStore, ExactStore, ProbabilisticCollectionsStore, StoreConfig, WindowedBloomStore,
};
use traceback_core::{Digest, TimeRange, Timestamp};

mod store_support;
use store_support::digests;

fn config(capacity: u64, windows: usize) -> StoreConfig {
    let one = StoreConfig::builder()
        .capacity(capacity)
        .target_fpp(0.001)
        .build()
        .unwrap();
    StoreConfig::builder()
        .capacity(capacity)
        .target_fpp(0.001)
        .window_span(Duration::from_secs(1))
        .memory_budget_bytes(one.geometry().bytes() * windows)
        .seed(42)
        .build()
        .unwrap()
}

fn all_stores(c: StoreConfig) -> Vec<(&'static str, Box<dyn DigestStore>)> {
    vec![
        ("exact", Box::new(ExactStore::new(c))),
        ("bloom", Box::new(WindowedBloomStore::new(c))),
        ("pc", Box::new(ProbabilisticCollectionsStore::new(c))),
    ]
}

fn ms(t: u64) -> Timestamp {
    Timestamp::from_millis(t)
}

#[test]
fn no_false_negatives_in_any_store() {
    let ds = digests(1, 20_000);
    for (name, mut s) in all_stores(config(4_000, 64)) {
        // 10 s of traffic, 2 000 digests per second, half single, half batched.
        for (i, chunk) in ds.chunks(100).enumerate() {
            let at = ms(i as u64 * 50);
            if i % 2 == 0 {
                chunk.iter().for_each(|d| s.insert(d, at));
            } else {
                s.insert_batch(chunk, at);
            }
        }
        for (i, chunk) in ds.chunks(100).enumerate() {
            let at = ms(i as u64 * 50);
            for d in chunk {
                let a = s.query(d, TimeRange::at(at));
                assert!(a.hit(), "{name}: {d} at {at} missing");
                assert_eq!(a.coverage, Coverage::Full, "{name}");
                assert!(a.matches.iter().any(|m| m.span.contains(at)), "{name}");
            }
        }
        assert_eq!(s.stats().inserted, 20_000, "{name}");
        assert_eq!(s.stats().windows, 10, "{name}: one window per second");
    }
}

#[test]
fn flood_closes_windows_at_capacity_and_keeps_fpp_at_target() {
    let cap = 5_000u64;
    let c = config(cap, 64);
    let flood = digests(2, 10 * cap as usize);
    let probes = digests(3, 200_000);
    let mut bloom = WindowedBloomStore::new(c);
    let mut exact = ExactStore::new(c);
    // 10x design capacity inside one second, in batches of 64.
    for (i, chunk) in flood.chunks(64).enumerate() {
        let at = Timestamp::from_nanos(1_000_000_000 + i as u64 * 1_000);
        bloom.insert_batch(chunk, at);
        exact.insert_batch(chunk, at);
    }
    let infos = bloom.windows();
    assert_eq!(infos.len(), 10);
    assert_eq!(bloom.stats().capacity_closes, 9);
    for w in &infos {
        assert_eq!(w.count, cap);
        assert!(w.false_positive_probability <= c.target_fpp(), "{w:?}");
        assert_eq!(w.span.start.as_secs(), 1, "all windows in the same slot");
    }
    assert_eq!(
        exact
            .windows()
            .iter()
            .map(|w| (w.span, w.count))
            .collect::<Vec<_>>(),
        infos.iter().map(|w| (w.span, w.count)).collect::<Vec<_>>(),
        "exact and Bloom stores cut windows identically"
    );
    // Measured per-window false positives stay near the target.
    let second = TimeRange::new(Timestamp::from_secs(1), Timestamp::from_secs(2));
    let mut per_window = vec![0u64; infos.len()];
    for p in &probes {
        for m in bloom.query(p, second).matches {
            let i = infos.iter().position(|w| w.span == m.span).unwrap();
            per_window[i] += 1;
        }
    }
    for (i, fp) in per_window.iter().enumerate() {
        let rate = *fp as f64 / probes.len() as f64;
        assert!(rate <= 1.5 * c.target_fpp(), "window {i}: {rate}");
    }
    // Every flooded digest is still found.
    assert!(flood.iter().all(|d| bloom.query(d, second).hit()));
}

#[test]
fn eviction_follows_the_budget_and_coverage_reports_it() {
    let c = config(1_000, 3);
    assert_eq!(c.max_windows(), 3);
    let ds = digests(4, 6);
    for (name, mut s) in all_stores(c) {
        for (i, d) in ds.iter().enumerate() {
            s.insert(d, ms(i as u64 * 1000 + 500));
        }
        let st = s.stats();
        assert_eq!((st.windows, st.windows_evicted), (3, 3), "{name}");
        // Evicted time: a miss is not a "not seen".
        let old = s.query(&ds[0], TimeRange::at(ms(500)));
        assert!(!old.hit(), "{name}");
        assert_eq!(old.coverage, Coverage::None, "{name}");
        let straddle = s.query(&ds[3], TimeRange::new(ms(0), ms(3600)));
        assert!(straddle.hit(), "{name}");
        assert_eq!(straddle.coverage, Coverage::Partial, "{name}");
        let held = s.query(&ds[5], TimeRange::new(ms(3600), ms(5500)));
        assert!(held.hit(), "{name}");
        assert_eq!(held.coverage, Coverage::Full, "{name}");
        // Never-held future time.
        assert_eq!(s.query(&ds[5], TimeRange::at(ms(9000))).coverage, Coverage::None);
        // A quiet link: advance extends what the store vouches for.
        s.advance(ms(9000));
        let quiet = s.query(&ds[0], TimeRange::new(ms(6000), ms(9000)));
        assert_eq!(quiet.coverage, Coverage::Full, "{name}");
        assert!(!quiet.hit() || name != "exact");
    }
    let empty = ExactStore::new(c);
    assert_eq!(empty.query(&ds[0], TimeRange::at(ms(1))).coverage, Coverage::None);
}

/// An evicted window's filter is reused for the next window (zeroed and
/// reseeded in place): a store that has rotated through many windows on a
/// small budget answers for its retained windows exactly as a store with
/// room for all of them, whose filters were all freshly allocated.
#[test]
fn recycled_filters_answer_like_fresh_ones() {
    let rotated_cfg = config(2_000, 2);
    let roomy_cfg = StoreConfig::builder()
        .capacity(2_000)
        .target_fpp(0.001)
        .window_span(Duration::from_secs(1))
        .memory_budget_bytes(rotated_cfg.geometry().bytes() * 20)
        .seed(42)
        .build()
        .unwrap();
    let mut rotated = WindowedBloomStore::new(rotated_cfg);
    let mut roomy = WindowedBloomStore::new(roomy_cfg);
    let sets: Vec<Vec<Digest>> = (0..8).map(|i| digests(100 + i, 1_500)).collect();
    for (i, set) in sets.iter().enumerate() {
        let at = ms(i as u64 * 1000 + 10);
        rotated.insert_batch(set, at);
        roomy.insert_batch(set, at);
    }
    assert_eq!(rotated.stats().windows_evicted, 6);
    assert_eq!(roomy.stats().windows_evicted, 0);
    // The last two windows: same fill, same answers to present and absent
    // digests (a stale bit or an unchanged seed would change some).
    assert_eq!(rotated.fill_ratios(), roomy.fill_ratios()[6..]);
    let kept = TimeRange::new(ms(6000), ms(7999));
    let absent = digests(999, 50_000);
    for d in sets.iter().flatten().chain(&absent) {
        let (a, b) = (rotated.query(d, kept), roomy.query(d, kept));
        assert_eq!(a.matches, b.matches);
    }
    // What the evicted windows held is gone from the recycled memory.
    let stale = sets[..6]
        .iter()
        .flatten()
        .filter(|d| rotated.query(d, kept).hit())
        .count();
    let stale_roomy = sets[..6]
        .iter()
        .flatten()
        .filter(|d| roomy.query(d, kept).hit())
        .count();
    assert_eq!(stale, stale_roomy);
    assert!(stale < 60, "{stale} of 9000 evicted digests still match");
}

#[test]
fn queries_across_window_boundaries() {
    let ds = digests(5, 3);
    for (name, mut s) in all_stores(config(1_000, 16)) {
        s.insert(&ds[0], ms(999));
        s.insert(&ds[1], ms(1000));
        s.insert(&ds[2], ms(2999));
        assert_eq!(
            s.stats().windows,
            3,
            "{name}: 999 ms, 1000 ms and 2999 ms are three slots"
        );
        let a = s.query(&ds[0], TimeRange::new(ms(990), ms(1010)));
        assert!(a.hit(), "{name}");
        assert_eq!(a.matches[0].span, TimeRange::at(ms(999)));
        assert!(s.query(&ds[1], TimeRange::new(ms(990), ms(1010))).hit());
        // A range that ends before the digest's window does not see it.
        assert!(!s.query(&ds[1], TimeRange::new(ms(0), ms(999))).hit() || name != "exact");
        // A range spanning all windows sees all digests.
        let all = TimeRange::new(ms(0), ms(3000));
        assert!(ds.iter().all(|d| s.query(d, all).hit()), "{name}");
    }
}

#[test]
fn out_of_order_inserts_widen_the_current_window() {
    let ds = digests(6, 2);
    for (name, mut s) in all_stores(config(1_000, 16)) {
        s.insert(&ds[0], ms(5_500));
        s.insert(&ds[1], ms(3_200)); // late by 2.3 s
        let st = s.stats();
        assert_eq!((st.windows, st.late_inserts), (1, 1), "{name}");
        let a = s.query(&ds[1], TimeRange::at(ms(3_200)));
        assert!(a.hit(), "{name}");
        assert_eq!(a.matches[0].span, TimeRange::new(ms(3_200), ms(5_500)));
    }
}

#[test]
fn exact_and_bloom_agree_on_positives() {
    let c = config(2_000, 32);
    let ds = digests(7, 12_000);
    let probes = digests(8, 50_000);
    let mut exact = ExactStore::new(c);
    let mut bloom = WindowedBloomStore::new(c);
    for (i, chunk) in ds.chunks(32).enumerate() {
        let at = ms(i as u64 * 20);
        exact.insert_batch(chunk, at);
        bloom.insert_batch(chunk, at);
    }
    let range = TimeRange::new(ms(0), ms(10_000));
    let mut extra = 0usize;
    for d in ds.iter().chain(&probes) {
        let e = exact.query(d, range);
        let b = bloom.query(d, range);
        assert_eq!(e.coverage, b.coverage);
        // Every exact match is a Bloom match (same window span).
        for m in &e.matches {
            assert!(b.matches.iter().any(|x| x.span == m.span), "{d}");
            assert_eq!(m.false_positive_probability, 0.0);
        }
        extra += b.matches.len() - e.matches.len();
    }
    // Extra Bloom matches are rare: at most ~target per window per probe.
    let windows = bloom.stats().windows as f64;
    let expected = (ds.len() + probes.len()) as f64 * windows * c.target_fpp();
    assert!((extra as f64) < 1.5 * expected + 10.0, "{extra} vs {expected}");
}

/// Every digest inserted at or before `held_until` that a `Full` query
/// covers must be found: over random workloads with small budgets, floods
/// of one instant beyond the budget and one-window budgets, where eviction
/// takes the latest time seen.
#[test]
fn full_coverage_never_hides_an_evicted_digest() {
    let mut rng = ChaCha8Rng::seed_from_u64(77);
    let mut full_misses = 0u64;
    let mut checked = 0u64;
    for case in 0..24u64 {
        let windows = [1usize, 2, 3, 8][(case % 4) as usize];
        let cap = [1u64, 7, 100][(case / 4 % 3) as usize];
        for (name, mut s) in all_stores(config(cap, windows)) {
            let mut seen: Vec<(Digest, Timestamp)> = Vec::new();
            let mut t = 1_000u64;
            for step in 0..200u64 {
                // Mostly small steps, sometimes a whole slot, sometimes none
                // (a flood of one instant).
                t += match rng.next_u32() % 4 {
                    0 => 0,
                    1 => 1,
                    2 => 400,
                    _ => 1_000,
                };
                let n = 1 + (rng.next_u32() % (2 * cap as u32 + 1)) as usize;
                let ds = digests(case * 1_000 + step, n);
                if step % 2 == 0 {
                    s.insert_batch(&ds, ms(t));
                } else {
                    ds.iter().for_each(|d| s.insert(d, ms(t)));
                }
                seen.extend(ds.iter().map(|d| (*d, ms(t))));
                for (d, at) in seen.iter().rev().take(64).chain(seen.iter().take(16)) {
                    let a = s.query(d, TimeRange::at(*at));
                    checked += 1;
                    if a.coverage == Coverage::Full && !a.hit() {
                        full_misses += 1;
                        eprintln!("{name}: case {case}, step {step}: {at:?} full but missed");
                    }
                }
            }
        }
    }
    assert!(checked > 100_000, "{checked}");
    assert_eq!(full_misses, 0, "of {checked} queries");
}

#[test]
fn a_one_window_budget_covers_only_what_it_holds() {
    let ds = digests(8, 2);
    for (name, mut s) in all_stores(config(100, 1)) {
        s.insert(&ds[0], ms(500));
        s.insert(&ds[1], ms(1_500)); // the next slot evicts the first window
        let gone = s.query(&ds[0], TimeRange::at(ms(500)));
        assert_eq!((gone.hit(), gone.coverage), (false, Coverage::None), "{name}");
        let here = s.query(&ds[1], TimeRange::at(ms(1_500)));
        assert_eq!((here.hit(), here.coverage), (true, Coverage::Full), "{name}");
    }
    // A flood of one instant beyond the budget: that instant is no longer
    // fully held, and the next one is once time reaches it.
    let flood = digests(9, 300);
    for (name, mut s) in all_stores(config(100, 2)) {
        s.insert_batch(&flood, ms(42));
        assert_eq!(s.stats().windows_evicted, 1, "{name}");
        let first = s.query(&flood[0], TimeRange::at(ms(42)));
        assert_eq!(first.coverage, Coverage::None, "{name}");
        assert!(s.query(&flood[299], TimeRange::at(ms(42))).hit(), "{name}");
        s.advance(ms(50));
        assert_eq!(
            s.query(&flood[0], TimeRange::at(ms(45))).coverage,
            Coverage::Full,
            "{name}"
        );
        assert_eq!(
            s.query(&flood[0], TimeRange::new(ms(40), ms(45))).coverage,
            Coverage::Partial,
            "{name}"
        );
    }
}

#[test]
fn inserts_at_the_end_of_time_share_a_window() {
    let ds = digests(10, 10);
    for (name, mut s) in all_stores(config(1_000, 4)) {
        for d in &ds {
            s.insert(d, Timestamp::MAX);
        }
        let st = s.stats();
        assert_eq!((st.windows, st.windows_evicted), (1, 0), "{name}");
        assert!(
            ds.iter().all(|d| s.query(d, TimeRange::at(Timestamp::MAX)).hit()),
            "{name}"
        );
    }
}

#[test]
fn reversed_ranges_mean_the_same_interval() {
    let ds = digests(11, 1);
    for (name, mut s) in all_stores(config(1_000, 4)) {
        s.insert(&ds[0], ms(4));
        let forward = s.query(&ds[0], TimeRange::new(ms(3), ms(5)));
        let reversed = s.query(
            &ds[0],
            TimeRange {
                start: ms(5),
                end: ms(3),
            },
        );
        assert_eq!(forward, reversed, "{name}");
        let everything = TimeRange {
            start: Timestamp::MAX,
            end: Timestamp::EPOCH,
        };
        assert_eq!(s.query(&ds[0], everything).coverage, Coverage::Partial, "{name}");
    }
}

#[test]
fn late_inserts_are_counted_per_digest_sealed_window_or_not() {
    let ds = digests(12, 6);
    for (name, mut s) in all_stores(config(1_000, 16)) {
        s.insert(&ds[0], ms(5_500));
        s.insert_batch(&ds[1..4], ms(5_100)); // three late digests
        assert_eq!(s.stats().late_inserts, 3, "{name}");
        s.advance(ms(6_000)); // seals the window of second 5
        s.insert(&ds[4], ms(5_050)); // late, into a new window
        assert_eq!(s.stats().late_inserts, 4, "{name}");
        assert!(s.query(&ds[4], TimeRange::at(ms(5_050))).hit(), "{name}");
    }
}
