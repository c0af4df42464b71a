//! Shared helpers: servers on ephemeral ports, raw sockets, a trivial store.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use traceback_core::digest::Digest;
use traceback_core::proto::{decode_frame, encode_frame, Hello, Message, Role};
use traceback_core::store::{Coverage, DigestStore, QueryAnswer, StoreStats, WindowMatch};
use traceback_core::{Asn, DigestProfile, TimeRange, Timestamp};
use traceback_net::collector::{IngestCounters, QueryService};
use traceback_net::limits::Limits;

/// Limits with short timeouts so hostile-input tests finish quickly.
pub(crate) fn quick_limits() -> Limits {
    Limits {
        max_frame_len: 4096,
        frame_timeout: Duration::from_millis(300),
        idle_timeout: Duration::from_secs(2),
        handshake_timeout: Duration::from_secs(2),
        max_connections: 4,
    }
}

/// An exact set of (digest, time) pairs, enough to answer collector queries in tests.
#[derive(Default)]
pub(crate) struct SetStore(pub(crate) HashSet<(Digest, Timestamp)>);

impl DigestStore for SetStore {
    fn insert(&mut self, digest: &Digest, at: Timestamp) {
        self.0.insert((*digest, at));
    }
    fn query(&self, digest: &Digest, range: TimeRange) -> QueryAnswer {
        let matches = self
            .0
            .iter()
            .filter(|(d, t)| d == digest && range.contains(*t))
            .map(|(_, t)| WindowMatch {
                span: TimeRange::at(*t),
                false_positive_probability: 0.0,
            })
            .collect();
        QueryAnswer {
            matches,
            coverage: Coverage::Full,
        }
    }
    fn stats(&self) -> StoreStats {
        StoreStats {
            inserted: self.0.len() as u64,
            ..StoreStats::default()
        }
    }
}

/// A collector query service over a [`SetStore`] on an ephemeral port.
pub(crate) async fn query_server(store: SetStore, limits: Limits) -> (SocketAddr, CancellationToken) {
    let service = QueryService {
        store: Arc::new(Mutex::new(store)),
        profile: DigestProfile::default(),
        hello: Hello::new(Role::Collector, Asn(64500), "test collector"),
        counters: Arc::new(IngestCounters::default()),
    };
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let token = CancellationToken::new();
    tokio::spawn(traceback_net::server::serve(
        listener,
        None,
        limits,
        token.clone(),
        move |conn, t| service.clone().handle(conn, t),
    ));
    (addr, token)
}

/// Write raw bytes to a fresh connection.
pub(crate) async fn raw(addr: SocketAddr) -> TcpStream {
    TcpStream::connect(addr).await.unwrap()
}

/// A length-prefixed frame around `body`.
pub(crate) fn frame(body: &[u8]) -> Vec<u8> {
    let mut v = (body.len() as u32).to_be_bytes().to_vec();
    v.extend_from_slice(body);
    v
}

/// A length-prefixed frame holding `msg`.
pub(crate) fn msg_frame(msg: &Message) -> Vec<u8> {
    frame(&encode_frame(msg).unwrap())
}

/// Read one frame from a raw socket (None if the peer closed first), within 5 s.
pub(crate) async fn read_frame(s: &mut TcpStream) -> Option<Message> {
    tokio::time::timeout(Duration::from_secs(5), async {
        let mut len = [0u8; 4];
        s.read_exact(&mut len).await.ok()?;
        let mut body = vec![0u8; u32::from_be_bytes(len) as usize];
        s.read_exact(&mut body).await.ok()?;
        Some(decode_frame(&body).expect("server frames decode"))
    })
    .await
    .expect("server answered or closed within 5 s")
}

/// Whether the peer closes the connection within 5 s (reading to EOF).
pub(crate) async fn closes(s: &mut TcpStream) -> bool {
    let mut buf = [0u8; 256];
    tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => return true,
                Ok(_) => {}
            }
        }
    })
    .await
    .unwrap_or(false)
}

/// Send a client Hello on a raw socket and read the reply.
pub(crate) async fn raw_hello(s: &mut TcpStream, role: Role) -> Option<Message> {
    s.write_all(&msg_frame(&Message::Hello(Hello::new(role, Asn(64500), "raw"))))
        .await
        .unwrap();
    read_frame(s).await
}
