//! Sessions that go well, in both formats, against the emulator.

#[path = "support/mod.rs"]
mod support;

use std::time::Duration;

use stoat_emulator::{Account, Emulator};
use stoat_gateway::{ErrorKind, Gateway, Handle};
use stoat_model::RelationshipStatus;
use stoat_model::event::{Event, EventFlags, EventKind, Format};
use support::{builder, event, friends_with_dm, ready, rest};

/// Polls the stream until the handle reports a latency; any item
/// meanwhile fails the test.
async fn wait_for_latency(gateway: &mut Gateway, handle: &Handle) -> Duration {
    let mut latency = handle.watch_latency();
    loop {
        tokio::select! {
            changed = latency.changed() => {
                changed.unwrap();
                if let Some(measured) = *latency.borrow() {
                    return measured;
                }
            }
            item = support::next(gateway) => panic!("unexpected item {item:?}"),
        }
    }
}

/// The whole happy path in one format: Ready, pings, REST-caused events,
/// typing both ways through the guard.
async fn session(format: Format) {
    let emulator = Emulator::start().await.unwrap();
    let (alice, bob) = (emulator.create_user("alice"), emulator.create_user("bob"));
    let (mut gateway, handle) = builder(&emulator, &alice)
        .format(format)
        .heartbeat_interval(Duration::from_millis(30))
        .build()
        .unwrap();
    let (first, session) = ready(&mut gateway).await;
    assert_eq!(session, 0);
    assert_eq!(first.own_user().unwrap().id, alice.id);
    assert_eq!(first.users.as_ref().unwrap().len(), 1);

    let latency = wait_for_latency(&mut gateway, &handle).await;
    assert!(latency < Duration::from_secs(5), "{latency:?}");
    assert!(
        emulator.frames_received(alice.id) >= 1,
        "the ping reached the server"
    );

    // A friend request by REST reaches alice as an incoming relationship.
    let (status, _) = rest(&emulator, "PUT", &format!("/users/{}/friend", alice.id), &bob).await;
    assert_eq!(status, 200);
    let Event::UserRelationship(relationship) = event(&mut gateway).await else {
        panic!("not a relationship")
    };
    assert_eq!(relationship.id, alice.id);
    assert_eq!(relationship.user.id, bob.id);
    assert_eq!(relationship.user.relationship, RelationshipStatus::Incoming);

    // Alice accepts, then opens the DM.
    let (status, _) = rest(&emulator, "PUT", &format!("/users/{}/friend", bob.id), &alice).await;
    assert_eq!(status, 200);
    let (status, body) = rest(&emulator, "GET", &format!("/users/{}/dm", bob.id), &alice).await;
    assert_eq!(status, 200);
    let dm: serde_json::Value = serde_json::from_str(&body).unwrap();
    let dm = dm["_id"].as_str().unwrap().parse().unwrap();
    let mut kinds = Vec::new();
    while !kinds.contains(&EventKind::ChannelCreate) {
        kinds.push(event(&mut gateway).await.kind());
    }
    assert_eq!(kinds, [EventKind::UserRelationship, EventKind::ChannelCreate]);

    // Typing is relayed to the channel's subscribers, the typist included.
    let guard = handle.typing(dm).await.unwrap();
    assert_eq!(guard.channel(), dm);
    let Event::ChannelStartTyping(typing) = event(&mut gateway).await else {
        panic!("not typing")
    };
    assert_eq!((typing.id, typing.user), (dm, alice.id));
    drop(guard);
    let Event::ChannelStopTyping(typing) = event(&mut gateway).await else {
        panic!("the guard did not end typing")
    };
    assert_eq!((typing.id, typing.user), (dm, alice.id));
    handle.close();
}

#[tokio::test]
async fn json_session_authenticates_pings_and_relays_events_and_typing() {
    session(Format::Json).await;
}

#[tokio::test]
async fn msgpack_session_authenticates_pings_and_relays_events_and_typing() {
    session(Format::MsgPack).await;
}

#[tokio::test]
async fn ready_fields_shape_ready() {
    let emulator = Emulator::start().await.unwrap();
    let alice = emulator.create_user("alice");
    for format in [Format::Json, Format::MsgPack] {
        let (mut gateway, _handle) = builder(&emulator, &alice)
            .format(format)
            .ready_fields(["users", "voice_states"])
            .build()
            .unwrap();
        let (first, _) = ready(&mut gateway).await;
        assert!(first.users.is_some() && first.voice_states.is_some());
        assert!(first.channels.is_none() && first.servers.is_none(), "{format:?}");
    }
}

/// Sends `frame` as raw text to alice and returns what came through up
/// to the `ChannelStopTyping` that closes every test frame.
async fn through(emulator: &Emulator, alice: &Account, wanted: EventFlags, frame: &str) -> Vec<Event> {
    let (mut gateway, handle) = builder(emulator, alice).events(wanted).build().unwrap();
    ready(&mut gateway).await;
    emulator.send_raw(alice.id, frame);
    let mut events = Vec::new();
    while !matches!(events.last(), Some(Event::ChannelStopTyping(_))) {
        events.push(event(&mut gateway).await);
    }
    handle.close();
    events
}

#[tokio::test]
async fn bulks_are_flattened_in_order_and_the_filter_skips_unwanted_kinds() {
    let emulator = Emulator::start().await.unwrap();
    let alice = emulator.create_user("alice");
    let typing = format!(r#""id":"01M860WMZR57WWSH0P75709DS2","user":"{}""#, alice.id);
    let bulk = format!(
        r#"{{"type":"Bulk","v":[{{"type":"ChannelStartTyping",{typing}}},{{"type":"Mystery","n":1}},{{"type":"Bulk","v":[{{"type":"ChannelStopTyping",{typing}}}]}}]}}"#
    );
    let all = through(&emulator, &alice, EventFlags::all(), &bulk).await;
    let kinds: Vec<_> = all.iter().map(Event::kind).collect();
    assert_eq!(
        kinds,
        [
            EventKind::ChannelStartTyping,
            EventKind::Unknown,
            EventKind::ChannelStopTyping
        ]
    );
    let Event::Unknown(unknown) = &all[1] else {
        unreachable!()
    };
    assert_eq!(unknown.kind(), "Mystery");
    assert_eq!(unknown.fields()["n"], 1);

    let only_stop = EventFlags::of(EventKind::ChannelStopTyping);
    let filtered = through(&emulator, &alice, only_stop, &bulk).await;
    assert_eq!(filtered.len(), 1);
    assert_eq!(filtered[0], all[2]);
}

#[tokio::test]
async fn subscribe_reaches_the_server_in_order_with_other_commands() {
    let emulator = Emulator::start().await.unwrap();
    let (alice, bob) = (emulator.create_user("alice"), emulator.create_user("bob"));
    let dm = friends_with_dm(&emulator, &alice, &bob).await;
    let (mut gateway, handle) = builder(&emulator, &alice).build().unwrap();
    ready(&mut gateway).await;
    handle
        .subscribe(dm.cast::<stoat_model::id::ServerMarker>())
        .await
        .unwrap();
    handle.begin_typing(dm).await.unwrap();
    assert!(matches!(event(&mut gateway).await, Event::ChannelStartTyping(_)));
    // The server reads frames in order: the subscribe came first.
    assert_eq!(emulator.frames_received(alice.id), 2);
}

#[tokio::test]
async fn close_sends_a_close_frame_and_ends_the_stream() {
    let emulator = Emulator::start().await.unwrap();
    let alice = emulator.create_user("alice");
    let (mut gateway, handle) = builder(&emulator, &alice).build().unwrap();
    ready(&mut gateway).await;
    assert_eq!(emulator.connections(alice.id), 1);
    handle.close();
    let end = tokio::time::timeout(
        Duration::from_secs(20),
        futures_util::StreamExt::next(&mut gateway),
    );
    assert!(end.await.unwrap().is_none(), "no terminal error after close");
    assert!(handle.is_closed());
    let refused = handle
        .begin_typing("01M860WMZR57WWSH0P75709DS2".parse().unwrap())
        .await;
    assert!(matches!(refused.unwrap_err().kind(), ErrorKind::Closed));
    // The server saw the close frame and let the connection go.
    while emulator.connections(alice.id) != 0 {
        tokio::task::yield_now().await;
    }
}

#[test]
fn clear_text_to_a_remote_host_is_refused() {
    let token = stoat_model::Secret::new("secret-token");
    let refused = Gateway::builder("ws://events.example.com", token.clone()).build();
    let error = refused.unwrap_err();
    assert!(matches!(error.kind(), ErrorKind::InsecureUrl));
    assert!(error.is_terminal());
    let allowed = Gateway::builder("ws://events.example.com", token.clone())
        .allow_insecure(true)
        .build();
    assert!(allowed.is_ok());
    // The token shows nowhere in the builder's debug output.
    let shown = format!("{:?}", Gateway::builder("ws://127.0.0.1:1", token));
    assert!(!shown.contains("secret-token"), "{shown}");
}
