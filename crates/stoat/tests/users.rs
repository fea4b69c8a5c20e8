//! Every method of the seed's `BaseUser`, `User` and `OwnUser` through the
//! facade, against the local server: success, and its documented errors.

mod support;

use stoat::model::file::FileTag;
use stoat::model::message::MessageSort;
use stoat::model::request::UserReportReason;
use stoat::model::{BulkMessageResponse, FieldsUser};
use stoat::{Channel, Event, Overrides, Presence, RelationshipStatus, Resource, Secret, Token};
use support::{connected, next};

const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0,
    0, 1, 8, 6, 0, 0, 0, 0x1F, 0x15, 0xC4, 0x89,
];

fn api_error<T: std::fmt::Debug>(result: Result<T, impl Into<stoat::Error>>) -> String {
    let error: stoat::Error = result.map(drop).map_err(Into::into).expect_err("should fail");
    error
        .api_error()
        .unwrap_or_else(|| panic!("not a Stoat error: {error}"))
        .type_name()
        .to_owned()
}

/// Matches typing events that started (or stopped).
fn typing(started: bool) -> impl Fn(&Event) -> bool {
    move |e| matches!(e, Event::Typing(typing) if typing.started == started)
}

#[tokio::test]
async fn relationships_through_handles() {
    let server = support::server(false).await;
    let (bot_account, alice_account) = (server.create_user("bot"), server.create_user("alice"));
    let (bot, mut events) = connected(&server, &bot_account).await;
    let alice = support::client(&server, &alice_account);
    let (to_alice, to_bot) = (bot.user(alice_account.id), alice.user(bot_account.id));

    // send_friend_request, then deny_friend_request.
    to_bot.send_friend_request().await.expect("request");
    let event = next(&mut events, |e| matches!(e, Event::Relationship(_))).await;
    let Event::Relationship(change) = event else {
        unreachable!()
    };
    assert_eq!(
        (change.user.id, change.before.clone(), change.after.clone()),
        (
            alice_account.id,
            RelationshipStatus::None,
            RelationshipStatus::Incoming
        )
    );
    assert_eq!(
        to_alice.relationship(),
        RelationshipStatus::Incoming,
        "the cache applied it first"
    );
    to_alice.deny_friend_request().await.expect("deny");
    assert_eq!(api_error(to_alice.deny_friend_request().await), "NoEffect");

    // accept_friend_request, then remove_friend.
    to_bot.send_friend_request().await.expect("again");
    let accepted = to_alice.accept_friend_request().await.expect("accept");
    assert_eq!(accepted.relationship, RelationshipStatus::Friend);
    assert_eq!(
        api_error(to_alice.accept_friend_request().await),
        "AlreadyFriends"
    );
    next(
        &mut events,
        |e| matches!(e, Event::Relationship(change) if change.after == RelationshipStatus::Friend),
    )
    .await;
    let me = bot.me().await.expect("own user");
    let relations = me.relations();
    assert!(
        relations
            .iter()
            .any(|r| r.id == alice_account.id && r.status == RelationshipStatus::Friend),
        "{relations:?}"
    );
    to_alice.remove_friend().await.expect("unfriend");
    assert_eq!(api_error(to_alice.remove_friend().await), "NoEffect");

    // block, unblock.
    let blocked = to_alice.block().await.expect("block");
    assert_eq!(blocked.relationship, RelationshipStatus::Blocked);
    assert_eq!(api_error(to_alice.block().await), "NoEffect");
    assert_eq!(api_error(to_bot.send_friend_request().await), "BlockedByOther");
    to_alice.unblock().await.expect("unblock");
    assert_eq!(api_error(to_alice.unblock().await), "NoEffect");
    bot.close();
    server.shutdown().await;
}

#[tokio::test]
#[allow(
    clippy::too_many_lines,
    reason = "one scenario over the BaseUser methods, step by step"
)]
async fn fetches_mutuals_and_pure_properties() {
    let server = support::server(false).await;
    let (bot_account, alice_account, carol_account) = (
        server.create_user("bot"),
        server.create_user("alice"),
        server.create_user("carol"),
    );
    let bot = support::client(&server, &bot_account);
    let (alice, carol) = (
        support::client(&server, &alice_account),
        support::client(&server, &carol_account),
    );
    for (x, y) in [
        (&bot, &alice_account),
        (&bot, &carol_account),
        (&alice, &carol_account),
    ] {
        x.user(y.id).send_friend_request().await.expect("request");
    }
    alice
        .user(bot_account.id)
        .accept_friend_request()
        .await
        .expect("accept");
    carol
        .user(bot_account.id)
        .accept_friend_request()
        .await
        .expect("accept");
    carol
        .user(alice_account.id)
        .accept_friend_request()
        .await
        .expect("accept");

    let to_alice = bot.user(alice_account.id);
    assert_eq!(to_alice.mention(), format!("<@{}>", alice_account.id));
    assert!(
        to_alice
            .default_avatar_url()
            .ends_with(&format!("/users/{}/default_avatar", alice_account.id))
    );
    assert!(!to_alice.is_sentinel() && bot.user(stoat::UserId::SYSTEM).is_sentinel());

    let fetched = to_alice.fetch().await.expect("fetch");
    assert_eq!(
        (fetched.username.as_str(), fetched.relationship.clone()),
        ("alice", RelationshipStatus::Friend)
    );
    assert!(fetched.tag().starts_with("alice#"));
    alice
        .me()
        .await
        .expect("me")
        .edit()
        .profile_content("About Alice")
        .await
        .expect("edit");
    assert_eq!(
        to_alice
            .fetch_profile()
            .await
            .expect("profile")
            .content
            .as_deref(),
        Some("About Alice")
    );
    // Kept in the cache once fetched.
    assert_eq!(
        bot.cache()
            .profile(alice_account.id)
            .and_then(|p| p.content.clone())
            .as_deref(),
        Some("About Alice")
    );
    assert_eq!(to_alice.fetch_flags().await.expect("flags").flags.bits(), 0);
    assert!(
        to_alice
            .fetch_default_avatar()
            .await
            .expect("png")
            .starts_with(b"\x89PNG")
    );
    let stranger = server.create_user("stranger");
    assert_eq!(
        api_error(bot.user(stranger.id).fetch().await),
        "MissingPermission"
    );
    assert_eq!(
        api_error(bot.user(stranger.id).fetch_profile().await),
        "MissingPermission"
    );

    assert_eq!(
        to_alice.mutual_friend_ids().await.expect("mutual friends"),
        vec![carol_account.id]
    );
    assert!(
        to_alice
            .mutual_server_ids()
            .await
            .expect("mutual servers")
            .is_empty()
    );
    assert_eq!(
        api_error(bot.user(bot_account.id).mutuals().await),
        "InvalidOperation"
    );

    // The DM: opened once, then known to the cache.
    assert!(to_alice.dm_channel_id().is_none());
    let opened = to_alice.open_dm().await.expect("open");
    assert!(matches!(opened, Channel::DirectMessage(_)));
    let id = to_alice.fetch_channel_id().await.expect("channel id");
    assert_eq!(Some(id), opened.id());
    assert_eq!(to_alice.dm_channel_id(), Some(id));
    assert!(to_alice.dm_channel().is_some());
    assert_eq!(
        api_error(bot.user(stranger.id).fetch_channel_id().await),
        "MissingPermission"
    );

    // http_overrides: the same handle as another user.
    let as_carol = bot.user_with(
        alice_account.id,
        Overrides::new().token(Token::Session(carol_account.token.clone())),
    );
    assert_eq!(as_carol.fetch_flags().await.expect("flags").flags.bits(), 0);
    let mutual_as_carol = as_carol.mutuals().await.expect("as carol");
    assert_eq!(
        mutual_as_carol.users,
        vec![bot_account.id],
        "seen by carol: the bot is their common friend"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn reports_and_bot_edits() {
    let server = support::server(false).await;
    let (bot_account, alice_account) = (server.create_user("owner"), server.create_user("alice"));
    let owner = support::client(&server, &bot_account);
    owner
        .user(alice_account.id)
        .report(UserReportReason::SpamAbuse)
        .additional_context("spam")
        .await
        .expect("report");
    assert_eq!(
        api_error(
            owner
                .user(bot_account.id)
                .report(UserReportReason::NoneSpecified)
                .await
        ),
        "CannotReportYourself"
    );

    // A stranger's DM cannot be opened, so nothing can be sent.
    assert_eq!(
        api_error(owner.user(alice_account.id).send("hi").await),
        "MissingPermission"
    );

    let robot = server.create_bot(bot_account.id, "robot");
    let edited = owner
        .user(robot.id)
        .edit()
        .display_name("Robot")
        .await
        .expect("own bot");
    assert_eq!(edited.display_name.as_deref(), Some("Robot"));
    assert_eq!(edited.bot_owner(), Some(bot_account.id));
    owner
        .cache()
        .insert_user(edited, stoat::cache::Source::Perspective);
    owner.me().await.expect("me");
    let found = owner.user(robot.id).bot_owner().expect("owner cached");
    assert_eq!(found.id, bot_account.id);
    assert_eq!(
        api_error(owner.user(alice_account.id).edit().display_name("Nope").await),
        "NotPrivileged"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn own_user_edits_and_username() {
    let server = support::server(false).await;
    let account = server.create_user("self");
    let (client, mut events) = connected(&server, &account).await;
    let me = client.me().await.expect("me");

    let background = std::env::temp_dir().join(format!("stoat-facade-bg-{}.png", std::process::id()));
    std::fs::write(&background, PNG).expect("temp file");
    let edited = me
        .edit()
        .display_name("Self Made")
        .avatar(Resource::bytes(PNG, "me.png"))
        .background(background.as_path())
        .status_text("Testing")
        .presence(Presence::Focus)
        .profile_content("Profile text")
        .await
        .expect("edit");
    std::fs::remove_file(&background).ok();
    assert_eq!(
        edited.avatar.as_ref().map(|a| a.tag.clone()),
        Some(FileTag::Avatars)
    );
    // The change reaches the cache through the events, with before and after.
    let update = next(&mut events, |e| matches!(e, Event::UserUpdate(_))).await;
    let Event::UserUpdate(update) = update else {
        unreachable!()
    };
    assert!(update.before.as_ref().expect("cached").display_name().is_none());
    assert_eq!(update.data.display_name.as_deref(), Some("Self Made"));

    let cleared = me
        .edit()
        .remove(FieldsUser::Avatar)
        .remove(FieldsUser::StatusText)
        .await
        .expect("clear");
    assert!(cleared.avatar.is_none());
    assert!(
        me.edit()
            .display_name("x")
            .await
            .expect_err("too short")
            .to_string()
            .contains("display_name")
    );

    let renamed = me
        .change_username("self_renamed", account.password.clone())
        .await
        .expect("rename");
    assert_eq!(renamed.username, "self_renamed");
    assert_eq!(
        api_error(me.change_username("other", Secret::new("wrong-password")).await),
        "InvalidCredentials"
    );
    client.close();
    server.shutdown().await;
}

#[tokio::test]
async fn the_dm_as_a_messageable() {
    let server = support::server(true).await;
    let (bot_account, alice_account) = (server.create_user("bot"), server.create_user("alice"));
    let (bot, mut bot_events) = connected(&server, &bot_account).await;
    let (alice, mut alice_events) = connected(&server, &alice_account).await;
    support::befriend(&server, &alice_account, &bot_account).await;
    let to_alice = bot.user(alice_account.id);

    let first = to_alice.send("hello").await.expect("send opens the DM");
    let second = to_alice
        .send_with(|m| {
            m.content("with options")
                .reply(first.id, false)
                .silent(true)
                .idempotency_key("q-1")
        })
        .await
        .expect("send with options");
    assert_eq!(second.nonce.as_deref(), Some("q-1"));
    next(
        &mut bot_events,
        |e| matches!(e, Event::Message(new) if new.message.id == second.id),
    )
    .await;
    assert_eq!(
        to_alice.get_message(first.id).expect("cached").content.as_deref(),
        Some("hello")
    );
    assert_eq!(to_alice.messages().len(), 2);

    let history = to_alice
        .history(|q| q.sort(MessageSort::Oldest))
        .await
        .expect("history");
    let BulkMessageResponse::Messages(history) = history else {
        panic!("a plain list")
    };
    assert_eq!(
        history.iter().map(|m| m.id).collect::<Vec<_>>(),
        [first.id, second.id]
    );
    let found = to_alice.search(|s| s.query("options")).await.expect("search");
    let BulkMessageResponse::Messages(found) = found else {
        panic!("a plain list")
    };
    assert_eq!(found.len(), 1);
    assert_eq!(
        to_alice
            .fetch_message(first.id)
            .await
            .expect("one")
            .content
            .as_deref(),
        Some("hello")
    );
    to_alice.acknowledge(None).await.expect("everything read");
    to_alice
        .acknowledge(Some(first.id))
        .await
        .expect("read up to one");

    // Typing reaches Alice, and the guard's drop ends it. Commands go out
    // while the bot's events are polled: here, by a background task.
    let (stop, driver) = support::drive(bot_events);
    {
        let _typing = to_alice.typing().await.expect("typing");
        next(&mut alice_events, typing(true)).await;
    }
    next(&mut alice_events, typing(false)).await;
    to_alice.begin_typing().await.expect("begin");
    next(&mut alice_events, typing(true)).await;
    to_alice.end_typing().await.expect("end");
    next(&mut alice_events, typing(false)).await;
    stop.send(()).expect("the driver runs");
    let mut bot_events = driver.await.expect("the driver ends");

    let call = to_alice
        .join_call(|j| j.recipients([alice_account.id]))
        .await
        .expect("join");
    assert!(!call.url.is_empty());
    let dm = to_alice.dm_channel_id().expect("known");
    server.voice_join(dm, bot_account.id);
    let joined = next(&mut bot_events, |e| matches!(e, Event::VoiceState(_))).await;
    let Event::VoiceState(joined) = joined else {
        unreachable!()
    };
    assert_eq!(joined.user, bot_account.id);
    assert!(joined.before.is_none() && joined.after.is_some(), "a join");
    assert_eq!(bot.user(bot_account.id).voice_state().map(|(c, _)| c), Some(dm));
    assert_eq!(api_error(to_alice.join_call(|j| j).await), "AlreadyConnected");

    bot.close();
    alice.close();
    server.shutdown().await;
}
