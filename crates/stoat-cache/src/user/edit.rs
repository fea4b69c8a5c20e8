//! Changing a cached user in place, keeping what it was.

use std::ops::Range;

use stoat_model::{
    BotInformation, Discriminator, File, Relationship, RelationshipStatus, UserBadges, UserChanges,
    UserFields, UserFlags, UserStatus,
};

use super::bytes::{self, DISCRIMINATOR, Part};
use super::{
    CachedUser, ONLINE, PRIVILEGED, RELATION, Rare, STATUS_SHIFT, UNKNOWN, UserBefore, relation_code,
    status_code, unknown_text,
};

/// A cached user being changed: the setters the model's rules call
/// ([`stoat_model::user::apply_update`]). Each keeps the user's old bytes
/// or rare box before it first changes them, so the old values cost no
/// copy: replacing a part makes a new byte string anyway, and the old one
/// is kept whole.
pub(crate) struct Edit<'a> {
    user: &'a mut CachedUser,
    /// What was kept so far (its `changes` set at the end).
    before: UserBefore,
    /// Whether `before.rare` holds the rare box as it was (maybe none).
    rare_kept: bool,
}

impl<'a> Edit<'a> {
    pub(crate) fn new(user: &'a mut CachedUser) -> Self {
        let before = UserBefore {
            changes: UserChanges::empty(),
            header: user.view().header,
            data: None,
            rare: None,
        };
        Self {
            user,
            before,
            rare_kept: false,
        }
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

    /// Keeps the rare box as it is, unless already kept.
    fn keep_rare(&mut self) {
        if !self.rare_kept {
            self.before.rare.clone_from(&self.user.rare);
            self.rare_kept = true;
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

    /// The content range of `part`, and whether it holds `value`.
    fn find(&self, part: Part, value: Option<&[u8]>) -> (Option<Range<usize>>, bool) {
        let found = bytes::find(&self.user.data, part);
        let same = found.clone().map(|range| &self.user.data[range]) == value;
        (found, same)
    }

    fn set_text(&mut self, part: Part, value: Option<&str>) -> bool {
        let (found, same) = self.find(part, value.map(str::as_bytes));
        if same {
            return false;
        }
        let write = value.map(|v| move |out: &mut Vec<u8>| out.extend_from_slice(v.as_bytes()));
        self.replace(part, found, value.map_or(0, str::len), write);
        true
    }

    /// Sets a field of the rare box (made when needed, dropped when empty).
    fn set_rare<T: PartialEq + Default>(&mut self, field: fn(&mut Rare) -> &mut T, value: T) -> bool {
        let unchanged = match self.user.rare.as_deref_mut() {
            Some(rare) => *field(rare) == value,
            None => value == T::default(),
        };
        if unchanged {
            return false;
        }
        self.keep_rare();
        *field(self.user.rare.get_or_insert_with(Box::default)) = value;
        self.user.tidy();
        true
    }
}

impl UserFields for Edit<'_> {
    fn set_username(&mut self, value: &str) -> bool {
        self.set_text(Part::Username, Some(value))
    }

    fn set_discriminator(&mut self, value: Discriminator) -> bool {
        let bytes = value.get().to_le_bytes();
        let slot = &mut self.user.data[DISCRIMINATOR..DISCRIMINATOR + 2];
        let changed = *slot != bytes;
        if changed {
            slot.copy_from_slice(&bytes);
        }
        changed
    }

    fn set_display_name(&mut self, value: Option<&str>) -> bool {
        self.set_text(Part::DisplayName, value)
    }

    fn set_pronouns(&mut self, value: Option<&str>) -> bool {
        self.set_text(Part::Pronouns, value)
    }

    fn set_avatar(&mut self, value: Option<&File>) -> bool {
        // A plain avatar lives in the bytes, any other in the rare box.
        let plain = value.filter(|file| bytes::plain_avatar(file));
        let found = bytes::find(&self.user.data, Part::Avatar);
        let same_part = match (found.clone(), plain) {
            (Some(range), Some(file)) => bytes::avatar_is(&self.user.data[range], file),
            (current, plain) => current.is_none() && plain.is_none(),
        };
        if !same_part {
            let write = plain.map(|file| |out: &mut Vec<u8>| bytes::write_avatar(out, file));
            self.replace(Part::Avatar, found, plain.map_or(0, bytes::avatar_len), write);
        }
        let odd = value
            .filter(|_| plain.is_none())
            .map(|file| Box::new(file.clone()));
        self.set_rare(|rare| &mut rare.avatar, odd) || !same_part
    }

    fn set_relations(&mut self, value: &[Relationship]) -> bool {
        self.set_rare(|rare| &mut rare.relations, value.to_vec())
    }

    fn set_badges(&mut self, value: UserBadges) -> bool {
        // No badges: no part.
        let bits = value.bits().to_le_bytes();
        let bits = (!value.is_empty()).then_some(bits);
        let (found, same) = self.find(Part::Badges, bits.as_ref().map(<[u8; 4]>::as_slice));
        if same {
            return false;
        }
        let write = bits.map(|bits| move |out: &mut Vec<u8>| out.extend_from_slice(&bits));
        self.replace(Part::Badges, found, 4, write);
        true
    }

    fn status(&self) -> Option<UserStatus> {
        self.user.status()
    }

    fn set_status(&mut self, value: Option<&UserStatus>) -> bool {
        let code = status_code(value);
        let text = value.and_then(|s| s.text.as_deref());
        let unknown = value
            .and_then(|s| s.presence.as_ref())
            .and_then(|p| unknown_text(code != UNKNOWN, p.as_str()));
        let old_code = self.user.view().status_code();
        let presence_changed = self.user.set_state(0b111 << STATUS_SHIFT, code << STATUS_SHIFT)
            | self.set_rare(|rare| &mut rare.unknown_presence, unknown);
        let text_changed = self.set_text(Part::StatusText, text);
        // The old status is read whole from what was kept: its text and
        // its unknown presence too, when only the other part changed.
        if presence_changed && text.is_some() {
            self.keep_data();
        }
        if text_changed && old_code == UNKNOWN {
            self.keep_rare();
        }
        presence_changed | text_changed
    }

    fn set_flags(&mut self, value: UserFlags) -> bool {
        self.set_rare(|rare| &mut rare.flags, value)
    }

    fn set_privileged(&mut self, value: bool) -> bool {
        self.user.set_state(PRIVILEGED, u8::from(value) * PRIVILEGED)
    }

    fn set_bot(&mut self, value: Option<BotInformation>) -> bool {
        let owner = value.map(|bot| bytes::bot(bot.owner));
        let (found, same) = self.find(Part::Bot, owner.as_ref().map(<[u8; 16]>::as_slice));
        if same {
            return false;
        }
        let write = owner.map(|owner| move |out: &mut Vec<u8>| out.extend_from_slice(&owner));
        self.replace(Part::Bot, found, 16, write);
        true
    }

    fn set_relationship(&mut self, value: &RelationshipStatus) -> bool {
        let code = relation_code(value);
        self.user.set_state(RELATION, code)
            | self.set_rare(
                |rare| &mut rare.unknown_relationship,
                unknown_text(code != UNKNOWN, value.as_str()),
            )
    }

    fn set_online(&mut self, value: bool) -> bool {
        self.user.set_state(ONLINE, u8::from(value) * ONLINE)
    }
}
