//! One connection attempt: TCP, upgrade, `Authenticate`, then
//! `Authenticated` and `Ready`, each phase under its own timeout.

use futures_util::{SinkExt, StreamExt};
use stoat_model::event::{ClientMessage, Event, EventFlags, Ready};
use tokio_tungstenite::tungstenite;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tracing::Instrument;

use crate::config::Config;
use crate::error::{Error, ErrorKind};
use crate::frame::{self, Received, Socket};

/// Opens a connection and returns it with its `Ready`.
pub(crate) async fn open(config: &Config, attempt: u32) -> Result<(Socket, Box<Ready>), Error> {
    let span = tracing::info_span!(
        "connect",
        url = %config.endpoint.shown,
        format = config.format.as_str(),
        attempt,
    );
    async {
        let mut socket = upgrade(config).await?;
        let authenticate = ClientMessage::Authenticate {
            token: config.token.clone(),
        };
        let greeting = async {
            for fragment in frame::encode_fragmented(config.format, &authenticate) {
                socket.feed(fragment).await.map_err(frame::socket_error)?;
            }
            socket.flush().await.map_err(frame::socket_error)?;
            wait_for_ready(&mut socket, config).await
        };
        let ready = tokio::time::timeout(config.ready_timeout, greeting)
            .await
            .map_err(|_| Error::new(ErrorKind::ReadyTimeout))??;
        tracing::info!("ready");
        Ok((socket, ready))
    }
    .instrument(span)
    .await
}

/// The TCP connection and the WebSocket upgrade.
async fn upgrade(config: &Config) -> Result<Socket, Error> {
    #[cfg(feature = "rustls")]
    if config.endpoint.url.starts_with("wss://") {
        install_crypto_provider();
    }
    let limits = WebSocketConfig::default()
        .max_message_size(Some(config.max_message_size))
        .max_frame_size(Some(config.max_message_size))
        .read_buffer_size(64 << 10);
    #[cfg(feature = "rustls")]
    let connect = tokio_tungstenite::connect_async_tls_with_config(
        config.endpoint.url.as_str(),
        Some(limits),
        true,
        config.tls.clone().map(tokio_tungstenite::Connector::Rustls),
    );
    #[cfg(not(feature = "rustls"))]
    let connect =
        tokio_tungstenite::connect_async_with_config(config.endpoint.url.as_str(), Some(limits), true);
    match tokio::time::timeout(config.connect_timeout, connect).await {
        Err(_) => Err(Error::new(ErrorKind::ConnectTimeout)),
        Ok(Ok((socket, _))) => Ok(socket),
        Ok(Err(tungstenite::Error::Http(response))) => Err(Error::new(ErrorKind::Rejected {
            status: response.status().as_u16(),
        })),
        Ok(Err(error)) => Err(Error::with_source(ErrorKind::Connect, error)),
    }
}

/// tokio-tungstenite asks rustls for the process's default crypto
/// provider; pick ring when the application has not chosen one, so the
/// choice does not depend on which rustls features the build unified.
#[cfg(feature = "rustls")]
fn install_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing a race with another installer is fine: one is in place.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

/// Reads until `Ready`. An `Error` before it is the server's answer to the
/// token: 5xx errors are worth another attempt, anything else is a refusal.
async fn wait_for_ready(socket: &mut Socket, config: &Config) -> Result<Box<Ready>, Error> {
    loop {
        let bytes = match frame::classify(socket.next().await) {
            Received::Data(bytes) => bytes,
            Received::Control => continue,
            Received::Ended(error) => return Err(error),
        };
        let event = Event::decode_filtered(config.format, &bytes, EventFlags::connection())
            .map_err(|e| Error::new(ErrorKind::Decode(e)))?;
        match event {
            Some(Event::Ready(ready)) => return Ok(ready),
            Some(Event::Error(error)) if error.data.kind.http_status() >= 500 => {
                return Err(Error::new(ErrorKind::Server(error.data)));
            }
            Some(Event::Error(error)) => return Err(Error::new(ErrorKind::Authentication(error.data))),
            Some(Event::Logout(_)) => return Err(Error::new(ErrorKind::LoggedOut)),
            // `Authenticated` comes first; nothing else is sent before `Ready`.
            _ => tracing::debug!("authenticated"),
        }
    }
}
