//! The compact form users are cached in.

use compact_str::CompactString;
use stoat_model::file::{FileId, FileTag, Metadata};
use stoat_model::{
    BotInformation, Discriminator, File, PartialUser, Presence, Relationship, RelationshipStatus, User,
    UserBadges, UserChanges, UserFlags, UserId, UserStatus,
};

/// A cached user: what every user has inline (40 bytes), the rest boxed.
///
/// Most users have only a name, a discriminator, a relationship and an
/// online flag. Display names, statuses, avatars, badges and flags go into a
/// box that is only allocated when one is set; what almost no user has (pronouns, bot
/// owners, your own relations, values this version does not know) goes
/// into a second box inside it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CachedUser {
    username: CompactString,
    extras: Option<Box<Extras>>,
    discriminator: Discriminator,
    relationship: Relation,
    online: bool,
}

/// What some users have.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Extras {
    display_name: Option<CompactString>,
    status_text: Option<CompactString>,
    avatar: Option<Avatar>,
    rare: Option<Box<Rare>>,
    badges: UserBadges,
    flags: UserFlags,
    status: StatusCode,
    privileged: bool,
}

/// An avatar: the usual shape in half the bytes of a [`File`]; anything
/// else (legacy fields, flags, other metadata) kept as the file itself.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Avatar {
    Image(Box<AvatarImage>),
    Other(Box<File>),
}

/// An image avatar with no optional file field set.
#[derive(Clone, Debug, PartialEq, Eq)]
struct AvatarImage {
    id: FileId,
    filename: CompactString,
    content_type: CompactString,
    thumbhash: Option<Box<[u8]>>,
    size: i64,
    width: u32,
    height: u32,
    animated: Option<bool>,
}

impl Avatar {
    fn from_file(file: Box<File>) -> Self {
        let plain = file.tag == FileTag::Avatars
            && file.deleted.is_none()
            && file.reported.is_none()
            && file.message_id.is_none()
            && file.user_id.is_none()
            && file.server_id.is_none()
            && file.object_id.is_none();
        match (plain, &file.metadata) {
            (
                true,
                Metadata::Image {
                    width,
                    height,
                    thumbhash,
                    animated,
                },
            ) => match (u32::try_from(*width), u32::try_from(*height)) {
                (Ok(width), Ok(height)) => Self::Image(Box::new(AvatarImage {
                    thumbhash: thumbhash.clone().map(Vec::into_boxed_slice),
                    animated: *animated,
                    width,
                    height,
                    size: file.size,
                    content_type: file.content_type.as_ref().into(),
                    filename: file.filename.as_ref().into(),
                    id: file.id,
                })),
                _ => Self::Other(file),
            },
            _ => Self::Other(file),
        }
    }

    fn to_file(&self) -> Box<File> {
        match self {
            Self::Other(file) => file.clone(),
            Self::Image(image) => {
                let metadata = Metadata::Image {
                    width: image.width.into(),
                    height: image.height.into(),
                    thumbhash: image.thumbhash.as_deref().map(<[u8]>::to_vec),
                    animated: image.animated,
                };
                Box::new(File::new(
                    image.id.clone(),
                    FileTag::Avatars,
                    &image.filename,
                    metadata,
                    &image.content_type,
                    image.size,
                ))
            }
        }
    }

    fn into_file(self) -> Box<File> {
        match self {
            Self::Other(file) => file,
            image @ Self::Image(_) => image.to_file(),
        }
    }

    fn heap_bytes(&self) -> usize {
        match self {
            Self::Other(f) => {
                size_of::<File>() + f.id.as_str().len() + f.filename.len() + f.content_type.len()
            }
            Self::Image(i) => {
                size_of::<AvatarImage>() + i.id.as_str().len() + i.thumbhash.as_ref().map_or(0, |t| t.len())
            }
        }
    }
}

/// What almost no user has.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Rare {
    pronouns: Option<CompactString>,
    bot: Option<BotInformation>,
    relations: Vec<Relationship>,
    unknown_relationship: Option<Box<str>>,
    unknown_presence: Option<Box<str>>,
}

/// Whether a status is set, and its presence, in one byte.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum StatusCode {
    #[default]
    NoStatus,
    NoPresence,
    Online,
    Idle,
    Focus,
    Busy,
    Invisible,
    Unknown,
}

impl StatusCode {
    fn of(status: Option<&UserStatus>) -> Self {
        match status.map(|s| s.presence.as_ref()) {
            None => Self::NoStatus,
            Some(None) => Self::NoPresence,
            Some(Some(Presence::Online)) => Self::Online,
            Some(Some(Presence::Idle)) => Self::Idle,
            Some(Some(Presence::Focus)) => Self::Focus,
            Some(Some(Presence::Busy)) => Self::Busy,
            Some(Some(Presence::Invisible)) => Self::Invisible,
            Some(Some(_)) => Self::Unknown,
        }
    }

    fn presence(self, unknown: Option<&str>) -> Option<Presence> {
        Some(match self {
            Self::NoStatus | Self::NoPresence => return None,
            Self::Online => Presence::Online,
            Self::Idle => Presence::Idle,
            Self::Focus => Presence::Focus,
            Self::Busy => Presence::Busy,
            Self::Invisible => Presence::Invisible,
            Self::Unknown => Presence::Unknown(unknown.unwrap_or_default().into()),
        })
    }
}

/// A relationship in one byte; unknown values live in the rare box.
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

fn boxed_unless_default<T: Default + PartialEq>(value: T) -> Option<Box<T>> {
    (value != T::default()).then(|| Box::new(value))
}

impl CachedUser {
    /// The compact form of a user.
    pub fn from_user(user: User) -> Self {
        let relation = Relation::of(&user.relationship);
        let status = StatusCode::of(user.status.as_ref());
        let (status_text, presence) = user.status.map_or((None, None), |s| (s.text, s.presence));
        let rare = Rare {
            pronouns: user.pronouns,
            bot: user.bot,
            relations: user.relations,
            unknown_relationship: match user.relationship {
                RelationshipStatus::Unknown(value) => Some(value),
                _ => None,
            },
            unknown_presence: match presence {
                Some(Presence::Unknown(value)) => Some(value),
                _ => None,
            },
        };
        let extras = Extras {
            display_name: user.display_name,
            status_text,
            avatar: user.avatar.map(Avatar::from_file),
            rare: boxed_unless_default(rare),
            badges: user.badges,
            flags: user.flags,
            status,
            privileged: user.privileged,
        };
        Self {
            username: user.username,
            extras: boxed_unless_default(extras),
            discriminator: user.discriminator,
            relationship: relation,
            online: user.online,
        }
    }

    fn rare(&self) -> Option<&Rare> {
        self.extras.as_ref()?.rare.as_deref()
    }

    /// The full user again (the id is the cache key, so it is passed in).
    pub fn to_user(&self, id: UserId) -> User {
        let rare = self.rare();
        User {
            id,
            username: self.username.clone(),
            discriminator: self.discriminator,
            display_name: self.display_name().map(Into::into),
            pronouns: rare.and_then(|r| r.pronouns.clone()),
            avatar: self
                .extras
                .as_ref()
                .and_then(|e| e.avatar.as_ref())
                .map(Avatar::to_file),
            relations: rare.map(|r| r.relations.clone()).unwrap_or_default(),
            badges: self.badges(),
            status: self.status(),
            flags: self.flags(),
            privileged: self.extras.as_ref().is_some_and(|e| e.privileged),
            bot: rare.and_then(|r| r.bot),
            relationship: self.relationship(),
            online: self.online,
        }
    }

    /// The old values of the fields in `changes`, taken out of this user.
    pub(crate) fn into_changed(self, changes: UserChanges) -> PartialUser {
        let pick = |flag| changes.contains(flag);
        let status = self.status().filter(|_| pick(UserChanges::STATUS));
        let relationship = pick(UserChanges::RELATIONSHIP).then(|| self.relationship());
        let (badges, flags) = (self.badges(), self.flags());
        let mut extras = self.extras.map(|e| *e).unwrap_or_default();
        let mut rare = extras.rare.take().map(|r| *r).unwrap_or_default();
        PartialUser {
            id: None,
            username: pick(UserChanges::USERNAME).then_some(self.username),
            discriminator: pick(UserChanges::DISCRIMINATOR).then_some(self.discriminator),
            display_name: extras.display_name.filter(|_| pick(UserChanges::DISPLAY_NAME)),
            pronouns: rare.pronouns.take().filter(|_| pick(UserChanges::PRONOUNS)),
            avatar: extras
                .avatar
                .filter(|_| pick(UserChanges::AVATAR))
                .map(Avatar::into_file),
            relations: pick(UserChanges::RELATIONS).then_some(rare.relations),
            badges: pick(UserChanges::BADGES).then_some(badges),
            status,
            flags: pick(UserChanges::FLAGS).then_some(flags),
            privileged: pick(UserChanges::PRIVILEGED).then_some(extras.privileged),
            bot: rare.bot.filter(|_| pick(UserChanges::BOT)),
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
    pub fn avatar(&self) -> Option<Box<File>> {
        self.extras.as_ref()?.avatar.as_ref().map(Avatar::to_file)
    }

    /// Status.
    pub fn status(&self) -> Option<UserStatus> {
        let extras = self.extras.as_ref()?;
        if extras.status == StatusCode::NoStatus {
            return None;
        }
        let unknown = extras.rare.as_ref().and_then(|r| r.unknown_presence.as_deref());
        Some(UserStatus {
            text: extras.status_text.clone(),
            presence: extras.status.presence(unknown),
        })
    }

    /// Badges.
    pub fn badges(&self) -> UserBadges {
        self.extras.as_ref().map_or(UserBadges::empty(), |e| e.badges)
    }

    /// Flags.
    pub fn flags(&self) -> UserFlags {
        self.extras.as_ref().map_or(UserFlags::empty(), |e| e.flags)
    }

    /// Bot owner, for bots.
    pub fn bot_owner(&self) -> Option<UserId> {
        self.rare()?.bot.map(|b| b.owner)
    }

    /// Your relationship with this user.
    pub fn relationship(&self) -> RelationshipStatus {
        match (
            self.relationship,
            self.rare().and_then(|r| r.unknown_relationship.as_ref()),
        ) {
            (Relation::Unknown, Some(value)) => RelationshipStatus::Unknown(value.clone()),
            (relation, _) => relation_status(relation),
        }
    }

    /// Online and not invisible.
    pub fn is_online(&self) -> bool {
        let invisible = self
            .extras
            .as_ref()
            .is_some_and(|e| e.status == StatusCode::Invisible);
        self.online && !invisible
    }

    /// Your relations (only on your own user).
    pub fn relations(&self) -> &[Relationship] {
        self.rare().map_or(&[], |r| &r.relations)
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
        let file = extras.avatar.as_ref().map_or(0, Avatar::heap_bytes);
        let rare = extras.rare.as_ref().map_or(0, |r| {
            size_of::<Rare>() + string(&r.pronouns) + r.relations.capacity() * size_of::<Relationship>()
        });
        size_of::<Extras>() + string(&extras.display_name) + string(&extras.status_text) + file + rare
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
        assert!(size_of::<CachedUser>() <= 40, "{}", size_of::<CachedUser>());
    }

    #[test]
    fn a_user_survives_the_compact_form() {
        let user: User = serde_json::from_value(serde_json::json!({
            "_id": "01M860BWPTBVM98D71JYP906BF", "username": "bob", "discriminator": "0001",
            "display_name": "Bob", "status": {"text": "hi", "presence": "Invisible"},
            "relations": [{"_id": "01M860RNGMDS8N5WFT4YG8K79P", "status": "Friend"}],
            "badges": 4, "flags": 2, "privileged": true, "bot": {"owner": "01M860RNGMDS8N5WFT4YG8K79P"},
            "relationship": "Soulmate", "online": true, "pronouns": "they/them"
        }))
        .unwrap();
        let cached = CachedUser::from_user(user.clone());
        assert_eq!(cached.to_user(user.id), user);
        assert!(!cached.is_online(), "Invisible counts as offline");
        let plain = User::new(user.id, "x", Discriminator::DELETED);
        assert!(CachedUser::from_user(plain.clone()).extras.is_none());
        let mut pictured = user.clone();
        let image = Metadata::Image {
            width: 64,
            height: 64,
            thumbhash: Some(vec![1, 2]),
            animated: None,
        };
        pictured.avatar = Some(Box::new(File::new(
            "abc".into(),
            FileTag::Avatars,
            "a.png",
            image,
            "image/png",
            9,
        )));
        assert_eq!(CachedUser::from_user(pictured.clone()).to_user(user.id), pictured);
        let mut legacy = pictured.clone();
        legacy.avatar.as_mut().unwrap().user_id = Some("old".into());
        assert_eq!(CachedUser::from_user(legacy.clone()).to_user(user.id), legacy);
        let mut dancing = user.clone();
        dancing.status = Some(UserStatus {
            text: None,
            presence: Some(Presence::Unknown("Dancing".into())),
        });
        assert_eq!(CachedUser::from_user(dancing.clone()).to_user(user.id), dancing);
        let mut empty_status = plain.clone();
        empty_status.status = Some(UserStatus::default());
        assert_eq!(
            CachedUser::from_user(empty_status.clone()).to_user(plain.id),
            empty_status
        );
        assert_eq!(CachedUser::from_user(plain.clone()).to_user(plain.id), plain);
    }
}
