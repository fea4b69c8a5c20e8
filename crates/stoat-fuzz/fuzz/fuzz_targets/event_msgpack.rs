//! libFuzzer entry for `stoat_fuzz::event_msgpack`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| stoat_fuzz::event_msgpack(data));
