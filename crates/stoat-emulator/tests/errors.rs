//! Errors' `location`: present on REST errors and on the events server's
//! `InvalidSession`, in the server's shape (`crates/…/file.rs:line:col`),
//! naming the place in the emulator's source that raised the error.

#[path = "support/mod.rs"]
mod support;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use stoat_emulator::Emulator;
use support::call;

/// The file, line and column of a location of the server's shape.
fn parts(location: &str) -> (String, u32, u32) {
    let mut pieces = location.rsplitn(3, ':');
    let column = pieces.next().unwrap().parse().unwrap();
    let line = pieces.next().unwrap().parse().unwrap();
    let file = pieces.next().unwrap().to_owned();
    let extension = std::path::Path::new(&file).extension();
    assert!(
        file.starts_with("crates/") && extension == Some("rs".as_ref()),
        "{location}"
    );
    assert!(line > 0 && column > 0, "{location}");
    (file, line, column)
}

/// A location of ours names a line of the emulator's own source.
fn assert_ours(location: &Value) {
    let (file, line, _) = parts(location.as_str().expect("a location"));
    let root = format!("{}/../../", env!("CARGO_MANIFEST_DIR"));
    let source = std::fs::read_to_string(format!("{root}{file}")).expect("the file exists");
    assert!(source.lines().count() >= line as usize, "{file}:{line}");
}

fn recorded(path: &str) -> Value {
    let path = format!("{}/../../fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[tokio::test]
async fn rest_errors_are_located_where_they_are_raised() {
    let emulator = Emulator::start().await.unwrap();
    let alice = emulator.create_user("alice");
    let theirs = recorded("rest/err_users_friend_self.json");
    parts(theirs["body"]["location"].as_str().unwrap());
    let path = format!("/users/{}/friend", alice.id);
    let friend_self = call(&emulator, "PUT", &path, Some(&alice), None).await;
    assert_eq!(friend_self.error_type(), theirs["body"]["type"]);
    assert_ours(&friend_self.body["location"]);
    let unknown = call(
        &emulator,
        "GET",
        "/users/01M860RNGMDS8N5WFT4YG8K79P",
        Some(&alice),
        None,
    )
    .await;
    assert_eq!(unknown.error_type(), "NotFound");
    assert_ours(&unknown.body["location"]);
    assert_ne!(
        unknown.body["location"], friend_self.body["location"],
        "not one made-up place"
    );
}

#[tokio::test]
async fn the_events_servers_invalid_session_is_located() {
    let emulator = Emulator::start().await.unwrap();
    let (mut socket, _) = tokio_tungstenite::connect_async(emulator.ws_url()).await.unwrap();
    let authenticate = json!({"type": "Authenticate", "token": "not-a-token"}).to_string();
    socket
        .send(tokio_tungstenite::tungstenite::Message::text(authenticate))
        .await
        .unwrap();
    let frame = socket.next().await.unwrap().unwrap();
    let error: Value = serde_json::from_str(frame.to_text().unwrap()).unwrap();
    let theirs = &recorded("sessions/ws_bad_token.json")[0]["data"];
    assert_eq!(error["data"]["type"], theirs["data"]["type"]);
    parts(theirs["data"]["location"].as_str().unwrap());
    assert_ours(&error["data"]["location"]);
}
