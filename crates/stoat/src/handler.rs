//! A handler with one method per event kind, as stoat.py's `on_*`.

use std::future::Future;

use stoat_model::event::Ready;
use stoat_model::{
    Channel, ChannelId, Message, MessageId, RelationshipStatus, User, UserChanges, UserId, UserVoiceState,
};

use crate::{Client, Error, Event};

/// What a bot does on each event; every method does nothing by default.
/// [`Client::run`] calls them one at a time, in the order of the events,
/// after the cache has applied each.
///
/// ```no_run
/// use stoat::{Client, EventHandler, Message};
///
/// struct Echo;
///
/// impl EventHandler for Echo {
///     async fn on_message(&self, client: &Client, message: &Message) {
///         if message.content.as_deref() == Some("!ping") {
///             let _ = client.user(message.author).send("pong").await;
///         }
///     }
/// }
/// # async fn run(client: Client) -> Result<(), stoat::Error> {
/// client.run(&Echo).await
/// # }
/// ```
pub trait EventHandler: Send + Sync {
    /// A session began (the first, or after a reconnect; `session` counts them).
    fn on_ready(&self, client: &Client, ready: &Ready, session: u64) -> impl Future<Output = ()> + Send {
        let _ = (client, ready, session);
        async {}
    }

    /// A user changed: the cached user before and after (`None` when not
    /// cached), and which fields changed.
    fn on_user_update(
        &self,
        client: &Client,
        before: Option<&User>,
        after: Option<&User>,
        changes: UserChanges,
    ) -> impl Future<Output = ()> + Send {
        let _ = (client, before, after, changes);
        async {}
    }

    /// Your relationship with `user` changed from `before` to `after`: a
    /// friend request arrived (`Incoming`), was accepted (`Friend`), a block…
    fn on_relationship(
        &self,
        client: &Client,
        user: &User,
        before: RelationshipStatus,
        after: RelationshipStatus,
    ) -> impl Future<Output = ()> + Send {
        let _ = (client, user, before, after);
        async {}
    }

    /// A new message.
    fn on_message(&self, client: &Client, message: &Message) -> impl Future<Output = ()> + Send {
        let _ = (client, message);
        async {}
    }

    /// A message changed (edit, appended embed, reaction): before and after
    /// as cached (`None` for a message the cache does not have).
    fn on_message_update(
        &self,
        client: &Client,
        channel: ChannelId,
        id: MessageId,
        before: Option<&Message>,
        after: Option<&Message>,
    ) -> impl Future<Output = ()> + Send {
        let _ = (client, channel, id, before, after);
        async {}
    }

    /// A message was deleted (`before`: as cached).
    fn on_message_delete(
        &self,
        client: &Client,
        channel: ChannelId,
        id: MessageId,
        before: Option<&Message>,
    ) -> impl Future<Output = ()> + Send {
        let _ = (client, channel, id, before);
        async {}
    }

    /// A DM or group was created.
    fn on_channel_create(&self, client: &Client, channel: &Channel) -> impl Future<Output = ()> + Send {
        let _ = (client, channel);
        async {}
    }

    /// A DM or group changed (a DM closed: `active` went false).
    fn on_channel_update(
        &self,
        client: &Client,
        before: Option<&Channel>,
        after: &Channel,
    ) -> impl Future<Output = ()> + Send {
        let _ = (client, before, after);
        async {}
    }

    /// A DM or group was deleted.
    fn on_channel_delete(
        &self,
        client: &Client,
        id: ChannelId,
        before: Option<&Channel>,
    ) -> impl Future<Output = ()> + Send {
        let _ = (client, id, before);
        async {}
    }

    /// Someone started (`started`) or stopped typing in a channel.
    fn on_typing(
        &self,
        client: &Client,
        channel: ChannelId,
        user: UserId,
        started: bool,
    ) -> impl Future<Output = ()> + Send {
        let _ = (client, channel, user, started);
        async {}
    }

    /// You marked a channel read up to `message`.
    fn on_ack(
        &self,
        client: &Client,
        channel: ChannelId,
        message: MessageId,
    ) -> impl Future<Output = ()> + Send {
        let _ = (client, channel, message);
        async {}
    }

    /// A user was wiped from the platform.
    fn on_platform_wipe(&self, client: &Client, user: UserId) -> impl Future<Output = ()> + Send {
        let _ = (client, user);
        async {}
    }

    /// A voice state changed (join: `before` is `None`; leave: `after` is `None`).
    fn on_voice_state(
        &self,
        client: &Client,
        channel: ChannelId,
        user: UserId,
        before: Option<&UserVoiceState>,
        after: Option<&UserVoiceState>,
    ) -> impl Future<Output = ()> + Send {
        let _ = (client, channel, user, before, after);
        async {}
    }

    /// Every event, after its own method (for kinds without one, and for logging).
    fn on_event(&self, client: &Client, event: &Event) -> impl Future<Output = ()> + Send {
        let _ = (client, event);
        async {}
    }

    /// A frame that did not decode (the connection goes on).
    fn on_error(&self, client: &Client, error: &Error) -> impl Future<Output = ()> + Send {
        let _ = (client, error);
        async {}
    }
}

/// Calls the handler's method for `event`, then `on_event`.
pub(crate) async fn dispatch(handler: &impl EventHandler, client: &Client, event: &Event) {
    match event {
        Event::Ready { session, ready } => handler.on_ready(client, ready, *session).await,
        Event::UserUpdate {
            before,
            after,
            changes,
            ..
        } => {
            handler
                .on_user_update(client, before.as_deref(), after.as_deref(), *changes)
                .await;
        }
        Event::Relationship { user, before, after } => {
            handler
                .on_relationship(client, user, before.clone(), after.clone())
                .await;
        }
        Event::Message(message) => handler.on_message(client, message).await,
        Event::MessageUpdate {
            channel,
            id,
            before,
            after,
        } => {
            handler
                .on_message_update(client, *channel, *id, before.as_deref(), after.as_deref())
                .await;
        }
        Event::MessageDelete { channel, id, before } => {
            handler
                .on_message_delete(client, *channel, *id, before.as_deref())
                .await;
        }
        Event::Channel { id, before, after } => match (before, after) {
            (None, Some(after)) => handler.on_channel_create(client, after).await,
            (before, Some(after)) => handler.on_channel_update(client, before.as_deref(), after).await,
            (before, None) => handler.on_channel_delete(client, *id, before.as_deref()).await,
        },
        Event::Typing {
            channel,
            user,
            started,
        } => handler.on_typing(client, *channel, *user, *started).await,
        Event::Ack { channel, message } => handler.on_ack(client, *channel, *message).await,
        Event::PlatformWipe { user } => handler.on_platform_wipe(client, *user).await,
        Event::VoiceState {
            channel,
            user,
            before,
            after,
        } => {
            handler
                .on_voice_state(client, *channel, *user, before.as_ref(), after.as_ref())
                .await;
        }
        _ => {}
    }
    handler.on_event(client, event).await;
}
