//! The emulator's in-memory database and the server's rules over it.

use std::collections::{HashMap, HashSet};

use stoat_model::event::Event;
use stoat_model::id::{ChannelId, UserId};
use stoat_model::{
    BotInformation, Discriminator, FieldsUser, Presence, Relationship, RelationshipStatus, User, UserProfile,
    UserStatus,
};
use tokio::sync::mpsc;

/// A stored account.
#[derive(Clone, Debug)]
pub(crate) struct Account {
    pub(crate) user: User,
    pub(crate) profile: UserProfile,
    pub(crate) password: String,
    pub(crate) bot: bool,
}

/// How a token authenticates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokenKind {
    Session,
    Bot,
}

/// What the emulator pushes to one events connection.
#[derive(Debug)]
pub(crate) enum Outgoing {
    /// An event, encoded in the connection's format.
    Event(Event),
    /// A text frame as given (for malformed frames).
    Raw(String),
    /// The same text frame `count` times, written one after the other
    /// (pings are answered after the last).
    Flood(std::sync::Arc<str>, usize),
    /// Drop the socket without a close frame.
    Drop,
}

/// One open events connection.
pub(crate) struct Connection {
    pub(crate) user: UserId,
    pub(crate) sender: mpsc::UnboundedSender<Outgoing>,
    /// Users whose updates this connection receives: fixed when it
    /// connects (the users of its `Ready`), as on the server, which does
    /// not subscribe a connection to friends made afterwards.
    pub(crate) subscribed: HashSet<UserId>,
    /// Channels whose events this connection receives: those of its
    /// `Ready`, and those a `ChannelCreate` told it of (saved messages get
    /// none, so a new one is not followed until the next connection).
    pub(crate) channels: HashSet<ChannelId>,
}

/// Everything the emulator stores. Guarded by one mutex: every operation is
/// short and synchronous, and one lock keeps each route atomic, as the
/// server's database operations are for a single client.
#[derive(Default)]
pub(crate) struct World {
    pub(crate) accounts: HashMap<UserId, Account>,
    pub(crate) tokens: HashMap<String, (UserId, TokenKind)>,
    /// `(a, b)` → how `a` relates to `b`. Missing means `None`.
    pub(crate) relations: HashMap<(UserId, UserId), RelationshipStatus>,
    pub(crate) dms: HashMap<ChannelId, stoat_model::Channel>,
    /// Calls in progress: channel → participants.
    pub(crate) voice: HashMap<ChannelId, Vec<stoat_model::UserVoiceState>>,
    /// Messages per channel, in id (time) order.
    pub(crate) messages:
        HashMap<ChannelId, std::collections::BTreeMap<stoat_model::MessageId, stoat_model::Message>>,
    /// Uploaded files.
    pub(crate) files: HashMap<stoat_model::FileId, crate::routes::Upload>,
    /// When each user last had their discriminator changed by a rename.
    pub(crate) discriminator_changes: HashMap<UserId, u64>,
    /// Channels whose last message the server's background task has yet to
    /// record (reopening a closed DM with it): the message, and when.
    pub(crate) last_messages: HashMap<ChannelId, LastMessage>,
    /// Idempotency keys and body nonces already used.
    pub(crate) nonces: HashSet<String>,
    /// The instance's limits (`Config::limits`).
    pub(crate) limits: crate::Limits,
    pub(crate) connections: HashMap<u64, Connection>,
    pub(crate) next_connection: u64,
    pub(crate) id_counter: u64,
}

/// A last message the server's background task has yet to record.
pub(crate) struct LastMessage {
    id: stoat_model::MessageId,
    /// When the first message it has not recorded was sent.
    first: std::time::Instant,
    /// When it records the latest.
    due: std::time::Instant,
}

/// Milliseconds since the epoch, now (the model's clock, the one every crate reads).
pub(crate) fn now_ms() -> u64 {
    stoat_model::Timestamp::now().unix_ms()
}

impl World {
    /// A fresh ULID: the current time and a counter (unique within the emulator).
    pub(crate) fn new_id<M>(&mut self) -> stoat_model::Id<M> {
        self.new_id_at(now_ms())
    }

    /// A fresh ULID whose time is `ms` (for accounts made older than now).
    pub(crate) fn new_id_at<M>(&mut self, ms: u64) -> stoat_model::Id<M> {
        self.id_counter += 1;
        let time = u128::from(ms) << 80;
        stoat_model::Id::from_u128(time | u128::from(self.id_counter))
    }

    pub(crate) fn new_token(&mut self) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        self.id_counter += 1;
        let mut token = String::with_capacity(64);
        let mut state = self.id_counter.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ now_ms();
        for _ in 0..64 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            token.push(char::from(ALPHABET[(state % 64) as usize]));
        }
        token
    }

    /// Creates an account registered at `created_ms` (its id's time, which
    /// the server reads as the account's age); discriminators are drawn per
    /// name like the server's.
    pub(crate) fn create_account(
        &mut self,
        name: &str,
        password: &str,
        owner: Option<UserId>,
        created_ms: u64,
    ) -> (UserId, String) {
        let id = self.new_id_at(created_ms);
        let taken: HashSet<u16> = self
            .accounts
            .values()
            .filter(|a| a.user.username.eq_ignore_ascii_case(name))
            .map(|a| a.user.discriminator.get())
            .collect();
        // The server draws a random free one; the lowest free one keeps tests repeatable.
        let number = (1..=9999).find(|n| !taken.contains(n)).unwrap_or(0);
        let mut user = User::new(
            id,
            name,
            Discriminator::new(number).unwrap_or(Discriminator::DELETED),
        );
        user.bot = owner.map(|owner_id| BotInformation { owner: owner_id });
        let account = Account {
            user,
            profile: UserProfile::default(),
            password: password.to_owned(),
            bot: owner.is_some(),
        };
        self.accounts.insert(id, account);
        let kind = if owner.is_some() {
            TokenKind::Bot
        } else {
            TokenKind::Session
        };
        (id, self.new_credential(id, kind))
    }

    /// A new token of `kind` for `user`: for users, one more session.
    pub(crate) fn new_credential(&mut self, user: UserId, kind: TokenKind) -> String {
        let secret = self.new_token();
        self.tokens.insert(secret.clone(), (user, kind));
        secret
    }

    /// The server's last-message task records a channel's last message
    /// this long after the latest one (debounced)…
    pub(crate) const LAST_MESSAGE_DELAY: std::time::Duration = std::time::Duration::from_secs(5);
    /// …and at most this long after the first one it has not recorded.
    pub(crate) const LAST_MESSAGE_MAX_DELAY: std::time::Duration = std::time::Duration::from_secs(30);

    /// A message was sent in `channel`: its id is recorded later, as the
    /// server's task does (without an event).
    pub(crate) fn record_last_message(&mut self, channel: ChannelId, message: stoat_model::MessageId) {
        let now = std::time::Instant::now();
        let pending = self.last_messages.entry(channel).or_insert(LastMessage {
            id: message,
            first: now,
            due: now,
        });
        pending.id = message;
        pending.due = (now + Self::LAST_MESSAGE_DELAY).min(pending.first + Self::LAST_MESSAGE_MAX_DELAY);
    }

    /// Applies what background tasks would have done by now: a channel's
    /// last message recorded, a closed DM reopened with it.
    pub(crate) fn settle(&mut self) {
        let now = std::time::Instant::now();
        let due: Vec<(ChannelId, stoat_model::MessageId)> = self
            .last_messages
            .iter()
            .filter(|(_, pending)| pending.due <= now)
            .map(|(channel, pending)| (*channel, pending.id))
            .collect();
        for (channel, id) in due {
            self.last_messages.remove(&channel);
            match self.dms.get_mut(&channel) {
                Some(stoat_model::Channel::DirectMessage(dm)) => {
                    dm.active = true;
                    dm.last_message_id = Some(id);
                }
                Some(stoat_model::Channel::Group(group)) => group.last_message_id = Some(id),
                _ => {}
            }
        }
    }

    pub(crate) fn relation(&self, from: UserId, to: UserId) -> RelationshipStatus {
        if from == to {
            return RelationshipStatus::User;
        }
        self.relations.get(&(from, to)).cloned().unwrap_or_default()
    }

    pub(crate) fn set_relation(&mut self, from: UserId, to: UserId, status: RelationshipStatus) {
        if status == RelationshipStatus::None {
            self.relations.remove(&(from, to));
        } else {
            self.relations.insert((from, to), status);
        }
    }

    /// The limits that apply to `id` now (new or not, by its id's time).
    pub(crate) fn user_limits(&self, id: UserId) -> &crate::UserLimits {
        self.limits.for_user(id, now_ms())
    }

    pub(crate) fn is_bot(&self, id: UserId) -> bool {
        self.accounts.get(&id).is_some_and(|a| a.bot)
    }

    pub(crate) fn connected(&self, id: UserId) -> bool {
        self.connections.values().any(|c| c.user == id)
    }

    /// Whether the two users share a DM or group (servers are not emulated).
    fn share_channel(&self, a: UserId, b: UserId) -> bool {
        self.dms.values().any(|c| {
            let recipients = c.recipients();
            recipients.contains(&a) && recipients.contains(&b) && recipients.len() > 1
        })
    }

    /// The server's user permissions of `caller` towards `target` (spec 4.11).
    pub(crate) fn permissions(&self, caller: UserId, target: UserId) -> Permissions {
        let privileged = self.accounts.get(&caller).is_some_and(|a| a.user.privileged);
        let relation = self.relation(caller, target);
        if privileged || caller == target || relation == RelationshipStatus::Friend {
            return Permissions::ALL;
        }
        if matches!(
            relation,
            RelationshipStatus::Blocked | RelationshipStatus::BlockedOther
        ) {
            return Permissions::ACCESS;
        }
        let mut permissions = if matches!(
            relation,
            RelationshipStatus::Incoming | RelationshipStatus::Outgoing
        ) {
            Permissions::ACCESS
        } else {
            Permissions::NONE
        };
        if self.share_channel(caller, target) {
            permissions = Permissions::ACCESS_VIEW;
            if self.is_bot(caller) || self.is_bot(target) {
                permissions = Permissions::ALL;
            }
        }
        permissions
    }

    /// The user as `viewer` sees them, following the server's perspective
    /// rules for fetches and relationship responses (spec 4.1).
    pub(crate) fn view(&self, viewer: UserId, id: UserId) -> Option<User> {
        let account = self.accounts.get(&id)?;
        let mut user = account.user.clone();
        if viewer == id {
            return Some(self.view_self(id));
        }
        user.relations = Vec::new();
        user.relationship = if account.bot {
            RelationshipStatus::None
        } else {
            self.relation(viewer, id)
        };
        let may_view = account.bot || self.permissions(viewer, id).view_profile;
        let invisible = user.status.as_ref().and_then(|s| s.presence.as_ref()) == Some(&Presence::Invisible);
        user.online = may_view && self.connected(id) && !invisible;
        if !may_view {
            user.status = None;
        } else if let Some(status) = &mut user.status {
            strip_invisible(status);
            if status.is_empty() {
                user.status = None;
            }
        }
        Some(user)
    }

    /// The user as `viewer` sees them beside messages (history with users,
    /// `Message` events): the server's conversion that assumes a mutual
    /// connection. Relations are never shown, yours included, and the status
    /// is hidden only when the user blocked the viewer.
    pub(crate) fn view_known(&self, viewer: UserId, id: UserId) -> Option<User> {
        let account = self.accounts.get(&id)?;
        let mut user = account.user.clone();
        user.relations = Vec::new();
        user.relationship = if account.bot {
            RelationshipStatus::None
        } else {
            self.relation(viewer, id)
        };
        let may_view = account.bot || user.relationship != RelationshipStatus::BlockedOther;
        let invisible = user.status.as_ref().and_then(|s| s.presence.as_ref()) == Some(&Presence::Invisible);
        user.online = may_view && self.connected(id) && !invisible;
        if !may_view {
            user.status = None;
        } else if let Some(status) = &mut user.status {
            strip_invisible(status);
            if status.is_empty() {
                user.status = None;
            }
        }
        Some(user)
    }

    /// Your own user: relationship `User`, relations shown, `Invisible` stripped.
    pub(crate) fn view_self(&self, id: UserId) -> User {
        let account = &self.accounts[&id];
        let mut user = account.user.clone();
        user.relationship = RelationshipStatus::User;
        user.relations = self
            .relations
            .iter()
            .filter(|((from, _), _)| *from == id)
            .map(|((_, to), status)| Relationship {
                id: *to,
                status: status.clone(),
            })
            .collect();
        user.relations.sort_by_key(|r| r.id);
        let invisible = user.status.as_ref().and_then(|s| s.presence.as_ref()) == Some(&Presence::Invisible);
        user.online = self.connected(id) && !invisible;
        if let Some(status) = &mut user.status {
            strip_invisible(status);
            if status.is_empty() {
                user.status = None;
            }
        }
        user
    }

    /// Pushes something to every connection of `user`.
    pub(crate) fn push_to(&self, user: UserId, make: impl Fn() -> Outgoing) {
        for connection in self.connections.values().filter(|c| c.user == user) {
            let _ = connection.sender.send(make());
        }
    }

    /// Sends an event to the recipients of a channel.
    pub(crate) fn send_to_channel(&self, channel: ChannelId, event: &Event) {
        self.send_to_channel_as(channel, |_| event.clone());
    }

    /// Sends to every connection subscribed to `channel` the event `make`
    /// builds for its user (for what depends on who is looking).
    pub(crate) fn send_to_channel_as(&self, channel: ChannelId, make: impl Fn(UserId) -> Event) {
        for connection in self
            .connections
            .values()
            .filter(|c| c.channels.contains(&channel))
        {
            let _ = connection.sender.send(Outgoing::Event(make(connection.user)));
        }
    }

    /// Subscribes every connection of `user` to `channel` (on `ChannelCreate`).
    pub(crate) fn subscribe_channel(&mut self, user: UserId, channel: ChannelId) {
        for connection in self.connections.values_mut().filter(|c| c.user == user) {
            connection.channels.insert(channel);
        }
    }

    /// Sends an event to every connection of `user`.
    pub(crate) fn send_to(&self, user: UserId, event: &Event) {
        for connection in self.connections.values().filter(|c| c.user == user) {
            let _ = connection.sender.send(Outgoing::Event(event.clone()));
        }
    }

    /// Publishes a user's `UserUpdate` on the user's topic: the user's own
    /// connections and those subscribed to the user.
    pub(crate) fn publish_user_update(&self, user: UserId, event: &Event, include_self: bool) {
        for connection in self.connections.values() {
            let own = connection.user == user;
            if (own && include_self) || (!own && connection.subscribed.contains(&user)) {
                let _ = connection.sender.send(Outgoing::Event(event.clone()));
            }
        }
    }

    /// Applies `clear` then the edit to a stored user (the server's order).
    pub(crate) fn clear_fields(&mut self, id: UserId, clear: &[FieldsUser]) {
        let Some(account) = self.accounts.get_mut(&id) else {
            return;
        };
        for field in clear {
            match field {
                FieldsUser::Avatar => account.user.avatar = None,
                FieldsUser::DisplayName => account.user.display_name = None,
                FieldsUser::Pronouns => account.user.pronouns = None,
                FieldsUser::StatusText => {
                    if let Some(status) = &mut account.user.status {
                        status.text = None;
                    }
                }
                FieldsUser::StatusPresence => {
                    if let Some(status) = &mut account.user.status {
                        status.presence = None;
                    }
                }
                FieldsUser::ProfileContent => account.profile.content = None,
                FieldsUser::ProfileBackground => account.profile.background = None,
                _ => {}
            }
        }
        if account.user.status.as_ref().is_some_and(UserStatus::is_empty) {
            account.user.status = None;
        }
    }
}

fn strip_invisible(status: &mut UserStatus) {
    if status.presence == Some(Presence::Invisible) {
        status.presence = None;
    }
}

/// The user permissions the emulator needs (spec 4.11).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Permissions {
    pub(crate) access: bool,
    pub(crate) view_profile: bool,
    pub(crate) send_message: bool,
}

impl Permissions {
    const NONE: Self = Self {
        access: false,
        view_profile: false,
        send_message: false,
    };
    const ACCESS: Self = Self {
        access: true,
        view_profile: false,
        send_message: false,
    };
    const ACCESS_VIEW: Self = Self {
        access: true,
        view_profile: true,
        send_message: false,
    };
    const ALL: Self = Self {
        access: true,
        view_profile: true,
        send_message: true,
    };
}
