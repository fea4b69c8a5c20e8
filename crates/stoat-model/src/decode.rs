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
