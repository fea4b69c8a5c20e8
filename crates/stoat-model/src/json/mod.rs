//! Fast JSON decoding of users, the one type that arrives by the thousand
//! (`Ready`, member lists, `include_users` responses).
//!
//! The fast path reads the common shape of a user straight from the bytes:
//! keys are matched as bytes, ids are parsed without building strings, and
//! only the strings that are kept are checked as UTF-8. Whatever it does
//! not handle (escapes, duplicate keys, floats, malformed input) sends that
//! one user to `serde_json`, so the result is always exactly what the serde
//! path gives, errors included.
//!
//! [`Event::decode`](crate::event::Event::decode) uses the same readers for
//! the frequent Users events and for `Ready` (whose users go through the
//! fast path and every other part through serde, in place); any shape they
//! do not expect (an unknown key, a repeated one) decodes that event through
//! serde instead.
//!
//! ```
//! let body = br#"[{"_id":"01M860BWPTBVM98D71JYP906BF","username":"bob1","discriminator":"8441",
//!                 "relationship":"Friend","online":false}]"#;
//! let users = stoat_model::decode::users(body)?;
//! assert_eq!(users[0].tag(), "bob1#8441");
//! assert_eq!(users, serde_json::from_slice::<Vec<stoat_model::User>>(body)?);
//! # Ok::<(), serde_json::Error>(())
//! ```

use compact_str::CompactString;

use crate::id::{Id, ULID_LEN};
use crate::scan::{Json, MAX_DEPTH};
use crate::user::{
    BotInformation, Discriminator, PartialUser, Presence, Relationship, RelationshipStatus, User, UserBadges,
    UserFlags, UserStatus,
};

/// A cursor over input that was checked as UTF-8 once, so that strings are
/// cut out of it (an O(1) boundary check) instead of being checked again.
pub(crate) struct Reader<'a> {
    json: Json<'a>,
    text: &'a str,
    /// How many arrays and objects enclose the cursor: serde's depth limit
    /// counts them, so a value handed to serde alone must stay within what
    /// is left of it.
    depth: usize,
}

impl<'a> Reader<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            json: Json::new(text.as_bytes()),
            text,
            depth: 0,
        }
    }

    #[inline]
    fn peek(&mut self) -> Option<u8> {
        self.json.peek().ok()
    }

    #[inline]
    fn expect(&mut self, byte: u8) -> Option<()> {
        self.json.expect(byte).ok()
    }

    /// Skips a value that serde is about to read alone, if serde would
    /// take it where it stands: at most 127 arrays and objects deep,
    /// counting those around it (`serde_json`'s limit).
    fn skip_value_for_serde(&mut self) -> Option<()> {
        let left = MAX_DEPTH.checked_sub(self.depth)?;
        self.json.skip_value_within(left).ok()
    }

    /// A string without escapes.
    #[inline]
    fn plain(&mut self) -> Option<&'a str> {
        let (start, end) = self.json.plain_range()?;
        self.text.get(start..end)
    }

    /// Whether only white space is left. JSON's white space, that is: not
    /// `u8::is_ascii_whitespace`, which also takes form feed (serde refuses it).
    #[inline]
    fn at_end(&mut self) -> bool {
        self.peek().is_none()
    }

    /// The rest of the input after the cursor.
    #[inline]
    fn rest(&self) -> &'a [u8] {
        &self.json.bytes[self.json.at.min(self.json.bytes.len())..]
    }
}

/// Decodes a JSON array of users.
pub(crate) fn users(bytes: &[u8]) -> Result<Vec<User>, serde_json::Error> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return serde_json::from_slice(bytes);
    };
    let mut r = Reader::new(text);
    match array(&mut r, user_or_serde) {
        Some(users) if r.at_end() => Ok(users),
        // Anything unusual at the array level: serde decides, and words the error.
        _ => serde_json::from_slice(bytes),
    }
}

/// Decodes one user.
pub(crate) fn user(bytes: &[u8]) -> Result<User, serde_json::Error> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return serde_json::from_slice(bytes);
    };
    let mut r = Reader::new(text);
    match user_fast(&mut r) {
        Some(user) if r.at_end() => Ok(user),
        _ => serde_json::from_slice(bytes),
    }
}

/// Whether one user is read by the fast path alone (the field-coverage test
/// in `decode.rs` asks).
#[cfg(test)]
pub(crate) fn user_is_fast(bytes: &[u8]) -> bool {
    let text = std::str::from_utf8(bytes).unwrap_or_default();
    let mut r = Reader::new(text);
    user_fast(&mut r).is_some() && r.at_end()
}

/// Whether one file is read by the fast path alone (a file it does not
/// know goes to serde on its own, leaving the user's path fast).
#[cfg(test)]
pub(crate) fn file_is_fast(bytes: &[u8]) -> bool {
    let text = std::str::from_utf8(bytes).unwrap_or_default();
    let mut r = Reader::new(text);
    file_fast(&mut r).is_some() && r.at_end()
}

/// One user of a list: the fast path, or serde for this one user only.
fn user_or_serde(r: &mut Reader<'_>) -> Option<User> {
    r.peek()?;
    let (start, depth) = (r.json.at, r.depth);
    if let Some(user) = user_fast(r) {
        return Some(user);
    }
    (r.json.at, r.depth) = (start, depth);
    serde_value(r)
}

/// Reads an array, each item with `item`.
fn array<'a, T>(r: &mut Reader<'a>, mut item: impl FnMut(&mut Reader<'a>) -> Option<T>) -> Option<Vec<T>> {
    let mut out = Vec::new();
    r.expect(b'[')?;
    if r.peek()? == b']' {
        r.json.at += 1;
        return Some(out);
    }
    r.depth += 1;
    loop {
        out.push(item(r)?);
        match r.peek()? {
            b',' => r.json.at += 1,
            b']' => {
                r.json.at += 1;
                r.depth -= 1;
                return Some(out);
            }
            _ => return None,
        }
    }
}

/// Runs `$set` for a key seen for the first time; a repeated key gives the
/// object to serde, which refuses duplicates.
macro_rules! once {
    ($seen:ident, $bit:expr, $set:expr) => {{
        $seen.first($bit)?;
        $set;
    }};
}

// After the macro, which they use.
mod events;
mod file;

pub(crate) use events::event;
use file::file;
#[cfg(test)]
use file::file_fast;

/// Which keys were seen, to send duplicates to serde (which refuses them).
struct Seen(u32);

impl Seen {
    fn first(&mut self, bit: u32) -> Option<()> {
        let fresh = self.0 & bit == 0;
        self.0 |= bit;
        fresh.then_some(())
    }

    fn has(&self, key: UserKey) -> bool {
        self.0 & 1 << key as u32 != 0
    }
}

fn null(r: &mut Reader<'_>) -> Option<bool> {
    if r.peek()? != b'n' {
        return Some(false);
    }
    r.rest().starts_with(b"null").then_some(())?;
    r.json.at += 4;
    Some(true)
}

/// `null` or a value: the outer `None` means "not the fast path".
#[allow(
    clippy::option_option,
    reason = "null, a value, or give up are three outcomes"
)]
fn optional<'a, T>(r: &mut Reader<'a>, read: impl FnOnce(&mut Reader<'a>) -> Option<T>) -> Option<Option<T>> {
    if null(r)? { Some(None) } else { read(r).map(Some) }
}

fn boolean(r: &mut Reader<'_>) -> Option<bool> {
    r.peek()?;
    let (value, len) = if r.rest().starts_with(b"true") {
        (true, 4)
    } else if r.rest().starts_with(b"false") {
        (false, 5)
    } else {
        return None;
    };
    r.json.at += len;
    Some(value)
}

/// An integer bitfield, read as `macros::deserialize_bits` does.
fn bits(r: &mut Reader<'_>) -> Option<u32> {
    let value = integer(r)?;
    u32::try_from(value)
        .ok()
        .or_else(|| i32::try_from(value).ok().map(i32::cast_unsigned))
}

/// An id: exactly 26 characters between quotes, so no scan is needed (the
/// alphabet has no quote, backslash or control character).
fn id<M>(r: &mut Reader<'_>) -> Option<Id<M>> {
    r.peek()?;
    let quoted = r.rest().get(..ULID_LEN + 2)?;
    if quoted[0] != b'"' || quoted[ULID_LEN + 1] != b'"' {
        return None;
    }
    let id = Id::parse_bytes(&quoted[1..=ULID_LEN]).ok()?;
    r.json.at += ULID_LEN + 2;
    Some(id)
}

/// Walks an object, handing each key to `field`, which must consume its
/// value (or return `None` to give the whole user to serde).
fn object<'a>(r: &mut Reader<'a>, field: impl FnMut(&str, &mut Reader<'a>) -> Option<()>) -> Option<()> {
    object_keyed(r, Reader::plain, field)
}

/// [`object`] with keys recognised by `key`, which returns `None` for a key
/// it does not know (and so gives the object to serde).
#[inline]
fn object_keyed<'a, K>(
    r: &mut Reader<'a>,
    key: impl Fn(&mut Reader<'a>) -> Option<K>,
    mut field: impl FnMut(K, &mut Reader<'a>) -> Option<()>,
) -> Option<()> {
    r.expect(b'{')?;
    if r.peek()? == b'}' {
        r.json.at += 1;
        return Some(());
    }
    r.depth += 1;
    loop {
        let key = key(r)?;
        r.expect(b':')?;
        field(key, r)?;
        match r.peek()? {
            b',' => r.json.at += 1,
            b'}' => {
                r.json.at += 1;
                r.depth -= 1;
                return Some(());
            }
            _ => return None,
        }
    }
}

fn status(r: &mut Reader<'_>) -> Option<UserStatus> {
    let mut status = UserStatus::default();
    let mut seen = Seen(0);
    object(r, |key, r| {
        match key {
            "text" => {
                seen.first(1)?;
                status.text = optional(r, |r| r.plain().map(Into::into))?;
            }
            "presence" => {
                seen.first(2)?;
                status.presence = optional(r, |r| r.plain().map(Presence::from_wire))?;
            }
            // Unknown keys go to serde, which also checks their values.
            _ => return None,
        }
        Some(())
    })?;
    Some(status)
}

fn relations(r: &mut Reader<'_>) -> Option<Vec<Relationship>> {
    array(r, |r| {
        let (mut user, mut status) = (None, None);
        object(r, |key, r| {
            match key {
                "_id" if user.is_none() => user = Some(id(r)?),
                "status" if status.is_none() => status = Some(RelationshipStatus::from_wire(r.plain()?)),
                _ => return None,
            }
            Some(())
        })?;
        Some(Relationship {
            id: user?,
            status: status?,
        })
    })
}

fn bot(r: &mut Reader<'_>) -> Option<BotInformation> {
    let mut owner = None;
    object(r, |key, r| {
        match key {
            "owner" if owner.is_none() => owner = Some(id(r)?),
            _ => return None,
        }
        Some(())
    })?;
    Some(BotInformation { owner: owner? })
}

/// The fast path for one user object; `None` means "ask serde". The user
/// is filled in place, not read into a [`PartialUser`] and then moved
/// field by field.
fn user_fast(r: &mut Reader<'_>) -> Option<User> {
    // Placeholders for the required fields, which must all be read.
    let mut user = User::new(Id::SYSTEM, CompactString::default(), Discriminator::DELETED);
    let mut seen = Seen(0);
    object_keyed(
        r,
        |r| user_key(r, false),
        |key, r| {
            seen.first(1 << key as u32)?;
            // Required fields may not be `null`; the others are their
            // default when `null`.
            match key {
                UserKey::Id => user.id = id(r)?,
                UserKey::Username => user.username = r.plain()?.into(),
                UserKey::Discriminator => user.discriminator = discriminator(r)?,
                UserKey::DisplayName => user.display_name = optional(r, text)?,
                UserKey::Pronouns => user.pronouns = optional(r, text)?,
                UserKey::Avatar => user.avatar = optional(r, file)?,
                UserKey::Relations => user.relations = optional(r, relations)?.unwrap_or_default(),
                UserKey::Badges => user.badges = optional(r, badges)?.unwrap_or_default(),
                UserKey::Status => user.status = optional(r, status)?,
                UserKey::Flags => user.flags = optional(r, flags)?.unwrap_or_default(),
                UserKey::Privileged => user.privileged = optional(r, boolean)?.unwrap_or_default(),
                UserKey::Bot => user.bot = optional(r, bot)?,
                UserKey::Relationship => user.relationship = optional(r, relationship)?.unwrap_or_default(),
                UserKey::Online => user.online = optional(r, boolean)?.unwrap_or_default(),
            }
            Some(())
        },
    )?;
    let required = [UserKey::Id, UserKey::Username, UserKey::Discriminator];
    required.iter().all(|&key| seen.has(key)).then_some(user)
}

fn text(r: &mut Reader<'_>) -> Option<CompactString> {
    r.plain().map(Into::into)
}

fn discriminator(r: &mut Reader<'_>) -> Option<Discriminator> {
    Discriminator::parse(r.plain()?).ok()
}

fn badges(r: &mut Reader<'_>) -> Option<UserBadges> {
    bits(r).map(UserBadges::from_bits_retain)
}

fn flags(r: &mut Reader<'_>) -> Option<UserFlags> {
    bits(r).map(UserFlags::from_bits_retain)
}

fn relationship(r: &mut Reader<'_>) -> Option<RelationshipStatus> {
    r.plain().map(RelationshipStatus::from_wire)
}

/// The keys of a user object.
#[derive(Clone, Copy)]
enum UserKey {
    Id,
    Username,
    Discriminator,
    DisplayName,
    Pronouns,
    Avatar,
    Relations,
    Badges,
    Status,
    Flags,
    Privileged,
    Bot,
    Relationship,
    Online,
}

/// Recognises a user key (with its closing quote) by comparing the bytes
/// against the few candidates its first byte leaves: in a list of
/// thousands of users this beats scanning each key for its end. The id key
/// is `_id` in a user and `id` in a partial user. Any other key is `None`,
/// which gives the object to serde: unknown keys (future fields) have their
/// values checked there, so the fast path never skips unchecked bytes.
#[inline]
fn user_key(r: &mut Reader<'_>, partial: bool) -> Option<UserKey> {
    use UserKey::{
        Avatar, Badges, Bot, Discriminator, DisplayName, Flags, Id, Online, Privileged, Pronouns, Relations,
        Relationship, Status, Username,
    };
    /// The first of `candidates` that the key is, and its length.
    macro_rules! one_of {
        ($rest:expr, $($name:literal => $key:expr),+) => {
            $(if $rest.starts_with(concat!($name, "\"").as_bytes()) {
                Some(($key, $name.len()))
            } else)+ {
                None
            }
        };
    }
    if r.peek()? != b'"' {
        return None;
    }
    let rest = &r.json.bytes[r.json.at + 1..];
    let (key, len) = match rest.first()? {
        b'_' if !partial => one_of!(rest, "_id" => Id),
        b'i' if partial => one_of!(rest, "id" => Id),
        b'u' => one_of!(rest, "username" => Username),
        b'd' => one_of!(rest, "discriminator" => Discriminator, "display_name" => DisplayName),
        b'p' => one_of!(rest, "pronouns" => Pronouns, "privileged" => Privileged),
        b'a' => one_of!(rest, "avatar" => Avatar),
        b'r' => one_of!(rest, "relationship" => Relationship, "relations" => Relations),
        b'b' => one_of!(rest, "badges" => Badges, "bot" => Bot),
        b's' => one_of!(rest, "status" => Status),
        b'f' => one_of!(rest, "flags" => Flags),
        b'o' => one_of!(rest, "online" => Online),
        _ => None,
    }?;
    r.json.at += len + 2;
    Some(key)
}

/// Reads the fields of a partial user.
fn partial_user(r: &mut Reader<'_>) -> Option<PartialUser> {
    let mut p = PartialUser::default();
    let mut seen = Seen(0);
    object_keyed(
        r,
        |r| user_key(r, true),
        |key, r| {
            seen.first(1 << key as u32)?;
            match key {
                UserKey::Id => p.id = optional(r, id)?,
                UserKey::Username => p.username = optional(r, text)?,
                UserKey::Discriminator => p.discriminator = optional(r, discriminator)?,
                UserKey::DisplayName => p.display_name = optional(r, text)?,
                UserKey::Pronouns => p.pronouns = optional(r, text)?,
                UserKey::Avatar => p.avatar = optional(r, file)?,
                UserKey::Relations => p.relations = optional(r, relations)?,
                UserKey::Badges => p.badges = optional(r, badges)?,
                UserKey::Status => p.status = optional(r, status)?,
                UserKey::Flags => p.flags = optional(r, flags)?,
                UserKey::Privileged => p.privileged = optional(r, boolean)?,
                UserKey::Bot => p.bot = optional(r, bot)?,
                UserKey::Relationship => p.relationship = optional(r, relationship)?,
                UserKey::Online => p.online = optional(r, boolean)?,
            }
            Some(())
        },
    )?;
    Some(p)
}

/// One value through serde, alone; `None` if serde refuses it, or would
/// refuse it where it stands in the whole input (too deep).
fn serde_value<T: serde::de::DeserializeOwned>(r: &mut Reader<'_>) -> Option<T> {
    r.peek()?;
    let start = r.json.at;
    r.skip_value_for_serde()?;
    serde_json::from_str(&r.text[start..r.json.at]).ok()
}

/// A JSON integer as `i64` (fractions, exponents and leading zeros go to serde).
fn integer(r: &mut Reader<'_>) -> Option<i64> {
    r.peek()?;
    let start = r.json.at;
    let negative = r.rest().first() == Some(&b'-');
    let digits = r.rest()[usize::from(negative)..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    let end = start + usize::from(negative) + digits;
    let first = r.json.bytes.get(start + usize::from(negative));
    if digits == 0 || digits > 18 || (digits > 1 && first == Some(&b'0')) {
        return None;
    }
    if matches!(r.json.bytes.get(end), Some(b'.' | b'e' | b'E')) {
        return None;
    }
    let value = r.text[start..end].parse().ok()?;
    r.json.at = end;
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Event, EventKind, Ready};

    /// The recorded `Ready` frames take the fast path (not serde's, which
    /// would give the same result and so hide a fast path that gave up) and
    /// agree with serde.
    #[test]
    fn recorded_ready_frames_take_the_fast_path() {
        for name in [
            "ws_event_Ready.json",
            "ws_event_Ready_2.json",
            "ws_event_Ready_with_friend.json",
        ] {
            let path = format!("{}/../../fixtures/events/{name}", env!("CARGO_MANIFEST_DIR"));
            let text = std::fs::read_to_string(path).unwrap();
            let Some(Event::Ready(fast)) = event(&text, EventKind::Ready) else {
                panic!("{name}: the fast path gave up");
            };
            let slow: Ready = serde_json::from_str(&text).unwrap();
            assert_eq!(*fast, slow, "{name}");
            assert!(
                fast.users.as_ref().is_some_and(|users| !users.is_empty()),
                "{name}"
            );
        }
    }

    /// Around serde's depth limit, a value the fast path hands to serde
    /// alone is judged as serde judges it inside the whole input.
    #[test]
    fn values_handed_to_serde_keep_the_depth_limit_of_the_whole_input() {
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        let user = |extra: &str| {
            format!(r#"{{"_id":"01M860BWPTBVM98D71JYP906BF","username":"a","discriminator":"0001"{extra}}}"#)
        };
        let file = |extra: &str| {
            format!(
                r#","avatar":{{"_id":"x","tag":"avatars","filename":"a","metadata":{{"type":"File"}},"content_type":"a","size":1{extra}}}"#
            )
        };
        let mut flips = 0;
        for n in 118..=130 {
            let unknown = format!(r#","x":{}"#, deep(n));
            let in_user = format!("[{}]", user(&unknown));
            let in_file = format!("[{}]", user(&file(&unknown)));
            for list in [&in_user, &in_file] {
                let fast = users(list.as_bytes()).ok();
                let slow = serde_json::from_str::<Vec<User>>(list).ok();
                assert_eq!(fast, slow, "{n} deep: {list}");
            }
            let ready = format!(
                r#"{{"type":"Ready","users":[{}],"servers":[{}]}}"#,
                user(""),
                deep(n)
            );
            let fast = Event::decode(crate::event::Format::Json, ready.as_bytes()).is_ok();
            let slow = serde_json::from_str::<Ready>(&ready).is_ok();
            assert_eq!(fast, slow, "{n} deep in a Ready");
            flips +=
                usize::from(slow != serde_json::from_str::<Ready>(&ready.replacen("[]", "[[]]", 1)).is_ok());
        }
        assert!(flips > 0, "serde's limit lies in the range tested");
    }
}
