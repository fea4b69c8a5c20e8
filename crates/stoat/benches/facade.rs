//! The facade's cost over the cache's, in the same run:
//!
//! * a `UserUpdate` through the facade (applied to the cache, then made
//!   into the event a handler receives) against the cache alone;
//! * a 10,000-user `Ready` after a reconnect, compared with the full cache
//!   (unchanged, and with a tenth of the users changed), against ingesting
//!   it.
//!
//! Run: `cargo bench -p stoat-sdk --bench facade` (figures in docs/performance.md).
#![allow(missing_docs, reason = "a benchmark binary")]

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use stoat::{Client, Token};
use stoat_model::event::{Ready, UserUpdate};
use stoat_model::user::FieldsUser;
use stoat_model::{Event, PartialUser, Presence, User, UserId, UserStatus};

const USERS: u64 = 10_000;
const UPDATES: usize = 1_000;

/// The id of user `n`.
fn id(n: u64) -> UserId {
    UserId::from_u128((0x0190_0000_0000u128 << 80) | u128::from(n))
}

/// A user known to the cache: some with a status, some with a display name.
fn user(n: u64) -> User {
    let json = format!(
        r#"{{"_id":"{}","username":"member{n}","discriminator":"{:04}","relationship":"Friend","online":{}{}{}}}"#,
        id(n),
        n % 10_000,
        n.is_multiple_of(2),
        if n.is_multiple_of(2) {
            r#","status":{"text":"around","presence":"Online"}"#
        } else {
            ""
        },
        if n.is_multiple_of(3) {
            r#","display_name":"Member""#
        } else {
            ""
        },
    );
    serde_json::from_str(&json).expect("a valid user")
}

/// A mixed stream: presence toggles, statuses, display names, clears.
fn update(n: u64) -> Event {
    let mut data = PartialUser::default();
    let mut clear = Vec::new();
    match n % 10 {
        0..=4 => data.online = Some(n % 4 < 2),
        5 | 6 => {
            data.status = Some(UserStatus {
                text: Some(format!("status {}", n % 7).into()),
                presence: Some(Presence::Busy),
            });
        }
        7 | 8 => data.display_name = Some(format!("Name {}", n % 5).into()),
        _ => clear.push(FieldsUser::StatusText),
    }
    Event::UserUpdate(Box::new(UserUpdate {
        id: id(n * 7919 % USERS),
        data,
        clear,
        event_id: None,
    }))
}

fn ready() -> Event {
    ready_with(|_| {})
}

/// A `Ready` of every user, each passed through `change` first.
fn ready_with(change: impl Fn(&mut User)) -> Event {
    let mut users: Vec<User> = (0..USERS).map(user).collect();
    users.iter_mut().for_each(change);
    let mut me = user(USERS);
    me.relationship = stoat_model::RelationshipStatus::User;
    users.push(me);
    Event::Ready(Box::new(Ready {
        users: Some(users),
        ..Ready::default()
    }))
}

fn user_updates(c: &mut Criterion) {
    let updates: Vec<Event> = (0..UPDATES as u64).map(update).collect();
    let client = Client::new(Token::Bot("benchmark".into()));
    client.ingest(ready(), drop);
    let mut group = c.benchmark_group("facade_user_update");
    group.throughput(Throughput::Elements(UPDATES as u64));
    // Both are given the events cloned before the clock starts and take
    // each by value (the facade needs it so), dropping it when done.
    let batched = BatchSize::SmallInput;
    // The baseline: the same events through the cache alone.
    group.bench_function("cache alone (baseline)", |b| {
        b.iter_batched(
            || updates.clone(),
            |events| {
                for event in events {
                    black_box(client.cache().update(&event));
                }
            },
            batched,
        );
    });
    group.bench_function("stoat-sdk ingest", |b| {
        b.iter_batched(
            || updates.clone(),
            |events| {
                for event in events {
                    client.ingest(event, |made| {
                        black_box(made);
                    });
                }
            },
            batched,
        );
    });
    group.finish();
}

fn readies(c: &mut Criterion) {
    let (same, changed) = (
        ready(),
        ready_with(|user| {
            if user.id.get() % 10 == 0 {
                user.display_name = Some("Renamed".into());
                user.online = !user.online;
            }
        }),
    );
    let client = Client::new(Token::Bot("benchmark".into()));
    client.ingest(same.clone(), drop);
    let mut group = c.benchmark_group("facade_ready_10k");
    group.sample_size(20);
    let batched = BatchSize::LargeInput;
    // The baseline: the cache takes the state, comparing nothing.
    group.bench_function("cache ingest (baseline)", |b| {
        b.iter_batched(|| same.clone(), |ready| client.cache().update(&ready), batched);
    });
    group.bench_function("stoat-sdk reconcile, unchanged", |b| {
        b.iter_batched(
            || same.clone(),
            |ready| client.ingest(ready, |e| drop(black_box(e))),
            batched,
        );
    });
    // Every other run changes a tenth of the users, and the next changes
    // them back: each reconciles 1,000 user updates.
    let mut flip = false;
    group.bench_function("stoat-sdk reconcile, a tenth changed", |b| {
        b.iter_batched(
            || {
                flip = !flip;
                if flip { changed.clone() } else { same.clone() }
            },
            |ready| client.ingest(ready, |e| drop(black_box(e))),
            batched,
        );
    });
    group.finish();
}

criterion_group!(benches, user_updates, readies);
criterion_main!(benches);
