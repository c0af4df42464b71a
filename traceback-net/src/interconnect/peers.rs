//! Connections between interconnects: one outbound mutual-TLS connection per
//! neighbour for what we send, inbound connections for what they send.

use super::driver::Input;
use crate::conn::{dial, Conn, ConnError, Transport};
use crate::limits::Limits;
use std::net::SocketAddr;
use tokio::sync::mpsc;
use tokio_rustls::TlsConnector;
use tokio_util::sync::CancellationToken;
use traceback_core::intertrack::Message as ItMessage;
use traceback_core::proto::{ErrorCode, ErrorReply, Hello, Message, PeerMsg, Refusal, Role};
use traceback_core::Asn;

/// Where and how to reach one neighbour. Messages for it go over one
/// connection, reopened on demand and
/// closed after `linger` without traffic. A request that cannot be delivered
/// is reported to the state machine as unreachable.
pub(super) struct Outbound {
    /// The neighbour AS.
    pub(super) neighbor: Asn,
    /// Its interconnect's address.
    pub(super) addr: SocketAddr,
    /// Our TLS identity.
    pub(super) connector: TlsConnector,
    /// Our Hello.
    pub(super) hello: Hello,
    /// Connection limits.
    pub(super) limits: Limits,
}

/// Carry messages for one neighbour (see [`Outbound`]).
pub(super) async fn outbound(
    peer: Outbound,
    mut rx: mpsc::UnboundedReceiver<ItMessage>,
    inputs: mpsc::UnboundedSender<Input>,
    shutdown: CancellationToken,
) {
    let Outbound {
        neighbor,
        addr,
        connector,
        hello,
        limits,
    } = peer;
    let transport = Transport::Tls {
        connector,
        asn: neighbor,
    };
    let linger = limits.idle_timeout / 2;
    let mut conn: Option<Conn> = None;
    loop {
        let msg = tokio::select! {
            () = shutdown.cancelled() => break,
            m = rx.recv() => match m { Some(m) => m, None => break },
            () = tokio::time::sleep(linger), if conn.is_some() => {
                if let Some(c) = conn.take() { c.close().await; }
                continue;
            }
        };
        let frame = Message::Peer(PeerMsg::InterTrack(msg.clone()));
        let mut delivered = false;
        for attempt in 0..2 {
            if conn.is_none() {
                match dial(addr, &transport, limits, &hello, Role::Interconnect).await {
                    Ok(c) => conn = Some(c),
                    Err(e) => {
                        tracing::info!(%neighbor, %addr, attempt, "interconnect: neighbour unreachable: {e}");
                        break;
                    }
                }
            }
            if let Some(c) = conn.as_mut() {
                match c.send(&frame).await {
                    Ok(()) => {
                        delivered = true;
                        break;
                    }
                    Err(e) => {
                        tracing::info!(%neighbor, "interconnect: send failed, reconnecting: {e}");
                        conn = None;
                    }
                }
            }
        }
        if !delivered {
            if let ItMessage::Request(req) = &msg {
                let _ = inputs.send(Input::Unreachable { neighbor, id: req.id });
            }
        }
    }
    if let Some(c) = conn.take() {
        c.close().await;
    }
}

/// Serve one inbound connection from a neighbour: check its Hello (its
/// certificate must name the ASN it claims, and it must be a configured
/// neighbour), then feed its messages to the state machine.
pub(super) async fn inbound(
    mut conn: Conn,
    hello: Hello,
    neighbors: std::sync::Arc<std::collections::BTreeSet<Asn>>,
    inputs: mpsc::UnboundedSender<Input>,
    shutdown: CancellationToken,
) {
    let peer = conn.peer_addr();
    let from = match conn.accept_hello(&hello, &[Role::Interconnect]).await {
        Ok(h) => h.asn,
        Err(e) => {
            tracing::info!(?peer, "interconnect: peer refused: {e}");
            conn.close().await;
            return;
        }
    };
    if !neighbors.contains(&from) {
        tracing::info!(?peer, %from, "interconnect: not a configured neighbour");
        conn.send_error(ErrorReply::new(
            ErrorCode::Refused(Refusal::NotAllowed),
            None,
            format!("{from} is not a neighbour of {}", hello.asn),
        ))
        .await;
        conn.close().await;
        return;
    }
    loop {
        let msg = tokio::select! {
            () = shutdown.cancelled() => break,
            m = conn.recv() => m,
        };
        match msg {
            Ok(Message::Peer(PeerMsg::InterTrack(m))) => {
                if inputs.send(Input::Peer { from, msg: m }).is_err() {
                    break;
                }
            }
            Ok(Message::Error(e)) => tracing::info!(%from, "interconnect: peer error: {e}"),
            Ok(other) => {
                conn.send_error(ErrorReply::new(
                    ErrorCode::Unexpected,
                    None,
                    format!("an interconnect does not accept {}", other.kind()),
                ))
                .await;
                break;
            }
            Err(ConnError::Closed) | Err(ConnError::IdleTimeout) => break,
            Err(e) => {
                tracing::info!(%from, "interconnect: closing peer connection: {e}");
                break;
            }
        }
    }
    conn.close().await;
}
