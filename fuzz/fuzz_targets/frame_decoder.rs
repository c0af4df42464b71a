//! Fuzz `proto::decode_frame`: any frame body gives a message or a typed
//! error, never a panic; a decoded message re-encodes to a stable byte form.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    traceback_core::fuzzing::frame_decoder(data);
});
