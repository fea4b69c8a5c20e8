//! The worker's reader: the whole stream, in order, on a connection of its
//! own (a blocking read would hold up every other command on a shared one).

use std::time::Duration;

use redis::streams::{StreamReadOptions, StreamReadReply};
use redis::{AsyncCommands, Value};
use tokio::sync::mpsc;

use crate::Error;
use crate::keys::{parse_seq, stream_id};

/// An entry as read.
pub(crate) struct Raw {
    pub(crate) seq: u64,
    pub(crate) partition: u32,
    pub(crate) kind: Kind,
}

pub(crate) enum Kind {
    /// An event's (or a `Ready`'s) JSON.
    Event(Vec<u8>),
    /// The publisher lost this many events.
    Lost(u64),
    /// Not written by a publisher of this crate.
    Unknown,
}

/// Reads the stream after `after` and sends batches to `sink` until the
/// receiver goes away. Errors are sent too; reading resumes after a pause.
pub(crate) async fn read_loop(
    client: redis::Client,
    stream: String,
    mut after: u64,
    sink: mpsc::Sender<Result<Vec<Raw>, Error>>,
) {
    let mut connection = None;
    let mut pause = Duration::from_millis(20);
    loop {
        let outcome = read_once(&client, &mut connection, &stream, after).await;
        let outcome = match outcome {
            Ok(batch) => {
                pause = Duration::from_millis(20);
                if batch.is_empty() {
                    continue;
                }
                after = batch.last().map_or(after, |raw| raw.seq);
                Ok(batch)
            }
            Err(error) => {
                connection = None;
                Err(error)
            }
        };
        let failed = outcome.is_err();
        if sink.send(outcome).await.is_err() {
            return;
        }
        if failed {
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(1));
        }
    }
}

async fn read_once(
    client: &redis::Client,
    connection: &mut Option<redis::aio::MultiplexedConnection>,
    stream: &str,
    after: u64,
) -> Result<Vec<Raw>, Error> {
    if connection.is_none() {
        let config = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(5)));
        *connection = Some(
            client
                .get_multiplexed_async_connection_with_config(&config)
                .await
                .map_err(Error::redis("connect the stream reader"))?,
        );
    }
    let Some(redis) = connection.as_mut() else {
        unreachable!("connected above")
    };
    let options = StreamReadOptions::default().count(1000).block(1000);
    let reply: Option<StreamReadReply> = redis
        .xread_options(&[stream], &[stream_id(after)], &options)
        .await
        .map_err(Error::redis("read the stream"))?;
    let mut batch = Vec::new();
    for key in reply.map(|r| r.keys).unwrap_or_default() {
        for entry in key.ids {
            let Some(seq) = parse_seq(&entry.id) else { continue };
            let partition = entry
                .map
                .get("p")
                .and_then(text)
                .and_then(|p| p.parse().ok())
                .unwrap_or(0);
            let kind =
                if let Some(Value::BulkString(json)) = entry.map.get("e").or_else(|| entry.map.get("r")) {
                    Kind::Event(json.clone())
                } else if let Some(count) = entry.map.get("l").and_then(text).and_then(|c| c.parse().ok()) {
                    Kind::Lost(count)
                } else {
                    Kind::Unknown
                };
            batch.push(Raw { seq, partition, kind });
        }
    }
    Ok(batch)
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::BulkString(bytes) => String::from_utf8(bytes.clone()).ok(),
        _ => None,
    }
}
