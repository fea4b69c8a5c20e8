//! The Stoat (formerly Revolt) SDK for bots: the REST client, the events
//! connection and the cache wired together, with the stoat.py Users API as
//! handles.
//!
//! ```no_run
//! use stoat::{Client, EventHandler, RelationshipStatus, Token, User};
//!
//! struct Friendly;
//!
//! impl EventHandler for Friendly {
//!     async fn on_relationship(
//!         &self,
//!         client: &Client,
//!         user: &User,
//!         _before: RelationshipStatus,
//!         after: RelationshipStatus,
//!     ) {
//!         if after == RelationshipStatus::Incoming {
//!             let them = client.user(user.id);
//!             if them.accept_friend_request().await.is_ok() {
//!                 let _ = them.send("Hello, friend!").await;
//!             }
//!         }
//!     }
//! }
//!
//! # async fn run() -> Result<(), stoat::Error> {
//! let client = Client::new(Token::Session("…".into()));
//! client.run(&Friendly).await
//! # }
//! ```
//!
//! * [`Client`]: [`connect`](Client::connect) for a stream of [`Event`]s,
//!   or [`run`](Client::run) with an [`EventHandler`]; every event reaches
//!   the [`cache`](Client::cache) first. [`wait_for`](Client::wait_for)
//!   waits for the next matching event.
//! * [`UserHandle`] ([`Client::user`]) and [`OwnUser`] ([`Client::me`]):
//!   every method of stoat.py's `BaseUser`, `User` and `OwnUser`, and the
//!   user's DM as a messageable (send, history, search, acknowledge,
//!   typing, calls).
//! * The lower crates are re-exported whole, for everything else:
//!   [`http`], [`gateway`], [`cache`], [`model`].
//!
//! Which stoat.py method lives where: `docs/guide.md` in the repository.
#![forbid(unsafe_code)]

mod client;
mod error;
mod events;
mod handler;
mod user;
mod waiters;

pub use client::{Client, ClientBuilder};
pub use error::Error;
pub use events::{Event, Events};
pub use handler::EventHandler;
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
