//! The main job at CI size: the field trial's first ISPs over real loopback
//! TCP/TLS and a real SQLite file, from IDS alert to acknowledged countermeasure.

use traceback_net::field_trial::{run, FieldTrialConfig};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_field_trial_names_isp_a_over_the_network() {
    let dir = tempfile::tempdir().unwrap();
    let config = FieldTrialConfig {
        isps: 6,
        seed: 3,
        out_dir: dir.path().to_path_buf(),
        attack_packets: 2_000,
        background_packets: 300,
        ..FieldTrialConfig::default()
    };
    let mut lines = Vec::new();
    let report = run(&config, &mut |e| lines.push(e.what.clone())).await.unwrap();
    assert_eq!(report.isps, 6);
    assert_eq!(report.origin_as, Some(report.attacker_as), "{lines:#?}");
    assert_eq!(report.path, report.true_path);
    assert!(report.false_positive_ases.is_empty());
    assert_eq!(
        report.as_status.get(&report.attacker_as).map(String::as_str),
        Some("source")
    );
    let cm = report.countermeasure.as_ref().expect("a countermeasure request");
    assert_eq!(cm.target, report.attacker_as);
    assert!(cm.acknowledged);
    // Everything the run claims is on disk.
    let dot = std::fs::read_to_string(&report.dot_file).unwrap();
    assert!(dot.contains(&format!("\"{}\"", report.attacker_as)));
    assert!(report.db_file.exists());
    assert!(dir.path().join("ids/eve.json").exists());
    // The center's SQLite file holds the record after the programs stopped.
    let db = rusqlite::Connection::open(&report.db_file).unwrap();
    let n: i64 = db
        .query_row("SELECT COUNT(*) FROM path_records", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
}
