//! Applying a `UserUpdate` to a user exactly as the server does.

use bitflags::bitflags;

use super::{FieldsUser, PartialUser, User};

bitflags! {
    /// Which parts of a user an update changed.
    ///
    /// [`PROFILE`](Self::PROFILE) means the profile (not part of [`User`])
    /// changed: drop any cached [`UserProfile`](super::UserProfile) and
    /// fetch it again if needed.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct UserChanges: u16 {
        /// `username`.
        const USERNAME = 1;
        /// `discriminator`.
        const DISCRIMINATOR = 1 << 1;
        /// `display_name`.
        const DISPLAY_NAME = 1 << 2;
        /// `pronouns`.
        const PRONOUNS = 1 << 3;
        /// `avatar`.
        const AVATAR = 1 << 4;
        /// `relations`.
        const RELATIONS = 1 << 5;
        /// `badges`.
        const BADGES = 1 << 6;
        /// `status`.
        const STATUS = 1 << 7;
        /// `flags`.
        const FLAGS = 1 << 8;
        /// `privileged`.
        const PRIVILEGED = 1 << 9;
        /// `bot`.
        const BOT = 1 << 10;
        /// `relationship`.
        const RELATIONSHIP = 1 << 11;
        /// `online`.
        const ONLINE = 1 << 12;
        /// The profile (content or background) was cleared.
        const PROFILE = 1 << 13;
    }
}

impl UserChanges {
    /// The parts of a user that an update sets or clears, whatever their
    /// values were: what it may have changed about a user you do not have.
    /// (With the user at hand, [`User::apply_update`] says what it did
    /// change, always a part of this.)
    ///
    /// ```
    /// use stoat_model::{FieldsUser, PartialUser, UserChanges};
    ///
    /// let data = PartialUser { online: Some(true), ..Default::default() };
    /// let touched = UserChanges::touched_by(&data, &[FieldsUser::StatusText]);
    /// assert_eq!(touched, UserChanges::ONLINE | UserChanges::STATUS);
    /// ```
    pub fn touched_by(data: &PartialUser, clear: &[FieldsUser]) -> Self {
        let cleared = |field: FieldsUser| clear.contains(&field);
        [
            (Self::USERNAME, data.username.is_some()),
            (Self::DISCRIMINATOR, data.discriminator.is_some()),
            (
                Self::DISPLAY_NAME,
                data.display_name.is_some() || cleared(FieldsUser::DisplayName),
            ),
            (
                Self::PRONOUNS,
                data.pronouns.is_some() || cleared(FieldsUser::Pronouns),
            ),
            (Self::AVATAR, data.avatar.is_some() || cleared(FieldsUser::Avatar)),
            (Self::RELATIONS, data.relations.is_some()),
            (Self::BADGES, data.badges.is_some()),
            (
                Self::STATUS,
                data.status.is_some()
                    || cleared(FieldsUser::StatusText)
                    || cleared(FieldsUser::StatusPresence),
            ),
            (Self::FLAGS, data.flags.is_some()),
            (Self::PRIVILEGED, data.privileged.is_some()),
            (Self::BOT, data.bot.is_some()),
            (Self::RELATIONSHIP, data.relationship.is_some()),
            (Self::ONLINE, data.online.is_some()),
            (
                Self::PROFILE,
                cleared(FieldsUser::ProfileContent) || cleared(FieldsUser::ProfileBackground),
            ),
        ]
        .into_iter()
        .filter(|&(_, touched)| touched)
        .fold(Self::empty(), |all, (flag, _)| all | flag)
    }
}

/// Sets `slot` to `value` and records `flag` if that changed anything.
fn set<T: PartialEq>(changes: &mut UserChanges, flag: UserChanges, slot: &mut T, value: T) {
    if *slot != value {
        *slot = value;
        changes.insert(flag);
    }
}

impl User {
    /// Applies a `UserUpdate` (`data` and `clear`) the way the server does:
    /// first the clears, then the data; `data.status` replaces the status
    /// whole; `Internal` and unknown fields are ignored. Returns what
    /// changed between before and after (a field cleared and set back to
    /// its old value in the same update is not reported).
    ///
    /// ```
    /// use stoat_model::{FieldsUser, PartialUser, User, UserChanges};
    ///
    /// # let mut user: User = serde_json::from_str(r#"{"_id":"01M860BWPTBVM98D71JYP906BF",
    /// #   "username":"bob","discriminator":"0001","display_name":"Old","relationship":"Friend","online":true}"#)?;
    /// // Clear-then-set in one event ends with the new value.
    /// let data = PartialUser { display_name: Some("New".into()), ..Default::default() };
    /// let changes = user.apply_update(&data, &[FieldsUser::DisplayName]);
    /// assert_eq!(user.display_name.as_deref(), Some("New"));
    /// assert_eq!(changes, UserChanges::DISPLAY_NAME);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    // Long on purpose (about 80 lines): one short block per field, in the
    // wire's order, each deciding that field once; helpers per field would
    // hide that the rule is the same for all.
    pub fn apply_update(&mut self, data: &PartialUser, clear: &[FieldsUser]) -> UserChanges {
        // A value in `data` overrides a clear of the same field, so each
        // field's final value is decided once: "clear, then set" without
        // the intermediate state.
        let cleared = |field: FieldsUser| clear.contains(&field);
        let mut changes = UserChanges::empty();
        let c = &mut changes;
        if let Some(v) = &data.avatar {
            set(c, UserChanges::AVATAR, &mut self.avatar, Some(v.clone()));
        } else if cleared(FieldsUser::Avatar) {
            set(c, UserChanges::AVATAR, &mut self.avatar, None);
        }
        if let Some(v) = &data.display_name {
            set(
                c,
                UserChanges::DISPLAY_NAME,
                &mut self.display_name,
                Some(v.clone()),
            );
        } else if cleared(FieldsUser::DisplayName) {
            set(c, UserChanges::DISPLAY_NAME, &mut self.display_name, None);
        }
        if let Some(v) = &data.pronouns {
            set(c, UserChanges::PRONOUNS, &mut self.pronouns, Some(v.clone()));
        } else if cleared(FieldsUser::Pronouns) {
            set(c, UserChanges::PRONOUNS, &mut self.pronouns, None);
        }
        if let Some(v) = &data.status {
            // An empty status is written as absent, so it is stored as `None`.
            set(
                c,
                UserChanges::STATUS,
                &mut self.status,
                (!v.is_empty()).then(|| v.clone()),
            );
        } else if cleared(FieldsUser::StatusText) || cleared(FieldsUser::StatusPresence) {
            let mut status = self.status.clone().unwrap_or_default();
            if cleared(FieldsUser::StatusText) {
                status.text = None;
            }
            if cleared(FieldsUser::StatusPresence) {
                status.presence = None;
            }
            set(
                c,
                UserChanges::STATUS,
                &mut self.status,
                (!status.is_empty()).then_some(status),
            );
        }
        if cleared(FieldsUser::ProfileContent) || cleared(FieldsUser::ProfileBackground) {
            c.insert(UserChanges::PROFILE);
        }
        if let Some(v) = &data.username {
            set(c, UserChanges::USERNAME, &mut self.username, v.clone());
        }
        if let Some(v) = data.discriminator {
            set(c, UserChanges::DISCRIMINATOR, &mut self.discriminator, v);
        }
        if let Some(v) = &data.relations {
            set(c, UserChanges::RELATIONS, &mut self.relations, v.clone());
        }
        if let Some(v) = data.badges {
            set(c, UserChanges::BADGES, &mut self.badges, v);
        }
        if let Some(v) = data.flags {
            set(c, UserChanges::FLAGS, &mut self.flags, v);
        }
        if let Some(v) = data.privileged {
            set(c, UserChanges::PRIVILEGED, &mut self.privileged, v);
        }
        if let Some(v) = data.bot {
            set(c, UserChanges::BOT, &mut self.bot, Some(v));
        }
        if let Some(v) = &data.relationship {
            set(c, UserChanges::RELATIONSHIP, &mut self.relationship, v.clone());
        }
        if let Some(v) = data.online {
            set(c, UserChanges::ONLINE, &mut self.online, v);
        }
        changes
    }
}
