//! cargo fuzz target: see fuzz/src/lib.rs (`check_events_paths`) for the decoding and the naive loop.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    capcycle_fuzz::check_events_paths(data);
});
