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
