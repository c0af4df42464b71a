//! The victim's interconnect takes a search from the center (`GET /v1/jobs`),
//! traces it across the federation and reports the path (`POST /v1/reports`).

use crate::isp::*;
use crate::traces::{line, SOURCE, TRANSIT, VICTIM};
use std::sync::Arc;
use std::time::Duration;
use traceback_core::Asn;
use traceback_net::center::model::{SearchRequest, SearchStatus};
use traceback_net::center::{serve, AwaitReport, Center, CenterClient, CenterConfig};
use traceback_net::interconnect::CenterLink;

fn token(a: Asn) -> String {
    format!("token-of-{}-0123456789abcdef", a.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_at_the_center_is_traced_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = CenterConfig::new(dir.path().join("center.sqlite3"), secret());
    for a in [VICTIM, TRANSIT, SOURCE] {
        cfg = cfg.with_isp_token(a, &a.to_string(), &token(a));
    }
    let center = Center::open(&cfg, Arc::new(AwaitReport)).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(center, listener, async move {
        let _ = rx.await;
    }));

    let victim = Tuning {
        center: Some(CenterLink {
            url: url.clone(),
            token: token(VICTIM),
            poll_every: Duration::from_millis(100),
        }),
        ..Tuning::default()
    };
    let _isps = federation(dir.path(), line(victim, Tuning::default(), Tuning::default())).await;

    let client = CenterClient::new(&url, &token(VICTIM)).unwrap();
    let sub = client
        .submit_search(&SearchRequest::Digest {
            digest: attack_digest(),
            seen_at: evidence().seen_at,
            tolerance_ms: Some(1000),
        })
        .await
        .unwrap();
    let view = client
        .wait_for(sub.id, Duration::from_millis(100), Duration::from_secs(20))
        .await
        .unwrap();
    assert_eq!(view.status, SearchStatus::Done, "{view:?}");
    let record = view.result.expect("a path record");
    assert_eq!(record.report.origins, vec![SOURCE]);
    assert_eq!(record.report.paths, vec![vec![VICTIM, TRANSIT, SOURCE]]);
    let _ = stop.send(());
    let _ = server.await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_center_does_not_hold_the_interconnect_on_shutdown() {
    // The center accepts the job poll and never answers; the client's own
    // time limit (30 s) is far beyond what stopping may take.
    let dir = tempfile::tempdir().unwrap();
    let url = format!("http://{}", silent_listener().await);
    let victim = Tuning {
        center: Some(CenterLink {
            url,
            token: token(VICTIM),
            poll_every: Duration::from_millis(50),
        }),
        ..Tuning::default()
    };
    let isps = federation(dir.path(), line(victim, Tuning::default(), Tuning::default())).await;
    // Let a poll start and hang.
    tokio::time::sleep(Duration::from_millis(300)).await;
    for isp in isps {
        let started = std::time::Instant::now();
        tokio::time::timeout(Duration::from_secs(5), isp.interconnect.stop())
            .await
            .expect("the interconnect stops although its center poll hangs");
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
