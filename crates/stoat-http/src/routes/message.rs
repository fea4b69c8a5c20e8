//! Sending a message: the route with the most options, and the checks the
//! server makes before it takes one.

use stoat_model::file::FileTag;
use stoat_model::message::{Interactions, Masquerade, MessageFlags, ReplyIntent, SendableEmbed};
use stoat_model::request::SendMessage;
use stoat_model::validate::{Problem, ValidationError};
use stoat_model::{ChannelId, FileId, Message, MessageId};

use super::{Parts, decode, json_body, request};
use crate::upload::Resource;
use crate::{Client, Error, ErrorKind, Overrides};

/// `POST /channels/{channel}/messages`: sends a message. Checked before
/// sending (and before any file is uploaded); attachments given as bytes or
/// paths are uploaded first with tag `attachments`.
///
/// Set an [`idempotency_key`](Self::idempotency_key) to make the request
/// safe to retry: it becomes the message's `nonce`, and the server refuses a
/// second message with the same key.
///
/// Errors: `MissingPermission` (`SendMessage`; in DMs, humans must be
/// friends, and `UploadFiles`, `SendEmbeds`, `Masquerade` as used),
/// `PayloadTooLarge`, `EmptyMessage`, `TooManyAttachments`, `TooManyEmbeds`,
/// `TooManyReplies`, `InvalidProperty` (flags, or `restrict_reactions`
/// without reactions), `IsNotBot` (mention flags from a user),
/// `InvalidOperation` (a repeated body `nonce`), `NotFound` (a reply
/// target or attachment id), `Blocked`, a 409 catcher for a repeated
/// idempotency key, and the upload's errors.
#[derive(Debug)]
#[must_use = "a builder does nothing until awaited"]
pub struct SendMessageRequest<'a> {
    client: &'a Client,
    channel: ChannelId,
    message: SendMessage,
    files: Vec<Resource>,
    mention_online: bool,
    overrides: Overrides,
}

/// The route a send goes to.
const SEND_ROUTE: &str = crate::Route::SEND_MESSAGE.name();

impl SendMessageRequest<'_> {
    /// The text (content and embed descriptions at most 2000 UTF-8 bytes).
    pub fn content(mut self, content: impl Into<String>) -> Self {
        self.message.content = Some(content.into());
        self
    }

    /// The `Idempotency-Key` header (at most 64 characters): the message's
    /// nonce, and what makes a retry after a lost answer safe.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.overrides.idempotency_key = Some(key.into());
        self
    }

    /// The deprecated body `nonce` (1 to 64 characters); prefer
    /// [`idempotency_key`](Self::idempotency_key).
    pub fn nonce(mut self, nonce: impl Into<String>) -> Self {
        self.message.nonce = Some(nonce.into());
        self
    }

    /// An attachment: an upload's id, or bytes or a path to upload (at most 5).
    pub fn attachment(mut self, file: impl Into<Resource>) -> Self {
        self.files.push(file.into());
        self
    }

    /// A reply to `message`, mentioning its author or not (at most 5 replies).
    pub fn reply(self, message: MessageId, mention: bool) -> Self {
        self.reply_intent(ReplyIntent {
            id: message,
            mention,
            fail_if_not_exists: None,
        })
    }

    /// A reply with every option (`fail_if_not_exists: Some(false)` sends
    /// even if the target is gone).
    pub fn reply_intent(mut self, reply: ReplyIntent) -> Self {
        self.message.replies.get_or_insert_with(Vec::new).push(reply);
        self
    }

    /// An embed (at most 5).
    pub fn embed(mut self, embed: SendableEmbed) -> Self {
        self.message.embeds.get_or_insert_with(Vec::new).push(embed);
        self
    }

    /// A name, avatar or colour to show instead of yours.
    pub fn masquerade(mut self, masquerade: Masquerade) -> Self {
        self.message.masquerade = Some(masquerade);
        self
    }

    /// Reactions to offer, and whether only they may be used.
    pub fn interactions(mut self, interactions: Interactions) -> Self {
        self.message.interactions = Some(interactions);
        self
    }

    /// Adds message flags to those already set (by [`silent`](Self::silent),
    /// [`mention_everyone`](Self::mention_everyone) or an earlier call).
    pub fn flags(mut self, flags: MessageFlags) -> Self {
        self.message.flags = Some(self.message.flags.unwrap_or_default() | flags);
        self
    }

    /// Whether to send without notifying (`SUPPRESS_NOTIFICATIONS`); other
    /// flags are kept.
    pub fn silent(mut self, silent: bool) -> Self {
        let mut flags = self.message.flags.unwrap_or_default();
        flags.set(MessageFlags::SUPPRESS_NOTIFICATIONS, silent);
        self.message.flags = Some(flags);
        self
    }

    /// Mentions everyone who can see the channel (`MENTIONS_EVERYONE`).
    /// The server takes it from bots only (`IsNotBot` otherwise, refused
    /// here before sending when the token is a session's), with the
    /// `MentionEveryone` permission.
    pub fn mention_everyone(self) -> Self {
        self.flags(MessageFlags::MENTIONS_EVERYONE)
    }

    /// Mentions everyone online. The server refuses the `MENTIONS_ONLINE`
    /// flag (it takes flags up to 7 and this one is 8) but reads the same
    /// mention from `@online` in the content, so that is what this sends:
    /// the content starts with `@online`. Needs the `MentionEveryone`
    /// permission.
    pub fn mention_online(mut self) -> Self {
        self.mention_online = true;
        self
    }

    /// The message as it will be sent, ids of files still to upload left out.
    fn message(&self) -> SendMessage {
        let mut message = self.message.clone();
        if self.mention_online {
            let content = message.content.get_or_insert_with(String::new);
            if !content.starts_with("@online") {
                content.insert_str(0, if content.is_empty() { "@online" } else { "@online " });
            }
        }
        message
    }

    /// The body with every attachment already an id; checked first.
    fn parts(&self) -> Parts {
        let mut message = self.message();
        for file in &self.files {
            let id = file
                .as_uploaded()
                .ok_or_else(|| Error::new(ErrorKind::UploadRequired))?;
            message.attachments.get_or_insert_with(Vec::new).push(id.clone());
        }
        self.check_rules(&message)?;
        Ok((
            format!("/channels/{}/messages", self.channel),
            json_body(&message)?,
        ))
    }

    /// Checks the message as it will be sent, with a stand-in id for each
    /// file still to upload.
    fn check(&self) -> Result<(), Error> {
        let mut message = self.message();
        let attachments = message.attachments.get_or_insert_with(Vec::new);
        attachments.extend(self.files.iter().map(|_| FileId::from(String::from("pending"))));
        if let Some(key) = &self.overrides.idempotency_key {
            stoat_model::validate::idempotency_key(key)?;
        }
        self.check_rules(&message)
    }

    /// The server's rules with the instance's limits, and its refusal of
    /// mention flags from users.
    fn check_rules(&self, message: &SendMessage) -> Result<(), Error> {
        message.validate_within(&self.client.message_limits())?;
        let token = self.overrides.token.as_ref().or(self.client.inner.token.as_ref());
        let mentions = message
            .flags
            .is_some_and(|flags| flags.contains(MessageFlags::MENTIONS_EVERYONE));
        if mentions && token.is_some_and(|token| !token.is_bot()) {
            return Err(ValidationError {
                field: "flags",
                problem: Problem::NotAllowed("mention flags are for bots (the server answers IsNotBot)"),
            }
            .into());
        }
        Ok(())
    }
}

request!(SendMessageRequest, crate::Route::SEND_MESSAGE, true);

impl<'a> std::future::IntoFuture for SendMessageRequest<'a> {
    type Output = Result<Message, Error>;
    type IntoFuture = crate::Pending<'a, Message>;

    fn into_future(mut self) -> Self::IntoFuture {
        Box::pin(async move {
            self.check().map_err(|e| e.on(SEND_ROUTE))?;
            let client = self.client;
            for file in &mut self.files {
                if file.as_uploaded().is_none() {
                    let resource = std::mem::replace(file, Resource::uploaded(FileId::from(String::new())));
                    let id = client
                        .resolve(resource, FileTag::Attachments, &self.overrides)
                        .await?;
                    *file = Resource::uploaded(id);
                }
            }
            let bytes = client.send(self.into_request()?).await?;
            decode::json(SEND_ROUTE, bytes)
        })
    }
}

impl Client {
    /// `POST /channels/{channel}/messages`.
    pub fn send_message(&self, channel: ChannelId) -> SendMessageRequest<'_> {
        SendMessageRequest {
            client: self,
            channel,
            message: SendMessage::default(),
            files: Vec::new(),
            mention_online: false,
            overrides: Overrides::default(),
        }
    }
}
