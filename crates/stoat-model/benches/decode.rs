//! Decode benchmarks of `stoat-model`, each against a baseline measured in
//! the same run:
//!
//! * `users/10k`: a `Vec<User>` of 10,000 real-shaped users, this crate vs
//!   `revolt_models::v0::User` vs `serde::de::IgnoredAny` (the floor);
//! * `users/10k-rich`: the same for users shaped like a busy community's;
//! * `user_updates/mixed`: a busy community's mixed `UserUpdate` stream,
//!   against the plain derive and the `IgnoredAny` floor over the same frames;
//! * `event/*`: each Users event (and a `Ready` with 10,000 users), this
//!   crate's tag-first decoder vs a plain `#[serde(tag = "type")]` derive
//!   over the same payload structs, and the cost of a filtered-out frame.
//!
//! Bytes per decoded user are counted by `memory.rs`, so that no counting
//! allocator runs inside these timings.
//!
//! Run: `cargo bench -p stoat-model --bench decode` (figures in docs/performance.md).
#![allow(missing_docs, reason = "a benchmark binary")]

mod support;

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde::Deserialize;
use stoat_model::User;
use stoat_model::event::{
    ChannelTyping, Event, EventFlags, Format, Ready, UserRelationship, UserUpdate, UserVoiceStateUpdate,
};

/// A corpus of users re-encoded by this crate, so that keys come in the
/// server's order.
fn encoded(users: serde_json::Value) -> Vec<u8> {
    let users: Vec<User> = serde_json::from_value(users).unwrap();
    serde_json::to_vec(&users).unwrap()
}

fn decode_users(c: &mut Criterion) {
    const COUNT: usize = 10_000;
    for (name, json) in [
        ("users/10k", encoded(support::users(COUNT))),
        ("users/10k-rich", encoded(support::rich_users(COUNT))),
    ] {
        decode_user_list(c, name, &json);
    }
}

fn decode_user_list(c: &mut Criterion, name: &str, json: &[u8]) {
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Bytes(json.len() as u64));
    group.sample_size(30);
    group.bench_function("stoat-model", |b| {
        b.iter(|| stoat_model::decode::users(black_box(json)).unwrap());
    });
    group.bench_function("stoat-model via serde", |b| {
        b.iter(|| serde_json::from_slice::<Vec<User>>(black_box(json)).unwrap());
    });
    group.bench_function("revolt-models", |b| {
        b.iter(|| serde_json::from_slice::<Vec<revolt_models::v0::User>>(black_box(json)).unwrap());
    });
    group.bench_function("ignored-any (floor)", |b| {
        b.iter(|| serde_json::from_slice::<serde::de::IgnoredAny>(black_box(json)).unwrap());
    });
    group.finish();
}

/// The mixed `UserUpdate` stream of a busy community, 1,024 frames.
fn decode_user_updates(c: &mut Criterion) {
    let users = support::rich_users(10_000);
    let ids: Vec<String> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["_id"].as_str().unwrap().to_owned())
        .collect();
    let frames = support::user_updates(&ids, 1024);
    let mut group = c.benchmark_group("user_updates/mixed");
    group.throughput(Throughput::Elements(frames.len() as u64));
    group.bench_function("stoat-model", |b| {
        b.iter(|| {
            for frame in &frames {
                black_box(Event::decode(Format::Json, black_box(frame)).unwrap());
            }
        });
    });
    group.bench_function("plain tagged derive", |b| {
        b.iter(|| {
            for frame in &frames {
                black_box(serde_json::from_slice::<PlainEvent>(black_box(frame)).unwrap());
            }
        });
    });
    group.bench_function("ignored-any (floor)", |b| {
        b.iter(|| {
            for frame in &frames {
                black_box(serde_json::from_slice::<serde::de::IgnoredAny>(black_box(frame)).unwrap());
            }
        });
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
    Ready(Box<Ready>),
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
    // A large account's `Ready`: 10,000 real-shaped users, in the server's key order.
    let ready = |users: serde_json::Value| {
        let mut ready = br#"{"type":"Ready","users":"#.to_vec();
        ready.extend(encoded(users));
        ready.extend(br#","servers":[],"channels":[],"members":[],"emojis":[]}"#);
        ready
    };
    let frames = [
        ("Ready-10k-users", ready(support::users(10_000))),
        ("Ready-10k-rich-users", ready(support::rich_users(10_000))),
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
        if name.starts_with("Ready") {
            // The payload straight into its derived struct, tag ignored: what
            // this crate did before `Ready` had a fast path.
            group.bench_function("Ready derive", |b| {
                b.iter(|| serde_json::from_slice::<Ready>(black_box(frame)).unwrap());
            });
        }
        group.bench_function("filtered out", |b| {
            b.iter(|| Event::decode_filtered(Format::Json, black_box(frame), EventFlags::empty()).unwrap());
        });
        group.finish();
    }
}

criterion_group!(benches, decode_users, decode_user_updates, decode_events);
criterion_main!(benches);
