//! Fuzz target: see `traceback_core::fuzzing::store_reader`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = traceback_core::fuzzing::store_reader(data);
});
