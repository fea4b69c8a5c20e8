//! A bot across processes, in one command: the local Stoat server, a
//! redis-server of its own (or `REDIS_URL`), a publisher holding the events
//! connection and three workers running the same handler, sharing one rate
//! limit. Friends send messages; each worker says which it handled.
//!
//! ```sh
//! cargo run -p stoat-redis --example scaled_bot
//! ```
//!
//! In production the publisher and each worker are processes of their own
//! (on one host or many); here they are tasks, to show the pieces at once.

#[path = "../tests/support/redis_server.rs"]
#[allow(dead_code, unreachable_pub, reason = "shared with the tests")]
mod redis_server;

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use stoat::event::MessageCreate;
use stoat::{Client, EventHandler, Token};
use stoat_emulator::{Config, Emulator};
use stoat_gateway::Gateway;
use stoat_redis::{Publisher, RedisRateLimiter, Worker};

/// How many messages each friend sends.
const ROUNDS: u32 = 5;

/// The bot's handler: the same as a single-process bot's.
struct Bot {
    name: String,
    handled: Arc<Mutex<BTreeMap<String, u32>>>,
}

impl EventHandler for Bot {
    async fn on_message(&self, client: &Client, event: &MessageCreate) {
        let message = &event.message;
        if client.cache().me_id() == Some(message.author) {
            return;
        }
        println!("[{}] {}: {}", self.name, message.channel, message.text());
        if message.text() == "!ping"
            && let Err(error) = client.reply(message, "pong").await
        {
            eprintln!("[{}] {error}", self.name);
        }
        // Counted once answered: the summary waits for every count.
        *self.handled.lock().unwrap().entry(self.name.clone()).or_default() += 1;
    }
}

/// What the example ends with: an error of any kind, printed as a sentence.
type Outcome = Result<(), Box<dyn std::error::Error>>;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Waits (up to 10 s) until `done` holds.
async fn until(what: &str, done: impl Fn() -> bool) -> Outcome {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !done() {
        if tokio::time::Instant::now() > deadline {
            return Err(format!("timed out waiting until {what}").into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

async fn run() -> Outcome {
    let (_redis, url) = if let Ok(url) = std::env::var("REDIS_URL") {
        (None, url)
    } else {
        let server = redis_server::RedisServer::start();
        let url = server.url();
        (Some(server), url)
    };
    let server = Emulator::start_with(Config {
        rate_limit_window: Duration::from_secs(1),
        ..Config::default()
    })
    .await?;
    let bot = server.create_user("scaled-bot");
    let client_of = |token: Token| Client::builder(token).api_url(server.api_url()).build();
    let bot_client = client_of(Token::Session(bot.token.clone()));

    // Six friends, each in a DM with the bot.
    let mut friends = Vec::new();
    for name in ["ada", "bob", "cy", "dee", "eve", "fay"] {
        let friend = server.create_user(name);
        let friend_client = client_of(Token::Session(friend.token.clone()));
        friend_client.user(bot.id).send_friend_request().await?;
        bot_client.user(friend.id).accept_friend_request().await?;
        let dm = friend_client.http().open_dm(bot.id).await?;
        friends.push((friend_client, dm.id().ok_or("a DM has an id")?));
    }

    // The publisher: the one events connection.
    let (gateway, gateway_handle) = Gateway::builder(server.ws_url(), bot.token.clone()).build()?;
    let mut publisher = Publisher::builder(&url).prefix("scaled-bot").connect().await?;
    let publishing = tokio::spawn(async move { publisher.run(gateway).await });

    // Three workers, one shared rate limit (one egress address).
    let handled = Arc::new(Mutex::new(BTreeMap::new()));
    let (mut workers, mut stats) = (Vec::new(), Vec::new());
    for i in 1..=3 {
        let limiter = RedisRateLimiter::builder(&url, "egress-127.0.0.1")
            .prefix("scaled-bot")
            .window(Duration::from_secs(1))
            .connect()
            .await?;
        let client = Client::builder(Token::Session(bot.token.clone()))
            .api_url(server.api_url())
            .http(|http| http.rate_limiter(Arc::new(limiter)))
            .build();
        let worker = Worker::builder(&url, client)
            .prefix("scaled-bot")
            .name(format!("worker{i}"))
            .lease(Duration::from_secs(1))
            .connect()
            .await?;
        let bot_handler = Bot {
            name: format!("worker{i}"),
            handled: Arc::clone(&handled),
        };
        stats.push(worker.stats());
        workers.push(tokio::spawn(async move { worker.run(&bot_handler).await }));
    }
    // Each worker takes its share of the partitions within a heartbeat or two.
    until("every worker holds partitions", || {
        stats.iter().all(|stats| !stats.held().is_empty())
    })
    .await?;

    for round in 0..ROUNDS {
        for (friend, dm) in &friends {
            let text = if round % 2 == 0 {
                "!ping".to_owned()
            } else {
                format!("hello #{round}")
            };
            friend.channel(*dm).send(text).await?;
        }
    }
    let sent = ROUNDS * u32::try_from(friends.len())?;
    until("every message is answered", || {
        handled.lock().unwrap().values().sum::<u32>() >= sent
    })
    .await?;
    println!("\nmessages handled per worker: {:?}", handled.lock().unwrap());

    gateway_handle.close();
    publishing.await??;
    for worker in workers {
        worker.abort();
    }
    server.shutdown().await;
    Ok(())
}
