//! The DM routes, the report, `GET /` and uploads against the local server:
//! every option, and each documented error the server can be made to give.

mod support;

use stoat_http::{ErrorKind, Resource};
use stoat_model::message::{Interactions, Masquerade, MessageFlags, MessageSort, ReplyIntent, SendableEmbed};
use stoat_model::request::UserReportReason;
use stoat_model::{BulkMessageResponse, Channel, ErrorBody, FileId, Message, MessageId};
use support::{api_error, friends, invalid};

fn messages(response: BulkMessageResponse) -> Vec<Message> {
    match response {
        BulkMessageResponse::Messages(messages) => messages,
        BulkMessageResponse::WithUsers(with) => with.messages,
    }
}

fn contents(response: BulkMessageResponse) -> Vec<String> {
    messages(response)
        .into_iter()
        .map(|m| m.content.map(|c| c.to_string()).unwrap_or_default())
        .collect()
}

#[tokio::test]
async fn send_with_every_option() {
    let server = support::server().await;
    let f = friends(&server).await;
    let first = f.b.send_message(f.dm).content("first").await.expect("send");

    let attachment = std::env::temp_dir().join(format!("stoat-http-note-{}.txt", std::process::id()));
    std::fs::write(&attachment, b"a note").expect("temp file");
    let sent =
        f.a.send_message(f.dm)
            .content("hello")
            .idempotency_key("key-1")
            .reply(first.id, true)
            .embed(SendableEmbed {
                title: Some("Title".into()),
                description: Some("Body".into()),
                ..SendableEmbed::default()
            })
            .masquerade(Masquerade {
                name: Some("Someone".into()),
                ..Masquerade::default()
            })
            .interactions(Interactions {
                reactions: Some(vec!["👍".into()]),
                restrict_reactions: true,
            })
            .silent(true)
            .attachment(Resource::bytes(&b"some bytes"[..], "bytes.bin"))
            .attachment(attachment.as_path())
            .await
            .expect("send with every option");
    std::fs::remove_file(&attachment).ok();
    assert_eq!(sent.content.as_deref(), Some("hello"));
    assert_eq!(sent.nonce.as_deref(), Some("key-1"), "the key is the nonce");
    assert_eq!(sent.replies.as_deref(), Some(&[first.id][..]));
    assert_eq!(sent.mentions.as_deref(), Some(&[f.bob.id][..]));
    assert_eq!(sent.embeds.as_ref().map(Vec::len), Some(1));
    assert_eq!(
        sent.masquerade.as_ref().and_then(|m| m.name.as_deref()),
        Some("Someone")
    );
    assert!(sent.interactions.restrict_reactions);
    assert!(sent.flags.contains(MessageFlags::SUPPRESS_NOTIFICATIONS));
    let names: Vec<&str> = sent.attachments.iter().flatten().map(|a| &*a.filename).collect();
    assert_eq!(names.len(), 2);
    assert!(names.contains(&"bytes.bin"), "{names:?}");

    let nonce =
        f.a.send_message(f.dm)
            .content("old style")
            .nonce("nonce-1")
            .await
            .expect("body nonce");
    assert_eq!(nonce.nonce.as_deref(), Some("nonce-1"));
    let gone = ReplyIntent {
        id: MessageId::from_u128(1 << 80),
        mention: false,
        fail_if_not_exists: Some(false),
    };
    f.a.send_message(f.dm)
        .content("reply to nothing")
        .reply_intent(gone)
        .await
        .expect("lenient reply");
    server.shutdown().await;
}

#[tokio::test]
async fn send_errors() {
    let server = support::server().await;
    let f = friends(&server).await;

    invalid(f.a.send_message(f.dm).into_request());
    invalid(f.a.send_message(f.dm).content("x".repeat(2001)).into_request());
    invalid(
        f.a.send_message(f.dm)
            .content("x")
            .idempotency_key("k".repeat(65))
            .await,
    );
    let six = (0..6u8).fold(f.a.send_message(f.dm).content("x"), |b, i| {
        b.reply(MessageId::from_u128((1 << 80) + u128::from(i)), false)
    });
    invalid(six.into_request());
    let restricted = Interactions {
        reactions: None,
        restrict_reactions: true,
    };
    invalid(
        f.a.send_message(f.dm)
            .content("x")
            .interactions(restricted)
            .into_request(),
    );

    // A user's mention flags: the server answers IsNotBot (the emulator's
    // own tests show it), so the client refuses them before sending.
    let mention_everyone =
        f.a.send_message(f.dm)
            .content("x")
            .flags(MessageFlags::MENTIONS_EVERYONE);
    invalid(mention_everyone.await);
    let missing_reply =
        f.a.send_message(f.dm)
            .content("x")
            .reply(MessageId::from_u128(1 << 80), false);
    assert_eq!(api_error(missing_reply.await), "NotFound");
    let unknown_file =
        f.a.send_message(f.dm)
            .attachment(FileId::from(String::from("no-such-file")));
    assert_eq!(api_error(unknown_file.await), "NotFound");
    f.a.send_message(f.dm)
        .content("x")
        .nonce("same")
        .await
        .expect("first");
    let repeated = f.a.send_message(f.dm).content("x").nonce("same").await;
    assert_eq!(api_error(repeated), "InvalidOperation");

    f.a.send_message(f.dm)
        .content("x")
        .idempotency_key("same-key")
        .await
        .expect("first");
    let error =
        f.a.send_message(f.dm)
            .content("x")
            .idempotency_key("same-key")
            .await
            .expect_err("409");
    assert_eq!(error.status(), Some(409), "{error:?}");
    assert!(
        matches!(
            error.kind(),
            ErrorKind::Api {
                body: ErrorBody::Framework(_),
                ..
            }
        ),
        "{error:?}"
    );

    let stranger = server.create_user("stranger");
    let s = support::client(&server, &stranger);
    assert_eq!(
        api_error(s.send_message(f.dm).content("hi").await),
        "MissingPermission"
    );
    f.b.block(f.alice.id).await.expect("block");
    assert_eq!(
        api_error(f.a.send_message(f.dm).content("x").await),
        "MissingPermission"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn history_with_every_query_and_one_message() {
    let server = support::server().await;
    let f = friends(&server).await;
    let mut sent = Vec::new();
    for i in 0..6 {
        sent.push(
            f.a.send_message(f.dm)
                .content(format!("m{i}"))
                .await
                .expect("send"),
        );
    }

    let latest = f.b.messages(f.dm).limit(3).await.expect("history");
    assert_eq!(contents(latest), ["m5", "m4", "m3"]);
    let oldest =
        f.b.messages(f.dm)
            .limit(2)
            .sort(MessageSort::Oldest)
            .await
            .expect("oldest first");
    assert_eq!(contents(oldest), ["m0", "m1"]);
    let before = f.b.messages(f.dm).before(sent[2].id).await.expect("before");
    assert_eq!(contents(before), ["m1", "m0"]);
    let after =
        f.b.messages(f.dm)
            .after(sent[3].id)
            .sort(MessageSort::Oldest)
            .await
            .expect("after");
    assert_eq!(contents(after), ["m4", "m5"]);
    let nearby =
        f.b.messages(f.dm)
            .nearby(sent[3].id)
            .limit(2)
            .await
            .expect("nearby");
    assert_eq!(contents(nearby), ["m3", "m4", "m2", "m1"]);
    let with_users =
        f.b.messages(f.dm)
            .limit(1)
            .include_users(true)
            .await
            .expect("with users");
    let BulkMessageResponse::WithUsers(with_users) = with_users else {
        panic!("include_users gives the users");
    };
    assert_eq!(
        with_users.users.iter().map(|u| u.id).collect::<Vec<_>>(),
        [f.alice.id]
    );

    invalid(f.b.messages(f.dm).limit(0).into_request());
    invalid(f.b.messages(f.dm).limit(101).into_request());
    invalid(f.b.messages(f.dm).sort(MessageSort::Relevance).into_request());

    let one = f.b.message(f.dm, sent[0].id).await.expect("one message");
    assert_eq!(one.content.as_deref(), Some("m0"));
    assert_eq!(
        api_error(f.b.message(f.dm, MessageId::from_u128(1 << 80)).await),
        "NotFound"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn search_and_acknowledge() {
    let server = support::server().await;
    let f = friends(&server).await;
    for text in ["apples", "pears", "apple pie"] {
        f.a.send_message(f.dm).content(text).await.expect("send");
    }
    let found =
        f.b.search_messages(f.dm)
            .query("apple")
            .sort(MessageSort::Oldest)
            .await
            .expect("search");
    assert_eq!(contents(found), ["apples", "apple pie"]);
    let limited =
        f.b.search_messages(f.dm)
            .query("apple")
            .limit(1)
            .include_users(true)
            .await
            .expect("limit");
    assert_eq!(messages(limited).len(), 1);
    invalid(f.b.search_messages(f.dm).query("x").pinned(true).into_request());
    invalid(f.b.search_messages(f.dm).query("").into_request());

    let robot = server.create_bot(f.alice.id, "robot");
    let bot = support::bot_client(&server, &robot);
    assert_eq!(api_error(bot.search_messages(f.dm).query("x").await), "IsBot");

    let last = f.a.send_message(f.dm).content("read me").await.expect("send");
    f.b.acknowledge(f.dm, last.id).await.expect("ack answers nothing");
    assert_eq!(api_error(bot.acknowledge(f.dm, last.id).await), "IsBot");
    server.shutdown().await;
}

#[tokio::test]
async fn calls_with_voice_on() {
    let server = support::server_with(stoat_emulator::Config {
        voice: true,
        ..stoat_emulator::Config::default()
    })
    .await;
    let f = friends(&server).await;
    let call = f.a.join_call(f.dm).recipients([f.bob.id]).await.expect("join");
    assert!(
        !call.token.expose().is_empty() && call.url.starts_with("ws"),
        "{call:?}"
    );
    assert_eq!(
        api_error(f.a.join_call(f.dm).node("elsewhere").await),
        "UnknownNode"
    );
    let saved = f.a.open_dm(f.alice.id).await.expect("saved").id().expect("id");
    assert_eq!(api_error(f.a.join_call(saved).await), "NotAVoiceChannel");

    assert_eq!(api_error(f.a.end_ring(f.dm, f.bob.id).await), "NotConnected");
    server.voice_join(f.dm, f.alice.id);
    assert_eq!(api_error(f.a.join_call(f.dm).await), "AlreadyConnected");
    f.a.join_call(f.dm).force_disconnect(true).await.expect("forced");
    f.a.end_ring(f.dm, f.bob.id).await.expect("ringing stops");
    let stranger = server.create_user("stranger");
    assert_eq!(api_error(f.a.end_ring(f.dm, stranger.id).await), "NotFound");
    server.shutdown().await;
}

#[tokio::test]
async fn calls_with_voice_off() {
    let server = support::server().await;
    let f = friends(&server).await;
    assert_eq!(api_error(f.a.join_call(f.dm).await), "LiveKitUnavailable");
    assert_eq!(
        api_error(f.a.end_ring(f.dm, f.bob.id).await),
        "LiveKitUnavailable"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn closing_a_dm() {
    let server = support::server().await;
    let f = friends(&server).await;
    f.a.close_dm(f.dm).await.expect("close answers nothing");
    let closed = f.a.channel(f.dm).await.expect("still there");
    assert!(matches!(closed, Channel::DirectMessage(dm) if !dm.active));
    let saved = f.a.open_dm(f.alice.id).await.expect("saved").id().expect("id");
    assert_eq!(api_error(f.a.close_dm(saved).await), "NoEffect");
    server.shutdown().await;
}

#[tokio::test]
async fn reports() {
    let server = support::server().await;
    let f = friends(&server).await;
    let message = f.b.send_message(f.dm).content("spam").await.expect("send");
    f.a.report_user(f.bob.id)
        .reason(UserReportReason::SpamAbuse)
        .message(message.id)
        .additional_context("keeps sending links")
        .await
        .expect("report answers nothing");
    assert_eq!(
        api_error(f.a.report_user(f.alice.id).await),
        "CannotReportYourself"
    );
    let nobody = "01ARZ3NDEKTSV4RRFFQ69G5FAV".parse().expect("id");
    assert_eq!(api_error(f.a.report_user(nobody).await), "NotFound");
    invalid(
        f.a.report_user(f.bob.id)
            .additional_context("x".repeat(1001))
            .into_request(),
    );
    let robot = server.create_bot(f.alice.id, "robot");
    let bot = support::bot_client(&server, &robot);
    assert_eq!(api_error(bot.report_user(f.bob.id).await), "IsBot");
    server.shutdown().await;
}

#[tokio::test]
async fn node_info_and_uploads() {
    let server = support::server().await;
    let f = friends(&server).await;
    let client = stoat_http::Client::builder()
        .api_url(server.api_url())
        .token(support::token(&f.alice))
        .build();
    let node = client.discover().await.expect("GET /");
    assert_eq!(&*node.ws, server.ws_url());
    assert_eq!(client.cdn_url(), node.features.autumn.url.trim_end_matches('/'));

    let id = client
        .upload(
            stoat_model::file::FileTag::Attachments,
            Resource::bytes(&b"data"[..], "a.txt"),
        )
        .await
        .expect("upload to the discovered file server");
    assert!(!id.as_str().is_empty());
    let empty = client
        .upload(stoat_model::file::FileTag::Attachments, Vec::new())
        .await;
    assert_eq!(api_error(empty), "FileTooSmall");
    let text_avatar = client
        .upload(stoat_model::file::FileTag::Avatars, b"not an image".to_vec())
        .await;
    assert_eq!(api_error(text_avatar), "FileTypeNotAllowed");
    let anonymous = stoat_http::Client::builder()
        .api_url(server.api_url())
        .cdn_url(client.cdn_url())
        .build();
    let refused = anonymous
        .upload(stoat_model::file::FileTag::Attachments, b"x".to_vec())
        .await;
    assert_eq!(api_error(refused), "NotAuthenticated");
    server.shutdown().await;
}
