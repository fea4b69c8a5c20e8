//! The `/users` routes.

use stoat_model::request::{ChangeUsername, EditProfile, EditUser, SendFriendRequest};
use stoat_model::validate::Validate;
use stoat_model::{
    Channel, Discriminator, FieldsUser, FlagResponse, Mutuals, Presence, Secret, User, UserId, UserProfile,
    UserStatus,
};

use super::route;
use crate::{Client, Error, ErrorKind};

type Parts = Result<(String, Option<Vec<u8>>), Error>;

/// A JSON body; a failure is an error, never a request sent without its body.
fn body<T: serde::Serialize>(value: &T) -> Result<Option<Vec<u8>>, Error> {
    serde_json::to_vec(value)
        .map(Some)
        .map_err(|e| Error::with_source(ErrorKind::Encode, e))
}

/// Declares a builder that takes only a user id.
macro_rules! by_user {
    ($(#[$doc:meta])* $name:ident -> $output:ty, $method:literal, $route:literal, $suffix:literal) => {
        $(#[$doc])*
        #[derive(Debug)]
        #[must_use = "a builder does nothing until awaited"]
        pub struct $name<'a> {
            client: &'a Client,
            user: UserId,
        }

        impl $name<'_> {
            #[allow(clippy::unnecessary_wraps, clippy::unused_self, reason = "the shape every builder shares")]
            fn parts(&self) -> Parts {
                Ok((format!("/users/{}{}", self.user, $suffix), None))
            }
        }

        route!($name -> $output, $method, $route);
    };
}

by_user! {
    /// `GET /users/{target}`: a user, from your point of view.
    ///
    /// Errors: `NotFound`, `MissingPermission` (`Access`: you share nothing with them).
    GetUser -> User, "GET", "GET /users/{target}", ""
}

by_user! {
    /// `GET /users/{target}/profile`.
    ///
    /// Errors: `NotFound`, `MissingPermission` (`ViewProfile`).
    GetProfile -> UserProfile, "GET", "GET /users/{target}/profile", "/profile"
}

by_user! {
    /// `GET /users/{target}/dm`: the DM with a user (your saved messages for
    /// your own id), opened if needed. A closed DM comes back closed.
    ///
    /// Errors: `NotFound`, `MissingPermission` (`SendMessage`: humans must be
    /// friends; a bot and a user need something in common).
    OpenDm -> Channel, "GET", "GET /users/{target}/dm", "/dm"
}

by_user! {
    /// `GET /users/{target}/mutual`: friends, servers, groups and DMs in common.
    ///
    /// Errors: `InvalidOperation` (yourself), `MissingPermission` (`ViewProfile`), `NotFound`.
    GetMutuals -> Mutuals, "GET", "GET /users/{target}/mutual", "/mutual"
}

by_user! {
    /// `PUT /users/{target}/friend`: accept their request, or send one.
    ///
    /// Errors: `IsBot`, `NoEffect` (yourself), `AlreadyFriends`,
    /// `AlreadySentRequest`, `Blocked`, `BlockedByOther`,
    /// `TooManyPendingFriendRequests`, `NotFound`.
    AddFriend -> User, "PUT", "PUT /users/{target}/friend", "/friend"
}

by_user! {
    /// `DELETE /users/{target}/friend`: deny, cancel or unfriend.
    ///
    /// Errors: `IsBot`, `NoEffect` (no friendship or request), `NotFound`.
    RemoveFriend -> User, "DELETE", "DELETE /users/{target}/friend", "/friend"
}

by_user! {
    /// `PUT /users/{target}/block`.
    ///
    /// Errors: `NoEffect` (already blocked, or yourself), `NotFound`.
    Block -> User, "PUT", "PUT /users/{target}/block", "/block"
}

by_user! {
    /// `DELETE /users/{target}/block`.
    ///
    /// Errors: `NoEffect` (not blocked), `NotFound`, `InternalError`.
    Unblock -> User, "DELETE", "DELETE /users/{target}/block", "/block"
}

/// `GET /users/@me`: your own user.
///
/// Errors: only authentication ones (a 401 for a missing or revoked token).
#[derive(Debug)]
#[must_use = "a builder does nothing until awaited"]
pub struct GetCurrentUser<'a> {
    client: &'a Client,
}

impl GetCurrentUser<'_> {
    #[allow(
        clippy::unnecessary_wraps,
        clippy::unused_self,
        reason = "the shape every builder shares"
    )]
    fn parts(&self) -> Parts {
        Ok(("/users/@me".to_owned(), None))
    }
}

route!(GetCurrentUser -> User, "GET", "GET /users/@me");

/// `GET /users/{target}/flags` (sent without the token, as the route needs none).
///
/// Errors: none of its own; an unknown user has flags `0`.
#[derive(Debug)]
#[must_use = "a builder does nothing until awaited"]
pub struct GetFlags<'a> {
    client: &'a Client,
    user: UserId,
}

impl GetFlags<'_> {
    #[allow(
        clippy::unnecessary_wraps,
        clippy::unused_self,
        reason = "the shape every builder shares"
    )]
    fn parts(&self) -> Parts {
        Ok((format!("/users/{}/flags", self.user), None))
    }
}

route!(GetFlags -> FlagResponse, "GET", "GET /users/{target}/flags", false);

/// `GET /users/dms`: saved messages, every DM (closed ones too) and groups.
///
/// Errors: only authentication ones (a 401 for a missing or revoked token).
#[derive(Debug)]
#[must_use = "a builder does nothing until awaited"]
pub struct GetDmChannels<'a> {
    client: &'a Client,
}

impl GetDmChannels<'_> {
    #[allow(
        clippy::unnecessary_wraps,
        clippy::unused_self,
        reason = "the shape every builder shares"
    )]
    fn parts(&self) -> Parts {
        Ok(("/users/dms".to_owned(), None))
    }
}

route!(GetDmChannels -> Vec<Channel>, "GET", "GET /users/dms");

/// `POST /users/friend`: a friend request by `name#discriminator`.
///
/// Errors: as [`AddFriend`], and `InvalidProperty` (no `#`).
#[derive(Debug)]
#[must_use = "a builder does nothing until awaited"]
pub struct SendFriendRequestByName<'a> {
    client: &'a Client,
    request: SendFriendRequest,
}

impl SendFriendRequestByName<'_> {
    fn parts(&self) -> Parts {
        self.request.validate()?;
        Ok(("/users/friend".to_owned(), body(&self.request)?))
    }
}

route!(SendFriendRequestByName -> User, "POST", "POST /users/friend");

/// `PATCH /users/{target}`: edit yourself (or a bot you own). Each setter
/// sets one part; `remove` clears one. Checked before sending.
///
/// Errors: `FailedValidation`, `NotPrivileged` (someone else's user, badges
/// or flags), `NotFound` (unknown target, or an avatar or background id
/// that is not an unused upload of the right tag).
#[derive(Debug)]
#[must_use = "a builder does nothing until awaited"]
pub struct EditUserRequest<'a> {
    client: &'a Client,
    target: Option<UserId>,
    edit: EditUser,
}

impl EditUserRequest<'_> {
    /// The display name (2 to 32 characters).
    pub fn display_name(mut self, name: impl Into<String>) -> Self {
        self.edit.display_name = Some(name.into());
        self
    }

    /// The pronouns (1 to 24 characters).
    pub fn pronouns(mut self, pronouns: impl Into<String>) -> Self {
        self.edit.pronouns = Some(pronouns.into());
        self
    }

    /// The status text (at most 128 characters); merged with the presence.
    pub fn status_text(mut self, text: impl Into<String>) -> Self {
        self.edit.status.get_or_insert_with(UserStatus::default).text = Some(text.into().into());
        self
    }

    /// The presence.
    pub fn presence(mut self, presence: Presence) -> Self {
        self.edit.status.get_or_insert_with(UserStatus::default).presence = Some(presence);
        self
    }

    /// The profile text (at most 2000 characters).
    pub fn profile_content(mut self, content: impl Into<String>) -> Self {
        self.edit.profile.get_or_insert_with(EditProfile::default).content = Some(content.into());
        self
    }

    /// Removes a field first (the server clears, then sets).
    pub fn remove(mut self, field: FieldsUser) -> Self {
        self.edit.remove.push(field);
        self
    }

    fn parts(&self) -> Parts {
        self.edit.validate()?;
        let target = self.target.map_or_else(|| "@me".to_owned(), |id| id.to_string());
        Ok((format!("/users/{target}"), body(&self.edit)?))
    }
}

route!(EditUserRequest -> User, "PATCH", "PATCH /users/{target}");

/// `PATCH /users/@me/username` (session tokens only; bots get a 401).
///
/// The answer is built without your point of view: its `relationship`,
/// `online` and `status` are not yours to trust.
///
/// Errors: `FailedValidation`, `InvalidCredentials` (wrong password),
/// `InvalidUsername`, `UsernameTaken`, `DiscriminatorChangeRatelimited`.
#[derive(Debug)]
#[must_use = "a builder does nothing until awaited"]
pub struct ChangeUsernameRequest<'a> {
    client: &'a Client,
    change: ChangeUsername,
}

impl ChangeUsernameRequest<'_> {
    fn parts(&self) -> Parts {
        self.change.validate()?;
        Ok(("/users/@me/username".to_owned(), body(&self.change)?))
    }
}

route!(ChangeUsernameRequest -> User, "PATCH", "PATCH /users/@me/username");

impl Client {
    /// `GET /users/@me`.
    pub fn current_user(&self) -> GetCurrentUser<'_> {
        GetCurrentUser { client: self }
    }

    /// `GET /users/{target}`.
    pub fn user(&self, user: UserId) -> GetUser<'_> {
        GetUser { client: self, user }
    }

    /// `GET /users/{target}/profile`.
    pub fn user_profile(&self, user: UserId) -> GetProfile<'_> {
        GetProfile { client: self, user }
    }

    /// `GET /users/{target}/flags`.
    pub fn user_flags(&self, user: UserId) -> GetFlags<'_> {
        GetFlags { client: self, user }
    }

    /// `GET /users/dms`.
    pub fn dm_channels(&self) -> GetDmChannels<'_> {
        GetDmChannels { client: self }
    }

    /// `GET /users/{target}/dm`.
    pub fn open_dm(&self, user: UserId) -> OpenDm<'_> {
        OpenDm { client: self, user }
    }

    /// `GET /users/{target}/mutual`.
    pub fn mutuals(&self, user: UserId) -> GetMutuals<'_> {
        GetMutuals { client: self, user }
    }

    /// `PUT /users/{target}/friend`.
    pub fn add_friend(&self, user: UserId) -> AddFriend<'_> {
        AddFriend { client: self, user }
    }

    /// `DELETE /users/{target}/friend`.
    pub fn remove_friend(&self, user: UserId) -> RemoveFriend<'_> {
        RemoveFriend { client: self, user }
    }

    /// `PUT /users/{target}/block`.
    pub fn block(&self, user: UserId) -> Block<'_> {
        Block { client: self, user }
    }

    /// `DELETE /users/{target}/block`.
    pub fn unblock(&self, user: UserId) -> Unblock<'_> {
        Unblock { client: self, user }
    }

    /// `POST /users/friend` for `name#discriminator`.
    pub fn send_friend_request(
        &self,
        name: &str,
        discriminator: Discriminator,
    ) -> SendFriendRequestByName<'_> {
        SendFriendRequestByName {
            client: self,
            request: SendFriendRequest::new(name, discriminator),
        }
    }

    /// `PATCH /users/@me`.
    pub fn edit_current_user(&self) -> EditUserRequest<'_> {
        EditUserRequest {
            client: self,
            target: None,
            edit: EditUser::default(),
        }
    }

    /// `PATCH /users/{target}` for a bot you own (or anyone, when privileged).
    pub fn edit_user(&self, user: UserId) -> EditUserRequest<'_> {
        EditUserRequest {
            client: self,
            target: Some(user),
            edit: EditUser::default(),
        }
    }

    /// `PATCH /users/@me/username`.
    pub fn change_username(
        &self,
        username: impl Into<String>,
        password: Secret,
    ) -> ChangeUsernameRequest<'_> {
        ChangeUsernameRequest {
            client: self,
            change: ChangeUsername {
                username: username.into(),
                password,
            },
        }
    }
}
