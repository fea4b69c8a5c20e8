//! A bounded chaos run: the facade against the local server while faults
//! are injected at random (dropped connections, 502/503s, slow and broken
//! answers, malformed frames). The bot keeps working, every message sent
//! after a `Ready` reaches it exactly once, and at the end its cache agrees
//! with the server.

mod support;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use stoat::{Event, Events, MessageId, RelationshipStatus};
use stoat_emulator::RestFaultKind;

const ROUNDS: u64 = 40;

struct XorShift(u64);

impl XorShift {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// What the bot saw.
#[derive(Default)]
struct Seen {
    messages: HashMap<MessageId, usize>,
    readies: u64,
    decode_errors: u64,
}

/// Reads events until `done` says so, tolerating non-fatal errors.
async fn read_until(events: &mut Events, seen: &mut Seen, done: impl Fn(&Seen) -> bool) {
    let wait = async {
        while !done(seen) {
            match events.next().await.expect("the stream goes on") {
                Ok(Event::Message(new)) => *seen.messages.entry(new.message.id).or_default() += 1,
                Ok(Event::Ready(_)) => seen.readies += 1,
                Ok(_) => {}
                Err(error) => {
                    assert!(!error.is_terminal(), "{error:?}");
                    seen.decode_errors += 1;
                }
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), wait)
        .await
        .expect("in time");
}

/// Injects fault `kind`; waits for what must follow (a new session, the
/// decode error) so that nothing later races with it.
async fn inject(
    kind: u64,
    server: &stoat_emulator::Emulator,
    bot: stoat::UserId,
    events: &mut Events,
    seen: &mut Seen,
) {
    match kind {
        0 => {
            let before = seen.readies;
            server.drop_connections(bot);
            read_until(events, seen, |s| s.readies > before).await;
        }
        1 => server.fail_rest("/users", RestFaultKind::BadGateway, 1),
        2 => server.fail_rest("/channels", RestFaultKind::ServiceUnavailable, 1),
        3 => server.fail_rest("/users", RestFaultKind::Slow(Duration::from_millis(100)), 1),
        4 => {
            let before = seen.decode_errors;
            server.send_raw(bot, r#"{"type":"UserUpdate","id":"not an id"}"#);
            read_until(events, seen, |s| s.decode_errors > before).await;
        }
        5 => server.fail_rest("/channels", RestFaultKind::DroppedMidResponse, 1),
        _ => {}
    }
}

/// The bot's cache ends as the server says: each peer's last status, and
/// the relationship and DM.
async fn cache_agrees(bot: &stoat::Client, latest_status: &HashMap<stoat::UserId, String>) {
    for (peer, status) in latest_status {
        let deadline = Instant::now() + Duration::from_secs(5);
        while bot
            .cache()
            .user(*peer)
            .and_then(|u| u.status)
            .and_then(|s| s.text)
            .as_deref()
            != Some(status.as_str())
        {
            assert!(Instant::now() < deadline, "the cache never caught up with {peer}");
            tokio::task::yield_now().await;
        }
        let on_server = bot.user(*peer).fetch().await.expect("fetch");
        let cached = bot.cache().user(*peer).expect("cached");
        assert_eq!(cached.status, on_server.status);
        assert_eq!(cached.relationship, RelationshipStatus::Friend);
        assert_eq!(
            bot.user(*peer).dm_channel_id(),
            bot.user(*peer).fetch_channel_id().await.ok()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bot_keeps_working_under_random_faults() {
    let server = support::server(false).await;
    let bot_account = server.create_user("bot");
    let peers: Vec<_> = ["alice", "bob"].iter().map(|n| server.create_user(n)).collect();
    let peer_clients: Vec<_> = peers.iter().map(|p| support::client(&server, p)).collect();
    for peer in &peers {
        support::befriend(&server, peer, &bot_account).await;
    }
    let (bot, mut events) = support::connected(&server, &bot_account).await;
    let mut seen = Seen {
        readies: 1,
        ..Seen::default()
    };
    let mut rng = XorShift(0x00C0_FFEE);
    let mut faults = [0u32; 7];
    let mut sent = Vec::new();
    let mut latest_status = HashMap::new();
    let started = Instant::now();

    for round in 0..ROUNDS {
        // A peer changes status and writes (no fault armed yet: faults are
        // for the bot); the bot reads the message.
        let i = usize::try_from(rng.below(2)).unwrap_or(0);
        let (peer, peer_client) = (&peers[i], &peer_clients[i]);
        let status = format!("round {round}");
        peer_client
            .me()
            .await
            .expect("peer")
            .edit()
            .status_text(status.clone())
            .await
            .expect("status");
        latest_status.insert(peer.id, status);
        let message = peer_client
            .user(bot_account.id)
            .send(format!("hello {round}"))
            .await
            .expect("send");
        sent.push(message.id);
        read_until(&mut events, &mut seen, |s| s.messages.contains_key(&message.id)).await;

        // A fault, which the bot's next requests or its connection meet.
        // Every kind once, then at random.
        let fault = if round < 7 { round } else { rng.below(7) };
        faults[usize::try_from(fault).unwrap_or(0)] += 1;
        inject(fault, &server, bot_account.id, &mut events, &mut seen).await;
        let reply = bot
            .user(peer.id)
            .send_with(|m| {
                m.content(format!("ack {round}"))
                    .idempotency_key(format!("ack-{round}"))
            })
            .await;
        match reply {
            Ok(_) => {}
            Err(stoat::Error::Http(error)) if matches!(error.kind(), stoat::http::ErrorKind::AlreadySent) => {
            }
            Err(error) => panic!("round {round}: the bot's reply failed: {error:?}"),
        }
        bot.user(peer.id).fetch().await.expect("the bot can still fetch");
    }

    // Let the last status changes arrive, then compare with the server.
    let (stop, driver) = support::drive(events);
    cache_agrees(&bot, &latest_status).await;
    stop.send(()).expect("driver runs");
    driver.await.expect("driver ends");

    let lost = sent.iter().filter(|id| !seen.messages.contains_key(id)).count();
    let duplicated = seen.messages.values().filter(|n| **n > 1).count();
    println!(
        "chaos: {ROUNDS} rounds in {:.2?}; faults by kind (drop, 502, 503, slow, malformed frame, dropped answer, none): {faults:?}; \
         {} sessions; {} messages sent to the bot, {lost} lost, {duplicated} duplicated; {} non-fatal decode errors",
        started.elapsed(),
        seen.readies,
        sent.len(),
        seen.decode_errors,
    );
    assert_eq!((lost, duplicated), (0, 0));
    assert_eq!(
        seen.decode_errors,
        u64::from(faults[4]),
        "each malformed frame is one non-fatal error"
    );
    bot.close();
    server.shutdown().await;
}
