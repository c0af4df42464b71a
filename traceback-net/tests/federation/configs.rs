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

/// The example configs in a temporary directory with what the README's
/// steps generate beside them: a federation secret, AS64500's token, and
/// certificates for `asns`.
fn examples_with_inputs(asns: &[Asn]) -> tempfile::TempDir {
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
    traceback_net::tls::write_federation(&d.join("pki"), asns).unwrap();
    dir
}

#[test]
fn example_configs_load() {
    let dir = examples_with_inputs(&[Asn(64500)]);
    let d = dir.path();
    let center_text = std::fs::read_to_string(d.join("center.toml")).unwrap();
    let center = traceback_net::center::CenterConfig::from_toml(&center_text, d).unwrap();
    assert_eq!(center.isps.len(), 3);
    assert_eq!(center.db_path, d.join("center.sqlite3"));

    let c = CollectorConfig::load(&d.join("collector.toml")).unwrap();
    assert_eq!(c.asn, Asn(64500));
    // The example collector is where the example control looks for it.
    let k = ControlNetConfig::load(&d.join("control.toml")).unwrap();
    let id = traceback_core::topology::CollectorId::from(c.name.clone());
    assert_eq!(k.collectors.get(&id), Some(&c.listen), "{id}");
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
    let dir = examples_with_inputs(&[Asn(64500), Asn(64501)]);
    let d = dir.path();
    // Each case: the example file, one edit, and what the refusal must say.
    let cases: &[(&str, &str, &str, &str)] = &[
        // Replay paces that would overflow the clock, or NaN.
        (
            "collector.toml",
            "speed = 1.0",
            "speed = 1e-300",
            "speed must be 0",
        ),
        (
            "collector.toml",
            "speed = 1.0",
            "speed = 1e300",
            "speed must be 0",
        ),
        ("collector.toml", "speed = 1.0", "speed = nan", "speed must be 0"),
        ("collector.toml", "speed = 1.0", "speed = -1.0", "speed must be 0"),
        // An interconnect whose certificate (and key) name another AS.
        (
            "interconnect.toml",
            "cert = \"pki/as64500.pem\"\nkey = \"pki/as64500.key\"",
            "cert = \"pki/as64501.pem\"\nkey = \"pki/as64501.key\"",
            "does not name AS64500",
        ),
        // The same neighbour twice.
        (
            "interconnect.toml",
            "[[neighbors]]\nasn = 64502",
            "[[neighbors]]\nasn = 64501",
            "listed twice",
        ),
        // A control listing a collector twice, or one its topology lacks.
        (
            "control.toml",
            "id = \"col-core1-core2\"",
            "id = \"col-edge1-core1\"",
            "listed twice",
        ),
        (
            "control.toml",
            "id = \"col-core1-core2\"",
            "id = \"col-nowhere\"",
            "col-nowhere is not in the topology",
        ),
        (
            "control.toml",
            "addr = \"127.0.0.1:7402\"",
            "addr = \"127.0.0.1:7401\"",
            "share the address 127.0.0.1:7401",
        ),
        (
            "control.toml",
            "max_concurrent_traces = 8",
            "max_concurrent_traces = 0",
            "max_concurrent_traces must be at least 1",
        ),
        // An interconnect whose certificate and key do not belong together.
        (
            "interconnect.toml",
            "key = \"pki/as64500.key\"",
            "key = \"pki/as64501.key\"",
            "pki/as64500.pem with",
        ),
    ];
    for &(file, from, to, want) in cases {
        let text = std::fs::read_to_string(d.join(file)).unwrap();
        assert!(text.contains(from), "{file} has no {from:?}");
        let path = d.join(format!("edited-{file}"));
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
        let e = match file {
            "collector.toml" => CollectorConfig::load(&path).map(drop),
            "control.toml" => ControlNetConfig::load(&path).map(drop),
            _ => InterconnectNetConfig::load(&path).map(drop),
        }
        .expect_err(to)
        .to_string();
        assert!(e.contains(want), "{to:?}: {want:?} not in {e:?}");
    }
    // The same file with a pace of 0 (as fast as possible) loads.
    let text = std::fs::read_to_string(d.join("collector.toml")).unwrap();
    std::fs::write(d.join("fast.toml"), text.replace("speed = 1.0", "speed = 0.0")).unwrap();
    assert_eq!(CollectorConfig::load(&d.join("fast.toml")).unwrap().speed, 0.0);
}
