//! The example configs under docs/examples/ load.

use std::path::Path;
use traceback_core::Asn;
use traceback_net::collector::CollectorConfig;
use traceback_net::control::ControlNetConfig;
use traceback_net::interconnect::InterconnectNetConfig;

fn copy_example(name: &str, to: &Path) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../docs/examples")
        .join(name);
    std::fs::copy(&src, to.join(name)).unwrap_or_else(|e| panic!("{}: {e}", src.display()));
}

#[test]
fn example_configs_load() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for f in [
        "collector.toml",
        "control.toml",
        "interconnect.toml",
        "topology-as64500.toml",
        "center.toml",
    ] {
        copy_example(f, d);
    }
    traceback_net::secret::write_new(&d.join("federation.key")).unwrap();
    std::fs::write(d.join("as64500.token"), "dev-only-token-at-least-16-chars\n").unwrap();
    traceback_net::tls::write_federation(&d.join("pki"), &[Asn(64500)]).unwrap();
    let center_text = std::fs::read_to_string(d.join("center.toml")).unwrap();
    let center = traceback_net::center::CenterConfig::from_toml(&center_text, d).unwrap();
    assert_eq!(center.isps.len(), 3);
    assert_eq!(center.db_path, d.join("center.sqlite3"));

    let c = CollectorConfig::load(&d.join("collector.toml")).unwrap();
    assert_eq!(c.asn, Asn(64500));
    assert_eq!(c.captures.len(), 1);
    let k = ControlNetConfig::load(&d.join("control.toml")).unwrap();
    assert_eq!(k.collectors.len(), 9);
    let i = InterconnectNetConfig::load(&d.join("interconnect.toml")).unwrap();
    assert_eq!(i.neighbors.len(), 2);
    assert_eq!(i.core.policy.for_peer(Asn(64502)).rate.per_second, 10);
    assert!(i.center.is_some());

    // A typo is an error naming the file, not a silent default.
    let bad = std::fs::read_to_string(d.join("control.toml"))
        .unwrap()
        .replace("algorithm", "algorithmm");
    std::fs::write(d.join("control.toml"), bad).unwrap();
    let e = ControlNetConfig::load(&d.join("control.toml"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("control.toml"), "{e}");
}

/// Values a config loader must refuse, each with an error naming the file
/// and the problem (none starts a program that cannot work as configured).
#[test]
fn bad_values_are_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for f in [
        "collector.toml",
        "control.toml",
        "interconnect.toml",
        "topology-as64500.toml",
    ] {
        copy_example(f, d);
    }
    std::fs::write(d.join("federation.key"), "11".repeat(32)).unwrap();
    std::fs::write(d.join("as64500.token"), "dev-only-token-at-least-16-chars\n").unwrap();
    traceback_net::tls::write_federation(&d.join("pki"), &[Asn(64500), Asn(64501)]).unwrap();
    let edit = |file: &str, from: &str, to: &str| {
        let text = std::fs::read_to_string(d.join(file)).unwrap();
        assert!(text.contains(from), "{file} has no {from:?}");
        let path = d.join(format!("edited-{file}"));
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
        path
    };
    let refused = |e: String, want: &str| assert!(e.contains(want), "{want:?} not in {e:?}");

    // Replay paces that would overflow the clock, or NaN.
    for speed in ["1e-300", "1e300", "nan", "-1.0"] {
        let p = edit("collector.toml", "speed = 1.0", &format!("speed = {speed}"));
        refused(
            CollectorConfig::load(&p).unwrap_err().to_string(),
            "speed must be 0",
        );
    }
    let p = edit("collector.toml", "speed = 1.0", "speed = 0.0");
    assert_eq!(CollectorConfig::load(&p).unwrap().speed, 0.0);

    // An interconnect whose certificate names another AS.
    let p = edit(
        "interconnect.toml",
        "cert = \"pki/as64500.pem\"",
        "cert = \"pki/as64501.pem\"",
    );
    let p2 = std::fs::read_to_string(&p)
        .unwrap()
        .replace("key = \"pki/as64500.key\"", "key = \"pki/as64501.key\"");
    std::fs::write(&p, p2).unwrap();
    refused(
        InterconnectNetConfig::load(&p).unwrap_err().to_string(),
        "does not name AS64500",
    );
    // The same neighbour twice.
    let p = edit(
        "interconnect.toml",
        "[[neighbors]]\nasn = 64502",
        "[[neighbors]]\nasn = 64501",
    );
    refused(
        InterconnectNetConfig::load(&p).unwrap_err().to_string(),
        "listed twice",
    );

    // A control listing a collector twice, or one its topology lacks.
    let p = edit(
        "control.toml",
        "id = \"col-core1-core2\"",
        "id = \"col-edge1-core1\"",
    );
    refused(
        ControlNetConfig::load(&p).unwrap_err().to_string(),
        "listed twice",
    );
    let p = edit("control.toml", "id = \"col-core1-core2\"", "id = \"col-nowhere\"");
    refused(
        ControlNetConfig::load(&p).unwrap_err().to_string(),
        "col-nowhere is not in the topology",
    );
}
