//! The Engine.IO / Socket.IO packet parser of the RTM client.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| crisp_api::fuzzing::packet(data));
