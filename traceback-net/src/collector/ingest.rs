//! Reading capture files into the store, at the recorded pace or as fast as possible.

use super::queries::IngestCounters;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use traceback_core::capture::CaptureReader;
use traceback_core::digest::{Blake3Digester, Digester, FrameDigest};
use traceback_core::packet::LinkType;
use traceback_core::store::{DigestStore, WindowedBloomStore};
use traceback_core::{Digest, Timestamp};

/// Frames digested per batch.
const BATCH: usize = 64;

/// The collector's notion of time: capture time mapped onto the wall clock.
///
/// While a capture replays, "now" is the time of the last packet read; after
/// the last capture it keeps running with the wall clock (times the speed
/// factor), so a quiet link still answers "not seen" with full coverage.
#[derive(Debug)]
pub struct ReplayClock {
    last: Mutex<Option<(Timestamp, Instant)>>,
    speed: f64,
}

impl ReplayClock {
    /// A clock scaled by `speed` (values <= 0 count as 1 after the replay).
    pub fn new(speed: f64) -> Self {
        ReplayClock {
            last: Mutex::new(None),
            speed: if speed > 0.0 { speed } else { 1.0 },
        }
    }

    fn mark(&self, ts: Timestamp) {
        if let Ok(mut g) = self.last.lock() {
            *g = Some((ts, Instant::now()));
        }
    }

    /// The collector's current time, if any packet was read yet.
    pub fn now(&self) -> Option<Timestamp> {
        let g = self.last.lock().ok()?;
        let (ts, at) = (*g)?;
        Some(ts.saturating_add(scale(at.elapsed(), self.speed)))
    }
}

/// What the ingest task did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IngestSummary {
    /// Capture files read to the end.
    pub files: u32,
    /// Files that failed (unreadable, unknown format, cut mid-record).
    pub file_errors: u32,
}

/// The blocking ingest loop: run it on a blocking thread.
pub(super) fn ingest(
    captures: &[PathBuf],
    speed: f64,
    digester: &Blake3Digester,
    store: &Arc<Mutex<WindowedBloomStore>>,
    counters: &IngestCounters,
    clock: &ReplayClock,
    cancel: &CancellationToken,
) -> IngestSummary {
    let mut summary = IngestSummary::default();
    let mut pace: Option<(Timestamp, Instant)> = None;
    for path in captures {
        if cancel.is_cancelled() {
            break;
        }
        match ingest_file(path, speed, digester, store, counters, clock, cancel, &mut pace) {
            Ok(()) => summary.files += 1,
            Err(e) => {
                summary.file_errors += 1;
                tracing::warn!(file = %path.display(), "capture read stopped: {e}");
            }
        }
    }
    summary
}

/// `d * factor`, saturating at `Duration::MAX` (never panics, whatever the
/// factor: a NaN or negative one gives zero).
fn scale(d: Duration, factor: f64) -> Duration {
    let secs = d.as_secs_f64() * factor;
    if secs.is_nan() || secs <= 0.0 {
        return Duration::ZERO;
    }
    Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX)
}

/// Sleep until the packet at `ts` is due, in slices so cancellation is prompt.
/// A due time beyond what the clock can represent waits until cancelled.
fn wait_for(ts: Timestamp, speed: f64, pace: &mut Option<(Timestamp, Instant)>, cancel: &CancellationToken) {
    if speed <= 0.0 {
        return;
    }
    let (t0, w0) = *pace.get_or_insert((ts, Instant::now()));
    let due = w0.checked_add(scale(ts.saturating_duration_since(t0), 1.0 / speed));
    loop {
        let now = Instant::now();
        if due.is_some_and(|d| now >= d) || cancel.is_cancelled() {
            return;
        }
        let left = due.map_or(Duration::MAX, |d| d - now);
        std::thread::sleep(left.min(Duration::from_millis(50)));
    }
}

/// Whether `path` opens and starts with a pcap or pcapng header.
pub(super) fn check_capture(path: &Path) -> Result<(), traceback_core::capture::CaptureError> {
    let file = std::fs::File::open(path)?;
    CaptureReader::new(std::io::BufReader::new(file)).map(drop)
}

#[allow(clippy::too_many_arguments)]
fn ingest_file(
    path: &PathBuf,
    speed: f64,
    digester: &Blake3Digester,
    store: &Arc<Mutex<WindowedBloomStore>>,
    counters: &IngestCounters,
    clock: &ReplayClock,
    cancel: &CancellationToken,
    pace: &mut Option<(Timestamp, Instant)>,
) -> Result<(), traceback_core::capture::CaptureError> {
    let file = std::fs::File::open(path)?;
    let mut reader = CaptureReader::new(std::io::BufReader::new(file))?;
    let mut frames: Vec<Vec<u8>> = Vec::with_capacity(BATCH);
    let mut times: Vec<Timestamp> = Vec::with_capacity(BATCH);
    let mut link: Option<LinkType> = None;
    let mut out: Vec<FrameDigest> = Vec::with_capacity(BATCH);
    loop {
        if cancel.is_cancelled() {
            break;
        }
        let rec = reader.next_record()?;
        let flush = match &rec {
            None => true,
            Some(r) => frames.len() >= BATCH || link.is_some_and(|l| l != r.link) || speed > 0.0,
        };
        if flush && !frames.is_empty() {
            if let Some(l) = link {
                flush_batch(l, &frames, &times, digester, store, counters, &mut out);
            }
            frames.clear();
            times.clear();
        }
        let Some(r) = rec else { break };
        wait_for(r.ts, speed, pace, cancel);
        link = Some(r.link);
        frames.push(r.data.to_vec());
        times.push(r.ts);
        clock.mark(r.ts);
    }
    if let (Some(l), false) = (link, frames.is_empty()) {
        flush_batch(l, &frames, &times, digester, store, counters, &mut out);
    }
    Ok(())
}

fn flush_batch(
    link: LinkType,
    frames: &[Vec<u8>],
    times: &[Timestamp],
    digester: &Blake3Digester,
    store: &Arc<Mutex<WindowedBloomStore>>,
    counters: &IngestCounters,
    out: &mut Vec<FrameDigest>,
) {
    let refs: Vec<&[u8]> = frames.iter().map(Vec::as_slice).collect();
    digester.digest_batch(link, &refs, out);
    counters.frames.fetch_add(frames.len() as u64, Ordering::Relaxed);
    let digests: Vec<(Digest, Timestamp)> = out
        .iter()
        .zip(times)
        .filter_map(|(d, t)| d.digest.map(|d| (d, *t)))
        .collect();
    counters
        .digested
        .fetch_add(digests.len() as u64, Ordering::Relaxed);
    if let Ok(mut s) = store.lock() {
        for (d, t) in &digests {
            s.insert(d, *t);
        }
    }
}
