//! The old values an update replaced.

use std::fmt;

use stoat_model::{
    BotInformation, Discriminator, File, PartialUser, Relationship, RelationshipStatus, UserBadges,
    UserChanges, UserFlags, UserStatus,
};

use super::View;

/// The old values of the fields an update changed, read from the compact
/// form the user had: nothing is copied or built until asked for.
///
/// Each getter answers as [`PartialUser`]'s field would: `Some` with the
/// old value when the update changed that field, else `None` (for the
/// optional fields, `None` also when there was no old value: the diff's
/// `changes` tells the two apart). [`to_partial`](Self::to_partial) gives
/// them all as a [`PartialUser`].
#[derive(Clone)]
pub struct UserBefore {
    pub(super) changes: UserChanges,
    pub(super) discriminator: u16,
    pub(super) state: u8,
    /// The old byte string, when a part of it changed.
    pub(super) data: Option<Box<[u8]>>,
}

impl UserBefore {
    fn view(&self) -> View<'_> {
        View {
            discriminator: self.discriminator,
            state: self.state,
            data: self.data.as_deref().unwrap_or_default(),
        }
    }

    /// Reads a field's old value, if the update changed it.
    fn old<'a, T>(&'a self, field: UserChanges, read: impl FnOnce(View<'a>) -> T) -> Option<T> {
        self.changes.contains(field).then(|| read(self.view()))
    }

    /// The old username.
    pub fn username(&self) -> Option<&str> {
        self.old(UserChanges::USERNAME, |v| v.username())
    }

    /// The old discriminator.
    pub fn discriminator(&self) -> Option<Discriminator> {
        self.old(UserChanges::DISCRIMINATOR, |v| v.discriminator())
    }

    /// The old display name.
    pub fn display_name(&self) -> Option<&str> {
        self.old(UserChanges::DISPLAY_NAME, |v| v.display_name())
            .flatten()
    }

    /// The old pronouns.
    pub fn pronouns(&self) -> Option<&str> {
        self.old(UserChanges::PRONOUNS, |v| v.pronouns()).flatten()
    }

    /// The old avatar.
    pub fn avatar(&self) -> Option<Box<File>> {
        self.old(UserChanges::AVATAR, |v| v.avatar()).flatten()
    }

    /// The old relations (only on your own user).
    pub fn relations(&self) -> Option<Vec<Relationship>> {
        self.old(UserChanges::RELATIONS, |v| v.relations())
    }

    /// The old badges.
    pub fn badges(&self) -> Option<UserBadges> {
        self.old(UserChanges::BADGES, |v| v.badges())
    }

    /// The old status.
    pub fn status(&self) -> Option<UserStatus> {
        self.old(UserChanges::STATUS, |v| v.status()).flatten()
    }

    /// The old flags.
    pub fn flags(&self) -> Option<UserFlags> {
        self.old(UserChanges::FLAGS, |v| v.flags())
    }

    /// Whether the user was privileged.
    pub fn privileged(&self) -> Option<bool> {
        self.old(UserChanges::PRIVILEGED, |v| v.privileged())
    }

    /// The old bot information.
    pub fn bot(&self) -> Option<BotInformation> {
        self.old(UserChanges::BOT, |v| v.bot()).flatten()
    }

    /// Your old relationship with the user.
    pub fn relationship(&self) -> Option<RelationshipStatus> {
        self.old(UserChanges::RELATIONSHIP, |v| v.relationship())
    }

    /// Whether the user was online.
    pub fn online(&self) -> Option<bool> {
        self.old(UserChanges::ONLINE, |v| v.online())
    }

    /// Every old value, as the fields of a partial user.
    pub fn to_partial(&self) -> PartialUser {
        PartialUser {
            id: None,
            username: self.username().map(Into::into),
            discriminator: self.discriminator(),
            display_name: self.display_name().map(Into::into),
            pronouns: self.pronouns().map(Into::into),
            avatar: self.avatar(),
            relations: self.relations(),
            badges: self.badges(),
            status: self.status(),
            flags: self.flags(),
            privileged: self.privileged(),
            bot: self.bot(),
            relationship: self.relationship(),
            online: self.online(),
        }
    }
}

/// Equal when the same fields changed from the same values.
impl PartialEq for UserBefore {
    fn eq(&self, other: &Self) -> bool {
        self.changes == other.changes && self.to_partial() == other.to_partial()
    }
}

impl Eq for UserBefore {}

/// Shows the old values, not the bytes they are read from.
impl fmt::Debug for UserBefore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_partial(), f)
    }
}
