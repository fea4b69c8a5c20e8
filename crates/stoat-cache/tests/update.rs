//! Whatever the model's `User::apply_update` does to a user, the cache does
//! to its compact form in place: same user after, same changes reported,
//! and the old values of exactly the changed fields.

use proptest::prelude::*;
use stoat_cache::{Cache, Update};
use stoat_model::event::{Event, Ready, UserUpdate};
use stoat_model::file::{FileTag, Metadata};
use stoat_model::{
    BotInformation, Discriminator, FieldsUser, File, PartialUser, Presence, Relationship, RelationshipStatus,
    User, UserBadges, UserChanges, UserFlags, UserId, UserStatus,
};

fn text() -> impl Strategy<Value = String> {
    prop_oneof!["[a-c]{0,2}", "[a-zé🎮 ]{20,40}"]
}

fn avatar() -> impl Strategy<Value = File> {
    (
        "[a-c]{1,2}",
        prop_oneof![Just(FileTag::Avatars), Just(FileTag::Attachments)],
        0..3u8,
        proptest::option::of(proptest::collection::vec(any::<u8>(), 0..4)),
        any::<Option<bool>>(),
        any::<i64>(),
        any::<Option<bool>>(),
    )
        .prop_map(|(id, tag, kind, thumbhash, animated, size, deleted)| {
            let metadata = match kind {
                0 => Metadata::File,
                _ => Metadata::Image {
                    width: u64::from(kind) * 300,
                    height: 7,
                    thumbhash,
                    animated,
                },
            };
            let mut file = File::new(id.as_str().into(), tag, "a.png", metadata, "image/png", size);
            file.deleted = deleted;
            file
        })
}

fn status() -> impl Strategy<Value = UserStatus> {
    let presence = prop_oneof![
        proptest::sample::select(Presence::KNOWN),
        Just(Presence::Unknown("Dancing".into()))
    ];
    (proptest::option::of(text()), proptest::option::of(presence)).prop_map(|(text, presence)| UserStatus {
        text: text.map(Into::into),
        presence,
    })
}

fn relationship() -> impl Strategy<Value = RelationshipStatus> {
    prop_oneof![
        proptest::sample::select(RelationshipStatus::KNOWN),
        Just(RelationshipStatus::Unknown("Soulmate".into()))
    ]
}

fn relations() -> impl Strategy<Value = Vec<Relationship>> {
    proptest::collection::vec(
        (0..3u128, relationship()).prop_map(|(n, status)| Relationship {
            id: UserId::from_u128(n),
            status,
        }),
        0..3,
    )
}

/// A partial user, each field present with probability `p`.
fn partial(p: f64) -> impl Strategy<Value = PartialUser> {
    use proptest::option::weighted;
    (
        (
            weighted(p, text()),
            weighted(p, 1..3u16),
            weighted(p, text()),
            weighted(p, text()),
            weighted(p, avatar()),
            weighted(p, relations()),
            weighted(p, 0..3u32),
        ),
        (
            weighted(p, status()),
            weighted(p, 0..3u32),
            weighted(p, any::<bool>()),
            weighted(p, 0..2u128),
            weighted(p, relationship()),
            weighted(p, any::<bool>()),
        ),
    )
        .prop_map(
            |(
                (username, discriminator, display_name, pronouns, avatar, relations, badges),
                (status, flags, privileged, bot, relationship, online),
            )| PartialUser {
                id: None,
                username: username.map(Into::into),
                discriminator: discriminator.and_then(Discriminator::new),
                display_name: display_name.map(Into::into),
                pronouns: pronouns.map(Into::into),
                avatar: avatar.map(Box::new),
                relations,
                badges: badges.map(UserBadges::from_bits_retain),
                status,
                flags: flags.map(UserFlags::from_bits_retain),
                privileged,
                bot: bot.map(|n| BotInformation {
                    owner: UserId::from_u128(n),
                }),
                relationship,
                online,
            },
        )
}

/// A user: a plain one with a partial applied, so that every field varies.
fn user() -> impl Strategy<Value = User> {
    partial(0.5).prop_map(|data| {
        let mut user = User::new(UserId::from_u128(1 << 100), "user", Discriminator::DELETED);
        user.apply_update(&data, &[]);
        user
    })
}

fn clears() -> impl Strategy<Value = Vec<FieldsUser>> {
    proptest::sample::subsequence(FieldsUser::KNOWN.to_vec(), 0..4)
}

/// The oracle for `UserDiff::before`: the old value of each changed field.
fn old_values(user: &User, changes: UserChanges) -> PartialUser {
    let pick = |flag| changes.contains(flag);
    PartialUser {
        id: None,
        username: pick(UserChanges::USERNAME).then(|| user.username.clone()),
        discriminator: pick(UserChanges::DISCRIMINATOR).then_some(user.discriminator),
        display_name: user
            .display_name
            .clone()
            .filter(|_| pick(UserChanges::DISPLAY_NAME)),
        pronouns: user.pronouns.clone().filter(|_| pick(UserChanges::PRONOUNS)),
        avatar: user.avatar.clone().filter(|_| pick(UserChanges::AVATAR)),
        relations: pick(UserChanges::RELATIONS).then(|| user.relations.clone()),
        badges: pick(UserChanges::BADGES).then_some(user.badges),
        status: user.status.clone().filter(|_| pick(UserChanges::STATUS)),
        flags: pick(UserChanges::FLAGS).then_some(user.flags),
        privileged: pick(UserChanges::PRIVILEGED).then_some(user.privileged),
        bot: user.bot.filter(|_| pick(UserChanges::BOT)),
        relationship: pick(UserChanges::RELATIONSHIP).then(|| user.relationship.clone()),
        online: pick(UserChanges::ONLINE).then_some(user.online),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    #[test]
    fn the_cache_applies_updates_as_the_model_does(user in user(), data in partial(0.2), clear in clears()) {
        let cache = Cache::new();
        cache.update(&Event::Ready(Box::new(Ready { users: Some(vec![user.clone()]), ..Ready::default() })));
        prop_assert_eq!(cache.user(user.id), Some(user.clone()), "the compact form loses nothing");

        let mut model = user.clone();
        let changes = model.apply_update(&data, &clear);
        let event = Event::UserUpdate(Box::new(UserUpdate { id: user.id, data, clear, event_id: None }));
        let update = cache.update(&event);
        prop_assert_eq!(cache.user(user.id), Some(model.clone()));
        prop_assert_eq!(cache.with_user(user.id, |c| c.holds(&model)), Some(true));
        prop_assert_eq!(cache.with_user(user.id, |c| c.holds(&user)), Some(model == user), "compared in place");
        if changes.is_empty() {
            prop_assert_eq!(update, Update::Nothing);
        } else {
            let Update::User(diff) = update else { panic!("{update:?}") };
            prop_assert_eq!(diff.changes, changes);
            prop_assert_eq!(diff.before.to_partial(), old_values(&user, changes));
        }
    }
}
