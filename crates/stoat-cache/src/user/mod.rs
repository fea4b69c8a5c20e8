//! The compact form users are cached in.

mod before;
mod bytes;
mod edit;

use stoat_model::{
    BotInformation, Discriminator, File, Presence, Relationship, RelationshipStatus, User, UserBadges,
    UserChanges, UserFlags, UserId, UserStatus,
};

use bytes::Part;

pub use before::UserBefore;
pub(crate) use edit::Edit;

/// A cached user: a byte string of the parts the user has, and the fixed
/// fields beside it (24 bytes inline).
///
/// The discriminator and a state byte (relationship, presence, online,
/// privileged) sit inline, so that presence and relationship changes,
/// the most frequent, never touch the byte string. The byte string holds
/// the username and whichever of the display name, status text,
/// pronouns, badges, bot owner, avatar, flags, relations and unknown
/// values the user has, each tagged (see `user/bytes.rs`). Updates change
/// it in place through [`stoat_model::UserFields`], so the server's rules
/// stay in [`stoat_model::user::apply_update`].
#[derive(Clone, Debug, Eq)]
pub struct CachedUser {
    data: Box<[u8]>,
    discriminator: u16,
    state: u8,
}

/// The state byte: the relationship (3 bits), the status code (3 bits),
/// online, privileged.
const RELATION: u8 = 0b111;
const STATUS_SHIFT: u32 = 3;
const STATUS: u8 = 0b111 << STATUS_SHIFT;
const ONLINE: u8 = 1 << 6;
const PRIVILEGED: u8 = 1 << 7;

/// Relationship codes: a value's place among the model's known values;
/// an unknown value keeps its text in a part of its own.
const RELATIONS: &[RelationshipStatus] = RelationshipStatus::KNOWN;
const UNKNOWN: u8 = 7;

/// Status codes after the two that say "no status" and "no presence"
/// (0 and 1): a presence's place among the model's known values; an
/// unknown presence keeps its text in a part of its own.
const PRESENCES: &[Presence] = Presence::KNOWN;
const NO_STATUS: u8 = 0;
const NO_PRESENCE: u8 = 1;

// Every known value has a code below `UNKNOWN`, in three bits: a value the
// model learns must still fit (or the codes grow a bit).
const _: () = assert!(RELATIONS.len() <= UNKNOWN as usize);
const _: () = assert!(PRESENCES.len() + 2 <= UNKNOWN as usize);

/// `value`'s code: `first` plus its place among `known`, or `UNKNOWN`.
fn code<T: PartialEq>(known: &[T], first: u8, value: &T) -> u8 {
    known
        .iter()
        .zip(first..)
        .find(|(known, _)| *known == value)
        .map_or(UNKNOWN, |(_, code)| code)
}

fn relation_code(status: &RelationshipStatus) -> u8 {
    code(RELATIONS, 0, status)
}

fn presence_code(presence: &Presence) -> u8 {
    code(PRESENCES, 2, presence)
}

fn status_code(status: Option<&UserStatus>) -> u8 {
    match status.map(|s| s.presence.as_ref()) {
        None => NO_STATUS,
        Some(None) => NO_PRESENCE,
        Some(Some(presence)) => presence_code(presence),
    }
}

/// The text of an unknown presence, the part that keeps it.
fn unknown_presence(status: Option<&UserStatus>) -> Option<&str> {
    status
        .and_then(|s| s.presence.as_ref())
        .filter(|p| p.is_unknown())
        .map(Presence::as_str)
}

/// A user's text parts (`None`: not there).
fn texts(user: &User) -> [(Part, Option<&str>); 6] {
    let status = user.status.as_ref();
    let relationship = &user.relationship;
    [
        (Part::Username, Some(user.username.as_str())),
        (Part::DisplayName, user.display_name.as_deref()),
        (Part::StatusText, status.and_then(|s| s.text.as_deref())),
        (Part::Pronouns, user.pronouns.as_deref()),
        (
            Part::UnknownRelationship,
            Some(relationship.as_str()).filter(|_| relationship.is_unknown()),
        ),
        (Part::UnknownPresence, unknown_presence(status)),
    ]
}

/// A user's state byte.
fn state(user: &User) -> u8 {
    relation_code(&user.relationship)
        | (status_code(user.status.as_ref()) << STATUS_SHIFT)
        | (u8::from(user.online) * ONLINE)
        | (u8::from(user.privileged) * PRIVILEGED)
}

impl CachedUser {
    /// The compact form of a user.
    pub fn from_user(user: &User) -> Self {
        let mut data = Vec::with_capacity(bytes::size(user));
        for (part, text) in texts(user) {
            if let Some(text) = text {
                bytes::push_bytes(&mut data, part, text.as_bytes());
            }
        }
        if !user.badges.is_empty() {
            bytes::push_bytes(&mut data, Part::Badges, &user.badges.bits().to_le_bytes());
        }
        if !user.flags.is_empty() {
            bytes::push_bytes(&mut data, Part::Flags, &user.flags.bits().to_le_bytes());
        }
        if let Some(bot) = user.bot {
            bytes::push_bytes(&mut data, Part::Bot, &bytes::id_bytes(bot.owner));
        }
        if let Some(avatar) = &user.avatar {
            bytes::push_avatar(&mut data, avatar);
        }
        if !user.relations.is_empty() {
            bytes::push_bytes(&mut data, Part::Relations, &bytes::relations(&user.relations));
        }
        Self {
            data: data.into_boxed_slice(),
            discriminator: user.discriminator.get(),
            state: state(user),
        }
    }

    /// Whether this is the compact form of `user` (the id aside),
    /// compared in place: nothing is built.
    pub fn holds(&self, user: &User) -> bool {
        let view = self.view();
        let avatar = match user.avatar.as_deref() {
            Some(file) if bytes::plain_avatar(file) => {
                bytes::part(&self.data, Part::Avatar).is_some_and(|bytes| bytes::avatar_is(bytes, file))
            }
            // An unusual avatar, or none: read back (rare).
            other => view.avatar().as_deref() == other,
        };
        self.discriminator == user.discriminator.get()
            && self.state == state(user)
            && texts(user)
                .iter()
                .all(|&(part, text)| bytes::part(&self.data, part) == text.map(str::as_bytes))
            && view.badges() == user.badges
            && view.flags() == user.flags
            && view.bot() == user.bot
            && avatar
            && view.relations() == user.relations
    }

    /// The full user again (the id is the cache key, so it is passed in).
    pub fn to_user(&self, id: UserId) -> User {
        let view = self.view();
        User {
            id,
            username: view.username().into(),
            discriminator: view.discriminator(),
            display_name: view.display_name().map(Into::into),
            pronouns: view.pronouns().map(Into::into),
            avatar: view.avatar(),
            relations: view.relations(),
            badges: view.badges(),
            status: view.status(),
            flags: view.flags(),
            privileged: view.privileged(),
            bot: view.bot(),
            relationship: view.relationship(),
            online: view.online(),
        }
    }

    fn view(&self) -> View<'_> {
        View {
            discriminator: self.discriminator,
            state: self.state,
            data: &self.data,
        }
    }

    /// Username.
    pub fn username(&self) -> &str {
        self.view().username()
    }

    /// Discriminator.
    pub fn discriminator(&self) -> Discriminator {
        self.view().discriminator()
    }

    /// Display name.
    pub fn display_name(&self) -> Option<&str> {
        self.view().display_name()
    }

    /// Pronouns.
    pub fn pronouns(&self) -> Option<&str> {
        self.view().pronouns()
    }

    /// Avatar.
    pub fn avatar(&self) -> Option<Box<File>> {
        self.view().avatar()
    }

    /// Status.
    pub fn status(&self) -> Option<UserStatus> {
        self.view().status()
    }

    /// Badges.
    pub fn badges(&self) -> UserBadges {
        self.view().badges()
    }

    /// Flags.
    pub fn flags(&self) -> UserFlags {
        self.view().flags()
    }

    /// Bot owner, for bots.
    pub fn bot_owner(&self) -> Option<UserId> {
        self.view().bot().map(|bot| bot.owner)
    }

    /// Your relationship with this user.
    pub fn relationship(&self) -> RelationshipStatus {
        self.view().relationship()
    }

    /// Online and not invisible.
    pub fn is_online(&self) -> bool {
        self.view().online() && self.view().status_code() != presence_code(&Presence::Invisible)
    }

    /// Your relations (only your own user has them), read from the bytes.
    pub fn relations(&self) -> Vec<Relationship> {
        self.view().relations()
    }

    /// This user as the old values of an update that changed `changes`
    /// (for a diff made elsewhere, such as between two states of a user).
    pub fn into_before(self, changes: UserChanges) -> UserBefore {
        UserBefore {
            changes,
            discriminator: self.discriminator,
            state: self.state,
            data: Some(self.data),
        }
    }

    /// Heap bytes held besides the inline form (allocator overhead not
    /// counted).
    pub fn heap_bytes(&self) -> usize {
        self.data.len()
    }

    /// Changes bits of the state byte; says whether they changed.
    fn set_state(&mut self, mask: u8, value: u8) -> bool {
        let old = self.state;
        self.state = old & !mask | value;
        old != self.state
    }
}

/// Equal when they hold the same user: the parts' order (which updates
/// change) does not matter.
impl PartialEq for CachedUser {
    fn eq(&self, other: &Self) -> bool {
        self.discriminator == other.discriminator
            && self.state == other.state
            && bytes::same(&self.data, &other.data)
    }
}

/// A read of a user's compact form. Cached users and the old values of an
/// update ([`UserBefore`]) are both read through it.
#[derive(Clone, Copy)]
struct View<'a> {
    discriminator: u16,
    state: u8,
    /// The parts (empty when none were kept).
    data: &'a [u8],
}

impl<'a> View<'a> {
    fn text(&self, part: Part) -> Option<&'a str> {
        bytes::text(self.data, part)
    }

    fn status_code(&self) -> u8 {
        (self.state & STATUS) >> STATUS_SHIFT
    }

    fn username(&self) -> &'a str {
        self.text(Part::Username).unwrap_or_default()
    }

    fn discriminator(&self) -> Discriminator {
        Discriminator::new(self.discriminator).unwrap_or(Discriminator::DELETED)
    }

    fn display_name(&self) -> Option<&'a str> {
        self.text(Part::DisplayName)
    }

    fn pronouns(&self) -> Option<&'a str> {
        self.text(Part::Pronouns)
    }

    fn avatar(&self) -> Option<Box<File>> {
        bytes::avatar(self.data).map(Box::new)
    }

    fn status(&self) -> Option<UserStatus> {
        let presence = match self.status_code() {
            NO_STATUS => return None,
            NO_PRESENCE => None,
            UNKNOWN => Some(Presence::Unknown(
                self.text(Part::UnknownPresence).unwrap_or_default().into(),
            )),
            code => PRESENCES.get(usize::from(code - 2)).cloned(),
        };
        Some(UserStatus {
            text: self.text(Part::StatusText).map(Into::into),
            presence,
        })
    }

    fn badges(&self) -> UserBadges {
        UserBadges::from_bits_retain(bytes::bits(self.data, Part::Badges))
    }

    fn flags(&self) -> UserFlags {
        UserFlags::from_bits_retain(bytes::bits(self.data, Part::Flags))
    }

    fn bot(&self) -> Option<BotInformation> {
        bytes::part(self.data, Part::Bot).map(|owner| BotInformation {
            owner: bytes::read_id(owner),
        })
    }

    fn relationship(&self) -> RelationshipStatus {
        match RELATIONS.get(usize::from(self.state & RELATION)) {
            Some(known) => known.clone(),
            None => {
                RelationshipStatus::Unknown(self.text(Part::UnknownRelationship).unwrap_or_default().into())
            }
        }
    }

    fn relations(&self) -> Vec<Relationship> {
        bytes::part(self.data, Part::Relations).map_or_else(Vec::new, bytes::read_relations)
    }

    fn privileged(&self) -> bool {
        self.state & PRIVILEGED != 0
    }

    fn online(&self) -> bool {
        self.state & ONLINE != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stoat_model::file::{FileTag, Metadata};

    #[test]
    fn the_inline_form_is_small() {
        assert_eq!(size_of::<CachedUser>(), 24);
    }

    #[test]
    fn users_are_equal_whatever_the_order_of_their_parts() {
        use stoat_model::UserFields;
        let mut user = User::new(UserId::from_u128(7), "bob", Discriminator::DELETED);
        user.display_name = Some("Bob".into());
        user.pronouns = Some("he/him".into());
        let canonical = CachedUser::from_user(&user);
        let mut edited = canonical.clone();
        let mut edit = Edit::new(&mut edited);
        assert!(edit.set_display_name(Some("Robert")));
        assert!(edit.set_display_name(Some("Bob")));
        assert_ne!(edited.data, canonical.data, "the display name moved to the end");
        assert_eq!(edited, canonical);
        assert_ne!(
            edited,
            CachedUser::from_user(&User::new(user.id, "bob", Discriminator::DELETED))
        );
    }

    #[test]
    fn a_hand_built_avatar_that_its_json_cannot_give_back_reads_as_none() {
        let mut user = User::new(UserId::from_u128(7), "bob", Discriminator::DELETED);
        let metadata = Metadata::Unknown {
            kind: "Image".into(),
            fields: serde_json::Map::new(),
        };
        let file = File::new("abc".into(), FileTag::Avatars, "a.png", metadata, "image/png", 9);
        user.avatar = Some(Box::new(file));
        let cached = CachedUser::from_user(&user);
        assert_eq!(cached.avatar(), None);
        assert!(!cached.holds(&user), "it is not what was given");
    }

    #[test]
    fn a_user_survives_the_compact_form() {
        let user: User = serde_json::from_value(serde_json::json!({
            "_id": "01M860BWPTBVM98D71JYP906BF", "username": "bob", "discriminator": "0001",
            "display_name": "Bob", "status": {"text": "hi", "presence": "Invisible"},
            "relations": [{"_id": "01M860RNGMDS8N5WFT4YG8K79P", "status": "Friend"},
                          {"_id": "01M860DVV8WZCHA5KA04G45WJS", "status": "Soulmate"}],
            "badges": 4, "flags": 2, "privileged": true, "bot": {"owner": "01M860RNGMDS8N5WFT4YG8K79P"},
            "relationship": "Soulmate", "online": true, "pronouns": "they/them"
        }))
        .unwrap();
        let cached = CachedUser::from_user(&user);
        assert_eq!(cached.to_user(user.id), user);
        assert!(!cached.is_online(), "Invisible counts as offline");
        let plain = User::new(user.id, "x", Discriminator::DELETED);
        assert_eq!(CachedUser::from_user(&plain).heap_bytes(), 3, "the username only");
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
        assert_eq!(CachedUser::from_user(&pictured).to_user(user.id), pictured);
        let mut legacy = pictured.clone();
        legacy.avatar.as_mut().unwrap().user_id = Some("old".into());
        assert_eq!(CachedUser::from_user(&legacy).to_user(user.id), legacy);
        let mut dancing = user.clone();
        dancing.status = Some(UserStatus {
            text: None,
            presence: Some(Presence::Unknown("Dancing".into())),
        });
        assert_eq!(CachedUser::from_user(&dancing).to_user(user.id), dancing);
        let mut empty_status = plain.clone();
        empty_status.status = Some(UserStatus::default());
        assert_eq!(
            CachedUser::from_user(&empty_status).to_user(plain.id),
            empty_status
        );
        assert_eq!(CachedUser::from_user(&plain).to_user(plain.id), plain);
    }
}
