//! Graphviz DOT rendering of attack graphs.

use crate::evidence::Ingress;
use crate::trace::{AttackGraph, NodeStatus, Observation};
use std::fmt::Write;

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Render one ISP's attack graphs as a DOT `subgraph cluster` named `title`:
/// routers (start, hit, unknown), the links asked about (hit solid, miss
/// dotted, unknown dashed) and the ingress points found.
pub fn attack_graph_dot(title: &str, graphs: &[AttackGraph]) -> String {
    let mut out = String::new();
    let id = |r: &str| quote(&format!("{title}/{r}"));
    let _ = writeln!(out, "  subgraph {} {{", quote(&format!("cluster_{title}")));
    let _ = writeln!(out, "    label={};", quote(title));
    for g in graphs {
        for n in &g.nodes {
            let (shape, color) = match n.status {
                NodeStatus::Start => ("doublecircle", "blue"),
                NodeStatus::Hit => ("circle", "red"),
                _ => ("circle", "gray"),
            };
            let _ = writeln!(
                out,
                "    {} [label={}, shape={shape}, color={color}];",
                id(n.router.as_str()),
                quote(&format!("{}\\nconf {:.3}", n.router, n.confidence))
            );
        }
        for l in &g.links {
            let Some(up) = &l.upstream else { continue };
            let style = match l.observation {
                Observation::Hit { .. } => "solid",
                Observation::Miss => "dotted",
                _ => "dashed",
            };
            let _ = writeln!(
                out,
                "    {} -> {} [label={}, style={style}];",
                id(up.as_str()),
                id(l.downstream.as_str()),
                quote(l.link.as_str())
            );
        }
        for f in g.findings.iter().filter(|f| f.is_accepted()) {
            let label = match &f.ingress {
                Ingress::Border { neighbor, link } => format!("from {neighbor} ({link})"),
                Ingress::Customer { edge } => format!("customer {edge} (source)"),
            };
            let node = id(&format!("ingress {label}"));
            let _ = writeln!(
                out,
                "    {node} [label={}, shape=box, color=darkred];",
                quote(&label)
            );
            let _ = writeln!(out, "    {node} -> {} [color=darkred];", id(f.router.as_str()));
        }
    }
    let _ = writeln!(out, "  }}");
    out
}

/// Render an inter-ISP trace result as a DOT digraph: every AS that answered
/// (labelled with its name and status; the origin red, transit orange, the
/// victim's AS blue, refusals and unknowns grey) and the traced AS path from
/// the victim to each origin.
pub fn as_path_dot(
    statuses: &std::collections::BTreeMap<crate::ids::Asn, String>,
    paths: &[Vec<crate::ids::Asn>],
    name_of: &dyn Fn(crate::ids::Asn) -> String,
) -> String {
    let mut out = String::from("digraph trace {\n  rankdir=RL;\n  node [shape=box, style=filled];\n");
    for (asn, status) in statuses {
        let color = match status.as_str() {
            "source" => "tomato",
            "transit" => "orange",
            "destination" => "lightblue",
            _ => "lightgray",
        };
        let _ = writeln!(
            out,
            "  {} [label={}, fillcolor={color}];",
            quote(&asn.to_string()),
            quote(&format!("{}\\n{}\\n{status}", name_of(*asn), asn))
        );
    }
    let mut edges = std::collections::BTreeSet::new();
    for p in paths {
        for w in p.windows(2) {
            // Traffic flowed from w[1] (upstream) to w[0].
            edges.insert((w[1], w[0]));
        }
    }
    for (from, to) in edges {
        let _ = writeln!(
            out,
            "  {} -> {};",
            quote(&from.to_string()),
            quote(&to.to_string())
        );
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::Asn;

    #[test]
    fn as_path_dot_names_every_as_and_edge() {
        let statuses = [
            (Asn(3), "source".to_string()),
            (Asn(2), "transit".into()),
            (Asn(1), "destination".into()),
        ]
        .into();
        let dot = as_path_dot(&statuses, &[vec![Asn(1), Asn(2), Asn(3)]], &|a| {
            format!("ISP {}", a.0)
        });
        assert!(dot.contains("\"AS3\" -> \"AS2\""), "{dot}");
        assert!(dot.contains("\"AS2\" -> \"AS1\""));
        assert!(dot.contains("tomato"));
        assert!(dot.starts_with("digraph"));
    }
}
