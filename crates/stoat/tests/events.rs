//! The facade's events: the cache first, then the stream or the handler;
//! `wait_for`; reconnects; a clean shutdown that leaves no task.

mod support;

use std::sync::Mutex;
use std::time::Duration;

use futures_util::StreamExt;
use stoat::event::{
    Ack, ChannelCreate, ChannelUpdate, MessageCreate, MessageDelete, MessageUpdate, Ready,
    RelationshipUpdate, Typing,
};
use stoat::{Client, Event, EventHandler, Message, RelationshipStatus, UserChanges};
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
        move |e| matches!(e, Event::Relationship(change) if change.user.id == carol_id),
        Duration::from_secs(5),
    );
    let from_carol = support::client(&server, &carol);
    let to_bot = from_carol.user(bot_account.id);
    let (seen, sent) = tokio::join!(request, to_bot.send_friend_request().into_future());
    sent.expect("request");
    let Event::Relationship(change) = seen.expect("seen") else {
        unreachable!()
    };
    assert_eq!(change.after, RelationshipStatus::Incoming);
    let alice_id = alice_account.id;

    // Alice's status change reaches the bot with before and after.
    let update = bot.wait_for(
        move |e| matches!(e, Event::UserUpdate(update) if update.id == alice_id),
        Duration::from_secs(5),
    );
    let me = alice.me().await.expect("alice");
    let (update, edited) = tokio::join!(update, me.edit().status_text("Busy now").into_future());
    edited.expect("edit");
    let Event::UserUpdate(update) = update.expect("update") else {
        unreachable!()
    };
    assert!(
        update.changes.contains(UserChanges::STATUS),
        "{:?}",
        update.changes
    );
    // Before: the old value of what changed, from the cache; after: what
    // the server sent.
    let before = update.before.as_ref().expect("cached");
    assert!(before.status().is_none(), "no status before");
    assert_eq!(
        update.data.status.as_ref().and_then(|s| s.text.as_deref()),
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
    assert!(
        matches!(timeout, Err(stoat::Error::Timeout { .. })),
        "{timeout:?}"
    );
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
    assert_eq!(reconnect.attempt(), 2);
    assert!(reconnect.delay() <= Duration::from_millis(5), "{reconnect:?}");
    let ready = next(&mut events, |e| matches!(e, Event::Ready(_))).await;
    assert!(
        matches!(&ready, Event::Ready(ready) if ready.session == 1),
        "{ready:?}"
    );
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
    next(&mut events, |e| matches!(e, Event::Ready(_))).await;
    // Ended by `close`: likewise, and the old stream ends (its undelivered
    // events dropped) rather than mixing with the new one's.
    bot.close();
    let mut old = events;
    let mut events = bot.connect().await.expect("connects after close");
    next(&mut events, |e| matches!(e, Event::Ready(_))).await;
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
    async fn on_ready(&self, _: &Client, event: &Ready) {
        self.calls
            .lock()
            .unwrap()
            .push(format!("ready {}", event.session));
    }

    async fn on_relationship(&self, client: &Client, event: &RelationshipUpdate) {
        self.calls
            .lock()
            .unwrap()
            .push(format!("relationship {:?}", event.after));
        if event.after == RelationshipStatus::Incoming {
            client
                .user(event.user.id)
                .accept_friend_request()
                .await
                .expect("accept");
        }
    }

    async fn on_message(&self, client: &Client, event: &MessageCreate) {
        let text = event.message.text();
        self.calls.lock().unwrap().push(format!("message {text}"));
        if text == "bye" {
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
    async fn on_channel_create(&self, _: &Client, _: &ChannelCreate) {
        self.push("channel create".into());
    }

    async fn on_channel_update(&self, _: &Client, event: &ChannelUpdate) {
        let active = |c: &stoat::Channel| matches!(c, stoat::Channel::DirectMessage(dm) if dm.active);
        self.push(format!(
            "channel update active {:?} -> {:?}",
            event.before.as_deref().map(active),
            event.after.as_deref().map(active)
        ));
    }

    async fn on_typing(&self, _: &Client, event: &Typing) {
        self.push(format!("typing {}", event.started));
    }

    async fn on_ack(&self, _: &Client, _: &Ack) {
        self.push("ack".into());
    }

    async fn on_message_update(&self, _: &Client, event: &MessageUpdate) {
        let text = |m: Option<&std::sync::Arc<Message>>| m.map_or("?", |m| m.text()).to_owned();
        self.push(format!(
            "message update {} -> {}",
            text(event.before.as_ref()),
            text(event.after.as_ref())
        ));
    }

    async fn on_message_delete(&self, client: &Client, event: &MessageDelete) {
        let text = event.before.as_ref().map_or("?", |m| m.text());
        self.push(format!("message delete {text}"));
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
        "channel update active Some(true) -> Some(false)",
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
        |e| matches!(e, Event::Message(new) if new.message.id == second.id),
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
        let Event::MessageDelete(deletion) =
            next(&mut events, |e| matches!(e, Event::MessageDelete(_))).await
        else {
            unreachable!()
        };
        deleted.push((deletion.id, deletion.before.and_then(|m| m.content.clone())));
    }
    assert_eq!(
        deleted,
        [
            (first.id, Some("one".into())),
            (second.id, Some("two".into())),
            (elsewhere, None)
        ]
    );
    let update = next(&mut events, |e| matches!(e, Event::MessageUpdate(_))).await;
    assert!(
        matches!(&update, Event::MessageUpdate(u) if u.id == elsewhere && u.before.is_none() && u.after.is_none()),
        "{update:?}"
    );
    let Event::UserUpdate(update) = next(&mut events, |e| matches!(e, Event::UserUpdate(_))).await else {
        unreachable!()
    };
    assert_eq!((update.id, update.before.is_none()), (stranger, true));
    assert_eq!(update.changes, UserChanges::ONLINE | UserChanges::STATUS);
    let leave = next(&mut events, |e| matches!(e, Event::VoiceState(_))).await;
    assert!(
        matches!(&leave, Event::VoiceState(v) if v.channel == dm && v.user == stranger && v.after.is_none()),
        "{leave:?}"
    );
    let join = next(&mut events, |e| matches!(e, Event::VoiceState(_))).await;
    assert!(
        matches!(&join, Event::VoiceState(v) if v.channel == nowhere && v.after.as_ref().is_some_and(|s| s.is_receiving)),
        "{join:?}"
    );
    drop(bot);
    server.shutdown().await;
}

/// Answers "!ping" where it came from.
struct Echo;

impl EventHandler for Echo {
    async fn on_message(&self, client: &Client, event: &MessageCreate) {
        if event.message.text() == "!ping" {
            client.reply(&event.message, "pong").await.expect("reply");
        }
    }
}

#[tokio::test]
async fn a_reply_goes_to_the_channel_the_message_came_from() {
    let server = support::server(false).await;
    let (bot_account, alice_account) = (server.create_user("bot"), server.create_user("alice"));
    support::befriend(&server, &alice_account, &bot_account).await;
    let bot = support::client(&server, &bot_account);
    let (alice, mut alice_events) = connected(&server, &alice_account).await;
    let run = bot.run(&Echo);
    let script = async {
        while server.connections(bot_account.id) == 0 {
            tokio::task::yield_now().await;
        }
        // Saved messages would be the wrong place: the ping goes in the DM.
        let question = alice.user(bot_account.id).send("!ping").await.expect("ping");
        let answer = next(
            &mut alice_events,
            |e| matches!(e, Event::Message(new) if new.message.text() == "pong"),
        )
        .await;
        bot.close();
        (question, answer)
    };
    let (outcome, (question, answer)) = tokio::join!(run, script);
    outcome.expect("run ends after close");
    let Event::Message(answer) = answer else {
        unreachable!()
    };
    assert_eq!(
        answer.message.channel, question.channel,
        "answered in the same channel"
    );
    assert_eq!(answer.message.author, bot_account.id);
    let replies = answer.message.replies.as_deref().unwrap_or_default();
    assert_eq!(replies, [question.id], "as a reply to the ping");
    server.shutdown().await;
}
