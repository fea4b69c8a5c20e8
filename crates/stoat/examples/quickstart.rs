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
//! Run: `cargo run -p stoat --example quickstart`

use std::error::Error;
use std::time::Duration;

use futures_util::StreamExt;
use stoat::model::Presence;
use stoat::{Client, Event, Events, RelationshipStatus, Token};

type Outcome = Result<(), Box<dyn Error + Send + Sync>>;

#[tokio::main]
async fn main() -> Outcome {
    match Client::builder_from_env() {
        Some(builder) => against_an_instance(builder.build()).await,
        None => against_the_local_server().await,
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

fn describe(event: &Event) -> String {
    match event {
        Event::Ready { session, ready } => format!(
            "Ready, session {session}, {} users",
            ready.users.as_ref().map_or(0, Vec::len)
        ),
        Event::UserUpdate { id, changes, .. } => format!("UserUpdate of {id}: {changes:?}"),
        Event::Relationship { user, after, .. } => format!("Relationship with {}: {after:?}", user.username),
        Event::Message(message) => format!("Message from {}: {:?}", message.author, message.content),
        Event::VoiceState { user, .. } => format!("VoiceState of {user}"),
        Event::Channel { id, before: None, .. } => format!("channel {id} created"),
        Event::Channel { id, .. } => format!("channel {id} changed"),
        Event::Typing { user, started, .. } => format!("{user} typing: {started}"),
        Event::Reconnecting(reconnect) => format!("Reconnecting (attempt {})", reconnect.attempt),
        Event::Other(event) => format!("{:?}", event.kind()),
        other => format!("{other:?}").chars().take(80).collect(),
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
    let ready = next_event(&mut events, |e| matches!(e, Event::Ready { .. })).await?;
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
    println!("   status: {:?}", edited.status.and_then(|s| s.text));

    println!("\n4. Alice sends a friend request by name; the bot accepts it");
    alice
        .send_friend_request(&user.username, user.discriminator)
        .await?;
    let request = next_event(&mut events, |e| {
        matches!(
            e,
            Event::Relationship {
                after: RelationshipStatus::Incoming,
                ..
            }
        )
    })
    .await?;
    println!("   {}", describe(&request));
    let alice_user = bot.user(alice_account.id);
    alice_user.accept_friend_request().await?;
    next_event(&mut events, |e| {
        matches!(
            e,
            Event::Relationship {
                after: RelationshipStatus::Friend,
                ..
            }
        )
    })
    .await?;
    println!("   friends now: the cache says {:?}", alice_user.relationship());

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
    println!("   sent {:?} in DM {}", hello.content, hello.channel);

    println!("\n6. Alice answers; the bot reacts to her message");
    alice.send_message(hello.channel).content("Hi bot! !ping").await?;
    let answer = next_event(events, |e| matches!(e, Event::Message(m) if m.author == alice_id)).await?;
    if let Event::Message(message) = answer {
        println!("   Alice said {:?}", message.content);
        if message.content.as_deref().is_some_and(|c| c.contains("!ping")) {
            let _typing = alice_user.typing().await?;
            alice_user
                .send_with(|m| m.content("pong").reply(message.id, false))
                .await?;
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
        println!("   {author}: {}", message.content.as_deref().unwrap_or(""));
    }
    println!(
        "   the cache holds {} of them so far (events not yet read hold the rest)",
        alice_user.messages().len()
    );

    println!("\n8. What the two have in common");
    let mutuals = alice_user.mutuals().await?;
    println!(
        "   mutual friends {:?}, DMs {:?}",
        mutuals.users, mutuals.channels
    );

    Ok(())
}

async fn against_an_instance(client: Client) -> Outcome {
    let seconds: u64 = std::env::var("STOAT_RUN_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);

    let mut events = client.connect().await?;
    let ready = next_event(&mut events, |e| matches!(e, Event::Ready { .. })).await?;
    println!("{}", describe(&ready));
    let me = client.me().await?;
    if let Some(user) = me.cached() {
        println!("I am {} with {} relationships", user.tag(), me.relations().len());
    }
    println!("Accepting friend requests and answering !ping in DMs for {seconds} s…");
    let run = async {
        while let Some(event) = events.next().await {
            match event? {
                Event::Relationship {
                    user,
                    after: RelationshipStatus::Incoming,
                    ..
                } => {
                    println!("friend request from {}", user.tag());
                    client.user(user.id).accept_friend_request().await?;
                }
                Event::Message(message)
                    if message.content.as_deref() == Some("!ping") && message.author != me.id() =>
                {
                    client.user(message.author).send("pong").await?;
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
