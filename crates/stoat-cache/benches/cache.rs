//! Cache timings, each next to a baseline measured in the same run, on
//! two corpora: users shaped like a busy community's (`rich`) and the
//! sparser recorded shape (`sparse`):
//!
//! * the mixed `UserUpdate` stream applied on one thread, against applying
//!   the same updates to a `HashMap<UserId, User>` of model users (and,
//!   for reference, to a `DashMap<UserId, User>`: the cache's map type
//!   holding whole users);
//! * `Ready` ingest of 10,000 users, against decoding the same `Ready`
//!   frame and against cloning the users into that map.
//!
//! They run on the system allocator: the counting one of the memory bench
//! (`benches/memory.rs`) adds an atomic operation to every allocation and
//! free, which would weigh on whichever side allocates more.
//!
//! Run: `cargo bench -p stoat-cache --bench cache` (figures in docs/performance.md).
#![allow(missing_docs, reason = "a benchmark binary")]
#![allow(
    unsafe_code,
    reason = "the shared support module defines the counting allocator, not installed here"
)]
#![allow(clippy::cast_possible_truncation, reason = "small indices")]

use std::collections::HashMap;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dashmap::DashMap;
use stoat_cache::Cache;
use stoat_model::event::{Event, Format, Ready, UserUpdate};
use stoat_model::{PartialUser, Presence, User, UserId, UserStatus};

#[path = "../tests/support/mod.rs"]
mod support;

use support::{ready_frame, rich_users, user_updates, users};

fn ready(users: &[User]) -> Event {
    Event::Ready(Box::new(Ready {
        users: Some(users.to_vec()),
        ..Ready::default()
    }))
}

/// The stream measured before the rich corpus: statuses and online
/// toggles only.
fn status_update(id: UserId, n: u64) -> Event {
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

fn apply_updates(c: &mut Criterion, name: &str, users: &[User], events: &[Event]) {
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(events.len() as u64));
    let cache = Cache::new();
    cache.update(&ready(users));
    group.bench_function("stoat-cache", |b| {
        b.iter(|| {
            for event in events {
                black_box(cache.update(event));
            }
        });
    });
    let mut map: HashMap<UserId, User> = users.iter().map(|u| (u.id, u.clone())).collect();
    group.bench_function("HashMap<UserId, User> (baseline)", |b| {
        b.iter(|| {
            for event in events {
                if let Event::UserUpdate(u) = event
                    && let Some(user) = map.get_mut(&u.id)
                {
                    black_box(user.apply_update(&u.data, &u.clear));
                }
            }
        });
    });
    // The same users whole, in the map type the cache uses: what the
    // concurrent map costs before any compact form.
    let shared: DashMap<UserId, User> = users.iter().map(|u| (u.id, u.clone())).collect();
    group.bench_function("DashMap<UserId, User> (reference)", |b| {
        b.iter(|| {
            for event in events {
                if let Event::UserUpdate(u) = event
                    && let Some(mut user) = shared.get_mut(&u.id)
                {
                    black_box(user.apply_update(&u.data, &u.clear));
                }
            }
        });
    });
    group.finish();
}

fn ingest_ready(c: &mut Criterion, name: &str, users: &[User]) {
    let frame = ready_frame(users);
    let ready = Event::decode(Format::Json, &frame).unwrap();
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(users.len() as u64));
    group.sample_size(20);
    group.bench_function("stoat-cache", |b| {
        b.iter(|| {
            let cache = Cache::new();
            black_box(cache.update(&ready));
            cache
        });
    });
    group.bench_function("decode the frame (baseline)", |b| {
        b.iter(|| Event::decode(Format::Json, black_box(&frame)).unwrap());
    });
    group.bench_function("HashMap<UserId, User> (baseline)", |b| {
        b.iter(|| users.iter().map(|u| (u.id, u.clone())).collect::<HashMap<_, _>>());
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    let rich = rich_users(10_000);
    apply_updates(c, "user_update/mixed-rich", &rich, &user_updates(&rich, 1024));
    let sparse = users(10_000);
    let ids: Vec<UserId> = sparse.iter().map(|u| u.id).collect();
    let statuses: Vec<Event> = (0..1024u64)
        .map(|n| status_update(ids[(n * 37) as usize % ids.len()], n))
        .collect();
    apply_updates(c, "user_update", &sparse, &statuses);

    ingest_ready(c, "ready_10k_rich", &rich);
    ingest_ready(c, "ready_10k", &sparse);
}

criterion_group!(cache, benches);
criterion_main!(cache);
