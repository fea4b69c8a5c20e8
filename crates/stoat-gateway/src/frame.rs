//! WebSocket frames to and from the wire format.

use stoat_model::event::{ClientMessage, Format};
use tokio_tungstenite::tungstenite::{self, Message};

use crate::error::{Error, ErrorKind};

/// The socket every connection uses.
pub(crate) type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A client message as a frame: text for JSON, binary for MessagePack,
/// since the server ignores frames of the other kind.
pub(crate) fn encode(format: Format, message: &ClientMessage) -> Message {
    let bytes = format.to_vec(message);
    match format {
        Format::Json => match String::from_utf8(bytes) {
            Ok(text) => Message::text(text),
            Err(error) => Message::binary(error.into_bytes()),
        },
        _ => Message::binary(bytes),
    }
}

/// Bytes per fragment of the `Authenticate` message.
const AUTH_FRAGMENT: usize = 4;

/// The `Authenticate` message, sent as one message cut into fragments of
/// four bytes. Why: tungstenite logs every frame it writes, payload
/// included (in hex, through the `log` crate, at trace level), so a whole
/// `Authenticate` frame would put the token in an application's logs.
/// In fragments, no log line holds more than four of its bytes.
pub(crate) fn encode_fragmented(format: Format, message: &ClientMessage) -> Vec<Message> {
    use tungstenite::protocol::frame::Frame;
    use tungstenite::protocol::frame::coding::{Data, OpCode};

    let bytes = format.to_vec(message);
    let data = match format {
        Format::Json => Data::Text,
        _ => Data::Binary,
    };
    let count = bytes.len().div_ceil(AUTH_FRAGMENT);
    bytes
        .chunks(AUTH_FRAGMENT)
        .enumerate()
        .map(|(i, chunk)| {
            let opcode = OpCode::Data(if i == 0 { data } else { Data::Continue });
            Message::Frame(Frame::message(
                tungstenite::Bytes::copy_from_slice(chunk),
                opcode,
                i + 1 == count,
            ))
        })
        .collect()
}

/// What a received frame means for the connection.
pub(crate) enum Received {
    /// Event bytes (from a text or binary frame: either is decoded).
    Data(tungstenite::Bytes),
    /// A WebSocket-level ping, pong or fragment: tungstenite handles them.
    Control,
    /// The socket ended.
    Ended(Error),
}

/// Sorts what `socket.next()` yielded.
pub(crate) fn classify(next: Option<Result<Message, tungstenite::Error>>) -> Received {
    match next {
        Some(Ok(Message::Text(text))) => Received::Data(text.into()),
        Some(Ok(Message::Binary(bytes))) => Received::Data(bytes),
        Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => Received::Control,
        Some(Ok(Message::Close(_))) | None => Received::Ended(Error::new(ErrorKind::ConnectionLost)),
        Some(Err(error)) => Received::Ended(socket_error(error)),
    }
}

/// A failed read or write: a broken protocol (oversized frame, bad
/// opcode) or a lost connection.
pub(crate) fn socket_error(error: tungstenite::Error) -> Error {
    let kind = match &error {
        // What tungstenite calls a dropped socket: the server's usual goodbye.
        tungstenite::Error::Protocol(tungstenite::error::ProtocolError::ResetWithoutClosingHandshake) => {
            ErrorKind::ConnectionLost
        }
        tungstenite::Error::Capacity(_)
        | tungstenite::Error::Protocol(_)
        | tungstenite::Error::Utf8(_)
        | tungstenite::Error::AttackAttempt => ErrorKind::Protocol,
        _ => ErrorKind::ConnectionLost,
    };
    Error::with_source(kind, error)
}

#[cfg(test)]
mod tests {
    use stoat_model::event::PingData;

    use super::*;

    #[test]
    fn json_goes_as_text_and_msgpack_as_binary() {
        let ping = ClientMessage::Ping {
            data: PingData::Number(3),
        };
        assert_eq!(
            encode(Format::Json, &ping),
            Message::text(r#"{"type":"Ping","data":3}"#)
        );
        assert!(encode(Format::MsgPack, &ping).is_binary());
    }

    #[test]
    fn a_close_frame_or_the_end_is_a_lost_connection() {
        for next in [None, Some(Ok(Message::Close(None)))] {
            let Received::Ended(error) = classify(next) else {
                panic!("not an end")
            };
            assert!(matches!(error.kind(), ErrorKind::ConnectionLost));
        }
        let capacity = tungstenite::Error::Capacity(tungstenite::error::CapacityError::MessageTooLong {
            size: 10,
            max_size: 1,
        });
        let Received::Ended(error) = classify(Some(Err(capacity))) else {
            panic!("not an end")
        };
        assert!(matches!(error.kind(), ErrorKind::Protocol));
    }
}
