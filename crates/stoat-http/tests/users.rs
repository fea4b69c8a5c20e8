//! The user routes against the local server on loopback.

use stoat_emulator::{Account, Emulator};
use stoat_http::{Client, ErrorKind, Token};
use stoat_model::RelationshipStatus;

fn client(server: &Emulator, account: &Account) -> Client {
    Client::builder()
        .api_url(server.api_url())
        .token(Token::Session(account.token.clone()))
        .build()
}

#[tokio::test]
async fn friend_request_accept_and_mutuals() {
    let server = Emulator::start().await.expect("server starts");
    let alice = server.create_user("alice");
    let bob = server.create_user("bob");
    let carol = server.create_user("carol");
    let (a, b, c) = (
        client(&server, &alice),
        client(&server, &bob),
        client(&server, &carol),
    );

    let me = a.current_user().await.expect("own user");
    assert_eq!(me.id, alice.id);
    assert_eq!(me.relationship, RelationshipStatus::User);

    let bob_user = b.current_user().await.expect("bob");
    let sent = a
        .send_friend_request(&bob_user.username, bob_user.discriminator)
        .await
        .expect("request");
    assert_eq!(sent.relationship, RelationshipStatus::Outgoing);
    let accepted = b.add_friend(alice.id).await.expect("accept");
    assert_eq!(accepted.relationship, RelationshipStatus::Friend);

    a.add_friend(carol.id).await.expect("request carol");
    c.add_friend(alice.id).await.expect("carol accepts");
    c.add_friend(bob.id).await.expect("request bob");
    b.add_friend(carol.id).await.expect("bob accepts");

    let mutuals = a.mutuals(bob.id).await.expect("mutuals");
    assert_eq!(mutuals.users, vec![carol.id]);
    server.shutdown().await;
}

#[tokio::test]
async fn server_errors_are_typed_and_invalid_edits_never_leave() {
    let server = Emulator::start().await.expect("server starts");
    let alice = server.create_user("alice");
    let a = client(&server, &alice);

    let error = a.unblock(alice.id).await.expect_err("cannot unblock oneself");
    assert!(matches!(error.kind(), ErrorKind::Api { .. }), "{error:?}");
    assert!(error.status().is_some_and(|status| status >= 400), "{error:?}");
    assert!(error.api_error_type().is_some(), "{error:?}");

    let too_long = "x".repeat(200);
    let error = a
        .edit_current_user()
        .display_name(too_long)
        .into_request()
        .expect_err("too long");
    assert!(matches!(error.kind(), ErrorKind::Validation(_)), "{error:?}");

    let anonymous = Client::builder().api_url(server.api_url()).build();
    let error = anonymous.current_user().await.expect_err("no token");
    assert_eq!(error.status(), Some(401), "{error:?}");
    let flags = anonymous.user_flags(alice.id).await.expect("flags need no token");
    assert_eq!(flags.flags.bits(), 0);
    server.shutdown().await;
}

#[test]
fn tokens_never_show_in_debug() {
    let client = Client::new(Token::Bot(stoat_model::Secret::new("very-secret-token")));
    let shown = format!("{client:?}");
    assert!(!shown.contains("very-secret-token"), "{shown}");
}

#[tokio::test]
async fn server_faults_end_in_api_errors_of_their_shape() {
    use stoat_emulator::RestFaultKind;
    use stoat_model::ErrorBody;

    let server = Emulator::start().await.expect("server starts");
    let alice = server.create_user("alice");
    let a = client(&server, &alice);

    server.fail_rest("/users/@me", RestFaultKind::HtmlUnauthorized, 1);
    let error = a.current_user().await.expect_err("html 401");
    assert_eq!(error.status(), Some(401), "{error:?}");
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

    server.fail_rest("/users/@me", RestFaultKind::InternalError, 1);
    let error = a.current_user().await.expect_err("500");
    assert_eq!(error.status(), Some(500), "{error:?}");

    let me = a.current_user().await.expect("faults are used up");
    assert_eq!(me.id, alice.id);
    server.shutdown().await;
}

#[tokio::test]
async fn edits_reach_the_server_and_come_back() {
    use stoat_model::Presence;

    let server = Emulator::start().await.expect("server starts");
    let alice = server.create_user("alice");
    let a = client(&server, &alice);

    let edited = a
        .edit_current_user()
        .display_name("Alice A.")
        .status_text("Writing Rust")
        .presence(Presence::Busy)
        .profile_content("Hello there")
        .await
        .expect("edit");
    assert_eq!(edited.display_name.as_deref(), Some("Alice A."));
    let status = edited.status.as_ref().expect("status set");
    assert_eq!(status.text.as_deref(), Some("Writing Rust"));
    assert_eq!(status.presence, Some(Presence::Busy));

    let profile = a.user_profile(alice.id).await.expect("profile");
    assert_eq!(profile.content.as_deref(), Some("Hello there"));
    server.shutdown().await;
}

#[tokio::test]
async fn a_token_that_cannot_be_a_header_is_refused_without_showing_it() {
    let client = Client::builder()
        .api_url("http://127.0.0.1:9")
        .token(Token::Session(stoat_model::Secret::new("line\nbreak-secret")))
        .build();
    let error = client.current_user().await.expect_err("invalid header value");
    assert!(matches!(error.kind(), ErrorKind::InvalidToken), "{error:?}");
    assert!(!format!("{error:?} {error}").contains("break-secret"));
}
