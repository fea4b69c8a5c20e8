//! Sending as the server allows: the instance's limits from its `GET /`,
//! the server's colour and reaction rules, mention setters and flags that
//! add up, overrides that stay, and errors that read as one sentence.

mod support;

use std::time::Duration;

use stoat::model::ApiErrorKind;
use stoat::model::message::{Interactions, Masquerade, MessageFlags, SendableEmbed};
use stoat::{Client, Error, Overrides, Token};
use stoat_emulator::{Config, Emulator, GlobalLimits, Limits, UserLimits};

/// A local server whose limits are not the official ones (new accounts,
/// as `create_user` makes them, get `new_user`'s).
async fn small_server() -> Emulator {
    let small = UserLimits {
        message_length: 40,
        message_attachments: 1,
        ..UserLimits::new_user()
    };
    let limits = Limits {
        global: GlobalLimits {
            message_embeds: 1,
            message_replies: 1,
            message_reactions: 2,
            ..GlobalLimits::default()
        },
        new_user: small,
        ..Limits::default()
    };
    Emulator::start_with(Config {
        rate_limit_window: Duration::from_millis(200),
        limits,
        ..Config::default()
    })
    .await
    .expect("the local server starts")
}

/// The field and the limit a refusal names, and that it was not sent.
fn refusal(outcome: Result<stoat::Message, Error>) -> String {
    let error = outcome.expect_err("refused");
    assert!(error.is_validation(), "refused before sending: {error}");
    error.to_string()
}

#[tokio::test]
async fn sends_are_checked_against_the_instance_limits_before_they_go() {
    let server = small_server().await;
    let (bot_account, alice_account) = (server.create_user("bot"), server.create_user("alice"));
    support::befriend(&server, &alice_account, &bot_account).await;
    let (bot, events) = support::connected(&server, &bot_account).await;
    let (stop, driver) = support::drive(events);
    let dm = bot.user(alice_account.id).dm().await.expect("the DM");

    let long = refusal(dm.send("x".repeat(41)).await);
    assert!(long.contains("content must be 0 to 40 long, it is 41"), "{long}");
    let embeds = refusal(
        dm.send_with(|m| {
            let embed = || SendableEmbed {
                title: Some("t".into()),
                ..SendableEmbed::default()
            };
            m.embed(embed()).embed(embed())
        })
        .await,
    );
    assert!(embeds.contains("embeds must be 0 to 1 long, it is 2"), "{embeds}");
    let reactions = Interactions {
        reactions: Some(vec!["😀".into(), "😁".into(), "😂".into()]),
        restrict_reactions: false,
    };
    let offered = refusal(dm.send_with(|m| m.content("x").interactions(reactions)).await);
    assert!(
        offered.contains("interactions.reactions must be 0 to 2 long, it is 3"),
        "{offered}"
    );
    let masquerade = Masquerade {
        colour: Some("url(evil)".into()),
        ..Masquerade::default()
    };
    let colour = refusal(dm.send_with(|m| m.content("x").masquerade(masquerade)).await);
    assert!(colour.contains("masquerade.colour"), "{colour}");
    // Within the limits, the server takes it: its own limits agree.
    let sent = dm.send("x".repeat(40)).await.expect("within the limits");
    assert_eq!(sent.text().len(), 40);
    let history = dm.history(|q| q).await.expect("history");
    let count = match history {
        stoat::model::BulkMessageResponse::Messages(messages) => messages.len(),
        stoat::model::BulkMessageResponse::WithUsers(with) => with.messages.len(),
    };
    assert_eq!(count, 1, "nothing refused was sent");

    stop.send(()).expect("driver runs");
    driver.await.expect("driver ends");
    server.shutdown().await;
}

#[tokio::test]
async fn mention_setters_and_flags_add_up() {
    let server = support::server(false).await;
    let bot = server.create_user("bot");
    let client = Client::builder(Token::Bot(bot.token.clone()))
        .api_url(server.api_url())
        .build();
    let request = client
        .http()
        .send_message(stoat::ChannelId::SYSTEM)
        .content("hello")
        .silent(true)
        .mention_everyone()
        .mention_online()
        .into_request()
        .expect("a valid message");
    let stoat::http::Body::Json(body) = &request.body else {
        panic!("a JSON body")
    };
    let body: serde_json::Value = serde_json::from_slice(body).expect("JSON");
    let flags = (MessageFlags::SUPPRESS_NOTIFICATIONS | MessageFlags::MENTIONS_EVERYONE).bits();
    assert_eq!(body["flags"], flags, "{body}");
    assert_eq!(body["content"], "@online hello", "{body}");

    // From a user, the server answers IsNotBot: refused before sending.
    let user = Client::builder(Token::Session(server.create_user("alice").token))
        .api_url(server.api_url())
        .build();
    let refused = user
        .http()
        .send_message(stoat::ChannelId::SYSTEM)
        .content("hello")
        .mention_everyone()
        .into_request()
        .expect_err("a user's mention flag");
    assert!(refused.is_validation(), "{refused}");
    server.shutdown().await;
}

#[tokio::test]
async fn overrides_and_an_idempotency_key_keep_each_other() {
    let server = support::server(false).await;
    let bot = server.create_user("bot");
    let client = support::client(&server, &bot);
    let timeout = Duration::from_secs(7);
    let key_first = client
        .http()
        .send_message(stoat::ChannelId::SYSTEM)
        .content("x")
        .idempotency_key("send-1")
        .overrides(Overrides::new().timeout(timeout))
        .into_request()
        .expect("valid");
    assert_eq!(key_first.overrides.idempotency_key.as_deref(), Some("send-1"));
    assert_eq!(key_first.overrides.timeout, Some(timeout));
    let overrides_first = client
        .http()
        .send_message(stoat::ChannelId::SYSTEM)
        .content("x")
        .overrides(Overrides::new().timeout(timeout))
        .idempotency_key("send-2")
        .into_request()
        .expect("valid");
    assert_eq!(
        overrides_first.overrides.idempotency_key.as_deref(),
        Some("send-2")
    );
    assert_eq!(overrides_first.overrides.timeout, Some(timeout));

    // A handle's overrides reach every request it makes, and add up.
    let wrong = Overrides::new().token(Token::Session(stoat::Secret::new(String::from("wrong"))));
    let refused = client
        .user(bot.id)
        .with_overrides(wrong)
        .fetch_profile()
        .await
        .expect_err("the wrong token is used");
    assert!(refused.is_unauthorized(), "{refused}");
    let right = Overrides::new().token(Token::Session(bot.token.clone()));
    let handle = client
        .user(bot.id)
        .with_overrides(Overrides::new().timeout(timeout))
        .with_overrides(right);
    handle.fetch().await.expect("the later token wins");
    server.shutdown().await;
}

#[tokio::test]
async fn errors_read_as_one_sentence_and_match_as_types() {
    // Nothing listens on port 1.
    let offline = Client::builder(Token::Bot("token".into()))
        .api_url("http://127.0.0.1:1")
        .build();
    let error = offline.connect().await.expect_err("nothing listens");
    let text = error.to_string();
    assert!(text.starts_with("GET / failed: could not connect"), "{text}");
    assert!(text.contains("refused"), "the cause is named: {text}");
    assert!(!text.contains('\n') && !text.contains("Some("), "{text}");

    let server = support::server(false).await;
    let refused = Client::builder(Token::Session(stoat::Secret::new(String::from("wrong"))))
        .api_url(server.api_url())
        .build();
    let error = refused.me().await.expect_err("a refused token");
    assert_eq!(
        error.api_error(),
        Some(&ApiErrorKind::NotAuthenticated),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .starts_with("GET /users/@me failed: the server answered 401"),
        "{error}"
    );
    let timeout = Error::Timeout {
        waited: Duration::from_millis(50),
    };
    assert_eq!(
        timeout.to_string(),
        "waiting for an event: none matched within 50 ms"
    );
    server.shutdown().await;
}
