//! The REST response envelope decode: status, reason, error probe, excerpt.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| crisp_api::fuzzing::envelope(data));
