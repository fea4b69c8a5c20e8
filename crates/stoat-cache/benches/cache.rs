//! Cache benchmarks, each next to a baseline measured in the same run:
//!
//! * bytes per cached user, counted with a counting allocator, against a
//!   `HashMap<String, revolt_models::v0::User>` of the same users (printed);
//! * `UserUpdate` events applied on one thread, against applying the same
//!   update to a `HashMap<UserId, User>` of model users;
//! * `Ready` ingest of 10,000 users, against inserting them into that map.
//!
//! Run: `cargo bench -p stoat-cache --bench cache` (figures in docs/performance.md).
#![allow(missing_docs, reason = "a benchmark binary")]
#![allow(
    unsafe_code,
    reason = "a counting global allocator needs `unsafe impl GlobalAlloc`"
)]
#![allow(clippy::cast_precision_loss, reason = "ratios of byte counts for display")]
#![allow(clippy::cast_possible_truncation, reason = "small indices")]

use std::collections::HashMap;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use stoat_cache::Cache;
use stoat_model::event::{Event, Ready, UserUpdate};
use stoat_model::{PartialUser, Presence, User, UserId, UserStatus};

#[path = "../tests/support/mod.rs"]
mod support;

use support::{Counting, held, users};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn memory() {
    const COUNT: u128 = 100_000;
    let users = users(COUNT);
    let ready = Event::Ready(Box::new(Ready {
        users: Some(users.clone()),
        ..Ready::default()
    }));
    let (ours, cache) = held(|| {
        let cache = Cache::new();
        cache.update(&ready);
        cache
    });
    let revolt: Vec<revolt_models::v0::User> = users
        .iter()
        .map(|u| serde_json::from_value(serde_json::to_value(u).unwrap()).unwrap())
        .collect();
    let (theirs, map) = held(|| {
        revolt
            .iter()
            .map(|u| (u.id.clone(), u.clone()))
            .collect::<HashMap<_, _>>()
    });
    drop(revolt);
    let n = COUNT as f32;
    println!(
        "bytes per cached user: stoat-cache {:.0} B, HashMap<String, revolt_models::v0::User> {:.0} B, ratio {:.2}x",
        ours as f32 / n,
        theirs as f32 / n,
        theirs as f32 / ours as f32
    );
    drop((cache, map));
}

fn update(id: UserId, n: u64) -> Event {
    Event::UserUpdate(Box::new(UserUpdate {
        id,
        data: PartialUser {
            status: Some(UserStatus {
                text: Some(format!("status {}", n % 7).into()),
                presence: Some(Presence::Busy),
            }),
            online: Some(n.is_multiple_of(2)),
            ..PartialUser::default()
        },
        clear: Vec::new(),
        event_id: None,
    }))
}

fn benches(c: &mut Criterion) {
    memory();
    let users = users(10_000);
    let ids: Vec<UserId> = users.iter().map(|u| u.id).collect();
    let events: Vec<Event> = (0..1024u64)
        .map(|n| update(ids[(n * 37) as usize % ids.len()], n))
        .collect();
    let ready = Event::Ready(Box::new(Ready {
        users: Some(users.clone()),
        ..Ready::default()
    }));

    let mut group = c.benchmark_group("user_update");
    group.throughput(Throughput::Elements(events.len() as u64));
    let cache = Cache::new();
    cache.update(&ready);
    group.bench_function("stoat-cache", |b| {
        b.iter(|| {
            for event in &events {
                black_box(cache.update(event));
            }
        });
    });
    let mut map: HashMap<UserId, User> = users.iter().map(|u| (u.id, u.clone())).collect();
    group.bench_function("HashMap<UserId, User> (baseline)", |b| {
        b.iter(|| {
            for event in &events {
                if let Event::UserUpdate(u) = event
                    && let Some(user) = map.get_mut(&u.id)
                {
                    black_box(user.apply_update(&u.data, &u.clear));
                }
            }
        });
    });
    group.finish();

    let mut group = c.benchmark_group("ready_10k");
    group.throughput(Throughput::Elements(10_000));
    group.sample_size(20);
    group.bench_function("stoat-cache", |b| {
        b.iter(|| {
            let cache = Cache::new();
            black_box(cache.update(&ready));
            cache
        });
    });
    group.bench_function("HashMap<UserId, User> (baseline)", |b| {
        b.iter(|| users.iter().map(|u| (u.id, u.clone())).collect::<HashMap<_, _>>());
    });
    group.finish();
}

criterion_group!(cache, benches);
criterion_main!(cache);
