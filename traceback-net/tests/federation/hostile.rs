//! Hostile input against a real listener: every case ends in a typed error
//! reply or a closed connection, and the server keeps serving.

use crate::util::*;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use traceback_core::digest::Digest;
use traceback_core::proto::Hello;
use traceback_core::proto::{CollectorMsg, ErrorCode, Message, Query, Refusal, Role, PROTOCOL_VERSION};
use traceback_core::Asn;
use traceback_core::{DigestProfile, TimeRange, Timestamp};
use traceback_net::conn::{dial, Transport};

fn error_code(m: Option<Message>) -> ErrorCode {
    match m {
        Some(Message::Error(e)) => e.code,
        other => panic!("expected an error reply, got {other:?}"),
    }
}

async fn still_serves(addr: std::net::SocketAddr) {
    let hello = Hello::new(Role::Control, Asn(64500), "check");
    let mut c = dial(addr, &Transport::Plain, quick_limits(), &hello, Role::Collector)
        .await
        .expect("server still accepts well-behaved clients");
    let q = Query {
        id: 1,
        digest: Digest([9; 16]),
        profile: DigestProfile::default(),
        range: TimeRange::at(Timestamp::from_secs(5)),
    };
    match c
        .request(&Message::Collector(CollectorMsg::Query(q)))
        .await
        .unwrap()
    {
        Message::Collector(CollectorMsg::Answer { id: 1, answer }) => assert!(answer.hit()),
        other => panic!("unexpected {other:?}"),
    }
}

fn store() -> SetStore {
    let mut s = SetStore::default();
    traceback_core::store::DigestStore::insert(&mut s, &Digest([9; 16]), Timestamp::from_secs(5));
    s
}

#[tokio::test]
async fn oversized_frame_is_refused_without_reading_it() {
    let (addr, _t) = query_server(store(), quick_limits()).await;
    let mut s = raw(addr).await;
    s.write_all(&(1_000_000u32).to_be_bytes()).await.unwrap();
    assert_eq!(
        error_code(read_frame(&mut s).await),
        ErrorCode::FrameTooLarge { limit: 4096 }
    );
    assert!(closes(&mut s).await);
    still_serves(addr).await;
}

#[tokio::test]
async fn wrong_version_gets_version_mismatch() {
    let (addr, _t) = query_server(store(), quick_limits()).await;
    let mut s = raw(addr).await;
    let mut body =
        traceback_core::proto::encode_frame(&Message::Hello(Hello::new(Role::Control, Asn(1), "x"))).unwrap();
    body[..2].copy_from_slice(&(PROTOCOL_VERSION + 1).to_be_bytes());
    s.write_all(&frame(&body)).await.unwrap();
    assert_eq!(
        error_code(read_frame(&mut s).await),
        ErrorCode::VersionMismatch {
            supported: PROTOCOL_VERSION,
            received: PROTOCOL_VERSION + 1
        }
    );
    assert!(closes(&mut s).await);
    // A Hello announcing another version inside a valid frame is refused too.
    let mut s = raw(addr).await;
    let mut h = Hello::new(Role::Control, Asn(1), "x");
    h.version = 7;
    s.write_all(&msg_frame(&Message::Hello(h))).await.unwrap();
    assert!(matches!(
        error_code(read_frame(&mut s).await),
        ErrorCode::VersionMismatch { received: 7, .. }
    ));
    still_serves(addr).await;
}

#[tokio::test]
async fn garbage_gets_malformed() {
    let (addr, _t) = query_server(store(), quick_limits()).await;
    for body in [
        vec![],
        vec![0x00],
        vec![0x00, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f],
        b"\x00\x01GET / HTTP/1.1".to_vec(),
    ] {
        let mut s = raw(addr).await;
        s.write_all(&frame(&body)).await.unwrap();
        assert_eq!(
            error_code(read_frame(&mut s).await),
            ErrorCode::Malformed,
            "body {body:?}"
        );
        assert!(closes(&mut s).await);
    }
    // Plain garbage with no framing at all: an absurd length prefix.
    let mut s = raw(addr).await;
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    assert!(matches!(
        error_code(read_frame(&mut s).await),
        ErrorCode::FrameTooLarge { .. }
    ));
    still_serves(addr).await;
}

#[tokio::test]
async fn slow_sender_times_out() {
    let (addr, _t) = query_server(store(), quick_limits()).await;
    let mut s = raw(addr).await;
    let f = msg_frame(&Message::Hello(Hello::new(Role::Control, Asn(1), "slow")));
    // Dribble the first bytes, then stall past the 300 ms frame timeout.
    for b in &f[..3] {
        s.write_all(&[*b]).await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let started = std::time::Instant::now();
    assert_eq!(error_code(read_frame(&mut s).await), ErrorCode::Timeout);
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(closes(&mut s).await);
    still_serves(addr).await;
}

#[tokio::test]
async fn idle_connection_is_closed() {
    let (addr, _t) = query_server(store(), quick_limits()).await;
    let mut s = raw(addr).await;
    let started = std::time::Instant::now();
    assert!(closes(&mut s).await, "idle connection closed");
    let e = started.elapsed();
    assert!(
        e >= Duration::from_millis(1500) && e < Duration::from_secs(5),
        "{e:?}"
    );
}

#[tokio::test]
async fn message_before_hello_and_wrong_role_are_refused() {
    let (addr, _t) = query_server(store(), quick_limits()).await;
    let mut s = raw(addr).await;
    let q = Message::Collector(CollectorMsg::StatsRequest { id: 1 });
    s.write_all(&msg_frame(&q)).await.unwrap();
    assert_eq!(error_code(read_frame(&mut s).await), ErrorCode::Unexpected);
    assert!(closes(&mut s).await);
    let mut s = raw(addr).await;
    assert_eq!(
        error_code(raw_hello(&mut s, Role::Interconnect).await),
        ErrorCode::Refused(Refusal::WrongRole)
    );
    still_serves(addr).await;
}

#[tokio::test]
async fn connections_are_bounded() {
    let (addr, _t) = query_server(store(), quick_limits()).await;
    let mut held = Vec::new();
    for _ in 0..4 {
        let mut s = raw(addr).await;
        assert!(matches!(
            raw_hello(&mut s, Role::Control).await,
            Some(Message::Hello(_))
        ));
        held.push(s);
    }
    let mut extra = raw(addr).await;
    assert_eq!(
        error_code(read_frame(&mut extra).await),
        ErrorCode::Refused(Refusal::Busy)
    );
    drop(held);
    tokio::time::sleep(Duration::from_millis(200)).await;
    still_serves(addr).await;
}
