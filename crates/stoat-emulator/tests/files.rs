//! Uploads to the emulated file server, and using them once.

#[path = "support/mod.rs"]
mod support;

use serde_json::json;
use stoat_emulator::Emulator;
use support::{Socket, befriend, call, upload};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";

#[tokio::test]
async fn an_uploaded_avatar_can_be_set_once() {
    let emulator = Emulator::start().await.unwrap();
    let (alice, bob) = (emulator.create_user("alice"), emulator.create_user("bob"));
    befriend(&emulator, &alice, &bob).await;
    let (mut bob_socket, _) = Socket::connect(&emulator, &bob).await;
    let uploaded = upload(&emulator, "avatars", Some(&alice), "me.png", PNG).await;
    assert_eq!(uploaded.status, 200);
    let id = uploaded.body["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 42);
    let edited = call(
        &emulator,
        "PATCH",
        "/users/@me",
        Some(&alice),
        Some(json!({"avatar": id})),
    )
    .await;
    assert_eq!(edited.body["avatar"]["_id"], id.as_str());
    assert_eq!(edited.body["avatar"]["tag"], "avatars");
    assert_eq!(edited.body["avatar"]["filename"], "me.png");
    let event = bob_socket.next_of("UserUpdate").await;
    assert_eq!(event["data"]["avatar"]["_id"], id.as_str());
    let reused = call(
        &emulator,
        "PATCH",
        &format!("/users/{}", alice.id),
        Some(&alice),
        Some(json!({"avatar": id})),
    )
    .await;
    assert_eq!((reused.status, reused.error_type()), (404, "NotFound"));
}

#[tokio::test]
async fn tags_sizes_and_tokens_are_checked() {
    let emulator = Emulator::start().await.unwrap();
    let alice = emulator.create_user("alice");
    let text = upload(&emulator, "avatars", Some(&alice), "notes.txt", b"hello").await;
    assert_eq!((text.status, text.error_type()), (400, "FileTypeNotAllowed"));
    let empty = upload(&emulator, "attachments", Some(&alice), "empty", b"").await;
    assert_eq!((empty.status, empty.error_type()), (422, "FileTooSmall"));
    let big = vec![0u8; 4_000_001];
    let mut large = PNG.to_vec();
    large.extend_from_slice(&big);
    let too_large = upload(&emulator, "avatars", Some(&alice), "big.png", &large).await;
    assert_eq!(
        (
            too_large.status,
            too_large.error_type(),
            too_large.body["max"].as_u64()
        ),
        (422, "FileTooLarge", Some(4_000_000))
    );
    let anonymous = upload(&emulator, "attachments", None, "a.txt", b"x").await;
    assert_eq!(
        (anonymous.status, anonymous.error_type()),
        (401, "NotAuthenticated")
    );
    let unknown_tag = upload(&emulator, "posters", Some(&alice), "a.png", PNG).await;
    assert_eq!(unknown_tag.status, 400);
    // An attachment is not an avatar.
    let attachment = upload(&emulator, "attachments", Some(&alice), "a.png", PNG).await;
    let wrong = call(
        &emulator,
        "PATCH",
        "/users/@me",
        Some(&alice),
        Some(json!({"avatar": attachment.body["id"]})),
    )
    .await;
    assert_eq!(wrong.error_type(), "NotFound");
}

#[tokio::test]
async fn attachments_go_with_messages() {
    let emulator = Emulator::start().await.unwrap();
    let (alice, bob) = (emulator.create_user("alice"), emulator.create_user("bob"));
    let dm = support::friends_with_dm(&emulator, &alice, &bob).await;
    let channel = dm.as_str();
    let file = upload(&emulator, "attachments", Some(&alice), "notes.txt", b"hello").await;
    let sent = call(
        &emulator,
        "POST",
        &format!("/channels/{channel}/messages"),
        Some(&alice),
        Some(json!({"attachments": [file.body["id"]]})),
    )
    .await;
    assert_eq!(sent.status, 200, "{:?}", sent.body);
    assert_eq!(sent.body["attachments"][0]["filename"], "notes.txt");
    assert_eq!(sent.body["attachments"][0]["metadata"], json!({"type": "File"}));
}
