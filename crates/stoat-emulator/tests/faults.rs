//! Fault injection, voice through the test API, and the msgpack format.

#[path = "support/mod.rs"]
mod support;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use stoat_emulator::{Emulator, RestFaultKind};
use stoat_model::PartialUserVoiceState;
use stoat_model::event::{ClientMessage, Event, Format};
use support::{Socket, call};
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn dropped_connections_end_without_a_close_frame() {
    let emulator = Emulator::start().await.unwrap();
    let alice = emulator.create_user("alice");
    let (socket, _) = Socket::connect(&emulator, &alice).await;
    assert_eq!(emulator.connections(alice.id), 1);
    emulator.drop_connections(alice.id);
    assert!(socket.ends_without_close_frame().await);
}

#[tokio::test]
async fn silenced_pings_get_no_pong_until_pings_are_answered_again() {
    let emulator = Emulator::start().await.unwrap();
    let alice = emulator.create_user("alice");
    let (mut socket, _) = Socket::connect(&emulator, &alice).await;
    emulator.silence_pings(true);
    socket.send(json!({"type": "Ping", "data": 1})).await;
    // Frames are handled in order: once the second ping is answered, the
    // first was seen and not answered.
    socket
        .send(json!({"type": "BeginTyping", "channel": "01M860WMZR57WWSH0P75709DS2"}))
        .await;
    while emulator.frames_received(alice.id) < 2 {
        tokio::task::yield_now().await;
    }
    emulator.silence_pings(false);
    socket.send(json!({"type": "Ping", "data": 2})).await;
    assert_eq!(socket.next().await, json!({"type": "Pong", "data": 2}));
    assert_eq!(emulator.frames_received(alice.id), 3);
}

#[tokio::test]
async fn malformed_frames_refused_upgrades_and_rest_faults() {
    let emulator = Emulator::start().await.unwrap();
    let alice = emulator.create_user("alice");
    let (mut socket, _) = Socket::connect(&emulator, &alice).await;
    emulator.send_raw(alice.id, "{\"type\":\"UserUpdate\",");
    assert_eq!(socket.next_raw().await, "{\"type\":\"UserUpdate\",");
    emulator.refuse_upgrades(1);
    let refused = tokio_tungstenite::connect_async(emulator.ws_url())
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("502"), "{refused}");
    assert!(
        tokio_tungstenite::connect_async(emulator.ws_url()).await.is_ok(),
        "only one refusal"
    );
    emulator.fail_rest("/users/@me", RestFaultKind::BadGateway, 1);
    let bad_gateway = call(&emulator, "GET", "/users/@me", Some(&alice), None).await;
    assert_eq!(bad_gateway.status, 502);
    assert!(
        bad_gateway
            .body
            .as_str()
            .unwrap()
            .contains("<h1>502 Bad Gateway</h1>")
    );
    emulator.fail_rest("/users/@me", RestFaultKind::InternalError, 1);
    assert_eq!(
        call(&emulator, "GET", "/users/@me", Some(&alice), None)
            .await
            .error_type(),
        "InternalError"
    );
    assert_eq!(
        call(&emulator, "GET", "/users/@me", Some(&alice), None)
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn logout_ends_the_session() {
    let emulator = Emulator::start().await.unwrap();
    let alice = emulator.create_user("alice");
    let (mut socket, _) = Socket::connect(&emulator, &alice).await;
    emulator.logout(alice.id);
    assert_eq!(socket.next().await, json!({"type": "Logout"}));
    assert!(socket.ends_without_close_frame().await);
    assert_eq!(
        call(&emulator, "GET", "/users/@me", Some(&alice), None)
            .await
            .status,
        401
    );
}

#[tokio::test]
async fn voice_events_reach_the_channel_and_ready() {
    let emulator = Emulator::start().await.unwrap();
    let (alice, bob) = (emulator.create_user("alice"), emulator.create_user("bob"));
    let dm = support::friends_with_dm(&emulator, &alice, &bob).await;
    let channel = dm.as_str().parse().unwrap();
    let (mut socket, _) = Socket::connect(&emulator, &alice).await;
    emulator.voice_join(channel, bob.id);
    let joined = socket.next_of("VoiceChannelJoin").await;
    assert_eq!(joined["state"]["is_receiving"], true);
    emulator.voice_update(
        channel,
        bob.id,
        PartialUserVoiceState {
            is_publishing: Some(true),
            ..Default::default()
        },
    );
    assert_eq!(
        socket.next_of("UserVoiceStateUpdate").await["data"],
        json!({"is_publishing": true})
    );
    let (_, ready) = Socket::connect(&emulator, &alice).await;
    assert_eq!(ready["voice_states"][0]["participants"][0]["is_publishing"], true);
    emulator.voice_leave(channel, bob.id);
    assert_eq!(
        socket.next_of("VoiceChannelLeave").await["user"],
        bob.id.to_string()
    );
}

#[tokio::test]
async fn msgpack_connections_speak_binary_frames() {
    let emulator = Emulator::start().await.unwrap();
    let alice = emulator.create_user("alice");
    let url = format!("{}/?version=1&format=msgpack", emulator.ws_url());
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let authenticate = ClientMessage::Authenticate {
        token: alice.token.clone(),
    };
    socket
        .send(Message::binary(Format::MsgPack.to_vec(&authenticate)))
        .await
        .unwrap();
    let mut kinds = Vec::new();
    while kinds.len() < 2 {
        if let Message::Binary(bytes) = socket.next().await.unwrap().unwrap() {
            kinds.push(Event::decode(Format::MsgPack, &bytes).unwrap().kind());
        }
    }
    assert_eq!(
        kinds,
        [
            stoat_model::event::EventKind::Authenticated,
            stoat_model::event::EventKind::Ready
        ]
    );
    let request: Value = json!({"type": "Ping", "data": 5});
    socket
        .send(Message::binary(Format::MsgPack.to_vec(&request)))
        .await
        .unwrap();
    loop {
        if let Message::Binary(bytes) = socket.next().await.unwrap().unwrap() {
            let Event::Pong(answer) = Event::decode(Format::MsgPack, &bytes).unwrap() else {
                continue;
            };
            assert_eq!(answer.data, stoat_model::event::PingData::Number(5));
            break;
        }
    }
}

#[tokio::test]
async fn floods_are_counted_as_written() {
    let emulator = Emulator::start().await.unwrap();
    let alice = emulator.create_user("alice");
    let (mut socket, _) = Socket::connect(&emulator, &alice).await;
    emulator.flood(alice.id, "{\"type\":\"Flood\"}", 3);
    for _ in 0..3 {
        assert_eq!(socket.next_raw().await, "{\"type\":\"Flood\"}");
    }
    assert_eq!(emulator.raw_sent(alice.id), (3, 48));
}

#[tokio::test]
async fn a_restart_drops_connections_and_keeps_accounts() {
    let mut emulator = Emulator::start().await.unwrap();
    let alice = emulator.create_user("alice");
    let (socket, _) = Socket::connect(&emulator, &alice).await;
    let url = emulator.ws_url().to_owned();
    emulator.restart().await.unwrap();
    assert!(socket.ends_without_close_frame().await);
    assert_eq!(emulator.ws_url(), url);
    assert_eq!(emulator.connections(alice.id), 0);
    let (_, ready) = Socket::connect(&emulator, &alice).await;
    assert_eq!(ready["type"], "Ready");
    assert_eq!(emulator.connections(alice.id), 1);
}
