//! Calls with voice switched on, and username changes.

#[path = "support/mod.rs"]
mod support;

use serde_json::json;
use stoat_emulator::{Config, Emulator};
use support::{call, friends_with_dm};

#[tokio::test]
async fn join_call_answers_a_token_and_url_when_voice_is_on() {
    let emulator = Emulator::start_with(Config {
        voice: true,
        ..Config::default()
    })
    .await
    .unwrap();
    let (alice, bob) = (emulator.create_user("alice"), emulator.create_user("bob"));
    let root = call(&emulator, "GET", "/", None, None).await;
    assert_eq!(root.body["features"]["livekit"]["enabled"], true);
    let node = root.body["features"]["livekit"]["nodes"][0].clone();
    let dm = friends_with_dm(&emulator, &alice, &bob).await;
    let path = format!("/channels/{dm}/join_call");
    let joined = call(
        &emulator,
        "POST",
        &path,
        Some(&alice),
        Some(json!({"node": node["name"]})),
    )
    .await;
    assert_eq!(joined.status, 200, "{:?}", joined.body);
    assert!(!joined.body["token"].as_str().unwrap().is_empty());
    assert_eq!(joined.body["url"], node["public_url"]);
    let unknown = call(
        &emulator,
        "POST",
        &path,
        Some(&alice),
        Some(json!({"node": "moon"})),
    )
    .await;
    assert_eq!(unknown.error_type(), "UnknownNode");

    // Joining happens in the media server; the test API stands in for it.
    emulator.voice_join(dm.parse().unwrap(), alice.id);
    let again = call(&emulator, "POST", &path, Some(&alice), Some(json!({}))).await;
    assert_eq!(again.error_type(), "AlreadyConnected");
    let forced = call(
        &emulator,
        "POST",
        &path,
        Some(&alice),
        Some(json!({"force_disconnect": true})),
    )
    .await;
    assert_eq!(forced.status, 200);

    let ring = |user: String| format!("/channels/{dm}/end_ring/{user}");
    assert_eq!(
        call(&emulator, "PUT", &ring(bob.id.to_string()), Some(&alice), None)
            .await
            .status,
        204
    );
    let not_in_call = call(&emulator, "PUT", &ring(alice.id.to_string()), Some(&bob), None).await;
    assert_eq!(not_in_call.error_type(), "NotConnected");
    let stranger = call(
        &emulator,
        "PUT",
        &ring("01M860BWPTBVM98D71JYP906BF".into()),
        Some(&alice),
        None,
    )
    .await;
    assert_eq!(stranger.error_type(), "NotFound");

    let saved = call(
        &emulator,
        "GET",
        &format!("/users/{}/dm", alice.id),
        Some(&alice),
        None,
    )
    .await;
    let saved_call = format!("/channels/{}/join_call", saved.body["_id"].as_str().unwrap());
    assert_eq!(
        call(&emulator, "POST", &saved_call, Some(&alice), Some(json!({})))
            .await
            .error_type(),
        "NotAVoiceChannel"
    );
}

#[tokio::test]
async fn a_forced_discriminator_change_is_allowed_once_a_day() {
    let emulator = Emulator::start_with(Config {
        rate_limit_window: std::time::Duration::ZERO,
        ..Config::default()
    })
    .await
    .unwrap();
    let alice = emulator.create_user("alice");
    let bob = emulator.create_user("bob");
    let _dave1 = emulator.create_user("dave");
    let _dave2 = emulator.create_user("dave");
    let rename = |name: &str| json!({"username": name, "password": alice.password.expose()});
    let to_bob = call(
        &emulator,
        "PATCH",
        "/users/@me/username",
        Some(&alice),
        Some(rename("Bob")),
    )
    .await;
    assert_eq!(
        (
            to_bob.body["username"].as_str(),
            to_bob.body["discriminator"].as_str()
        ),
        (Some("Bob"), Some("0002"))
    );
    assert_eq!(
        to_bob.body["relationship"], "None",
        "the response has no point of view"
    );
    assert!(to_bob.body.get("status").is_none());
    let _ = bob;
    let to_dave = call(
        &emulator,
        "PATCH",
        "/users/@me/username",
        Some(&alice),
        Some(rename("dave")),
    )
    .await;
    assert_eq!(
        (to_dave.status, to_dave.error_type()),
        (429, "DiscriminatorChangeRatelimited")
    );
    let wrong = call(
        &emulator,
        "PATCH",
        "/users/@me/username",
        Some(&alice),
        Some(json!({"username": "ok_name", "password": "wrong password"})),
    )
    .await;
    assert_eq!(wrong.error_type(), "InvalidCredentials");
    let reserved = call(
        &emulator,
        "PATCH",
        "/users/@me/username",
        Some(&alice),
        Some(rename("Admin")),
    )
    .await;
    assert_eq!(reserved.error_type(), "InvalidUsername");
}
