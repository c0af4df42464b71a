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
    ] {
        copy_example(f, d);
    }
    std::fs::write(d.join("federation.key"), "11".repeat(32)).unwrap();
    std::fs::write(d.join("as64500.token"), "dev-only-token-at-least-16-chars\n").unwrap();
    traceback_net::tls::write_federation(&d.join("pki"), &[Asn(64500)]).unwrap();

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
