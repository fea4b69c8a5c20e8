//! libFuzzer entry for `stoat_fuzz::rest_body`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| stoat_fuzz::rest_body(data));
