//! Every `/users` route against the local server on loopback: success, and
//! each documented error the server can be made to give.

mod support;

use stoat_http::{Client, ErrorKind, Resource, Token};
use stoat_model::{Channel, FieldsUser, Presence, RelationshipStatus, Secret, UserBadges, UserId};
use support::{api_error, client, friends, invalid};

/// An id nobody has.
fn nobody() -> UserId {
    "01ARZ3NDEKTSV4RRFFQ69G5FAV".parse().expect("valid id")
}

/// The smallest PNG the file server takes as an image.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0,
    0, 1, 8, 6, 0, 0, 0, 0x1F, 0x15, 0xC4, 0x89,
];

#[tokio::test]
async fn self_users_flags_and_default_avatars() {
    let server = support::server().await;
    let f = friends(&server).await;

    let me = f.a.current_user().await.expect("own user");
    assert_eq!((me.id, me.relationship), (f.alice.id, RelationshipStatus::User));
    let bob = f.a.user(f.bob.id).await.expect("a friend");
    assert_eq!(bob.relationship, RelationshipStatus::Friend);
    assert_eq!(api_error(f.a.user(nobody()).await), "NotFound");
    let stranger = server.create_user("stranger");
    assert_eq!(api_error(f.a.user(stranger.id).await), "MissingPermission");

    let anonymous = Client::builder().api_url(server.api_url()).build();
    let flags = anonymous
        .user_flags(f.alice.id)
        .await
        .expect("flags need no token");
    assert_eq!(flags.flags.bits(), 0);
    let png = anonymous
        .default_avatar(f.alice.id)
        .await
        .expect("needs no token");
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{:?}",
        &png[..8.min(png.len())]
    );
    let error = anonymous.current_user().await.expect_err("no token");
    assert_eq!(error.status(), Some(401), "{error:?}");
    server.shutdown().await;
}

#[tokio::test]
async fn profiles_dms_and_mutuals() {
    let server = support::server().await;
    let f = friends(&server).await;
    let carol = server.create_user("carol");
    let c = client(&server, &carol);
    for (x, y, id_x, id_y) in [(&f.a, &c, f.alice.id, carol.id), (&f.b, &c, f.bob.id, carol.id)] {
        x.add_friend(id_y).await.expect("request");
        y.add_friend(id_x).await.expect("accept");
    }

    f.a.edit_current_user().profile_content("Hi").await.expect("edit");
    let profile = f.b.user_profile(f.alice.id).await.expect("a friend's profile");
    assert_eq!(profile.content.as_deref(), Some("Hi"));
    let stranger = server.create_user("stranger");
    assert_eq!(
        api_error(f.a.user_profile(stranger.id).await),
        "MissingPermission"
    );
    assert_eq!(api_error(f.a.user_profile(nobody()).await), "NotFound");

    let dms = f.a.dm_channels().await.expect("dm list");
    assert!(dms.iter().any(|c| c.id() == Some(f.dm)), "{dms:?}");
    let again = f.b.open_dm(f.alice.id).await.expect("the same DM");
    assert_eq!(again.id(), Some(f.dm));
    let saved = f.a.open_dm(f.alice.id).await.expect("saved messages");
    assert!(matches!(saved, Channel::SavedMessages(_)), "{saved:?}");
    assert_eq!(api_error(f.a.open_dm(stranger.id).await), "MissingPermission");
    assert_eq!(api_error(f.a.open_dm(nobody()).await), "NotFound");

    let mutuals = f.a.mutuals(f.bob.id).await.expect("mutuals");
    assert_eq!(mutuals.users, vec![carol.id]);
    assert_eq!(mutuals.channels, vec![f.dm]);
    assert_eq!(api_error(f.a.mutuals(f.alice.id).await), "InvalidOperation");
    assert_eq!(api_error(f.a.mutuals(stranger.id).await), "MissingPermission");
    assert_eq!(api_error(f.a.mutuals(nobody()).await), "NotFound");
    server.shutdown().await;
}

#[tokio::test]
async fn friend_requests_and_their_errors() {
    let server = support::server().await;
    let (alice, bob) = (server.create_user("alice"), server.create_user("bob"));
    let (a, b) = (client(&server, &alice), client(&server, &bob));
    let bob_user = b.current_user().await.expect("bob");

    let sent = a
        .send_friend_request(&bob_user.username, bob_user.discriminator)
        .await
        .expect("by name");
    assert_eq!(sent.relationship, RelationshipStatus::Outgoing);
    assert_eq!(api_error(a.add_friend(bob.id).await), "AlreadySentRequest");
    assert_eq!(api_error(a.add_friend(alice.id).await), "NoEffect");
    assert_eq!(api_error(a.add_friend(nobody()).await), "NotFound");
    let unknown = a.send_friend_request("nobody-here", bob_user.discriminator).await;
    assert_eq!(api_error(unknown), "NotFound");

    // Deny, then send again and accept.
    let denied = b.remove_friend(alice.id).await.expect("deny");
    assert_eq!(denied.relationship, RelationshipStatus::None);
    assert_eq!(api_error(b.remove_friend(alice.id).await), "NoEffect");
    a.add_friend(bob.id).await.expect("again");
    let accepted = b.add_friend(alice.id).await.expect("accept");
    assert_eq!(accepted.relationship, RelationshipStatus::Friend);
    assert_eq!(api_error(a.add_friend(bob.id).await), "AlreadyFriends");
    let removed = a.remove_friend(bob.id).await.expect("unfriend");
    assert_eq!(removed.relationship, RelationshipStatus::None);

    let robot = server.create_bot(alice.id, "robot");
    assert_eq!(api_error(b.add_friend(robot.id).await), "IsBot");
    assert_eq!(api_error(b.remove_friend(robot.id).await), "IsBot");
    server.shutdown().await;
}

#[tokio::test]
async fn too_many_pending_requests() {
    let server = support::server().await;
    let alice = server.create_user("alice");
    let a = client(&server, &alice);
    let mut error = None;
    for i in 0..=100 {
        let other = server.create_user(&format!("user{i}"));
        if let Err(e) = a.add_friend(other.id).await {
            error = Some(e);
            break;
        }
    }
    let error = error.expect("the server caps outgoing requests");
    assert_eq!(
        error.api_error().map(stoat_model::ApiErrorKind::type_name),
        Some("TooManyPendingFriendRequests"),
        "{error:?}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn blocks_and_their_errors() {
    let server = support::server().await;
    let (alice, bob) = (server.create_user("alice"), server.create_user("bob"));
    let (a, b) = (client(&server, &alice), client(&server, &bob));

    let blocked = a.block(bob.id).await.expect("block");
    assert_eq!(blocked.relationship, RelationshipStatus::Blocked);
    assert_eq!(api_error(a.block(bob.id).await), "NoEffect");
    assert_eq!(api_error(a.add_friend(bob.id).await), "Blocked");
    assert_eq!(api_error(b.add_friend(alice.id).await), "BlockedByOther");
    assert_eq!(api_error(a.block(nobody()).await), "NotFound");

    let unblocked = a.unblock(bob.id).await.expect("unblock");
    assert_eq!(unblocked.relationship, RelationshipStatus::None);
    assert_eq!(api_error(a.unblock(bob.id).await), "NoEffect");
    assert_eq!(api_error(a.unblock(nobody()).await), "NotFound");
    server.shutdown().await;
}

#[tokio::test]
async fn edits_with_uploads_removals_and_bots() {
    let server = support::server().await;
    let (alice, bob) = (server.create_user("alice"), server.create_user("bob"));
    let a = client(&server, &alice);

    let background = std::env::temp_dir().join(format!("stoat-http-background-{}.png", std::process::id()));
    std::fs::write(&background, PNG).expect("temp file");
    let edited = a
        .edit_current_user()
        .display_name("Alice A.")
        .pronouns("she/her")
        .status_text("Writing Rust")
        .presence(Presence::Busy)
        .profile_content("Hello there")
        .avatar(Resource::bytes(PNG, "avatar.png").content_type("image/png"))
        .background(background.as_path())
        .await
        .expect("edit with uploads");
    std::fs::remove_file(&background).ok();
    assert_eq!(edited.display_name.as_deref(), Some("Alice A."));
    let status = edited.status.as_ref().expect("status set");
    assert_eq!(
        (status.text.as_deref(), status.presence.clone()),
        (Some("Writing Rust"), Some(Presence::Busy))
    );
    let avatar = edited.avatar.as_ref().expect("avatar uploaded and set");
    assert_eq!(avatar.tag.as_str(), "avatars");
    let profile = a.user_profile(alice.id).await.expect("profile");
    assert_eq!(
        profile.background.as_ref().map(|f| f.tag.as_str()),
        Some("backgrounds")
    );

    // An id is used once; reusing it is NotFound.
    let used = avatar.id.clone();
    assert_eq!(api_error(a.edit_current_user().avatar(used).await), "NotFound");

    let cleared = a
        .edit_current_user()
        .remove(FieldsUser::Avatar)
        .remove(FieldsUser::DisplayName)
        .await
        .expect("removal");
    assert!(
        cleared.avatar.is_none() && cleared.display_name.is_none(),
        "{cleared:?}"
    );

    invalid(a.edit_current_user().display_name("x").into_request());
    invalid(a.edit_current_user().status_text("x".repeat(129)).into_request());
    let pending = a.edit_current_user().avatar(PNG.to_vec()).into_request();
    assert!(matches!(
        pending.expect_err("needs an upload").kind(),
        ErrorKind::UploadRequired
    ));

    assert_eq!(
        api_error(a.edit_user(bob.id).display_name("Bobby").await),
        "NotPrivileged"
    );
    assert_eq!(
        api_error(a.edit_current_user().badges(UserBadges::FOUNDER).await),
        "NotPrivileged"
    );
    let robot = server.create_bot(alice.id, "robot");
    let bot = a
        .edit_user(robot.id)
        .display_name("Robot")
        .await
        .expect("own bot");
    assert_eq!(bot.display_name.as_deref(), Some("Robot"));
    assert_eq!(
        api_error(a.edit_user(nobody()).display_name("Nobody").await),
        "NotFound"
    );

    let missing = a
        .edit_current_user()
        .background(std::path::Path::new("/nonexistent/bg.png"))
        .await;
    assert!(matches!(missing.expect_err("no such file").kind(), ErrorKind::Io));
    server.shutdown().await;
}

#[tokio::test]
async fn username_changes_and_their_errors() {
    let server = support::server().await;
    let alice = server.create_user("alice");
    let a = client(&server, &alice);

    let renamed = a
        .change_username("alice_renamed", alice.password.clone())
        .await
        .expect("rename");
    assert_eq!(renamed.username, "alice_renamed");
    let wrong = a.change_username("alice2", Secret::new("wrong password")).await;
    assert_eq!(api_error(wrong), "InvalidCredentials");
    let reserved = a.change_username("admin", alice.password.clone()).await;
    assert_eq!(api_error(reserved), "InvalidUsername");
    invalid(a.change_username("a", alice.password.clone()).into_request());
    invalid(
        a.change_username("spaces are not allowed", alice.password.clone())
            .into_request(),
    );

    let robot = server.create_bot(alice.id, "robot");
    let bot = support::bot_client(&server, &robot);
    let error = bot
        .change_username("robot2", Secret::new("password1"))
        .await
        .expect_err("bots cannot");
    assert_eq!(error.status(), Some(401), "{error:?}");
    server.shutdown().await;
}

#[test]
fn tokens_never_show_in_debug() {
    let client = Client::new(Token::Bot(Secret::new("very-secret-token")));
    let shown = format!(
        "{client:?} {:?}",
        Client::builder().token(Token::Session(Secret::new("very-secret-token")))
    );
    assert!(!shown.contains("very-secret-token"), "{shown}");
}

#[tokio::test]
async fn a_token_that_cannot_be_a_header_is_refused_without_showing_it() {
    let client = Client::builder()
        .api_url("http://127.0.0.1:9")
        .token(Token::Session(Secret::new("line\nbreak-secret")))
        .build();
    let error = client.current_user().await.expect_err("invalid header value");
    assert!(matches!(error.kind(), ErrorKind::InvalidToken), "{error:?}");
    assert!(!format!("{error:?} {error}").contains("break-secret"));
}
