//! Every fixture decodes, and encodes back to the same JSON (key order aside),
//! in JSON and in MessagePack.

use std::fmt::Debug;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use stoat_model::error::ErrorBody;
use stoat_model::event::{Event, EventKind, Format};
use stoat_model::node::NodeInfo;
use stoat_model::request::{
    ChangeUsername, EditUser, JoinCall, MessageQuery, ReportContent, SearchMessages, SendFriendRequest,
    SendMessage, UploadResponse,
};
use stoat_model::{
    BulkMessageResponse, Channel, File, FlagResponse, JoinCallResponse, Message, Mutuals, User, UserProfile,
};

fn dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(name)
}

fn files(name: &str) -> Vec<(String, Value)> {
    let mut out: Vec<_> = fs::read_dir(dir(name))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .map(|path| {
            let text = fs::read_to_string(&path).unwrap();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, serde_json::from_str(&text).unwrap())
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(!out.is_empty(), "no fixtures in {name}");
    out
}

/// Decodes `value` as `T` from bytes, encodes it back and compares; then
/// does the same through MessagePack.
fn round_trip<T: DeserializeOwned + Serialize + PartialEq + Debug>(name: &str, value: &Value) -> T {
    let bytes = serde_json::to_vec(value).unwrap();
    let decoded: T = serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("{name}: does not decode as {}: {e}", std::any::type_name::<T>()));
    let encoded = serde_json::to_value(&decoded).unwrap();
    assert_eq!(&encoded, value, "{name}: JSON round trip changed the payload");
    let packed = rmp_serde::to_vec_named(&decoded).unwrap();
    let unpacked: T = rmp_serde::from_slice(&packed).unwrap_or_else(|e| panic!("{name}: msgpack: {e}"));
    assert_eq!(
        unpacked, decoded,
        "{name}: MessagePack round trip changed the value"
    );
    decoded
}

/// Decodes an event frame through the gateway's path in both formats.
fn event_round_trip(name: &str, value: &Value) -> Event {
    let frame = serde_json::to_vec(value).unwrap();
    let event = Event::decode(Format::Json, &frame).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(
        serde_json::to_value(&event).unwrap(),
        *value,
        "{name}: JSON round trip"
    );
    let packed = event.encode(Format::MsgPack);
    let unpacked = Event::decode(Format::MsgPack, &packed).unwrap_or_else(|e| panic!("{name}: msgpack: {e}"));
    assert_eq!(unpacked, event, "{name}: MessagePack round trip");
    let generic: Event = serde_json::from_value(value.clone()).unwrap();
    assert_eq!(
        generic, event,
        "{name}: generic Deserialize disagrees with the fast path"
    );
    event
}

fn error_body(name: &str, status: u64, value: &Value) {
    let bytes = match value {
        Value::String(raw) => raw.clone().into_bytes(),
        other => serde_json::to_vec(other).unwrap(),
    };
    match ErrorBody::parse(&bytes) {
        ErrorBody::Api(error) => {
            assert_eq!(
                u64::from(error.kind.http_status()),
                status,
                "{name}: status of {}",
                error.kind.type_name()
            );
            assert!(!error.kind.type_name().is_empty());
            assert_eq!(serde_json::to_value(&error).unwrap(), *value, "{name}");
        }
        ErrorBody::Framework(error) => assert_eq!(u64::from(error.code), status, "{name}"),
        ErrorBody::RateLimited(_) => assert_eq!(status, 429, "{name}"),
        ErrorBody::Html(_) => assert!(matches!(value, Value::String(_)), "{name}"),
        other => panic!("{name}: unclassified error body {other:?}"),
    }
}

fn segments(path: &str) -> Vec<&str> {
    path.split('?')
        .next()
        .unwrap()
        .trim_matches('/')
        .split('/')
        .collect()
}

/// Checks the response body of a REST exchange by its route.
fn check_response(name: &str, method: &str, path: &str, status: u64, body: &Value) {
    if status >= 400 {
        return error_body(name, status, body);
    }
    if status == 204 || body.is_null() {
        return;
    }
    match (method, segments(path).as_slice()) {
        ("GET", [""]) => drop(round_trip::<NodeInfo>(name, body)),
        ("GET", ["users", _, "flags"]) => drop(round_trip::<FlagResponse>(name, body)),
        ("GET", ["users", _, "profile"]) => drop(round_trip::<UserProfile>(name, body)),
        ("GET", ["users", "dms"]) => drop(round_trip::<Vec<Channel>>(name, body)),
        ("GET", ["users", _, "dm"] | ["channels", _]) => drop(round_trip::<Channel>(name, body)),
        ("GET", ["users", _, "mutual"]) => drop(round_trip::<Mutuals>(name, body)),
        (_, ["users", ..]) => {
            drop(round_trip::<User>(name, body));
        }
        ("POST", ["channels", _, "messages"]) | ("GET" | "PATCH", ["channels", _, "messages", _]) => {
            drop(round_trip::<Message>(name, body));
        }
        ("GET", ["channels", _, "messages"]) | ("POST", ["channels", _, "search"]) => {
            drop(round_trip::<BulkMessageResponse>(name, body));
        }
        ("POST", ["channels", _, "join_call"]) => drop(round_trip::<JoinCallResponse>(name, body)),
        _ => panic!("{name}: no type known for {method} {path}"),
    }
}

/// Checks the request body of a REST exchange by its route.
fn check_request(name: &str, method: &str, path: &str, body: &Value) {
    if body.is_null() {
        return;
    }
    match (method, segments(path).as_slice()) {
        ("PATCH", ["users", "@me", "username"]) => {
            let change = round_trip::<ChangeUsername>(name, body);
            assert!(!format!("{change:?}").contains(change.password.expose()));
        }
        ("PATCH", ["users", _]) => drop(round_trip::<EditUser>(name, body)),
        ("POST", ["users", "friend"]) => drop(round_trip::<SendFriendRequest>(name, body)),
        ("POST", ["channels", _, "messages"]) => drop(round_trip::<SendMessage>(name, body)),
        ("POST", ["channels", _, "search"]) => drop(round_trip::<SearchMessages>(name, body)),
        ("POST", ["channels", _, "join_call"]) => drop(round_trip::<JoinCall>(name, body)),
        ("POST", ["safety", "report"]) => drop(round_trip::<ReportContent>(name, body)),
        // Message edits and server permissions are outside the Users area.
        ("PATCH", ["channels", _, "messages", _]) | ("PUT", ["servers", ..]) => {}
        _ => panic!("{name}: no request type known for {method} {path}"),
    }
}

#[test]
fn every_rest_exchange_round_trips() {
    for (name, exchange) in files("rest") {
        let request = &exchange["request"];
        let method = request["method"].as_str().unwrap();
        let path = request["path"].as_str().unwrap();
        let status = exchange["status"].as_u64().unwrap();
        check_request(&name, method, path, &request["body"]);
        let body = exchange.get("raw_body").unwrap_or(&exchange["body"]);
        check_response(&name, method, path, status, body);
    }
}

#[test]
fn every_event_round_trips_in_both_formats() {
    let mut unknown = Vec::new();
    for (name, event) in files("events") {
        if event_round_trip(&name, &event)
            .flatten()
            .iter()
            .any(|e| e.kind() == EventKind::Unknown)
        {
            unknown.push(name);
        }
    }
    // The only unknown kind in the recordings is a server event inside a Bulk.
    assert_eq!(
        unknown,
        ["ws_event_Bulk.json", "ws_event_Bulk_channel_visible_again.json"]
    );
}

#[test]
fn every_session_frame_round_trips() {
    for (name, frames) in files("sessions") {
        for (i, frame) in frames.as_array().unwrap().iter().enumerate() {
            if let Some(closed) = frame.get("closed") {
                // The server drops sockets without a close frame.
                assert!(closed["code"].is_null(), "{name}[{i}]");
                continue;
            }
            let event = frame.get("data").unwrap_or(frame);
            event_round_trip(&format!("{name}[{i}]"), event);
        }
    }
}

#[test]
fn sequences_hold_only_known_bodies() {
    for (name, file) in files("sequences") {
        if name == "ws_ping_results.json" {
            for result in file.as_array().unwrap() {
                let answered = result["pong"].as_bool().unwrap();
                let sent =
                    serde_json::from_value::<stoat_model::event::ClientMessage>(result["sent"].clone());
                assert_eq!(sent.is_ok(), answered, "{name}: {}", result["sent"]);
                for reply in result["received_within_0.8s"].as_array().unwrap() {
                    event_round_trip(&name, reply);
                }
            }
            continue;
        }
        for step in file["sequence"].as_array().unwrap() {
            let status = step["status"].as_u64().unwrap();
            if status >= 400 {
                error_body(&name, status, &step["body"]);
            }
        }
    }
}

#[test]
fn every_constructed_fixture_round_trips() {
    for (name, value) in files("constructed") {
        let (kind, _) = name
            .split_once("__")
            .unwrap_or_else(|| panic!("{name}: not <Type>__<case>.json"));
        match kind {
            "User" => drop(round_trip::<User>(&name, &value)),
            "UserProfile" => drop(round_trip::<UserProfile>(&name, &value)),
            "File" => drop(round_trip::<File>(&name, &value)),
            "Mutuals" => drop(round_trip::<Mutuals>(&name, &value)),
            "FlagResponse" => drop(round_trip::<FlagResponse>(&name, &value)),
            "Channel" => drop(round_trip::<Channel>(&name, &value)),
            "BulkMessageResponse" => drop(round_trip::<BulkMessageResponse>(&name, &value)),
            "EditUser" => drop(round_trip::<EditUser>(&name, &value)),
            "ChangeUsername" => drop(round_trip::<ChangeUsername>(&name, &value)),
            "SendFriendRequest" => drop(round_trip::<SendFriendRequest>(&name, &value)),
            "ReportContent" => drop(round_trip::<ReportContent>(&name, &value)),
            "SendMessage" => drop(round_trip::<SendMessage>(&name, &value)),
            "SearchMessages" => drop(round_trip::<SearchMessages>(&name, &value)),
            "MessageQuery" => drop(round_trip::<MessageQuery>(&name, &value)),
            "JoinCall" => drop(round_trip::<JoinCall>(&name, &value)),
            "JoinCallResponse" => drop(round_trip::<JoinCallResponse>(&name, &value)),
            "UploadResponse" => drop(round_trip::<UploadResponse>(&name, &value)),
            "Event" => drop(event_round_trip(&name, &value)),
            "ErrorBody" => {
                let status = match ErrorBody::parse(value.to_string().as_bytes()) {
                    ErrorBody::Api(e) => u64::from(e.kind.http_status()),
                    ErrorBody::Framework(e) => u64::from(e.code),
                    _ => 429,
                };
                error_body(&name, status, &value);
            }
            other => panic!("{name}: no type named {other}"),
        }
    }
}

#[test]
fn recorded_values_mean_what_the_spec_says() {
    // A few semantic checks on top of the round trips.
    let (_, me) = files("rest")
        .into_iter()
        .find(|(n, _)| n == "users_me.json")
        .unwrap();
    let me: User = serde_json::from_value(me["body"].clone()).unwrap();
    assert_eq!(me.relationship, stoat_model::RelationshipStatus::User);

    let (_, query) = files("rest")
        .into_iter()
        .find(|(n, _)| n == "messages_query_include_users.json")
        .unwrap();
    let bulk: BulkMessageResponse = serde_json::from_value(query["body"].clone()).unwrap();
    assert!(!bulk.users().is_empty() && !bulk.messages().is_empty());

    let (_, pinned) = files("events")
        .into_iter()
        .find(|(n, _)| n == "ws_event_Message_system_message_pinned.json")
        .unwrap();
    let Event::Message(message) = Event::decode(Format::Json, pinned.to_string().as_bytes()).unwrap() else {
        panic!()
    };
    assert!(message.is_system());
    assert!(matches!(
        message.system,
        Some(stoat_model::message::SystemMessage::MessagePinned { .. })
    ));
}
