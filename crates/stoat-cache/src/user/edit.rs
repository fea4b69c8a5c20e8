//! Changing a cached user in place, keeping what it was.

use std::ops::Range;

use stoat_model::{
    BotInformation, Discriminator, File, Relationship, RelationshipStatus, UserBadges, UserChanges,
    UserFields, UserFlags, UserStatus,
};

use super::bytes::{self, Part};
use super::{
    CachedUser, ONLINE, PRIVILEGED, RELATION, STATUS, UNKNOWN, UserBefore, relation_code, status_code,
    unknown_presence,
};

/// A cached user being changed: the setters the model's rules call
/// ([`stoat_model::user::apply_update`]). The old byte string is kept
/// whole the first time a part changes, so the old values cost no copy:
/// replacing a part makes a new byte string anyway.
pub(crate) struct Edit<'a> {
    user: &'a mut CachedUser,
    /// What was kept so far (its `changes` set at the end).
    before: UserBefore,
}

impl<'a> Edit<'a> {
    pub(crate) fn new(user: &'a mut CachedUser) -> Self {
        let before = UserBefore {
            changes: UserChanges::empty(),
            discriminator: user.discriminator,
            state: user.state,
            data: None,
        };
        Self { user, before }
    }

    /// The old values of the fields in `changes`.
    pub(crate) fn before(self, changes: UserChanges) -> UserBefore {
        UserBefore {
            changes,
            ..self.before
        }
    }

    /// Keeps the byte string as it is, unless already kept.
    fn keep_data(&mut self) {
        if self.before.data.is_none() {
            self.before.data = Some(self.user.data.clone());
        }
    }

    /// Replaces `part` (its content at `found`), or removes it with `None`.
    fn replace(
        &mut self,
        part: Part,
        found: Option<Range<usize>>,
        len: usize,
        write: Option<impl FnOnce(&mut Vec<u8>)>,
    ) {
        let new = bytes::replaced(&self.user.data, part, found, len, write);
        let old = std::mem::replace(&mut self.user.data, new);
        self.before.data.get_or_insert(old);
    }

    /// Sets a part's content, or removes the part with `None`; says
    /// whether it changed.
    fn set_part(&mut self, part: Part, value: Option<&[u8]>) -> bool {
        let found = bytes::find(&self.user.data, part);
        if found.clone().map(|range| &self.user.data[range]) == value {
            return false;
        }
        let write = value.map(|v| move |out: &mut Vec<u8>| out.extend_from_slice(v));
        self.replace(part, found, value.map_or(0, <[u8]>::len), write);
        true
    }

    fn set_text(&mut self, part: Part, value: Option<&str>) -> bool {
        self.set_part(part, value.map(str::as_bytes))
    }

    /// A `u32` part, absent when 0.
    fn set_bits(&mut self, part: Part, bits: u32) -> bool {
        let bytes = bits.to_le_bytes();
        self.set_part(part, (bits != 0).then_some(bytes.as_slice()))
    }

    /// Sets a three-bit code of the state byte (at `mask`) and, for a
    /// value with no code, the part holding its text: looked for only when
    /// the old or the new value has no code, so known values never touch
    /// the byte string.
    fn set_coded(&mut self, mask: u8, code: u8, part: Part, unknown: Option<&str>) -> bool {
        let shift = mask.trailing_zeros();
        let was_unknown = self.user.state & mask == UNKNOWN << shift;
        let changed = self.user.set_state(mask, code << shift);
        if was_unknown || unknown.is_some() {
            return self.set_text(part, unknown) || changed;
        }
        changed
    }
}

impl UserFields for Edit<'_> {
    fn set_username(&mut self, value: &str) -> bool {
        self.set_text(Part::Username, Some(value))
    }

    fn set_discriminator(&mut self, value: Discriminator) -> bool {
        let changed = self.user.discriminator != value.get();
        self.user.discriminator = value.get();
        changed
    }

    fn set_display_name(&mut self, value: Option<&str>) -> bool {
        self.set_text(Part::DisplayName, value)
    }

    fn set_pronouns(&mut self, value: Option<&str>) -> bool {
        self.set_text(Part::Pronouns, value)
    }

    fn set_avatar(&mut self, value: Option<&File>) -> bool {
        // An image avatar lives in the byte form, any other as JSON.
        let plain = value.filter(|file| bytes::plain_avatar(file));
        let found = bytes::find(&self.user.data, Part::Avatar);
        let same = match (found.clone(), plain) {
            (Some(range), Some(file)) => bytes::avatar_is(&self.user.data[range], file),
            (found, plain) => found.is_none() && plain.is_none(),
        };
        if !same {
            let write = plain.map(|file| |out: &mut Vec<u8>| bytes::write_avatar(out, file));
            self.replace(Part::Avatar, found, plain.map_or(0, bytes::avatar_len), write);
        }
        let odd = value.filter(|_| plain.is_none()).map(bytes::odd_avatar);
        self.set_part(Part::OddAvatar, odd.as_deref()) || !same
    }

    fn set_relations(&mut self, value: &[Relationship]) -> bool {
        let encoded = (!value.is_empty()).then(|| bytes::relations(value));
        self.set_part(Part::Relations, encoded.as_deref())
    }

    fn set_badges(&mut self, value: UserBadges) -> bool {
        self.set_bits(Part::Badges, value.bits())
    }

    fn status(&self) -> Option<UserStatus> {
        self.user.status()
    }

    fn set_status(&mut self, value: Option<&UserStatus>) -> bool {
        let text = value.and_then(|s| s.text.as_deref());
        let presence_changed = self.set_coded(
            STATUS,
            status_code(value),
            Part::UnknownPresence,
            unknown_presence(value),
        );
        let text_changed = self.set_text(Part::StatusText, text);
        // The old status is read whole from the kept bytes: keep them
        // when only the presence changed, for the text.
        if presence_changed && text.is_some() {
            self.keep_data();
        }
        presence_changed || text_changed
    }

    fn set_flags(&mut self, value: UserFlags) -> bool {
        self.set_bits(Part::Flags, value.bits())
    }

    fn set_privileged(&mut self, value: bool) -> bool {
        self.user.set_state(PRIVILEGED, u8::from(value) * PRIVILEGED)
    }

    fn set_bot(&mut self, value: Option<BotInformation>) -> bool {
        let owner = value.map(|bot| bytes::id_bytes(bot.owner));
        self.set_part(Part::Bot, owner.as_ref().map(<[u8; 16]>::as_slice))
    }

    fn set_relationship(&mut self, value: &RelationshipStatus) -> bool {
        let unknown = Some(value.as_str()).filter(|_| value.is_unknown());
        self.set_coded(RELATION, relation_code(value), Part::UnknownRelationship, unknown)
    }

    fn set_online(&mut self, value: bool) -> bool {
        self.user.set_state(ONLINE, u8::from(value) * ONLINE)
    }
}
