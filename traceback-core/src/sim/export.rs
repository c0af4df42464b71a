//! The simulated data plane exported for real programs: what every collector
//! saw as a capture file, every ISP's topology, and the victim IDS's alerts in
//! Suricata EVE format. The networked field trial replays these through real
//! collector, control, interconnect and center services.

use super::scenario::{replay, Captures, PacketCounts, ScenarioConfig};
use super::SimError;
use crate::capture::PcapWriter;
use crate::eve::{alert_line, AlertSpec, EveRule};
use crate::ids::Asn;
use crate::packet::LinkType;
use crate::time::Timestamp;
use crate::topology::{CollectorId, TopologySpec};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// Suricata rule 9000002 of `testdata/suricata/traceback.rules`: the first
/// five SYNs per destination per minute are alerted on.
pub const SYN_SAMPLE_SID: u64 = 9_000_002;
/// How many attack packets the victim's IDS alerts on (the rule's limit).
pub const ALERTS: usize = 5;

/// One ISP of the exported federation.
#[derive(Clone, Debug)]
pub struct ExportedIsp {
    /// Its AS number.
    pub asn: Asn,
    /// Its display name.
    pub name: String,
    /// Its router-level topology (write it as the control's topology file).
    pub topology: TopologySpec,
    /// Neighbour ASes (its interconnect's peers).
    pub neighbors: Vec<Asn>,
    /// Per collector: a classic pcap (raw IP link type, nanosecond
    /// timestamps on the collector's clock) of every packet it saw.
    pub captures: BTreeMap<CollectorId, Vec<u8>>,
}

/// The data plane of one field-trial run, ready to be replayed by real programs.
#[derive(Clone, Debug)]
pub struct DataPlane {
    /// Every ISP.
    pub isps: Vec<ExportedIsp>,
    /// Ground truth: the attacker's ISP.
    pub attacker: Asn,
    /// The ISP whose addresses were forged.
    pub spoofed: Asn,
    /// The victim's ISP.
    pub victim: Asn,
    /// The attack's AS path, victim first.
    pub true_path: Vec<Asn>,
    /// The victim IDS's alerts (one EVE JSON line each, raw packet included,
    /// time on the victim ISP's clock), in arrival order.
    pub alerts: Vec<String>,
    /// Data-plane counters.
    pub packets: PacketCounts,
}

type Writers = BTreeMap<(usize, CollectorId), PcapWriter<Vec<u8>>>;

/// Replay the traffic of `cfg` and export it.
pub fn export(cfg: &ScenarioConfig, captures: Captures<'_>) -> Result<DataPlane, SimError> {
    let writers: Rc<RefCell<Writers>> = Rc::new(RefCell::new(BTreeMap::new()));
    let failed: Rc<RefCell<Option<String>>> = Rc::new(RefCell::new(None));
    let (w, f) = (writers.clone(), failed.clone());
    let tap = Box::new(move |t: super::network::Tapped<'_>| {
        let mut w = w.borrow_mut();
        let key = (t.isp, t.collector.clone());
        if !w.contains_key(&key) {
            match PcapWriter::new(Vec::new(), LinkType::RAW, 65_535) {
                Ok(pw) => {
                    w.insert(key.clone(), pw);
                }
                Err(e) => {
                    *f.borrow_mut() = Some(e.to_string());
                    return;
                }
            }
        }
        if let Some(pw) = w.get_mut(&key) {
            if let Err(e) = pw.write_packet(t.at, t.packet, t.packet.len() as u32) {
                *f.borrow_mut() = Some(e.to_string());
            }
        }
    });
    let r = replay(cfg, captures, Some(tap))?;
    let (topologies, _) = r.network.into_parts();
    if let Some(e) = failed.borrow_mut().take() {
        return Err(SimError::Config(format!("writing a collector capture: {e}")));
    }
    let g = &r.graph;
    let mut by_isp: Vec<BTreeMap<CollectorId, Vec<u8>>> = vec![BTreeMap::new(); g.len()];
    let taken = std::mem::take(&mut *writers.borrow_mut());
    for ((isp, id), pw) in taken {
        by_isp[isp].insert(id, pw.into_inner());
    }
    let mut isps = Vec::with_capacity(g.len());
    for ((i, captures), topo) in by_isp.into_iter().enumerate().zip(topologies) {
        let mut captures = captures;
        // A collector that saw nothing still gets a (valid, empty) capture.
        for c in topo.collectors() {
            if !captures.contains_key(&c.id) {
                let empty = PcapWriter::new(Vec::new(), LinkType::RAW, 65_535)
                    .map_err(|e| SimError::Config(e.to_string()))?;
                captures.insert(c.id.clone(), empty.into_inner());
            }
        }
        isps.push(ExportedIsp {
            asn: g.node(i).asn,
            name: g.node(i).name.clone(),
            topology: topo.spec().clone(),
            neighbors: g.neighbors(i).into_iter().map(|n| g.node(n).asn).collect(),
            captures,
        });
    }
    let rule = EveRule::new(SYN_SAMPLE_SID, "TRACEBACK SYN sample");
    let mut alerts = Vec::new();
    for (at, ip) in r.arrivals.iter().take(ALERTS) {
        let seen = super::network::skewed(*at, r.skews[r.victim]);
        let frame = ethernet_frame(ip);
        let line = alert_line(&AlertSpec::new(seen, LinkType::ETHERNET, &frame, &rule))
            .map_err(|e| SimError::Config(format!("writing an alert: {e}")))?;
        alerts.push(line);
    }
    let mut path = super::routing::RoutesTo::compute(g, r.victim)
        .path_from(r.attacker)
        .unwrap_or_default();
    path.reverse();
    Ok(DataPlane {
        attacker: g.node(r.attacker).asn,
        spoofed: g.node(r.spoofed).asn,
        victim: g.node(r.victim).asn,
        true_path: path.iter().map(|&i| g.node(i).asn).collect(),
        isps,
        alerts,
        packets: r.packets,
    })
}

/// The packet as the victim's IDS captured it on its Ethernet segment.
fn ethernet_frame(ip: &[u8]) -> Vec<u8> {
    let ethertype: [u8; 2] = if ip.first().map(|b| b >> 4) == Some(6) {
        [0x86, 0xdd]
    } else {
        [0x08, 0x00]
    };
    let mut f = Vec::with_capacity(14 + ip.len());
    f.extend_from_slice(&[0x02, 0, 0, 0, 0, 0x0c]); // victim's NIC
    f.extend_from_slice(&[0x02, 0, 0, 0, 0, 0x01]); // ISP-C's access router
    f.extend_from_slice(&ethertype);
    f.extend_from_slice(ip);
    f
}

/// When simulated traffic starts, for callers mapping it to wall-clock time.
pub fn traffic_start() -> Timestamp {
    super::scenario::SIM_EPOCH
}
