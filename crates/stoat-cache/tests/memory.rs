//! 100,000 real-shaped users fit in a fixed memory budget.
#![allow(
    unsafe_code,
    reason = "a counting global allocator needs `unsafe impl GlobalAlloc`"
)]

#[path = "support/mod.rs"]
mod support;

use stoat_cache::Cache;
use stoat_model::event::{Event, Ready};
use support::{Counting, held, users};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[test]
fn a_hundred_thousand_users_fit_the_budget() {
    const COUNT: u128 = 100_000;
    // The layout measures about 145 B per user (docs/performance.md).
    const BUDGET_PER_USER: isize = 160;
    let event = Event::Ready(Box::new(Ready {
        users: Some(users(COUNT)),
        ..Ready::default()
    }));
    let (held, cache) = held(|| {
        let cache = Cache::new();
        cache.update(&event);
        cache
    });
    drop(event);
    let per_user = held / COUNT as isize;
    let stats = cache.stats();
    println!(
        "{COUNT} users: {held} bytes held, {per_user} B per user; the cache estimates {} B",
        stats.user_bytes
    );
    assert_eq!(stats.users, COUNT as usize);
    assert!(
        per_user <= BUDGET_PER_USER,
        "{per_user} B per user is over {BUDGET_PER_USER}"
    );
    // The estimate in `stats` is within a quarter of what the allocator saw.
    let estimate = stats.user_bytes.cast_signed();
    assert!(
        (estimate - held).abs() * 4 <= held,
        "estimate {estimate} vs counted {held}"
    );
}
