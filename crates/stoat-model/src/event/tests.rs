use serde_json::{Value, json};

use super::*;

fn round_trip(format: Format, raw: &Value) -> Value {
    let bytes = format.to_vec(raw);
    let event = Event::decode(format, &bytes).unwrap_or_else(|e| panic!("{e}: {raw}"));
    let encoded = event.encode(format);
    format.from_slice::<Value>(&encoded).unwrap()
}

#[test]
fn unknown_events_keep_their_payload() {
    let raw = json!({"type": "Bees", "buzz": [1, 2, {"x": null}]});
    let event = Event::decode(Format::Json, raw.to_string().as_bytes()).unwrap();
    let Event::Unknown(unknown) = &event else {
        panic!("{event:?}")
    };
    assert_eq!(unknown.kind(), "Bees");
    assert_eq!(round_trip(Format::Json, &raw), raw);
}

#[test]
fn bulk_is_decoded_item_by_item_and_filtered() {
    let raw = json!({"type": "Bulk", "v": [
        {"type": "ChannelDelete", "id": "01M8614QA5NMP6FG2ZNS4JSZJ9"},
        {"type": "ServerUpdate", "id": "01M8614QA5RCVRZYJZY5VXVCX6", "data": {}, "clear": []},
        {"type": "Bulk", "v": [{"type": "Logout"}]}
    ]});
    let bytes = raw.to_string().into_bytes();
    let event = Event::decode(Format::Json, &bytes).unwrap();
    let kinds: Vec<_> = event.clone().flatten().iter().map(Event::kind).collect();
    assert_eq!(
        kinds,
        [EventKind::ChannelDelete, EventKind::Unknown, EventKind::Logout]
    );
    assert_eq!(serde_json::to_value(&event).unwrap(), raw);

    let only_logout = EventFlags::of(EventKind::Logout);
    let filtered = Event::decode_filtered(Format::Json, &bytes, only_logout)
        .unwrap()
        .unwrap();
    assert_eq!(filtered.flatten().len(), 1);
    let nothing = Event::decode_filtered(Format::Json, &bytes, EventFlags::empty()).unwrap();
    assert!(nothing.is_none());
}

#[test]
fn a_bad_payload_names_its_type_and_keeps_the_frame() {
    let frame = br#"{"type":"UserUpdate","id":"not-an-id","data":{}}"#;
    let err = Event::decode(Format::Json, frame).unwrap_err();
    assert_eq!(err.event_kind(), Some(EventKind::UserUpdate));
    assert_eq!(err.kind(), DecodeErrorKind::Payload);
    assert_eq!(err.frame_bytes(), Some(&frame[..]));
    assert!(err.to_string().starts_with("bad UserUpdate event"), "{err}");
}

#[test]
fn frames_that_are_not_events_are_errors() {
    for frame in [&b"[]"[..], b"{}", b"", b"null", b"{\"type\":"] {
        let err = Event::decode(Format::Json, frame).unwrap_err();
        assert!(matches!(err.kind(), DecodeErrorKind::Frame(_)), "{frame:?}");
    }
}

#[test]
fn json_frames_must_be_utf8_even_where_a_payload_ignores_a_value() {
    // A fuzz finding: serde skips an ignored string without checking it,
    // so the tag-first path took what the generic one refused.
    for frame in [
        &b"{\"type\":\"Ready\",\"x\":\"\xa9\"}"[..],
        b"{\"type\":\"Pong\",\"data\":0,\"x\":\"\xa9\"}",
    ] {
        let err = Event::decode(Format::Json, frame).unwrap_err();
        assert_eq!(
            err.kind(),
            DecodeErrorKind::Frame(ScanError::NotUtf8),
            "{frame:?}"
        );
        assert!(serde_json::from_slice::<Event>(frame).is_err());
    }
}

#[test]
fn the_generic_deserialize_agrees_with_the_fast_path() {
    let raw = json!({"type":"UserUpdate","id":"01M860DVV8WZCHA5KA04G45WJS","data":{"online":true},"clear":[],"event_id":null});
    let slow: Event = serde_json::from_value(raw.clone()).unwrap();
    let fast = Event::decode(Format::Json, raw.to_string().as_bytes()).unwrap();
    assert_eq!(slow, fast);
}

#[cfg(feature = "msgpack")]
#[test]
fn msgpack_timestamps_are_integer_milliseconds() {
    let raw = json!({"type":"VoiceChannelJoin","id":"01M8614QA5NMP6FG2ZNS4JSZJ9","state":{
        "id":"01M860DVV8WZCHA5KA04G45WJS","joined_at":"2026-11-24T05:27:57.123Z",
        "is_receiving":true,"is_publishing":false,"screensharing":false,"camera":false}});
    let event = Event::decode(Format::Json, raw.to_string().as_bytes()).unwrap();
    let packed = event.encode(Format::MsgPack);
    let as_value: Value = Format::MsgPack.from_slice(&packed).unwrap();
    assert_eq!(as_value["state"]["joined_at"], json!(1_795_498_077_123_i64));
    assert_eq!(Event::decode(Format::MsgPack, &packed).unwrap(), event);
}

#[test]
fn client_messages_round_trip_and_hide_the_token() {
    let auth = ClientMessage::Authenticate {
        token: "s3cr3t".into(),
    };
    assert!(!format!("{auth:?}").contains("s3cr3t"));
    let text = serde_json::to_string(&auth).unwrap();
    assert_eq!(text, r#"{"type":"Authenticate","token":"s3cr3t"}"#);
    assert_eq!(serde_json::from_str::<ClientMessage>(&text).unwrap(), auth);
    for bad in [
        r#"{"type":"Ping","data":-1}"#,
        r#"{"type":"Ping","data":"x"}"#,
        r#"{"type":"Ping","data":1.5}"#,
        r#"{"type":"Ping"}"#,
    ] {
        assert!(serde_json::from_str::<ClientMessage>(bad).is_err(), "{bad}");
    }
    let bytes: ClientMessage = serde_json::from_str(r#"{"type":"Ping","data":[1,2,3]}"#).unwrap();
    assert_eq!(
        bytes,
        ClientMessage::Ping {
            data: PingData::Bytes(vec![1, 2, 3])
        }
    );
}

#[test]
fn every_tag_maps_to_its_kind_and_others_to_unknown() {
    for &kind in EventKind::ALL {
        assert_eq!(EventKind::from_tag(kind.as_str()), kind);
    }
    for other in [
        "",
        "Unknown",
        "userupdate",
        "UserUpdat",
        "UserUpdatee",
        "Bees",
        "ServerUpdate",
    ] {
        assert_eq!(EventKind::from_tag(other), EventKind::Unknown, "{other}");
    }
}

#[test]
fn numbers_in_kept_payloads_settle_after_one_round() {
    // Beyond `u64`, integers become floats; floats must parse back to the
    // value they were printed from (serde_json's `float_roundtrip`).
    let frame = br#"{"type":"Mystery","big":33333333333333333333333333333333333333333333332333333,"f":[0.1,1.7976931348623157e308,5e-324]}"#;
    let first = Event::decode(Format::Json, frame).unwrap().encode(Format::Json);
    let second = Event::decode(Format::Json, &first).unwrap().encode(Format::Json);
    assert_eq!(
        String::from_utf8(first).unwrap(),
        String::from_utf8(second).unwrap()
    );
}
