//! Applying a `UserUpdate` to a user exactly as the server does.

use bitflags::bitflags;

use super::{
    BotInformation, Discriminator, FieldsUser, PartialUser, Relationship, RelationshipStatus, User,
    UserBadges, UserFlags, UserStatus,
};
use compact_str::CompactString;

use crate::file::File;

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

/// A user that [`apply_update`] can change: a getter for the status and
/// a setter per field that stores the value and says whether it differed.
///
/// [`User`] implements it, and so can a compact form kept elsewhere (a
/// cache), so that the server's rules (data wins over a clear of the same
/// field, a status is replaced whole and an empty one is absent, clears of
/// status parts keep the other part) are written once, in [`apply_update`].
pub trait UserFields {
    /// Sets the username.
    fn set_username(&mut self, value: &str) -> bool;
    /// Sets the discriminator.
    fn set_discriminator(&mut self, value: Discriminator) -> bool;
    /// Sets or removes the display name.
    fn set_display_name(&mut self, value: Option<&str>) -> bool;
    /// Sets or removes the pronouns.
    fn set_pronouns(&mut self, value: Option<&str>) -> bool;
    /// Sets or removes the avatar.
    fn set_avatar(&mut self, value: Option<&File>) -> bool;
    /// Sets the relations.
    fn set_relations(&mut self, value: &[Relationship]) -> bool;
    /// Sets the badges.
    fn set_badges(&mut self, value: UserBadges) -> bool;
    /// The status (read when a clear removes part of it).
    fn status(&self) -> Option<UserStatus>;
    /// Sets or removes the status (never an empty one).
    fn set_status(&mut self, value: Option<&UserStatus>) -> bool;
    /// Sets the flags.
    fn set_flags(&mut self, value: UserFlags) -> bool;
    /// Sets the privileged state.
    fn set_privileged(&mut self, value: bool) -> bool;
    /// Sets or removes the bot information.
    fn set_bot(&mut self, value: Option<BotInformation>) -> bool;
    /// Sets the relationship.
    fn set_relationship(&mut self, value: &RelationshipStatus) -> bool;
    /// Sets the online state.
    fn set_online(&mut self, value: bool) -> bool;
}

/// Applies a `UserUpdate` (`data` and `clear`) to any [`UserFields`] the
/// way the server does: first the clears, then the data; `data.status`
/// replaces the status whole; `Internal` and unknown fields are ignored.
/// Returns what changed between before and after (a field cleared and set
/// back to its old value in the same update is not reported).
/// [`User::apply_update`] is this function on a [`User`].
pub fn apply_update<U: UserFields + ?Sized>(
    user: &mut U,
    data: &PartialUser,
    clear: &[FieldsUser],
) -> UserChanges {
    // A value in `data` overrides a clear of the same field, so each
    // field's final value is decided once: "clear, then set" without the
    // intermediate state.
    let cleared = |field: FieldsUser| clear.contains(&field);
    let mut changes = UserChanges::empty();
    let mut record = |flag: UserChanges, changed: bool| {
        if changed {
            changes.insert(flag);
        }
    };
    if let Some(v) = &data.avatar {
        record(UserChanges::AVATAR, user.set_avatar(Some(v)));
    } else if cleared(FieldsUser::Avatar) {
        record(UserChanges::AVATAR, user.set_avatar(None));
    }
    if let Some(v) = &data.display_name {
        record(UserChanges::DISPLAY_NAME, user.set_display_name(Some(v)));
    } else if cleared(FieldsUser::DisplayName) {
        record(UserChanges::DISPLAY_NAME, user.set_display_name(None));
    }
    if let Some(v) = &data.pronouns {
        record(UserChanges::PRONOUNS, user.set_pronouns(Some(v)));
    } else if cleared(FieldsUser::Pronouns) {
        record(UserChanges::PRONOUNS, user.set_pronouns(None));
    }
    if let Some(v) = &data.status {
        // An empty status is written as absent, so it is stored as `None`.
        record(
            UserChanges::STATUS,
            user.set_status(Some(v).filter(|v| !v.is_empty())),
        );
    } else if cleared(FieldsUser::StatusText) || cleared(FieldsUser::StatusPresence) {
        let mut status = user.status().unwrap_or_default();
        if cleared(FieldsUser::StatusText) {
            status.text = None;
        }
        if cleared(FieldsUser::StatusPresence) {
            status.presence = None;
        }
        record(
            UserChanges::STATUS,
            user.set_status(Some(&status).filter(|s| !s.is_empty())),
        );
    }
    record(
        UserChanges::PROFILE,
        cleared(FieldsUser::ProfileContent) || cleared(FieldsUser::ProfileBackground),
    );
    if let Some(v) = &data.username {
        record(UserChanges::USERNAME, user.set_username(v));
    }
    if let Some(v) = data.discriminator {
        record(UserChanges::DISCRIMINATOR, user.set_discriminator(v));
    }
    if let Some(v) = &data.relations {
        record(UserChanges::RELATIONS, user.set_relations(v));
    }
    if let Some(v) = data.badges {
        record(UserChanges::BADGES, user.set_badges(v));
    }
    if let Some(v) = data.flags {
        record(UserChanges::FLAGS, user.set_flags(v));
    }
    if let Some(v) = data.privileged {
        record(UserChanges::PRIVILEGED, user.set_privileged(v));
    }
    if let Some(v) = data.bot {
        record(UserChanges::BOT, user.set_bot(Some(v)));
    }
    if let Some(v) = &data.relationship {
        record(UserChanges::RELATIONSHIP, user.set_relationship(v));
    }
    if let Some(v) = data.online {
        record(UserChanges::ONLINE, user.set_online(v));
    }
    changes
}

/// Sets `slot` to `value` if that changes it; says whether it did.
fn set<T: PartialEq>(slot: &mut T, value: T) -> bool {
    let changed = *slot != value;
    if changed {
        *slot = value;
    }
    changed
}

/// Sets an optional slot from a borrowed value, converting only on change.
fn set_option<T, V: ?Sized + PartialEq>(
    slot: &mut Option<T>,
    value: Option<&V>,
    own: impl FnOnce(&V) -> T,
) -> bool
where
    T: std::ops::Deref<Target = V>,
{
    let changed = slot.as_deref() != value;
    if changed {
        *slot = value.map(own);
    }
    changed
}

impl UserFields for User {
    fn set_username(&mut self, value: &str) -> bool {
        let changed = self.username != value;
        if changed {
            self.username = value.into();
        }
        changed
    }
    fn set_discriminator(&mut self, value: Discriminator) -> bool {
        set(&mut self.discriminator, value)
    }
    fn set_display_name(&mut self, value: Option<&str>) -> bool {
        set_option(&mut self.display_name, value, |v| CompactString::from(v))
    }
    fn set_pronouns(&mut self, value: Option<&str>) -> bool {
        set_option(&mut self.pronouns, value, |v| CompactString::from(v))
    }
    fn set_avatar(&mut self, value: Option<&File>) -> bool {
        set_option(&mut self.avatar, value, |file| Box::new(file.clone()))
    }
    fn set_relations(&mut self, value: &[Relationship]) -> bool {
        let changed = self.relations != value;
        if changed {
            self.relations = value.to_vec();
        }
        changed
    }
    fn set_badges(&mut self, value: UserBadges) -> bool {
        set(&mut self.badges, value)
    }
    fn status(&self) -> Option<UserStatus> {
        self.status.clone()
    }
    fn set_status(&mut self, value: Option<&UserStatus>) -> bool {
        let changed = self.status.as_ref() != value;
        if changed {
            self.status = value.cloned();
        }
        changed
    }
    fn set_flags(&mut self, value: UserFlags) -> bool {
        set(&mut self.flags, value)
    }
    fn set_privileged(&mut self, value: bool) -> bool {
        set(&mut self.privileged, value)
    }
    fn set_bot(&mut self, value: Option<BotInformation>) -> bool {
        set(&mut self.bot, value)
    }
    fn set_relationship(&mut self, value: &RelationshipStatus) -> bool {
        let changed = self.relationship != *value;
        if changed {
            self.relationship = value.clone();
        }
        changed
    }
    fn set_online(&mut self, value: bool) -> bool {
        set(&mut self.online, value)
    }
}

impl User {
    /// Applies a `UserUpdate` (`data` and `clear`) the way the server does:
    /// first the clears, then the data; `data.status` replaces the status
    /// whole; `Internal` and unknown fields are ignored. Returns what
    /// changed between before and after (a field cleared and set back to
    /// its old value in the same update is not reported). The rules are
    /// [`apply_update`]'s, shared with any other [`UserFields`].
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
        apply_update(self, data, clear)
    }
}
