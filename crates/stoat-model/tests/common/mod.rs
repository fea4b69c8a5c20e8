//! Generators of wire values shared by the property and differential tests.
#![allow(dead_code, reason = "each test binary uses a different subset")]
#![allow(unreachable_pub, reason = "shared by the test binaries through `mod common`")]

use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use stoat_model::channel::{DirectMessage, Group, SavedMessages};
use stoat_model::file::FileTag;
use stoat_model::message::{Interactions, Masquerade, MessageFlags, ReplyIntent, SendableEmbed};
use stoat_model::request::{EditProfile, EditUser, SendMessage};
use stoat_model::{
    BotInformation, Channel, Discriminator, FieldsUser, File, Id, Message, Metadata, PartialUser, Presence,
    Relationship, RelationshipStatus, Timestamp, User, UserBadges, UserFlags, UserStatus, UserVoiceState,
};

pub fn id<M>() -> impl Strategy<Value = Id<M>> {
    any::<u128>().prop_map(Id::from_u128)
}

pub fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 _.é🦦-]{1,12}"
}

pub fn boxed() -> impl Strategy<Value = Box<str>> {
    text().prop_map(Into::into)
}

pub fn compact() -> impl Strategy<Value = compact_str::CompactString> {
    text().prop_map(Into::into)
}

pub fn timestamp() -> impl Strategy<Value = Timestamp> {
    // 1970 to about 2200, the range iso8601-timestamp prints like this crate.
    (0i64..7_258_118_400_000).prop_map(Timestamp::from_millis)
}

pub fn known<T: Clone + std::fmt::Debug + 'static>(values: &'static [T]) -> impl Strategy<Value = T> {
    proptest::sample::select(values)
}

pub fn metadata() -> impl Strategy<Value = Metadata> {
    prop_oneof![
        Just(Metadata::File),
        Just(Metadata::Text),
        Just(Metadata::Audio),
        (any::<u32>(), any::<u32>()).prop_map(|(w, h)| Metadata::Video {
            width: w.into(),
            height: h.into()
        }),
        (
            any::<u32>(),
            any::<u32>(),
            proptest::option::of(vec(any::<u8>(), 0..8)),
            any::<Option<bool>>()
        )
            .prop_map(|(w, h, thumbhash, animated)| Metadata::Image {
                width: w.into(),
                height: h.into(),
                thumbhash,
                animated
            }),
    ]
}

pub fn file() -> impl Strategy<Value = File> {
    (
        "[A-Za-z0-9_-]{42}",
        known(FileTag::KNOWN),
        text(),
        metadata(),
        "[a-z]{1,8}/[a-z]{1,8}",
        any::<i32>(),
        any::<Option<bool>>(),
        proptest::option::of(boxed()),
    )
        .prop_map(
            |(id, tag, filename, metadata, content_type, size, deleted, object_id)| File {
                id: id.into(),
                tag,
                filename: filename.into(),
                metadata,
                content_type: content_type.into(),
                size: size.into(),
                deleted,
                reported: deleted.map(|d| !d),
                message_id: None,
                user_id: None,
                server_id: None,
                object_id,
            },
        )
}

pub fn status() -> impl Strategy<Value = UserStatus> {
    (
        proptest::option::of(compact()),
        proptest::option::of(known(Presence::KNOWN)),
    )
        .prop_map(|(text, presence)| UserStatus { text, presence })
}

pub fn discriminator() -> impl Strategy<Value = Discriminator> {
    (0u16..10_000).prop_map(|d| Discriminator::new(d).unwrap())
}

pub fn relationship() -> impl Strategy<Value = Relationship> {
    (id(), known(RelationshipStatus::KNOWN)).prop_map(|(id, status)| Relationship { id, status })
}

prop_compose! {
    pub fn user()(
        id in id(),
        username in compact(),
        discriminator in discriminator(),
        display_name in proptest::option::of(compact()),
        pronouns in proptest::option::of(compact()),
        avatar in proptest::option::of(file().prop_map(Box::new)),
        relations in vec(relationship(), 0..3),
        badges in any::<u32>(),
        status in proptest::option::of(status()),
        flags in any::<u32>(),
        privileged in any::<bool>(),
        bot in proptest::option::of(id().prop_map(|owner| BotInformation { owner })),
        relationship in known(RelationshipStatus::KNOWN),
        online in any::<bool>(),
    ) -> User {
        User {
            id, username, discriminator, display_name, pronouns, avatar, relations,
            badges: UserBadges::from_bits_retain(badges), status, flags: UserFlags::from_bits_retain(flags),
            privileged, bot, relationship, online,
        }
    }
}

prop_compose! {
    pub fn partial_user()(
        username in proptest::option::of(compact()),
        discriminator in proptest::option::of(discriminator()),
        display_name in proptest::option::of(compact()),
        pronouns in proptest::option::of(compact()),
        avatar in proptest::option::of(file().prop_map(Box::new)),
        relations in proptest::option::of(vec(relationship(), 0..2)),
        badges in proptest::option::of(any::<u32>()),
        status in proptest::option::of(status()),
        flags in proptest::option::of(any::<u32>()),
        privileged in any::<Option<bool>>(),
        bot in proptest::option::of(id().prop_map(|owner| BotInformation { owner })),
        online in any::<Option<bool>>(),
        relationship in proptest::option::of(known(RelationshipStatus::KNOWN)),
    ) -> PartialUser {
        PartialUser {
            id: None, username, discriminator, display_name, pronouns, avatar, relations, status, privileged,
            bot, online, relationship,
            badges: badges.map(UserBadges::from_bits_retain),
            flags: flags.map(UserFlags::from_bits_retain),
        }
    }
}

pub fn voice_state() -> impl Strategy<Value = UserVoiceState> {
    (id(), timestamp(), any::<[bool; 4]>()).prop_map(|(id, joined_at, [r, p, s, c])| UserVoiceState {
        id,
        joined_at,
        is_receiving: r,
        is_publishing: p,
        screensharing: s,
        camera: c,
    })
}

pub fn channel() -> impl Strategy<Value = Channel> {
    prop_oneof![
        (id(), id()).prop_map(|(id, user)| Channel::SavedMessages(SavedMessages { id, user })),
        (id(), any::<bool>(), vec(id(), 0..3), proptest::option::of(id())).prop_map(
            |(id, active, recipients, last_message_id)| Channel::DirectMessage(DirectMessage {
                id,
                active,
                recipients,
                last_message_id
            })
        ),
        (
            id(),
            boxed(),
            id(),
            proptest::option::of(boxed()),
            vec(id(), 0..3),
            any::<Option<i64>>(),
            any::<bool>()
        )
            .prop_map(|(id, name, owner, description, recipients, permissions, nsfw)| {
                Channel::Group(Group {
                    id,
                    name,
                    owner,
                    description,
                    recipients,
                    icon: None,
                    last_message_id: None,
                    permissions,
                    nsfw,
                })
            }),
    ]
}

prop_compose! {
    pub fn message()(
        id in id(), channel in id(), author in id(),
        nonce in proptest::option::of(boxed()),
        content in proptest::option::of(boxed()),
        user in proptest::option::of(user().prop_map(Box::new)),
        edited in proptest::option::of(timestamp()),
        mentions in proptest::option::of(vec(id(), 0..3)),
        replies in proptest::option::of(vec(id(), 0..3)),
        reactions in btree_map(boxed(), vec(id(), 1..3), 0..3),
        restrict in any::<bool>(),
        offered in proptest::option::of(vec(boxed(), 1..3)),
        pinned in proptest::option::of(Just(true)),
        flags in 0u32..16,
    ) -> Message {
        // Reaction sets are sets on the server: no duplicate users.
        let reactions = reactions.into_iter().map(|(emoji, mut users)| { users.sort(); users.dedup(); (emoji, users) }).collect();
        let offered = offered.map(|mut o| { o.sort(); o.dedup(); o });
        Message {
            id, nonce, channel, author, user, member: None, webhook: None, content, system: None,
            attachments: None, edited, embeds: None, mentions, role_mentions: None, replies, reactions,
            interactions: Interactions { reactions: offered, restrict_reactions: restrict },
            masquerade: None, pinned, flags: MessageFlags::from_bits_retain(flags),
        }
    }
}

prop_compose! {
    pub fn edit_user()(
        display_name in proptest::option::of(text()),
        pronouns in proptest::option::of(text()),
        avatar in proptest::option::of("[A-Za-z0-9_-]{42}"),
        status in proptest::option::of(status()),
        content in proptest::option::of(text()),
        background in proptest::option::of("[A-Za-z0-9_-]{42}"),
        badges in proptest::option::of(0u32..1 << 31),
        remove in vec(known(FieldsUser::KNOWN), 0..4),
    ) -> EditUser {
        EditUser {
            display_name, pronouns, avatar: avatar.map(Into::into), status,
            profile: Some(EditProfile { content, background: background.map(Into::into) }),
            badges: badges.map(UserBadges::from_bits_retain), flags: None, remove,
        }
    }
}

prop_compose! {
    pub fn send_message()(
        content in proptest::option::of(text()),
        attachments in proptest::option::of(vec("[A-Za-z0-9_-]{42}", 0..3)),
        replies in proptest::option::of(vec((id(), any::<bool>(), any::<Option<bool>>()), 0..3)),
        title in proptest::option::of(text()),
        name in proptest::option::of(text()),
        flags in proptest::option::of(0u32..8),
    ) -> SendMessage {
        SendMessage {
            nonce: None,
            content,
            attachments: attachments.map(|a| a.into_iter().map(Into::into).collect()),
            replies: replies.map(|r| r.into_iter().map(|(id, mention, fail_if_not_exists)| ReplyIntent { id, mention, fail_if_not_exists }).collect()),
            embeds: title.map(|title| vec![SendableEmbed { title: Some(title), ..Default::default() }]),
            masquerade: name.map(|name| Masquerade { name: Some(name), ..Default::default() }),
            interactions: None,
            flags: flags.map(MessageFlags::from_bits_retain),
        }
    }
}
