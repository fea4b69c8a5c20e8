//! The smallest useful bot: answers `!ping` with `pong` in the channel the
//! message came from. Needs `STOAT_TOKEN` (and `STOAT_API_URL` for an
//! instance other than the official one).
//!
//! Run: `STOAT_TOKEN=… cargo run -p stoat-sdk --example echo`

use std::process::ExitCode;

use stoat::event::MessageCreate;
use stoat::{Client, EventHandler};

struct Echo;

impl EventHandler for Echo {
    async fn on_message(&self, client: &Client, event: &MessageCreate) {
        if event.message.text() == "!ping"
            && let Err(error) = client.reply(&event.message, "pong").await
        {
            eprintln!("{error}");
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let Some(builder) = Client::builder_from_env() else {
        eprintln!("error: set STOAT_TOKEN to the bot's token");
        return ExitCode::FAILURE;
    };
    match builder.build().run(&Echo).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
