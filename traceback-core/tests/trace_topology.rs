//! Topology file format, validation and adjacency queries.

use traceback_core::topology::{LinkKind, Topology, TopologyError};
use traceback_core::{Asn, Ingress};

const EXAMPLE: &str = include_str!("../../docs/examples/topology-as64500.toml");

fn example() -> Topology {
    Topology::from_toml_str(EXAMPLE).expect("example topology loads")
}

#[test]
fn example_file_loads_and_answers_queries() {
    let t = example();
    assert_eq!(t.asn(), Asn(64500));
    assert_eq!(t.prefixes().len(), 2);
    assert_eq!(t.routers().count(), 5);
    assert_eq!(t.link_ids().count(), 10);
    assert_eq!(t.collectors().count(), 9);

    let n: Vec<(&str, &str)> = t
        .neighbors("core1")
        .map(|(l, r)| (l.as_str(), r.as_str()))
        .collect();
    assert_eq!(
        n,
        vec![
            ("edge1-core1", "edge1"),
            ("core1-core2", "core2"),
            ("core1-agg", "agg")
        ]
    );
    let at: Vec<&str> = t.links_at("edge1").iter().map(|l| l.as_str()).collect();
    assert_eq!(at, vec!["edge1-core1", "b-64501", "cust-web"]);
    assert!(t.links_at("nope").is_empty());

    assert_eq!(t.collectors_watching("core1-agg")[0].as_str(), "col-core1-agg");
    assert!(t.collectors_watching("cust-home").is_empty());
    let c = t.collector("col-b-64501").unwrap();
    assert_eq!(c.router.as_ref().unwrap().as_str(), "edge1");

    assert_eq!(t.other_end("core1-core2", "core2").unwrap().as_str(), "core1");
    assert_eq!(t.other_end("core1-core2", "agg"), None);
    assert_eq!(t.edge_router("cust-dc").unwrap().as_str(), "core1");
    assert!(matches!(
        t.link("b-64502"),
        Some(LinkKind::Border {
            neighbor: Asn(64502),
            ..
        })
    ));
    assert_eq!(
        t.ingress_of("b-64502"),
        Some(Ingress::Border {
            neighbor: Asn(64502),
            link: "b-64502".into()
        })
    );
    assert_eq!(
        t.ingress_of("cust-web"),
        Some(Ingress::Customer {
            edge: "cust-web".into()
        })
    );
    assert_eq!(t.ingress_of("core1-core2"), None);
    // Longest-prefix match over customer prefixes.
    assert_eq!(
        t.customer_for("198.51.100.70".parse().unwrap()).unwrap().as_str(),
        "cust-dc"
    );
    assert_eq!(
        t.customer_for("198.51.100.200".parse().unwrap())
            .unwrap()
            .as_str(),
        "cust-home"
    );
    assert_eq!(t.customer_for("203.0.113.1".parse().unwrap()), None);
}

#[test]
fn json_round_trip() {
    let t = example();
    let json = serde_json::to_string_pretty(t.spec()).unwrap();
    let back = Topology::from_json_str(&json).unwrap();
    assert_eq!(back.spec(), t.spec());
    let toml_text = toml::to_string(t.spec()).unwrap();
    assert_eq!(Topology::from_toml_str(&toml_text).unwrap().spec(), t.spec());
}

fn with(replace: &str, by: &str) -> Result<Topology, TopologyError> {
    assert!(EXAMPLE.contains(replace), "{replace}");
    Topology::from_toml_str(&EXAMPLE.replacen(replace, by, 1))
}

#[test]
fn validation_errors_are_typed() {
    assert!(matches!(
        with("a = \"edge1\"", "a = \"ghost\""),
        Err(TopologyError::UnknownRouter { router, .. }) if router.as_str() == "ghost"
    ));
    assert!(matches!(
        with("id = \"edge2\"", "id = \"edge1\""),
        Err(TopologyError::DuplicateRouter(_))
    ));
    // Links, borders and customers share one id space.
    assert!(matches!(
        with("id = \"cust-web\"", "id = \"b-64501\""),
        Err(TopologyError::DuplicateLink(l)) if l.as_str() == "b-64501"
    ));
    assert!(matches!(
        with("id = \"col-core1-core2\"", "id = \"col-edge1-core1\""),
        Err(TopologyError::DuplicateCollector(_))
    ));
    assert!(matches!(
        with("link = \"core1-agg\"", "link = \"core9-agg\""),
        Err(TopologyError::UnknownLink { link, .. }) if link.as_str() == "core9-agg"
    ));
    assert!(matches!(
        with(
            "link = \"b-64502\"\nrouter = \"edge2\"",
            "link = \"b-64502\"\nrouter = \"edge1\""
        ),
        Err(TopologyError::InterfaceNotOnLink { .. })
    ));
    assert!(matches!(
        with("b = \"core2\"", "b = \"core1\""),
        Err(TopologyError::SelfLoop(_))
    ));
    assert!(matches!(
        with("neighbor = 64501", "neighbor = 64500"),
        Err(TopologyError::BorderToSelf(_))
    ));
    assert!(matches!(
        with("id = \"agg\"", "id = \"\""),
        Err(TopologyError::EmptyId { kind: "router" })
    ));
    assert!(matches!(
        with("\"198.51.100.0/26\"", "\"198.51.100.1/26\""),
        Err(TopologyError::Toml(_))
    ));
    assert!(matches!(
        with("name = ", "colour = \"red\"\nname = "),
        Err(TopologyError::Toml(_))
    ));
    assert!(matches!(
        Topology::from_json_str("{\"asn\": \"x\"}"),
        Err(TopologyError::Json(_))
    ));
}

#[test]
fn minimal_json_topology() {
    let t = Topology::from_json_str(
        r#"{"asn": 65000, "routers": [{"id": "r"}], "customers": [{"id": "c", "router": "r"}]}"#,
    )
    .unwrap();
    assert_eq!(t.links_at("r").len(), 1);
    assert_eq!(t.neighbors("r").count(), 0);
}

fn fenced<'a>(doc: &'a str, lang: &str) -> &'a str {
    let open = format!("```{lang}\n");
    let start = doc.find(&open).expect("fenced block") + open.len();
    let len = doc[start..].find("```").expect("closing fence");
    &doc[start..start + len]
}

#[test]
fn documented_examples_match_and_load() {
    let doc = include_str!("../../docs/topology.md");
    assert_eq!(
        fenced(doc, "toml"),
        EXAMPLE,
        "docs/topology.md shows the shipped example file"
    );
    let t = Topology::from_json_str(fenced(doc, "json")).expect("documented JSON loads");
    assert_eq!(t.collectors_watching("b-64501")[0].as_str(), "col-b-64501");
}
