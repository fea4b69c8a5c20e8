//! A TLS front for tests of `https://` and `wss://`: it terminates TLS on
//! a loopback port with the test certificate of `tls/` and forwards every
//! connection, byte for byte, to one of the emulator's plain ports.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;

const CA: &[u8] = include_bytes!("../tls/ca.der");
const CERTIFICATE: &[u8] = include_bytes!("../tls/localhost.der");
const KEY: &[u8] = include_bytes!("../tls/localhost.key.der");

/// TLS in front of a plain address, on a port of its own; stops, with
/// every connection through it, when dropped.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let emulator = stoat_emulator::Emulator::start().await?;
/// let front = stoat_emulator::TlsFront::start(emulator.api_url()).await?;
/// assert!(front.url("https").starts_with("https://127.0.0.1:"));
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct TlsFront {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl TlsFront {
    /// Listens on a fresh loopback port and forwards to the host and port
    /// of `target` (a URL such as [`Emulator::api_url`](crate::Emulator::api_url)
    /// or [`ws_url`](crate::Emulator::ws_url)).
    pub async fn start(target: &str) -> io::Result<Self> {
        let target = target_addr(target)?;
        let config =
            rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .map_err(io::Error::other)?
                .with_no_client_auth()
                .with_single_cert(
                    vec![CertificateDer::from(CERTIFICATE)],
                    PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(KEY)),
                )
                .map_err(io::Error::other)?;
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            // Owned by this task, so that aborting it (on drop) ends every
            // open connection too, not just the listener.
            let mut forwards = JoinSet::new();
            while let Ok((stream, _)) = listener.accept().await {
                while forwards.try_join_next().is_some() {}
                forwards.spawn(forward(acceptor.clone(), stream, target));
            }
        });
        Ok(Self { addr, task })
    }

    /// This front's URL with `scheme` (`https` or `wss`), e.g.
    /// `https://127.0.0.1:41236`.
    pub fn url(&self, scheme: &str) -> String {
        format!("{scheme}://{}", self.addr)
    }

    /// The certificate authority that signed the front's certificate: the
    /// one root a client must trust to connect.
    pub fn root_certificate() -> CertificateDer<'static> {
        CertificateDer::from(CA)
    }

    /// Client settings that trust [`root_certificate`](Self::root_certificate)
    /// and nothing else, for the clients' `tls_config`.
    ///
    /// # Panics
    ///
    /// Only if the bundled certificate were broken (a broken build).
    pub fn client_config() -> rustls::ClientConfig {
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(Self::root_certificate())
            .expect("the bundled root parses");
        rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("ring supports the default protocol versions")
            .with_root_certificates(roots)
            .with_no_client_auth()
    }
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One connection: the handshake, then bytes both ways until either side ends.
async fn forward(acceptor: TlsAcceptor, stream: TcpStream, target: SocketAddr) {
    // A failed handshake (a client that does not trust the root) just ends here.
    let Ok(mut tls) = acceptor.accept(stream).await else {
        return;
    };
    let Ok(mut plain) = TcpStream::connect(target).await else {
        return;
    };
    let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
}

/// The `host:port` of a URL such as `http://127.0.0.1:41234`.
fn target_addr(url: &str) -> io::Result<SocketAddr> {
    url.split_once("://")
        .map_or(url, |(_, rest)| rest)
        .trim_end_matches('/')
        .parse()
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, format!("not a loopback URL: {url}")))
}
