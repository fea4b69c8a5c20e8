//! One publisher and three workers on the local server and a redis-server
//! of the test's own: 10,000 events, a worker killed halfway, Redis
//! restarted once. Every event handled exactly once, the events of a
//! channel in order, every cache equal to the server's state.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use stoat::event::MessageCreate;
use stoat::{Client, Event, EventHandler};
use stoat_gateway::Gateway;
use stoat_redis::{Notice, Publisher, Worker};
use support::redis_server::RedisServer;

const EVENTS: usize = 10_000;

/// Records each message's handling in Redis, as part of its commit.
struct Recorder;

impl EventHandler for Recorder {
    async fn on_message(&self, _: &Client, event: &MessageCreate) {
        let message = &event.message;
        let mut runs = redis::cmd("HINCRBY");
        runs.arg("test:runs").arg(message.id.to_string()).arg(1);
        let mut seen = redis::cmd("RPUSH");
        seen.arg(format!("test:seen:{}", message.channel))
            .arg(message.text());
        assert!(
            stoat_redis::stage(&runs) && stoat_redis::stage(&seen),
            "inside a handler"
        );
    }
}

fn query<T: redis::FromRedisValue>(url: &str, cmd: &redis::Cmd) -> T {
    let mut connection = redis::Client::open(url)
        .and_then(|c| c.get_connection())
        .expect("connects");
    cmd.query(&mut connection).expect("the query succeeds")
}

fn handled(url: &str) -> usize {
    query(url, redis::cmd("HLEN").arg("test:runs"))
}

/// Waits (up to 60 s) until `done` holds, looking every 20 ms.
async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_events_a_dead_worker_and_a_redis_restart() {
    let mut redis = RedisServer::start();
    let url = redis.url();
    let server = support::server().await;
    let (bot, friends) = support::bot_with_friends(&server, 10).await;

    // The reference: one process with the events connection of its own.
    let reference = support::client(&server, &bot);
    let mut direct = reference.connect().await.expect("connects");
    let reference_task = tokio::spawn(async move { while direct.next().await.is_some() {} });

    let (gateway, gateway_handle) = Gateway::builder(server.ws_url(), bot.token.clone())
        .backoff(Duration::from_millis(5), Duration::from_millis(40))
        .build()
        .expect("a gateway");
    let mut publisher = Publisher::builder(&url)
        .partitions(8)
        .connect()
        .await
        .expect("publisher");
    let stats = publisher.stats();
    let publishing = tokio::spawn(async move { publisher.run(gateway).await });

    let notices = Arc::new(Mutex::new(Vec::new()));
    let mut workers = start_workers(&url, &server, &bot, &notices).await;
    until("each worker holds partitions", || {
        workers.iter().all(|(w, _)| !w.stats().held().is_empty())
    })
    .await;

    let send = |from: usize, to: usize| {
        for n in from..to {
            let (friend, channel) = &friends[n % friends.len()];
            let frame = support::message_frame(n, *channel, friend.id, &(n / friends.len()).to_string());
            server.send_raw(bot.id, &frame);
        }
    };
    send(0, EVENTS / 2);
    until("half is handled", || handled(&url) >= EVENTS / 4).await;
    let (killed, task) = workers.remove(0);
    task.abort();
    assert!(task.await.expect_err("aborted").is_cancelled());
    let killed_handled = killed.stats().handled.load(std::sync::atomic::Ordering::Relaxed);
    assert!(killed_handled > 0, "the killed worker had handled some");

    send(EVENTS / 2, EVENTS * 7 / 10);
    redis.stop();
    // Events while Redis is away: the publisher keeps them.
    send(EVENTS * 7 / 10, EVENTS * 8 / 10);
    redis.start_again();
    send(EVENTS * 8 / 10, EVENTS);
    // Real changes of the server's state, through the same pipeline.
    for (friend, _) in &friends {
        let me = support::client(&server, friend).me().await.expect("me");
        me.edit().status_text("scaled").await.expect("edit");
    }
    until("every message is handled", || handled(&url) >= EVENTS).await;

    assert_exactly_once(&url, &friends);
    assert_eq!(stats.lost.load(std::sync::atomic::Ordering::Relaxed), 0);
    assert!(
        stats.failures.load(std::sync::atomic::Ordering::Relaxed) > 0,
        "Redis was away"
    );

    // Every live worker's cache: as the direct connection's, and as the
    // server's state seen by a fresh connection.
    // The friends' edits came after every message: a cache that has them
    // all has read everything.
    let all_scaled = |client: &Client| {
        friends.iter().all(|(f, _)| {
            client
                .cache()
                .user(f.id)
                .and_then(|u| u.status)
                .and_then(|s| s.text)
                .as_deref()
                == Some("scaled")
        })
    };
    for (worker, _) in &workers {
        until("the worker has read everything", || all_scaled(worker.client())).await;
    }
    until("the reference has read everything", || all_scaled(&reference)).await;
    let fresh = assert_caches(&server, &bot, &friends, &reference, &workers).await;
    let seen = notices.lock().unwrap().clone();
    assert!(
        seen.iter()
            .all(|n| n.contains("lost before its event was recorded")),
        "no lag, loss or bad entry: {seen:?}"
    );
    let handled_by: Vec<u64> = workers
        .iter()
        .map(|(w, _)| w.stats().handled.load(std::sync::atomic::Ordering::Relaxed))
        .collect();
    assert!(
        handled_by.iter().all(|&n| n > 0),
        "the work is spread: {handled_by:?}"
    );

    gateway_handle.close();
    publishing
        .await
        .expect("no panic")
        .expect("the publisher ends cleanly");
    reference.close();
    fresh.close();
    let _ = reference_task.await;
    for (_, task) in workers {
        task.abort();
    }
}

type Running = Vec<(
    Arc<Worker>,
    tokio::task::JoinHandle<Result<(), stoat_redis::Error>>,
)>;

/// Three workers, each recording the notices other than Redis being away.
async fn start_workers(
    url: &str,
    server: &stoat_emulator::Emulator,
    bot: &stoat_emulator::Account,
    notices: &Arc<Mutex<Vec<String>>>,
) -> Running {
    let mut workers = Vec::new();
    for i in 0..3 {
        let seen = Arc::clone(notices);
        let worker = Worker::builder(url, support::client(server, bot))
            .partitions(8)
            .lease(Duration::from_millis(600))
            .name(format!("worker{i}"))
            .on_notice(move |notice: &Notice| {
                if !matches!(notice, Notice::Unavailable(_)) {
                    seen.lock().unwrap().push(notice.to_string());
                }
            })
            .connect()
            .await
            .expect("worker");
        let worker = Arc::new(worker);
        let running = Arc::clone(&worker);
        let task = tokio::spawn(async move { running.run(&Recorder).await });
        workers.push((worker, task));
    }
    workers
}

/// Every message committed once, each channel's in order.
fn assert_exactly_once(url: &str, friends: &[(stoat_emulator::Account, stoat::ChannelId)]) {
    // Exactly once: every message committed once, each channel in order.
    let runs: std::collections::HashMap<String, u32> = query(url, redis::cmd("HGETALL").arg("test:runs"));
    assert_eq!(runs.len(), EVENTS);
    assert!(runs.values().all(|&n| n == 1), "a message was handled twice");
    for (_, channel) in friends {
        let seen: Vec<usize> = query(
            url,
            redis::cmd("LRANGE")
                .arg(format!("test:seen:{channel}"))
                .arg(0)
                .arg(-1),
        );
        let expected: Vec<usize> = (0..EVENTS / friends.len()).collect();
        assert_eq!(seen, expected, "channel {channel} in order");
    }
}

/// Every live worker's cache: as the direct connection's, and as the
/// server's state seen by a fresh connection (which is returned).
async fn assert_caches(
    server: &stoat_emulator::Emulator,
    bot: &stoat_emulator::Account,
    friends: &[(stoat_emulator::Account, stoat::ChannelId)],
    reference: &Client,
    workers: &Running,
) -> Client {
    let fresh = support::client(server, bot);
    let mut fresh_events = fresh.connect().await.expect("connects");
    while let Some(event) = fresh_events.next().await {
        if matches!(event.expect("no error"), Event::Ready(_)) {
            break;
        }
    }
    for (worker, _) in workers {
        let cache = worker.client().cache();
        for (friend, channel) in friends {
            assert_eq!(
                cache.user(friend.id),
                fresh.cache().user(friend.id),
                "user {}",
                friend.id
            );
            // The messages were written as raw frames, which the server
            // does not keep: the channels are compared with the direct
            // connection's, which read the same frames.
            assert!(fresh.cache().channel(*channel).is_some());
            assert_eq!(cache.channel(*channel), reference.cache().channel(*channel));
            let ids = |c: &stoat::cache::Cache| c.messages(*channel).iter().map(|m| m.id).collect::<Vec<_>>();
            assert_eq!(ids(cache), ids(reference.cache()), "messages of {channel}");
        }
    }
    fresh
}
