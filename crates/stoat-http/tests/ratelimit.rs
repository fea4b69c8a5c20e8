//! The rate limiter against the local server's real limits (windows
//! shortened): it waits instead of earning 429s, and a 429 that happens
//! anyway is retried after its `retry_after`.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use stoat_http::ratelimit::NoRateLimiter;
use stoat_http::{Client, ErrorKind, RetryPolicy};
use stoat_model::ErrorBody;
use tokio::task::JoinSet;

const WINDOW: Duration = Duration::from_millis(200);

/// 1,000 requests at once over four buckets: `users` (20 per window),
/// `channels` of the DM (15), `messaging` of the DM (10) and
/// `default_avatar` (255). With retries off, any 429 would surface as an
/// error: there must be none, and the run must take about the minimum the
/// limits allow.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_over_several_buckets_earns_no_429() {
    let server = support::server_with(stoat_emulator::Config {
        rate_limit_window: WINDOW,
        ..stoat_emulator::Config::default()
    })
    .await;
    // Friends are made before the burst, in their own windows.
    let f = support::friends(&server).await;
    tokio::time::sleep(WINDOW).await;
    let client = Client::builder()
        .api_url(server.api_url())
        .token(support::token(&f.alice))
        .retry(RetryPolicy::none())
        .build();

    let plan: [(&str, u32, u32); 4] = [
        ("users", 300, 20),
        ("channels", 285, 15),
        ("messaging", 190, 10),
        ("default_avatar", 225, 255),
    ];
    let started = Instant::now();
    let mut tasks = JoinSet::new();
    for (bucket, count, _) in plan {
        for i in 0..count {
            let (client, dm, alice) = (client.clone(), f.dm, f.alice.id);
            tasks.spawn(async move {
                match bucket {
                    "users" => client.current_user().await.map(drop),
                    "channels" => client.messages(dm).limit(1).await.map(drop),
                    "messaging" => client
                        .send_message(dm)
                        .content(format!("burst {i}"))
                        .await
                        .map(drop),
                    _ => client.default_avatar(alice).await.map(drop),
                }
            });
        }
    }
    let mut refused = 0;
    let mut other_errors = Vec::new();
    while let Some(result) = tasks.join_next().await {
        match result.expect("no task panics") {
            Ok(()) => {}
            Err(error) if error.status() == Some(429) => refused += 1,
            Err(error) => other_errors.push(error),
        }
    }
    let elapsed = started.elapsed();
    let total: u32 = plan.iter().map(|(_, count, _)| count).sum();
    // The busiest bucket needs ceil(count / limit) windows: it can finish at
    // the start of its last one.
    let windows = plan
        .iter()
        .map(|(_, count, limit)| count.div_ceil(*limit))
        .max()
        .unwrap_or(1);
    let minimum = WINDOW * (windows - 1);
    println!(
        "burst: {total} requests, {refused} x 429, {:.2?} against a minimum of {minimum:.2?} ({:.2}x)",
        elapsed,
        elapsed.as_secs_f64() / minimum.as_secs_f64()
    );
    assert_eq!(total, 1000);
    assert!(other_errors.is_empty(), "{other_errors:?}");
    assert_eq!(refused, 0, "the limiter waited instead");
    assert!(elapsed >= minimum, "faster than the limits allow: {elapsed:?}");
    assert!(
        elapsed < minimum * 2,
        "{elapsed:?} is far over the minimum {minimum:?}"
    );
    server.shutdown().await;
}

/// Without the limiter, the third edit in a window earns a 429: retried
/// after its `retry_after`, it succeeds; with retries off it surfaces with
/// the limiter's body.
#[tokio::test]
async fn a_429_is_retried_after_retry_after() {
    let server = support::server_with(stoat_emulator::Config {
        rate_limit_window: WINDOW,
        ..stoat_emulator::Config::default()
    })
    .await;
    let alice = server.create_user("alice");
    let unlimited = |retry| {
        Client::builder()
            .api_url(server.api_url())
            .token(support::token(&alice))
            .rate_limiter(Arc::new(NoRateLimiter))
            .retry(retry)
            .build()
    };
    let retrying = unlimited(RetryPolicy::default());
    let started = Instant::now();
    for i in 0..3 {
        retrying
            .edit_current_user()
            .status_text(format!("edit {i}"))
            .await
            .expect("edits go through");
    }
    assert!(
        started.elapsed() >= WINDOW / 2,
        "the third edit waited for the window"
    );

    let strict = unlimited(RetryPolicy::none());
    let results: Vec<_> = futures_join(&strict).await;
    let error = results
        .into_iter()
        .find_map(Result::err)
        .expect("one of three is refused");
    assert_eq!(error.status(), Some(429));
    assert!(
        matches!(
            error.kind(),
            ErrorKind::Api {
                body: ErrorBody::RateLimited(_),
                ..
            }
        ),
        "{error:?}"
    );
    server.shutdown().await;
}

async fn futures_join(client: &Client) -> Vec<Result<stoat_model::User, stoat_http::Error>> {
    let mut results = Vec::new();
    for i in 0..3 {
        results.push(
            client
                .edit_current_user()
                .status_text(format!("strict {i}"))
                .await,
        );
    }
    results
}
