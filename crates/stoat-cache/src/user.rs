//! The compact form users are cached in.

use compact_str::CompactString;
use stoat_model::{
    BotInformation, Discriminator, File, PartialUser, Relationship, RelationshipStatus, User, UserBadges,
    UserChanges, UserFlags, UserId, UserStatus,
};

/// A cached user: what every user has inline (48 bytes), the rest boxed.
///
/// Most users have only a name, a discriminator, a relationship and an
/// online flag; display names, statuses, avatars, bots and your own
/// relations go into a box that is only allocated when one is set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CachedUser {
    username: CompactString,
    extras: Option<Box<Extras>>,
    badges: UserBadges,
    flags: UserFlags,
    discriminator: Discriminator,
    relationship: Relation,
    online: bool,
    privileged: bool,
}

/// What few users have.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Extras {
    display_name: Option<CompactString>,
    pronouns: Option<CompactString>,
    avatar: Option<Box<File>>,
    status: Option<UserStatus>,
    bot: Option<BotInformation>,
    relations: Vec<Relationship>,
    /// A relationship value this version does not know, kept as sent.
    unknown_relationship: Option<Box<str>>,
}

impl Extras {
    fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// A relationship in one byte; unknown values live in the extras.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Relation {
    None,
    User,
    Friend,
    Outgoing,
    Incoming,
    Blocked,
    BlockedOther,
    Unknown,
}

impl Relation {
    fn of(status: &RelationshipStatus) -> Self {
        match status {
            RelationshipStatus::User => Self::User,
            RelationshipStatus::Friend => Self::Friend,
            RelationshipStatus::Outgoing => Self::Outgoing,
            RelationshipStatus::Incoming => Self::Incoming,
            RelationshipStatus::Blocked => Self::Blocked,
            RelationshipStatus::BlockedOther => Self::BlockedOther,
            RelationshipStatus::None => Self::None,
            _ => Self::Unknown,
        }
    }
}

impl CachedUser {
    /// The compact form of a user.
    pub fn from_user(user: User) -> Self {
        let relation = Relation::of(&user.relationship);
        let unknown_relationship = match (relation, user.relationship) {
            (Relation::Unknown, RelationshipStatus::Unknown(value)) => Some(value),
            _ => None,
        };
        let extras = Extras {
            display_name: user.display_name,
            pronouns: user.pronouns,
            avatar: user.avatar,
            status: user.status,
            bot: user.bot,
            relations: user.relations,
            unknown_relationship,
        };
        Self {
            username: user.username,
            extras: (!extras.is_empty()).then(|| Box::new(extras)),
            badges: user.badges,
            flags: user.flags,
            discriminator: user.discriminator,
            relationship: relation,
            online: user.online,
            privileged: user.privileged,
        }
    }

    /// The full user again (the id is the cache key, so it is passed in).
    pub fn to_user(&self, id: UserId) -> User {
        let extras = self.extras.as_deref();
        let extra = |f: fn(&Extras) -> Option<&CompactString>| extras.and_then(f).cloned();
        User {
            id,
            username: self.username.clone(),
            discriminator: self.discriminator,
            display_name: extra(|e| e.display_name.as_ref()),
            pronouns: extra(|e| e.pronouns.as_ref()),
            avatar: extras.and_then(|e| e.avatar.clone()),
            relations: extras.map(|e| e.relations.clone()).unwrap_or_default(),
            badges: self.badges,
            status: extras.and_then(|e| e.status.clone()),
            flags: self.flags,
            privileged: self.privileged,
            bot: extras.and_then(|e| e.bot),
            relationship: self.relationship(),
            online: self.online,
        }
    }

    /// The old values of the fields in `changes`, taken out of this user.
    pub(crate) fn into_changed(self, changes: UserChanges) -> PartialUser {
        let mut extras = self.extras.map(|e| *e).unwrap_or_default();
        let pick = |flag| changes.contains(flag);
        let relationship = if pick(UserChanges::RELATIONSHIP) {
            Some(match extras.unknown_relationship.take() {
                Some(value) => RelationshipStatus::Unknown(value),
                None => relation_status(self.relationship),
            })
        } else {
            None
        };
        PartialUser {
            id: None,
            username: pick(UserChanges::USERNAME).then_some(self.username),
            discriminator: pick(UserChanges::DISCRIMINATOR).then_some(self.discriminator),
            display_name: extras.display_name.filter(|_| pick(UserChanges::DISPLAY_NAME)),
            pronouns: extras.pronouns.filter(|_| pick(UserChanges::PRONOUNS)),
            avatar: extras.avatar.filter(|_| pick(UserChanges::AVATAR)),
            relations: pick(UserChanges::RELATIONS).then_some(extras.relations),
            badges: pick(UserChanges::BADGES).then_some(self.badges),
            status: extras.status.filter(|_| pick(UserChanges::STATUS)),
            flags: pick(UserChanges::FLAGS).then_some(self.flags),
            privileged: pick(UserChanges::PRIVILEGED).then_some(self.privileged),
            bot: extras.bot.filter(|_| pick(UserChanges::BOT)),
            relationship,
            online: pick(UserChanges::ONLINE).then_some(self.online),
        }
    }

    /// Username.
    pub fn username(&self) -> &str {
        &self.username
    }

    /// Discriminator.
    pub fn discriminator(&self) -> Discriminator {
        self.discriminator
    }

    /// Display name.
    pub fn display_name(&self) -> Option<&str> {
        self.extras.as_ref()?.display_name.as_deref()
    }

    /// Avatar.
    pub fn avatar(&self) -> Option<&File> {
        self.extras.as_ref()?.avatar.as_deref()
    }

    /// Status.
    pub fn status(&self) -> Option<&UserStatus> {
        self.extras.as_ref()?.status.as_ref()
    }

    /// Badges.
    pub fn badges(&self) -> UserBadges {
        self.badges
    }

    /// Flags.
    pub fn flags(&self) -> UserFlags {
        self.flags
    }

    /// Bot owner, for bots.
    pub fn bot_owner(&self) -> Option<UserId> {
        self.extras.as_ref()?.bot.map(|b| b.owner)
    }

    /// Your relationship with this user.
    pub fn relationship(&self) -> RelationshipStatus {
        match (
            &self.relationship,
            self.extras.as_ref().and_then(|e| e.unknown_relationship.as_ref()),
        ) {
            (Relation::Unknown, Some(value)) => RelationshipStatus::Unknown(value.clone()),
            (relation, _) => relation_status(*relation),
        }
    }

    /// Online and not invisible.
    pub fn is_online(&self) -> bool {
        let invisible = self
            .status()
            .and_then(|s| s.presence.as_ref())
            .is_some_and(|p| *p == stoat_model::Presence::Invisible);
        self.online && !invisible
    }

    /// Your relations (only on your own user).
    pub fn relations(&self) -> &[Relationship] {
        self.extras.as_ref().map_or(&[], |e| &e.relations)
    }

    /// Heap bytes held besides the inline form (an estimate: allocator
    /// overhead is not counted).
    pub fn heap_bytes(&self) -> usize {
        let Some(extras) = &self.extras else { return 0 };
        let string = |s: &Option<CompactString>| {
            s.as_ref()
                .filter(|s| s.is_heap_allocated())
                .map_or(0, CompactString::capacity)
        };
        let file = extras.avatar.as_ref().map_or(0, |f| {
            size_of::<File>() + f.id.as_str().len() + f.filename.len() + f.content_type.len()
        });
        size_of::<Extras>()
            + string(&extras.display_name)
            + string(&extras.pronouns)
            + file
            + extras.relations.capacity() * size_of::<Relationship>()
            + extras
                .status
                .as_ref()
                .and_then(|s| s.text.as_ref())
                .filter(|t| t.is_heap_allocated())
                .map_or(0, CompactString::capacity)
    }
}

fn relation_status(relation: Relation) -> RelationshipStatus {
    match relation {
        Relation::User => RelationshipStatus::User,
        Relation::Friend => RelationshipStatus::Friend,
        Relation::Outgoing => RelationshipStatus::Outgoing,
        Relation::Incoming => RelationshipStatus::Incoming,
        Relation::Blocked => RelationshipStatus::Blocked,
        Relation::BlockedOther => RelationshipStatus::BlockedOther,
        Relation::None | Relation::Unknown => RelationshipStatus::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_inline_form_is_small() {
        assert!(size_of::<CachedUser>() <= 48, "{}", size_of::<CachedUser>());
    }

    #[test]
    fn a_user_survives_the_compact_form() {
        let user: User = serde_json::from_value(serde_json::json!({
            "_id": "01M860BWPTBVM98D71JYP906BF", "username": "bob", "discriminator": "0001",
            "display_name": "Bob", "status": {"text": "hi", "presence": "Invisible"},
            "relations": [{"_id": "01M860RNGMDS8N5WFT4YG8K79P", "status": "Friend"}],
            "badges": 4, "flags": 2, "privileged": true, "bot": {"owner": "01M860RNGMDS8N5WFT4YG8K79P"},
            "relationship": "Soulmate", "online": true
        }))
        .unwrap();
        let cached = CachedUser::from_user(user.clone());
        assert_eq!(cached.to_user(user.id), user);
        assert!(!cached.is_online(), "Invisible counts as offline");
        let plain = User::new(user.id, "x", Discriminator::DELETED);
        assert!(CachedUser::from_user(plain.clone()).extras.is_none());
        assert_eq!(CachedUser::from_user(plain.clone()).to_user(plain.id), plain);
    }
}
