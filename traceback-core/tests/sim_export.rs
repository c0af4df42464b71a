//! The exported data plane: per-collector captures and IDS alerts that real
//! programs can replay, consistent with each other.

use traceback_core::capture::CaptureReader;
use traceback_core::digest::{Blake3Digester, Digester};
use traceback_core::eve::{parse_eve_line, EveEvent};
use traceback_core::sim::export::export;
use traceback_core::sim::scenario::{Captures, ScenarioConfig, TopologyChoice};
use traceback_core::sim::AsGraph;
use traceback_core::DigestProfile;

const FLOOD: &[u8] = include_bytes!("../../testdata/pcaps/stopddos_pkt.TCP.synflood.spoofed.pcap");
const BACKGROUND: &[&[u8]] = &[include_bytes!("../../testdata/pcaps/zeek_wikipedia.pcap")];

#[test]
fn field_trial_subsets_keep_the_roles_connected() {
    for n in 6..=15 {
        let g = AsGraph::field_trial_subset(n).unwrap();
        assert_eq!(g.len(), n);
        for name in ["ISP-A", "ISP-B", "ISP-C"] {
            let i = g.index_of_name(name).unwrap();
            assert!(g.degree(i) > 0, "{name} isolated at n={n}");
        }
    }
    assert!(AsGraph::field_trial_subset(5).is_err());
    assert!(AsGraph::field_trial_subset(16).is_err());
}

#[test]
fn alerts_digest_like_the_packets_the_victims_edge_collector_saw() {
    let cfg = ScenarioConfig {
        topology: TopologyChoice::FieldTrialSubset(6),
        attack_packets: 300,
        background_packets: 100,
        ..ScenarioConfig::default()
    };
    let dp = export(
        &cfg,
        Captures {
            attack: FLOOD,
            background: BACKGROUND,
        },
    )
    .unwrap();
    assert_eq!(dp.isps.len(), 6);
    assert_eq!(dp.alerts.len(), 5);
    assert_eq!(dp.true_path.first(), Some(&dp.victim));
    assert_eq!(dp.true_path.last(), Some(&dp.attacker));
    let digester = Blake3Digester::new(DigestProfile::V1, &cfg.secret).unwrap();
    let victim = dp.isps.iter().find(|i| i.asn == dp.victim).unwrap();
    // The victim's customer edge 0 collector saw every attack packet.
    let edge = victim
        .captures
        .get("col-customer-0")
        .expect("collector on the victim's edge");
    let mut seen = std::collections::BTreeSet::new();
    let mut r = CaptureReader::new(&edge[..]).unwrap();
    while let Some(rec) = r.next_record().unwrap() {
        if let Some(d) = digester.digest_frame(rec.link, rec.data).digest {
            seen.insert(d);
        }
    }
    assert!(seen.len() >= 300, "{}", seen.len());
    for line in &dp.alerts {
        let EveEvent::Alert(a) = parse_eve_line(line.as_bytes()).unwrap() else {
            panic!("not an alert")
        };
        assert_eq!(a.signature_id, 9_000_002);
        let d = digester.digest_frame(a.link, &a.packet).digest.unwrap();
        assert!(seen.contains(&d), "alerted packet not seen at the victim's edge");
    }
    // Every capture of every collector reads back whole.
    for isp in &dp.isps {
        for (id, bytes) in &isp.captures {
            let mut r = CaptureReader::new(&bytes[..]).unwrap();
            while r.next_record().unwrap_or_else(|e| panic!("{id}: {e}")).is_some() {}
        }
    }
}
