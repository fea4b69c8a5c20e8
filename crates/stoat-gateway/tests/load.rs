//! Load: a thousand forced disconnects in a row, a consumer that stops
//! reading while the server keeps sending, and commands on a busy
//! connection.

#[path = "support/mod.rs"]
mod support;

use std::time::Duration;

use stoat_emulator::Emulator;
use stoat_gateway::ErrorKind;
use stoat_model::event::Event;
use support::{builder, event, friends_with_dm, ready, reconnecting, rss_kib};

/// The number of a `{"type":"SoakMarker","n":…}` event.
fn marker(event: &Event) -> u64 {
    let Event::Unknown(unknown) = event else {
        panic!("expected a marker, got {event:?}")
    };
    assert_eq!(unknown.kind(), "SoakMarker");
    unknown.fields()["n"].as_u64().unwrap()
}

#[tokio::test]
async fn soak_of_1000_forced_disconnects_delivers_every_event_once_and_leaks_nothing() {
    const WARM_UP: u64 = 50;
    const CYCLES: u64 = 1000;
    let emulator = Emulator::start().await.unwrap();
    let (alice, bob) = (emulator.create_user("alice"), emulator.create_user("bob"));
    let dm = friends_with_dm(&emulator, &alice, &bob).await;
    // Every connection is dropped right after its Ready, before a heartbeat
    // could be answered, so each loss counts as one more failed attempt:
    // no delay, so that a thousand cost no waiting.
    let (mut gateway, handle) = builder(&emulator, &alice)
        .backoff(Duration::ZERO, Duration::ZERO)
        .build()
        .unwrap();
    assert_eq!(ready(&mut gateway).await.1, 0);
    let metrics = tokio::runtime::Handle::current().metrics();
    let (mut tasks_before, mut rss_before) = (0, 0);
    let started = std::time::Instant::now();
    for n in 0..WARM_UP + CYCLES {
        if n == WARM_UP {
            // Measured after a warm-up, once allocator pools and buffers exist.
            (tasks_before, rss_before) = (metrics.num_alive_tasks(), rss_kib());
        }
        // Sent after this session's Ready; the drop follows it on the
        // same connection, so it must arrive, and only once.
        emulator.send_raw(alice.id, &format!(r#"{{"type":"SoakMarker","n":{n}}}"#));
        emulator.drop_connections(alice.id);
        assert_eq!(marker(&event(&mut gateway).await), n);
        let reconnect = reconnecting(&mut gateway).await;
        let attempt = u32::try_from(n + 2).unwrap();
        assert_eq!((reconnect.attempt, reconnect.delay), (attempt, Duration::ZERO));
        assert!(matches!(reconnect.cause.kind(), ErrorKind::ConnectionLost));
        assert_eq!(ready(&mut gateway).await.1, n + 1);
    }
    let elapsed = started.elapsed();
    let (tasks_after, rss_after) = (metrics.num_alive_tasks(), rss_kib());

    // Healthy afterwards: events flow, commands reach the server.
    emulator.send_raw(alice.id, r#"{"type":"SoakMarker","n":4242}"#);
    assert_eq!(marker(&event(&mut gateway).await), 4242);
    assert_eq!(emulator.connections(alice.id), 1);
    handle.begin_typing(dm).await.unwrap();
    let Event::ChannelStartTyping(typing) = event(&mut gateway).await else {
        panic!("typing was not relayed")
    };
    assert_eq!((typing.id, typing.user), (dm, alice.id));

    let growth = rss_after.saturating_sub(rss_before);
    println!(
        "soak: {CYCLES} reconnects in {elapsed:?}; alive tasks {tasks_before} -> {tasks_after}; \
         RSS {rss_before} KiB -> {rss_after} KiB (+{growth} KiB)"
    );
    assert!(
        tasks_after <= tasks_before,
        "tasks grew: {tasks_before} -> {tasks_after}"
    );
    assert!(growth < 4 << 10, "RSS grew by {growth} KiB");
}

#[tokio::test]
async fn a_slow_consumer_holds_the_server_back_and_memory_stays_bounded() {
    const COUNT: u16 = 20_000;
    let emulator = Emulator::start().await.unwrap();
    let alice = emulator.create_user("alice");
    let (mut gateway, _handle) = builder(&emulator, &alice).build().unwrap();
    ready(&mut gateway).await;
    let frame = format!(
        r#"{{"type":"UserUpdate","id":"{}","data":{{"status":{{"text":"{}"}}}},"clear":[],"event_id":null}}"#,
        alice.id,
        "x".repeat(2000)
    );
    let total = u64::from(COUNT) * frame.len() as u64;
    let rss_before = rss_kib();
    emulator.flood(alice.id, &frame, usize::from(COUNT));

    // The stream is not polled. The server writes until the socket
    // buffers are full; there is no event for "stalled", so watch its
    // count until it stops moving.
    let mut last = (u64::MAX, 0);
    let mut still = 0;
    while still < 5 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let sent = emulator.raw_sent(alice.id);
        still = if sent == last { still + 1 } else { 0 };
        last = sent;
    }
    let (stalled_frames, stalled_bytes) = last;
    let rss_paused = rss_kib();
    println!(
        "slow consumer: server stalled after {stalled_frames} of {COUNT} frames \
         ({} KiB of {} KiB); RSS +{} KiB while paused",
        stalled_bytes >> 10,
        total >> 10,
        rss_paused.saturating_sub(rss_before)
    );
    assert!(
        stalled_frames < u64::from(COUNT),
        "the client read ahead without being polled"
    );
    assert!(stalled_bytes < 16 << 20, "more than socket buffers can hold");

    // Consumed, every frame arrives in order, and what is in flight never
    // exceeds the socket buffers plus one read buffer.
    let mut peak_in_flight = 0;
    let mut rss_peak = rss_paused;
    for received in 1..=u64::from(COUNT) {
        let Event::UserUpdate(update) = event(&mut gateway).await else {
            panic!("not the flood")
        };
        assert_eq!(update.id, alice.id);
        if received % 1000 == 0 {
            let (sent, _) = emulator.raw_sent(alice.id);
            peak_in_flight = peak_in_flight.max(sent - received);
            rss_peak = rss_peak.max(rss_kib());
        }
    }
    let peak_bytes = peak_in_flight * frame.len() as u64;
    println!(
        "slow consumer: peak in flight {peak_in_flight} frames ({} KiB); peak RSS +{} KiB",
        peak_bytes >> 10,
        rss_peak.saturating_sub(rss_before)
    );
    assert!(peak_bytes < 16 << 20);
    assert!(
        rss_peak.saturating_sub(rss_before) < 32 << 10,
        "memory was not bounded"
    );
}

#[tokio::test]
async fn commands_go_out_while_frames_keep_coming() {
    const COUNT: usize = 5_000;
    let emulator = Emulator::start().await.unwrap();
    let (alice, bob) = (emulator.create_user("alice"), emulator.create_user("bob"));
    let dm = friends_with_dm(&emulator, &alice, &bob).await;
    let (mut gateway, handle) = builder(&emulator, &alice).build().unwrap();
    ready(&mut gateway).await;
    let frame = format!(r#"{{"type":"SoakMarker","n":1,"pad":"{}"}}"#, "x".repeat(500));
    // Frame by frame (not `flood`, which writes them all before the server
    // reads again), so that the server reads what the client sends.
    for _ in 0..COUNT {
        emulator.send_raw(alice.id, &frame);
    }
    // Let them fill the socket, so that a frame is always waiting.
    while emulator.raw_sent(alice.id).0 < 1_000 {
        tokio::task::yield_now().await;
    }
    let before = emulator.frames_received(alice.id);
    handle.begin_typing(dm).await.expect("queued");
    let mut read = 0;
    while emulator.frames_received(alice.id) == before {
        marker(&event(&mut gateway).await);
        read += 1;
        // One runtime thread: give the server its turn to read.
        tokio::task::yield_now().await;
        assert!(read < 100, "the command waited behind {read} frames");
    }
    drop(handle);
}
