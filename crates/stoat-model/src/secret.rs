//! Values that must never be printed: tokens and passwords.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A secret string (session token, bot token, password, voice token).
///
/// Its `Debug` and `Display` print `[redacted]`, so a secret that ends up in
/// a log line, a panic message or an error never shows. Read it with
/// [`expose`](Self::expose) at the one place that must send it.
///
/// ```
/// use stoat_model::Secret;
///
/// let token = Secret::new("abc123");
/// assert_eq!(format!("{token:?}"), "Secret([redacted])");
/// assert_eq!(token.expose(), "abc123");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(Box<str>);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<Box<str>>) -> Self {
        Self(value.into())
    }

    /// The secret itself. Call it only where the value is sent.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value.into())
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.into())
    }
}
