//! How the facade's events connection starts and ends, seen by `wait_for`
//! and by `run` handlers: waiting inside a handler, the end of a dropped
//! stream, a `close` racing a `connect`, and a `wait_for` test that panics.

mod support;

use std::sync::Mutex;
use std::task::Poll;
use std::time::Duration;

use futures_util::StreamExt;
use stoat::event::{MessageCreate, Ready};
use stoat::{Client, Error, Event, EventHandler};
use tokio::sync::{Notify, oneshot};

/// Asks for an answer when it sees "question", waiting inside its handler;
/// takes its time over "slow" (until released).
#[derive(Default)]
struct Asker {
    ready: Notify,
    slow: Notify,
    released: Notify,
    answer: Mutex<Option<oneshot::Sender<Result<String, Error>>>>,
}

impl EventHandler for Asker {
    async fn on_ready(&self, _: &Client, _: &Ready) {
        self.ready.notify_one();
    }

    async fn on_message(&self, client: &Client, event: &MessageCreate) {
        let message = &event.message;
        if message.text() == "slow" {
            self.slow.notify_one();
            self.released.notified().await;
        }
        if message.text() != "question" {
            return;
        }
        let author = message.author;
        let answer = client
            .wait_for(
                move |e| matches!(e, Event::Message(new) if new.message.author == author && new.message.text() == "answer"),
                Duration::from_secs(5),
            )
            .await
            .map(|e| match e {
                Event::Message(new) => new.message.text().to_owned(),
                other => format!("{other:?}"),
            });
        if let Some(sender) = self.answer.lock().unwrap().take() {
            let _ = sender.send(answer);
        }
        client.close();
    }
}

/// The bot runs an [`Asker`] while Alice, its friend, follows `script`
/// (with her handle on the bot) once the bot is ready; the answer the
/// "question" handler saw.
async fn ask(script: impl AsyncFnOnce(&stoat::UserHandle, &Client, &Asker)) -> Result<String, Error> {
    let server = support::server(false).await;
    let (bot_account, alice_account) = (server.create_user("bot"), server.create_user("alice"));
    support::befriend(&server, &alice_account, &bot_account).await;
    let (bot, alice) = (
        support::client(&server, &bot_account),
        support::client(&server, &alice_account),
    );
    let (sender, answer) = oneshot::channel();
    let asker = Asker {
        answer: Mutex::new(Some(sender)),
        ..Asker::default()
    };
    let to_bot = alice.user(bot_account.id);
    let script = async {
        asker.ready.notified().await;
        script(&to_bot, &bot, &asker).await;
        answer.await.expect("the handler ran")
    };
    let (outcome, answer) = tokio::join!(bot.run(&asker), script);
    outcome.expect("run ends cleanly after close");
    server.shutdown().await;
    answer
}

#[tokio::test]
async fn a_run_handler_can_wait_for_a_later_event() {
    let answer = ask(async |to_bot, _, _| {
        // After `on_ready` has returned nothing is read ahead: "answer"
        // comes while the "question" handler waits, not before it.
        to_bot.send("question").await.expect("question");
        to_bot.send("answer").await.expect("answer");
    })
    .await;
    assert_eq!(answer.expect("seen from inside the handler"), "answer");
}

#[tokio::test]
async fn a_run_handler_sees_a_reply_that_came_while_an_earlier_handler_ran() {
    let answer = ask(async |to_bot, bot, asker| {
        to_bot.send("slow").await.expect("slow");
        asker.slow.notified().await;
        // While "slow" is handled, the question and its answer come and are
        // read: both wait, already seen, for their handlers.
        to_bot.send("question").await.expect("question");
        let reply = to_bot.send("answer").await.expect("answer");
        while bot.cache().message(reply.channel, reply.id).is_none() {
            tokio::task::yield_now().await;
        }
        asker.released.notify_one();
    })
    .await;
    assert_eq!(answer.expect("the reply read ahead is seen"), "answer");
}

#[tokio::test]
async fn a_dropped_stream_ends_the_connection_for_wait_for() {
    let server = support::server(false).await;
    let account = server.create_user("bot");
    let (bot, events) = support::connected(&server, &account).await;
    let mut waiting = std::pin::pin!(bot.wait_for(|_| false, Duration::from_secs(30)));
    // Polled once, so that it is registered.
    assert!(tokio::time::timeout(Duration::ZERO, &mut waiting).await.is_err());
    drop(events);
    let ended = tokio::time::timeout(Duration::from_secs(5), waiting).await;
    assert!(matches!(ended, Ok(Err(Error::NotConnected))), "{ended:?}");
    assert!(bot.gateway().is_none());
    let later = bot.wait_for(|_| true, Duration::from_secs(30)).await;
    assert!(matches!(later, Err(Error::NotConnected)), "{later:?}");
    server.shutdown().await;
}

#[tokio::test]
async fn a_close_while_connect_looks_up_the_url_ends_the_new_stream() {
    let server = support::server(false).await;
    let account = server.create_user("bot");
    let bot = support::client(&server, &account);
    let mut connecting = std::pin::pin!(bot.connect());
    // Exactly one poll: it sends `GET /` and then waits for the socket,
    // which only the runtime's next turn can report.
    let pending = std::future::poll_fn(|cx| Poll::Ready(connecting.as_mut().poll(cx).is_pending())).await;
    assert!(pending, "still looking up the events URL");
    bot.close();
    let mut events = connecting.await.expect("the stream is built");
    let end = tokio::time::timeout(Duration::from_secs(5), events.next()).await;
    assert!(matches!(end, Ok(None)), "it ends at once");
    assert!(bot.gateway().is_none());
    assert_eq!(server.connections(account.id), 0);
    // A `connect` after the `close` is not affected.
    let (_bot, _events) = support::connected(&server, &account).await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_wait_for_test_that_panics_panics_in_its_caller_and_costs_no_other_waiter() {
    let server = support::server(false).await;
    let account = server.create_user("bot");
    let (bot, events) = support::connected(&server, &account).await;
    // A test may use the client (it runs with no lock held).
    let client = bot.clone();
    let waiter = bot.clone();
    let broken = async move {
        let test = move |_: &Event| {
            assert!(client.gateway().is_some());
            panic!("a broken test")
        };
        waiter.wait_for(test, Duration::from_secs(5)).await
    };
    let mut broken = Box::pin(broken);
    let mut patient =
        std::pin::pin!(bot.wait_for(|e| matches!(e, Event::UserUpdate(_)), Duration::from_secs(5)));
    // Polled once each, so that both are registered before any event.
    assert!(tokio::time::timeout(Duration::ZERO, &mut broken).await.is_err());
    assert!(tokio::time::timeout(Duration::ZERO, &mut patient).await.is_err());
    let broken = tokio::spawn(broken);
    let (stop, driver) = support::drive(events);
    let me = bot.me().await.expect("me");
    me.edit().status_text("here").await.expect("edit");
    let panicked = broken.await.expect_err("the test's panic resumes in wait_for");
    assert!(panicked.is_panic());
    let seen = patient.await;
    assert!(matches!(seen, Ok(Event::UserUpdate(_))), "{seen:?}");
    stop.send(()).expect("driver runs");
    driver.await.expect("driver ends");
    server.shutdown().await;
}

#[tokio::test]
async fn typing_without_a_connection_fails_before_it_opens_a_dm() {
    let server = support::server(false).await;
    let (bot_account, alice_account) = (server.create_user("bot"), server.create_user("alice"));
    let bot = support::client(&server, &bot_account);
    let to_alice = bot.user(alice_account.id);
    assert!(matches!(to_alice.begin_typing().await, Err(Error::NotConnected)));
    assert!(matches!(to_alice.typing().await, Err(Error::NotConnected)));
    let dms = bot.http().dm_channels().await.expect("the bot's DMs");
    assert!(
        dms.iter().all(|c| !matches!(c, stoat::Channel::DirectMessage(_))),
        "no DM was opened: {dms:?}"
    );
    server.shutdown().await;
}
