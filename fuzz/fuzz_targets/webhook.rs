//! Web Hook verification and decoding.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| crisp_api::fuzzing::webhook(data));
