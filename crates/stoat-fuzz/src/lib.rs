//! Fuzz targets for every decoder of `stoat-model` that reads bytes from
//! the network: event frames in both formats, REST bodies (every success
//! type of the Users routes and every error shape), ids and the other
//! parsed strings.
//!
//! Each target takes arbitrary bytes and must not panic, hang or allocate
//! without bound; where it decodes something, it checks an invariant (an
//! encoded event decodes again to the same encoding, the byte-level user
//! fast paths agree with serde, a parsed id prints and parses back to
//! itself, an event `Event::decode` takes is the event serde's generic
//! route gives).
//!
//! Findings so far, each kept in `corpus/<target>/` as a regression:
//! * `event_json`: a frame with an unknown `type` and then a second, known
//!   `type` key decoded as an unknown event that encoded as the known kind
//!   and did not decode again. Such frames are now refused.
//! * `event_msgpack`: the same with a second `type` that is not a string
//!   (an integer): the re-encoded frame had no tag. Refused too.
//! * `event_json`: an embed of a known kind with a duplicate key is kept
//!   whole (`Embed::Other`); re-encoded, it decodes as its kind and its
//!   unknown keys are dropped. Accepted: the encoding settles after one
//!   round, which is what the target checks. `rest_body` found the same in
//!   a message body and checks messages the same way.
//! * `rest_body`: trailing form feed after a user list, which Rust's
//!   `is_ascii_whitespace` takes and JSON does not: the user fast path
//!   accepted what serde refused. Fixed in the fast user reader (`stoat-model` `src/json.rs`).
//! * `event_json`: an unknown event holding a 53-digit integer, kept as a
//!   float whose printed form serde_json's default parsing read back as a
//!   neighbouring value. Fixed by serde_json's `float_roundtrip`.
//! * `event_json`, comparing the two routes: a `Bulk` cut off after its
//!   items decoded (now checked whole), and invalid UTF-8 in an ignored
//!   string passed (JSON frames are now checked as UTF-8 first).
//!
//! The same functions run three ways: over the seed corpus (the fixtures
//! plus `corpus/<target>/`, kept regressions) and bounded mutations of it
//! as ordinary tests in `cargo xtask ci`; and under libFuzzer with
//! `cargo xtask fuzz` (the cargo-fuzz project in `fuzz/`).
//!
//! # Panics
//!
//! Every target panics when an invariant breaks: that is how a fuzzer
//! reports a finding.
#![forbid(unsafe_code)]
#![allow(
    clippy::missing_panics_doc,
    reason = "panicking on a broken invariant is a target's job; see the crate docs"
)]

mod seeds;

use serde::de::DeserializeOwned;
use stoat_model::event::{Event, EventFlags, EventKind, Format};
use stoat_model::{ErrorBody, Id, Timestamp};

pub use seeds::{Seeds, seeds};

/// A fuzz target: takes any bytes, panics only on a broken invariant.
pub type Target = fn(&[u8]);

/// The targets, by name.
pub const TARGETS: &[(&str, Target)] = &[
    ("event_json", event_json),
    ("event_msgpack", event_msgpack),
    ("rest_body", rest_body),
    ("parsed_strings", parsed_strings),
];

/// A gateway frame in JSON.
pub fn event_json(data: &[u8]) {
    event(Format::Json, data);
}

/// A gateway frame in MessagePack.
pub fn event_msgpack(data: &[u8]) {
    event(Format::MsgPack, data);
}

fn event(format: Format, data: &[u8]) {
    let _ = format.peek_kind(data);
    let _ = format.bulk_items(data);
    // A filter chosen by the input's first byte: every kind in or out.
    let wanted = EventKind::ALL
        .iter()
        .enumerate()
        .filter(|(i, _)| {
            data.first()
                .is_some_and(|b| b.rotate_left(u32::try_from(*i % 8).unwrap_or(0)) & 1 == 1)
        })
        .fold(EventFlags::empty(), |flags, (_, kind)| flags.with(*kind));
    let _ = Event::decode_filtered(format, data, wanted);
    if let Ok(event) = Event::decode(format, data) {
        // `Event::decode` (tag first, byte-level fast paths) and the generic
        // serde impl (whole object first) are two routes to the same event:
        // what the first takes, the second must give too. Except where a key
        // is repeated: the generic route's `Value` keeps the last, which the
        // first refuses or keeps whole (see the findings above).
        if format == Format::Json && !repeats_a_key(data) {
            let generic = serde_json::from_slice::<Event>(data);
            assert!(
                generic.as_ref().is_ok_and(|generic| *generic == event),
                "Event::decode and Event's Deserialize disagree: {:?} on {}",
                generic.err(),
                String::from_utf8_lossy(data)
            );
        }
        // What this crate encodes decodes again, and settles after one
        // round: a known kind with a payload it cannot take (a duplicate
        // key, say) is kept whole as its `Other` shape, whose encoding then
        // decodes as the known kind.
        let first = event.encode(format);
        let decode = |bytes: &[u8]| {
            Event::decode(format, bytes)
                .unwrap_or_else(|e| panic!("an event this crate encoded does not decode: {e}"))
        };
        let second = decode(&first).encode(format);
        assert_eq!(
            decode(&second).encode(format),
            second,
            "encoding an event settles"
        );
        let _ = event.flatten();
    }
}

/// A REST response body, decoded as every type a Users or DM route answers
/// with, and as an error body.
pub fn rest_body(data: &[u8]) {
    let _ = ErrorBody::parse(data);
    // The fast paths must agree with serde: same value, or both fail.
    let fast = stoat_model::decode::user(data).ok();
    let serde = serde_json::from_slice::<stoat_model::User>(data).ok();
    assert_eq!(fast, serde, "the user fast path and serde disagree");
    let fast = stoat_model::decode::users(data).ok();
    let serde = serde_json::from_slice::<Vec<stoat_model::User>>(data).ok();
    assert_eq!(fast, serde, "the user list fast path and serde disagree");
    decodes::<stoat_model::Channel>(data);
    decodes::<Vec<stoat_model::Channel>>(data);
    // Messages hold embeds and system messages, whose known kinds with a
    // payload they cannot take are kept whole (see the findings above).
    settles::<stoat_model::Message>(data);
    settles::<stoat_model::BulkMessageResponse>(data);
    decodes::<stoat_model::Mutuals>(data);
    decodes::<stoat_model::UserProfile>(data);
    decodes::<stoat_model::FlagResponse>(data);
    decodes::<stoat_model::JoinCallResponse>(data);
    decodes::<stoat_model::node::NodeInfo>(data);
    decodes::<stoat_model::request::UploadResponse>(data);
    decodes::<stoat_model::File>(data);
}

/// Decodes `T`, and if it decodes, its JSON decodes again to the same value.
fn decodes<T: DeserializeOwned + serde::Serialize + PartialEq + std::fmt::Debug>(data: &[u8]) {
    if let Ok(value) = serde_json::from_slice::<T>(data) {
        let json =
            serde_json::to_vec(&value).unwrap_or_else(|e| panic!("a decoded value does not encode: {e}"));
        let again: T =
            serde_json::from_slice(&json).unwrap_or_else(|e| panic!("an encoded value does not decode: {e}"));
        assert_eq!(again, value, "JSON round trip");
    }
}

/// Decodes `T`, and if it decodes, its encoding decodes again and settles
/// after one round: for types holding an `Other` shape that re-encodes as a
/// known kind.
fn settles<T: DeserializeOwned + serde::Serialize>(data: &[u8]) {
    let round = |json: &[u8]| -> Vec<u8> {
        let value: T =
            serde_json::from_slice(json).unwrap_or_else(|e| panic!("an encoded value does not decode: {e}"));
        serde_json::to_vec(&value).unwrap_or_else(|e| panic!("a decoded value does not encode: {e}"))
    };
    if let Ok(value) = serde_json::from_slice::<T>(data) {
        let first =
            serde_json::to_vec(&value).unwrap_or_else(|e| panic!("a decoded value does not encode: {e}"));
        let second = round(&first);
        assert_eq!(round(&second), second, "encoding settles");
    }
}

/// Ids, discriminators and timestamps, as they come in paths and bodies.
pub fn parsed_strings(data: &[u8]) {
    if let Ok(id) = Id::<()>::parse_bytes(data) {
        let printed = id.to_string();
        assert_eq!(
            Id::<()>::parse(&printed).ok(),
            Some(id),
            "an id prints and parses back"
        );
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(discriminator) = stoat_model::Discriminator::parse(text) {
        let printed = discriminator.to_string();
        assert_eq!(
            stoat_model::Discriminator::parse(&printed).ok(),
            Some(discriminator)
        );
    }
    if let Ok(timestamp) = Timestamp::parse(text) {
        let printed = serde_json::to_string(&timestamp).unwrap_or_default();
        let again: Option<Timestamp> = serde_json::from_str(&printed).ok();
        assert_eq!(again, Some(timestamp), "a timestamp prints and parses back");
    }
}

/// Whether some object in the JSON `data` has a key twice (false if `data`
/// is not JSON).
fn repeats_a_key(data: &[u8]) -> bool {
    serde_json::from_slice::<RepeatsAKey>(data).is_ok_and(|found| found.0)
}

/// Reads any JSON value, noting whether an object in it repeats a key.
struct RepeatsAKey(bool);

impl<'de> serde::Deserialize<'de> for RepeatsAKey {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RepeatsAKeyVisitor)
    }
}

struct RepeatsAKeyVisitor;

impl<'de> serde::de::Visitor<'de> for RepeatsAKeyVisitor {
    type Value = RepeatsAKey;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<RepeatsAKey, E> {
        Ok(RepeatsAKey(false))
    }
    fn visit_i64<E>(self, _: i64) -> Result<RepeatsAKey, E> {
        Ok(RepeatsAKey(false))
    }
    fn visit_u64<E>(self, _: u64) -> Result<RepeatsAKey, E> {
        Ok(RepeatsAKey(false))
    }
    fn visit_f64<E>(self, _: f64) -> Result<RepeatsAKey, E> {
        Ok(RepeatsAKey(false))
    }
    fn visit_str<E>(self, _: &str) -> Result<RepeatsAKey, E> {
        Ok(RepeatsAKey(false))
    }
    fn visit_unit<E>(self) -> Result<RepeatsAKey, E> {
        Ok(RepeatsAKey(false))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<RepeatsAKey, A::Error> {
        let mut repeats = false;
        while let Some(RepeatsAKey(inner)) = seq.next_element()? {
            repeats |= inner;
        }
        Ok(RepeatsAKey(repeats))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<RepeatsAKey, A::Error> {
        let (mut keys, mut repeats) = (std::collections::HashSet::new(), false);
        while let Some((key, RepeatsAKey(inner))) = map.next_entry::<String, RepeatsAKey>()? {
            repeats |= inner || !keys.insert(key);
        }
        Ok(RepeatsAKey(repeats))
    }
}
