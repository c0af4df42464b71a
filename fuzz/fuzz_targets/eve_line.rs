//! Fuzz target: see `traceback_core::fuzzing::eve_line`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = traceback_core::fuzzing::eve_line(data);
});
