//! `GET /` and the user report.

use stoat_model::node::NodeInfo;
use stoat_model::request::{ReportContent, ReportedContent, UserReportReason};
use stoat_model::validate::Validate;
use stoat_model::{MessageId, UserId};

use super::{Parts, decode, json_body, route};
use crate::{Body, Client, Overrides};

/// `GET /` (sent without the token): the server's version, features and
/// URLs: `ws` for the events connection, `features.autumn.url` for files.
/// [`Client::discover`] also takes the file server's URL from it.
///
/// Errors: none of its own.
#[derive(Debug)]
#[must_use = "a builder does nothing until awaited"]
pub struct GetNodeInfo<'a> {
    client: &'a Client,
    overrides: Overrides,
}

impl GetNodeInfo<'_> {
    #[allow(
        clippy::unnecessary_wraps,
        clippy::unused_self,
        reason = "the shape every builder shares"
    )]
    fn parts(&self) -> Parts {
        Ok(("/".to_owned(), Body::Empty))
    }
}

route!(GetNodeInfo -> NodeInfo, crate::Route::NODE_INFO, false, decode::json);

/// `POST /safety/report` about a user. Answers nothing (204).
///
/// Errors: `IsBot` (bots cannot report), `CannotReportYourself`,
/// `NotFound`, `FailedValidation` (context over 1000 characters, caught
/// before sending).
#[derive(Debug)]
#[must_use = "a builder does nothing until awaited"]
pub struct ReportUser<'a> {
    client: &'a Client,
    user: UserId,
    reason: UserReportReason,
    message: Option<MessageId>,
    context: Option<String>,
    overrides: Overrides,
}

impl ReportUser<'_> {
    /// Why (default `NoneSpecified`).
    pub fn reason(mut self, reason: UserReportReason) -> Self {
        self.reason = reason;
        self
    }

    /// A message that shows the problem (an unknown id is ignored by the server).
    pub fn message(mut self, message: MessageId) -> Self {
        self.message = Some(message);
        self
    }

    /// What the moderators should know (at most 1000 characters).
    pub fn additional_context(mut self, context: impl Into<String>) -> Self {
        self.context = Some(context.into());
        self
    }

    fn parts(&self) -> Parts {
        let report = ReportContent {
            content: ReportedContent::User {
                id: self.user,
                report_reason: self.reason.clone(),
                message_id: self.message,
            },
            additional_context: self.context.clone(),
        };
        report.validate()?;
        Ok(("/safety/report".to_owned(), json_body(&report)?))
    }
}

route!(ReportUser -> (), crate::Route::REPORT, true, decode::empty);

impl Client {
    /// `GET /`.
    pub fn node_info(&self) -> GetNodeInfo<'_> {
        GetNodeInfo {
            client: self,
            overrides: Overrides::default(),
        }
    }

    /// `POST /safety/report` about `user`.
    pub fn report_user(&self, user: UserId) -> ReportUser<'_> {
        ReportUser {
            client: self,
            user,
            reason: UserReportReason::NoneSpecified,
            message: None,
            context: None,
            overrides: Overrides::default(),
        }
    }
}
