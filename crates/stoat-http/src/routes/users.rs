//! The `/users` routes.

use stoat_model::file::FileTag;
use stoat_model::request::{ChangeUsername, EditProfile, EditUser, SendFriendRequest};
use stoat_model::validate::Validate;
use stoat_model::{
    Channel, Discriminator, FieldsUser, FileId, FlagResponse, Mutuals, Presence, Secret, User, UserBadges,
    UserFlags, UserId, UserProfile, UserStatus,
};

use super::{Parts, json_body, request, route};
use crate::upload::Resource;
use crate::{Body, Client, Error, ErrorKind, Overrides};

/// Declares a builder that takes only a user id.
macro_rules! by_user {
    ($(#[$doc:meta])* $name:ident -> $output:ty, $route:expr, $suffix:literal $(, $auth:expr, $decode:path)?) => {
        $(#[$doc])*
        #[derive(Debug)]
        #[must_use = "a builder does nothing until awaited"]
        pub struct $name<'a> {
            client: &'a Client,
            user: UserId,
            overrides: Overrides,
        }

        impl $name<'_> {
            #[allow(clippy::unnecessary_wraps, reason = "the shape every builder shares")]
            fn parts(&self) -> Parts {
                Ok((format!("/users/{}{}", self.user, $suffix), Body::Empty))
            }
        }

        route!($name -> $output, $route $(, $auth, $decode)?);
    };
}

/// Declares a builder that takes nothing.
macro_rules! fixed {
    ($(#[$doc:meta])* $name:ident -> $output:ty, $route:expr, $path:literal) => {
        $(#[$doc])*
        #[derive(Debug)]
        #[must_use = "a builder does nothing until awaited"]
        pub struct $name<'a> {
            client: &'a Client,
            overrides: Overrides,
        }

        impl $name<'_> {
            #[allow(clippy::unnecessary_wraps, clippy::unused_self, reason = "the shape every builder shares")]
            fn parts(&self) -> Parts {
                Ok(($path.to_owned(), Body::Empty))
            }
        }

        route!($name -> $output, $route);
    };
}

fixed! {
    /// `GET /users/@me`: your own user.
    ///
    /// Errors: only authentication ones (a 401 for a missing or revoked token).
    GetCurrentUser -> User, crate::Route::GET_CURRENT_USER, "/users/@me"
}

fixed! {
    /// `GET /users/dms`: saved messages, every DM (closed ones too) and groups.
    ///
    /// Errors: only authentication ones (a 401 for a missing or revoked token).
    GetDmChannels -> Vec<Channel>, crate::Route::GET_DM_CHANNELS, "/users/dms"
}

by_user! {
    /// `GET /users/{target}`: a user, from your point of view.
    ///
    /// Errors: `NotFound`, `MissingPermission` (`Access`: you share nothing with them).
    GetUser -> User, crate::Route::GET_USER, ""
}

by_user! {
    /// `GET /users/{target}/profile`.
    ///
    /// Errors: `NotFound`, `MissingPermission` (`ViewProfile`).
    GetProfile -> UserProfile, crate::Route::GET_PROFILE, "/profile"
}

by_user! {
    /// `GET /users/{target}/flags` (sent without the token, as the route needs none).
    ///
    /// Errors: none of its own; an unknown user has flags `0`.
    GetFlags -> FlagResponse, crate::Route::GET_FLAGS, "/flags", false, super::decode::json
}

by_user! {
    /// `GET /users/{target}/default_avatar`: the PNG a user without an
    /// avatar shows (sent without the token; any id works, as the image
    /// depends only on its last character).
    ///
    /// Errors: none of its own.
    GetDefaultAvatar -> bytes::Bytes, crate::Route::GET_DEFAULT_AVATAR, "/default_avatar", false, super::decode::bytes
}

by_user! {
    /// `GET /users/{target}/dm`: the DM with a user (your saved messages for
    /// your own id), opened if needed. A closed DM comes back closed.
    ///
    /// Errors: `NotFound`, `MissingPermission` (`SendMessage`: humans must be
    /// friends; a bot and a user need something in common).
    OpenDm -> Channel, crate::Route::OPEN_DM, "/dm"
}

by_user! {
    /// `GET /users/{target}/mutual`: friends, servers, groups and DMs in common.
    ///
    /// Errors: `InvalidOperation` (yourself), `MissingPermission` (`ViewProfile`), `NotFound`.
    GetMutuals -> Mutuals, crate::Route::GET_MUTUALS, "/mutual"
}

by_user! {
    /// `PUT /users/{target}/friend`: accept their request, or send one.
    ///
    /// Errors: `IsBot`, `NoEffect` (yourself), `AlreadyFriends`,
    /// `AlreadySentRequest`, `Blocked`, `BlockedByOther`,
    /// `TooManyPendingFriendRequests`, `NotFound`.
    AddFriend -> User, crate::Route::ADD_FRIEND, "/friend"
}

by_user! {
    /// `DELETE /users/{target}/friend`: deny, cancel or unfriend.
    ///
    /// Errors: `IsBot`, `NoEffect` (no friendship or request), `NotFound`.
    RemoveFriend -> User, crate::Route::REMOVE_FRIEND, "/friend"
}

by_user! {
    /// `PUT /users/{target}/block`.
    ///
    /// Errors: `NoEffect` (already blocked, or yourself), `NotFound`.
    Block -> User, crate::Route::BLOCK, "/block"
}

by_user! {
    /// `DELETE /users/{target}/block`.
    ///
    /// Errors: `NoEffect` (not blocked), `NotFound`, `InternalError`.
    Unblock -> User, crate::Route::UNBLOCK, "/block"
}

/// `POST /users/friend`: a friend request by `name#discriminator`.
///
/// Errors: as [`AddFriend`], and `InvalidProperty` (no `#`).
#[derive(Debug)]
#[must_use = "a builder does nothing until awaited"]
pub struct SendFriendRequestByName<'a> {
    client: &'a Client,
    request: SendFriendRequest,
    overrides: Overrides,
}

impl SendFriendRequestByName<'_> {
    fn parts(&self) -> Parts {
        self.request.validate()?;
        Ok(("/users/friend".to_owned(), json_body(&self.request)?))
    }
}

route!(SendFriendRequestByName -> User, crate::Route::SEND_FRIEND_REQUEST);

/// `PATCH /users/{target}`: edit yourself (or a bot you own). Each setter
/// sets one part; `remove` clears one. Checked before sending; an avatar or
/// background given as bytes or a path is uploaded first.
///
/// Errors: `FailedValidation`, `NotPrivileged` (someone else's user, badges
/// or flags), `NotFound` (unknown target, or an avatar or background id
/// that is not an unused upload of the right tag), and the upload's errors
/// (see [`Upload`](crate::Upload)).
#[derive(Debug)]
#[must_use = "a builder does nothing until awaited"]
pub struct EditUserRequest<'a> {
    client: &'a Client,
    target: Option<UserId>,
    edit: EditUser,
    avatar: Option<Resource>,
    background: Option<Resource>,
    overrides: Overrides,
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

    /// The avatar: an upload's id, or bytes or a path to upload (tag `avatars`).
    pub fn avatar(mut self, avatar: impl Into<Resource>) -> Self {
        self.avatar = Some(avatar.into());
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

    /// The profile background: an upload's id, or bytes or a path to upload
    /// (tag `backgrounds`).
    pub fn background(mut self, background: impl Into<Resource>) -> Self {
        self.background = Some(background.into());
        self
    }

    /// The badges (privileged callers only).
    pub fn badges(mut self, badges: UserBadges) -> Self {
        self.edit.badges = Some(badges);
        self
    }

    /// The flags (privileged callers only).
    pub fn flags(mut self, flags: UserFlags) -> Self {
        self.edit.flags = Some(flags);
        self
    }

    /// Removes a field first (the server clears, then sets).
    pub fn remove(mut self, field: FieldsUser) -> Self {
        self.edit.remove.push(field);
        self
    }

    /// The checked body with uploaded ids in place; a file still to upload
    /// is an [`ErrorKind::UploadRequired`] error.
    fn parts(&self) -> Parts {
        let mut edit = self.edit.clone();
        let uploaded = |resource: &Option<Resource>| -> Result<Option<FileId>, Error> {
            match resource {
                None => Ok(None),
                Some(r) => r
                    .as_uploaded()
                    .cloned()
                    .map(Some)
                    .ok_or_else(|| Error::new(ErrorKind::UploadRequired)),
            }
        };
        edit.avatar = uploaded(&self.avatar)?;
        if let Some(background) = uploaded(&self.background)? {
            edit.profile.get_or_insert_with(EditProfile::default).background = Some(background);
        }
        edit.validate()?;
        let target = self.target.map_or_else(|| "@me".to_owned(), |id| id.to_string());
        Ok((format!("/users/{target}"), json_body(&edit)?))
    }
}

request!(EditUserRequest, crate::Route::EDIT_USER, true);

impl<'a> std::future::IntoFuture for EditUserRequest<'a> {
    type Output = Result<User, Error>;
    type IntoFuture = crate::Pending<'a, User>;

    fn into_future(mut self) -> Self::IntoFuture {
        Box::pin(async move {
            // Checked before anything is uploaded.
            self.edit.validate()?;
            let client = self.client;
            if let Some(avatar) = self.avatar.take() {
                let id = client.resolve(avatar, FileTag::Avatars, &self.overrides).await?;
                self.avatar = Some(Resource::uploaded(id));
            }
            if let Some(background) = self.background.take() {
                let id = client
                    .resolve(background, FileTag::Backgrounds, &self.overrides)
                    .await?;
                self.background = Some(Resource::uploaded(id));
            }
            let bytes = client.send(self.into_request()?).await?;
            super::decode::json(crate::Route::EDIT_USER.name(), bytes)
        })
    }
}

/// `PATCH /users/@me/username` (session tokens only; bots get a 401).
///
/// The answer is built without your point of view: its `relationship`,
/// `online` and `status` are not yours to trust.
///
/// Errors: `FailedValidation`, `InvalidCredentials` (wrong password),
/// `InvalidUsername`, `UsernameTaken`, `DiscriminatorChangeRatelimited`
/// (a 429 that is never retried: the server allows one change a day).
#[derive(Debug)]
#[must_use = "a builder does nothing until awaited"]
pub struct ChangeUsernameRequest<'a> {
    client: &'a Client,
    change: ChangeUsername,
    overrides: Overrides,
}

impl ChangeUsernameRequest<'_> {
    fn parts(&self) -> Parts {
        self.change.validate()?;
        Ok(("/users/@me/username".to_owned(), json_body(&self.change)?))
    }
}

route!(ChangeUsernameRequest -> User, crate::Route::CHANGE_USERNAME);

impl Client {
    /// `GET /users/@me`.
    pub fn current_user(&self) -> GetCurrentUser<'_> {
        GetCurrentUser {
            client: self,
            overrides: Overrides::default(),
        }
    }

    /// `GET /users/{target}`.
    pub fn user(&self, user: UserId) -> GetUser<'_> {
        GetUser {
            client: self,
            user,
            overrides: Overrides::default(),
        }
    }

    /// `GET /users/{target}/profile`.
    pub fn user_profile(&self, user: UserId) -> GetProfile<'_> {
        GetProfile {
            client: self,
            user,
            overrides: Overrides::default(),
        }
    }

    /// `GET /users/{target}/flags`.
    pub fn user_flags(&self, user: UserId) -> GetFlags<'_> {
        GetFlags {
            client: self,
            user,
            overrides: Overrides::default(),
        }
    }

    /// `GET /users/{target}/default_avatar`: the PNG bytes.
    pub fn default_avatar(&self, user: UserId) -> GetDefaultAvatar<'_> {
        GetDefaultAvatar {
            client: self,
            user,
            overrides: Overrides::default(),
        }
    }

    /// `GET /users/dms`.
    pub fn dm_channels(&self) -> GetDmChannels<'_> {
        GetDmChannels {
            client: self,
            overrides: Overrides::default(),
        }
    }

    /// `GET /users/{target}/dm`.
    pub fn open_dm(&self, user: UserId) -> OpenDm<'_> {
        OpenDm {
            client: self,
            user,
            overrides: Overrides::default(),
        }
    }

    /// `GET /users/{target}/mutual`.
    pub fn mutuals(&self, user: UserId) -> GetMutuals<'_> {
        GetMutuals {
            client: self,
            user,
            overrides: Overrides::default(),
        }
    }

    /// `PUT /users/{target}/friend`.
    pub fn add_friend(&self, user: UserId) -> AddFriend<'_> {
        AddFriend {
            client: self,
            user,
            overrides: Overrides::default(),
        }
    }

    /// `DELETE /users/{target}/friend`.
    pub fn remove_friend(&self, user: UserId) -> RemoveFriend<'_> {
        RemoveFriend {
            client: self,
            user,
            overrides: Overrides::default(),
        }
    }

    /// `PUT /users/{target}/block`.
    pub fn block(&self, user: UserId) -> Block<'_> {
        Block {
            client: self,
            user,
            overrides: Overrides::default(),
        }
    }

    /// `DELETE /users/{target}/block`.
    pub fn unblock(&self, user: UserId) -> Unblock<'_> {
        Unblock {
            client: self,
            user,
            overrides: Overrides::default(),
        }
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
            overrides: Overrides::default(),
        }
    }

    /// `PATCH /users/@me`.
    pub fn edit_current_user(&self) -> EditUserRequest<'_> {
        self.edit(None)
    }

    /// `PATCH /users/{target}` for a bot you own (or anyone, when privileged).
    pub fn edit_user(&self, user: UserId) -> EditUserRequest<'_> {
        self.edit(Some(user))
    }

    fn edit(&self, target: Option<UserId>) -> EditUserRequest<'_> {
        EditUserRequest {
            client: self,
            target,
            edit: EditUser::default(),
            avatar: None,
            background: None,
            overrides: Overrides::default(),
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
            overrides: Overrides::default(),
        }
    }
}
