//! libFuzzer entry for `stoat_fuzz::parsed_strings`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| stoat_fuzz::parsed_strings(data));
