//! The `/users` routes and the events they cause, on loopback.

#[path = "support/mod.rs"]
mod support;

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use stoat_emulator::{Config, Emulator};
use support::{Socket, befriend, call, call_as_bot, call_with};

#[tokio::test]
async fn root_points_back_at_the_emulator() {
    let emulator = Emulator::start().await.unwrap();
    let root = call(&emulator, "GET", "/", None, None).await;
    assert_eq!(root.status, 200);
    assert_eq!(root.body["ws"], emulator.ws_url());
    assert!(
        root.body["features"]["autumn"]["url"]
            .as_str()
            .unwrap()
            .starts_with(emulator.api_url())
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn missing_or_bad_tokens_get_the_framework_401() {
    let emulator = Emulator::start().await.unwrap();
    let json = call(&emulator, "GET", "/users/@me", None, None).await;
    assert_eq!(json.status, 401);
    assert_eq!(json.body["error"]["reason"], "Unauthorized");
    let html = call_with(&emulator, "GET", "/users/@me", None, None, false).await;
    assert_eq!(html.status, 401);
    assert!(html.body.as_str().unwrap().contains("<h1>401: Unauthorized</h1>"));
    let mut forged = emulator.create_user("alice");
    forged.token = "not-a-token".into();
    assert_eq!(
        call(&emulator, "GET", "/users/@me", Some(&forged), None)
            .await
            .status,
        401
    );
}

#[tokio::test]
async fn fetching_follows_the_perspective_rules() {
    let emulator = Emulator::start().await.unwrap();
    let (alice, bob) = (emulator.create_user("alice"), emulator.create_user("bob"));
    let me = call(&emulator, "GET", "/users/@me", Some(&alice), None).await;
    assert_eq!((me.status, me.body["relationship"].as_str()), (200, Some("User")));
    let stranger = call(
        &emulator,
        "GET",
        &format!("/users/{}", bob.id),
        Some(&alice),
        None,
    )
    .await;
    assert_eq!(
        (stranger.status, stranger.error_type()),
        (403, "MissingPermission")
    );
    assert_eq!(stranger.body["permission"], "Access");
    let profile = call(
        &emulator,
        "GET",
        &format!("/users/{}/profile", bob.id),
        Some(&alice),
        None,
    )
    .await;
    assert_eq!(profile.body["permission"], "ViewProfile");
    // `@me` is only special on three routes.
    let me_profile = call(&emulator, "GET", "/users/@me/profile", Some(&alice), None).await;
    assert_eq!((me_profile.status, me_profile.error_type()), (404, "NotFound"));
    let unknown = call(
        &emulator,
        "GET",
        "/users/01M860BWPTBVM98D71JYP906BF",
        Some(&alice),
        None,
    )
    .await;
    assert_eq!((unknown.status, unknown.error_type()), (404, "NotFound"));
    let flags = call(
        &emulator,
        "GET",
        "/users/01M860BWPTBVM98D71JYP906BF/flags",
        None,
        None,
    )
    .await;
    assert_eq!(flags.body, json!({"flags": 0}));
    let avatar = call(
        &emulator,
        "GET",
        &format!("/users/{}/default_avatar", bob.id),
        None,
        None,
    )
    .await;
    assert_eq!(avatar.header("content-type"), "image/png");
}

/// Setup steps `(method, action, by alice?)`, alice's action, and the
/// relationship she then sees or the error she gets.
type Case = (
    &'static [(&'static str, &'static str, bool)],
    (&'static str, &'static str),
    Result<&'static str, &'static str>,
);

/// The relationship state machine, every state against every action, as in
/// the protocol notes' section 3.11 to 3.14.
#[tokio::test]
async fn the_relationship_state_machine_matches_the_spec() {
    let cases: &[Case] = &[
        (&[], ("PUT", "friend"), Ok("Outgoing")),
        (
            &[("PUT", "friend", true)],
            ("PUT", "friend"),
            Err("AlreadySentRequest"),
        ),
        (&[("PUT", "friend", false)], ("PUT", "friend"), Ok("Friend")),
        (
            &[("PUT", "friend", true), ("PUT", "friend", false)],
            ("PUT", "friend"),
            Err("AlreadyFriends"),
        ),
        (&[("PUT", "block", true)], ("PUT", "friend"), Err("Blocked")),
        (
            &[("PUT", "block", false)],
            ("PUT", "friend"),
            Err("BlockedByOther"),
        ),
        (&[], ("DELETE", "friend"), Err("NoEffect")),
        (&[("PUT", "friend", true)], ("DELETE", "friend"), Ok("None")),
        (&[("PUT", "friend", false)], ("DELETE", "friend"), Ok("None")),
        (
            &[("PUT", "friend", true), ("PUT", "friend", false)],
            ("DELETE", "friend"),
            Ok("None"),
        ),
        (&[("PUT", "block", true)], ("DELETE", "friend"), Err("NoEffect")),
        (&[], ("PUT", "block"), Ok("Blocked")),
        (
            &[("PUT", "friend", true), ("PUT", "friend", false)],
            ("PUT", "block"),
            Ok("Blocked"),
        ),
        (&[("PUT", "block", true)], ("PUT", "block"), Err("NoEffect")),
        (&[("PUT", "block", false)], ("PUT", "block"), Ok("Blocked")),
        (&[], ("DELETE", "block"), Err("NoEffect")),
        (&[("PUT", "block", true)], ("DELETE", "block"), Ok("None")),
        (&[("PUT", "block", false)], ("DELETE", "block"), Err("NoEffect")),
        (
            &[("PUT", "block", true), ("PUT", "block", false)],
            ("DELETE", "block"),
            Ok("BlockedOther"),
        ),
    ];
    let emulator = Emulator::start_with(Config {
        rate_limit_window: Duration::from_millis(1),
        ..Config::default()
    })
    .await
    .unwrap();
    for (n, (setup, (method, action), expected)) in cases.iter().enumerate() {
        let alice = emulator.create_user(&format!("alice{n}"));
        let bob = emulator.create_user(&format!("bob{n}"));
        for (setup_method, setup_action, by_alice) in *setup {
            let (actor, other) = if *by_alice { (&alice, &bob) } else { (&bob, &alice) };
            let answer = call(
                &emulator,
                setup_method,
                &format!("/users/{}/{setup_action}", other.id),
                Some(actor),
                None,
            )
            .await;
            assert_eq!(answer.status, 200, "case {n} setup: {:?}", answer.body);
        }
        let answer = call(
            &emulator,
            method,
            &format!("/users/{}/{action}", bob.id),
            Some(&alice),
            None,
        )
        .await;
        match expected {
            Ok(relationship) => {
                assert_eq!(answer.status, 200, "case {n}: {:?}", answer.body);
                assert_eq!(answer.body["relationship"], *relationship, "case {n}");
            }
            Err(error) => assert_eq!(answer.error_type(), *error, "case {n}: {:?}", answer.body),
        }
    }
}

#[tokio::test]
async fn bots_cannot_befriend_and_friend_requests_go_by_name() {
    let emulator = Emulator::start().await.unwrap();
    let (alice, bob) = (emulator.create_user("alice"), emulator.create_user("bob"));
    let bot = emulator.create_bot(alice.id, "helper");
    let answer = call(
        &emulator,
        "PUT",
        &format!("/users/{}/friend", bot.id),
        Some(&alice),
        None,
    )
    .await;
    assert_eq!((answer.status, answer.error_type()), (400, "IsBot"));
    let me = call_as_bot(&emulator, "GET", "/users/@me", &bot).await;
    assert_eq!(me.body["bot"]["owner"], alice.id.to_string());
    let bob_user = call(&emulator, "GET", "/users/@me", Some(&bob), None).await;
    let tag = format!(
        "{}#{}",
        bob_user.body["username"].as_str().unwrap().to_uppercase(),
        bob_user.body["discriminator"].as_str().unwrap()
    );
    let sent = call(
        &emulator,
        "POST",
        "/users/friend",
        Some(&alice),
        Some(json!({"username": tag})),
    )
    .await;
    assert_eq!(sent.body["relationship"], "Outgoing");
    let no_hash = call(
        &emulator,
        "POST",
        "/users/friend",
        Some(&alice),
        Some(json!({"username": "bob"})),
    )
    .await;
    assert_eq!(no_hash.error_type(), "InvalidProperty");
}

#[tokio::test]
async fn too_many_pending_requests_are_refused() {
    let emulator = Emulator::start_with(Config {
        rate_limit_window: Duration::from_millis(1),
        ..Config::default()
    })
    .await
    .unwrap();
    let alice = emulator.create_user("alice");
    for n in 0..5 {
        let other = emulator.create_user(&format!("user{n}"));
        assert_eq!(
            call(
                &emulator,
                "PUT",
                &format!("/users/{}/friend", other.id),
                Some(&alice),
                None
            )
            .await
            .status,
            200
        );
    }
    let sixth = emulator.create_user("sixth");
    let answer = call(
        &emulator,
        "PUT",
        &format!("/users/{}/friend", sixth.id),
        Some(&alice),
        None,
    )
    .await;
    assert_eq!(
        (answer.status, answer.error_type(), answer.body["max"].as_u64()),
        (400, "TooManyPendingFriendRequests", Some(5))
    );
}

#[tokio::test]
async fn edits_validate_clear_first_and_reach_friends_as_events() {
    let emulator = Emulator::start().await.unwrap();
    let (alice, bob) = (emulator.create_user("alice"), emulator.create_user("bob"));
    befriend(&emulator, &alice, &bob).await;
    let (mut bob_socket, ready) = Socket::connect(&emulator, &bob).await;
    assert!(
        ready["users"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["_id"] == alice.id.to_string())
    );

    let bad = call(
        &emulator,
        "PATCH",
        "/users/@me",
        Some(&alice),
        Some(json!({"display_name": "x"})),
    )
    .await;
    assert_eq!((bad.status, bad.error_type()), (400, "FailedValidation"));
    let ill_typed = call(
        &emulator,
        "PATCH",
        "/users/@me",
        Some(&alice),
        Some(json!({"remove": ["Nope"]})),
    )
    .await;
    assert_eq!(ill_typed.status, 422);
    assert_eq!(ill_typed.body["error"]["reason"], "Unprocessable Entity");

    let edit = json!({"display_name": "Alice", "status": {"text": "new", "presence": "Busy"}, "remove": ["StatusText"]});
    // `user_edit` allows 2 per window and target; the own id is another target than `@me`.
    let edited = call(
        &emulator,
        "PATCH",
        &format!("/users/{}", alice.id),
        Some(&alice),
        Some(edit),
    )
    .await;
    assert_eq!(edited.status, 200);
    assert_eq!(edited.body["status"], json!({"text": "new", "presence": "Busy"}));
    let event = bob_socket.next_of("UserUpdate").await;
    assert_eq!(event["id"], alice.id.to_string());
    assert_eq!(event["data"]["display_name"], "Alice");
    assert_eq!(event["clear"], json!(["StatusText"]));
    assert!(event["event_id"].is_null());
}

#[tokio::test]
async fn relationship_events_reach_both_users_with_their_own_id() {
    let emulator = Emulator::start().await.unwrap();
    let (alice, bob) = (emulator.create_user("alice"), emulator.create_user("bob"));
    let (mut alice_socket, _) = Socket::connect(&emulator, &alice).await;
    let (mut bob_socket, _) = Socket::connect(&emulator, &bob).await;
    call(
        &emulator,
        "PUT",
        &format!("/users/{}/friend", bob.id),
        Some(&alice),
        None,
    )
    .await;
    let to_alice = alice_socket.next_of("UserRelationship").await;
    assert_eq!(to_alice["id"], alice.id.to_string());
    assert_eq!(to_alice["user"]["relationship"], "Outgoing");
    let to_bob = bob_socket.next_of("UserRelationship").await;
    assert_eq!(to_bob["id"], bob.id.to_string());
    assert_eq!(to_bob["user"]["relationship"], "Incoming");
}

#[tokio::test]
async fn dms_open_once_with_an_event_and_saved_messages_for_yourself() {
    let emulator = Emulator::start().await.unwrap();
    let (alice, bob) = (emulator.create_user("alice"), emulator.create_user("bob"));
    let refused = call(
        &emulator,
        "GET",
        &format!("/users/{}/dm", bob.id),
        Some(&alice),
        None,
    )
    .await;
    assert_eq!(refused.body["permission"], "SendMessage");
    befriend(&emulator, &alice, &bob).await;
    let (mut bob_socket, _) = Socket::connect(&emulator, &bob).await;
    let dm = call(
        &emulator,
        "GET",
        &format!("/users/{}/dm", bob.id),
        Some(&alice),
        None,
    )
    .await;
    assert_eq!(dm.body["channel_type"], "DirectMessage");
    assert_eq!(dm.body["active"], true);
    let created = bob_socket.next_of("ChannelCreate").await;
    assert_eq!(created["_id"], dm.body["_id"]);
    let again = call(
        &emulator,
        "GET",
        &format!("/users/{}/dm", bob.id),
        Some(&alice),
        None,
    )
    .await;
    assert_eq!(again.body["_id"], dm.body["_id"]);
    let saved = call(
        &emulator,
        "GET",
        &format!("/users/{}/dm", alice.id),
        Some(&alice),
        None,
    )
    .await;
    assert_eq!(saved.body["channel_type"], "SavedMessages");
    let dms = call(&emulator, "GET", "/users/dms", Some(&alice), None).await;
    assert_eq!(dms.body.as_array().unwrap().len(), 2);
    let mutual = call(
        &emulator,
        "GET",
        &format!("/users/{}/mutual", bob.id),
        Some(&alice),
        None,
    )
    .await;
    assert_eq!(mutual.body["channels"], json!([dm.body["_id"]]));
}

#[tokio::test]
async fn the_rate_limiter_counts_down_and_answers_429() {
    let emulator = Emulator::start().await.unwrap();
    let alice = emulator.create_user("alice");
    let mut remaining = Vec::new();
    for _ in 0..2 {
        let answer = call(&emulator, "PATCH", "/users/@me", Some(&alice), Some(json!({}))).await;
        assert_eq!(answer.status, 200);
        remaining.push(answer.header("x-ratelimit-remaining").to_owned());
    }
    assert_eq!(remaining, ["1", "0"]);
    let limited = call(&emulator, "PATCH", "/users/@me", Some(&alice), Some(json!({}))).await;
    assert_eq!(limited.status, 429);
    assert!(limited.body["retry_after"].as_u64().unwrap() <= 10_000);
    assert!(limited.body.get("type").is_none());
    assert_eq!(limited.header("x-ratelimit-limit"), "2");
    // Another bucket is not affected.
    assert_eq!(
        call(&emulator, "GET", "/users/@me", Some(&alice), None)
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn the_events_connection_pongs_relays_typing_and_refuses_bad_tokens() {
    let emulator = Emulator::start().await.unwrap();
    let (alice, bob) = (emulator.create_user("alice"), emulator.create_user("bob"));
    befriend(&emulator, &alice, &bob).await;
    let dm = call(
        &emulator,
        "GET",
        &format!("/users/{}/dm", bob.id),
        Some(&alice),
        None,
    )
    .await;
    let (mut alice_socket, _) = Socket::connect(&emulator, &alice).await;
    alice_socket.send(json!({"type": "Ping", "data": -1})).await;
    alice_socket
        .send(json!({"type": "Ping", "data": [1, 2, 3]}))
        .await;
    assert_eq!(
        alice_socket.next_of("Pong").await["data"],
        json!([1, 2, 3]),
        "no Pong for -1"
    );
    let (mut bob_socket, _) = Socket::connect(&emulator, &bob).await;
    let online = alice_socket.next_of("UserUpdate").await;
    assert_eq!(online["data"], json!({"online": true}));
    bob_socket
        .send(json!({"type": "BeginTyping", "channel": dm.body["_id"]}))
        .await;
    let typing = alice_socket.next_of("ChannelStartTyping").await;
    assert_eq!(typing["user"], bob.id.to_string());
    drop(bob_socket);
    let offline = alice_socket.next_of("UserUpdate").await;
    assert_eq!(offline["data"], json!({"online": false}));

    let mut forged = emulator.create_user("mallory");
    forged.token = "nope".into();
    let url = format!("{}/?version=1&format=json", emulator.ws_url());
    let (mut raw, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    raw.send(tokio_tungstenite::tungstenite::Message::text(
        json!({"type": "Authenticate", "token": "nope"}).to_string(),
    ))
    .await
    .unwrap();
    let error = raw.next().await.unwrap().unwrap();
    assert!(error.to_text().unwrap().contains("InvalidSession"));
    // Then the socket is dropped without a close frame.
    assert!(!matches!(
        raw.next().await,
        Some(Ok(tokio_tungstenite::tungstenite::Message::Close(_)))
    ));
}
