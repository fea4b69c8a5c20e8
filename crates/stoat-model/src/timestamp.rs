//! Millisecond timestamps as the server writes them.
//!
//! JSON carries `"2025-03-14T09:31:07.000Z"` (UTC, always three fraction
//! digits); MessagePack carries signed integer milliseconds since the epoch.
//! [`Timestamp`] reads both and writes whichever the format expects
//! (`is_human_readable`), so frames round-trip in either format.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use time::{Date, Month, OffsetDateTime, Time};

/// A point in time with millisecond precision, stored as milliseconds since
/// the Unix epoch (8 bytes).
///
/// ```
/// use stoat_model::Timestamp;
///
/// let t: Timestamp = "2026-11-24T05:27:57.123Z".parse()?;
/// assert_eq!(t.to_string(), "2026-11-24T05:27:57.123Z");
/// assert_eq!(t.as_millis() % 1000, 123);
/// # Ok::<(), stoat_model::timestamp::TimestampParseError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timestamp(i64);

/// A string that is not an ISO-8601 UTC timestamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimestampParseError(Box<str>);

impl fmt::Display for TimestampParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not an ISO-8601 timestamp: {:?}", self.0)
    }
}

impl std::error::Error for TimestampParseError {}

impl Timestamp {
    /// From milliseconds since the Unix epoch.
    pub const fn from_millis(ms: i64) -> Self {
        Self(ms)
    }

    /// Milliseconds since the Unix epoch.
    pub const fn as_millis(self) -> i64 {
        self.0
    }

    /// Now, by the system clock (the Unix epoch if the clock is before it).
    pub fn now() -> Self {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| since.as_millis());
        Self(i64::try_from(ms).unwrap_or(i64::MAX))
    }

    /// Milliseconds since the Unix epoch, never negative: the form ids
    /// carry their time in.
    pub fn unix_ms(self) -> u64 {
        u64::try_from(self.0).unwrap_or(0)
    }

    /// As a `time` value in UTC.
    pub fn to_offset_date_time(self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1_000_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    /// From a `time` value, truncated to milliseconds.
    pub fn from_offset_date_time(value: OffsetDateTime) -> Self {
        let ms = value.unix_timestamp_nanos() / 1_000_000;
        Self(i64::try_from(ms).unwrap_or(if ms < 0 { i64::MIN } else { i64::MAX }))
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fff…](Z|±HH:MM)`.
    pub fn parse(text: &str) -> Result<Self, TimestampParseError> {
        parse_iso(text.as_bytes()).ok_or_else(|| TimestampParseError(text.into()))
    }
}

fn digits(bytes: &[u8], at: usize, len: usize) -> Option<u32> {
    let slice = bytes.get(at..at + len)?;
    slice.iter().try_fold(0u32, |acc, &b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })
}

fn parse_iso(b: &[u8]) -> Option<Timestamp> {
    let year = i32::try_from(digits(b, 0, 4)?).ok()?;
    let sep = |at: usize, c: u8| (b.get(at) == Some(&c)).then_some(());
    sep(4, b'-')?;
    let month = Month::try_from(u8::try_from(digits(b, 5, 2)?).ok()?).ok()?;
    sep(7, b'-')?;
    let day = u8::try_from(digits(b, 8, 2)?).ok()?;
    if !matches!(b.get(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    let hour = u8::try_from(digits(b, 11, 2)?).ok()?;
    sep(13, b':')?;
    let minute = u8::try_from(digits(b, 14, 2)?).ok()?;
    sep(16, b':')?;
    let second = u8::try_from(digits(b, 17, 2)?).ok()?;
    let mut at = 19;
    let mut millis = 0u32;
    if b.get(at) == Some(&b'.') {
        at += 1;
        let start = at;
        while b.get(at).is_some_and(u8::is_ascii_digit) {
            if at - start < 3 {
                millis = millis * 10 + u32::from(b[at] - b'0');
            }
            at += 1;
        }
        if at == start {
            return None;
        }
        for _ in (at - start)..3 {
            millis *= 10;
        }
    }
    let offset_minutes: i64 = match b.get(at)? {
        b'Z' | b'z' if at + 1 == b.len() => 0,
        sign @ (b'+' | b'-') if at + 6 == b.len() && b[at + 3] == b':' => {
            let h = i64::from(digits(b, at + 1, 2)?);
            let m = i64::from(digits(b, at + 4, 2)?);
            if *sign == b'+' { h * 60 + m } else { -(h * 60 + m) }
        }
        _ => return None,
    };
    let date = Date::from_calendar_date(year, month, day).ok()?;
    let time = Time::from_hms(hour, minute, second).ok()?;
    let seconds = date.with_time(time).assume_utc().unix_timestamp() - offset_minutes * 60;
    Some(Timestamp(seconds * 1000 + i64::from(millis)))
}

impl std::str::FromStr for Timestamp {
    type Err = TimestampParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.to_offset_date_time();
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            t.millisecond()
        )
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({self})")
    }
}

impl From<OffsetDateTime> for Timestamp {
    fn from(value: OffsetDateTime) -> Self {
        Self::from_offset_date_time(value)
    }
}

impl From<Timestamp> for OffsetDateTime {
    fn from(value: Timestamp) -> Self {
        value.to_offset_date_time()
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.collect_str(self)
        } else {
            serializer.serialize_i64(self.0)
        }
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Timestamp;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an ISO-8601 string or integer milliseconds")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Timestamp, E> {
                Ok(Timestamp(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Timestamp, E> {
                i64::try_from(v)
                    .map(Timestamp)
                    .map_err(|_| E::custom("timestamp out of range"))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Timestamp, E> {
                Timestamp::parse(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_server_format_and_prints_it_back() {
        for text in ["2026-11-24T05:27:57.000Z", "1970-01-01T00:00:00.001Z"] {
            assert_eq!(Timestamp::parse(text).unwrap().to_string(), text);
        }
    }

    #[test]
    fn accepts_other_precisions_and_offsets() {
        let base = Timestamp::parse("2026-11-24T05:27:57.120Z").unwrap();
        assert_eq!(Timestamp::parse("2026-11-24T05:27:57.12Z").unwrap(), base);
        assert_eq!(Timestamp::parse("2026-11-24T05:27:57.120999Z").unwrap(), base);
        assert_eq!(Timestamp::parse("2026-11-24T06:27:57.120+01:00").unwrap(), base);
        assert_eq!(
            Timestamp::parse("2026-11-24T05:27:57Z").unwrap().as_millis() % 1000,
            0
        );
    }

    #[test]
    fn rejects_garbage_without_panicking() {
        for text in [
            "",
            "2026",
            "2026-13-01T00:00:00Z",
            "2026-11-24T05:27:57.Z",
            "2026-11-24T05:27:57.000",
            "２０２６-11-24T05:27:57Z",
        ] {
            assert!(Timestamp::parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn integer_milliseconds_decode_too() {
        let t: Timestamp = serde_json::from_str("1795498113801").unwrap();
        assert_eq!(t.as_millis(), 1_795_498_113_801);
    }
}
