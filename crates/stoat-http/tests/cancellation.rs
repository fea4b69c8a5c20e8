//! Dropping a request at any point (waiting for the rate limiter, or on the
//! wire) leaves nothing behind: the bucket's line moves on, its count is
//! right, and no task outlives the client.

mod support;

use std::time::{Duration, Instant};

use stoat_emulator::RestFaultKind;

#[tokio::test]
async fn dropped_requests_hold_no_place_and_no_task() {
    let server = support::server().await;
    let alice = server.create_user("alice");
    let tasks_before = tokio::runtime::Handle::current().metrics().num_alive_tasks();
    let a = support::client(&server, &alice);

    // Dropped on the wire: the server is slow, the caller gives up.
    server.fail_rest("/users/@me", RestFaultKind::Slow(Duration::from_secs(5)), 1);
    let gave_up = tokio::time::timeout(Duration::from_millis(50), a.current_user().into_future()).await;
    assert!(gave_up.is_err(), "still waiting for the slow server");
    assert_eq!(a.current_user().await.expect("the next one").id, alice.id);

    // Dropped in the limiter's line: `user_edit` allows 2 per window.
    for i in 0..2 {
        a.edit_current_user()
            .status_text(format!("edit {i}"))
            .await
            .expect("edit");
    }
    let waiting = tokio::time::timeout(
        Duration::from_millis(20),
        a.edit_current_user().status_text("dropped").into_future(),
    )
    .await;
    assert!(waiting.is_err(), "the third edit waits for the window");
    // The line is free: the next edit waits for the window only, and the
    // dropped one used no slot (a fourth fits in the same new window).
    let started = Instant::now();
    a.edit_current_user()
        .status_text("third")
        .await
        .expect("after the window");
    a.edit_current_user()
        .status_text("fourth")
        .await
        .expect("same window");
    assert!(
        started.elapsed() < Duration::from_millis(400),
        "{:?}",
        started.elapsed()
    );

    drop(a);
    let settled = stoat_emulator::tasks_settle_to(tasks_before, Duration::from_secs(5)).await;
    assert_eq!(settled, Ok(()), "{tasks_before} tasks before");
    server.shutdown().await;
}
