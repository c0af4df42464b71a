//! The management center over real HTTP on loopback, with a temporary SQLite file.

use hyper::{Method, StatusCode};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use traceback_core::digest::{Blake3Digester, FederationSecret};
use traceback_core::packet::LinkType;
use traceback_core::{Asn, Digest, DigestProfile, Digester, Timestamp};
use traceback_net::center::model::{
    AsStatusEntry, CountermeasureRequest, CountermeasureStatus, ErrorBody, PathReport, RecordFilter,
    ReportSubmission, SearchRequest, SearchStatus, SourceKind,
};
use traceback_net::center::{
    serve, AwaitReport, Center, CenterClient, CenterConfig, ClientError, TraceDispatcher,
};

const VICTIM: Asn = Asn(64500); // ISP-C: the attacked customer's ISP
const ORIGIN: Asn = Asn(64501); // ISP-A: where the attacker sits
const TRANSIT: Asn = Asn(64502); // ISP-B: between them
const OTHER: Asn = Asn(64503); // an uninvolved member
const PASS: &str = "center test federation";

fn token(a: Asn) -> String {
    format!("token-of-{}-0123456789abcdef", a.0)
}

fn config(db: &Path) -> CenterConfig {
    let mut c = CenterConfig::new(db, FederationSecret::from_passphrase(PASS))
        .with_trace_timeout(Duration::from_secs(20))
        .with_max_body_bytes(16 * 1024);
    for (a, name) in [
        (VICTIM, "ISP-C"),
        (ORIGIN, "ISP-A"),
        (TRANSIT, "ISP-B"),
        (OTHER, "ISP-D"),
    ] {
        c = c.with_isp_token(a, name, &token(a));
    }
    c
}

/// A center serving on an ephemeral loopback port.
struct Running {
    url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    async fn start(cfg: &CenterConfig, dispatcher: Arc<dyn TraceDispatcher>) -> Running {
        let center = Center::open(cfg, dispatcher).await.expect("open center");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (stop, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(serve(center, listener, async move {
            let _ = rx.await;
        }));
        Running {
            url,
            stop: Some(stop),
            task,
        }
    }

    fn client(&self, a: Asn) -> CenterClient {
        CenterClient::new(&self.url, &token(a)).unwrap()
    }

    async fn shutdown(mut self) {
        let _ = self.stop.take().unwrap().send(());
        tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .expect("graceful shutdown")
            .unwrap()
            .unwrap();
    }
}

fn digest_request(d: Digest) -> SearchRequest {
    SearchRequest::Digest {
        digest: d,
        seen_at: Timestamp::from_secs(1_700_000_000),
        tolerance_ms: Some(1500),
    }
}

fn path_report() -> PathReport {
    PathReport {
        origins: vec![ORIGIN],
        paths: vec![vec![VICTIM, TRANSIT, ORIGIN]],
        statuses: vec![
            AsStatusEntry {
                asn: VICTIM,
                status: "Destination".into(),
                detail: serde_json::Value::Null,
            },
            AsStatusEntry {
                asn: TRANSIT,
                status: "Transit".into(),
                detail: serde_json::json!({"degree": 100}),
            },
            AsStatusEntry {
                asn: ORIGIN,
                status: "Source".into(),
                detail: serde_json::Value::Null,
            },
        ],
        conflicts: vec![],
    }
}

async fn wait_status(c: &CenterClient, id: traceback_net::center::model::SearchId, s: SearchStatus) {
    for _ in 0..500 {
        if c.search(id).await.unwrap().status == s {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("search {id} never reached {s}");
}

fn api_status(e: ClientError) -> (u16, String) {
    match e {
        ClientError::Api { status, error, .. } => (status, error),
        other => panic!("expected an API error, got {other}"),
    }
}

/// The whole operator flow: search -> trace (interconnect reports) -> origin
/// named -> countermeasure -> ack, with visibility and token checks on the way.
#[tokio::test]
async fn digest_search_trace_countermeasure_ack() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&dir.path().join("center.sqlite3"));
    let srv = Running::start(&cfg, Arc::new(AwaitReport)).await;
    let (victim, origin, transit, other) = (
        srv.client(VICTIM),
        srv.client(ORIGIN),
        srv.client(TRANSIT),
        srv.client(OTHER),
    );

    let digest = Digest([0x5a; 16]);
    let sub = victim.submit_search(&digest_request(digest)).await.unwrap();
    assert_eq!(sub.status, SearchStatus::Queued);
    assert_eq!(sub.digest, digest);
    wait_status(&victim, sub.id, SearchStatus::Running).await;

    // The victim ISP's interconnect polls for its work and finds this search.
    let jobs = victim.jobs().await.unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].search_id, sub.id);
    assert_eq!(jobs[0].evidence.digest, digest);
    assert_eq!(jobs[0].evidence.before, Duration::from_millis(1500));
    assert!(origin.jobs().await.unwrap().is_empty());

    // Nobody else may see the search or report for it.
    assert_eq!(api_status(other.search(sub.id).await.unwrap_err()).0, 404);
    let report = ReportSubmission {
        search_id: sub.id,
        report: path_report(),
    };
    assert_eq!(
        api_status(origin.report(&report).await.unwrap_err()),
        (403, "forbidden".into())
    );
    // A path that does not start at the victim is refused.
    let mut bad = report.clone();
    bad.report.paths = vec![vec![TRANSIT, ORIGIN]];
    assert_eq!(api_status(victim.report(&bad).await.unwrap_err()).0, 422);

    let done = victim.report(&report).await.unwrap();
    assert_eq!(done.status, SearchStatus::Done);
    assert_eq!(api_status(victim.report(&report).await.unwrap_err()).0, 409);

    let view = victim
        .wait_for(sub.id, Duration::from_millis(20), Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(view.source, SourceKind::Digest);
    assert_eq!(view.tolerance_ms, 1500);
    let rec = view.result.expect("a done search has its path record");
    assert_eq!(rec.report, path_report());
    assert_eq!(rec.victim, VICTIM);
    assert!(view.finished_at.is_some());

    // Records: the victim and the ASes on the path see it, others do not.
    assert_eq!(victim.records(&RecordFilter::default()).await.unwrap().len(), 1);
    assert_eq!(transit.records(&RecordFilter::default()).await.unwrap().len(), 1);
    assert!(other.records(&RecordFilter::default()).await.unwrap().is_empty());
    let f = RecordFilter {
        origin: Some(TRANSIT),
        ..RecordFilter::default()
    };
    assert!(victim.records(&f).await.unwrap().is_empty());

    // Countermeasure: only the submitter may ask, only the origin may be asked.
    let ask = CountermeasureRequest {
        action: "drop UDP from customer edge to 10.10.10.10".into(),
        target: None,
    };
    assert_eq!(
        api_status(origin.send_countermeasure(sub.id, &ask).await.unwrap_err()).0,
        403
    );
    let wrong_target = CountermeasureRequest {
        target: Some(TRANSIT),
        ..ask.clone()
    };
    assert_eq!(
        api_status(
            victim
                .send_countermeasure(sub.id, &wrong_target)
                .await
                .unwrap_err()
        )
        .0,
        422
    );
    let cm = victim.send_countermeasure(sub.id, &ask).await.unwrap();
    assert_eq!(cm.target, ORIGIN);
    assert_eq!(cm.status, CountermeasureStatus::Sent);
    assert_eq!(cm.digest, digest);

    let inbox = origin.inbox(true).await.unwrap();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].id, cm.id);
    assert_eq!(inbox[0].action, ask.action);
    assert!(transit.inbox(false).await.unwrap().is_empty());
    // The origin operator can open the search the request refers to.
    assert_eq!(origin.search(sub.id).await.unwrap().id, sub.id);

    // Only the targeted ISP's token may acknowledge.
    assert_eq!(api_status(victim.ack(cm.id, None).await.unwrap_err()).0, 403);
    assert_eq!(api_status(transit.ack(cm.id, None).await.unwrap_err()).0, 403);
    let acked = origin.ack(cm.id, Some("filter installed".into())).await.unwrap();
    assert_eq!(acked.status, CountermeasureStatus::Acknowledged);
    assert_eq!(acked.acked_by, Some(ORIGIN));
    assert_eq!(acked.note.as_deref(), Some("filter installed"));
    assert!(acked.acked_at.is_some());
    assert_eq!(api_status(origin.ack(cm.id, None).await.unwrap_err()).0, 409);
    assert!(origin.inbox(true).await.unwrap().is_empty());
    assert_eq!(origin.inbox(false).await.unwrap().len(), 1);

    // The audit log recorded who did what.
    let actions = |v: Vec<traceback_net::center::model::AuditEntry>| -> Vec<String> {
        v.into_iter().map(|e| e.action).collect()
    };
    assert_eq!(
        actions(victim.audit().await.unwrap()),
        [
            "search.submit",
            "search.done",
            "countermeasure.send",
            "countermeasure.ack_denied"
        ]
    );
    assert_eq!(
        actions(origin.audit().await.unwrap()),
        ["report.denied", "countermeasure.ack"]
    );
    assert_eq!(
        actions(transit.audit().await.unwrap()),
        ["countermeasure.ack_denied"]
    );
    srv.shutdown().await;
}

#[tokio::test]
async fn tokens_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&dir.path().join("center.sqlite3"));
    let srv = Running::start(&cfg, Arc::new(AwaitReport)).await;
    let wrong = CenterClient::new(&srv.url, "not-a-member-token").unwrap();
    let e = wrong
        .submit_search(&digest_request(Digest([1; 16])))
        .await
        .unwrap_err();
    assert_eq!(api_status(e), (401, "unauthorized".into()));
    // No Authorization header, and a non-Bearer scheme.
    let http = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<http_body_util::Full<hyper::body::Bytes>>();
    for auth in [
        None,
        Some("Basic dXNlcjpwYXNz"),
        Some("Bearer "),
        Some("bearer token-of-64500-0123456789abcdeX"),
    ] {
        let mut b = hyper::Request::get(format!("{}/v1/records", srv.url));
        if let Some(a) = auth {
            b = b.header("authorization", a);
        }
        let resp = http.request(b.body(Default::default()).unwrap()).await.unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{auth:?}");
        assert!(resp.headers().contains_key("www-authenticate"));
        use http_body_util::BodyExt;
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        let e: ErrorBody = serde_json::from_slice(&body).unwrap();
        assert_eq!(e.error, "unauthorized");
    }
    // Nothing was stored for the rejected submission.
    assert!(srv.client(VICTIM).jobs().await.unwrap().is_empty());
    srv.shutdown().await;
}

#[tokio::test]
async fn hostile_bodies_get_json_errors() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&dir.path().join("center.sqlite3"));
    let srv = Running::start(&cfg, Arc::new(AwaitReport)).await;
    let c = srv.client(VICTIM);
    let cases: Vec<(Method, &str, Vec<u8>, u16, &str)> = vec![
        (
            Method::POST,
            "/v1/searches",
            vec![b'{'; 64 * 1024],
            413,
            "body_too_large",
        ),
        (
            Method::POST,
            "/v1/searches",
            b"{\"digest\": ".to_vec(),
            400,
            "bad_json",
        ),
        (
            Method::POST,
            "/v1/searches",
            vec![0xff, 0xfe, 0x00],
            400,
            "bad_json",
        ),
        (Method::POST, "/v1/searches", b"[]".to_vec(), 400, "bad_json"),
        (
            Method::POST,
            "/v1/searches",
            br#"{"digest":"ab","seen_at":1,"evil":1}"#.to_vec(),
            400,
            "bad_json",
        ),
        (
            Method::POST,
            "/v1/searches",
            b"{}".to_vec(),
            422,
            "invalid_search",
        ),
        (
            Method::POST,
            "/v1/searches",
            br#"{"digest":"xyz","seen_at":1}"#.to_vec(),
            422,
            "invalid_search",
        ),
        (
            Method::POST,
            "/v1/searches",
            br#"{"digest":"00112233445566778899aabbccddeeff","seen_at":"noon"}"#.to_vec(),
            422,
            "invalid_search",
        ),
        (
            Method::POST,
            "/v1/searches",
            br#"{"digest":"00112233445566778899aabbccddeeff","seen_at":-1}"#.to_vec(),
            400,
            "bad_json",
        ),
        (
            Method::POST,
            "/v1/searches",
            br#"{"digest":"00112233445566778899aabbccddeeff","seen_at":1,"tolerance_ms":99999999999}"#
                .to_vec(),
            422,
            "invalid_search",
        ),
        (
            Method::POST,
            "/v1/searches",
            br#"{"packet_hex":"45zz","linktype":101,"seen_at":1}"#.to_vec(),
            422,
            "invalid_search",
        ),
        (
            Method::POST,
            "/v1/searches",
            br#"{"packet_hex":"450","linktype":101,"seen_at":1}"#.to_vec(),
            422,
            "invalid_search",
        ),
        (
            Method::POST,
            "/v1/searches",
            br#"{"packet_hex":"","linktype":101,"seen_at":1}"#.to_vec(),
            422,
            "invalid_search",
        ),
        (
            Method::POST,
            "/v1/searches",
            br#"{"packet_hex":"4500","seen_at":1}"#.to_vec(),
            422,
            "invalid_search",
        ),
        (
            Method::POST,
            "/v1/searches",
            br#"{"packet_hex":"4500","linktype":4294967295,"seen_at":1}"#.to_vec(),
            422,
            "invalid_search",
        ),
        (
            Method::POST,
            "/v1/searches",
            br#"{"packet_hex":"4500","linktype":-1,"seen_at":1}"#.to_vec(),
            400,
            "bad_json",
        ),
        (
            Method::POST,
            "/v1/searches",
            br#"{"digest":"00112233445566778899aabbccddeeff","packet_hex":"45","seen_at":1}"#.to_vec(),
            422,
            "invalid_search",
        ),
        (
            Method::POST,
            "/v1/reports",
            b"{\"search_id\":\"x\"}".to_vec(),
            400,
            "bad_json",
        ),
        (
            Method::POST,
            "/v1/reports",
            br#"{"search_id":99,"report":{"origins":[],"paths":[]}}"#.to_vec(),
            404,
            "not_found",
        ),
        (
            Method::POST,
            "/v1/searches/abc/countermeasures",
            b"{}".to_vec(),
            400,
            "bad_id",
        ),
        (
            Method::POST,
            "/v1/searches/-3/countermeasures",
            b"{}".to_vec(),
            400,
            "bad_id",
        ),
        (
            Method::POST,
            "/v1/searches/1/countermeasures",
            b"{\"action\":1}".to_vec(),
            400,
            "bad_json",
        ),
        (
            Method::POST,
            "/v1/countermeasures/1/ack",
            b"nonsense".to_vec(),
            400,
            "bad_json",
        ),
        (
            Method::POST,
            "/v1/countermeasures/1/ack",
            b"".to_vec(),
            404,
            "not_found",
        ),
        (
            Method::GET,
            "/v1/searches/99999999999999999999999",
            vec![],
            400,
            "bad_id",
        ),
        (Method::GET, "/v1/searches/7", vec![], 404, "not_found"),
        (Method::GET, "/v1/records?limit=lots", vec![], 400, "bad_query"),
        (Method::GET, "/v1/records?drop=table", vec![], 400, "bad_query"),
        (Method::GET, "/v1/nowhere", vec![], 404, "not_found"),
        (Method::DELETE, "/v1/searches", vec![], 405, "method_not_allowed"),
    ];
    for (method, path, body, status, code) in cases {
        let (got, answer) = c.raw(method.clone(), path, body).await.unwrap();
        let e: ErrorBody = serde_json::from_slice(&answer)
            .unwrap_or_else(|_| panic!("{method} {path}: not a JSON error: {answer:?}"));
        assert_eq!(
            (got.as_u16(), e.error.as_str()),
            (status, code),
            "{method} {path}: {}",
            e.detail
        );
        assert!(!e.detail.is_empty());
    }
    // The center is still up and stored nothing.
    let (ok, _) = c.raw(Method::GET, "/v1/health", vec![]).await.unwrap();
    assert_eq!(ok, StatusCode::OK);
    assert!(c.records(&RecordFilter::default()).await.unwrap().is_empty());
    assert!(c.audit().await.unwrap().is_empty());
    srv.shutdown().await;
}

/// A raw IPv4/UDP packet (link type RAW) as an attacker with a forged source would send it.
fn udp_packet() -> Vec<u8> {
    let mut p = vec![
        0x45, 0x00, 0x00, 0x24, 0x12, 0x34, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00, 198, 51, 100, 7, 10, 10, 10,
        10,
    ];
    p.extend_from_slice(&[0x00, 0xa1, 0x0c, 0xe3, 0x00, 0x10, 0x00, 0x00]);
    p.extend_from_slice(b"flood!!!");
    p
}

#[tokio::test]
async fn packet_search_is_digested_like_a_collector_does() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&dir.path().join("center.sqlite3"));
    let srv = Running::start(&cfg, Arc::new(AwaitReport)).await;
    let c = srv.client(VICTIM);
    let pkt = udp_packet();
    let digester = Blake3Digester::new(DigestProfile::V1, &FederationSecret::from_passphrase(PASS)).unwrap();
    let expected = digester.digest_frame(LinkType::RAW, &pkt).digest;
    let req = SearchRequest::Packet {
        packet_hex: hex::encode(&pkt),
        linktype: LinkType::RAW.0,
        seen_at: Timestamp::from_secs(1_700_000_123),
        tolerance_ms: None,
    };
    let d = expected.expect("the core digests a whole IPv4/UDP packet");
    let sub = c.submit_search(&req).await.unwrap();
    assert_eq!(sub.digest, d);
    let v = c.search(sub.id).await.unwrap();
    assert_eq!(v.source, SourceKind::Packet);
    assert_eq!(v.digest, d);
    assert_eq!(v.profile, DigestProfile::V1);
    assert_eq!(v.tolerance_ms, 2000);
    // A different federation secret would give another digest.
    let foreign = Blake3Digester::new(DigestProfile::V1, &FederationSecret::from_passphrase("x"))
        .unwrap()
        .digest_frame(LinkType::RAW, &pkt)
        .digest;
    assert_ne!(foreign, Some(d));
    // The same packet behind an Ethernet header gives the same digest.
    let mut eth = vec![0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x08, 0x00];
    eth.extend_from_slice(&pkt);
    let sub = c
        .submit_search(&SearchRequest::Packet {
            packet_hex: hex::encode(&eth),
            linktype: LinkType::ETHERNET.0,
            seen_at: Timestamp::from_secs(1_700_000_123),
            tolerance_ms: None,
        })
        .await
        .unwrap();
    assert_eq!(sub.digest, d);
    // A truncated packet yields no digest: 422 with the parser's verdict.
    let e = c
        .submit_search(&SearchRequest::Packet {
            packet_hex: hex::encode(&pkt[..24]),
            linktype: LinkType::RAW.0,
            seen_at: Timestamp::from_secs(1),
            tolerance_ms: None,
        })
        .await
        .unwrap_err();
    assert_eq!(api_status(e), (422, "invalid_search".into()));
    srv.shutdown().await;
}

#[tokio::test]
async fn unanswered_trace_times_out() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&dir.path().join("center.sqlite3")).with_trace_timeout(Duration::from_millis(300));
    let srv = Running::start(&cfg, Arc::new(AwaitReport)).await;
    let c = srv.client(VICTIM);
    let sub = c.submit_search(&digest_request(Digest([9; 16]))).await.unwrap();
    let v = c
        .wait_for(sub.id, Duration::from_millis(50), Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(v.status, SearchStatus::Failed);
    assert!(v.error.unwrap().contains("no path report"));
    assert!(v.result.is_none());
    // A late report is refused: the search is finished.
    let late = ReportSubmission {
        search_id: sub.id,
        report: path_report(),
    };
    assert_eq!(api_status(c.report(&late).await.unwrap_err()).0, 409);
    srv.shutdown().await;
}

#[tokio::test]
async fn restart_keeps_records_and_resumes_unfinished_searches() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("center.sqlite3");
    let cfg = config(&db);

    let srv = Running::start(&cfg, Arc::new(AwaitReport)).await;
    let c = srv.client(VICTIM);
    let finished = c.submit_search(&digest_request(Digest([1; 16]))).await.unwrap();
    wait_status(&c, finished.id, SearchStatus::Running).await;
    c.report(&ReportSubmission {
        search_id: finished.id,
        report: path_report(),
    })
    .await
    .unwrap();
    let cm = c
        .send_countermeasure(
            finished.id,
            &CountermeasureRequest {
                action: "rate-limit".into(),
                target: Some(ORIGIN),
            },
        )
        .await
        .unwrap();
    let open = c.submit_search(&digest_request(Digest([2; 16]))).await.unwrap();
    wait_status(&c, open.id, SearchStatus::Running).await;
    let audit_before = c.audit().await.unwrap();
    srv.shutdown().await;

    // Same file, new process state.
    let srv = Running::start(&cfg, Arc::new(AwaitReport)).await;
    let c = srv.client(VICTIM);
    let v = c.search(finished.id).await.unwrap();
    assert_eq!(v.status, SearchStatus::Done);
    assert_eq!(v.result.unwrap().report, path_report());
    assert_eq!(c.records(&RecordFilter::default()).await.unwrap().len(), 1);
    assert_eq!(srv.client(ORIGIN).inbox(true).await.unwrap()[0].id, cm.id);
    assert_eq!(&c.audit().await.unwrap()[..audit_before.len()], &audit_before[..]);
    // The search left running is handed out again and can be finished.
    wait_status(&c, open.id, SearchStatus::Running).await;
    assert_eq!(
        c.jobs()
            .await
            .unwrap()
            .iter()
            .map(|j| j.search_id)
            .collect::<Vec<_>>(),
        [open.id]
    );
    let done = c
        .report(&ReportSubmission {
            search_id: open.id,
            report: path_report(),
        })
        .await
        .unwrap();
    assert_eq!(done.status, SearchStatus::Done);
    // New ids continue after the old ones.
    let next = c.submit_search(&digest_request(Digest([3; 16]))).await.unwrap();
    assert!(next.id > open.id);
    srv.shutdown().await;
}

/// The in-process InterTrack federation of the core: victim C -> transit B -> source A,
/// plus the uninvolved D that never saw the packet.
fn federation() -> traceback_core::intertrack::harness::Federation {
    use traceback_core::intertrack::harness::{Federation, LinkModel, StaticLocator};
    use traceback_core::intertrack::{Interconnect, InterconnectConfig};
    use traceback_core::Ingress;
    let node = |asn: Asn, neighbors: &[Asn], ingress: Vec<Ingress>| {
        Interconnect::new(
            InterconnectConfig::new(asn).with_neighbors(neighbors.iter().copied()),
            Box::new(StaticLocator::always(ingress)),
        )
        .expect("valid interconnect config")
    };
    let border = |n: Asn| Ingress::Border {
        neighbor: n,
        link: format!("xe-0/0/{}", n.0),
    };
    let model = LinkModel::uniform(Duration::from_millis(5), Duration::from_millis(40));
    let mut f = Federation::new(7, model, Timestamp::from_secs(1_600_000_000));
    for n in [
        node(VICTIM, &[TRANSIT, OTHER], vec![border(TRANSIT)]),
        node(TRANSIT, &[ORIGIN, VICTIM], vec![border(ORIGIN)]),
        node(
            ORIGIN,
            &[TRANSIT],
            vec![Ingress::Customer {
                edge: "cust-17".into(),
            }],
        ),
        node(OTHER, &[VICTIM], vec![]),
    ] {
        f.add(n).expect("distinct ASes");
    }
    f
}

/// The center drives real InterTrack interconnects (the core's state
/// machines in the seeded harness) through the dispatcher and names the origin.
#[tokio::test]
async fn traced_through_intertrack_federation() {
    use traceback_net::center::FederationDispatcher;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&dir.path().join("center.sqlite3"));
    let srv = Running::start(&cfg, Arc::new(FederationDispatcher::new(federation(), 100_000))).await;
    let victim = srv.client(VICTIM);
    let sub = victim
        .submit_search(&digest_request(Digest([0x77; 16])))
        .await
        .unwrap();
    let v = victim
        .wait_for(sub.id, Duration::from_millis(20), Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(v.status, SearchStatus::Done, "{:?}", v.error);
    let rec = v.result.unwrap();
    assert_eq!(rec.report.origins, [ORIGIN]);
    assert_eq!(rec.report.paths, [vec![VICTIM, TRANSIT, ORIGIN]]);
    assert_eq!(rec.reported_by, VICTIM);
    let status_of = |a: Asn| {
        rec.report
            .statuses
            .iter()
            .find(|s| s.asn == a)
            .map(|s| s.status.clone())
    };
    assert_eq!(status_of(VICTIM).as_deref(), Some("destination"));
    assert_eq!(status_of(TRANSIT).as_deref(), Some("transit"));
    assert_eq!(status_of(ORIGIN).as_deref(), Some("source"));
    assert!(rec.report.conflicts.is_empty(), "{:?}", rec.report.conflicts);

    // The origin's operator gets the countermeasure request and acknowledges it.
    let cm = victim
        .send_countermeasure(
            sub.id,
            &CountermeasureRequest {
                action: "block the spoofing customer cust-17".into(),
                target: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(cm.target, ORIGIN);
    let origin = srv.client(ORIGIN);
    assert_eq!(origin.inbox(true).await.unwrap().len(), 1);
    origin.ack(cm.id, None).await.unwrap();

    // A search from an ISP with no interconnect in the federation fails cleanly.
    let mut cfg2 = config(&dir.path().join("other.sqlite3"));
    cfg2 = cfg2.with_isp_token(Asn(65000), "ISP-X", &token(Asn(65000)));
    let srv2 = Running::start(&cfg2, Arc::new(FederationDispatcher::new(federation(), 100_000))).await;
    let x = srv2.client(Asn(65000));
    let sub = x.submit_search(&digest_request(Digest([1; 16]))).await.unwrap();
    let v = x
        .wait_for(sub.id, Duration::from_millis(20), Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(v.status, SearchStatus::Failed);
    assert!(v.error.unwrap().contains("AS65000"));
    srv2.shutdown().await;
    srv.shutdown().await;
}

/// Every recorded Suricata alert: the center digests the alert's `packet`
/// exactly as the core digester does, and takes the alert's time.
#[tokio::test]
async fn eve_alert_searches() {
    use traceback_core::eve::{parse_eve_line, EveEvent};
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&dir.path().join("center.sqlite3"));
    let srv = Running::start(&cfg, Arc::new(AwaitReport)).await;
    let c = srv.client(VICTIM);
    let digester = Blake3Digester::new(DigestProfile::V1, &FederationSecret::from_passphrase(PASS)).unwrap();
    let lines = include_str!("../../testdata/suricata/sample-eve-alerts.jsonl");
    let mut submitted = 0;
    for line in lines.lines().filter(|l| !l.trim().is_empty()) {
        let Ok(EveEvent::Alert(alert)) = parse_eve_line(line.as_bytes()) else {
            panic!("sample line is an alert: {line}");
        };
        let expected = digester
            .digest_frame(alert.link, &alert.packet)
            .digest
            .expect("the sample alerts' packets are digestible");
        let sub = c
            .submit_search(&SearchRequest::Eve {
                eve: line.to_owned(),
                tolerance_ms: Some(500),
            })
            .await
            .unwrap();
        assert_eq!(sub.digest, expected);
        let v = c.search(sub.id).await.unwrap();
        assert_eq!(v.source, SourceKind::Eve);
        assert_eq!(v.seen_at, alert.timestamp);
        assert_eq!(v.tolerance_ms, 500);
        submitted += 1;
    }
    assert!(submitted >= 4, "{submitted} alerts");
    // Not an alert, not JSON, no packet: 422 with the reader's reason.
    for bad in [
        r#"{"timestamp":"2021-04-28T10:30:21.099510+0000","event_type":"flow"}"#,
        "not json at all",
        r#"{"timestamp":"2021-04-28T10:30:21.099510+0000","event_type":"alert","alert":{"signature_id":1,"signature":"x"}}"#,
    ] {
        let e = c
            .submit_search(&SearchRequest::Eve {
                eve: bad.to_owned(),
                tolerance_ms: None,
            })
            .await
            .unwrap_err();
        assert_eq!(api_status(e), (422, "invalid_search".into()), "{bad}");
    }
    srv.shutdown().await;
}

#[tokio::test]
async fn a_half_sent_request_does_not_hold_shutdown() {
    use tokio::io::AsyncWriteExt;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&dir.path().join("center.sqlite3"));
    let srv = Running::start(&cfg, Arc::new(AwaitReport)).await;
    let addr = srv.url.trim_start_matches("http://").to_owned();
    // A client that starts a request and never finishes it.
    let mut held = tokio::net::TcpStream::connect(&addr).await.unwrap();
    held.write_all(b"GET /v1/heal").await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = std::time::Instant::now();
    // `shutdown` allows 10 s; the grace period is 5 s.
    srv.shutdown().await;
    let took = started.elapsed();
    assert!(
        took >= traceback_net::server::SHUTDOWN_GRACE - Duration::from_millis(100),
        "{took:?}"
    );
    drop(held);
}

#[tokio::test]
async fn a_request_head_sent_too_slowly_is_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&dir.path().join("center.sqlite3"));
    let srv = Running::start(&cfg, Arc::new(AwaitReport)).await;
    let addr = srv.url.trim_start_matches("http://").to_owned();
    let mut slow = tokio::net::TcpStream::connect(&addr).await.unwrap();
    slow.write_all(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    // Others are served while the slow head is pending.
    let c = srv.client(VICTIM);
    assert!(c.raw(Method::GET, "/v1/health", vec![]).await.is_ok());
    // The center closes the connection (after an error status, if any)
    // once the head has taken longer than HEADER_READ_TIMEOUT.
    let mut rest = Vec::new();
    let limit = traceback_net::center::api::HEADER_READ_TIMEOUT + Duration::from_secs(5);
    tokio::time::timeout(limit, slow.read_to_end(&mut rest))
        .await
        .expect("the connection is closed")
        .unwrap();
    let took = started.elapsed();
    assert!(
        took >= traceback_net::center::api::HEADER_READ_TIMEOUT - Duration::from_millis(200),
        "{took:?}"
    );
    assert!(
        rest.is_empty() || rest.starts_with(b"HTTP/1.1 408"),
        "{:?}",
        String::from_utf8_lossy(&rest)
    );
    // And after.
    assert!(c.raw(Method::GET, "/v1/health", vec![]).await.is_ok());
    srv.shutdown().await;
}

#[tokio::test]
async fn a_center_that_never_answers_fails_the_call_in_time() {
    // Accepts and holds every connection, reads nothing, answers nothing.
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = l.accept().await {
            held.push(s);
        }
    });
    let limit = Duration::from_millis(300);
    let c = CenterClient::new(&url, &token(VICTIM))
        .unwrap()
        .with_request_timeout(limit);
    let started = std::time::Instant::now();
    let e = c.jobs().await.expect_err("no answer");
    let took = started.elapsed();
    assert!(took >= limit && took < limit * 10, "{took:?}");
    let text = e.to_string();
    assert!(matches!(e, ClientError::Http(_)), "{e:?}");
    assert!(
        text.contains(&url) && text.contains("/v1/jobs") && text.contains("300ms"),
        "{text}"
    );
}

#[tokio::test]
async fn a_stalled_request_body_gets_408_and_is_closed() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&dir.path().join("center.sqlite3"));
    let srv = Running::start(&cfg, Arc::new(AwaitReport)).await;
    let addr = srv.url.trim_start_matches("http://").to_owned();
    let mut slow = tokio::net::TcpStream::connect(&addr).await.unwrap();
    // A whole head promising 100 bytes of body, then 5 of them.
    slow.write_all(
        format!(
            "POST /v1/searches HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"ki",
            token(VICTIM)
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let started = std::time::Instant::now();
    let timeout = traceback_net::center::api::REQUEST_TIMEOUT;
    let mut answer = Vec::new();
    tokio::time::timeout(timeout + Duration::from_secs(5), slow.read_to_end(&mut answer))
        .await
        .expect("the connection is closed")
        .unwrap();
    let took = started.elapsed();
    assert!(took >= timeout - Duration::from_millis(200), "{took:?}");
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("request_timeout"), "{text}");
    // Others are served meanwhile and after.
    let c = srv.client(VICTIM);
    assert!(c.raw(Method::GET, "/v1/health", vec![]).await.is_ok());
    srv.shutdown().await;
}
