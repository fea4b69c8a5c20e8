//! The Stoat (formerly Revolt) SDK for bots: the REST client, the events
//! connection and the cache wired together, with the stoat.py Users API as
//! handles. Installed as `stoat-sdk`, used as `stoat`.
//!
//! ```no_run
//! use stoat::event::{MessageCreate, RelationshipUpdate};
//! use stoat::{Client, EventHandler, RelationshipStatus, Token};
//!
//! struct Friendly;
//!
//! impl EventHandler for Friendly {
//!     async fn on_relationship(&self, client: &Client, event: &RelationshipUpdate) {
//!         if event.after == RelationshipStatus::Incoming {
//!             let them = client.user(event.user.id);
//!             if them.accept_friend_request().await.is_ok() {
//!                 let _ = them.send("Hello, friend!").await;
//!             }
//!         }
//!     }
//!
//!     async fn on_message(&self, client: &Client, event: &MessageCreate) {
//!         if event.message.text() == "!ping"
//!             && let Err(error) = client.reply(&event.message, "pong").await
//!         {
//!             eprintln!("{error}");
//!         }
//!     }
//! }
//!
//! # async fn run() -> Result<(), stoat::Error> {
//! let client = Client::new(Token::Bot("…".into()));
//! client.run(&Friendly).await
//! # }
//! ```
//!
//! * [`Client`]: [`connect`](Client::connect) for a stream of [`Event`]s,
//!   or [`run`](Client::run) with an [`EventHandler`]; every event reaches
//!   the [`cache`](Client::cache) first. [`wait_for`](Client::wait_for)
//!   waits for the next matching event.
//! * [`event`]: one struct per kind of event, with what the server sent
//!   and, where the cache knows them, the values before and after.
//! * [`ChannelHandle`] ([`Client::channel`]): send, reply, history, search,
//!   acknowledge, typing, calls. [`Client::reply`] answers a message where
//!   it came from.
//! * [`UserHandle`] ([`Client::user`]) and [`OwnUser`] ([`Client::me`]):
//!   every method of stoat.py's `BaseUser`, `User` and `OwnUser`, and the
//!   user's DM.
//! * [`Error`]: one sentence when displayed; the server's error kinds with
//!   [`Error::api_error`].
//! * The lower crates are re-exported whole, for everything else:
//!   [`http`], [`gateway`], [`cache`], [`model`].
//!
//! Which stoat.py method lives where: `docs/guide.md` in the repository.
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

/// Applies a handle's overrides (if any) to a request builder.
macro_rules! with_overrides {
    ($handle:expr, $builder:expr) => {
        match &$handle.overrides {
            Some(overrides) => $builder.overrides(::stoat_http::Overrides::clone(overrides)),
            None => $builder,
        }
    };
}
pub(crate) use with_overrides;

/// A handle's overrides with `later` on top (see [`Overrides::and`]).
pub(crate) fn stack_overrides(
    earlier: Option<&std::sync::Arc<Overrides>>,
    later: Overrides,
) -> std::sync::Arc<Overrides> {
    std::sync::Arc::new(match earlier {
        Some(earlier) => Overrides::clone(earlier).and(later),
        None => later,
    })
}

mod channel;
mod client;
mod connection;
mod dedup;
mod error;
pub mod event;
mod handler;
mod ingest;
mod reconcile;
mod stream;
mod user;

pub use channel::ChannelHandle;
pub use client::{Client, ClientBuilder};
pub use error::Error;
pub use event::Event;
pub use handler::EventHandler;
pub use stream::Events;
pub use user::{OwnUser, UserHandle};

pub use stoat_cache as cache;
pub use stoat_gateway as gateway;
pub use stoat_http as http;
pub use stoat_model as model;

pub use stoat_http::{Overrides, Resource, Token};
pub use stoat_model::{
    Channel, ChannelId, Message, MessageId, Presence, Relationship, RelationshipStatus, Secret, User,
    UserChanges, UserId,
};

/// The guide's examples, compiled as doc tests.
#[doc = include_str!("../../../docs/guide.md")]
#[cfg(doctest)]
pub struct GuideDoctests;

/// The README's examples, compiled as doc tests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

// Compile-time promises: the client is shared between tasks, the event
// stream may be moved to any task and polled there (being `Unpin`, with
// `StreamExt::next`; one task owns it, so it is not `Sync`), and events and
// errors may cross threads.
const _: () = {
    const fn send_unpin<T: Send + Unpin>() {}
    const fn send_sync_unpin<T: Send + Sync + Unpin>() {}
    send_unpin::<Events>();
    send_sync_unpin::<Client>();
    send_sync_unpin::<ClientBuilder>();
    send_sync_unpin::<Event>();
    send_sync_unpin::<Error>();
    send_sync_unpin::<UserHandle>();
    send_sync_unpin::<OwnUser>();
    send_sync_unpin::<ChannelHandle>();
};
