//! A handler with one method per event kind, as stoat.py's `on_*`.

use std::future::Future;

use crate::event::{
    Ack, ChannelCreate, ChannelDelete, ChannelUpdate, Event, MessageCreate, MessageDelete, MessageUpdate,
    PlatformWipe, Ready, Reconnecting, RelationshipUpdate, Typing, UserUpdate, VoiceStateUpdate,
};
use crate::{Client, Error};

/// What a bot does on each event; every method does nothing by default.
/// [`Client::run`] calls them one at a time, in the order of the events,
/// after the cache has applied each. Each takes the client and the event's
/// struct, so a field added to an event later breaks no handler.
///
/// ```no_run
/// use stoat::event::MessageCreate;
/// use stoat::{Client, EventHandler};
///
/// struct Echo;
///
/// impl EventHandler for Echo {
///     async fn on_message(&self, client: &Client, event: &MessageCreate) {
///         if event.message.text() == "!ping"
///             && let Err(error) = client.reply(&event.message, "pong").await
///         {
///             eprintln!("{error}");
///         }
///     }
/// }
/// # async fn run(client: Client) -> Result<(), stoat::Error> {
/// client.run(&Echo).await
/// # }
/// ```
pub trait EventHandler: Send + Sync {
    /// A session began (the first, or after a reconnect).
    fn on_ready(&self, client: &Client, event: &Ready) -> impl Future<Output = ()> + Send {
        let _ = (client, event);
        async {}
    }

    /// The events connection was lost and is being re-established.
    fn on_reconnecting(&self, client: &Client, event: &Reconnecting) -> impl Future<Output = ()> + Send {
        let _ = (client, event);
        async {}
    }

    /// A user changed (status, presence, name, avatar, profile…).
    fn on_user_update(&self, client: &Client, event: &UserUpdate) -> impl Future<Output = ()> + Send {
        let _ = (client, event);
        async {}
    }

    /// Your relationship with a user changed: a friend request arrived
    /// (`Incoming`), was accepted (`Friend`), a block…
    fn on_relationship(
        &self,
        client: &Client,
        event: &RelationshipUpdate,
    ) -> impl Future<Output = ()> + Send {
        let _ = (client, event);
        async {}
    }

    /// A new message.
    fn on_message(&self, client: &Client, event: &MessageCreate) -> impl Future<Output = ()> + Send {
        let _ = (client, event);
        async {}
    }

    /// A message changed (edit, appended embed, reaction).
    fn on_message_update(&self, client: &Client, event: &MessageUpdate) -> impl Future<Output = ()> + Send {
        let _ = (client, event);
        async {}
    }

    /// A message was deleted.
    fn on_message_delete(&self, client: &Client, event: &MessageDelete) -> impl Future<Output = ()> + Send {
        let _ = (client, event);
        async {}
    }

    /// A DM or group was created.
    fn on_channel_create(&self, client: &Client, event: &ChannelCreate) -> impl Future<Output = ()> + Send {
        let _ = (client, event);
        async {}
    }

    /// A DM or group changed (a DM closed: `active` went false).
    fn on_channel_update(&self, client: &Client, event: &ChannelUpdate) -> impl Future<Output = ()> + Send {
        let _ = (client, event);
        async {}
    }

    /// A DM or group was deleted.
    fn on_channel_delete(&self, client: &Client, event: &ChannelDelete) -> impl Future<Output = ()> + Send {
        let _ = (client, event);
        async {}
    }

    /// Someone started or stopped typing.
    fn on_typing(&self, client: &Client, event: &Typing) -> impl Future<Output = ()> + Send {
        let _ = (client, event);
        async {}
    }

    /// You marked a channel read.
    fn on_ack(&self, client: &Client, event: &Ack) -> impl Future<Output = ()> + Send {
        let _ = (client, event);
        async {}
    }

    /// A user was wiped from the platform.
    fn on_platform_wipe(&self, client: &Client, event: &PlatformWipe) -> impl Future<Output = ()> + Send {
        let _ = (client, event);
        async {}
    }

    /// A voice state changed (a join, a leave, a change).
    fn on_voice_state(&self, client: &Client, event: &VoiceStateUpdate) -> impl Future<Output = ()> + Send {
        let _ = (client, event);
        async {}
    }

    /// Every event, after its own method (for kinds without one, and for
    /// logging).
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
        Event::Ready(event) => handler.on_ready(client, event).await,
        Event::Reconnecting(event) => handler.on_reconnecting(client, event).await,
        Event::UserUpdate(event) => handler.on_user_update(client, event).await,
        Event::Relationship(event) => handler.on_relationship(client, event).await,
        Event::Message(event) => handler.on_message(client, event).await,
        Event::MessageUpdate(event) => handler.on_message_update(client, event).await,
        Event::MessageDelete(event) => handler.on_message_delete(client, event).await,
        Event::ChannelCreate(event) => handler.on_channel_create(client, event).await,
        Event::ChannelUpdate(event) => handler.on_channel_update(client, event).await,
        Event::ChannelDelete(event) => handler.on_channel_delete(client, event).await,
        Event::Typing(event) => handler.on_typing(client, event).await,
        Event::Ack(event) => handler.on_ack(client, event).await,
        Event::PlatformWipe(event) => handler.on_platform_wipe(client, event).await,
        Event::VoiceState(event) => handler.on_voice_state(client, event).await,
        Event::Other(_) => {}
    }
    handler.on_event(client, event).await;
}
