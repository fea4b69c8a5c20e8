//! Decoding what the server sends, by the fastest path this crate has.
//!
//! Users (alone or in a list) are read by a byte-level reader that hands
//! anything unusual to serde, so results and errors are always serde's; the
//! reader itself is an implementation detail, free to change between
//! releases. `serde_json::from_slice::<User>` gives the same result, slower.

use crate::User;
use crate::event::{DecodeError, Event, Format};

/// One user from JSON.
///
/// ```
/// let user = stoat_model::decode::user(br#"{"_id":"01M860DVV8WZCHA5KA04G45WJS","username":"alice","discriminator":"9162"}"#)?;
/// assert_eq!(user.username, "alice");
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn user(bytes: &[u8]) -> Result<User, serde_json::Error> {
    crate::json::user(bytes)
}

/// A JSON array of users (`GET /users/…` lists, a `Ready`'s users).
pub fn users(bytes: &[u8]) -> Result<Vec<User>, serde_json::Error> {
    crate::json::users(bytes)
}

/// One event frame: [`Event::decode`].
pub fn event(format: Format, bytes: &[u8]) -> Result<Event, DecodeError> {
    Event::decode(format, bytes)
}

#[cfg(test)]
mod tests {
    use compact_str::CompactString;

    use crate::file::{FileTag, Metadata};
    use crate::{
        BotInformation, Discriminator, File, FileId, Presence, Relationship, RelationshipStatus, User,
        UserBadges, UserFlags, UserStatus,
    };

    /// A file with every field set. A struct literal, not `..Default`: a
    /// field added to `File` fails to compile here until it is set, and once
    /// set, the test below fails until the fast path knows it.
    fn full_file() -> File {
        File {
            id: FileId::new("file-id"),
            tag: FileTag::Avatars,
            filename: "a.png".into(),
            metadata: Metadata::Image {
                width: 64,
                height: 32,
                thumbhash: Some(vec![1, 2, 3]),
                animated: Some(false),
            },
            content_type: "image/png".into(),
            size: 1234,
            deleted: Some(false),
            reported: Some(false),
            message_id: Some("m".into()),
            user_id: Some("u".into()),
            server_id: Some("s".into()),
            object_id: Some("o".into()),
        }
    }

    /// File keys left to serde on purpose: the server writes them only on
    /// files attached to messages, servers and reports, never on the users'
    /// avatars and backgrounds the fast path is for (no recorded payload has
    /// one). Any other field serde knows must be read by the fast path.
    const SERDE_ONLY_FILE_KEYS: &[&str] = &["message_id", "user_id", "server_id", "object_id"];

    /// A user with every field set (see [`full_file`] for why a literal).
    fn full_user() -> User {
        let id = "01M860DVV8WZCHA5KA04G45WJS".parse().unwrap();
        User {
            id,
            username: CompactString::from("alice"),
            discriminator: Discriminator::new(9162).unwrap(),
            display_name: Some("Alice".into()),
            pronouns: Some("she/her".into()),
            avatar: Some(Box::new(full_file())),
            relations: vec![Relationship {
                id,
                status: RelationshipStatus::Friend,
            }],
            badges: UserBadges::from_bits_retain(3),
            status: Some(UserStatus {
                text: Some("here".into()),
                presence: Some(Presence::Idle),
            }),
            flags: UserFlags::from_bits_retain(2),
            privileged: true,
            bot: Some(BotInformation { owner: id }),
            relationship: RelationshipStatus::Friend,
            online: true,
        }
    }

    #[test]
    fn every_field_serde_writes_is_read_by_the_fast_path() {
        let user = full_user();
        let mut file = serde_json::to_value(full_file()).unwrap();
        for key in SERDE_ONLY_FILE_KEYS {
            let value = file.as_object_mut().unwrap().remove(*key);
            assert!(value.is_some(), "{key} is a field of File");
        }
        let file = serde_json::to_vec(&file).unwrap();
        assert!(
            crate::json::file_is_fast(&file),
            "a field of File sends files to serde: {}",
            String::from_utf8_lossy(&file)
        );
        let bytes = serde_json::to_vec(&user).unwrap();
        assert!(
            crate::json::user_is_fast(&bytes),
            "a field of User sends users to serde: {}",
            String::from_utf8_lossy(&bytes)
        );
        assert_eq!(super::user(&bytes).unwrap(), user);
        let list = serde_json::to_vec(&[&user, &user]).unwrap();
        assert_eq!(super::users(&list).unwrap(), [user.clone(), user]);
    }

    #[test]
    fn the_check_sees_a_field_the_fast_path_does_not_know() {
        let mut file = serde_json::to_value(full_file()).unwrap();
        file["new_field"] = serde_json::json!(1);
        assert!(!crate::json::file_is_fast(&serde_json::to_vec(&file).unwrap()));
        let mut value = serde_json::to_value(full_user()).unwrap();
        value["new_field"] = serde_json::json!(1);
        assert!(!crate::json::user_is_fast(&serde_json::to_vec(&value).unwrap()));
    }
}
