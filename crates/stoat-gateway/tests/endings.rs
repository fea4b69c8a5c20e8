//! Every way a connection can end, each with its documented outcome: a
//! reconnect (with its cause, attempt and backoff delay) or a terminal
//! error that ends the stream.

#[path = "support/mod.rs"]
mod support;

use std::time::Duration;

use futures_util::StreamExt;
use stoat_emulator::Emulator;
use stoat_gateway::{ErrorKind, Gateway};
use stoat_model::event::{Event, EventKind};
use stoat_model::{ApiErrorKind, Secret};
use support::{builder, event, friends_with_dm, next, ready, reconnecting, terminal};
use tokio::net::TcpListener;
use tokio::time::Instant;

/// Opens a connection and waits until a heartbeat was answered, which is
/// when losing it no longer counts as a failed attempt.
async fn proven(emulator: &Emulator, account: &stoat_emulator::Account) -> (Gateway, stoat_gateway::Handle) {
    let (mut gateway, handle) = builder(emulator, account)
        .heartbeat_interval(Duration::from_millis(10))
        .build()
        .unwrap();
    let mut latency = handle.watch_latency();
    assert_eq!(ready(&mut gateway).await.1, 0);
    // The pong is read while the stream is polled: poll it until then.
    tokio::select! {
        biased;
        changed = latency.changed() => changed.unwrap(),
        item = gateway.next() => panic!("unexpected {item:?}"),
    }
    (gateway, handle)
}

#[tokio::test]
async fn a_dropped_socket_reconnects_at_once_and_queued_commands_go_after_the_new_ready() {
    let emulator = Emulator::start().await.unwrap();
    let (alice, bob) = (emulator.create_user("alice"), emulator.create_user("bob"));
    let dm = friends_with_dm(&emulator, &alice, &bob).await;
    let (mut gateway, handle) = proven(&emulator, &alice).await;
    emulator.drop_connections(alice.id);
    let reconnect = reconnecting(&mut gateway).await;
    // Given while the connection is down: waits for the next session.
    handle.begin_typing(dm).await.unwrap();
    assert_eq!((reconnect.attempt, reconnect.delay), (1, Duration::ZERO));
    assert!(matches!(reconnect.cause.kind(), ErrorKind::ConnectionLost));
    assert_eq!(ready(&mut gateway).await.1, 1, "a fresh Ready, one session later");
    let Event::ChannelStartTyping(typing) = event(&mut gateway).await else {
        panic!("the queued command was lost")
    };
    assert_eq!(typing.id, dm);
    assert_eq!(emulator.connections(alice.id), 1);
}

#[tokio::test]
async fn a_silent_server_is_dead_at_the_pong_deadline() {
    let emulator = Emulator::start().await.unwrap();
    let alice = emulator.create_user("alice");
    let (interval, timeout) = (Duration::from_millis(40), Duration::from_millis(80));
    let (mut gateway, handle) = builder(&emulator, &alice)
        .heartbeat_interval(interval)
        .pong_timeout(timeout)
        .build()
        .unwrap();
    ready(&mut gateway).await;
    emulator.silence_pings(true);
    let silent_since = Instant::now();
    let reconnect = reconnecting(&mut gateway).await;
    assert!(
        matches!(reconnect.cause.kind(), ErrorKind::HeartbeatTimeout { waited } if *waited == timeout),
        "{reconnect:?}"
    );
    assert!(
        silent_since.elapsed() >= interval + timeout,
        "not before the deadline"
    );
    // No ping of this connection was ever answered: a failed attempt.
    assert_eq!(reconnect.attempt, 2);
    emulator.silence_pings(false);
    assert_eq!(ready(&mut gateway).await.1, 1);
    assert!(handle.latency().is_none() || handle.latency() < Some(timeout));
}

#[tokio::test]
async fn a_malformed_frame_is_a_non_fatal_error_and_the_connection_goes_on() {
    let emulator = Emulator::start().await.unwrap();
    let alice = emulator.create_user("alice");
    let (mut gateway, _handle) = builder(&emulator, &alice).build().unwrap();
    ready(&mut gateway).await;
    emulator.send_raw(alice.id, "not an event");
    let bad_payload = r#"{"type":"UserUpdate","id":5}"#;
    emulator.send_raw(alice.id, bad_payload);
    let typing = format!(
        r#"{{"type":"ChannelStopTyping","id":"01M860WMZR57WWSH0P75709DS2","user":"{}"}}"#,
        alice.id
    );
    emulator.send_raw(alice.id, &typing);

    let not_an_event = next(&mut gateway).await.unwrap_err();
    assert!(!not_an_event.is_terminal());
    assert_eq!(not_an_event.decode_error().unwrap().event_kind(), None);

    let bad = next(&mut gateway).await.unwrap_err();
    assert!(!bad.is_terminal());
    let decode = bad.decode_error().unwrap();
    assert_eq!(decode.event_kind(), Some(EventKind::UserUpdate));
    assert_eq!(decode.frame_bytes(), Some(bad_payload.as_bytes()));
    assert!(bad.to_string().contains("UserUpdate"), "{bad}");

    assert!(matches!(event(&mut gateway).await, Event::ChannelStopTyping(_)));
    assert_eq!(emulator.connections(alice.id), 1, "no reconnect");
}

#[tokio::test]
async fn frames_over_the_cap_end_the_connection() {
    let emulator = Emulator::start().await.unwrap();
    let alice = emulator.create_user("alice");
    let (mut gateway, _handle) = builder(&emulator, &alice)
        .max_message_size(16 << 10)
        .build()
        .unwrap();
    ready(&mut gateway).await;
    let huge = format!(r#"{{"type":"Mystery","pad":"{}"}}"#, "x".repeat(20 << 10));
    emulator.send_raw(alice.id, &huge);
    let reconnect = reconnecting(&mut gateway).await;
    assert!(
        matches!(reconnect.cause.kind(), ErrorKind::Protocol),
        "{reconnect:?}"
    );
    assert_eq!(ready(&mut gateway).await.1, 1);
}

#[tokio::test]
async fn a_502_on_upgrade_is_retried_with_doubling_jittered_delays() {
    let emulator = Emulator::start().await.unwrap();
    let alice = emulator.create_user("alice");
    emulator.refuse_upgrades(4);
    let (base, cap) = (Duration::from_millis(20), Duration::from_millis(50));
    let (mut gateway, _handle) = builder(&emulator, &alice).backoff(base, cap).build().unwrap();
    let started = Instant::now();
    let mut waited = Duration::ZERO;
    for attempt in 2..=5 {
        let reconnect = reconnecting(&mut gateway).await;
        assert_eq!(reconnect.attempt, attempt);
        assert!(matches!(
            reconnect.cause.kind(),
            ErrorKind::Rejected { status: 502 }
        ));
        // Ceilings: 20, 40, 50 (capped), 50 ms.
        let ceiling = (base * 2u32.pow(attempt - 2)).min(cap);
        assert!(reconnect.delay <= ceiling, "attempt {attempt}: {reconnect:?}");
        waited += reconnect.delay;
    }
    assert_eq!(ready(&mut gateway).await.1, 0, "the first session");
    assert!(started.elapsed() >= waited, "every delay was waited");
}

/// Under paused time: the whole schedule runs in virtual time, so long
/// delays cost nothing and the waits can be checked exactly. (Refused
/// loopback connects fail at once, with no timer racing the socket.)
#[tokio::test(start_paused = true)]
async fn refused_tcp_connects_back_off_then_give_up() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap().port()
    };
    let (mut gateway, _handle) = Gateway::builder(format!("ws://127.0.0.1:{port}"), Secret::new("t"))
        .backoff(Duration::from_secs(1), Duration::from_secs(4))
        .max_attempts(5)
        .jitter_seed(11)
        .build()
        .unwrap();
    let mut last = Instant::now();
    let mut pending_delay = Duration::ZERO;
    for attempt in 2..=5 {
        let reconnect = reconnecting(&mut gateway).await;
        // The previous attempt was made right after its delay (timers
        // have millisecond resolution).
        assert_waited(last.elapsed(), pending_delay);
        assert_eq!(reconnect.attempt, attempt);
        assert!(
            matches!(reconnect.cause.kind(), ErrorKind::Connect),
            "{reconnect:?}"
        );
        let ceiling = Duration::from_secs(1 << (attempt - 2)).min(Duration::from_secs(4));
        assert!(reconnect.delay <= ceiling);
        (last, pending_delay) = (Instant::now(), reconnect.delay);
    }
    let error = terminal(&mut gateway).await;
    assert_waited(last.elapsed(), pending_delay);
    assert!(
        matches!(error.kind(), ErrorKind::GaveUp { attempts: 5 }),
        "{error:?}"
    );
    let last_cause = std::error::Error::source(&error).unwrap().to_string();
    assert!(last_cause.contains("could not connect"), "{last_cause}");
}

fn assert_waited(elapsed: Duration, delay: Duration) {
    assert!(
        elapsed >= delay && elapsed <= delay + Duration::from_millis(1),
        "waited {elapsed:?} for a delay of {delay:?}"
    );
}

#[tokio::test]
async fn a_server_that_never_upgrades_or_never_sends_ready_times_out() {
    // Accepts TCP connections and never answers the upgrade.
    let mute = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mute_url = format!("ws://{}", mute.local_addr().unwrap());
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = mute.accept().await {
            held.push(stream);
        }
    });
    let (mut gateway, _h) = Gateway::builder(mute_url, Secret::new("t"))
        .connect_timeout(Duration::from_millis(50))
        .max_attempts(1)
        .build()
        .unwrap();
    let error = terminal(&mut gateway).await;
    let cause = std::error::Error::source(&error).unwrap().to_string();
    assert_eq!(cause, "connecting timed out");

    // Upgrades, then never says a word.
    let silent = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_url = format!("ws://{}", silent.local_addr().unwrap());
    let server = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = silent.accept().await {
            if let Ok(socket) = tokio_tungstenite::accept_async(stream).await {
                held.push(socket);
            }
        }
    });
    let (mut gateway, _h) = Gateway::builder(silent_url, Secret::new("t"))
        .ready_timeout(Duration::from_millis(50))
        .backoff(Duration::from_millis(1), Duration::from_millis(1))
        .max_attempts(2)
        .build()
        .unwrap();
    let reconnect = reconnecting(&mut gateway).await;
    assert!(matches!(reconnect.cause.kind(), ErrorKind::ReadyTimeout));
    let error = terminal(&mut gateway).await;
    assert!(matches!(error.kind(), ErrorKind::GaveUp { attempts: 2 }));
    holder.abort();
    server.abort();
}

#[tokio::test]
async fn a_refused_token_is_terminal_and_never_retried() {
    let emulator = Emulator::start().await.unwrap();
    let alice = emulator.create_user("alice");
    let mut account = alice.clone();
    account.token = Secret::new("not-a-token");
    let (mut gateway, handle) = builder(&emulator, &account).build().unwrap();
    let error = terminal(&mut gateway).await;
    let ErrorKind::Authentication(refusal) = error.kind() else {
        panic!("{error:?}")
    };
    assert_eq!(refusal.kind, ApiErrorKind::InvalidSession);
    assert!(!format!("{error:?} {error}").contains("not-a-token"));
    // The stream stays ended: no attempt is made behind the caller's back.
    assert!(gateway.next().await.is_none());
    assert!(handle.is_closed());
}

#[tokio::test]
async fn logout_is_terminal() {
    let emulator = Emulator::start().await.unwrap();
    let alice = emulator.create_user("alice");
    let (mut gateway, _handle) = builder(&emulator, &alice).build().unwrap();
    ready(&mut gateway).await;
    emulator.logout(alice.id);
    let error = terminal(&mut gateway).await;
    assert!(matches!(error.kind(), ErrorKind::LoggedOut));
}

#[tokio::test]
async fn an_auth_error_after_ready_is_terminal() {
    let emulator = Emulator::start().await.unwrap();
    let alice = emulator.create_user("alice");
    let (mut gateway, _handle) = builder(&emulator, &alice).build().unwrap();
    ready(&mut gateway).await;
    // A non-auth error is an ordinary event…
    emulator.send_raw(alice.id, r#"{"type":"Error","data":{"type":"InternalError"}}"#);
    assert!(matches!(event(&mut gateway).await, Event::Error(_)));
    // …an invalid session ends the connection.
    emulator.send_raw(alice.id, r#"{"type":"Error","data":{"type":"InvalidSession"}}"#);
    let error = terminal(&mut gateway).await;
    assert!(matches!(error.kind(), ErrorKind::Authentication(_)));
}

#[tokio::test]
async fn a_server_restart_is_a_lost_connection_then_a_new_session() {
    let mut emulator = Emulator::start().await.unwrap();
    let (alice, bob) = (emulator.create_user("alice"), emulator.create_user("bob"));
    let dm = friends_with_dm(&emulator, &alice, &bob).await;
    let (mut gateway, handle) = proven(&emulator, &alice).await;
    emulator.restart().await.unwrap();
    let reconnect = reconnecting(&mut gateway).await;
    assert_eq!((reconnect.attempt, reconnect.delay), (1, Duration::ZERO));
    assert!(matches!(reconnect.cause.kind(), ErrorKind::ConnectionLost));
    let (_, session) = ready(&mut gateway).await;
    assert_eq!(session, 1);
    handle.begin_typing(dm).await.unwrap();
    assert!(matches!(event(&mut gateway).await, Event::ChannelStartTyping(_)));
}

#[tokio::test]
async fn close_while_reconnecting_ends_the_stream_without_another_attempt() {
    let emulator = Emulator::start().await.unwrap();
    let alice = emulator.create_user("alice");
    emulator.refuse_upgrades(1);
    let (mut gateway, handle) = builder(&emulator, &alice)
        .backoff(Duration::from_secs(3600), Duration::from_secs(3600))
        .build()
        .unwrap();
    let reconnect = reconnecting(&mut gateway).await;
    assert_eq!(reconnect.attempt, 2);
    handle.close();
    let end = tokio::time::timeout(Duration::from_secs(20), gateway.next()).await;
    assert!(end.unwrap().is_none());
    assert_eq!(emulator.connections(alice.id), 0);
}

/// A one-off server: upgrades, waits for `Authenticate`, answers with
/// `greeting` (JSON texts), then holds the socket without reading it.
async fn scripted(greeting: &'static [&'static str]) -> (String, tokio::task::JoinHandle<()>) {
    use futures_util::SinkExt;
    use tokio_tungstenite::tungstenite::Message;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            let Ok(mut socket) = tokio_tungstenite::accept_async(stream).await else {
                continue;
            };
            let _authenticate = socket.next().await;
            for text in greeting {
                let _ = socket.send(Message::text(*text)).await;
            }
            held.push(socket);
        }
    });
    (url, server)
}

#[tokio::test]
async fn a_server_error_during_the_handshake_is_retried() {
    let (url, server) = scripted(&[r#"{"type":"Error","data":{"type":"InternalError"}}"#]).await;
    let (mut gateway, _h) = Gateway::builder(url, Secret::new("t"))
        .backoff(Duration::from_millis(1), Duration::from_millis(1))
        .max_attempts(2)
        .build()
        .unwrap();
    let reconnect = reconnecting(&mut gateway).await;
    let ErrorKind::Server(error) = reconnect.cause.kind() else {
        panic!("{reconnect:?}")
    };
    assert_eq!(error.kind, ApiErrorKind::InternalError);
    assert!(!reconnect.cause.is_terminal());
    assert!(matches!(
        terminal(&mut gateway).await.kind(),
        ErrorKind::GaveUp { attempts: 2 }
    ));
    server.abort();
}

#[tokio::test]
async fn a_server_that_stops_reading_is_dead_when_a_send_gets_stuck() {
    let (url, server) = scripted(&[r#"{"type":"Authenticated"}"#, r#"{"type":"Ready"}"#]).await;
    let (mut gateway, handle) = Gateway::builder(url, Secret::new("t"))
        .pong_timeout(Duration::from_millis(200))
        .command_capacity(1024)
        .build()
        .unwrap();
    ready(&mut gateway).await;
    // Commands until the socket buffers are full and a write cannot finish.
    let server_id = "01M860WMZR57WWSH0P75709DS2".parse().unwrap();
    let flood = tokio::spawn(async move { while handle.subscribe(server_id).await.is_ok() {} });
    let reconnect = reconnecting(&mut gateway).await;
    assert!(
        matches!(reconnect.cause.kind(), ErrorKind::SendTimeout),
        "{reconnect:?}"
    );
    drop(gateway);
    flood.await.unwrap();
    server.abort();
}

#[tokio::test]
async fn the_stream_goes_on_when_every_handle_is_dropped() {
    let emulator = Emulator::start().await.unwrap();
    let alice = emulator.create_user("alice");
    let (mut gateway, handle) = builder(&emulator, &alice).build().unwrap();
    ready(&mut gateway).await;
    drop(handle);
    emulator.send_raw(alice.id, r#"{"type":"Mystery"}"#);
    assert!(matches!(event(&mut gateway).await, Event::Unknown(_)));
    emulator.drop_connections(alice.id);
    // Lost before its first heartbeat was answered: a failed attempt.
    assert_eq!(reconnecting(&mut gateway).await.attempt, 2);
    assert_eq!(ready(&mut gateway).await.1, 1);
}

#[tokio::test]
async fn a_server_that_drops_every_connection_after_ready_is_retried_with_growing_delays_then_given_up() {
    let emulator = Emulator::start().await.unwrap();
    let alice = emulator.create_user("alice");
    let (base, cap) = (Duration::from_millis(5), Duration::from_millis(40));
    let (mut gateway, _handle) = builder(&emulator, &alice).max_attempts(4).build().unwrap();
    let mut waited = Duration::ZERO;
    for attempt in 2..=4 {
        let (_, session) = ready(&mut gateway).await;
        assert_eq!(session, u64::from(attempt) - 2);
        emulator.drop_connections(alice.id);
        let reconnect = reconnecting(&mut gateway).await;
        // Each connection was lost before a heartbeat was answered: the
        // count goes on instead of starting again at an immediate attempt 1.
        assert_eq!(reconnect.attempt, attempt);
        assert!(
            reconnect.delay <= (base * 2u32.pow(attempt - 2)).min(cap),
            "{reconnect:?}"
        );
        waited += reconnect.delay;
    }
    // Full jitter may draw a zero delay once, but (with the fixed seed) not
    // every time: the client does not hammer a flapping server.
    assert!(waited > Duration::ZERO);
    ready(&mut gateway).await;
    emulator.drop_connections(alice.id);
    let error = terminal(&mut gateway).await;
    assert!(
        matches!(error.kind(), ErrorKind::GaveUp { attempts: 4 }),
        "{error:?}"
    );
    assert!(matches!(
        std::error::Error::source(&error)
            .and_then(|e| e.downcast_ref::<stoat_gateway::Error>())
            .map(stoat_gateway::Error::kind),
        Some(ErrorKind::ConnectionLost)
    ));
}
