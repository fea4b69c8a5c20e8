//! Instance limits (published and enforced), who a rate limit counts, and
//! default avatars, on loopback.

#[path = "support/mod.rs"]
mod support;

use std::net::Ipv4Addr;
use std::time::Duration;

use serde_json::{Value, json};
use stoat_emulator::{Account, Config, Emulator, GlobalLimits, Limits, UserLimits};
use support::{call, call_from};

fn fixture(name: &str) -> Value {
    let path = format!("{}/../../fixtures/rest/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

async fn send(emulator: &Emulator, who: &Account, channel: &str, body: Value) -> support::Answer {
    let path = format!("/channels/{channel}/messages");
    call(emulator, "POST", &path, Some(who), Some(body)).await
}

#[tokio::test]
async fn the_root_publishes_the_official_limits_by_default() {
    let emulator = Emulator::start().await.unwrap();
    let root = call(&emulator, "GET", "/", None, None).await;
    let recorded = fixture("root.json");
    assert_eq!(
        root.body["features"]["limits"],
        recorded["body"]["features"]["limits"]
    );
    assert_eq!(
        root.body["features"]["legal_links"],
        recorded["body"]["features"]["legal_links"]
    );
}

fn small_limits() -> Limits {
    Limits {
        global: GlobalLimits {
            message_embeds: 1,
            message_replies: 1,
            message_reactions: 2,
            ..GlobalLimits::default()
        },
        new_user: UserLimits {
            message_length: 10,
            message_attachments: 1,
            outgoing_friend_requests: 1,
            ..UserLimits::new_user()
        },
        default: UserLimits {
            outgoing_friend_requests: 2,
            ..UserLimits::default()
        },
    }
}

#[tokio::test]
async fn configured_limits_are_published_and_enforced_on_messages() {
    let emulator = Emulator::start_with(Config {
        limits: small_limits(),
        ..Config::default()
    })
    .await
    .unwrap();
    let root = call(&emulator, "GET", "/", None, None).await;
    let limits = &root.body["features"]["limits"];
    assert_eq!(limits["global"]["message_reactions"], 2);
    assert_eq!(limits["new_user"]["message_length"], 10);
    assert_eq!(limits["default"]["outgoing_friend_requests"], 2);

    let (alice, bob) = (emulator.create_user("alice"), emulator.create_user("bob"));
    let channel = support::friends_with_dm(&emulator, &alice, &bob).await;
    let sent = send(&emulator, &alice, &channel, json!({"content": "ten bytes!"})).await;
    assert_eq!(sent.status, 200, "{:?}", sent.body);
    let embed = json!({"title": "t"});
    let reply = json!({"id": sent.body["_id"], "mention": false});
    let cases = [
        (json!({"content": "eleven byte"}), "PayloadTooLarge", None),
        (
            json!({"content": "x", "embeds": [embed, embed]}),
            "TooManyEmbeds",
            Some(1),
        ),
        (
            json!({"content": "x", "replies": [reply, reply]}),
            "TooManyReplies",
            Some(1),
        ),
        (
            json!({"content": "x", "attachments": ["a", "b"]}),
            "TooManyAttachments",
            Some(1),
        ),
        (
            json!({"content": "x", "interactions": {"reactions": ["a", "b", "c"]}}),
            "InvalidOperation",
            None,
        ),
    ];
    for (body, error, max) in cases {
        let answer = send(&emulator, &alice, &channel, body.clone()).await;
        assert_eq!(answer.error_type(), error, "{body}");
        assert_eq!(answer.body["max"].as_u64(), max, "{body}");
    }
}

#[tokio::test]
async fn new_and_old_accounts_get_their_own_friend_request_limits() {
    let emulator = Emulator::start_with(Config {
        limits: small_limits(),
        rate_limit_window: Duration::from_millis(1),
        ..Config::default()
    })
    .await
    .unwrap();
    let fresh = emulator.create_user("fresh");
    let old = emulator.create_user_aged("old", Duration::from_secs(73 * 3600));
    for (who, allowed) in [(&fresh, 1), (&old, 2)] {
        for n in 0..=allowed {
            let other = emulator.create_user(&format!("target{n}"));
            let path = format!("/users/{}/friend", other.id);
            let answer = call(&emulator, "PUT", &path, Some(who), None).await;
            if n < allowed {
                assert_eq!(answer.status, 200, "{:?}", answer.body);
            } else {
                assert_eq!(answer.error_type(), "TooManyPendingFriendRequests");
                assert_eq!(answer.body["max"], allowed);
            }
        }
    }
}

/// `X-RateLimit-Remaining` of one `GET /users/@me` with these headers.
async fn remaining(emulator: &Emulator, headers: &[(&str, &str)], from: Ipv4Addr) -> String {
    let answer = call_from(emulator, "GET", "/users/@me", headers, from).await;
    answer.header("x-ratelimit-remaining").to_owned()
}

#[tokio::test]
async fn each_session_of_a_user_is_limited_on_its_own() {
    let emulator = Emulator::start().await.unwrap();
    let alice = emulator.create_user("alice");
    let second = emulator.create_session(alice.id).expect("users have sessions");
    assert_ne!(second.expose(), alice.token.expose());
    let bot = emulator.create_bot(alice.id, "helper");
    assert!(emulator.create_session(bot.id).is_none(), "bots have no sessions");
    let home = Ipv4Addr::LOCALHOST;
    let first = [("x-session-token", alice.token.expose())];
    assert_eq!(remaining(&emulator, &first, home).await, "19");
    assert_eq!(remaining(&emulator, &first, home).await, "18");
    let other = [("x-session-token", second.expose())];
    let me = call_from(&emulator, "GET", "/users/@me", &other, home).await;
    assert_eq!(me.body["_id"], alice.id.to_string());
    assert_eq!(me.header("x-ratelimit-remaining"), "19", "a window of its own");
    // Logging out ends every session.
    emulator.logout(alice.id);
    let refused = call_from(&emulator, "GET", "/users/@me", &other, home).await;
    assert_eq!(refused.status, 401);
}

#[tokio::test]
async fn bots_are_limited_per_address() {
    let emulator = Emulator::start().await.unwrap();
    let owner = emulator.create_user("owner");
    let (one, two) = (
        emulator.create_bot(owner.id, "one"),
        emulator.create_bot(owner.id, "two"),
    );
    let (a, b) = (Ipv4Addr::new(127, 0, 0, 2), Ipv4Addr::new(127, 0, 0, 3));
    let as_one = [("x-bot-token", one.token.expose())];
    let as_two = [("x-bot-token", two.token.expose())];
    // Two bots behind one address share its window...
    assert_eq!(remaining(&emulator, &as_one, a).await, "19");
    assert_eq!(remaining(&emulator, &as_two, a).await, "18");
    // ...another address has its own, whichever bot sends.
    assert_eq!(remaining(&emulator, &as_one, b).await, "19");
    // `X-Real-IP` names the client, as behind the server's proxy.
    let proxied = [("x-bot-token", one.token.expose()), ("x-real-ip", "127.0.0.2")];
    assert_eq!(remaining(&emulator, &proxied, b).await, "17");
    // A request without a valid session counts against the address too.
    let invalid = [("x-session-token", "not-a-session")];
    let anonymous = call_from(&emulator, "GET", "/users/@me", &invalid, a).await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.header("x-ratelimit-remaining"), "16");
}

#[tokio::test]
async fn default_avatars_follow_the_last_character() {
    let emulator = Emulator::start().await.unwrap();
    let recorded = fixture("users_default_avatar.json");
    let fetch = |id: String| {
        let emulator = &emulator;
        async move {
            call(
                emulator,
                "GET",
                &format!("/users/{id}/default_avatar"),
                None,
                None,
            )
            .await
        }
    };
    let first = fetch("01M860BW29BPVCKGC35KQ9A83J".into()).await;
    for name in ["content-type", "cache-control"] {
        assert_eq!(first.header(name), recorded["headers"][name], "{name}");
    }
    // One id per image, by the server's rule; ids ending alike share one.
    let ends = ['R', '0', '4', '8', 'C', 'G', 'M'];
    let mut images = Vec::new();
    for end in ends {
        let answer = fetch(format!("01M860BW29BPVCKGC35KQ9A83{end}")).await;
        assert_eq!(answer.status, 200);
        images.push(answer.body.to_string());
    }
    for (i, image) in images.iter().enumerate() {
        assert!(!images[i + 1..].contains(image), "image for {} repeats", ends[i]);
    }
    let same = fetch("01M860BW29BPVCKGC35KQ9A83S".into()).await;
    assert_eq!(same.body.to_string(), images[1], "S picks the image of 0");
    assert_eq!(first.body.to_string(), images[5], "J picks the image of G");
}
