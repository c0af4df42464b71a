//! One framed connection (plain TCP or TLS): length-prefixed frames with
//! size limits and timeouts, the Hello exchange, typed error replies.
//!
//! Framing is that of tokio-util's `LengthDelimitedCodec` with its defaults
//! (a 4-byte big-endian length, then the body), read by hand so that the
//! announced length is checked before any of the body is read, and a frame
//! that is started must be finished within [`Limits::frame_timeout`].

use crate::limits::Limits;
use crate::tls;
use rustls::pki_types::CertificateDer;
use std::net::SocketAddr;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;
use traceback_core::proto::{
    decode_frame, encode_frame, ErrorCode, ErrorReply, Hello, Message, ProtoError, Refusal, Role,
    PROTOCOL_VERSION,
};
use traceback_core::Asn;

/// A byte stream a [`Conn`] runs over (TCP or TLS over TCP).
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// Why a connection failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnError {
    /// The OS reported an error.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The peer closed the connection between frames.
    #[error("connection closed by peer")]
    Closed,
    /// No frame started within the idle timeout.
    #[error("idle timeout")]
    IdleTimeout,
    /// A frame was started but not finished within the frame timeout.
    #[error("frame not completed within the frame timeout")]
    FrameTimeout,
    /// Connecting, the TLS handshake or the Hello exchange took too long.
    #[error("handshake timeout")]
    HandshakeTimeout,
    /// A frame could not be decoded, or was too large.
    #[error("protocol error: {0}")]
    Proto(#[from] ProtoError),
    /// The peer answered with an error reply.
    #[error("peer replied with an error: {0}")]
    Remote(ErrorReply),
    /// The peer broke the protocol (a wrong first message, a wrong role or ASN).
    #[error("peer refused: {0}")]
    Refused(ErrorReply),
    /// TLS setup failed.
    #[error("TLS: {0}")]
    Tls(#[from] tls::TlsError),
}

/// A framed connection with its limits.
pub struct Conn {
    io: Box<dyn Io>,
    limits: Limits,
    peer_addr: Option<SocketAddr>,
    peer_cert: Option<CertificateDer<'static>>,
    peer_hello: Option<Hello>,
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conn")
            .field("peer_addr", &self.peer_addr)
            .field("tls", &self.peer_cert.is_some())
            .field("peer_hello", &self.peer_hello)
            .finish_non_exhaustive()
    }
}

impl Conn {
    /// Wrap a stream. `peer_cert` is the peer's TLS end-entity certificate, if any.
    pub fn new(
        io: Box<dyn Io>,
        limits: Limits,
        peer_addr: Option<SocketAddr>,
        peer_cert: Option<CertificateDer<'static>>,
    ) -> Self {
        Conn {
            io,
            limits,
            peer_addr,
            peer_cert,
            peer_hello: None,
        }
    }

    /// The peer's address.
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.peer_addr
    }

    /// The peer's Hello, once exchanged.
    pub fn peer_hello(&self) -> Option<&Hello> {
        self.peer_hello.as_ref()
    }

    /// Whether the connection runs over TLS with a verified peer certificate.
    pub fn is_tls(&self) -> bool {
        self.peer_cert.is_some()
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Write one message.
    pub async fn send(&mut self, msg: &Message) -> Result<(), ConnError> {
        let body = encode_frame(msg)?;
        if body.len() > self.limits.max_frame_len {
            return Err(ProtoError::TooLarge {
                len: body.len(),
                limit: self.limits.max_frame_len,
            }
            .into());
        }
        let len = u32::try_from(body.len()).map_err(|_| ProtoError::Encode("frame over 4 GiB".into()))?;
        let write = async {
            self.io.write_all(&len.to_be_bytes()).await?;
            self.io.write_all(&body).await?;
            self.io.flush().await
        };
        timeout(self.limits.frame_timeout, write)
            .await
            .map_err(|_| ConnError::FrameTimeout)??;
        Ok(())
    }

    /// Send an error reply (best effort: failures are ignored, the
    /// connection is usually closed right after).
    pub async fn send_error(&mut self, reply: ErrorReply) {
        if let Err(e) = self.send(&Message::Error(reply)).await {
            tracing::debug!(peer = ?self.peer_addr, "could not send error reply: {e}");
        }
    }

    /// Read one frame body, enforcing the idle timeout, the frame timeout and the size limit.
    pub async fn recv_body(&mut self) -> Result<Vec<u8>, ConnError> {
        let mut len = [0u8; 4];
        let first = timeout(self.limits.idle_timeout, self.io.read(&mut len[..1]))
            .await
            .map_err(|_| ConnError::IdleTimeout)??;
        if first == 0 {
            return Err(ConnError::Closed);
        }
        let limit = self.limits.max_frame_len;
        let io = &mut self.io;
        let rest = async move {
            io.read_exact(&mut len[1..]).await?;
            let n = u32::from_be_bytes(len) as usize;
            if n > limit {
                return Err(ConnError::Proto(ProtoError::TooLarge { len: n, limit }));
            }
            let mut body = vec![0u8; n];
            io.read_exact(&mut body).await?;
            Ok(body)
        };
        timeout(self.limits.frame_timeout, rest)
            .await
            .map_err(|_| ConnError::FrameTimeout)?
    }

    /// Read one message. A frame that is too large, late or undecodable is
    /// answered with the matching error reply before the error is returned;
    /// the caller then closes the connection.
    pub async fn recv(&mut self) -> Result<Message, ConnError> {
        let result = match self.recv_body().await {
            Ok(body) => decode_frame(&body).map_err(ConnError::Proto),
            Err(e) => Err(e),
        };
        match result {
            Ok(m) => Ok(m),
            Err(ConnError::Proto(p)) => {
                tracing::debug!(peer = ?self.peer_addr, "bad frame: {p}");
                self.send_error(p.to_reply()).await;
                Err(ConnError::Proto(p))
            }
            Err(ConnError::FrameTimeout) => {
                tracing::debug!(peer = ?self.peer_addr, "slow frame: timeout");
                self.send_error(ErrorReply::new(
                    ErrorCode::Timeout,
                    None,
                    "frame not completed in time",
                ))
                .await;
                Err(ConnError::FrameTimeout)
            }
            Err(e) => Err(e),
        }
    }

    /// Server side of the Hello exchange: read the peer's Hello, check its
    /// version, role and (over TLS) that its certificate names its ASN, then
    /// answer with `mine`. A peer that fails a check gets a typed error reply.
    pub async fn accept_hello(&mut self, mine: &Hello, roles: &[Role]) -> Result<Hello, ConnError> {
        let t = self.limits.handshake_timeout;
        let hello = match timeout(t, self.recv())
            .await
            .map_err(|_| ConnError::HandshakeTimeout)??
        {
            Message::Hello(h) => h,
            Message::Error(e) => return Err(ConnError::Remote(e)),
            other => {
                return Err(self
                    .refuse(
                        ErrorCode::Unexpected,
                        format!("expected hello, got {}", other.kind()),
                    )
                    .await)
            }
        };
        self.check_peer_hello(&hello, roles, None).await?;
        self.send(&Message::Hello(mine.clone())).await?;
        self.peer_hello = Some(hello.clone());
        Ok(hello)
    }

    /// Client side of the Hello exchange: send `mine`, read the peer's Hello
    /// and check its role and, when `asn` is given, its ASN.
    pub async fn open_hello(
        &mut self,
        mine: &Hello,
        role: Role,
        asn: Option<Asn>,
    ) -> Result<Hello, ConnError> {
        let t = self.limits.handshake_timeout;
        let exchange = async {
            self.send(&Message::Hello(mine.clone())).await?;
            self.recv().await
        };
        let hello = match timeout(t, exchange)
            .await
            .map_err(|_| ConnError::HandshakeTimeout)??
        {
            Message::Hello(h) => h,
            Message::Error(e) => return Err(ConnError::Remote(e)),
            other => {
                return Err(self
                    .refuse(
                        ErrorCode::Unexpected,
                        format!("expected hello, got {}", other.kind()),
                    )
                    .await)
            }
        };
        self.check_peer_hello(&hello, &[role], asn).await?;
        self.peer_hello = Some(hello.clone());
        Ok(hello)
    }

    async fn check_peer_hello(
        &mut self,
        hello: &Hello,
        roles: &[Role],
        asn: Option<Asn>,
    ) -> Result<(), ConnError> {
        if hello.version != PROTOCOL_VERSION {
            let code = ErrorCode::VersionMismatch {
                supported: PROTOCOL_VERSION,
                received: hello.version,
            };
            return Err(self
                .refuse(code, "hello announces another protocol version")
                .await);
        }
        if !roles.contains(&hello.role) {
            let detail = format!("role {:?} may not connect here", hello.role);
            return Err(self.refuse(ErrorCode::Refused(Refusal::WrongRole), detail).await);
        }
        if let Some(want) = asn {
            if hello.asn != want {
                let detail = format!("expected {want}, hello says {}", hello.asn);
                return Err(self
                    .refuse(ErrorCode::Refused(Refusal::AsnMismatch), detail)
                    .await);
            }
        }
        if let Some(cert) = &self.peer_cert {
            if !tls::cert_names_asn(cert, hello.asn) {
                let detail = format!("certificate does not name {}", hello.asn);
                return Err(self
                    .refuse(ErrorCode::Refused(Refusal::AsnMismatch), detail)
                    .await);
            }
        }
        Ok(())
    }

    async fn refuse(&mut self, code: ErrorCode, detail: impl Into<String>) -> ConnError {
        let reply = ErrorReply::new(code, None, detail);
        tracing::info!(peer = ?self.peer_addr, "refusing peer: {reply}");
        self.send_error(reply.clone()).await;
        ConnError::Refused(reply)
    }

    /// Close gracefully: send FIN (TLS: close_notify), then discard what
    /// the peer still sends for a moment so the kernel does not answer
    /// unread data with a reset that could destroy our last error reply.
    pub async fn close(mut self) {
        let _ = timeout(self.limits.frame_timeout, self.io.shutdown()).await;
        let mut buf = [0u8; 4096];
        let drain = async {
            let mut total = 0usize;
            while total < self.limits.max_frame_len {
                match self.io.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => total += n,
                }
            }
        };
        let _ = timeout(std::time::Duration::from_millis(200), drain).await;
    }

    /// Send a request and wait for the next message (within the idle timeout).
    pub async fn request(&mut self, msg: &Message) -> Result<Message, ConnError> {
        self.send(msg).await?;
        self.recv().await
    }
}

/// How to reach a peer: plain TCP, or TLS verifying that the server's
/// certificate names `asn`.
#[derive(Clone)]
pub enum Transport {
    /// Plain TCP (inside one ISP).
    Plain,
    /// Mutual TLS with the federation CA; the server must present `asn`'s certificate.
    Tls {
        /// The connector carrying this ISP's identity.
        connector: tokio_rustls::TlsConnector,
        /// The ASN the server's certificate must name.
        asn: Asn,
    },
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Transport::Plain => f.write_str("Plain"),
            Transport::Tls { asn, .. } => write!(f, "Tls({asn})"),
        }
    }
}

/// Connect to `addr` and perform the transport handshake (not the Hello).
pub async fn connect(addr: SocketAddr, transport: &Transport, limits: Limits) -> Result<Conn, ConnError> {
    let t = limits.handshake_timeout;
    let open = async {
        let tcp = TcpStream::connect(addr).await?;
        tcp.set_nodelay(true)?;
        match transport {
            Transport::Plain => Ok::<_, ConnError>(Conn::new(Box::new(tcp), limits, Some(addr), None)),
            Transport::Tls { connector, asn } => {
                let tls = connector.connect(tls::server_name_for(*asn), tcp).await?;
                let cert = tls
                    .get_ref()
                    .1
                    .peer_certificates()
                    .and_then(|c| c.first())
                    .map(|c| c.clone().into_owned());
                Ok(Conn::new(Box::new(tls), limits, Some(addr), cert))
            }
        }
    };
    timeout(t, open).await.map_err(|_| ConnError::HandshakeTimeout)?
}

/// Connect and exchange Hellos: the usual way a program opens a connection.
pub async fn dial(
    addr: SocketAddr,
    transport: &Transport,
    limits: Limits,
    mine: &Hello,
    role: Role,
) -> Result<Conn, ConnError> {
    let mut conn = connect(addr, transport, limits).await?;
    let asn = match transport {
        Transport::Tls { asn, .. } => Some(*asn),
        Transport::Plain => None,
    };
    conn.open_hello(mine, role, asn).await?;
    Ok(conn)
}
