//! A channel (a DM, a group, your saved messages): everything a bot does
//! in one, stoat.py's `Messageable`.

use std::fmt;
use std::sync::Arc;

use stoat_http::{
    CloseDm, EndRing, GetChannel, GetMessages, JoinCallRequest, Overrides, SearchMessagesRequest,
    SendMessageRequest,
};
use stoat_model::{
    BulkMessageResponse, Channel, ChannelId, JoinCallResponse, Message, MessageId, Timestamp, UserId,
};

use crate::{Client, Error};

/// A channel, by id: send, reply, read the history, search, acknowledge,
/// show typing, calls. Requests use the handle's [`Overrides`], if any
/// (see [`with_overrides`](Self::with_overrides)); a builder's own
/// `overrides` go on top of them.
///
/// ```no_run
/// # async fn run(client: stoat::Client, id: stoat::ChannelId) -> Result<(), stoat::Error> {
/// let channel = client.channel(id);
/// channel.send("Hello").await?;
/// let latest = channel.history(|query| query.limit(10)).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct ChannelHandle {
    client: Client,
    id: ChannelId,
    overrides: Option<Arc<Overrides>>,
}

impl fmt::Debug for ChannelHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChannelHandle")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl ChannelHandle {
    pub(crate) fn new(client: Client, id: ChannelId, overrides: Option<Arc<Overrides>>) -> Self {
        Self {
            client,
            id,
            overrides,
        }
    }

    /// The same channel, with `overrides` on every request it makes (over
    /// the handle's own): another token, a timeout, headers… for one call
    /// or several (stoat.py's `http_overrides`).
    #[must_use]
    pub fn with_overrides(&self, overrides: Overrides) -> Self {
        let overrides = crate::stack_overrides(self.overrides.as_ref(), overrides);
        Self::new(self.client.clone(), self.id, Some(overrides))
    }

    /// The channel's id.
    pub fn id(&self) -> ChannelId {
        self.id
    }

    /// The client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The channel, if cached.
    pub fn cached(&self) -> Option<Arc<Channel>> {
        self.client.cache().channel(self.id)
    }

    /// Fetches the channel. Errors: `NotFound`, `MissingPermission`.
    pub fn fetch(&self) -> GetChannel<'_> {
        crate::with_overrides!(self, self.client.http().channel(self.id))
    }

    /// Sends `content`. Errors: those of [`SendMessageRequest`].
    pub async fn send(&self, content: impl Into<String>) -> Result<Message, Error> {
        let content = content.into();
        self.send_with(move |message| message.content(content)).await
    }

    /// Sends a message built by `build` (attachments, replies, embeds,
    /// masquerade, interactions, mentions, silent, flags, idempotency key…),
    /// checked against the instance's limits before anything is sent.
    pub async fn send_with(
        &self,
        build: impl for<'a> FnOnce(SendMessageRequest<'a>) -> SendMessageRequest<'a>,
    ) -> Result<Message, Error> {
        let request = crate::with_overrides!(self, self.client.http().send_message(self.id));
        Ok(build(request).await?)
    }

    /// Replies to `message` of this channel, mentioning its author or not,
    /// with the rest of the message built by `build` (`|m| m.content("…")`).
    pub async fn reply(
        &self,
        message: MessageId,
        mention: bool,
        build: impl for<'a> FnOnce(SendMessageRequest<'a>) -> SendMessageRequest<'a>,
    ) -> Result<Message, Error> {
        self.send_with(move |send| build(send.reply(message, mention)))
            .await
    }

    /// Messages of the channel; set the query with `build` (`|q| q.limit(10)`;
    /// `|q| q` for the latest 50). Errors: those of [`GetMessages`].
    pub async fn history(
        &self,
        build: impl for<'a> FnOnce(GetMessages<'a>) -> GetMessages<'a>,
    ) -> Result<BulkMessageResponse, Error> {
        let request = crate::with_overrides!(self, self.client.http().messages(self.id));
        Ok(build(request).await?)
    }

    /// Searches the channel (users only); set the query with `build`.
    /// Errors: those of [`SearchMessagesRequest`].
    pub async fn search(
        &self,
        build: impl for<'a> FnOnce(SearchMessagesRequest<'a>) -> SearchMessagesRequest<'a>,
    ) -> Result<BulkMessageResponse, Error> {
        let request = crate::with_overrides!(self, self.client.http().search_messages(self.id));
        Ok(build(request).await?)
    }

    /// Fetches one message. Errors: `NotFound`, `MissingPermission`.
    pub async fn fetch_message(&self, message: MessageId) -> Result<Message, Error> {
        Ok(crate::with_overrides!(self, self.client.http().message(self.id, message)).await?)
    }

    /// A message, if cached (stoat.py's `get_message`).
    pub fn get_message(&self, message: MessageId) -> Option<Arc<Message>> {
        self.client.cache().message(self.id, message)
    }

    /// The cached messages, oldest first (stoat.py's `messages`).
    pub fn messages(&self) -> Vec<Arc<Message>> {
        self.client.cache().messages(self.id)
    }

    /// Marks the channel read up to `message`, or everything with `None`
    /// (users only). Errors: `IsBot`, `MissingPermission`, `NotFound`.
    pub async fn acknowledge(&self, message: Option<MessageId>) -> Result<(), Error> {
        // The server does not check the id: one from just after now is
        // newer than every message sent so far, so it marks everything.
        let message = message.unwrap_or_else(|| MessageId::min_at(Timestamp::now().unix_ms() + 1));
        Ok(crate::with_overrides!(self, self.client.http().acknowledge(self.id, message)).await?)
    }

    /// Shows you typing (over the events connection). Errors:
    /// [`Error::NotConnected`].
    pub async fn begin_typing(&self) -> Result<(), Error> {
        Ok(self.events()?.begin_typing(self.id).await?)
    }

    /// Stops showing you typing.
    pub async fn end_typing(&self) -> Result<(), Error> {
        Ok(self.events()?.end_typing(self.id).await?)
    }

    /// Shows you typing until the guard is dropped.
    pub async fn typing(&self) -> Result<stoat_gateway::TypingGuard, Error> {
        Ok(self.events()?.typing(self.id).await?)
    }

    fn events(&self) -> Result<stoat_gateway::Handle, Error> {
        self.client.gateway().ok_or(Error::NotConnected)
    }

    /// Joins (or starts) a call; set node, recipients or `force_disconnect`
    /// with `build`. The answer's token and URL are what a LiveKit client
    /// needs to connect (this SDK ships no media stack). Errors: those of
    /// [`JoinCallRequest`].
    pub async fn join_call(
        &self,
        build: impl for<'a> FnOnce(JoinCallRequest<'a>) -> JoinCallRequest<'a>,
    ) -> Result<JoinCallResponse, Error> {
        let request = crate::with_overrides!(self, self.client.http().join_call(self.id));
        Ok(build(request).await?)
    }

    /// Stops ringing `user` for the call. Errors: those of [`EndRing`].
    pub fn end_ring(&self, user: UserId) -> EndRing<'_> {
        crate::with_overrides!(self, self.client.http().end_ring(self.id, user))
    }

    /// Closes a DM (it reopens when either side sends). Errors: those of
    /// [`CloseDm`].
    pub fn close(&self) -> CloseDm<'_> {
        crate::with_overrides!(self, self.client.http().close_dm(self.id))
    }
}
