//! Collectors and controls on their own: persistence across a restart, an
//! unreachable collector.

use crate::isp::*;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use traceback_core::control::ControlConfig as TraceConfig;
use traceback_core::intertrack::Arrival;
use traceback_core::proto::{
    CollectorMsg, ControlMsg, ControlResult, Hello, LocalTraceRequest, Message, Query, Role,
};
use traceback_core::topology::Topology;
use traceback_core::trace::TraceOptions;
use traceback_core::{Asn, DigestProfile, TimeRange, Timestamp};
use traceback_net::conn::{dial, Transport};
use traceback_net::control::{self, ControlNetConfig};

async fn ask(addr: std::net::SocketAddr, range: TimeRange) -> traceback_core::store::QueryAnswer {
    let hello = Hello::new(Role::Control, Asn(64500), "test");
    let mut c = dial(addr, &Transport::Plain, limits(), &hello, Role::Collector)
        .await
        .unwrap();
    let q = Query {
        id: 5,
        digest: attack_digest(),
        profile: DigestProfile::V1,
        range,
    };
    match c
        .request(&Message::Collector(CollectorMsg::Query(q)))
        .await
        .unwrap()
    {
        Message::Collector(CollectorMsg::Answer { id: 5, answer }) => answer,
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_collector_still_answers_for_packets_stored_before() {
    let dir = tempfile::tempdir().unwrap();
    let pcap = dir.path().join("link.pcap");
    write_pcap(&pcap, &traffic(true));
    let state = dir.path().join("store.bin");
    let c = start_collector(Asn(64500), "c1", vec![pcap], Some(state.clone())).await;
    wait_ingested(c.addr, Asn(64500)).await;
    let around = TimeRange::new(Timestamp::from_secs(T - 1), Timestamp::from_secs(T + 1));
    assert!(ask(c.addr, around).await.hit());
    c.stop().await.unwrap();
    assert!(state.exists(), "state written on shutdown");

    // Restart with no capture at all: only the state file can answer.
    let c = start_collector(Asn(64500), "c1", vec![], Some(state.clone())).await;
    let answer = ask(c.addr, around).await;
    assert!(answer.hit(), "{answer:?}");
    let before = TimeRange::new(Timestamp::from_secs(T - 3), Timestamp::from_secs(T - 2));
    let b = ask(c.addr, before).await;
    assert!(!b.hit(), "{b:?}");
    c.stop().await.unwrap();

    let config = |profile: DigestProfile, secret| traceback_net::collector::CollectorConfig {
        asn: Asn(64500),
        name: "c1".into(),
        listen: "127.0.0.1:0".parse().unwrap(),
        captures: vec![],
        speed: 0.0,
        state_file: Some(state.clone()),
        persist_every: Duration::from_secs(30),
        profile,
        secret,
        store: store_config(),
        limits: limits(),
    };
    // Another key epoch or another federation secret: the file is refused
    // (its digests could never match) and left as it was.
    let saved = std::fs::read(&state).unwrap();
    for (profile, other) in [
        (DigestProfile::V1.with_epoch(1), secret()),
        (
            DigestProfile::V1,
            traceback_core::digest::FederationSecret::from_passphrase("another"),
        ),
    ] {
        let r = traceback_net::collector::start(config(profile, other), CancellationToken::new()).await;
        match r {
            Err(e @ traceback_net::collector::CollectorError::ForeignState { .. }) => {
                assert!(e.to_string().contains("another digest key"), "{e}")
            }
            other => panic!("{:?}", other.map(|h| h.addr)),
        }
        assert_eq!(std::fs::read(&state).unwrap(), saved);
    }

    // A state file in an older store format (the format-2 fixture) loads,
    // is copied beside itself once, and is rewritten in the current format.
    let fixture = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/stores/format2-replacement.store"
    ))
    .unwrap();
    std::fs::write(&state, &fixture).unwrap();
    let backup = dir.path().join("store.bin.format2");
    for _ in 0..2 {
        let c =
            traceback_net::collector::start(config(DigestProfile::V1, secret()), CancellationToken::new())
                .await
                .unwrap();
        c.stop().await.unwrap();
        assert_eq!(std::fs::read(&backup).unwrap(), fixture, "the original is kept");
        let now = std::fs::read(&state).unwrap();
        assert_eq!(
            u16::from_le_bytes([now[8], now[9]]),
            traceback_core::store::STORE_FORMAT_VERSION
        );
        let back = traceback_core::store::WindowedBloomStore::read_from(now.as_slice()).unwrap();
        assert_eq!(back.windows().len(), 3, "the fixture's windows are kept");
    }
    std::fs::remove_file(&backup).unwrap();

    // A corrupt state file is a typed error, not a panic.
    std::fs::write(&state, b"not a store").unwrap();
    let r =
        traceback_net::collector::start(config(DigestProfile::V1, secret()), CancellationToken::new()).await;
    assert!(matches!(
        r,
        Err(traceback_net::collector::CollectorError::State { .. })
    ));
    assert_eq!(std::fs::read(&state).unwrap(), b"not a store");

    // A state file that cannot be written is found at start, not at the
    // first save (nor at shutdown, when the windows would be lost).
    let mut unwritable = config(DigestProfile::V1, secret());
    unwritable.state_file = Some(dir.path().join("no-such-dir").join("store.bin"));
    match traceback_net::collector::start(unwritable, CancellationToken::new()).await {
        Err(e @ traceback_net::collector::CollectorError::Io { .. }) => {
            assert!(e.to_string().contains("no-such-dir"), "{e}")
        }
        other => panic!("{:?}", other.map(|h| h.addr)),
    }

    // So is a capture that is missing or not a capture.
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "not a capture").unwrap();
    for bad in [dir.path().join("missing.pcap"), text] {
        let mut c = config(DigestProfile::V1, secret());
        c.state_file = None;
        c.captures = vec![bad.clone()];
        match traceback_net::collector::start(c, CancellationToken::new()).await {
            Err(e @ traceback_net::collector::CollectorError::Capture { .. }) => {
                assert!(e.to_string().contains(&*bad.to_string_lossy()), "{e}")
            }
            other => panic!("{:?}", other.map(|h| h.addr)),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_collector_makes_the_finding_unavailable() {
    let topo = Topology::from_toml_str(
        "asn = 64500\nname = \"t\"\nprefixes = []\n[[routers]]\nid = \"r1\"\n\
         [[borders]]\nid = \"b-1\"\nrouter = \"r1\"\nneighbor = 64501\n\
         [[customers]]\nid = \"victim\"\nrouter = \"r1\"\nprefixes = []\n\
         [[collectors]]\nid = \"c-b-1\"\nlink = \"b-1\"\n\
         [[collectors]]\nid = \"c-victim\"\nlink = \"victim\"\n",
    )
    .unwrap();
    // A port that was bound and released: nothing listens there.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let config = ControlNetConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        topology: Arc::new(topo),
        trace: TraceConfig {
            options: TraceOptions {
                question_timeout: Duration::from_secs(2),
                ..TraceOptions::default()
            },
            ..TraceConfig::default()
        },
        collectors: HashMap::from([("c-b-1".into(), dead), ("c-victim".into(), dead)]),
        max_concurrent_traces: 2,
        trace_timeout: Duration::from_secs(5),
        profile: DigestProfile::V1,
        limits: limits(),
    };
    let control = control::start(config, CancellationToken::new()).await.unwrap();
    let hello = Hello::new(Role::Interconnect, Asn(64500), "test");
    let mut c = dial(control.addr, &Transport::Plain, limits(), &hello, Role::Control)
        .await
        .unwrap();
    let req = LocalTraceRequest {
        id: 9,
        evidence: evidence(),
        arrival: Arrival::Victim,
    };
    let started = std::time::Instant::now();
    match c
        .request(&Message::Control(ControlMsg::Trace(req)))
        .await
        .unwrap()
    {
        Message::Control(ControlMsg::Finding { id: 9, finding }) => {
            assert_eq!(finding.result, ControlResult::Unavailable);
            assert!(finding.questions >= 1, "{finding:?}");
            assert_eq!(finding.failed, finding.questions, "{finding:?}");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "unreachable is reported at once"
    );
    // A neighbour this ISP has no border with: no start link, Unavailable.
    let req = LocalTraceRequest {
        id: 10,
        evidence: evidence(),
        arrival: Arrival::Neighbor(Asn(64999)),
    };
    match c
        .request(&Message::Control(ControlMsg::Trace(req)))
        .await
        .unwrap()
    {
        Message::Control(ControlMsg::Finding { id: 10, finding }) => {
            assert_eq!(finding.result, ControlResult::Unavailable, "{finding:?}");
        }
        other => panic!("unexpected {other:?}"),
    }
    control.stop().await;
}
