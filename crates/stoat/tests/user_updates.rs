//! A `UserUpdate` reaches the handler whole: every part the server sent
//! when the cache does not keep users, and the old values of what changed
//! when it does.

mod support;

use std::sync::Mutex;

use stoat::event::UserUpdate;
use stoat::{Client, EventHandler, UserChanges};

/// A 1×1 PNG, for an avatar.
const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0, 0, 1, 0, 0, 0,
    1, 8, 6, 0, 0, 0, 0x1F, 0x15, 0xC4, 0x89,
];

/// Keeps every `UserUpdate` of one user; closes the client at the one
/// whose status text is `last`.
struct UserUpdates {
    of: stoat::UserId,
    last: &'static str,
    seen: Mutex<Vec<UserUpdate>>,
}

impl EventHandler for UserUpdates {
    async fn on_user_update(&self, client: &Client, event: &UserUpdate) {
        if event.id != self.of {
            return;
        }
        self.seen.lock().unwrap().push(event.clone());
        if event.data.status.as_ref().and_then(|s| s.text.as_deref()) == Some(self.last) {
            client.close();
        }
    }
}

/// Alice, the bot's friend, changes everything a user update carries,
/// while the bot (caching as `resources` says) runs a [`UserUpdates`]; what
/// it saw.
async fn alice_changes_everything(resources: stoat::cache::Resources) -> Vec<UserUpdate> {
    use stoat::http::Resource;
    use stoat::model::Presence;
    use stoat::model::user::FieldsUser;

    let server = support::server(false).await;
    let (bot_account, alice_account) = (server.create_user("bot"), server.create_user("alice"));
    support::befriend(&server, &alice_account, &bot_account).await;
    let bot = Client::builder(stoat::Token::Session(bot_account.token.clone()))
        .api_url(server.api_url())
        .cache(resources, 100)
        .build();
    let alice = support::client(&server, &alice_account);
    let handler = UserUpdates {
        of: alice_account.id,
        last: "done",
        seen: Mutex::new(Vec::new()),
    };
    let script = async {
        while server.connections(bot_account.id) == 0 {
            tokio::task::yield_now().await;
        }
        // The upload goes to the file server `GET /` names.
        alice.http().discover().await.expect("GET /");
        let me = alice.me().await.expect("alice");
        me.edit()
            .display_name("Alice A")
            .pronouns("she/her")
            .avatar(Resource::bytes(PNG, "alice.png"))
            .status_text("Busy now")
            .presence(Presence::Busy)
            .profile_content("About Alice")
            .await
            .expect("edit");
        me.edit()
            .remove(FieldsUser::ProfileContent)
            .await
            .expect("clear content");
        me.edit()
            .remove(FieldsUser::ProfileBackground)
            .await
            .expect("clear background");
        me.edit().status_text("done").await.expect("done");
    };
    let (outcome, ()) = tokio::join!(bot.run(&handler), script);
    outcome.expect("run ends after close");
    server.shutdown().await;
    handler.seen.into_inner().unwrap()
}

#[tokio::test]
async fn a_user_update_reaches_the_handler_whole_without_the_users_cache() {
    use stoat::cache::Resources;
    use stoat::model::user::FieldsUser;

    let seen = alice_changes_everything(Resources::all() - Resources::USERS).await;
    let edit = seen
        .iter()
        .find(|u| u.data.display_name.is_some())
        .expect("the edit arrived");
    assert_eq!(edit.data.display_name.as_deref(), Some("Alice A"));
    assert_eq!(edit.data.pronouns.as_deref(), Some("she/her"));
    assert!(edit.data.avatar.is_some(), "{edit:?}");
    let status = edit.data.status.as_ref().expect("status");
    assert_eq!(status.text.as_deref(), Some("Busy now"));
    assert_eq!(status.presence, Some(stoat::Presence::Busy));
    assert!(edit.before.is_none(), "nothing cached, nothing before");
    assert!(
        edit.changes.contains(
            UserChanges::DISPLAY_NAME | UserChanges::PRONOUNS | UserChanges::AVATAR | UserChanges::STATUS
        ),
        "{:?}",
        edit.changes
    );
    // The two profile clears are told apart.
    let content = seen.iter().find(|u| u.cleared(&FieldsUser::ProfileContent));
    let background = seen.iter().find(|u| u.cleared(&FieldsUser::ProfileBackground));
    let (content, background) = (
        content.expect("content cleared"),
        background.expect("background cleared"),
    );
    assert!(!content.cleared(&FieldsUser::ProfileBackground), "{content:?}");
    assert!(!background.cleared(&FieldsUser::ProfileContent), "{background:?}");
}

#[tokio::test]
async fn a_user_update_carries_before_and_after_with_the_users_cache() {
    let seen = alice_changes_everything(stoat::cache::Resources::all()).await;
    let edit = seen
        .iter()
        .find(|u| u.data.display_name.is_some())
        .expect("the edit arrived");
    let before = edit.before.as_ref().expect("alice was cached");
    // Before: the old values of what changed; after: what the server sent.
    assert!(before.display_name().is_none() && before.avatar().is_none() && before.pronouns().is_none());
    assert_eq!(edit.data.display_name.as_deref(), Some("Alice A"));
    let last = seen.last().expect("the last update");
    let before = last.before.as_ref().expect("cached");
    assert_eq!(
        before.status().as_ref().and_then(|s| s.text.as_deref()),
        Some("Busy now"),
        "the status before the last change"
    );
}
