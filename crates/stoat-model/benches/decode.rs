//! Decode benchmarks of `stoat-model`, each against a baseline measured in
//! the same run:
//!
//! * `users/10k`: a `Vec<User>` of 10,000 real-shaped users, this crate vs
//!   `revolt_models::v0::User` vs `serde::de::IgnoredAny` (the floor);
//! * `event/*`: each Users event, this crate's tag-first decoder vs a plain
//!   `#[serde(tag = "type")]` derive over the same payload structs, and the
//!   cost of a filtered-out frame;
//! * bytes per decoded user (inline plus heap), counted with a counting
//!   allocator, printed before the timings.
//!
//! Run: `cargo bench -p stoat-model --bench decode` (figures in docs/performance.md).
#![allow(missing_docs, reason = "a benchmark binary")]
#![allow(
    unsafe_code,
    reason = "a counting global allocator needs `unsafe impl GlobalAlloc`"
)]
#![allow(clippy::cast_precision_loss, reason = "ratios of byte counts for display")]

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicIsize, Ordering};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde::Deserialize;
use serde_json::{Value, json};
use stoat_model::User;
use stoat_model::event::{
    ChannelTyping, Event, EventFlags, Format, UserRelationship, UserUpdate, UserVoiceStateUpdate,
};

/// Counts live heap bytes.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

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

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// A deterministic generator of real-shaped users: the shapes and value
/// sizes of the recorded fixtures (plain users, display names, statuses,
/// avatars with image metadata, badges, bots).
fn users(count: usize) -> Value {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut seed = 0x2545_F491_4F6C_DD1D_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let id = |next: &mut dyn FnMut() -> u64| -> String {
        let mut s = String::from("01M860");
        for _ in 0..20 {
            s.push(char::from(ALPHABET[(next() % 32) as usize]));
        }
        s
    };
    let presences = ["Online", "Idle", "Focus", "Busy"];
    let relationships = [
        "Friend",
        "None",
        "Incoming",
        "Outgoing",
        "Blocked",
        "BlockedOther",
    ];
    let list = (0..count)
        .map(|i| {
            let r = next();
            let mut user = json!({
                "_id": id(&mut next),
                "username": format!("user{}_{}", i, r % 1000),
                "discriminator": format!("{:04}", r % 10_000),
                "relationship": relationships[(r >> 8) as usize % relationships.len()],
                "online": r & 1 == 0,
            });
            let map = user.as_object_mut().unwrap();
            if r % 3 == 0 {
                map.insert("display_name".into(), json!(format!("Display {i}")));
            }
            if r % 4 == 0 {
                let presence = presences[(r >> 16) as usize % presences.len()];
                map.insert("status".into(), json!({"text": "on the socket", "presence": presence}));
            }
            if r % 5 == 0 {
                map.insert(
                    "avatar".into(),
                    json!({
                        "_id": "pN5jK_LvUyQYhmzp55C54Xi58l66sNdt38PCvoCsvM", "tag": "avatars",
                        "filename": "avatar.png",
                        "metadata": {"type": "Image", "width": 256, "height": 256, "thumbhash": null, "animated": false},
                        "content_type": "image/png", "size": 48_213
                    }),
                );
            }
            if r % 7 == 0 {
                map.insert("badges".into(), json!(68));
            }
            if r % 11 == 0 {
                map.insert("bot".into(), json!({"owner": id(&mut next)}));
            }
            user
        })
        .collect();
    Value::Array(list)
}

/// Live bytes held by what `make` returns, plus its inline size.
fn bytes_held<T>(make: impl FnOnce() -> Vec<T>) -> isize {
    let before = LIVE.load(Ordering::Relaxed);
    let value = make();
    let after = LIVE.load(Ordering::Relaxed);
    let spare = (value.capacity() - value.len()) * size_of::<T>();
    drop(value);
    after - before - spare.cast_signed()
}

fn user_memory(json: &[u8], count: usize) {
    let ours = bytes_held(|| stoat_model::json::users(json).unwrap());
    let theirs = bytes_held(|| serde_json::from_slice::<Vec<revolt_models::v0::User>>(json).unwrap());
    let n = count.cast_signed();
    println!(
        "memory per decoded user (inline + heap): stoat-model {} B (inline {} B), revolt-models {} B (inline {} B), ratio {:.2}x",
        ours / n,
        size_of::<User>(),
        theirs / n,
        size_of::<revolt_models::v0::User>(),
        theirs as f32 / ours as f32
    );
}

fn decode_users(c: &mut Criterion) {
    const COUNT: usize = 10_000;
    // Re-encoded by this crate so that keys come in the server's order.
    let users: Vec<User> = serde_json::from_value(users(COUNT)).unwrap();
    let json = serde_json::to_vec(&users).unwrap();
    user_memory(&json, COUNT);
    let mut group = c.benchmark_group("users/10k");
    group.throughput(Throughput::Bytes(json.len() as u64));
    group.sample_size(30);
    group.bench_function("stoat-model", |b| {
        b.iter(|| stoat_model::json::users(black_box(&json)).unwrap());
    });
    group.bench_function("stoat-model via serde", |b| {
        b.iter(|| serde_json::from_slice::<Vec<User>>(black_box(&json)).unwrap());
    });
    group.bench_function("revolt-models", |b| {
        b.iter(|| serde_json::from_slice::<Vec<revolt_models::v0::User>>(black_box(&json)).unwrap());
    });
    group.bench_function("ignored-any (floor)", |b| {
        b.iter(|| serde_json::from_slice::<serde::de::IgnoredAny>(black_box(&json)).unwrap());
    });
    group.finish();
}

/// Drops the white space outside strings, keeping the key order.
fn minify(text: &str) -> Vec<u8> {
    let (mut out, mut in_string, mut escaped) = (Vec::new(), false, false);
    for &b in text.as_bytes() {
        if in_string {
            in_string = escaped || b != b'"';
            escaped = !escaped && b == b'\\';
        } else if b == b'"' {
            in_string = true;
        } else if b.is_ascii_whitespace() {
            continue;
        }
        out.push(b);
    }
    out
}

/// The baseline: the same payload structs behind serde's internally tagged
/// derive, which buffers the whole object before choosing the variant.
#[derive(Deserialize)]
#[serde(tag = "type")]
#[allow(dead_code, reason = "only decoded")]
#[allow(
    clippy::large_enum_variant,
    reason = "kept as close to a naive derive as possible"
)]
enum PlainEvent {
    UserUpdate(UserUpdate),
    UserRelationship(Box<UserRelationship>),
    ChannelStartTyping(ChannelTyping),
    UserVoiceStateUpdate(UserVoiceStateUpdate),
}

fn decode_events(c: &mut Criterion) {
    // Frames as the server sends them: compact, keys in the server's order
    // (`type` first), which the fixture files keep.
    let fixture = |name: &str| {
        let path = format!("{}/../../fixtures/events/{name}", env!("CARGO_MANIFEST_DIR"));
        minify(&std::fs::read_to_string(path).unwrap())
    };
    let voice = minify(
        r#"{"type": "UserVoiceStateUpdate", "id": "01M860RPGVP6W0SGSWEVXG6PD4",
            "channel_id": "01M860WMZR57WWSH0P75709DS2", "data": {"is_publishing": true}}"#,
    );
    let frames = [
        ("UserUpdate", fixture("ws_event_UserUpdate.json")),
        (
            "UserRelationship",
            fixture("ws_event_UserRelationship_incoming.json"),
        ),
        ("ChannelStartTyping", fixture("ws_event_ChannelStartTyping.json")),
        ("UserVoiceStateUpdate", voice),
    ];
    for (name, frame) in &frames {
        let mut group = c.benchmark_group(format!("event/{name}"));
        group.bench_function("stoat-model", |b| {
            b.iter(|| Event::decode(Format::Json, black_box(frame)).unwrap());
        });
        group.bench_function("plain tagged derive", |b| {
            b.iter(|| serde_json::from_slice::<PlainEvent>(black_box(frame)).unwrap());
        });
        group.bench_function("filtered out", |b| {
            b.iter(|| Event::decode_filtered(Format::Json, black_box(frame), EventFlags::empty()).unwrap());
        });
        group.finish();
    }
}

criterion_group!(benches, decode_users, decode_events);
criterion_main!(benches);
