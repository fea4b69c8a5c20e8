//! Many threads updating and reading at once: no deadlock, no torn read.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use stoat_cache::Cache;
use stoat_model::event::{Bulk, Event, Ready, UserUpdate};
use stoat_model::{Discriminator, PartialUser, RelationshipStatus, User, UserId, UserStatus};

const USERS: u128 = 64;
const WRITERS: usize = 4;
const READERS: usize = 4;
const ROUNDS: u64 = 5_000;

fn user_id(n: u128) -> UserId {
    UserId::from_u128((1 << 100) + n)
}

/// Sets the display name and the status text to the same token in one
/// update: a reader that sees them differ saw half an update.
fn stamp(n: u128, token: u64) -> Event {
    let text = token.to_string();
    Event::UserUpdate(Box::new(UserUpdate {
        id: user_id(n),
        data: PartialUser {
            display_name: Some(text.as_str().into()),
            status: Some(UserStatus {
                text: Some(text.as_str().into()),
                presence: None,
            }),
            ..PartialUser::default()
        },
        clear: Vec::new(),
        event_id: None,
    }))
}

#[test]
fn concurrent_updates_are_atomic_per_user() {
    let cache = Cache::new();
    let users = (0..USERS)
        .map(|n| {
            let mut user = User::new(user_id(n), format!("user{n}"), Discriminator::new(1).unwrap());
            user.relationship = if n == 0 {
                RelationshipStatus::User
            } else {
                RelationshipStatus::Friend
            };
            user
        })
        .collect();
    cache.update(&Event::Ready(Box::new(Ready {
        users: Some(users),
        ..Ready::default()
    })));
    let stop = AtomicBool::new(false);
    let reads = AtomicU64::new(0);
    std::thread::scope(|scope| {
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                let cache = &cache;
                scope.spawn(move || {
                    for round in 0..ROUNDS {
                        let token = round * WRITERS as u64 + w as u64;
                        let n = u128::from(token) % USERS;
                        // Half the updates come in a Bulk, as the server sometimes sends them.
                        if round % 2 == 0 {
                            cache.update(&stamp(n, token));
                        } else {
                            cache.update(&Event::Bulk(Bulk {
                                v: vec![stamp(n, token), stamp((n + 1) % USERS, token)],
                            }));
                        }
                    }
                })
            })
            .collect();
        for _ in 0..READERS {
            scope.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    for n in 0..USERS {
                        let (name, text) = cache
                            .with_user(user_id(n), |u| {
                                (
                                    u.display_name().map(str::to_owned),
                                    u.status().and_then(|s| s.text.clone()),
                                )
                            })
                            .unwrap();
                        assert_eq!(name.as_deref(), text.as_deref(), "torn read of user {n}");
                        let whole = cache.user(user_id(n)).unwrap();
                        assert_eq!(
                            whole.display_name.as_deref(),
                            whole.status.and_then(|s| s.text).as_deref()
                        );
                        reads.fetch_add(1, Ordering::Relaxed);
                    }
                    // Readers that touch several maps at once.
                    let _ = cache.stats();
                    let _ = cache.relations();
                }
            });
        }
        for writer in writers {
            writer.join().unwrap();
        }
        stop.store(true, Ordering::Relaxed);
    });
    assert!(reads.load(Ordering::Relaxed) > 0);
    // Every user was stamped, and the last stamp of each is a token that was written.
    for n in 0..USERS {
        let name = cache.user(user_id(n)).unwrap().display_name.unwrap();
        let token: u64 = name.parse().unwrap();
        assert!(token < ROUNDS * WRITERS as u64);
    }
}
