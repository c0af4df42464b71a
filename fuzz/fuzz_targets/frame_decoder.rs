//! Fuzz `proto::decode_frame`: any frame body gives a message or a typed
//! error, never a panic; a decoded message re-encodes to a stable byte form.
#![no_main]

use libfuzzer_sys::fuzz_target;
use traceback_core::proto::{decode_frame, encode_frame};

fuzz_target!(|data: &[u8]| {
    if let Ok(msg) = decode_frame(data) {
        let again = encode_frame(&msg).expect("a decoded message encodes");
        // Compare bytes, not values: a float field may hold NaN.
        let twice = decode_frame(&again).expect("re-encoded frame decodes");
        assert_eq!(encode_frame(&twice).expect("encodes again"), again);
    }
});
