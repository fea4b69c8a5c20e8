//! Server and network faults, injected by the local server: each ends in
//! its documented outcome.

mod support;

use std::time::Duration;

use stoat_emulator::RestFaultKind;
use stoat_http::{Client, ErrorKind, HeaderName, HeaderValue, Overrides, RetryPolicy};
use stoat_model::ErrorBody;
use support::{client, friends};

#[tokio::test]
async fn errors_of_every_shape_and_which_are_retried() {
    let server = support::server().await;
    let alice = server.create_user("alice");
    let a = client(&server, &alice);

    // A 500 is not retried: the second armed fault answers the next call.
    server.fail_rest("/users/@me", RestFaultKind::InternalError, 2);
    let error = a.current_user().await.expect_err("500");
    assert_eq!(
        (
            error.status(),
            error.api_error().map(stoat_model::ApiErrorKind::type_name)
        ),
        (Some(500), Some("InternalError"))
    );
    a.current_user().await.expect_err("the second 500");
    a.current_user().await.expect("faults are used up");

    // A 502 then success: the GET is retried and succeeds.
    server.fail_rest("/users/@me", RestFaultKind::BadGateway, 1);
    let me = a.current_user().await.expect("retried past the 502");
    assert_eq!(me.id, alice.id);

    // 503s past the last attempt: the proxy's plain text is kept.
    server.fail_rest("/users/@me", RestFaultKind::ServiceUnavailable, 3);
    let error = a.current_user().await.expect_err("three 503s");
    assert_eq!(error.status(), Some(503));
    assert!(
        matches!(
            error.kind(),
            ErrorKind::Api {
                body: ErrorBody::Text(_),
                ..
            }
        ),
        "{error:?}"
    );

    // The framework's HTML page for a 401.
    server.fail_rest("/users/@me", RestFaultKind::HtmlUnauthorized, 1);
    let error = a.current_user().await.expect_err("html 401");
    assert_eq!(error.status(), Some(401));
    assert!(
        matches!(
            error.kind(),
            ErrorKind::Api {
                body: ErrorBody::Html(_),
                ..
            }
        ),
        "{error:?}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_post_is_retried_only_with_an_idempotency_key() {
    let server = support::server().await;
    let f = friends(&server).await;
    let path = format!("/channels/{}/messages", f.dm);

    server.fail_rest(&path, RestFaultKind::BadGateway, 1);
    let error =
        f.a.send_message(f.dm)
            .content("once")
            .await
            .expect_err("not retried");
    assert_eq!(error.status(), Some(502));

    server.fail_rest(&path, RestFaultKind::BadGateway, 1);
    let sent =
        f.a.send_message(f.dm)
            .content("safe")
            .idempotency_key("k1")
            .await
            .expect("retried");
    assert_eq!(sent.nonce.as_deref(), Some("k1"));

    server.fail_rest(&path, RestFaultKind::DroppedMidResponse, 1);
    let error =
        f.a.send_message(f.dm)
            .content("lost")
            .await
            .expect_err("answer lost");
    assert!(matches!(error.kind(), ErrorKind::Transport), "{error:?}");
    // With a key, the retry is refused as a repeat: the first attempt went
    // through, and the error says so.
    server.fail_rest(&path, RestFaultKind::DroppedMidResponse, 1);
    let error =
        f.a.send_message(f.dm)
            .content("lost, then resent")
            .idempotency_key("k2")
            .await
            .expect_err("409");
    assert!(matches!(error.kind(), ErrorKind::AlreadySent), "{error:?}");
    let history = f.a.messages(f.dm).limit(1).await.expect("history");
    let stoat_model::BulkMessageResponse::Messages(history) = history else {
        panic!("without include_users the answer is a list");
    };
    assert_eq!(history[0].nonce.as_deref(), Some("k2"), "sent exactly once");
    server.shutdown().await;
}

#[tokio::test]
async fn broken_answers_name_their_route() {
    let server = support::server().await;
    let alice = server.create_user("alice");
    let a = client(&server, &alice);

    server.fail_rest("/users/@me", RestFaultKind::Truncated, 1);
    let error = a.current_user().await.expect_err("half a JSON document");
    assert!(
        matches!(
            error.kind(),
            ErrorKind::Decode {
                route: "GET /users/@me"
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("GET /users/@me"), "{error}");

    // Dropped mid-response: a GET is retried and succeeds.
    server.fail_rest("/users/@me", RestFaultKind::DroppedMidResponse, 1);
    assert_eq!(a.current_user().await.expect("retried").id, alice.id);
    // Every attempt dropped: a transport error.
    server.fail_rest("/users/@me", RestFaultKind::DroppedMidResponse, 3);
    let error = a.current_user().await.expect_err("dropped three times");
    assert!(matches!(error.kind(), ErrorKind::Transport), "{error:?}");

    let capped = Client::builder()
        .api_url(server.api_url())
        .token(support::token(&alice))
        .body_limit(64)
        .build();
    let error = capped.current_user().await.expect_err("larger than 64 bytes");
    assert!(
        matches!(error.kind(), ErrorKind::BodyTooLarge { limit: 64 }),
        "{error:?}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_slow_server_times_out() {
    let server = support::server().await;
    let alice = server.create_user("alice");
    let a = client(&server, &alice);
    server.fail_rest("/users/@me", RestFaultKind::Slow(Duration::from_secs(5)), 1);
    let quick = Overrides::new().timeout(Duration::from_millis(100));
    let error = a
        .current_user()
        .overrides(quick)
        .await
        .expect_err("past the timeout");
    assert!(matches!(error.kind(), ErrorKind::Timeout), "{error:?}");
    assert_eq!(a.current_user().await.expect("the next one is fine").id, alice.id);
    server.shutdown().await;
}

#[tokio::test]
async fn unreachable_and_insecure_servers() {
    // Nothing listens on port 9 of loopback: every attempt is refused.
    let nowhere = Client::builder()
        .api_url("http://127.0.0.1:9")
        .retry(RetryPolicy::new(2, Duration::from_millis(1)))
        .build();
    let error = nowhere.current_user().await.expect_err("refused");
    assert!(matches!(error.kind(), ErrorKind::Transport), "{error:?}");

    // Plain http off loopback is refused before connecting.
    let insecure = Client::builder().api_url("http://api.example.invalid").build();
    let error = insecure.current_user().await.expect_err("insecure");
    assert!(matches!(error.kind(), ErrorKind::InsecureUrl), "{error:?}");
}

#[tokio::test]
async fn per_call_overrides() {
    let server = support::server().await;
    let other = support::server().await;
    let f = friends(&server).await;
    let carol = other.create_user("carol");

    let as_bob = Overrides::new().token(support::token(&f.bob));
    assert_eq!(
        f.a.current_user().overrides(as_bob).await.expect("bob").id,
        f.bob.id
    );

    let elsewhere = Overrides::new()
        .base_url(other.api_url())
        .token(support::token(&carol));
    assert_eq!(
        f.a.current_user().overrides(elsewhere).await.expect("carol").id,
        carol.id
    );

    let with_header = Overrides::new().header(
        HeaderName::from_static("x-mfa-ticket"),
        HeaderValue::from_static("ticket-value"),
    );
    let request =
        f.a.current_user()
            .overrides(with_header.clone())
            .into_request()
            .expect("request");
    assert_eq!(request.overrides.headers.len(), 1);
    assert!(
        !format!("{request:?}").contains("ticket-value"),
        "header values are hidden"
    );
    f.a.current_user()
        .overrides(with_header)
        .await
        .expect("extra headers are sent");
    server.shutdown().await;
    other.shutdown().await;
}

#[tokio::test]
async fn a_friend_request_whose_answer_is_lost_is_not_sent_again() {
    let server = support::server().await;
    let (alice, bob) = (server.create_user("alice"), server.create_user("bob"));
    let (a, b) = (client(&server, &alice), client(&server, &bob));
    server.fail_rest(
        &format!("/users/{}/friend", bob.id),
        RestFaultKind::DroppedMidResponse,
        1,
    );
    // A retry would fail with `AlreadySentRequest` though the request was
    // made: the lost answer is the error instead.
    let error = a.add_friend(bob.id).await.expect_err("answer lost");
    assert!(matches!(error.kind(), ErrorKind::Transport), "{error:?}");
    let seen_by_bob = b.user(alice.id).await.expect("alice");
    assert_eq!(
        seen_by_bob.relationship,
        stoat_model::RelationshipStatus::Incoming
    );
    server.shutdown().await;
}
