//! Throughput of the events stream (written in a later step).

fn main() {}
