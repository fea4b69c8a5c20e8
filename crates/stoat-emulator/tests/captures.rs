//! Replays of the exchanges recorded from the official server: the same
//! request in the same situation must get the same status and body, once
//! what differs between runs (ids, names, timestamps, source locations) is
//! normalised.

#[path = "support/mod.rs"]
mod support;

use std::path::Path;
use std::time::Duration;

use serde_json::{Map, Value, json};
use stoat_emulator::{Account, Config, Emulator};
use support::{Answer, befriend, call, call_as_bot, call_with};

fn fixture(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/rest")
        .join(format!("{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Ids, names and times become placeholders; `location` goes.
fn normalise(value: &Value) -> Value {
    const IDS: &[&str] = &[
        "channels",
        "servers",
        "users",
        "_id",
        "id",
        "user",
        "author",
        "channel",
        "nonce",
        "owner",
        "recipients",
        "mentions",
        "replies",
    ];
    const NAMES: &[&str] = &["username", "discriminator", "display_name", "content"];
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(key, _)| *key != "location")
                .map(|(key, value)| {
                    let normal = match value {
                        // The validator's field order is not stable (recorded twice, differently).
                        Value::String(text) if key == "error" => json!(sorted_fields(text)),
                        Value::Number(_) if key == "retry_after" => json!("<ms>"),
                        Value::String(_) if IDS.contains(&key.as_str()) => json!("<id>"),
                        Value::Array(items)
                            if IDS.contains(&key.as_str()) && items.iter().all(Value::is_string) =>
                        {
                            json!(vec!["<id>"; items.len()])
                        }
                        Value::String(_) if NAMES.contains(&key.as_str()) => json!("<text>"),
                        other => normalise(other),
                    };
                    (key.clone(), normal)
                })
                .collect::<Map<_, _>>(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(normalise).collect()),
        other => other.clone(),
    }
}

/// `... [{"a": 1, "b": 2}]` with the fields inside the braces sorted.
fn sorted_fields(text: &str) -> String {
    let (Some(open), Some(close)) = (text.find("[{"), text.rfind("}]")) else {
        return text.to_owned();
    };
    let mut fields: Vec<&str> = text[open + 2..close].split(", ").collect();
    fields.sort_unstable();
    format!(
        "{}[{{{}}}]{}",
        &text[..open],
        fields.join(", "),
        &text[close + 2..]
    )
}

struct Situation {
    emulator: Emulator,
}

impl Situation {
    fn pair(&self) -> (Account, Account) {
        (
            self.emulator.create_user("alice"),
            self.emulator.create_user("bob"),
        )
    }

    async fn friends(&self) -> (Account, Account, String) {
        let (alice, bob) = self.pair();
        befriend(&self.emulator, &alice, &bob).await;
        let dm = call(
            &self.emulator,
            "GET",
            &format!("/users/{}/dm", bob.id),
            Some(&alice),
            None,
        )
        .await;
        (alice, bob, dm.body["_id"].as_str().unwrap().to_owned())
    }

    async fn run(&self, method: &str, path: &str, who: &Account, body: Option<Value>) -> Answer {
        call(&self.emulator, method, path, Some(who), body).await
    }
}

/// Performs the recorded exchange `name` in the situation it was recorded in.
#[allow(clippy::too_many_lines, reason = "one arm per recorded exchange")]
async fn perform(s: &Situation, name: &str, request_body: Option<Value>) -> Answer {
    let e = &s.emulator;
    let unknown = "01M860BWPTBVM98D71JYP906BF";
    match name {
        "err_users_me_no_token" => call(e, "GET", "/users/@me", None, None).await,
        "err_users_me_bad_token" => {
            let mut forged = e.create_user("x");
            forged.token = "bad".into();
            call(e, "GET", "/users/@me", Some(&forged), None).await
        }
        "users_me" => s.run("GET", "/users/@me", &s.pair().0, None).await,
        "users_flags" | "users_flags_no_auth" => {
            call(e, "GET", &format!("/users/{}/flags", s.pair().1.id), None, None).await
        }
        "err_users_fetch_unknown" => {
            s.run("GET", &format!("/users/{unknown}"), &s.pair().0, None)
                .await
        }
        "users_fetch_other_no_relation" => {
            let (a, b) = s.pair();
            s.run("GET", &format!("/users/{}", b.id), &a, None).await
        }
        "users_profile_other_no_relation" => {
            let (a, b) = s.pair();
            s.run("GET", &format!("/users/{}/profile", b.id), &a, None).await
        }
        "users_mutual_none" => {
            let (a, b) = s.pair();
            s.run("GET", &format!("/users/{}/mutual", b.id), &a, None).await
        }
        "err_users_friend_self" => {
            let a = s.pair().0;
            s.run("PUT", &format!("/users/{}/friend", a.id), &a, None).await
        }
        "err_users_friend_request_unknown" => {
            s.run("PUT", &format!("/users/{unknown}/friend"), &s.pair().0, None)
                .await
        }
        "users_friend_request_send" | "err_users_friend_request_again" => {
            let (a, b) = s.pair();
            if name.starts_with("err") {
                s.run("PUT", &format!("/users/{}/friend", b.id), &a, None).await;
            }
            s.run("PUT", &format!("/users/{}/friend", b.id), &a, None).await
        }
        "users_friend_accept" => {
            // Recorded with a requester who had set a profile.
            let (a, b) = s.pair();
            let profile =
                json!({"display_name": "Alice Eval", "pronouns": "she/her", "status": {"presence": "Busy"}});
            s.run("PATCH", "/users/@me", &a, Some(profile)).await;
            s.run("PUT", &format!("/users/{}/friend", b.id), &a, None).await;
            s.run("PUT", &format!("/users/{}/friend", a.id), &b, None).await
        }
        "users_friend_remove" => {
            let (a, b, _) = s.friends().await;
            s.run("DELETE", &format!("/users/{}/friend", b.id), &a, None)
                .await
        }
        "err_users_friend_remove_not_friends" | "err_users_unblock_not_blocked" => {
            let (a, b) = s.pair();
            let action = if name.contains("unblock") {
                "block"
            } else {
                "friend"
            };
            s.run("DELETE", &format!("/users/{}/{action}", b.id), &a, None)
                .await
        }
        "users_block" | "err_users_friend_request_blocked" | "users_unblock" => {
            let (a, b) = s.pair();
            s.run("PUT", &format!("/users/{}/block", b.id), &a, None).await;
            match name {
                "users_block" => s.run("GET", &format!("/users/{}", b.id), &a, None).await,
                "users_unblock" => s.run("DELETE", &format!("/users/{}/block", b.id), &a, None).await,
                _ => s.run("PUT", &format!("/users/{}/friend", b.id), &a, None).await,
            }
        }
        "err_bot_friend_request" => {
            let a = s.pair().0;
            let bot = e.create_bot(a.id, "helper");
            call_as_bot(e, "PUT", &format!("/users/{}/friend", a.id), &bot).await
        }
        "err_users_edit_invalid_display_name" | "err_users_edit_bad_enum_json_catcher" => {
            s.run("PATCH", "/users/@me", &s.pair().0, request_body).await
        }
        "err_users_edit_bad_enum_html_catcher" => {
            call_with(e, "PATCH", "/users/@me", Some(&s.pair().0), request_body, false).await
        }
        "dm_open" | "dm_open_self_saved_messages" => {
            let (a, b) = s.pair();
            befriend(e, &a, &b).await;
            let target = if name == "dm_open" { b.id } else { a.id };
            s.run("GET", &format!("/users/{target}/dm"), &a, None).await
        }
        "err_channel_delete_saved_messages" => {
            let a = s.pair().0;
            let saved = s.run("GET", &format!("/users/{}/dm", a.id), &a, None).await;
            s.run(
                "DELETE",
                &format!("/channels/{}", saved.body["_id"].as_str().unwrap()),
                &a,
                None,
            )
            .await
        }
        "dm_close" => {
            let (a, _, dm) = s.friends().await;
            s.run("DELETE", &format!("/channels/{dm}"), &a, None).await
        }
        name if (name.starts_with("err_message_send")
            && name != "err_message_send_duplicate_idempotency_key")
            || name.starts_with("message_send_flags")
            || name == "message_send_content_2000_bytes"
            || name == "message_send_masquerade_colour" =>
        {
            let (a, _, dm) = s.friends().await;
            // Recorded while the sender's events connection was open.
            let _online = support::Socket::connect(e, &a).await;
            if name == "err_message_send_duplicate_nonce_field" {
                s.run(
                    "POST",
                    &format!("/channels/{dm}/messages"),
                    &a,
                    request_body.clone(),
                )
                .await;
            }
            s.run("POST", &format!("/channels/{dm}/messages"), &a, request_body)
                .await
        }
        name if name.starts_with("err_messages_query") => {
            let (a, _, dm) = s.friends().await;
            let query = fixture(name)["request"]["path"]
                .as_str()
                .unwrap()
                .split_once('?')
                .unwrap()
                .1
                .to_owned();
            s.run("GET", &format!("/channels/{dm}/messages?{query}"), &a, None)
                .await
        }
        "err_messages_search_query_and_pinned" => {
            let (a, _, dm) = s.friends().await;
            s.run("POST", &format!("/channels/{dm}/search"), &a, request_body)
                .await
        }
        "err_messages_search_as_bot" | "err_channel_ack_as_bot" => {
            let (a, _, dm) = s.friends().await;
            let bot = e.create_bot(a.id, "helper");
            let (method, path) = if name.contains("search") {
                ("POST", format!("/channels/{dm}/search"))
            } else {
                ("PUT", format!("/channels/{dm}/ack/{unknown}"))
            };
            call_as_bot(e, method, &path, &bot).await
        }
        "err_voice_join_call_empty_object"
        | "err_voice_join_call_no_body"
        | "err_voice_join_call_no_body_no_accept" => {
            let (a, _, dm) = s.friends().await;
            let json_accept = name != "err_voice_join_call_no_body_no_accept";
            call_with(
                e,
                "POST",
                &format!("/channels/{dm}/join_call"),
                Some(&a),
                request_body,
                json_accept,
            )
            .await
        }
        "safety_report_user" | "err_safety_report_self" | "err_safety_report_unknown_reason" => {
            let (a, b) = s.pair();
            let target = if name == "err_safety_report_self" {
                a.id
            } else {
                b.id
            };
            let mut body = request_body.unwrap();
            body["content"]["id"] = json!(target.to_string());
            s.run("POST", "/safety/report", &a, Some(body)).await
        }
        other => Box::pin(perform_more(s, other, request_body)).await,
    }
}

/// Alice's recorded profile edits, in the order they were made.
const ALICE_EDITS: &[&str] = &[
    "users_edit_me",
    "users_edit_me_remove_field",
    "users_edit_me_pronouns",
];

/// Alice after the first `count` recorded edits.
async fn edited_alice(s: &Situation, count: usize) -> Account {
    let alice = s.emulator.create_user("alice");
    for name in &ALICE_EDITS[..count] {
        let body = fixture(name)["request"]["body"].clone();
        assert_eq!(s.run("PATCH", "/users/@me", &alice, Some(body)).await.status, 200);
    }
    alice
}

/// The second half of the situations.
#[allow(clippy::too_many_lines, reason = "one arm per recorded exchange")]
async fn perform_more(s: &Situation, name: &str, request_body: Option<Value>) -> Answer {
    let e = &s.emulator;
    match name {
        "users_fetch_self_by_id" => {
            let a = s.pair().0;
            s.run("GET", &format!("/users/{}", a.id), &a, None).await
        }
        "users_edit_me" | "users_edit_me_remove_field" | "users_edit_me_pronouns" => {
            let done = ALICE_EDITS.iter().position(|n| *n == name).unwrap();
            let alice = edited_alice(s, done).await;
            s.run("PATCH", "/users/@me", &alice, request_body).await
        }
        "users_change_username" => {
            let alice = edited_alice(s, 3).await;
            s.run("PATCH", "/users/@me/username", &alice, request_body).await
        }
        "users_profile_self" => {
            let alice = edited_alice(s, 1).await;
            s.run("GET", &format!("/users/{}/profile", alice.id), &alice, None)
                .await
        }
        "users_fetch_incoming_request_user"
        | "users_me_bob_with_incoming"
        | "users_fetch_blocked_by_other" => {
            let alice = edited_alice(s, 3).await;
            let bob = e.create_user("bob");
            let action = if name == "users_fetch_blocked_by_other" {
                "block"
            } else {
                "friend"
            };
            s.run("PUT", &format!("/users/{}/{action}", bob.id), &alice, None)
                .await;
            let path = if name == "users_me_bob_with_incoming" {
                "/users/@me".to_owned()
            } else {
                format!("/users/{}", alice.id)
            };
            s.run("GET", &path, &bob, None).await
        }
        "users_fetch_friend"
        | "setup_users_fetch_bob_friend"
        | "users_profile_friend"
        | "users_mutual_friends" => {
            let (a, b) = s.pair();
            befriend(e, &a, &b).await;
            let path = match name {
                "users_profile_friend" => format!("/users/{}/profile", b.id),
                "users_mutual_friends" => format!("/users/{}/mutual", b.id),
                _ => format!("/users/{}", b.id),
            };
            s.run("GET", &path, &a, None).await
        }
        "setup_friend_request_put_alice" | "setup_friend_accept_put_bob" => {
            let (a, b) = s.pair();
            let first = s.run("PUT", &format!("/users/{}/friend", b.id), &a, None).await;
            if name.contains("alice") {
                first
            } else {
                s.run("PUT", &format!("/users/{}/friend", a.id), &b, None).await
            }
        }
        "users_fetch_blocked" | "users_block_again" => {
            let (a, b) = s.pair();
            s.run("PUT", &format!("/users/{}/block", b.id), &a, None).await;
            let (method, path) = if name == "users_block_again" {
                ("PUT", format!("/users/{}/block", b.id))
            } else {
                ("GET", format!("/users/{}", b.id))
            };
            s.run(method, &path, &a, None).await
        }
        "users_open_dm"
        | "users_open_dm_again"
        | "users_mutual_with_dm"
        | "users_dms"
        | "dm_open_from_bob_side" => {
            let (a, b, _) = s.friends().await;
            match name {
                "users_mutual_with_dm" => s.run("GET", &format!("/users/{}/mutual", b.id), &a, None).await,
                "users_dms" => s.run("GET", "/users/dms", &a, None).await,
                "dm_open_from_bob_side" => s.run("GET", &format!("/users/{}/dm", a.id), &b, None).await,
                _ => s.run("GET", &format!("/users/{}/dm", b.id), &a, None).await,
            }
        }
        "users_me_as_bot"
        | "users_fetch_owner_as_bot"
        | "users_profile_bot_self"
        | "bot_dm_open_with_owner" => {
            let owner = s.pair().0;
            let bot = e.create_bot(owner.id, "sdkbot");
            let path = match name {
                "users_me_as_bot" => "/users/@me".to_owned(),
                "users_fetch_owner_as_bot" => format!("/users/{}", owner.id),
                "users_profile_bot_self" => format!("/users/{}/profile", bot.id),
                _ => format!("/users/{}/dm", owner.id),
            };
            call_as_bot(e, "GET", &path, &bot).await
        }
        "err_bot_message_send_foreign_dm" => {
            let (a, _, dm) = s.friends().await;
            let bot = e.create_bot(a.id, "sdkbot");
            support::call_as_bot_with_body(e, "POST", &format!("/channels/{dm}/messages"), &bot, request_body)
                .await
        }
        "dm_open_after_close"
        | "dm_fetch_after_close_and_new_message"
        | "users_dms_after_close"
        | "message_send_into_closed_dm" => {
            let (a, b, dm) = s.friends().await;
            s.run("DELETE", &format!("/channels/{dm}"), &a, None).await;
            match name {
                "dm_open_after_close" => s.run("GET", &format!("/users/{}/dm", b.id), &a, None).await,
                "users_dms_after_close" => s.run("GET", "/users/dms", &a, None).await,
                _ => {
                    let _online = support::Socket::connect(e, &b).await;
                    // Recorded after bob had set a status.
                    let status = json!({"status": {"text": "typing in DMs", "presence": "Busy"}});
                    s.run("PATCH", "/users/@me", &b, Some(status)).await;
                    let sent = s
                        .run("POST", &format!("/channels/{dm}/messages"), &b, request_body)
                        .await;
                    if name == "message_send_into_closed_dm" {
                        sent
                    } else {
                        s.run("GET", &format!("/channels/{dm}"), &a, None).await
                    }
                }
            }
        }
        "dm_open_self_saved_messages_again"
        | "channel_fetch_saved_messages"
        | "users_dms_with_saved_messages"
        | "message_send_saved_messages" => {
            let carol = e.create_user("carol");
            let saved = s
                .run("GET", &format!("/users/{}/dm", carol.id), &carol, None)
                .await;
            let id = saved.body["_id"].as_str().unwrap().to_owned();
            match name {
                "dm_open_self_saved_messages_again" => {
                    s.run("GET", &format!("/users/{}/dm", carol.id), &carol, None)
                        .await
                }
                "channel_fetch_saved_messages" => {
                    s.run("GET", &format!("/channels/{id}"), &carol, None).await
                }
                "users_dms_with_saved_messages" => s.run("GET", "/users/dms", &carol, None).await,
                _ => {
                    let _online = support::Socket::connect(e, &carol).await;
                    s.run("POST", &format!("/channels/{id}/messages"), &carol, request_body)
                        .await
                }
            }
        }
        name if name.starts_with("message_send") || name == "err_message_send_duplicate_idempotency_key" => {
            let (a, b, dm) = s.friends().await;
            let _online = support::Socket::connect(e, &a).await;
            let _bob_online = support::Socket::connect(e, &b).await;
            let path = format!("/channels/{dm}/messages");
            // Keys are remembered across the whole emulator: one per case.
            let key = fixture(name)["request"]["headers"]["Idempotency-Key"]
                .as_str()
                .map(|k| {
                    format!(
                        "{k}-{:x}",
                        name.bytes()
                            .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)))
                    )
                });
            let mut request_body = request_body;
            if name == "message_send_nonce_field"
                && let Some(body) = request_body.as_mut()
            {
                body["nonce"] = json!(format!("{}-{name}", body["nonce"].as_str().unwrap_or_default()));
            }
            let headers: Vec<(&str, &str)> = key.iter().map(|k| ("idempotency-key", k.as_str())).collect();
            match name {
                "message_send_plain_bob" => {
                    support::call_with_headers(e, "POST", &path, &b, request_body, &headers).await
                }
                "message_send_reply" => {
                    let target = s.run("POST", &path, &b, Some(json!({"content": "hi"}))).await;
                    let mut body = request_body.unwrap();
                    body["replies"][0]["id"] = target.body["_id"].clone();
                    s.run("POST", &path, &a, Some(body)).await
                }
                "err_message_send_duplicate_idempotency_key" => {
                    let first = json!({"content": "with idempotency key"});
                    support::call_with_headers(e, "POST", &path, &a, Some(first), &headers).await;
                    support::call_with_headers(e, "POST", &path, &a, request_body, &headers).await
                }
                _ => support::call_with_headers(e, "POST", &path, &a, request_body, &headers).await,
            }
        }
        "message_fetch"
        | "message_fetch_with_embed"
        | "err_message_fetch_unknown"
        | "channel_ack"
        | "err_voice_end_ring"
        | "safety_report_message" => {
            let (a, b, dm) = s.friends().await;
            // The recorded fetches were of a message with an embed and of a reply.
            let first = s
                .run(
                    "POST",
                    &format!("/channels/{dm}/messages"),
                    &a,
                    Some(json!({"content": "hi"})),
                )
                .await;
            let body = if name.ends_with("embed") {
                json!({"content": "with embed", "embeds": [{"title": "Embed title", "description": "Embed **description**", "colour": "#ff8800"}]})
            } else {
                json!({"content": "replying to you", "replies": [{"id": first.body["_id"], "mention": true}]})
            };
            let sent = s
                .run("POST", &format!("/channels/{dm}/messages"), &b, Some(body))
                .await;
            let message = sent.body["_id"].as_str().unwrap().to_owned();
            match name {
                "err_message_fetch_unknown" => {
                    s.run(
                        "GET",
                        &format!("/channels/{dm}/messages/01ZZZZZZZZZZZZZZZZZZZZZZZZ"),
                        &a,
                        None,
                    )
                    .await
                }
                "channel_ack" => {
                    s.run("PUT", &format!("/channels/{dm}/ack/{message}"), &a, None)
                        .await
                }
                "err_voice_end_ring" => {
                    s.run("PUT", &format!("/channels/{dm}/end_ring/{}", b.id), &a, None)
                        .await
                }
                "safety_report_message" => {
                    let mut body = request_body.unwrap();
                    body["content"]["id"] = json!(message);
                    s.run("POST", "/safety/report", &a, Some(body)).await
                }
                _ => {
                    s.run("GET", &format!("/channels/{dm}/messages/{message}"), &a, None)
                        .await
                }
            }
        }
        name if name.starts_with("safety_report_user_") => {
            let (a, b) = s.pair();
            let mut body = request_body.unwrap();
            body["content"]["id"] = json!(b.id.to_string());
            if body["content"].get("message_id").is_some() {
                let (_, _, dm) = s.friends().await;
                let _ = dm;
            }
            s.run("POST", "/safety/report", &a, Some(body)).await
        }
        other => panic!("no situation for {other}"),
    }
}

const REPLAYED: &[&str] = &[
    "err_users_me_no_token",
    "err_users_me_bad_token",
    "users_me",
    "users_flags",
    "users_flags_no_auth",
    "err_users_fetch_unknown",
    "users_fetch_other_no_relation",
    "users_profile_other_no_relation",
    "users_mutual_none",
    "err_users_friend_self",
    "err_users_friend_request_unknown",
    "users_friend_request_send",
    "err_users_friend_request_again",
    "users_friend_accept",
    "users_friend_remove",
    "err_users_friend_remove_not_friends",
    "err_users_unblock_not_blocked",
    "users_block",
    "users_unblock",
    "err_users_friend_request_blocked",
    "err_bot_friend_request",
    "err_users_edit_invalid_display_name",
    "err_users_edit_bad_enum_json_catcher",
    "err_users_edit_bad_enum_html_catcher",
    "dm_open",
    "dm_open_self_saved_messages",
    "dm_close",
    "err_channel_delete_saved_messages",
    "err_message_send_empty",
    "err_message_send_empty_content_string",
    "err_message_send_content_2001_bytes",
    "message_send_content_2000_bytes",
    "err_message_send_interactions_restrict_without_reactions",
    "err_message_send_reply_unknown",
    "err_message_send_duplicate_nonce_field",
    "message_send_masquerade_colour",
    "message_send_flags_1",
    "message_send_flags_2",
    "message_send_flags_3",
    "message_send_flags_4",
    "message_send_flags_8",
    "err_messages_query_limit_0",
    "err_messages_query_limit_101",
    "err_messages_query_before_short_id",
    "err_messages_query_sort_relevance",
    "err_messages_search_query_and_pinned",
    "err_messages_search_as_bot",
    "err_channel_ack_as_bot",
    "err_voice_join_call_empty_object",
    "err_voice_join_call_no_body",
    "err_voice_join_call_no_body_no_accept",
    "safety_report_user",
    "err_safety_report_self",
    "err_safety_report_unknown_reason",
    "users_fetch_self_by_id",
    "users_edit_me",
    "users_edit_me_remove_field",
    "users_edit_me_pronouns",
    "users_change_username",
    "users_profile_self",
    "users_fetch_incoming_request_user",
    "users_me_bob_with_incoming",
    "users_fetch_blocked_by_other",
    "users_fetch_friend",
    "setup_users_fetch_bob_friend",
    "users_profile_friend",
    "users_mutual_friends",
    "setup_friend_request_put_alice",
    "setup_friend_accept_put_bob",
    "users_fetch_blocked",
    "users_block_again",
    "users_open_dm",
    "users_open_dm_again",
    "users_mutual_with_dm",
    "users_dms",
    "dm_open_from_bob_side",
    "users_me_as_bot",
    "users_fetch_owner_as_bot",
    "users_profile_bot_self",
    "bot_dm_open_with_owner",
    "err_bot_message_send_foreign_dm",
    "dm_open_after_close",
    "dm_fetch_after_close_and_new_message",
    "users_dms_after_close",
    "message_send_into_closed_dm",
    "dm_open_self_saved_messages_again",
    "channel_fetch_saved_messages",
    "users_dms_with_saved_messages",
    "message_send_saved_messages",
    "message_send_plain",
    "message_send_plain_bob",
    "message_send_idempotency_key",
    "err_message_send_duplicate_idempotency_key",
    "message_send_nonce_field",
    "message_send_reply",
    "message_send_reply_unknown_tolerated",
    "message_send_masquerade",
    "message_send_interactions",
    "message_send_embeds",
    "message_fetch",
    "message_fetch_with_embed",
    "err_message_fetch_unknown",
    "channel_ack",
    "err_voice_end_ring",
    "safety_report_message",
    "safety_report_user_NoneSpecified",
    "safety_report_user_UnsolicitedSpam",
    "safety_report_user_SpamAbuse",
    "safety_report_user_InappropriateProfile",
    "safety_report_user_Impersonation",
    "safety_report_user_BanEvasion",
    "safety_report_user_Underage",
    "safety_report_user_with_message_context",
];

#[tokio::test]
async fn recorded_exchanges_replay_the_same() {
    let emulator = Emulator::start_with(Config {
        rate_limit_window: Duration::ZERO, // a zero window never fills: set-ups are not rate limited
        ..Config::default()
    })
    .await
    .unwrap();
    let situation = Situation { emulator };
    let mut mismatches = Vec::new();
    for name in REPLAYED {
        let recorded = fixture(name);
        let request_body = Some(recorded["request"]["body"].clone()).filter(|b| !b.is_null());
        let answer = Box::pin(perform(&situation, name, request_body)).await;
        let expected_body = recorded
            .get("raw_body")
            .cloned()
            .unwrap_or_else(|| recorded["body"].clone());
        let status = recorded["status"].as_u64().unwrap();
        let same_status = u64::from(answer.status) == status;
        let same_body = expected_body.is_null() && answer.body.as_str() == Some("")
            || normalise(&answer.body) == normalise(&expected_body);
        // Every response carries the rate limiter's headers, as on the server.
        let limited = !answer.header("x-ratelimit-limit").is_empty()
            || recorded["headers"].get("x-ratelimit-limit").is_none();
        if !(same_status && same_body && limited) {
            mismatches.push(format!(
                "{name}: status {} vs {status}\n  got      {}\n  recorded {}",
                answer.status,
                normalise(&answer.body),
                normalise(&expected_body)
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} differ:\n{}",
        mismatches.len(),
        REPLAYED.len(),
        mismatches.join("\n")
    );
}

#[tokio::test]
async fn the_recorded_burst_is_limited_the_same() {
    let emulator = Emulator::start().await.unwrap();
    let alice = emulator.create_user("alice");
    let recorded = serde_json::from_str::<Value>(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/sequences/ratelimit_burst_users.json"),
        )
        .unwrap(),
    )
    .unwrap();
    for step in recorded["sequence"].as_array().unwrap() {
        let answer = call(&emulator, "GET", "/users/@me", Some(&alice), None).await;
        assert_eq!(
            u64::from(answer.status),
            step["status"].as_u64().unwrap(),
            "request {}",
            step["i"]
        );
        assert_eq!(
            answer.header("x-ratelimit-remaining"),
            step["x-ratelimit-remaining"].as_str().unwrap()
        );
        assert_eq!(
            answer.header("x-ratelimit-limit"),
            step["x-ratelimit-limit"].as_str().unwrap()
        );
    }
}

/// The frames of a recorded session (without the end-of-connection marker).
fn session(name: &str) -> Vec<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/sessions")
        .join(format!("{name}.json"));
    let frames: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    frames
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|frame| {
            if frame.get("phase").is_some() {
                frame.get("data").filter(|d| !d.is_null()).cloned()
            } else {
                Some(frame.clone())
            }
        })
        .collect()
}

fn assert_same_frames(name: &str, got: &[Value]) {
    let recorded = session(name);
    let got: Vec<Value> = got.iter().map(normalise).collect();
    let recorded: Vec<Value> = recorded.iter().map(normalise).collect();
    assert_eq!(got.len(), recorded.len(), "{name}: {got:#?}");
    for (n, (ours, theirs)) in got.iter().zip(&recorded).enumerate() {
        assert_eq!(ours, theirs, "{name} frame {n}");
    }
}

/// Carol and dave, friends before they connect.
#[tokio::test]
async fn the_recorded_sessions_of_prefriended_users_replay_the_same() {
    let emulator = Emulator::start().await.unwrap();
    let (carol, dave) = (emulator.create_user("wscarol"), emulator.create_user("wsdave"));
    support::befriend(&emulator, &carol, &dave).await;
    let (mut carol_socket, carol_ready) = support::Socket::connect(&emulator, &carol).await;
    let (mut dave_socket, dave_ready) = support::Socket::connect(&emulator, &dave).await;
    let mut carol_got = vec![json!({"type": "Authenticated"}), carol_ready];
    let mut dave_got = vec![json!({"type": "Authenticated"}), dave_ready];
    carol_got.push(carol_socket.next().await); // dave comes online
    let edit = json!({"display_name": "WS Carol", "status": {"text": "hi friends", "presence": "Focus"}});
    call(&emulator, "PATCH", "/users/@me", Some(&carol), Some(edit)).await;
    call(
        &emulator,
        "PATCH",
        &format!("/users/{}", carol.id),
        Some(&carol),
        Some(json!({"remove": ["StatusText"]})),
    )
    .await;
    for _ in 0..2 {
        carol_got.push(carol_socket.next().await);
        dave_got.push(dave_socket.next().await);
    }
    drop(dave_socket);
    carol_got.push(carol_socket.next().await); // dave goes offline
    assert_same_frames("ws_carol_session_prefriended", &carol_got);
    assert_same_frames("ws_dave_session_prefriended", &dave_got);
}

/// A bad token, a bot token, `Authenticate` then a ping, and a user who
/// only writes to their saved messages (no events at all).
#[tokio::test]
async fn the_recorded_short_sessions_replay_the_same() {
    use futures_util::{SinkExt, StreamExt};
    let emulator = Emulator::start().await.unwrap();
    let (mut raw, _) = tokio_tungstenite::connect_async(emulator.ws_url()).await.unwrap();
    let authenticate = json!({"type": "Authenticate", "token": "not-a-token"}).to_string();
    raw.send(tokio_tungstenite::tungstenite::Message::text(authenticate))
        .await
        .unwrap();
    let error: Value = serde_json::from_str(raw.next().await.unwrap().unwrap().to_text().unwrap()).unwrap();
    assert_same_frames("ws_bad_token", &[error]);

    let owner = emulator.create_user("owner");
    let bot = emulator.create_bot(owner.id, "evalbot");
    let (_, bot_ready) = support::Socket::connect(&emulator, &bot).await;
    let recorded_bot = session("ws_bot_token_connect");
    assert_eq!(normalise(&bot_ready), normalise(&recorded_bot[1]));

    let alice = emulator.create_user("wsalice");
    let (mut socket, ready) = support::Socket::connect(&emulator, &alice).await;
    socket.send(json!({"type": "Ping", "data": 12345})).await;
    assert_same_frames(
        "ws_authenticate_message_then_ping",
        &[json!({"type": "Authenticated"}), ready, socket.next().await],
    );

    let carol = emulator.create_user("carol");
    let (mut carol_socket, carol_ready) = support::Socket::connect(&emulator, &carol).await;
    let saved = call(
        &emulator,
        "GET",
        &format!("/users/{}/dm", carol.id),
        Some(&carol),
        None,
    )
    .await;
    let saved = saved.body["_id"].as_str().unwrap().to_owned();
    call(
        &emulator,
        "POST",
        &format!("/channels/{saved}/messages"),
        Some(&carol),
        Some(json!({"content": "note to self"})),
    )
    .await;
    // No ChannelCreate for saved messages, so the socket is not subscribed: a ping proves nothing came before it.
    carol_socket.send(json!({"type": "Ping", "data": 1})).await;
    assert_eq!(carol_socket.next().await["type"], "Pong");
    assert_same_frames(
        "ws_saved_messages_session",
        &[json!({"type": "Authenticated"}), carol_ready],
    );
}

/// Alice's recorded events connection, replayed: the same actions give the
/// same events, in the same order, with the same perspective.
#[tokio::test]
async fn the_recorded_relationship_session_replays_the_same() {
    let emulator = Emulator::start().await.unwrap();
    let (alice, bob) = (emulator.create_user("wsalice"), emulator.create_user("wsbob"));
    let (_bob_socket, _) = support::Socket::connect(&emulator, &bob).await;
    let (mut socket, ready) = support::Socket::connect(&emulator, &alice).await;
    let mut got = vec![json!({"type": "Authenticated"}), ready];
    let me = format!("/users/{}", alice.id);
    let edit = json!({"display_name": "WS Alice", "status": {"text": "on the socket", "presence": "Idle"}});
    call(&emulator, "PATCH", "/users/@me", Some(&alice), Some(edit)).await;
    got.push(socket.next().await);
    let bob_me = call(&emulator, "GET", "/users/@me", Some(&bob), None).await;
    let tag = format!(
        "{}#{}",
        bob_me.body["username"].as_str().unwrap(),
        bob_me.body["discriminator"].as_str().unwrap()
    );
    call(
        &emulator,
        "POST",
        "/users/friend",
        Some(&alice),
        Some(json!({"username": tag})),
    )
    .await;
    got.push(socket.next().await);
    call(&emulator, "PUT", &format!("{me}/friend"), Some(&bob), None).await;
    got.push(socket.next().await);
    call(
        &emulator,
        "GET",
        &format!("/users/{}/dm", bob.id),
        Some(&alice),
        None,
    )
    .await;
    got.push(socket.next().await);
    // Bob names himself now; alice is not subscribed to him (a server quirk), so no event.
    call(
        &emulator,
        "PATCH",
        "/users/@me",
        Some(&bob),
        Some(json!({"display_name": "WS Bob"})),
    )
    .await;
    for (method, action) in [("DELETE", "friend"), ("PUT", "block"), ("DELETE", "block")] {
        call(
            &emulator,
            method,
            &format!("/users/{}/{action}", bob.id),
            Some(&alice),
            None,
        )
        .await;
        got.push(socket.next().await);
    }
    socket.send(json!({"type": "Ping", "data": 1})).await;
    got.push(socket.next().await);
    emulator.logout(alice.id);
    got.push(socket.next().await);

    let recorded: Vec<Value> = serde_json::from_str::<Value>(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/sessions/ws_alice_session.json"),
        )
        .unwrap(),
    )
    .unwrap()
    .as_array()
    .unwrap()
    .iter()
    .filter_map(|frame| frame.get("data").filter(|d| !d.is_null()).cloned())
    .collect();
    let got: Vec<Value> = got.iter().map(normalise).collect();
    let recorded: Vec<Value> = recorded.iter().map(normalise).collect();
    assert_eq!(got.len(), recorded.len());
    for (n, (ours, theirs)) in got.iter().zip(&recorded).enumerate() {
        assert_eq!(ours, theirs, "frame {n}");
    }
}

/// The recorded 429s: the same request once its bucket is spent.
#[tokio::test]
async fn recorded_rate_limit_answers_replay_the_same() {
    let emulator = Emulator::start().await.unwrap();
    let cases: [(&str, usize); 4] = [
        ("err_ratelimit_users_429", 20),
        ("err_ratelimit_users_edit_429", 2),
        ("err_ratelimited_users_edit", 2),
        ("err_safety_report_ratelimited", 3),
    ];
    for (name, limit) in cases {
        let recorded = fixture(name);
        let (alice, bob) = (emulator.create_user("alice"), emulator.create_user("bob"));
        let method = recorded["request"]["method"].as_str().unwrap();
        let path = recorded["request"]["path"].as_str().unwrap();
        let mut body = Some(recorded["request"]["body"].clone()).filter(|b| !b.is_null());
        if let Some(content) = body.as_mut().and_then(|b| b.get_mut("content")) {
            content["id"] = json!(bob.id.to_string());
        }
        for _ in 0..limit {
            call(&emulator, method, path, Some(&alice), body.clone()).await;
        }
        let answer = call(&emulator, method, path, Some(&alice), body).await;
        assert_eq!(
            u64::from(answer.status),
            recorded["status"].as_u64().unwrap(),
            "{name}"
        );
        assert_eq!(normalise(&answer.body), normalise(&recorded["body"]), "{name}");
        for header in ["x-ratelimit-limit", "x-ratelimit-remaining"] {
            assert_eq!(
                answer.header(header),
                recorded["headers"][header].as_str().unwrap(),
                "{name} {header}"
            );
        }
    }
}

/// The recorded MessagePack connection with `ready=users`.
#[tokio::test]
async fn the_recorded_msgpack_session_replays_the_same() {
    use futures_util::{SinkExt, StreamExt};
    use stoat_model::event::{ClientMessage, Event, Format};
    let emulator = Emulator::start().await.unwrap();
    let alice = emulator.create_user("wsalice");
    let url = format!("{}/?version=1&format=msgpack&ready=users", emulator.ws_url());
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let frame = |message: &ClientMessage| {
        tokio_tungstenite::tungstenite::Message::binary(Format::MsgPack.to_vec(message))
    };
    socket
        .send(frame(&ClientMessage::Authenticate {
            token: alice.token.clone(),
        }))
        .await
        .unwrap();
    let mut got = Vec::new();
    while got.len() < 2 {
        if let tokio_tungstenite::tungstenite::Message::Binary(bytes) = socket.next().await.unwrap().unwrap()
        {
            got.push(serde_json::to_value(Event::decode(Format::MsgPack, &bytes).unwrap()).unwrap());
        }
    }
    socket
        .send(frame(&ClientMessage::Ping {
            data: stoat_model::event::PingData::Number(7),
        }))
        .await
        .unwrap();
    while got.len() < 3 {
        if let tokio_tungstenite::tungstenite::Message::Binary(bytes) = socket.next().await.unwrap().unwrap()
        {
            got.push(serde_json::to_value(Event::decode(Format::MsgPack, &bytes).unwrap()).unwrap());
        }
    }
    assert_same_frames("ws_msgpack_ready_users_only", &got);
}
