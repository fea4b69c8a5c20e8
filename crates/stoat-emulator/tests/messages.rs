//! What can be done in a DM, and reports, on loopback.

#[path = "support/mod.rs"]
mod support;

use serde_json::{Value, json};
use stoat_emulator::{Account, Emulator};
use support::{Socket, call, call_as_bot};

async fn dm(emulator: &Emulator, alice: &Account, bob: &Account) -> String {
    support::friends_with_dm(emulator, alice, bob).await
}

async fn send(emulator: &Emulator, who: &Account, channel: &str, body: Value) -> support::Answer {
    call(
        emulator,
        "POST",
        &format!("/channels/{channel}/messages"),
        Some(who),
        Some(body),
    )
    .await
}

#[tokio::test]
async fn sending_checks_what_the_server_checks() {
    let emulator = Emulator::start().await.unwrap();
    let (alice, bob) = (emulator.create_user("alice"), emulator.create_user("bob"));
    let channel = dm(&emulator, &alice, &bob).await;
    let cases = [
        (json!({}), 422, "EmptyMessage"),
        (json!({"content": ""}), 422, "EmptyMessage"),
        (json!({"content": "a".repeat(2001)}), 422, "PayloadTooLarge"),
        (json!({"content": "x", "flags": 8}), 400, "InvalidProperty"),
        (json!({"content": "x", "flags": 4}), 400, "IsNotBot"),
        (
            json!({"content": "x", "interactions": {"restrict_reactions": true}}),
            400,
            "InvalidProperty",
        ),
        (
            json!({"content": "x", "masquerade": {"name": "m", "colour": "red"}}),
            403,
            "MissingPermission",
        ),
        (
            json!({"content": "x", "replies": [{"id": "01M860WQC1V2JHRA1MXK8ZTASJ", "mention": true}]}),
            404,
            "NotFound",
        ),
    ];
    for (body, status, error) in cases {
        let answer = send(&emulator, &alice, &channel, body.clone()).await;
        assert_eq!((answer.status, answer.error_type()), (status, error), "{body}");
    }
    let full = send(
        &emulator,
        &alice,
        &channel,
        json!({"content": "a".repeat(2000), "flags": 3}),
    )
    .await;
    assert_eq!(full.status, 200);
    assert_eq!(full.body["flags"], 2, "1 is a bit index the server drops");
    assert_eq!(
        full.body["user"]["relationship"], "None",
        "the send response has no point of view"
    );
    let tolerated = send(&emulator, &alice, &channel, json!({"content": "x", "replies": [{"id": "01M860WQC1V2JHRA1MXK8ZTASJ", "mention": false, "fail_if_not_exists": false}]})).await;
    assert_eq!(tolerated.status, 200);
    assert!(tolerated.body.get("replies").is_none());
}

#[tokio::test]
async fn idempotency_keys_and_nonces_fail_as_the_server_does() {
    let emulator = Emulator::start().await.unwrap();
    let (alice, bob) = (emulator.create_user("alice"), emulator.create_user("bob"));
    let channel = dm(&emulator, &alice, &bob).await;
    let with_nonce = send(
        &emulator,
        &alice,
        &channel,
        json!({"content": "x", "nonce": "n1"}),
    )
    .await;
    assert_eq!(with_nonce.body["nonce"], "n1");
    let again = send(
        &emulator,
        &alice,
        &channel,
        json!({"content": "x", "nonce": "n1"}),
    )
    .await;
    assert_eq!((again.status, again.error_type()), (400, "InvalidOperation"));
    let plain = send(&emulator, &alice, &channel, json!({"content": "x"})).await;
    assert_eq!(
        plain.body["nonce"].as_str().unwrap().len(),
        26,
        "a server ULID when none is given"
    );
}

#[tokio::test]
async fn messages_reach_both_sides_with_their_own_relationship() {
    let emulator = Emulator::start().await.unwrap();
    let (alice, bob) = (emulator.create_user("alice"), emulator.create_user("bob"));
    let channel = dm(&emulator, &alice, &bob).await;
    let (mut alice_socket, _) = Socket::connect(&emulator, &alice).await;
    let (mut bob_socket, _) = Socket::connect(&emulator, &bob).await;
    let first = send(&emulator, &bob, &channel, json!({"content": "hi alice"})).await;
    let reply = send(
        &emulator,
        &alice,
        &channel,
        json!({"content": "hi bob", "replies": [{"id": first.body["_id"], "mention": true}]}),
    )
    .await;
    assert_eq!(reply.body["mentions"], json!([bob.id.to_string()]));
    let seen_by_alice = alice_socket.next_of("Message").await;
    assert_eq!(seen_by_alice["user"]["relationship"], "Friend");
    let own = alice_socket.next_of("Message").await;
    assert_eq!(own["user"]["relationship"], "User");
    let seen_by_bob = bob_socket.next_of("Message").await;
    assert_eq!(seen_by_bob["content"], "hi alice");
}

#[tokio::test]
async fn history_fetch_and_search() {
    let emulator = Emulator::start().await.unwrap();
    let (alice, bob) = (emulator.create_user("alice"), emulator.create_user("bob"));
    let channel = dm(&emulator, &alice, &bob).await;
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(
            send(
                &emulator,
                &alice,
                &channel,
                json!({"content": format!("message {n}")}),
            )
            .await
            .body["_id"]
                .clone(),
        );
    }
    let history = |query: &str| format!("/channels/{channel}/messages{query}");
    let latest = call(&emulator, "GET", &history("?limit=2"), Some(&alice), None).await;
    assert_eq!(
        latest
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["_id"].clone())
            .collect::<Vec<_>>(),
        [ids[4].clone(), ids[3].clone()]
    );
    let oldest = call(
        &emulator,
        "GET",
        &history(&format!("?sort=oldest&after={}", ids[2].as_str().unwrap())),
        Some(&alice),
        None,
    )
    .await;
    assert_eq!(oldest.body.as_array().unwrap().len(), 2);
    let with_users = call(
        &emulator,
        "GET",
        &history("?include_users=true"),
        Some(&alice),
        None,
    )
    .await;
    assert_eq!(with_users.body["users"].as_array().unwrap().len(), 1);
    assert!(with_users.body.get("members").is_none());
    for (query, error) in [
        ("?limit=0", "FailedValidation"),
        ("?limit=101", "FailedValidation"),
        ("?before=abc", "FailedValidation"),
        ("?sort=Relevance", "InvalidOperation"),
    ] {
        assert_eq!(
            call(&emulator, "GET", &history(query), Some(&alice), None)
                .await
                .error_type(),
            error,
            "{query}"
        );
    }
    let ignored = call(&emulator, "GET", &history("?sort=Newest"), Some(&alice), None).await;
    assert_eq!(ignored.status, 200);
    let one = call(
        &emulator,
        "GET",
        &format!("/channels/{channel}/messages/{}", ids[0].as_str().unwrap()),
        Some(&alice),
        None,
    )
    .await;
    assert_eq!(one.body["content"], "message 0");
    assert!(one.body.get("user").is_none());
    let found = call(
        &emulator,
        "POST",
        &format!("/channels/{channel}/search"),
        Some(&alice),
        Some(json!({"query": "MESSAGE 3"})),
    )
    .await;
    assert_eq!(found.body.as_array().unwrap().len(), 1);
    let both = call(
        &emulator,
        "POST",
        &format!("/channels/{channel}/search"),
        Some(&alice),
        Some(json!({"query": "x", "pinned": true})),
    )
    .await;
    assert_eq!(both.error_type(), "InvalidOperation");
    let bot = emulator.create_bot(alice.id, "helper");
    let refused = call_as_bot(&emulator, "POST", &format!("/channels/{channel}/search"), &bot).await;
    assert_eq!(refused.error_type(), "IsBot");
}

#[tokio::test]
async fn ack_close_and_calls() {
    let emulator = Emulator::start().await.unwrap();
    let (alice, bob) = (emulator.create_user("alice"), emulator.create_user("bob"));
    let channel = dm(&emulator, &alice, &bob).await;
    let (mut alice_socket, _) = Socket::connect(&emulator, &alice).await;
    let (mut bob_socket, _) = Socket::connect(&emulator, &bob).await;
    let message = send(&emulator, &bob, &channel, json!({"content": "x"}))
        .await
        .body["_id"]
        .clone();
    let ack = call(
        &emulator,
        "PUT",
        &format!("/channels/{channel}/ack/{}", message.as_str().unwrap()),
        Some(&alice),
        None,
    )
    .await;
    assert_eq!(ack.status, 204);
    assert_eq!(alice_socket.next_of("ChannelAck").await["message_id"], message);
    let empty = call(
        &emulator,
        "POST",
        &format!("/channels/{channel}/join_call"),
        Some(&alice),
        None,
    )
    .await;
    assert_eq!(
        (empty.status, empty.body["error"]["code"].as_u64()),
        (400, Some(400))
    );
    let call_off = call(
        &emulator,
        "POST",
        &format!("/channels/{channel}/join_call"),
        Some(&alice),
        Some(json!({})),
    )
    .await;
    assert_eq!(call_off.error_type(), "LiveKitUnavailable");
    let closed = call(
        &emulator,
        "DELETE",
        &format!("/channels/{channel}"),
        Some(&alice),
        None,
    )
    .await;
    assert_eq!(closed.status, 204);
    assert_eq!(
        bob_socket.next_of("ChannelUpdate").await["data"],
        json!({"active": false})
    );
    let reopened = call(
        &emulator,
        "GET",
        &format!("/users/{}/dm", bob.id),
        Some(&alice),
        None,
    )
    .await;
    assert_eq!(
        reopened.body["active"], false,
        "opening does not reactivate a closed DM"
    );
    let saved = call(
        &emulator,
        "GET",
        &format!("/users/{}/dm", alice.id),
        Some(&alice),
        None,
    )
    .await;
    let no_effect = call(
        &emulator,
        "DELETE",
        &format!("/channels/{}", saved.body["_id"].as_str().unwrap()),
        Some(&alice),
        None,
    )
    .await;
    assert_eq!(no_effect.error_type(), "NoEffect");
}

#[tokio::test]
async fn reports_of_users() {
    let emulator = Emulator::start().await.unwrap();
    let (alice, bob) = (emulator.create_user("alice"), emulator.create_user("bob"));
    let report =
        |id: String, reason: &str| json!({"content": {"type": "User", "id": id, "report_reason": reason}});
    let reported = call(
        &emulator,
        "POST",
        "/safety/report",
        Some(&alice),
        Some(report(bob.id.to_string(), "SpamAbuse")),
    )
    .await;
    assert_eq!(reported.status, 204);
    let yourself = call(
        &emulator,
        "POST",
        "/safety/report",
        Some(&alice),
        Some(report(alice.id.to_string(), "SpamAbuse")),
    )
    .await;
    assert_eq!(yourself.error_type(), "CannotReportYourself");
    let unknown = call(
        &emulator,
        "POST",
        "/safety/report",
        Some(&alice),
        Some(report(bob.id.to_string(), "Grumpy")),
    )
    .await;
    assert_eq!(unknown.status, 422);
}
