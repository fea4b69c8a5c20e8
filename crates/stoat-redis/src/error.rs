//! The crate's error: one sentence saying what was being done and why it
//! failed. Redis URLs are never repeated (they may hold a password).

use std::fmt;

/// What went wrong talking to Redis or to the events server.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The Redis URL did not parse (the URL itself is not repeated: it may
    /// hold a password).
    InvalidUrl,
    /// A Redis command failed: Redis was unreachable, timed out or refused
    /// it.
    Redis {
        /// What was being done, e.g. "publish 12 events".
        doing: &'static str,
        /// Redis's own error.
        source: redis::RedisError,
    },
    /// Redis answered something this crate did not write (another program
    /// uses the same key prefix, or the data was edited by hand).
    Unexpected {
        /// What was being read.
        doing: &'static str,
    },
    /// A setting is out of range.
    Config {
        /// Which rule was broken.
        rule: &'static str,
    },
    /// The events connection failed for good (a refused token, the
    /// attempts ran out).
    Gateway(stoat_gateway::Error),
}

impl Error {
    pub(crate) fn redis(doing: &'static str) -> impl FnOnce(redis::RedisError) -> Self {
        move |source| Self::Redis { doing, source }
    }

    /// Whether the failure came from Redis being unreachable or slow (the
    /// operation may succeed once it is back).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Redis { source, .. }
            if source.is_io_error() || source.is_timeout() || source.is_connection_dropped()
                || source.is_connection_refusal())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidUrl => {
                f.write_str("could not read the Redis URL: it is not a valid redis://, rediss:// or unix URL")
            }
            Self::Redis { doing, source } => {
                write!(
                    f,
                    "could not {doing} in Redis: {}",
                    first_line(&source.to_string())
                )
            }
            Self::Unexpected { doing } => {
                write!(f, "could not {doing}: Redis held data this crate did not write")
            }
            Self::Config { rule } => write!(f, "could not build the settings: {rule}"),
            Self::Gateway(error) => write!(f, "the events connection ended: {error}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Redis { source, .. } => Some(source),
            Self::Gateway(error) => Some(error),
            _ => None,
        }
    }
}

/// Redis's messages can span lines; a sentence cannot.
fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default().trim_end_matches('.')
}

/// Opens a Redis client for `url`, mapping a bad URL to an error that does
/// not repeat it.
pub(crate) fn open(url: &str) -> Result<redis::Client, Error> {
    redis::Client::open(url).map_err(|_| Error::InvalidUrl)
}

/// A connection that reconnects by itself (after a Redis restart), with
/// bounded waits so that an unreachable Redis fails a call instead of
/// hanging it.
pub(crate) async fn manager(
    client: redis::Client,
    doing: &'static str,
) -> Result<redis::aio::ConnectionManager, Error> {
    let config = redis::aio::ConnectionManagerConfig::new()
        .set_connection_timeout(Some(std::time::Duration::from_secs(2)))
        .set_response_timeout(Some(std::time::Duration::from_secs(5)))
        .set_number_of_retries(2)
        .set_max_delay(std::time::Duration::from_millis(500));
    redis::aio::ConnectionManager::new_with_config(client, config)
        .await
        .map_err(Error::redis(doing))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_url_is_not_repeated() {
        let error = open("redis://:hunter2@[bad").expect_err("a bad URL");
        let text = format!("{error} {error:?}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.starts_with("could not read the Redis URL"), "{text}");
    }
}
