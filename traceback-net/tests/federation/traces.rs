//! Traces across a three-ISP federation over real TCP and mutual TLS:
//! victim AS64500 ← transit AS64502 ← source AS64501.

use crate::isp::*;
use std::time::{Duration, Instant};
use traceback_core::intertrack::{
    AsStatus, HopLimit, Message as ItMessage, PeerPolicy, Policy, RateLimit, RefusalReason, RequestId,
    TraceRequest, VisitedList,
};
use traceback_core::proto::{Hello, Message, PeerMsg, Role};
use traceback_core::{Asn, Timestamp};
use traceback_net::conn::{dial, Transport};
use traceback_net::tls::{DevCa, TlsFiles, TlsIdentity};

pub(crate) const VICTIM: Asn = Asn(64500);
pub(crate) const SOURCE: Asn = Asn(64501);
pub(crate) const TRANSIT: Asn = Asn(64502);

pub(crate) fn line(victim: Tuning, transit: Tuning, source: Tuning) -> Vec<(IspSpec, Tuning)> {
    vec![
        (
            IspSpec {
                asn: VICTIM,
                borders: vec![TRANSIT],
                customers: vec!["victim"],
                saw_attack: vec![border(TRANSIT), "victim".into()],
            },
            victim,
        ),
        (
            IspSpec {
                asn: TRANSIT,
                borders: vec![VICTIM, SOURCE],
                customers: vec!["cust"],
                saw_attack: vec![border(VICTIM), border(SOURCE)],
            },
            transit,
        ),
        (
            IspSpec {
                asn: SOURCE,
                borders: vec![TRANSIT],
                customers: vec!["attacker"],
                saw_attack: vec![border(TRANSIT), "attacker".into()],
            },
            source,
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trace_finds_the_source_across_three_isps() {
    let dir = tempfile::tempdir().unwrap();
    let isps = federation(
        dir.path(),
        line(Tuning::default(), Tuning::default(), Tuning::default()),
    )
    .await;
    let victim = &isps[0].interconnect.handle;
    let started = Instant::now();
    let id = victim.start_trace(evidence(), HopLimit::MAX).await.unwrap();
    let tree = victim
        .wait_finished(id, Duration::from_secs(15))
        .await
        .expect("trace finishes");
    assert_eq!(tree.origins(), vec![SOURCE], "{tree:?}");
    assert_eq!(tree.paths()[&SOURCE], vec![VICTIM, TRANSIT, SOURCE]);
    assert_eq!(tree.status(TRANSIT), Some(AsStatus::Transit));
    assert_eq!(tree.status(SOURCE), Some(AsStatus::Source));
    assert!(tree.is_complete());
    let report = traceback_net::interconnect::report_of(&tree);
    assert_eq!(report.origins, vec![SOURCE]);
    assert_eq!(report.paths, vec![vec![VICTIM, TRANSIT, SOURCE]]);
    eprintln!("end-to-end trace over 3 ISPs took {:?}", started.elapsed());
    for isp in isps {
        isp.interconnect.stop().await;
        isp.control.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_neighbour_killed_mid_trace_is_unknown_and_the_trace_completes() {
    let dir = tempfile::tempdir().unwrap();
    let victim_tuning = Tuning {
        branch_timeout: Duration::from_millis(1500),
        ..Tuning::default()
    };
    // The transit's collectors hang, so its answer is still pending when it dies.
    let transit_tuning = Tuning {
        silent_collectors: true,
        question_timeout: Duration::from_secs(3),
        ..Tuning::default()
    };
    let mut isps = federation(dir.path(), line(victim_tuning, transit_tuning, Tuning::default())).await;
    let victim = isps[0].interconnect.handle.clone();
    let started = Instant::now();
    let id = victim.start_trace(evidence(), HopLimit::MAX).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let transit = isps.remove(1);
    transit.interconnect.stop().await;
    let tree = victim
        .wait_finished(id, Duration::from_secs(10))
        .await
        .expect("trace completes without the transit");
    let took = started.elapsed();
    assert!(
        matches!(tree.status(TRANSIT), Some(AsStatus::Unknown(_))),
        "{tree:?}"
    );
    assert!(tree.origins().is_empty());
    assert!(took < Duration::from_secs(6), "finished after {took:?}");
    eprintln!(
        "trace with a dead neighbour finished in {took:?}: {:?}",
        tree.status(TRANSIT)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_over_its_rate_limit_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let strict = Policy::default().with_peer(
        VICTIM,
        PeerPolicy::DEFAULT.with_rate(RateLimit::per_second(1).with_burst(1)),
    );
    let transit_tuning = Tuning {
        policy: strict,
        ..Tuning::default()
    };
    let isps = federation(
        dir.path(),
        line(Tuning::default(), transit_tuning, Tuning::default()),
    )
    .await;
    let victim = &isps[0].interconnect.handle;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(victim.start_trace(evidence(), HopLimit::MAX).await.unwrap());
    }
    let mut statuses = Vec::new();
    for id in ids {
        let tree = victim
            .wait_finished(id, Duration::from_secs(15))
            .await
            .expect("finishes");
        statuses.push(tree.status(TRANSIT));
    }
    let refused = statuses
        .iter()
        .filter(|s| **s == Some(AsStatus::Refused(RefusalReason::RateLimit)))
        .count();
    assert!(refused >= 1, "{statuses:?}");
    assert!(statuses.contains(&Some(AsStatus::Transit)), "{statuses:?}");
    let stats = isps[1].interconnect.handle.stats().await.unwrap();
    assert_eq!(stats.rate_limited as usize, refused);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_looping_request_is_cut_and_foreign_certificates_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let isps = federation(
        dir.path(),
        line(Tuning::default(), Tuning::default(), Tuning::default()),
    )
    .await;
    let transit = &isps[1].interconnect;
    // Speak as AS64501 (a neighbour of the transit, with its real certificate)
    // and send a request that already visited the transit.
    let pki = dir.path().join("pki");
    let me = TlsIdentity::load(&TlsFiles::in_dir(&pki, SOURCE)).unwrap();
    let transport = Transport::Tls {
        connector: me.connector().unwrap(),
        asn: TRANSIT,
    };
    let hello = Hello::new(Role::Interconnect, SOURCE, "loop test");
    let mut conn = dial(transit.addr, &transport, limits(), &hello, Role::Interconnect)
        .await
        .unwrap();
    let id = RequestId::new(VICTIM, Timestamp::from_secs(T), 77);
    let visited = VisitedList::new(vec![VICTIM, TRANSIT, SOURCE]).unwrap();
    let req = TraceRequest::new(id, evidence(), HopLimit::MAX, visited, SOURCE);
    conn.send(&Message::Peer(PeerMsg::InterTrack(ItMessage::Request(req))))
        .await
        .unwrap();
    let mut loops = 0;
    for _ in 0..50 {
        let stats = transit.handle.stats().await.unwrap();
        loops = stats.loops;
        if loops > 0 {
            assert_eq!(stats.forwarded, 0, "a looping request is not forwarded");
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(loops, 1);

    // A certificate for AS64501 from another CA gets no session.
    let rogue_ca = DevCa::generate("rogue").unwrap();
    let issued = rogue_ca.issue(SOURCE, &[]).unwrap();
    let ca = std::fs::read(pki.join("ca.pem")).unwrap();
    let rogue = TlsIdentity::from_pem(&ca, issued.cert_pem.as_bytes(), issued.key_pem.as_bytes()).unwrap();
    let transport = Transport::Tls {
        connector: rogue.connector().unwrap(),
        asn: TRANSIT,
    };
    assert!(
        dial(transit.addr, &transport, limits(), &hello, Role::Interconnect)
            .await
            .is_err()
    );
    let stats = transit.handle.stats().await.unwrap();
    assert_eq!(
        stats.requests, 1,
        "the rogue's connection never reached the state machine"
    );
}
