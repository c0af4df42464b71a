//! Fuzz target: see `traceback_core::fuzzing::frame_to_digest`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = traceback_core::fuzzing::frame_to_digest(data);
});
