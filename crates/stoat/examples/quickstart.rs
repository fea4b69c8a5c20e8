//! The quickstart bot: README's main job.
//!
//! With no configuration it starts the embedded local Stoat server, creates
//! the bot's account and a second user, Alice, and shows the bot at work:
//! reading itself, setting its status, accepting Alice's friend request,
//! opening the DM, talking with her, reacting to her messages and reading
//! the history back, all while the cache follows the events.
//!
//! With `STOAT_TOKEN` set it runs against a real instance (`STOAT_API_URL`,
//! default the official one; `STOAT_TOKEN_KIND=session` for a user token,
//! bot by default) for `STOAT_RUN_SECONDS` (default 60): it reads itself,
//! then accepts friend requests and answers `!ping` in DMs.
//!
//! Run: `cargo run -p stoat-sdk --example quickstart`

use std::error::Error;
use std::process::ExitCode;
use std::time::Duration;

use futures_util::StreamExt;
use stoat::model::Presence;
use stoat::{Client, Event, Events, RelationshipStatus, Token};

type Outcome = Result<(), Box<dyn Error + Send + Sync>>;

#[tokio::main]
async fn main() -> ExitCode {
    let outcome = match Client::builder_from_env() {
        Some(builder) => against_an_instance(builder.build()).await,
        None => against_the_local_server().await,
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One sentence: what was being done, and why it failed.
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Waits for the next event that `matches`, printing the others.
async fn next_event(
    events: &mut Events,
    matches: impl Fn(&Event) -> bool,
) -> Result<Event, Box<dyn Error + Send + Sync>> {
    let wait = async {
        while let Some(event) = events.next().await {
            let event = event?;
            if matches(&event) {
                return Ok(event);
            }
            println!("   (event: {})", describe(&event));
        }
        Err("the events connection ended".into())
    };
    tokio::time::timeout(Duration::from_secs(10), wait)
        .await
        .map_err(|_| "no such event within 10 s")?
}

/// An event in a few words, as a person would say it.
fn describe(event: &Event) -> String {
    match event {
        Event::Ready(ready) => {
            let users = ready.state.users.as_ref().map_or(0, Vec::len);
            let plural = if users == 1 { "" } else { "s" };
            format!(
                "a session began (number {}), knowing {users} user{plural}",
                ready.session
            )
        }
        Event::UserUpdate(update) => format!("user {} changed", update.id),
        Event::Relationship(change) => format!(
            "{} is now {} to the bot",
            change.user.tag(),
            change.after.as_str()
        ),
        Event::Message(new) => format!("{} wrote “{}”", new.message.author, new.message.text()),
        Event::VoiceState(voice) => format!("{} changed their voice state", voice.user),
        Event::ChannelCreate(created) => match created.channel.id() {
            Some(id) => format!("channel {id} was opened"),
            None => "a channel was opened".to_owned(),
        },
        Event::ChannelUpdate(update) => format!("channel {} changed", update.id),
        Event::Typing(typing) if typing.started => format!("{} is typing", typing.user),
        Event::Typing(typing) => format!("{} stopped typing", typing.user),
        Event::Reconnecting(reconnect) => format!("reconnecting (attempt {})", reconnect.attempt()),
        Event::Other(other) => format!("a {:?} event", other.event.kind()),
        _ => "another event".to_owned(),
    }
}

pub(crate) async fn against_the_local_server() -> Outcome {
    println!("Starting the local Stoat server (no STOAT_TOKEN set)…");
    let server = stoat_emulator::Emulator::start().await?;
    let bot_account = server.create_user("quickstart");
    let alice_account = server.create_user("alice");
    println!("   API at {}, events at {}", server.api_url(), server.ws_url());

    let bot = Client::builder(Token::Session(bot_account.token.clone()))
        .api_url(server.api_url())
        .build();
    // Alice uses the REST client alone, as a second person would.
    let alice = stoat::http::Client::builder()
        .api_url(server.api_url())
        .token(Token::Session(alice_account.token.clone()))
        .build();

    println!("\n1. Connecting the bot's events (the URL comes from GET /)");
    let mut events = bot.connect().await?;
    let ready = next_event(&mut events, |e| matches!(e, Event::Ready(_))).await?;
    println!("   {}", describe(&ready));

    println!("\n2. Reading itself");
    let me = bot.me().await?;
    let user = me.cached().ok_or("the cache knows the bot after Ready")?;
    println!("   I am {} ({}), mention {}", user.tag(), user.id, me.mention());

    println!("\n3. Setting a status");
    let edited = me
        .edit()
        .status_text("Running the quickstart")
        .presence(Presence::Online)
        .await?;
    let status = edited.status.and_then(|s| s.text).unwrap_or_default();
    println!("   status: {status}");

    println!("\n4. Alice sends a friend request by name; the bot accepts it");
    alice
        .send_friend_request(&user.username, user.discriminator)
        .await?;
    let request = next_event(
        &mut events,
        |e| matches!(e, Event::Relationship(change) if change.after == RelationshipStatus::Incoming),
    )
    .await?;
    println!("   {}", describe(&request));
    let alice_user = bot.user(alice_account.id);
    alice_user.accept_friend_request().await?;
    next_event(
        &mut events,
        |e| matches!(e, Event::Relationship(change) if change.after == RelationshipStatus::Friend),
    )
    .await?;
    println!(
        "   friends now: the cache says {}",
        alice_user.relationship().as_str()
    );

    talk(&bot, &mut events, &alice, alice_account.id).await?;

    bot.close();
    while events.next().await.is_some() {}
    server.shutdown().await;
    println!("\nDone: the events connection is closed and the local server stopped.");
    Ok(())
}

/// Steps 5 to 8: the DM, a conversation, the history, what the two share.
async fn talk(
    bot: &Client,
    events: &mut Events,
    alice: &stoat::http::Client,
    alice_id: stoat::UserId,
) -> Outcome {
    let alice_user = bot.user(alice_id);
    println!("\n5. Opening the DM and saying hello");
    let hello = alice_user.send("Hello Alice, I am the quickstart bot!").await?;
    println!("   sent “{}” in DM {}", hello.text(), hello.channel);

    println!("\n6. Alice answers; the bot reacts to her message");
    alice.send_message(hello.channel).content("Hi bot! !ping").await?;
    let answer = next_event(
        events,
        |e| matches!(e, Event::Message(new) if new.message.author == alice_id),
    )
    .await?;
    if let Event::Message(new) = answer {
        let message = &new.message;
        println!("   Alice said “{}”", message.text());
        if message.text().contains("!ping") {
            // Answered in the channel the message came from.
            let channel = bot.channel(message.channel);
            let _typing = channel.typing().await?;
            bot.reply(message, "pong").await?;
            println!("   replied pong (typing shown meanwhile)");
        }
    }

    println!("\n7. Reading the DM's history back");
    let history = alice_user
        .history(|q| q.limit(10).sort(stoat::model::message::MessageSort::Oldest))
        .await?;
    let messages = match history {
        stoat::model::BulkMessageResponse::Messages(messages) => messages,
        stoat::model::BulkMessageResponse::WithUsers(with) => with.messages,
    };
    for message in &messages {
        // Names come from the cache, which the events keep current.
        let author = bot
            .cache()
            .user(message.author)
            .map_or_else(|| message.author.to_string(), |u| u.tag());
        println!("   {author}: {}", message.text());
    }
    println!(
        "   the cache holds {} of them so far (events not yet read hold the rest)",
        alice_user.messages().len()
    );

    println!("\n8. What the two have in common");
    let mutuals = alice_user.mutuals().await?;
    println!(
        "   {} mutual friends, {} DMs in common",
        mutuals.users.len(),
        mutuals.channels.len()
    );

    Ok(())
}

async fn against_an_instance(client: Client) -> Outcome {
    let seconds: u64 = std::env::var("STOAT_RUN_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);

    let mut events = client.connect().await?;
    let ready = next_event(&mut events, |e| matches!(e, Event::Ready(_))).await?;
    println!("{}", describe(&ready));
    let me = client.me().await?;
    if let Some(user) = me.cached() {
        println!("I am {} with {} relationships", user.tag(), me.relations().len());
    }
    println!("Accepting friend requests and answering !ping in DMs for {seconds} s…");
    let run = async {
        while let Some(event) = events.next().await {
            match event? {
                Event::Relationship(change) if change.after == RelationshipStatus::Incoming => {
                    println!("friend request from {}", change.user.tag());
                    client.user(change.user.id).accept_friend_request().await?;
                }
                Event::Message(new) if new.message.text() == "!ping" && new.message.author != me.id() => {
                    client.reply(&new.message, "pong").await?;
                }
                other => println!("{}", describe(&other)),
            }
        }
        Ok::<_, Box<dyn Error + Send + Sync>>(())
    };
    let _ = tokio::time::timeout(Duration::from_secs(seconds), run).await;
    client.close();
    Ok(())
}
