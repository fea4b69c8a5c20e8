//! The bounds: a worker behind the stream's bound is told how much it
//! missed; events the publisher could not keep while Redis was away are
//! reported, never dropped in silence.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use stoat::{ChannelId, Client, EventHandler, UserId};
use stoat_model::event::Format;
use stoat_redis::{Notice, Publisher, Worker};
use support::redis_server::RedisServer;

struct Nothing;
impl EventHandler for Nothing {}

fn event(n: usize) -> stoat_model::Event {
    let channel: ChannelId = "01HZZZZZZZZZZZZZZZZZZZZZZZ".parse().expect("an id");
    let author: UserId = "01HZZZZZZZZZZZZZZZZZZZZZZ1".parse().expect("an id");
    let frame = support::message_frame(n, channel, author, "hi");
    stoat_model::Event::decode(Format::Json, frame.as_bytes()).expect("decodes")
}

/// Runs a worker until `enough` holds of its notices (within 10 s).
async fn notices_until(url: &str, enough: impl Fn(&[String]) -> bool) -> Vec<String> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let client = Client::builder(stoat::Token::Bot("unused".into())).build();
    let worker = Worker::builder(url, client)
        .on_notice(move |notice: &Notice| sink.lock().unwrap().push(notice.to_string()))
        .connect()
        .await
        .expect("worker");
    let watch = async {
        while !enough(&seen.lock().unwrap()) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::select! {
        outcome = worker.run(&Nothing) => panic!("the worker ended: {outcome:?}"),
        result = tokio::time::timeout(Duration::from_secs(10), watch) => result.expect("the notice comes"),
    }
    seen.lock().unwrap().clone()
}

#[tokio::test]
async fn a_worker_behind_the_bound_is_told_what_it_missed() {
    let redis = RedisServer::start();
    let mut publisher = Publisher::builder(redis.url())
        .max_len(100)
        .connect()
        .await
        .expect("publisher");
    for n in 0..1000 {
        publisher.push_event(event(n));
    }
    publisher.flush().await.expect("published");
    let seen = notices_until(&redis.url(), |seen| !seen.is_empty()).await;
    let missed: u64 = seen[0]
        .strip_prefix("the worker fell behind the stream's bound and missed ")
        .and_then(|rest| rest.strip_suffix(" events"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a lag first: {seen:?}"));
    assert!(
        (800..=900).contains(&missed),
        "about 900 trimmed (in whole nodes): {missed}"
    );
}

#[tokio::test]
async fn events_lost_while_redis_was_away_are_reported() {
    let mut redis = RedisServer::start();
    let mut publisher = Publisher::builder(redis.url())
        .buffer(10)
        .connect()
        .await
        .expect("publisher");
    redis.stop();
    for n in 0..25 {
        publisher.push_event(event(n));
    }
    let error = publisher.flush().await.expect_err("Redis is away");
    assert!(error.is_unavailable(), "{error}");
    assert!(
        error
            .to_string()
            .starts_with("could not publish events in Redis: "),
        "{error}"
    );
    assert_eq!(publisher.buffered(), 10);
    redis.start_again();
    tokio::time::timeout(Duration::from_secs(10), async {
        while publisher.flush().await.is_err() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("published once Redis is back");
    assert_eq!(
        publisher.stats().lost.load(std::sync::atomic::Ordering::Relaxed),
        15
    );
    let seen = notices_until(&redis.url(), |seen| !seen.is_empty()).await;
    assert_eq!(seen, ["the publisher lost 15 events while Redis was away"]);
}
