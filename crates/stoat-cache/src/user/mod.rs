//! The compact form users are cached in.

mod before;
mod bytes;
mod edit;

use stoat_model::{
    BotInformation, Discriminator, File, Presence, Relationship, RelationshipStatus, User, UserBadges,
    UserFlags, UserId, UserStatus,
};

use bytes::{DISCRIMINATOR, HEADER, Part, STATE};

pub use before::UserBefore;
pub(crate) use edit::Edit;

/// A cached user: one byte string and a pointer (24 bytes inline).
///
/// The bytes hold the discriminator, relationship, presence and online
/// state at fixed places, then the username and whichever of the display
/// name, status text, pronouns, badges, bot owner and avatar the user has
/// (see `user/bytes.rs`). What almost no user has (flags, an avatar of an
/// unusual shape, your own relations, values this version does not know)
/// goes into a box of its own. Updates change the bytes in place through
/// [`stoat_model::UserFields`], so the server's rules stay in
/// [`stoat_model::user::apply_update`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CachedUser {
    data: Box<[u8]>,
    rare: Option<Box<Rare>>,
}

/// What almost no user has.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Rare {
    flags: UserFlags,
    /// An avatar the byte form does not cover (legacy fields, not an image).
    avatar: Option<Box<File>>,
    relations: Vec<Relationship>,
    unknown_relationship: Option<Box<str>>,
    unknown_presence: Option<Box<str>>,
}

/// The state byte: the relationship (3 bits), the status code (3 bits),
/// online, privileged.
const RELATION: u8 = 0b111;
const STATUS_SHIFT: u32 = 3;
const ONLINE: u8 = 1 << 6;
const PRIVILEGED: u8 = 1 << 7;

/// Relationship codes: a value's place among the model's known values;
/// unknown values keep their text in `Rare`.
const RELATIONS: &[RelationshipStatus] = RelationshipStatus::KNOWN;
const UNKNOWN: u8 = 7;

/// Status codes after the two that say "no status" and "no presence"
/// (0 and 1): a presence's place among the model's known values; unknown
/// presences keep their text in `Rare`.
const PRESENCES: &[Presence] = Presence::KNOWN;
const NO_STATUS: u8 = 0;
const NO_PRESENCE: u8 = 1;

// Every known value has a code below `UNKNOWN`, in three bits: a value the
// model learns must still fit (or the codes grow a bit).
const _: () = assert!(RELATIONS.len() <= UNKNOWN as usize);
const _: () = assert!(PRESENCES.len() + 2 <= UNKNOWN as usize);

fn relation_code(status: &RelationshipStatus) -> u8 {
    RELATIONS
        .iter()
        .zip(0..)
        .find(|(known, _)| *known == status)
        .map_or(UNKNOWN, |(_, code)| code)
}

fn status_code(status: Option<&UserStatus>) -> u8 {
    match status.map(|s| s.presence.as_ref()) {
        None => NO_STATUS,
        Some(None) => NO_PRESENCE,
        Some(Some(presence)) => PRESENCES
            .iter()
            .zip(2..)
            .find(|(known, _)| *known == presence)
            .map_or(UNKNOWN, |(_, code)| code),
    }
}

/// The text of a value with no code (`known` false).
fn unknown_text(known: bool, text: &str) -> Option<Box<str>> {
    (!known).then(|| text.into())
}

impl CachedUser {
    /// The compact form of a user.
    pub fn from_user(user: User) -> Self {
        let status_text = user.status.as_ref().and_then(|s| s.text.as_deref());
        let texts = [
            user.display_name.as_deref(),
            status_text,
            user.pronouns.as_deref(),
        ];
        // Room for every part (tags, lengths, badges and bot take under
        // 40 bytes), so that the bytes are allocated once.
        let capacity = HEADER
            + 40
            + user.username.len()
            + texts.iter().flatten().map(|t| t.len()).sum::<usize>()
            + user.avatar.as_deref().map_or(0, bytes::avatar_len);
        let mut data = Vec::with_capacity(capacity);
        data.extend_from_slice(&user.discriminator.get().to_le_bytes());
        let (relation, status) = (
            relation_code(&user.relationship),
            status_code(user.status.as_ref()),
        );
        data.push(
            relation
                | (status << STATUS_SHIFT)
                | (u8::from(user.online) * ONLINE)
                | (u8::from(user.privileged) * PRIVILEGED),
        );
        for (part, text) in [
            (Part::Username, Some(user.username.as_str())),
            (Part::DisplayName, user.display_name.as_deref()),
            (Part::StatusText, status_text),
            (Part::Pronouns, user.pronouns.as_deref()),
        ] {
            if let Some(text) = text {
                bytes::push_bytes(&mut data, part, text.as_bytes());
            }
        }
        if !user.badges.is_empty() {
            bytes::push_bytes(&mut data, Part::Badges, &user.badges.bits().to_le_bytes());
        }
        if let Some(bot) = user.bot {
            bytes::push_bytes(&mut data, Part::Bot, &bytes::bot(bot.owner));
        }
        let odd_avatar = match user.avatar {
            Some(file) if bytes::plain_avatar(&file) => {
                bytes::push(&mut data, Part::Avatar, bytes::avatar_len(&file), |out| {
                    bytes::write_avatar(out, &file);
                });
                None
            }
            other => other,
        };
        let rare = Rare {
            flags: user.flags,
            avatar: odd_avatar,
            relations: user.relations,
            unknown_relationship: unknown_text(relation != UNKNOWN, user.relationship.as_str()),
            unknown_presence: user
                .status
                .and_then(|s| s.presence)
                .and_then(|p| unknown_text(status != UNKNOWN, p.as_str())),
        };
        Self {
            data: data.into_boxed_slice(),
            rare: (rare != Rare::default()).then(|| Box::new(rare)),
        }
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
            relations: view.relations().to_vec(),
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
            header: std::array::from_fn(|at| self.data[at]),
            data: &self.data,
            rare: self.rare.as_deref(),
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
        const INVISIBLE: u8 = 2 + 4;
        self.view().online() && self.view().status_code() != INVISIBLE
    }

    /// Your relations (only on your own user).
    pub fn relations(&self) -> &[Relationship] {
        self.rare.as_ref().map_or(&[], |r| &r.relations)
    }

    /// Heap bytes held besides the inline form (an estimate: allocator
    /// overhead is not counted).
    pub fn heap_bytes(&self) -> usize {
        let rare = self.rare.as_ref().map_or(0, |r| {
            let text = |t: &Option<Box<str>>| t.as_ref().map_or(0, |t| t.len());
            let avatar = r.avatar.as_ref().map_or(0, |f| {
                size_of::<File>() + f.id.as_str().len() + f.filename.len() + f.content_type.len()
            });
            size_of::<Rare>()
                + r.relations.capacity() * size_of::<Relationship>()
                + avatar
                + text(&r.unknown_relationship)
                + text(&r.unknown_presence)
        });
        self.data.len() + rare
    }

    /// Changes bits of the state byte; says whether they changed.
    fn set_state(&mut self, mask: u8, value: u8) -> bool {
        let old = self.data[STATE];
        let new = old & !mask | value;
        // Written only when it changes: an update that changes nothing
        // leaves the line clean for the cores that read it.
        if new != old {
            self.data[STATE] = new;
        }
        new != old
    }

    /// Drops the rare box once it holds nothing.
    fn tidy(&mut self) {
        if self.rare.as_deref().is_some_and(|r| *r == Rare::default()) {
            self.rare = None;
        }
    }
}

/// A read of a user's compact form: the header, the byte string and the
/// rare box. Cached users and the old values of an update
/// ([`UserBefore`]) are both read through it.
#[derive(Clone, Copy)]
struct View<'a> {
    header: [u8; HEADER],
    /// The byte string (header first); the parts are read from it.
    data: &'a [u8],
    rare: Option<&'a Rare>,
}

impl<'a> View<'a> {
    fn text(&self, part: Part) -> Option<&'a str> {
        bytes::text(self.data, part)
    }

    fn state(&self) -> u8 {
        self.header[STATE]
    }

    fn status_code(&self) -> u8 {
        self.state() >> STATUS_SHIFT & 0b111
    }

    fn username(&self) -> &'a str {
        self.text(Part::Username).unwrap_or_default()
    }

    fn discriminator(&self) -> Discriminator {
        let value = u16::from_le_bytes([self.header[DISCRIMINATOR], self.header[DISCRIMINATOR + 1]]);
        Discriminator::new(value).unwrap_or(Discriminator::DELETED)
    }

    fn display_name(&self) -> Option<&'a str> {
        self.text(Part::DisplayName)
    }

    fn pronouns(&self) -> Option<&'a str> {
        self.text(Part::Pronouns)
    }

    fn avatar(&self) -> Option<Box<File>> {
        match bytes::part(self.data, Part::Avatar) {
            Some(avatar) => Some(Box::new(bytes::read_avatar(avatar))),
            None => self.rare?.avatar.clone(),
        }
    }

    fn status(&self) -> Option<UserStatus> {
        let presence = match self.status_code() {
            NO_STATUS => return None,
            NO_PRESENCE => None,
            UNKNOWN => Some(Presence::Unknown(
                self.rare
                    .and_then(|r| r.unknown_presence.clone())
                    .unwrap_or_default(),
            )),
            code => PRESENCES.get(usize::from(code - 2)).cloned(),
        };
        Some(UserStatus {
            text: self.text(Part::StatusText).map(Into::into),
            presence,
        })
    }

    fn badges(&self) -> UserBadges {
        bytes::part(self.data, Part::Badges).map_or(UserBadges::empty(), |b| {
            UserBadges::from_bits_retain(u32::from_le_bytes(b.try_into().unwrap_or_default()))
        })
    }

    fn flags(&self) -> UserFlags {
        self.rare.map_or(UserFlags::empty(), |r| r.flags)
    }

    fn bot(&self) -> Option<BotInformation> {
        bytes::part(self.data, Part::Bot).map(|owner| BotInformation {
            owner: bytes::read_bot(owner),
        })
    }

    fn relationship(&self) -> RelationshipStatus {
        match RELATIONS.get(usize::from(self.state() & RELATION)) {
            Some(known) => known.clone(),
            None => RelationshipStatus::Unknown(
                self.rare
                    .and_then(|r| r.unknown_relationship.clone())
                    .unwrap_or_default(),
            ),
        }
    }

    fn relations(&self) -> &'a [Relationship] {
        self.rare.map_or(&[], |r| &r.relations)
    }

    fn privileged(&self) -> bool {
        self.state() & PRIVILEGED != 0
    }

    fn online(&self) -> bool {
        self.state() & ONLINE != 0
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
        assert!(CachedUser::from_user(plain.clone()).rare.is_none());
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
