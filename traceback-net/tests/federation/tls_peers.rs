//! Mutual TLS between interconnects: the federation CA, ASN checks.

use crate::util::quick_limits;
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use traceback_core::proto::{ErrorCode, Hello, Refusal, Role};
use traceback_core::Asn;
use traceback_net::conn::{dial, ConnError, Transport};
use traceback_net::tls::{write_federation, DevCa, TlsFiles, TlsIdentity};

const A: Asn = Asn(64500);
const B: Asn = Asn(64501);

/// An mTLS listener for `asn` that only exchanges Hellos (the code path every
/// interconnect connection starts with).
async fn hello_server(id: &TlsIdentity, asn: Asn) -> (SocketAddr, CancellationToken) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let token = CancellationToken::new();
    let hello = Hello::new(Role::Interconnect, asn, "tls test");
    tokio::spawn(traceback_net::server::serve(
        listener,
        Some(id.acceptor().unwrap()),
        quick_limits(),
        token.clone(),
        move |mut conn, _| {
            let hello = hello.clone();
            async move {
                if conn.accept_hello(&hello, &[Role::Interconnect]).await.is_ok() {
                    // Keep the connection until the client closes it.
                    let _ = conn.recv().await;
                }
                conn.close().await;
            }
        },
    ));
    (addr, token)
}

fn identities(dir: &std::path::Path) -> (TlsIdentity, TlsIdentity) {
    write_federation(dir, &[A, B]).unwrap();
    (
        TlsIdentity::load(&TlsFiles::in_dir(dir, A)).unwrap(),
        TlsIdentity::load(&TlsFiles::in_dir(dir, B)).unwrap(),
    )
}

#[tokio::test]
async fn peers_of_one_federation_connect_and_learn_each_others_asn() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = identities(dir.path());
    let (addr, _t) = hello_server(&a, A).await;
    let transport = Transport::Tls {
        connector: b.connector().unwrap(),
        asn: A,
    };
    let conn = dial(
        addr,
        &transport,
        quick_limits(),
        &Hello::new(Role::Interconnect, B, "b"),
        Role::Interconnect,
    )
    .await
    .expect("mTLS within one federation works");
    assert!(conn.is_tls());
    assert_eq!(conn.peer_hello().unwrap().asn, A);
}

#[tokio::test]
async fn a_certificate_from_another_ca_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (a, _) = identities(dir.path());
    let (addr, _t) = hello_server(&a, A).await;
    // Same ASN, same names, but signed by a CA the federation does not trust;
    // the rogue also trusts the real CA so only the server's check can stop it.
    let rogue_ca = DevCa::generate("rogue").unwrap();
    let issued = rogue_ca.issue(B, &[]).unwrap();
    let real_ca = std::fs::read(dir.path().join("ca.pem")).unwrap();
    let rogue =
        TlsIdentity::from_pem(&real_ca, issued.cert_pem.as_bytes(), issued.key_pem.as_bytes()).unwrap();
    let transport = Transport::Tls {
        connector: rogue.connector().unwrap(),
        asn: A,
    };
    let r = dial(
        addr,
        &transport,
        quick_limits(),
        &Hello::new(Role::Interconnect, B, "rogue"),
        Role::Interconnect,
    )
    .await;
    assert!(r.is_err(), "a rogue certificate must not get a session");
    // And a server with a foreign certificate is refused by an honest client.
    let rogue_server = TlsIdentity::from_pem(
        rogue_ca.cert_pem().as_bytes(),
        issued.cert_pem.as_bytes(),
        issued.key_pem.as_bytes(),
    )
    .unwrap();
    let (raddr, _t2) = hello_server(&rogue_server, B).await;
    let (_, b_real) = identities(tempfile::tempdir().unwrap().path());
    let transport = Transport::Tls {
        connector: b_real.connector().unwrap(),
        asn: B,
    };
    let r = dial(
        raddr,
        &transport,
        quick_limits(),
        &Hello::new(Role::Interconnect, B, "b"),
        Role::Interconnect,
    )
    .await;
    assert!(
        matches!(r, Err(ConnError::Io(_)) | Err(ConnError::HandshakeTimeout)),
        "{r:?}"
    );
}

#[tokio::test]
async fn a_hello_claiming_another_asn_than_the_certificate_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = identities(dir.path());
    let (addr, _t) = hello_server(&a, A).await;
    let transport = Transport::Tls {
        connector: b.connector().unwrap(),
        asn: A,
    };
    let liar = Hello::new(Role::Interconnect, Asn(64999), "liar");
    match dial(addr, &transport, quick_limits(), &liar, Role::Interconnect).await {
        Err(ConnError::Remote(e)) => assert_eq!(e.code, ErrorCode::Refused(Refusal::AsnMismatch)),
        other => panic!("expected an AsnMismatch refusal, got {other:?}"),
    }
    // The client side checks the server's certificate against the ASN it dials.
    let transport = Transport::Tls {
        connector: b.connector().unwrap(),
        asn: Asn(64502),
    };
    let r = dial(
        addr,
        &transport,
        quick_limits(),
        &Hello::new(Role::Interconnect, B, "b"),
        Role::Interconnect,
    )
    .await;
    assert!(r.is_err(), "server certificate for AS64500 accepted as AS64502");
}
