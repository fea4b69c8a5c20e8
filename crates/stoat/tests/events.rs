//! The facade's events: the cache first, then the stream or the handler;
//! `wait_for`; reconnects; a clean shutdown that leaves no task.

mod support;

use std::sync::Mutex;
use std::time::Duration;

use futures_util::StreamExt;
use stoat::{Client, Event, EventHandler, Message, RelationshipStatus, User, UserChanges};
use support::{connected, next};

#[tokio::test]
async fn updates_carry_before_and_after_and_wait_for_sees_them() {
    let server = support::server(false).await;
    let (bot_account, alice_account) = (server.create_user("bot"), server.create_user("alice"));
    let alice = support::client(&server, &alice_account);
    // Friends before the bot connects: the server subscribes a session to
    // its friends' updates when it starts.
    support::befriend(&server, &alice_account, &bot_account).await;
    let (bot, events) = connected(&server, &bot_account).await;
    let (stop, driver) = support::drive(events);

    let carol = server.create_user("carol");
    let carol_id = carol.id;
    let request = bot.wait_for(
        move |e| matches!(e, Event::Relationship { user, .. } if user.id == carol_id),
        Duration::from_secs(5),
    );
    let from_carol = support::client(&server, &carol);
    let to_bot = from_carol.user(bot_account.id);
    let (seen, sent) = tokio::join!(request, to_bot.send_friend_request().into_future());
    sent.expect("request");
    let Event::Relationship { after, .. } = seen.expect("seen") else {
        unreachable!()
    };
    assert_eq!(after, RelationshipStatus::Incoming);
    let alice_id = alice_account.id;

    // Alice's status change reaches the bot with before and after.
    let update = bot.wait_for(
        move |e| matches!(e, Event::UserUpdate { id, .. } if *id == alice_id),
        Duration::from_secs(5),
    );
    let me = alice.me().await.expect("alice");
    let (update, edited) = tokio::join!(update, me.edit().status_text("Busy now").into_future());
    edited.expect("edit");
    let Event::UserUpdate {
        before,
        after,
        changes,
        ..
    } = update.expect("update")
    else {
        unreachable!()
    };
    assert!(changes.contains(UserChanges::STATUS), "{changes:?}");
    assert!(before.expect("cached").status.is_none());
    assert_eq!(
        after.expect("cached").status.and_then(|s| s.text).as_deref(),
        Some("Busy now")
    );
    assert_eq!(
        bot.cache()
            .user(alice_id)
            .and_then(|u| u.status)
            .and_then(|s| s.text)
            .as_deref(),
        Some("Busy now")
    );

    let timeout = bot.wait_for(|_| false, Duration::from_millis(50)).await;
    assert!(matches!(timeout, Err(stoat::Error::Timeout)), "{timeout:?}");
    stop.send(()).expect("driver runs");
    driver.await.expect("driver ends");
    bot.close();
    server.shutdown().await;
}

#[tokio::test]
async fn a_reconnect_gives_a_fresh_ready() {
    let server = support::server(false).await;
    let account = server.create_user("bot");
    let (_bot, mut events) = connected(&server, &account).await;
    server.drop_connections(account.id);
    let reconnecting = next(&mut events, |e| matches!(e, Event::Reconnecting(_))).await;
    let Event::Reconnecting(reconnect) = reconnecting else {
        unreachable!()
    };
    // Dropped before its first heartbeat: one more failed attempt, after
    // the connection's settings given through the facade (`support::client`).
    assert_eq!(reconnect.attempt, 2);
    assert!(reconnect.delay <= Duration::from_millis(5), "{reconnect:?}");
    let ready = next(&mut events, |e| matches!(e, Event::Ready { .. })).await;
    assert!(matches!(ready, Event::Ready { session: 1, .. }), "{ready:?}");
    server.shutdown().await;
}

#[tokio::test]
async fn one_events_connection_per_client_and_a_new_one_after_it_ends() {
    let server = support::server(false).await;
    let account = server.create_user("bot");
    let (bot, events) = connected(&server, &account).await;
    let again = bot.connect().await;
    assert!(
        matches!(again, Err(stoat::Error::AlreadyConnected)),
        "{:?}",
        again.err()
    );
    assert_eq!(server.connections(account.id), 1);
    // Ended by dropping its stream: a new one may start.
    drop(events);
    let mut events = bot
        .connect()
        .await
        .expect("connects after the stream was dropped");
    next(&mut events, |e| matches!(e, Event::Ready { .. })).await;
    // Ended by `close`: likewise, and the old stream ends (its undelivered
    // events dropped) rather than mixing with the new one's.
    bot.close();
    let mut old = events;
    let mut events = bot.connect().await.expect("connects after close");
    next(&mut events, |e| matches!(e, Event::Ready { .. })).await;
    let end = tokio::time::timeout(Duration::from_secs(5), old.next()).await;
    assert!(
        matches!(end, Ok(None)),
        "the closed stream ends: {:?}",
        end.map(|e| e.is_some())
    );
    assert!(bot.gateway().is_some_and(|g| !g.is_closed()));
    server.shutdown().await;
}

/// A handler that records what it was called with.
#[derive(Default)]
struct Recorder {
    calls: Mutex<Vec<String>>,
}

impl EventHandler for Recorder {
    async fn on_ready(&self, _: &Client, _: &stoat::model::event::Ready, session: u64) {
        self.calls.lock().unwrap().push(format!("ready {session}"));
    }

    async fn on_relationship(
        &self,
        client: &Client,
        user: &User,
        _: RelationshipStatus,
        after: RelationshipStatus,
    ) {
        self.calls.lock().unwrap().push(format!("relationship {after:?}"));
        if after == RelationshipStatus::Incoming {
            client
                .user(user.id)
                .accept_friend_request()
                .await
                .expect("accept");
        }
    }

    async fn on_message(&self, client: &Client, message: &Message) {
        self.calls
            .lock()
            .unwrap()
            .push(format!("message {}", message.content.as_deref().unwrap_or("")));
        if message.content.as_deref() == Some("bye") {
            client.close();
        }
    }
}

#[tokio::test]
async fn a_handler_runs_until_close_and_leaves_no_task() {
    let server = support::server(false).await;
    let (bot_account, alice_account) = (server.create_user("bot"), server.create_user("alice"));
    let bot = support::client(&server, &bot_account);
    let alice = support::client(&server, &alice_account);
    let tasks_before = tokio::runtime::Handle::current().metrics().num_alive_tasks();

    let recorder = Recorder::default();
    let script = async {
        // Wait until the bot's session is up, then befriend it and say bye.
        while recorder.calls.lock().unwrap().is_empty() {
            tokio::task::yield_now().await;
        }
        let to_bot = alice.user(bot_account.id);
        to_bot.send_friend_request().await.expect("request");
        while alice
            .user(bot_account.id)
            .fetch()
            .await
            .expect("bot")
            .relationship
            != RelationshipStatus::Friend
        {
            tokio::task::yield_now().await;
        }
        to_bot.send("bye").await.expect("bye");
    };
    let (outcome, ()) = tokio::join!(bot.run(&recorder), script);
    outcome.expect("run ends cleanly after close");
    let calls = recorder.calls.lock().unwrap().clone();
    assert_eq!(calls.first().map(String::as_str), Some("ready 0"), "{calls:?}");
    assert!(calls.contains(&"relationship Incoming".to_owned()), "{calls:?}");
    assert!(calls.contains(&"message bye".to_owned()), "{calls:?}");
    assert!(bot.gateway().is_none(), "the connection is gone");
    // The facade spawns nothing; the REST clients' pooled connections (and
    // the server's side of them) go away with the clients.
    drop((bot, alice));
    let settled = stoat_emulator::tasks_settle_to(tasks_before, Duration::from_secs(5)).await;
    assert_eq!(settled, Ok(()), "{tasks_before} tasks before");
    server.shutdown().await;
}

#[tokio::test]
async fn a_logout_ends_run_with_a_terminal_error() {
    let server = support::server(false).await;
    let account = server.create_user("bot");
    let bot = support::client(&server, &account);
    let recorder = Recorder::default();
    let run = bot.run(&recorder);
    let logout = async {
        while bot.gateway().is_none() {
            tokio::task::yield_now().await;
        }
        // Wait for the session to be up before ending it.
        while server.connections(account.id) == 0 {
            tokio::task::yield_now().await;
        }
        server.logout(account.id);
    };
    let (outcome, ()) = tokio::join!(run, logout);
    let error = outcome.expect_err("logged out");
    assert!(error.is_terminal(), "{error:?}");
    server.shutdown().await;
}

/// Records the DM-side handler methods it is called with.
#[derive(Default)]
struct DmRecorder {
    calls: Mutex<Vec<String>>,
}

impl DmRecorder {
    fn push(&self, call: String) {
        self.calls.lock().unwrap().push(call);
    }
}

impl EventHandler for DmRecorder {
    async fn on_channel_create(&self, _: &Client, _: &stoat::Channel) {
        self.push("channel create".into());
    }

    async fn on_channel_update(&self, _: &Client, before: Option<&stoat::Channel>, after: &stoat::Channel) {
        let active = |c: &stoat::Channel| matches!(c, stoat::Channel::DirectMessage(dm) if dm.active);
        self.push(format!(
            "channel update active {:?} -> {}",
            before.map(active),
            active(after)
        ));
    }

    async fn on_typing(&self, _: &Client, _: stoat::ChannelId, _: stoat::UserId, started: bool) {
        self.push(format!("typing {started}"));
    }

    async fn on_ack(&self, _: &Client, _: stoat::ChannelId, _: stoat::MessageId) {
        self.push("ack".into());
    }

    async fn on_message_update(
        &self,
        _: &Client,
        _: stoat::ChannelId,
        _: stoat::MessageId,
        before: Option<&Message>,
        after: Option<&Message>,
    ) {
        let content = |m: Option<&Message>| m.and_then(|m| m.content.as_deref()).unwrap_or("?").to_owned();
        self.push(format!(
            "message update {} -> {}",
            content(before),
            content(after)
        ));
    }

    async fn on_message_delete(
        &self,
        client: &Client,
        _: stoat::ChannelId,
        _: stoat::MessageId,
        before: Option<&Message>,
    ) {
        self.push(format!(
            "message delete {}",
            before.and_then(|m| m.content.as_deref()).unwrap_or("?")
        ));
        client.close();
    }
}

#[tokio::test]
async fn dm_events_reach_their_handler_methods() {
    let server = support::server(false).await;
    let (bot_account, alice_account) = (server.create_user("bot"), server.create_user("alice"));
    let (bot, alice) = (
        support::client(&server, &bot_account),
        support::client(&server, &alice_account),
    );
    support::befriend(&server, &alice_account, &bot_account).await;

    let recorder = DmRecorder::default();
    let script = async {
        while server.connections(bot_account.id) == 0 {
            tokio::task::yield_now().await;
        }
        let to_bot = alice.user(bot_account.id);
        let sent = to_bot.send("first words").await.expect("send");
        let (dm, id) = (sent.channel, sent.id);
        while bot.cache().message(dm, id).is_none() {
            tokio::task::yield_now().await;
        }
        bot.user(alice_account.id)
            .acknowledge(Some(id))
            .await
            .expect("ack");
        // The server's typing, edit and delete events, as it sends them.
        let frames = [
            format!(
                r#"{{"type":"ChannelStartTyping","id":"{dm}","user":"{}"}}"#,
                alice_account.id
            ),
            format!(
                r#"{{"type":"MessageUpdate","id":"{id}","channel":"{dm}","data":{{"content":"edited words"}}}}"#
            ),
        ];
        for frame in &frames {
            server.send_raw(bot_account.id, frame);
        }
        alice.http().close_dm(dm).await.expect("close");
        while bot
            .cache()
            .channel(dm)
            .is_some_and(|c| matches!(&*c, stoat::Channel::DirectMessage(d) if d.active))
        {
            tokio::task::yield_now().await;
        }
        server.send_raw(
            bot_account.id,
            &format!(r#"{{"type":"MessageDelete","id":"{id}","channel":"{dm}"}}"#),
        );
    };
    let (outcome, ()) = tokio::join!(bot.run(&recorder), script);
    outcome.expect("ends after the delete");
    let calls = recorder.calls.lock().unwrap().clone();
    let expected = [
        "channel create",
        "ack",
        "typing true",
        "message update first words -> edited words",
        "channel update active Some(true) -> false",
        "message delete edited words",
    ];
    assert_eq!(calls, expected);
    server.shutdown().await;
}

#[tokio::test]
async fn events_the_cache_knows_little_of_still_arrive_whole() {
    let server = support::server(false).await;
    let (bot_account, alice_account) = (server.create_user("bot"), server.create_user("alice"));
    support::befriend(&server, &alice_account, &bot_account).await;
    let (bot, mut events) = connected(&server, &bot_account).await;
    let alice = support::client(&server, &alice_account);
    let to_bot = alice.user(bot_account.id);
    let (first, second) = (
        to_bot.send("one").await.expect("one"),
        to_bot.send("two").await.expect("two"),
    );
    let dm = first.channel;
    next(
        &mut events,
        |e| matches!(e, Event::Message(m) if m.id == second.id),
    )
    .await;
    let (stranger, elsewhere, nowhere) = (
        server.create_user("stranger").id,
        stoat::MessageId::SYSTEM,
        stoat::ChannelId::SYSTEM,
    );
    let state = format!(
        r#"{{"id":"{stranger}","joined_at":"2026-11-24T05:27:57.123Z","is_receiving":true,"is_publishing":false,"screensharing":false,"camera":false}}"#
    );
    for frame in [
        // Two cached messages and one the cache never had: three deletions.
        format!(
            r#"{{"type":"BulkMessageDelete","channel":"{dm}","ids":["{}","{}","{elsewhere}"]}}"#,
            first.id, second.id
        ),
        format!(r#"{{"type":"MessageUpdate","id":"{elsewhere}","channel":"{dm}","data":{{"content":"x"}}}}"#),
        format!(
            r#"{{"type":"UserUpdate","id":"{stranger}","data":{{"online":true}},"clear":["StatusText"]}}"#
        ),
        format!(
            r#"{{"type":"VoiceChannelMove","user":"{stranger}","from":"{dm}","to":"{elsewhere}","state":{state}}}"#
        ),
    ] {
        server.send_raw(bot_account.id, &frame);
    }
    let mut deleted = Vec::new();
    for _ in 0..3 {
        let Event::MessageDelete { id, before, .. } =
            next(&mut events, |e| matches!(e, Event::MessageDelete { .. })).await
        else {
            unreachable!()
        };
        deleted.push((id, before.and_then(|m| m.content.clone())));
    }
    assert_eq!(
        deleted,
        [
            (first.id, Some("one".into())),
            (second.id, Some("two".into())),
            (elsewhere, None)
        ]
    );
    let update = next(&mut events, |e| matches!(e, Event::MessageUpdate { .. })).await;
    assert!(
        matches!(update, Event::MessageUpdate { id, before: None, after: None, .. } if id == elsewhere),
        "{update:?}"
    );
    let update = next(&mut events, |e| matches!(e, Event::UserUpdate { .. })).await;
    let Event::UserUpdate {
        id, changes, before, ..
    } = update
    else {
        unreachable!()
    };
    assert_eq!((id, before), (stranger, None));
    assert_eq!(changes, UserChanges::ONLINE | UserChanges::STATUS);
    let leave = next(&mut events, |e| matches!(e, Event::VoiceState { .. })).await;
    assert!(
        matches!(leave, Event::VoiceState { channel, user, after: None, .. } if channel == dm && user == stranger),
        "{leave:?}"
    );
    let join = next(&mut events, |e| matches!(e, Event::VoiceState { .. })).await;
    assert!(
        matches!(&join, Event::VoiceState { channel, after: Some(state), .. } if *channel == nowhere && state.is_receiving),
        "{join:?}"
    );
    drop(bot);
    server.shutdown().await;
}
