//! Handles on users: every method of stoat.py's `BaseUser`, `User` and
//! `OwnUser`, and the user's DM as a messageable.
//!
//! A handle holds the client and an id, nothing else: reading from the
//! cache is synchronous, anything that needs the server is a request
//! builder (await it, or set more on it first) or an `async fn`.

use std::fmt;
use std::sync::Arc;

use stoat_http::{
    AddFriend, Block, EditUserRequest, GetDefaultAvatar, GetFlags, GetMessages, GetMutuals, GetUser,
    JoinCallRequest, OpenDm, Overrides, RemoveFriend, ReportUser, SearchMessagesRequest, SendMessageRequest,
    Unblock,
};
use stoat_model::request::UserReportReason;
use stoat_model::{
    BulkMessageResponse, Channel, ChannelId, JoinCallResponse, Message, MessageId, Relationship,
    RelationshipStatus, Secret, ServerId, User, UserId, UserProfile, UserVoiceState,
};

use crate::{ChannelHandle, Client, Error};

/// A user: the stoat.py `BaseUser` methods, and the DM with them.
///
/// Requests made through a handle use its [`Overrides`], if any (see
/// [`with_overrides`](Self::with_overrides)); a builder's own `overrides`
/// go on top of them.
#[derive(Clone)]
pub struct UserHandle {
    client: Client,
    id: UserId,
    overrides: Option<Arc<Overrides>>,
}

impl fmt::Debug for UserHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserHandle")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl UserHandle {
    pub(crate) fn new(client: Client, id: UserId, overrides: Option<Arc<Overrides>>) -> Self {
        Self {
            client,
            id,
            overrides,
        }
    }

    /// The same user, with `overrides` on every request it makes (over the
    /// handle's own): another token, a timeout, headers… for one call or
    /// several (stoat.py's `http_overrides`).
    ///
    /// ```no_run
    /// # async fn run(client: stoat::Client, id: stoat::UserId) -> Result<(), stoat::Error> {
    /// use std::time::Duration;
    /// use stoat::Overrides;
    ///
    /// let patient = client.user(id).with_overrides(Overrides::new().timeout(Duration::from_secs(60)));
    /// let profile = patient.fetch_profile().await?;
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn with_overrides(&self, overrides: Overrides) -> Self {
        let overrides = crate::stack_overrides(self.overrides.as_ref(), overrides);
        Self::new(self.client.clone(), self.id, Some(overrides))
    }

    /// The user's id.
    pub fn id(&self) -> UserId {
        self.id
    }

    /// The client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    // --- from the cache and the id alone -------------------------------

    /// `<@id>`, the mention markup.
    pub fn mention(&self) -> String {
        stoat_model::user::mention(self.id)
    }

    /// The URL of the default avatar the server draws for this user.
    pub fn default_avatar_url(&self) -> String {
        stoat_model::user::default_avatar_url(self.client.http().api_url(), self.id)
    }

    /// Whether this is the system user (id of zeros), as in system messages.
    pub fn is_sentinel(&self) -> bool {
        self.id.is_system()
    }

    /// The user, if cached.
    pub fn cached(&self) -> Option<User> {
        self.client.cache().user(self.id)
    }

    /// Your relationship with the user, from the cache (`None` when unknown).
    pub fn relationship(&self) -> RelationshipStatus {
        self.client.cache().relationship(self.id)
    }

    /// The id of the DM with this user, if cached (stoat.py's `dm_channel_id`).
    pub fn dm_channel_id(&self) -> Option<ChannelId> {
        self.client.cache().dm_channel_id(self.id)
    }

    /// The DM with this user, if cached (stoat.py's `dm_channel`).
    pub fn dm_channel(&self) -> Option<Arc<Channel>> {
        self.client.cache().dm_channel(self.id)
    }

    /// The owner of this bot, if the user is a bot and the owner is cached
    /// (stoat.py's `bot_owner` / `get_bot_owner`).
    pub fn bot_owner(&self) -> Option<User> {
        let owner = self.cached()?.bot_owner()?;
        self.client.cache().user(owner)
    }

    /// The user's voice state, if cached: the channel and the state.
    pub fn voice_state(&self) -> Option<(ChannelId, UserVoiceState)> {
        self.client.cache().user_voice_state(self.id)
    }

    // --- one request each --------------------------------------------------

    /// Fetches the user. Errors: `NotFound`, `MissingPermission`.
    pub fn fetch(&self) -> GetUser<'_> {
        crate::with_overrides!(self, self.client.http().user(self.id))
    }

    /// Fetches the profile, and keeps it in the cache (until a `UserUpdate`
    /// clears part of it). Errors: `NotFound`, `MissingPermission`
    /// (`ViewProfile`).
    pub async fn fetch_profile(&self) -> Result<UserProfile, Error> {
        let profile = crate::with_overrides!(self, self.client.http().user_profile(self.id)).await?;
        self.client.cache().insert_profile(self.id, profile.clone());
        Ok(profile)
    }

    /// Fetches the flags (no token needed). Errors: none of its own.
    pub fn fetch_flags(&self) -> GetFlags<'_> {
        crate::with_overrides!(self, self.client.http().user_flags(self.id))
    }

    /// Fetches the default avatar's PNG bytes. Errors: none of its own.
    pub fn fetch_default_avatar(&self) -> GetDefaultAvatar<'_> {
        crate::with_overrides!(self, self.client.http().default_avatar(self.id))
    }

    /// Friends, servers and channels in common. Errors: `InvalidOperation`
    /// (yourself), `MissingPermission` (`ViewProfile`), `NotFound`.
    pub fn mutuals(&self) -> GetMutuals<'_> {
        crate::with_overrides!(self, self.client.http().mutuals(self.id))
    }

    /// Opens (or reopens) the DM with this user. Errors: `NotFound`,
    /// `MissingPermission` (`SendMessage`: humans must be friends).
    pub fn open_dm(&self) -> OpenDm<'_> {
        crate::with_overrides!(self, self.client.http().open_dm(self.id))
    }

    /// Accepts their friend request. Errors: `IsBot`, `NoEffect`,
    /// `AlreadyFriends`, `AlreadySentRequest`, `Blocked`, `BlockedByOther`,
    /// `TooManyPendingFriendRequests`, `NotFound`.
    pub fn accept_friend_request(&self) -> AddFriend<'_> {
        crate::with_overrides!(self, self.client.http().add_friend(self.id))
    }

    /// Sends them a friend request (the same route as accepting). Errors:
    /// as [`accept_friend_request`](Self::accept_friend_request).
    pub fn send_friend_request(&self) -> AddFriend<'_> {
        self.accept_friend_request()
    }

    /// Denies their friend request. Errors: `IsBot`, `NoEffect`, `NotFound`.
    pub fn deny_friend_request(&self) -> RemoveFriend<'_> {
        self.remove_friend()
    }

    /// Removes them as a friend (or cancels your request). Errors: `IsBot`,
    /// `NoEffect`, `NotFound`.
    pub fn remove_friend(&self) -> RemoveFriend<'_> {
        crate::with_overrides!(self, self.client.http().remove_friend(self.id))
    }

    /// Blocks them. Errors: `NoEffect`, `NotFound`.
    pub fn block(&self) -> Block<'_> {
        crate::with_overrides!(self, self.client.http().block(self.id))
    }

    /// Unblocks them. Errors: `NoEffect`, `NotFound`, `InternalError`.
    pub fn unblock(&self) -> Unblock<'_> {
        crate::with_overrides!(self, self.client.http().unblock(self.id))
    }

    /// Reports them, for `reason`; add context or a message with the
    /// builder. Errors: `IsBot`, `CannotReportYourself`, `NotFound`,
    /// `FailedValidation`.
    pub fn report(&self, reason: UserReportReason) -> ReportUser<'_> {
        crate::with_overrides!(self, self.client.http().report_user(self.id).reason(reason))
    }

    /// Edits this user: a bot you own, or anyone when privileged. Errors:
    /// `FailedValidation`, `NotPrivileged`, `NotFound`, and the upload's.
    pub fn edit(&self) -> EditUserRequest<'_> {
        crate::with_overrides!(self, self.client.http().edit_user(self.id))
    }

    // --- several steps -----------------------------------------------------

    /// The DM's id: from the cache, or opened on first need and then kept
    /// (when the cache keeps channels, as it does by default; stoat.py's
    /// `fetch_channel_id`). Errors: as [`open_dm`](Self::open_dm).
    pub async fn fetch_channel_id(&self) -> Result<ChannelId, Error> {
        if let Some(id) = self.dm_channel_id() {
            return Ok(id);
        }
        let channel = self.open_dm().await?;
        let id = channel.id().ok_or(Error::NotADm)?;
        // The cache files a DM under the other user, so it must know who you
        // are (asked with this handle's overrides, as the DM was).
        self.client.me_with(self.overrides.as_deref().cloned()).await?;
        self.client.cache().insert_channel(channel);
        Ok(id)
    }

    /// Ids of your mutual friends. Errors: as [`mutuals`](Self::mutuals).
    pub async fn mutual_friend_ids(&self) -> Result<Vec<UserId>, Error> {
        Ok(self.mutuals().await?.users)
    }

    /// Ids of your mutual servers. Errors: as [`mutuals`](Self::mutuals).
    pub async fn mutual_server_ids(&self) -> Result<Vec<ServerId>, Error> {
        Ok(self.mutuals().await?.servers)
    }

    // --- the DM as a messageable -------------------------------------------

    /// The DM with this user as a [`ChannelHandle`] (with this handle's
    /// overrides), opened on first need. Errors: as
    /// [`open_dm`](Self::open_dm).
    pub async fn dm(&self) -> Result<ChannelHandle, Error> {
        let id = self.fetch_channel_id().await?;
        Ok(ChannelHandle::new(
            self.client.clone(),
            id,
            self.overrides.clone(),
        ))
    }

    /// Sends `content` in the DM (opened on first need). Errors: those of
    /// [`SendMessageRequest`] and of [`open_dm`](Self::open_dm).
    pub async fn send(&self, content: impl Into<String>) -> Result<Message, Error> {
        self.dm().await?.send(content).await
    }

    /// Sends a message built by `build` in the DM (see
    /// [`ChannelHandle::send_with`]).
    pub async fn send_with(
        &self,
        build: impl for<'a> FnOnce(SendMessageRequest<'a>) -> SendMessageRequest<'a>,
    ) -> Result<Message, Error> {
        self.dm().await?.send_with(build).await
    }

    /// Messages of the DM (see [`ChannelHandle::history`]).
    pub async fn history(
        &self,
        build: impl for<'a> FnOnce(GetMessages<'a>) -> GetMessages<'a>,
    ) -> Result<BulkMessageResponse, Error> {
        self.dm().await?.history(build).await
    }

    /// Searches the DM (see [`ChannelHandle::search`]).
    pub async fn search(
        &self,
        build: impl for<'a> FnOnce(SearchMessagesRequest<'a>) -> SearchMessagesRequest<'a>,
    ) -> Result<BulkMessageResponse, Error> {
        self.dm().await?.search(build).await
    }

    /// Fetches one message of the DM. Errors: `NotFound`, `MissingPermission`.
    pub async fn fetch_message(&self, message: MessageId) -> Result<Message, Error> {
        self.dm().await?.fetch_message(message).await
    }

    /// A message of the DM, if cached (stoat.py's `get_message`).
    pub fn get_message(&self, message: MessageId) -> Option<Arc<Message>> {
        self.client.cache().message(self.dm_channel_id()?, message)
    }

    /// The DM's cached messages, oldest first (stoat.py's `messages`).
    pub fn messages(&self) -> Vec<Arc<Message>> {
        self.dm_channel_id()
            .map(|channel| self.client.cache().messages(channel))
            .unwrap_or_default()
    }

    /// Marks the DM read up to `message`, or everything with `None`
    /// (users only). Errors: `IsBot`, `MissingPermission`, `NotFound`.
    pub async fn acknowledge(&self, message: Option<MessageId>) -> Result<(), Error> {
        self.dm().await?.acknowledge(message).await
    }

    /// Shows you typing in the DM (over the events connection). Errors:
    /// [`Error::NotConnected`], and those of [`open_dm`](Self::open_dm).
    pub async fn begin_typing(&self) -> Result<(), Error> {
        self.typing_in().await?.begin_typing().await
    }

    /// Stops showing you typing in the DM.
    pub async fn end_typing(&self) -> Result<(), Error> {
        self.typing_in().await?.end_typing().await
    }

    /// Shows you typing until the guard is dropped.
    pub async fn typing(&self) -> Result<stoat_gateway::TypingGuard, Error> {
        self.typing_in().await?.typing().await
    }

    /// The DM to show typing in. The connection is checked first, so that
    /// none opens a DM in vain.
    async fn typing_in(&self) -> Result<ChannelHandle, Error> {
        self.client.gateway().ok_or(Error::NotConnected)?;
        self.dm().await
    }

    /// Joins (or starts) a call in the DM (see [`ChannelHandle::join_call`]).
    pub async fn join_call(
        &self,
        build: impl for<'a> FnOnce(JoinCallRequest<'a>) -> JoinCallRequest<'a>,
    ) -> Result<JoinCallResponse, Error> {
        self.dm().await?.join_call(build).await
    }
}

/// Your own user: stoat.py's `OwnUser`.
#[derive(Clone)]
pub struct OwnUser {
    user: UserHandle,
}

impl fmt::Debug for OwnUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnUser")
            .field("id", &self.user.id)
            .finish_non_exhaustive()
    }
}

impl std::ops::Deref for OwnUser {
    type Target = UserHandle;

    /// Everything a user handle does, you can do to yourself.
    fn deref(&self) -> &UserHandle {
        &self.user
    }
}

impl OwnUser {
    pub(crate) fn new(client: Client, id: UserId) -> Self {
        Self {
            user: UserHandle::new(client, id, None),
        }
    }

    /// Your relationships, from the cache.
    pub fn relations(&self) -> Vec<Relationship> {
        self.user.client.cache().relations()
    }

    /// Edits you: display name, avatar and profile background (ids, bytes
    /// or paths), status, profile text, and `remove` to clear any of them.
    /// Errors: `FailedValidation`, `NotFound` (a used or wrong-tag file),
    /// and the upload's.
    pub fn edit(&self) -> EditUserRequest<'_> {
        crate::with_overrides!(self.user, self.user.client.http().edit_current_user())
    }

    /// Changes your username (session tokens only). Errors:
    /// `FailedValidation`, `InvalidCredentials`, `InvalidUsername`,
    /// `UsernameTaken`, `DiscriminatorChangeRatelimited`.
    pub fn change_username(
        &self,
        username: impl Into<String>,
        password: Secret,
    ) -> stoat_http::ChangeUsernameRequest<'_> {
        crate::with_overrides!(
            self.user,
            self.user.client.http().change_username(username, password)
        )
    }
}
