//! The SDK's scenarios (REST with faults, events with a reconnect, typing,
//! a logout, errors) under a subscriber that captures every span and event
//! of every crate at every level: no token, password or message content
//! appears in any line, nor in any `Debug` or `Display` of what the SDK
//! hands out.

mod support;

use std::time::Duration;

use stoat::http::Overrides;
use stoat::{Event, Secret};
use stoat_emulator::{LogCapture, RestFaultKind};
use support::{connected, next};

fn hex(text: &str) -> String {
    use std::fmt::Write as _;
    text.bytes().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_is_ever_logged_or_shown() {
    let capture = LogCapture::default();
    tracing::subscriber::set_global_default(capture.clone())
        .expect("the only subscriber of this test binary");

    let server = support::server(false).await;
    let (bot_account, alice_account) = (server.create_user("bot"), server.create_user("alice"));
    let alice = support::client(&server, &alice_account);
    alice
        .user(bot_account.id)
        .send_friend_request()
        .await
        .expect("request");
    let (bot, mut events) = connected(&server, &bot_account).await;
    let to_alice = bot.user(alice_account.id);
    to_alice.accept_friend_request().await.expect("accept");

    let mut shown = Vec::new();
    // REST: a retried 502, a timeout, a typed error, a validation error.
    server.fail_rest("/users/@me", RestFaultKind::BadGateway, 1);
    shown.push(format!("{:?}", bot.me().await.map(|me| me.id())));
    server.fail_rest("/users/@me", RestFaultKind::Slow(Duration::from_secs(2)), 1);
    let quick = Overrides::new().timeout(Duration::from_millis(50));
    let timeout = bot
        .http()
        .current_user()
        .overrides(quick)
        .await
        .expect_err("timeout");
    shown.push(format!("{timeout:?} {timeout}"));
    let me = bot.me().await.expect("me");
    let wrong = me
        .change_username("renamed", Secret::new("the-password-123"))
        .await
        .expect_err("wrong password");
    shown.push(format!("{wrong:?} {wrong}"));
    let renamed = me
        .change_username("renamed", bot_account.password.clone())
        .await
        .expect("rename");
    shown.push(format!("{renamed:?}"));

    // Events: a message, typing, a reconnect.
    let sent = to_alice
        .send("words only the two of them should read")
        .await
        .expect("send");
    next(
        &mut events,
        |e| matches!(e, Event::Message(new) if new.message.id == sent.id),
    )
    .await;
    server.drop_connections(bot_account.id);
    next(
        &mut events,
        |e| matches!(e, Event::Ready(ready) if ready.session == 1),
    )
    .await;
    let (stop, driver) = support::drive(events);
    drop(to_alice.typing().await.expect("typing"));
    stop.send(()).expect("driver runs");
    let mut events = driver.await.expect("driver ends");

    // A logout ends the connection with a terminal error.
    server.logout(bot_account.id);
    let ended = loop {
        match futures_util::StreamExt::next(&mut events).await {
            Some(Err(error)) if error.is_terminal() => break error,
            Some(_) => {}
            None => panic!("ended without the logout error"),
        }
    };
    shown.push(format!("{ended:?} {ended} {bot:?} {events:?} {:?}", bot.http()));
    server.shutdown().await;

    let logged = capture.text();
    assert!(logged.contains("stoat_http::request"), "REST spans were captured");
    assert!(logged.contains("stoat_gateway"), "gateway spans were captured");
    assert!(
        logged.lines().count() > 50,
        "{} lines only",
        logged.lines().count()
    );
    let secrets = [
        bot_account.token.expose(),
        alice_account.token.expose(),
        bot_account.password.expose(),
        "the-password-123",
        "words only the two of them should read",
    ];
    for secret in secrets {
        for form in [secret.to_owned(), hex(secret)] {
            assert!(!logged.contains(&form), "a secret was logged");
            assert!(!shown.iter().any(|s| s.contains(&form)), "a secret was shown");
        }
    }
}
