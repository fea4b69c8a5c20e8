//! The update between two states of a user: what a client that missed the
//! events in between (a reconnect: the server has no resume) would have
//! been told. The inverse of [`User::apply_update`], which the tests hold
//! it to.

use super::{FieldsUser, PartialUser, User, UserStatus};

impl User {
    /// The `data` and `clear` of a `UserUpdate` that turns this user into
    /// `new` (as [`apply_update`](Self::apply_update) applies them), for
    /// every part an update can carry except the relationship and your
    /// relations (a reconnect reports those as relationship changes). A
    /// bot's information is only ever set by an update, so a bot that
    /// stopped being one is not expressed.
    ///
    /// ```
    /// use stoat_model::User;
    ///
    /// # let old: User = serde_json::from_str(r#"{"_id":"01M860BWPTBVM98D71JYP906BF",
    /// #   "username":"bob","discriminator":"0001","display_name":"Old","online":true}"#)?;
    /// let mut new = old.clone();
    /// new.display_name = None;
    /// new.online = false;
    /// let (data, clear) = old.update_to(&new);
    /// let mut applied = old.clone();
    /// applied.apply_update(&data, &clear);
    /// assert_eq!(applied, new);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn update_to(&self, new: &User) -> (PartialUser, Vec<FieldsUser>) {
        let mut data = PartialUser::default();
        let mut clear = Vec::new();
        optional(
            self.display_name.as_ref(),
            new.display_name.as_ref(),
            &mut data.display_name,
            &mut clear,
            FieldsUser::DisplayName,
        );
        optional(
            self.pronouns.as_ref(),
            new.pronouns.as_ref(),
            &mut data.pronouns,
            &mut clear,
            FieldsUser::Pronouns,
        );
        optional(
            self.avatar.as_ref(),
            new.avatar.as_ref(),
            &mut data.avatar,
            &mut clear,
            FieldsUser::Avatar,
        );
        status(self.status.as_ref(), new.status.as_ref(), &mut data, &mut clear);
        data.username = changed(&self.username, &new.username);
        data.discriminator = changed(&self.discriminator, &new.discriminator);
        data.badges = changed(&self.badges, &new.badges);
        data.flags = changed(&self.flags, &new.flags);
        data.privileged = changed(&self.privileged, &new.privileged);
        data.online = changed(&self.online, &new.online);
        if new.bot.is_some() {
            data.bot = changed(&self.bot, &new.bot).flatten();
        }
        (data, clear)
    }
}

/// `new`, when it differs from `old`.
fn changed<T: PartialEq + Clone>(old: &T, new: &T) -> Option<T> {
    (old != new).then(|| new.clone())
}

/// An optional part: set when it has a new value, cleared when it has none.
fn optional<T: PartialEq + Clone>(
    old: Option<&T>,
    new: Option<&T>,
    slot: &mut Option<T>,
    clear: &mut Vec<FieldsUser>,
    field: FieldsUser,
) {
    match new {
        _ if old == new => {}
        Some(value) => *slot = Some(value.clone()),
        None => clear.push(field),
    }
}

/// The status is replaced whole, or its parts cleared.
fn status(
    old: Option<&UserStatus>,
    new: Option<&UserStatus>,
    data: &mut PartialUser,
    clear: &mut Vec<FieldsUser>,
) {
    match new {
        _ if old == new => {}
        Some(status) => data.status = Some(status.clone()),
        None => clear.extend([FieldsUser::StatusText, FieldsUser::StatusPresence]),
    }
}
