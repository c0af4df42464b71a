//! A criterion measurement of the benchmark thread's CPU time.
//!
//! The benchmark machine is shared: wall-clock time would count the time the
//! thread waits for a core. `CLOCK_THREAD_CPUTIME_ID` counts only the time it
//! runs. Selected with `TRACEBACK_BENCH_CLOCK=cpu` (the default); `wall` gives
//! criterion's usual wall clock.

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{Criterion, Throughput};
use std::time::Duration;

/// Nanoseconds of CPU time consumed by the calling thread.
pub(crate) fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant
    // every Linux kernel since 2.6.12 supports.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return 0;
    }
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// Thread CPU time, in nanoseconds.
pub(crate) struct ThreadCpuTime;

impl Measurement for ThreadCpuTime {
    type Intermediate = u64;
    type Value = u64;
    fn start(&self) -> u64 {
        thread_cpu_ns()
    }
    fn end(&self, start: u64) -> u64 {
        thread_cpu_ns().saturating_sub(start)
    }
    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }
    fn zero(&self) -> u64 {
        0
    }
    fn to_f64(&self, v: &u64) -> f64 {
        *v as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        &CpuFormatter
    }
}

struct CpuFormatter;

impl ValueFormatter for CpuFormatter {
    fn scale_values(&self, typical: f64, values: &mut [f64]) -> &'static str {
        let (div, unit) = if typical < 1e3 {
            (1.0, "ns cpu")
        } else if typical < 1e6 {
            (1e3, "µs cpu")
        } else {
            (1e6, "ms cpu")
        };
        values.iter_mut().for_each(|v| *v /= div);
        unit
    }
    fn scale_throughputs(&self, _typical: f64, t: &Throughput, values: &mut [f64]) -> &'static str {
        let (n, unit) = match *t {
            Throughput::Bytes(n) | Throughput::BytesDecimal(n) => (n, "MB/s cpu"),
            Throughput::Elements(n) => (n, "Melem/s cpu"),
        };
        values
            .iter_mut()
            .for_each(|v| *v = n as f64 * 1e3 / v.max(f64::MIN_POSITIVE));
        unit
    }
    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "ns"
    }
}

fn base<M: Measurement>(c: Criterion<M>) -> Criterion<M> {
    c.sample_size(20)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1))
}

/// Whether `TRACEBACK_BENCH_CLOCK=wall` asks for wall-clock time.
pub(crate) fn wall_clock_requested() -> bool {
    std::env::var("TRACEBACK_BENCH_CLOCK").is_ok_and(|v| v == "wall")
}

/// The short configuration shared by the benchmarks, on CPU time.
pub(crate) fn cpu_config() -> Criterion<ThreadCpuTime> {
    base(Criterion::default().with_measurement(ThreadCpuTime))
}

/// The same configuration on wall-clock time.
pub(crate) fn wall_config() -> Criterion<WallTime> {
    base(Criterion::default())
}
