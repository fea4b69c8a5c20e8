//! 100,000 users fit in a fixed memory budget, counted by the allocator,
//! and `Cache::stats` estimates it closely.
#![allow(
    unsafe_code,
    reason = "a counting global allocator needs `unsafe impl GlobalAlloc`"
)]

#[path = "support/mod.rs"]
mod support;

use stoat_model::User;
use support::{Counting, cache_of, rich_users, users};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const COUNT: usize = 100_000;

/// Bytes per user held by a cache of `users`, after checking the estimate
/// of `stats` is within a tenth of the allocator's count.
fn per_user(users: Vec<User>) -> isize {
    let (held, cache) = cache_of(users);
    let stats = cache.stats();
    println!(
        "{COUNT} users: {held} bytes held, {} B per user; the cache estimates {} B",
        held / COUNT.cast_signed(),
        stats.user_bytes
    );
    assert_eq!(stats.users, COUNT);
    let estimate = stats.user_bytes.cast_signed();
    assert!(
        (estimate - held).abs() * 10 <= held,
        "estimate {estimate} vs counted {held}"
    );
    held / COUNT.cast_signed()
}

// One test: the allocator's count is shared by every thread of the binary.
#[test]
fn a_hundred_thousand_users_fit_the_budget() {
    // The layout measures about 123 B per user on the busy community's
    // shape and 84 B on the sparse one (docs/performance.md).
    const RICH_BUDGET: isize = 128;
    const SPARSE_BUDGET: isize = 100;
    let rich = per_user(rich_users(COUNT));
    assert!(rich <= RICH_BUDGET, "{rich} B per user is over {RICH_BUDGET}");
    let sparse = per_user(users(COUNT as u128));
    assert!(
        sparse <= SPARSE_BUDGET,
        "{sparse} B per user is over {SPARSE_BUDGET}"
    );
}
