//! A friend-request auto-responder: accepts every incoming request and
//! greets the new friend in a DM, as an `EventHandler`.
//!
//! With `STOAT_TOKEN` and `STOAT_TOKEN_KIND=session` (bots cannot have friends) it
//! runs against that instance (`STOAT_API_URL`) until stopped. Without it,
//! it starts the local server and has two users send requests, then stops.
//!
//! Run: `cargo run -p stoat-sdk --example friend_responder`

use std::error::Error;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};

use stoat::event::RelationshipUpdate;
use stoat::{Client, EventHandler, RelationshipStatus, Token};

/// Accepts requests; stops after `stop_after` friends (0: never).
struct Responder {
    accepted: AtomicUsize,
    stop_after: usize,
}

impl EventHandler for Responder {
    async fn on_relationship(&self, client: &Client, event: &RelationshipUpdate) {
        if event.after != RelationshipStatus::Incoming {
            return;
        }
        let user = &event.user;
        let them = client.user(user.id);
        match them.accept_friend_request().await {
            Ok(_) => {
                println!("accepted {}", user.tag());
                if let Err(error) = them
                    .send(format!("Hello {}, nice to meet you!", user.shown_name()))
                    .await
                {
                    println!("could not greet {}: {error}", user.tag());
                }
            }
            Err(error) => println!("could not accept {}: {error}", user.tag()),
        }
        if self.accepted.fetch_add(1, Ordering::SeqCst) + 1 == self.stop_after {
            client.close();
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    match respond().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// What the example ends with: an error of any kind, printed as a sentence.
type Outcome = Result<(), Box<dyn Error + Send + Sync>>;

async fn respond() -> Outcome {
    if let Some(builder) = Client::builder_from_env() {
        let responder = Responder {
            accepted: AtomicUsize::new(0),
            stop_after: 0,
        };
        return Ok(builder.build().run(&responder).await?);
    }

    let server = stoat_emulator::Emulator::start().await?;
    let me = server.create_user("responder");
    let client = Client::builder(Token::Session(me.token.clone()))
        .api_url(server.api_url())
        .build();
    let responder = Responder {
        accepted: AtomicUsize::new(0),
        stop_after: 2,
    };
    let visitors = async {
        // Once the responder's session is up, two users ask to be friends.
        while server.connections(me.id) == 0 {
            tokio::task::yield_now().await;
        }
        for name in ["alice", "bob"] {
            let account = server.create_user(name);
            let visitor = Client::builder(Token::Session(account.token))
                .api_url(server.api_url())
                .build();
            visitor.user(me.id).send_friend_request().await?;
            println!("{name} sent a friend request");
        }
        Ok::<_, stoat::Error>(())
    };
    let (run, sent) = tokio::join!(client.run(&responder), visitors);
    sent?;
    run?;
    println!(
        "{} friends made; done.",
        responder.accepted.load(Ordering::SeqCst)
    );
    server.shutdown().await;
    Ok(())
}
