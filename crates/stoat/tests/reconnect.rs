//! Nothing missed across a reconnect: what happened while the events
//! connection was down arrives once, learned from the new `Ready` and the
//! history; events the server sends twice are handed out once.

mod support;

use futures_util::StreamExt;
use stoat::{Event, Events, RelationshipStatus, UserId};
use support::{connected, next};

/// Reads events until a message with text `last` (included), every event.
async fn until_message(events: &mut Events, last: &str) -> Vec<Event> {
    let mut seen = Vec::new();
    let read = async {
        while let Some(event) = events.next().await {
            let event = event.expect("no error on the stream");
            let done = matches!(&event, Event::Message(new) if new.message.text() == last);
            seen.push(event);
            if done {
                return;
            }
        }
        panic!("the stream ended");
    };
    tokio::time::timeout(std::time::Duration::from_secs(10), read)
        .await
        .expect("the message comes within 10 s");
    seen
}

fn relationship_changes(events: &[Event], user: UserId) -> Vec<(RelationshipStatus, bool)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Relationship(change) if change.user.id == user => {
                Some((change.after.clone(), change.from_ready))
            }
            _ => None,
        })
        .collect()
}

/// The cache holds what the server answers now, for `users` and `dm`.
async fn the_cache_equals_a_fresh_fetch(client: &stoat::Client, users: &[UserId], dm: stoat::ChannelId) {
    for &id in users {
        let fetched = client.user(id).fetch().await.expect("fetch");
        assert_eq!(client.cache().user(id), Some(fetched), "user {id}");
    }
    // The server records a channel's last message seconds later (its
    // debounced task); the cache takes it from the message itself.
    let without_last = |channel: stoat::Channel| match channel {
        stoat::Channel::DirectMessage(mut dm) => {
            dm.last_message_id = None;
            stoat::Channel::DirectMessage(dm)
        }
        other => other,
    };
    let fetched = client.http().channel(dm).await.expect("the DM");
    let cached = client.cache().channel(dm).expect("cached");
    assert_eq!(without_last((*cached).clone()), without_last(fetched));
}

#[tokio::test]
async fn what_happened_while_the_connection_was_down_arrives_once() {
    let server = support::server(false).await;
    let bot = server.create_user("bot");
    let (fay, gus, sam) = (
        server.create_user("fay"),
        server.create_user("gus"),
        server.create_user("sam"),
    );
    support::befriend(&server, &fay, &bot).await;
    support::befriend(&server, &gus, &bot).await;
    let (client, mut events) = connected(&server, &bot).await;
    let (fay_client, gus_client, sam_client) = (
        support::client(&server, &fay),
        support::client(&server, &gus),
        support::client(&server, &sam),
    );

    // The connection is cut; until the stream is polled again nothing
    // reconnects, and the server refuses upgrades meanwhile anyway.
    server.refuse_upgrades(usize::MAX);
    server.drop_connections(bot.id);
    next(&mut events, |e| matches!(e, Event::Reconnecting(_))).await;
    sam_client
        .user(bot.id)
        .send_friend_request()
        .await
        .expect("request");
    let fay_me = fay_client.me().await.expect("fay");
    fay_me
        .edit()
        .display_name("Fay Again")
        .status_text("back soon")
        .await
        .expect("edit");
    let away = fay_client
        .user(bot.id)
        .send("while you were away")
        .await
        .expect("a DM");
    gus_client.user(bot.id).block().await.expect("block");
    server.refuse_upgrades(0);

    let mut seen = until_message(&mut events, "while you were away").await;
    // Anything handed out twice would come before this live message.
    fay_client.user(bot.id).send("and now live").await.expect("live");
    seen.extend(until_message(&mut events, "and now live").await);

    assert_eq!(
        relationship_changes(&seen, sam.id),
        [(RelationshipStatus::Incoming, true)]
    );
    assert_eq!(
        relationship_changes(&seen, gus.id),
        [(RelationshipStatus::BlockedOther, true)]
    );
    let fay_updates: Vec<_> = seen
        .iter()
        .filter_map(|e| match e {
            Event::UserUpdate(update) if update.id == fay.id => Some(update),
            _ => None,
        })
        .collect();
    assert_eq!(fay_updates.len(), 1, "{fay_updates:?}");
    assert!(fay_updates[0].from_ready);
    assert_eq!(fay_updates[0].data.display_name.as_deref(), Some("Fay Again"));
    let status = fay_updates[0]
        .data
        .status
        .as_ref()
        .and_then(|s| s.text.as_deref());
    assert_eq!(status, Some("back soon"));
    let created: Vec<_> = seen
        .iter()
        .filter(|e| matches!(e, Event::ChannelCreate(c) if c.channel.id() == Some(away.channel)))
        .collect();
    assert_eq!(created.len(), 1, "the DM opened meanwhile: {created:?}");
    let messages: Vec<_> = seen
        .iter()
        .filter_map(|e| match e {
            Event::Message(new) => Some((new.message.text().to_owned(), new.from_ready)),
            _ => None,
        })
        .collect();
    assert_eq!(
        messages,
        [
            ("while you were away".to_owned(), true),
            ("and now live".to_owned(), false)
        ]
    );
    // Users come before relationships, relationships before channels.
    let position = |test: &dyn Fn(&Event) -> bool| seen.iter().position(test).expect("present");
    let user_at = position(&|e| matches!(e, Event::UserUpdate(u) if u.from_ready));
    let relationship_at = position(&|e| matches!(e, Event::Relationship(r) if r.from_ready));
    let channel_at = position(&|e| matches!(e, Event::ChannelCreate(c) if c.from_ready));
    assert!(
        user_at < relationship_at && relationship_at < channel_at,
        "{seen:?}"
    );

    the_cache_equals_a_fresh_fetch(&client, &[fay.id, gus.id, sam.id], away.channel).await;
    server.shutdown().await;
}

#[tokio::test]
async fn events_sent_twice_are_handed_out_once() {
    let server = support::server(false).await;
    let (bot, fay) = (server.create_user("bot"), server.create_user("fay"));
    support::befriend(&server, &fay, &bot).await;
    let (_client, mut events) = connected(&server, &bot).await;
    let fay_client = support::client(&server, &fay);
    let to_bot = fay_client.user(bot.id);
    to_bot.send("hello").await.expect("the DM opens");
    until_message(&mut events, "hello").await;

    // The next events reach the bot twice each: a message, a user update,
    // the DM created again.
    server.duplicate_events(bot.id, 2);
    to_bot.send("once").await.expect("once");
    let fay_me = fay_client.me().await.expect("fay");
    fay_me
        .edit()
        .status_text("twice on the wire")
        .await
        .expect("edit");
    to_bot.send("end").await.expect("end");
    let seen = until_message(&mut events, "end").await;
    let texts: Vec<_> = seen
        .iter()
        .filter_map(|e| match e {
            Event::Message(new) => Some(new.message.text().to_owned()),
            _ => None,
        })
        .collect();
    assert_eq!(texts, ["once", "end"]);
    let updates = seen
        .iter()
        .filter(|e| matches!(e, Event::UserUpdate(u) if u.id == fay.id))
        .count();
    assert_eq!(updates, 1, "{seen:?}");
    server.shutdown().await;
}
