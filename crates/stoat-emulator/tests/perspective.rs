//! How users look beside messages (history with users, `Message` events):
//! your own user without relations, a status hidden only from those its
//! owner blocked. Checked against the recorded exchanges.

#[path = "support/mod.rs"]
mod support;

use std::collections::BTreeSet;

use serde_json::{Value, json};
use stoat_emulator::Emulator;
use support::{Socket, call};

fn fixture(path: &str) -> Value {
    let path = format!("{}/../../fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn keys(user: &Value) -> BTreeSet<String> {
    user.as_object().unwrap().keys().cloned().collect()
}

/// The entry of `users` with id `id`.
fn user_with_id<'a>(users: &'a Value, id: &str) -> &'a Value {
    users.as_array().unwrap().iter().find(|u| u["_id"] == id).unwrap()
}

#[tokio::test]
async fn your_own_user_beside_messages_has_no_relations() {
    let emulator = Emulator::start().await.unwrap();
    let (alice, bob) = (emulator.create_user("alice"), emulator.create_user("bob"));
    let channel = support::friends_with_dm(&emulator, &alice, &bob).await;
    let (mut socket, _) = Socket::connect(&emulator, &alice).await;
    let path = format!("/channels/{channel}/messages");
    let sent = call(
        &emulator,
        "POST",
        &path,
        Some(&alice),
        Some(json!({"content": "hi"})),
    )
    .await;
    assert_eq!(sent.status, 200);

    // Alice is bob's friend, so she has relations; they stay off her user here.
    let event = socket.next_of("Message").await;
    let recorded = fixture("events/ws_event_Message_own_seen_by_self.json");
    assert_eq!(keys(&event["user"]), keys(&recorded["user"]));
    assert_eq!(event["user"]["relationship"], "User");

    let history = call(
        &emulator,
        "GET",
        &format!("{path}?include_users=true"),
        Some(&alice),
        None,
    )
    .await;
    let recorded = fixture("rest/messages_query_include_users.json");
    let own = user_with_id(&history.body["users"], &alice.id.to_string());
    let recorded_own = user_with_id(&recorded["body"]["users"], "01M860RNGMDS8N5WFT4YG8K79P");
    assert_eq!(keys(own), keys(recorded_own));
    assert_eq!(own["relationship"], "User");
}

#[tokio::test]
async fn an_authors_status_is_hidden_only_from_those_they_blocked() {
    let emulator = Emulator::start().await.unwrap();
    let (alice, bob) = (emulator.create_user("alice"), emulator.create_user("bob"));
    let channel = support::friends_with_dm(&emulator, &alice, &bob).await;
    let path = format!("/channels/{channel}/messages");
    let sent = call(
        &emulator,
        "POST",
        &path,
        Some(&bob),
        Some(json!({"content": "hi"})),
    )
    .await;
    assert_eq!(sent.status, 200);
    let status = json!({"status": {"text": "busy"}});
    assert_eq!(
        call(&emulator, "PATCH", "/users/@me", Some(&bob), Some(status))
            .await
            .status,
        200
    );
    let bob_as_seen_by_alice = || async {
        let history = call(
            &emulator,
            "GET",
            &format!("{path}?include_users=true"),
            Some(&alice),
            None,
        )
        .await;
        user_with_id(&history.body["users"], &bob.id.to_string()).clone()
    };

    // Alice blocks bob: she still sees his status beside his messages.
    let block = format!("/users/{}/block", bob.id);
    assert_eq!(
        call(&emulator, "PUT", &block, Some(&alice), None).await.status,
        200
    );
    let seen = bob_as_seen_by_alice().await;
    assert_eq!(seen["relationship"], "Blocked");
    assert_eq!(seen["status"]["text"], "busy");

    // Bob blocks alice: now it is hidden from her.
    assert_eq!(
        call(&emulator, "DELETE", &block, Some(&alice), None).await.status,
        200
    );
    let blocked_by_bob = format!("/users/{}/block", alice.id);
    assert_eq!(
        call(&emulator, "PUT", &blocked_by_bob, Some(&bob), None)
            .await
            .status,
        200
    );
    let seen = bob_as_seen_by_alice().await;
    assert_eq!(seen["relationship"], "BlockedOther");
    assert!(seen.get("status").is_none(), "{seen}");
}
