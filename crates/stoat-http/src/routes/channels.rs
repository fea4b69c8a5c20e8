//! The channel routes a DM needs besides sending (`message.rs`): history,
//! search, acknowledgement, calls, closing.

use stoat_model::message::MessageSort;
use stoat_model::request::{JoinCall, MessageQuery, SearchMessages};
use stoat_model::validate::Validate;
use stoat_model::{BulkMessageResponse, Channel, ChannelId, JoinCallResponse, Message, MessageId, UserId};

use super::{Parts, decode, json_body, route};
use crate::{Body, Client, Overrides};

/// `GET /channels/{channel}`.
///
/// Errors: `NotFound`, `MissingPermission` (`ViewChannel`).
#[derive(Debug)]
#[must_use = "a builder does nothing until awaited"]
pub struct GetChannel<'a> {
    client: &'a Client,
    channel: ChannelId,
    overrides: Overrides,
}

impl GetChannel<'_> {
    #[allow(clippy::unnecessary_wraps, reason = "the shape every builder shares")]
    fn parts(&self) -> Parts {
        Ok((format!("/channels/{}", self.channel), Body::Empty))
    }
}

route!(GetChannel -> Channel, crate::Route::GET_CHANNEL);

/// `DELETE /channels/{channel}` on a DM: closes it (it reopens when either
/// side sends). Answers nothing (204).
///
/// Errors: `NoEffect` (saved messages), `NotFound`, `MissingPermission`.
#[derive(Debug)]
#[must_use = "a builder does nothing until awaited"]
pub struct CloseDm<'a> {
    client: &'a Client,
    channel: ChannelId,
    overrides: Overrides,
}

impl CloseDm<'_> {
    #[allow(clippy::unnecessary_wraps, reason = "the shape every builder shares")]
    fn parts(&self) -> Parts {
        Ok((format!("/channels/{}", self.channel), Body::Empty))
    }
}

route!(CloseDm -> (), crate::Route::CLOSE_DM, true, decode::empty);

/// `GET /channels/{channel}/messages`: history, newest first by default.
///
/// Errors: `InvalidOperation` (sort by relevance, caught before sending),
/// `MissingPermission` (`ReadMessageHistory`), `NotFound`.
#[derive(Debug)]
#[must_use = "a builder does nothing until awaited"]
pub struct GetMessages<'a> {
    client: &'a Client,
    channel: ChannelId,
    query: MessageQuery,
    overrides: Overrides,
}

impl GetMessages<'_> {
    /// How many (1 to 100; 50 by default).
    pub fn limit(mut self, limit: i64) -> Self {
        self.query.limit = Some(limit);
        self
    }

    /// Only messages older than this one.
    pub fn before(mut self, message: MessageId) -> Self {
        self.query.before = Some(message);
        self
    }

    /// Only messages newer than this one.
    pub fn after(mut self, message: MessageId) -> Self {
        self.query.after = Some(message);
        self
    }

    /// Messages around this one: up to `limit / 2 + 1` from it onwards
    /// (oldest first), then as many older ones (newest first). `before`,
    /// `after` and `sort` are ignored.
    pub fn nearby(mut self, message: MessageId) -> Self {
        self.query.nearby = Some(message);
        self
    }

    /// The order (`Latest` or `Oldest`; `Relevance` is refused).
    pub fn sort(mut self, sort: MessageSort) -> Self {
        self.query.sort = Some(sort);
        self
    }

    /// Whether to include the authors (the answer then has `users`).
    pub fn include_users(mut self, include: bool) -> Self {
        self.query.include_users = Some(include);
        self
    }

    fn parts(&self) -> Parts {
        self.query.validate()?;
        let query = self.query.to_query_string();
        let separator = if query.is_empty() { "" } else { "?" };
        Ok((
            format!("/channels/{}/messages{separator}{query}", self.channel),
            Body::Empty,
        ))
    }
}

route!(GetMessages -> BulkMessageResponse, crate::Route::GET_MESSAGES);

/// `GET /channels/{channel}/messages/{message}`.
///
/// Errors: `NotFound` (also for a message of another channel),
/// `MissingPermission` (`ViewChannel`, `ReadMessageHistory`).
#[derive(Debug)]
#[must_use = "a builder does nothing until awaited"]
pub struct GetMessage<'a> {
    client: &'a Client,
    channel: ChannelId,
    message: MessageId,
    overrides: Overrides,
}

impl GetMessage<'_> {
    #[allow(clippy::unnecessary_wraps, reason = "the shape every builder shares")]
    fn parts(&self) -> Parts {
        Ok((
            format!("/channels/{}/messages/{}", self.channel, self.message),
            Body::Empty,
        ))
    }
}

route!(GetMessage -> Message, crate::Route::GET_MESSAGE);

/// `POST /channels/{channel}/search` (users only).
///
/// Errors: `IsBot`, `InvalidOperation` (`query` with `pinned`, caught
/// before sending), `FailedValidation`, `MissingPermission`, `NotFound`.
#[derive(Debug)]
#[must_use = "a builder does nothing until awaited"]
pub struct SearchMessagesRequest<'a> {
    client: &'a Client,
    channel: ChannelId,
    search: SearchMessages,
    overrides: Overrides,
}

impl SearchMessagesRequest<'_> {
    /// Text to search for (1 to 64 characters); not with `pinned`.
    pub fn query(mut self, query: impl Into<String>) -> Self {
        self.search.query = Some(query.into());
        self
    }

    /// Only pinned messages; not with `query`.
    pub fn pinned(mut self, pinned: bool) -> Self {
        self.search.pinned = Some(pinned);
        self
    }

    /// How many (1 to 100).
    pub fn limit(mut self, limit: i64) -> Self {
        self.search.limit = Some(limit);
        self
    }

    /// Only messages older than this one.
    pub fn before(mut self, message: MessageId) -> Self {
        self.search.before = Some(message);
        self
    }

    /// Only messages newer than this one.
    pub fn after(mut self, message: MessageId) -> Self {
        self.search.after = Some(message);
        self
    }

    /// The order (`Relevance` by default, newest first without a query).
    pub fn sort(mut self, sort: MessageSort) -> Self {
        self.search.sort = Some(sort);
        self
    }

    /// Whether to include the authors.
    pub fn include_users(mut self, include: bool) -> Self {
        self.search.include_users = Some(include);
        self
    }

    fn parts(&self) -> Parts {
        self.search.validate()?;
        Ok((
            format!("/channels/{}/search", self.channel),
            json_body(&self.search)?,
        ))
    }
}

route!(SearchMessagesRequest -> BulkMessageResponse, crate::Route::SEARCH_MESSAGES);

/// `PUT /channels/{channel}/ack/{message}`: marks the channel read up to a
/// message. Answers nothing (204).
///
/// Errors: `IsBot`, `MissingPermission` (`ViewChannel`), `NotFound`.
#[derive(Debug)]
#[must_use = "a builder does nothing until awaited"]
pub struct Acknowledge<'a> {
    client: &'a Client,
    channel: ChannelId,
    message: MessageId,
    overrides: Overrides,
}

impl Acknowledge<'_> {
    #[allow(clippy::unnecessary_wraps, reason = "the shape every builder shares")]
    fn parts(&self) -> Parts {
        Ok((
            format!("/channels/{}/ack/{}", self.channel, self.message),
            Body::Empty,
        ))
    }
}

route!(Acknowledge -> (), crate::Route::ACKNOWLEDGE, true, decode::empty);

/// `POST /channels/{channel}/join_call`: a token and URL for the voice
/// server (LiveKit); hand both to a LiveKit client to connect.
///
/// Errors: `LiveKitUnavailable`, `NotAVoiceChannel` (saved messages),
/// `MissingPermission` (`Connect`), `CannotJoinCall` (full), `UnknownNode`,
/// `AlreadyConnected`, `IsBot` (`force_disconnect` from a bot).
#[derive(Debug)]
#[must_use = "a builder does nothing until awaited"]
pub struct JoinCallRequest<'a> {
    client: &'a Client,
    channel: ChannelId,
    join: JoinCall,
    overrides: Overrides,
}

impl JoinCallRequest<'_> {
    /// The voice node (a name from `GET /`), if the call has none yet.
    pub fn node(mut self, node: impl Into<String>) -> Self {
        self.join.node = Some(node.into());
        self
    }

    /// Leave any other call first (users only).
    pub fn force_disconnect(mut self, force: bool) -> Self {
        self.join.force_disconnect = Some(force);
        self
    }

    /// Users to ring, when you start the call.
    pub fn recipients(mut self, users: impl IntoIterator<Item = UserId>) -> Self {
        self.join.recipients = Some(users.into_iter().collect());
        self
    }

    fn parts(&self) -> Parts {
        self.join.validate()?;
        Ok((
            format!("/channels/{}/join_call", self.channel),
            json_body(&self.join)?,
        ))
    }
}

route!(JoinCallRequest -> JoinCallResponse, crate::Route::JOIN_CALL);

/// `PUT /channels/{channel}/end_ring/{user}`: stops ringing a user. Answers
/// nothing (204).
///
/// Errors: `LiveKitUnavailable`, `NoEffect` (not a DM or group),
/// `NotConnected` (you are not in the call), `NotFound` (not ringing).
#[derive(Debug)]
#[must_use = "a builder does nothing until awaited"]
pub struct EndRing<'a> {
    client: &'a Client,
    channel: ChannelId,
    user: UserId,
    overrides: Overrides,
}

impl EndRing<'_> {
    #[allow(clippy::unnecessary_wraps, reason = "the shape every builder shares")]
    fn parts(&self) -> Parts {
        Ok((
            format!("/channels/{}/end_ring/{}", self.channel, self.user),
            Body::Empty,
        ))
    }
}

route!(EndRing -> (), crate::Route::END_RING, true, decode::empty);

impl Client {
    /// `GET /channels/{channel}`.
    pub fn channel(&self, channel: ChannelId) -> GetChannel<'_> {
        GetChannel {
            client: self,
            channel,
            overrides: Overrides::default(),
        }
    }

    /// `DELETE /channels/{channel}` on a DM.
    pub fn close_dm(&self, channel: ChannelId) -> CloseDm<'_> {
        CloseDm {
            client: self,
            channel,
            overrides: Overrides::default(),
        }
    }

    /// `GET /channels/{channel}/messages`.
    pub fn messages(&self, channel: ChannelId) -> GetMessages<'_> {
        GetMessages {
            client: self,
            channel,
            query: MessageQuery::default(),
            overrides: Overrides::default(),
        }
    }

    /// `GET /channels/{channel}/messages/{message}`.
    pub fn message(&self, channel: ChannelId, message: MessageId) -> GetMessage<'_> {
        GetMessage {
            client: self,
            channel,
            message,
            overrides: Overrides::default(),
        }
    }

    /// `POST /channels/{channel}/search`.
    pub fn search_messages(&self, channel: ChannelId) -> SearchMessagesRequest<'_> {
        SearchMessagesRequest {
            client: self,
            channel,
            search: SearchMessages::default(),
            overrides: Overrides::default(),
        }
    }

    /// `PUT /channels/{channel}/ack/{message}`.
    pub fn acknowledge(&self, channel: ChannelId, message: MessageId) -> Acknowledge<'_> {
        Acknowledge {
            client: self,
            channel,
            message,
            overrides: Overrides::default(),
        }
    }

    /// `POST /channels/{channel}/join_call`.
    pub fn join_call(&self, channel: ChannelId) -> JoinCallRequest<'_> {
        JoinCallRequest {
            client: self,
            channel,
            join: JoinCall::default(),
            overrides: Overrides::default(),
        }
    }

    /// `PUT /channels/{channel}/end_ring/{user}`.
    pub fn end_ring(&self, channel: ChannelId, user: UserId) -> EndRing<'_> {
        EndRing {
            client: self,
            channel,
            user,
            overrides: Overrides::default(),
        }
    }
}
