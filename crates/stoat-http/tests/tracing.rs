//! What the client logs: one span per request with its method, route
//! template, bucket, attempt, status and latency; never a token, a password
//! or message content.

mod support;

use stoat_emulator::{LogCapture, RestFaultKind};
use stoat_model::Secret;

#[tokio::test]
async fn spans_name_the_route_and_never_a_secret() {
    let capture = LogCapture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());

    let server = support::server().await;
    let f = support::friends(&server).await;
    server.fail_rest("/users/@me", RestFaultKind::BadGateway, 1);
    f.a.current_user().await.expect("retried past a 502");
    f.a.send_message(f.dm)
        .content("very private words")
        .await
        .expect("send");
    f.a.change_username("alice2", Secret::new("password-never-logged"))
        .await
        .expect_err("wrong password");
    f.a.edit_current_user()
        .display_name("x")
        .await
        .expect_err("invalid");

    let text = capture.text();
    for expected in [
        "route=\"GET /users/@me\"",
        "method=\"GET\"",
        "bucket=users",
        "bucket=messaging/",
        "status=502",
        "status=200",
        "attempt=2",
        "latency_ms=",
        "route=\"PATCH /users/@me/username\"",
    ] {
        assert!(text.contains(expected), "no {expected} in:\n{text}");
    }
    for secret in [
        f.alice.token.expose(),
        f.bob.token.expose(),
        "password-never-logged",
        "very private words",
    ] {
        assert!(!text.contains(secret), "a secret was logged");
    }
    server.shutdown().await;
}

#[tokio::test]
async fn a_request_refused_before_it_was_sent_is_retried_whatever_its_method() {
    let capture = LogCapture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    // Nothing listens on port 9 of loopback: every connect is refused, so
    // even a POST without an idempotency key (never sent) may go again.
    let nowhere = stoat_http::Client::builder()
        .api_url("http://127.0.0.1:9")
        .token(stoat_http::Token::Bot("t".into()))
        .retry(stoat_http::RetryPolicy::new(
            3,
            std::time::Duration::from_millis(1),
        ))
        .build();
    let error = nowhere
        .send_message(stoat_model::ChannelId::SYSTEM)
        .content("hello")
        .await
        .expect_err("refused");
    assert!(
        matches!(error.kind(), stoat_http::ErrorKind::Transport),
        "{error:?}"
    );
    let text = capture.text();
    assert_eq!(text.matches("retrying").count(), 2, "three attempts:\n{text}");
}
