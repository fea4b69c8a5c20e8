//! Bytes per cached user, counted by a counting allocator, against a
//! `HashMap<String, revolt_models::v0::User>` of the same users, on both
//! corpora (`rich`: a busy community's members; `sparse`: the recorded
//! shape). Printed, not timed; the timings are in `benches/cache.rs`, on
//! the system allocator.
//!
//! Run: `cargo bench -p stoat-cache --bench memory` (figures in docs/performance.md).
#![allow(missing_docs, reason = "a benchmark binary")]
#![allow(
    unsafe_code,
    reason = "a counting global allocator needs `unsafe impl GlobalAlloc`"
)]
#![allow(clippy::cast_precision_loss, reason = "ratios of byte counts for display")]

use std::collections::HashMap;

use stoat_model::User;

#[path = "../tests/support/mod.rs"]
mod support;

use support::{Counting, cache_of, held, rich_users, users};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn memory(shape: &str, users: Vec<User>) {
    let revolt: Vec<revolt_models::v0::User> = users
        .iter()
        .map(|u| serde_json::from_value(serde_json::to_value(u).unwrap()).unwrap())
        .collect();
    let n = users.len() as f32;
    let (ours, cache) = cache_of(users);
    let estimate = cache.stats().user_bytes;
    let (theirs, map) = held(|| {
        revolt
            .iter()
            .map(|u| (u.id.clone(), u.clone()))
            .collect::<HashMap<_, _>>()
    });
    println!(
        "{shape}: bytes per cached user: stoat-cache {:.1} B (stats estimate {:.1} B), HashMap<String, revolt_models::v0::User> {:.0} B, ratio {:.2}x",
        ours as f32 / n,
        estimate as f32 / n,
        theirs as f32 / n,
        theirs as f32 / ours as f32
    );
    drop((cache, map));
}

fn main() {
    memory("rich", rich_users(100_000));
    memory("sparse", users(100_000));
}
