//! Shared by the memory test and the benchmark: a counting allocator and
//! the generator of real-shaped users. Included with `#[path]`.
#![allow(
    unreachable_pub,
    dead_code,
    reason = "shared by tests and a bench through `mod support`, each using a part"
)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

use stoat_model::event::{Event, Format};
use stoat_model::file::{FileTag, Metadata};
use stoat_model::{
    BotInformation, Discriminator, File, Presence, RelationshipStatus, User, UserId, UserStatus,
};

/// The corpus of `stoat-model`'s benches, so that both crates measure the
/// same users and events.
#[path = "../../../stoat-model/benches/support/mod.rs"]
mod corpus;

/// Users shaped like a busy community's members (see `rich_users` in
/// `stoat-model/benches/support`); the first is your own user.
pub fn rich_users(count: usize) -> Vec<User> {
    serde_json::from_value(corpus::rich_users(count)).unwrap()
}

/// The mixed `UserUpdate` stream of a busy community about `users`, as
/// frames.
pub fn user_update_frames(users: &[User], count: usize) -> Vec<Vec<u8>> {
    let ids: Vec<String> = users.iter().map(|u| u.id.to_string()).collect();
    corpus::user_updates(&ids, count)
}

/// The same stream, decoded.
pub fn user_updates(users: &[User], count: usize) -> Vec<Event> {
    user_update_frames(users, count)
        .iter()
        .map(|frame| Event::decode(Format::Json, frame).unwrap())
        .collect()
}

/// A `Ready` frame carrying `users`, keys in the server's order.
pub fn ready_frame(users: &[User]) -> Vec<u8> {
    let mut ready = br#"{"type":"Ready","users":"#.to_vec();
    ready.extend(serde_json::to_vec(users).unwrap());
    ready.extend(br#","servers":[],"channels":[],"members":[],"emojis":[]}"#);
    ready
}

/// Counts live heap bytes in [`LIVE`].
pub struct Counting;

/// Heap bytes allocated and not yet freed.
pub static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size().cast_signed(), Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size().cast_signed(), Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// Heap bytes still held by what `make` returns.
pub fn held<T>(make: impl FnOnce() -> T) -> (isize, T) {
    let before = LIVE.load(Ordering::Relaxed);
    let value = make();
    (LIVE.load(Ordering::Relaxed) - before, value)
}

/// A cache holding `users` (put in by a `Ready`), and the heap bytes it
/// holds (the `Ready` itself is dropped first).
pub fn cache_of(users: Vec<User>) -> (isize, stoat_cache::Cache) {
    let ready = Event::Ready(Box::new(stoat_model::event::Ready {
        users: Some(users),
        ..Default::default()
    }));
    held(|| {
        let cache = stoat_cache::Cache::new();
        cache.update(&ready);
        cache
    })
}

/// Users shaped like the recorded ones: everyone has a name, a
/// discriminator, a relationship and an online flag; a third a display
/// name, a quarter a status, a tenth an avatar, one in 23 is a bot.
pub fn users(count: u128) -> Vec<User> {
    (0..count)
        .map(|n| {
            let mut user = User::new(
                UserId::from_u128((1 << 100) + n * 7919),
                format!("user{n}"),
                Discriminator::new(u16::try_from(n % 9999).unwrap_or(0) + 1)
                    .unwrap_or(Discriminator::DELETED),
            );
            user.relationship = if n % 2 == 0 {
                RelationshipStatus::Friend
            } else {
                RelationshipStatus::None
            };
            user.online = n % 3 == 0;
            if n % 3 == 1 {
                user.display_name = Some(format!("Display {n}").into());
            }
            if n % 4 == 2 {
                user.status = Some(UserStatus {
                    text: Some("on the socket".into()),
                    presence: Some(Presence::Idle),
                });
            }
            if n % 10 == 5 {
                let metadata = Metadata::Image {
                    width: 256,
                    height: 256,
                    thumbhash: None,
                    animated: Some(false),
                };
                let id = format!("pN5jK_LvUyQYhmzp55C54Xi58l66sNdt38P{n:07}");
                user.avatar = Some(Box::new(File::new(
                    id.into(),
                    FileTag::Avatars,
                    "a.png",
                    metadata,
                    "image/png",
                    48_213,
                )));
            }
            if n % 23 == 0 {
                user.bot = Some(BotInformation {
                    owner: UserId::from_u128(1 << 100),
                });
            }
            user
        })
        .collect()
}
