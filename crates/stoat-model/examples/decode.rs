//! Decodes real payloads recorded from the official server and prints them.
//!
//! Run: `cargo run -p stoat-model --example decode`

use stoat_model::event::{Event, Format};
use stoat_model::{Discriminator, User};

const FRIEND: &str = include_str!("../../../fixtures/rest/setup_users_fetch_bob_friend.json");
const USER_UPDATE: &str = include_str!("../../../fixtures/events/ws_event_UserUpdate.json");

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// What the example ends with: an error of any kind, printed as a sentence.
type Outcome = Result<(), Box<dyn std::error::Error>>;

fn run() -> Outcome {
    // A REST exchange: decode its body as a user.
    let exchange: serde_json::Value = serde_json::from_str(FRIEND)?;
    let mut bob: User = serde_json::from_value(exchange["body"].clone())?;
    println!(
        "GET {} ->",
        exchange["request"]["path"].as_str().unwrap_or_default()
    );
    println!(
        "  {} ({}), relationship {}, online {}",
        bob.tag(),
        bob.mention(),
        bob.relationship,
        bob.is_online()
    );
    println!("  created {}", bob.id.created_at());
    println!("  default avatar #{}", bob.default_avatar().number());

    // A gateway frame: decode by its tag and apply it as the server does.
    if let Event::UserUpdate(update) = Event::decode(Format::Json, USER_UPDATE.as_bytes())? {
        update
            .id
            .eq(&bob.id)
            .then_some(())
            .ok_or("the update is for another user")?;
        let changed = bob.apply_update(&update.data, &update.clear);
        println!("UserUpdate -> changed {changed:?}");
        let status = bob
            .status
            .as_ref()
            .map(|s| (s.text.as_deref(), s.presence.as_ref().map(ToString::to_string)));
        println!("  status now {status:?}");
    }

    // Typed errors instead of panics for bad input.
    let bad = serde_json::from_str::<User>(r#"{"_id":"not-a-ulid","username":"x","discriminator":"0001"}"#);
    println!("bad id -> {}", bad.map(|_| ()).unwrap_err());
    println!(
        "bad discriminator -> {}",
        "12345".parse::<Discriminator>().unwrap_err()
    );
    Ok(())
}
