//! One seeded simulation run: traffic through the federation, an IDS alert at
//! the victim, a trace across the participating ISPs, and its evaluation
//! against the ground truth.

use super::asgraph::AsGraph;
use super::deployment::{evaluate, DeploymentReport};
use super::network::{skewed, Endpoint, Network, NetworkStats};
use super::rewrite::set_addresses;
use super::traffic::{load_ip_packets, random_endpoint, random_host, CapturedPacket};
use super::SimError;
use crate::control::{attack_graph_dot, ControlConfig, LocalControl, SharedLocator};
use crate::digest::{Blake3Digester, Digest, DigestProfile, Digester, FederationSecret};
use crate::evidence::Evidence;
use crate::ids::Asn;
use crate::intertrack::harness::{Federation, LinkModel};
use crate::intertrack::{AsStatus, HopLimit, Interconnect, InterconnectConfig};
use crate::packet::LinkType;
use crate::store::{DigestStore, ExactStore, StoreConfig, WindowedBloomStore};
use crate::time::Timestamp;
use crate::topology::CollectorId;
use crate::trace::{AlgorithmRegistry, AttackGraph};
use core::time::Duration;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

/// An ISP's control over its in-memory collectors, shared with its interconnect.
type SharedControl = Arc<Mutex<LocalControl<BTreeMap<CollectorId, Box<dyn DigestStore>>>>>;

/// Which AS-level topology to simulate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TopologyChoice {
    /// The 15-ISP field trial of 2009 ([`AsGraph::field_trial`]).
    FieldTrial,
    /// The first N ISPs of the field trial (6..=15; [`AsGraph::field_trial_subset`]).
    FieldTrialSubset(usize),
    /// A generated topology of this many ASes ([`AsGraph::generate`], seeded by the run's seed).
    Generated(usize),
}

/// The collectors' digest store.
#[derive(Clone, Debug, PartialEq)]
pub enum StoreChoice {
    /// Exact sets: no false positives (ground truth).
    Exact,
    /// Windowed blocked Bloom filters at this target false-positive rate,
    /// design capacity per window and window span.
    Bloom {
        /// Target false-positive probability per window.
        target_fpp: f64,
        /// Design capacity (digests) per window.
        capacity: u64,
        /// Window span.
        window: Duration,
    },
}

/// Which ISPs run an interconnect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Participation {
    /// Every ISP.
    All,
    /// The `k` largest ISPs by customer cone, plus the victim's ISP (which
    /// starts the trace).
    Top(usize),
    /// These ISPs, plus the victim's.
    List(Vec<Asn>),
}

/// Everything one run depends on.
#[derive(Clone, Debug)]
pub struct ScenarioConfig {
    /// The AS-level topology.
    pub topology: TopologyChoice,
    /// The run's seed: roles (generated topologies), addresses, background
    /// traffic, clock skews and which alert is traced all derive from it.
    pub seed: u64,
    /// The attacker's ISP (name or AS number); default `ISP-A` in the field
    /// trial, a seeded choice otherwise.
    pub attacker: Option<String>,
    /// The ISP whose addresses the attacker forges; default `ISP-B`.
    pub spoofed: Option<String>,
    /// The victim's ISP; default `ISP-C`.
    pub victim: Option<String>,
    /// How many SYN-flood packets to replay (the capture holds 37,841).
    pub attack_packets: usize,
    /// How many background packets to replay.
    pub background_packets: usize,
    /// The collectors' store.
    pub store: StoreChoice,
    /// The control's trace algorithm and options.
    pub control: ControlConfig,
    /// Which ISPs take part.
    pub participation: Participation,
    /// Largest collector clock offset (each ISP gets a seeded offset in ±this).
    pub max_skew: Duration,
    /// Latency of every link.
    pub hop_latency: Duration,
    /// Federation secret for the digests.
    pub secret: FederationSecret,
    /// Attack paths sampled for the traceability figure of a partial deployment.
    pub traceability_samples: usize,
}

impl Default for ScenarioConfig {
    fn default() -> Self {
        ScenarioConfig {
            topology: TopologyChoice::FieldTrial,
            seed: 1,
            attacker: None,
            spoofed: None,
            victim: None,
            attack_packets: 37_841,
            background_packets: 2_000,
            store: StoreChoice::Bloom {
                target_fpp: 0.001,
                capacity: 100_000,
                window: Duration::from_secs(1),
            },
            control: ControlConfig::default(),
            participation: Participation::All,
            max_skew: Duration::from_millis(200),
            hop_latency: Duration::from_millis(1),
            secret: FederationSecret::from_passphrase("traceback-sdk simulator"),
            traceability_samples: 2_000,
        }
    }
}

/// The captures a run replays (bytes: the core opens no files).
#[derive(Clone, Copy, Debug)]
pub struct Captures<'a> {
    /// The spoofed SYN flood (`stopddos_pkt.TCP.synflood.spoofed.pcap`).
    pub attack: &'a [u8],
    /// Background traffic captures.
    pub background: &'a [&'a [u8]],
}

/// The result of one run.
#[derive(Clone, Debug, Serialize)]
pub struct RunResult {
    /// The run's seed.
    pub seed: u64,
    /// Ground truth: the attacker's ISP.
    pub attacker_as: Asn,
    /// The ISP whose addresses were forged.
    pub spoofed_as: Asn,
    /// The victim's ISP.
    pub victim_as: Asn,
    /// Whether the trace named the attacker's ISP as a source.
    pub origin_found: bool,
    /// Every AS the trace named as a source.
    pub origins: Vec<Asn>,
    /// ASes the trace named as source or transit that the attack never crossed.
    pub false_positive_ases: Vec<Asn>,
    /// Every AS off the attack's path that the trace asked (false branches,
    /// whatever they answered): SPIE's false nodes at the AS level.
    pub false_branches: Vec<Asn>,
    /// Per participating AS: the measured probability that one of its border
    /// collectors answers "seen" for an absent digest over the trace's range.
    pub border_false_positive_rate: BTreeMap<Asn, f64>,
    /// SPIE's bound on false branches for this run: the sum over the true
    /// path's ASes of d*P/(1-d*P), d the AS degree, P its border rate above.
    pub spie_bound: f64,
    /// The attack's true AS path, victim first.
    pub true_path: Vec<Asn>,
    /// The traced AS path from the victim to the attacker's ISP, if found.
    pub found_path: Option<Vec<Asn>>,
    /// Every AS's answer, as text.
    pub as_status: BTreeMap<Asn, String>,
    /// Participating ISPs.
    pub participating: usize,
    /// Questions the controls asked their collectors.
    pub collector_questions: usize,
    /// Inter-ISP messages delivered.
    pub interdomain_messages: u64,
    /// Simulated time from alert to finished trace.
    pub trace_time_ms: f64,
    /// The traced packet's digest.
    pub digest: Digest,
    /// What the data plane carried.
    pub packets: PacketCounts,
    /// Traceability of this deployment on this topology (partial deployment only).
    pub traceability: Option<DeploymentReport>,
    /// Graphviz DOT of every ISP's attack graphs.
    #[serde(skip)]
    pub dot: String,
}

/// Data-plane counters of one run.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct PacketCounts {
    /// Attack packets sent.
    pub attack: usize,
    /// Background packets sent.
    pub background: usize,
    /// Packets delivered.
    pub delivered: u64,
    /// Packets dropped on the way.
    pub dropped: u64,
    /// Digests stored by collectors.
    pub observations: u64,
}

impl From<(NetworkStats, usize, usize)> for PacketCounts {
    fn from((s, attack, background): (NetworkStats, usize, usize)) -> Self {
        PacketCounts {
            attack,
            background,
            delivered: s.delivered,
            dropped: s.dropped,
            observations: s.observations,
        }
    }
}

/// Totals over several runs.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    /// Runs.
    pub runs: usize,
    /// Runs whose trace named the attacker's ISP.
    pub origin_found: usize,
    /// False-positive ASes over all runs.
    pub false_positive_ases: usize,
    /// Mean collector questions per run.
    pub mean_collector_questions: f64,
    /// Mean inter-ISP messages per run.
    pub mean_interdomain_messages: f64,
    /// Mean simulated trace time, milliseconds.
    pub mean_trace_time_ms: f64,
}

/// Sum up runs.
pub fn summarize(runs: &[RunResult]) -> Summary {
    let n = runs.len().max(1) as f64;
    Summary {
        runs: runs.len(),
        origin_found: runs.iter().filter(|r| r.origin_found).count(),
        false_positive_ases: runs.iter().map(|r| r.false_positive_ases.len()).sum(),
        mean_collector_questions: runs.iter().map(|r| r.collector_questions as f64).sum::<f64>() / n,
        mean_interdomain_messages: runs.iter().map(|r| r.interdomain_messages as f64).sum::<f64>() / n,
        mean_trace_time_ms: runs.iter().map(|r| r.trace_time_ms).sum::<f64>() / n,
    }
}

/// Absent random digests per border collector used to measure its false-positive rate.
const FP_PROBES: usize = 200;

/// When simulated time starts (2009-11-26, the day of the trial's press release).
pub const SIM_EPOCH: Timestamp = Timestamp::from_secs(1_259_193_600);

fn resolve(g: &AsGraph, name: &str) -> Result<usize, SimError> {
    g.index_of_name(name)
        .or_else(|| name.parse::<Asn>().ok().and_then(|a| g.index_of(a)))
        .ok_or_else(|| {
            SimError::Config(format!(
                "no ISP named {name:?} in the topology (give a name such as ISP-A, or an AS number such as 64499 or AS64499)"
            ))
        })
}

/// Pick attacker, spoofed and victim ISPs.
fn roles(g: &AsGraph, cfg: &ScenarioConfig, rng: &mut ChaCha8Rng) -> Result<(usize, usize, usize), SimError> {
    let defaults = matches!(
        cfg.topology,
        TopologyChoice::FieldTrial | TopologyChoice::FieldTrialSubset(_)
    );
    let pick = |given: &Option<String>,
                preset: &str,
                rng: &mut ChaCha8Rng,
                avoid: &[usize]|
     -> Result<usize, SimError> {
        if let Some(n) = given {
            return resolve(g, n);
        }
        if defaults {
            return resolve(g, preset);
        }
        let stubs: Vec<usize> = (0..g.len())
            .filter(|i| g.node(*i).tier == 3 && !avoid.contains(i))
            .collect();
        stubs
            .choose(rng)
            .copied()
            .ok_or_else(|| SimError::Config("no stub ISP to place a role in".into()))
    };
    let victim = pick(&cfg.victim, "ISP-C", rng, &[])?;
    let attacker = pick(&cfg.attacker, "ISP-A", rng, &[victim])?;
    let spoofed = pick(&cfg.spoofed, "ISP-B", rng, &[victim, attacker])?;
    if attacker == victim {
        return Err(SimError::Config(
            "the attacker and the victim must be in different ISPs".into(),
        ));
    }
    Ok((attacker, spoofed, victim))
}

fn store_factory(choice: &StoreChoice, seed: u64) -> Result<Box<super::network::StoreFactory>, SimError> {
    Ok(match choice {
        StoreChoice::Exact => {
            let cfg = StoreConfig::builder()
                .window_span(Duration::from_secs(1))
                .build()
                .map_err(|e| SimError::Config(e.to_string()))?;
            Box::new(move |_, _: &CollectorId| Box::new(ExactStore::new(cfg)) as Box<dyn DigestStore>)
        }
        StoreChoice::Bloom {
            target_fpp,
            capacity,
            window,
        } => {
            let base = StoreConfig::builder()
                .window_span(*window)
                .capacity(*capacity)
                .target_fpp(*target_fpp)
                .seed(seed)
                .build()
                .map_err(|e| SimError::Config(e.to_string()))?;
            Box::new(move |isp, id: &CollectorId| {
                // Each collector salts its filters differently (SPIE: per-table keys).
                let salt = seed ^ (isp as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ fnv(id.as_str());
                let cfg = StoreConfig::builder()
                    .window_span(base.window_span())
                    .capacity(base.capacity())
                    .target_fpp(base.target_fpp())
                    .seed(salt)
                    .build()
                    .unwrap_or(base);
                Box::new(WindowedBloomStore::new(cfg)) as Box<dyn DigestStore>
            })
        }
    })
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// Run one scenario.
/// A run's data plane after its traffic: the network (collectors filled),
/// the roles, the clocks and the attack packets as they reached the victim.
pub struct Replayed {
    /// The AS graph.
    pub graph: AsGraph,
    /// Index of the attacker's ISP.
    pub attacker: usize,
    /// Index of the ISP whose addresses were forged.
    pub spoofed: usize,
    /// Index of the victim's ISP.
    pub victim: usize,
    /// Each ISP's collector clock offset, nanoseconds.
    pub skews: Vec<i64>,
    /// The digester every collector used.
    pub digester: Arc<dyn Digester>,
    /// The network, its collectors holding what they saw.
    pub network: Network,
    /// Attack packets as they arrived at the victim's edge (true time, bare IP).
    pub arrivals: Vec<(Timestamp, Vec<u8>)>,
    /// Data-plane counters.
    pub packets: PacketCounts,
    /// The run's random generator, after the traffic phase.
    pub rng: ChaCha8Rng,
}

impl core::fmt::Debug for Replayed {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Replayed")
            .field("attacker", &self.attacker)
            .field("victim", &self.victim)
            .field("arrivals", &self.arrivals.len())
            .field("packets", &self.packets)
            .finish()
    }
}

/// Build the topology and replay the traffic of `cfg` (everything before the
/// trace). `tap`, if given, sees every packet every collector sees.
pub fn replay(
    cfg: &ScenarioConfig,
    captures: Captures<'_>,
    tap: Option<Box<super::network::Tap>>,
) -> Result<Replayed, SimError> {
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let graph = match cfg.topology {
        TopologyChoice::FieldTrial => AsGraph::field_trial(),
        TopologyChoice::FieldTrialSubset(n) => AsGraph::field_trial_subset(n)?,
        TopologyChoice::Generated(n) => AsGraph::generate(n, cfg.seed)?,
    };
    let (attacker, spoofed, victim) = roles(&graph, cfg, &mut rng)?;
    let digester: Arc<dyn Digester> = Arc::new(
        Blake3Digester::new(DigestProfile::V1, &cfg.secret).map_err(|e| SimError::Config(e.to_string()))?,
    );
    let skew_ns = cfg.max_skew.as_nanos().min(i64::MAX as u128) as i64;
    let skews: Vec<i64> = (0..graph.len())
        .map(|_| {
            if skew_ns == 0 {
                0
            } else {
                rng.gen_range(-skew_ns..=skew_ns)
            }
        })
        .collect();
    let factory = store_factory(&cfg.store, cfg.seed)?;
    let mut net = Network::new(
        graph.clone(),
        digester.clone(),
        &*factory,
        skews.clone(),
        cfg.hop_latency,
    )?;
    if let Some(tap) = tap {
        net.set_tap(tap);
    }

    // Traffic: the flood from the attacker's ISP with forged sources of the
    // spoofed ISP, interleaved with background traffic between random ISPs.
    if cfg.attack_packets == 0 {
        return Err(SimError::Config(
            "attack_packets is 0: the trace needs at least one attack packet".into(),
        ));
    }
    let (attack, _) = load_ip_packets(captures.attack, cfg.attack_packets)?;
    if attack.is_empty() {
        return Err(SimError::Config("the attack capture holds no IP packet".into()));
    }
    let first = attack[0].ts;
    let span = attack
        .last()
        .map_or(Duration::ZERO, |p| p.ts.saturating_duration_since(first));
    // Background: the captures in turn, replayed again (re-addressed anew)
    // until the requested count is reached.
    let mut pool: Vec<CapturedPacket> = Vec::new();
    for cap in captures.background {
        pool.extend(load_ip_packets(cap, cfg.background_packets)?.0);
    }
    let background: Vec<CapturedPacket> = if pool.is_empty() {
        Vec::new()
    } else {
        pool.iter()
            .cycle()
            .take(cfg.background_packets)
            .cloned()
            .collect()
    };
    let victim_edge = Endpoint {
        isp: victim,
        edge: super::isp::customer_link_id(0),
    };
    let attacker_edge = random_endpoint(attacker, &mut rng);
    let victim_host = random_host(&graph, &victim_edge, false, &mut rng);
    let spoofed_edge = random_endpoint(spoofed, &mut rng);

    enum Kind {
        Attack,
        Background(Endpoint, Endpoint),
    }
    let mut schedule: Vec<(Timestamp, usize, Kind, Vec<u8>)> =
        Vec::with_capacity(attack.len() + background.len());
    for (i, p) in attack.iter().enumerate() {
        let at = SIM_EPOCH.saturating_add(p.ts.saturating_duration_since(first));
        schedule.push((at, i, Kind::Attack, p.ip.clone()));
    }
    let span_ns = span.as_nanos().max(1) as u64;
    for (i, p) in background.iter().enumerate() {
        let from = random_endpoint(rng.gen_range(0..graph.len()), &mut rng);
        let mut to = random_endpoint(rng.gen_range(0..graph.len()), &mut rng);
        if to.isp == from.isp {
            to = random_endpoint((from.isp + 1) % graph.len(), &mut rng);
        }
        let at = SIM_EPOCH.saturating_add(Duration::from_nanos(rng.gen_range(0..span_ns)));
        schedule.push((at, attack.len() + i, Kind::Background(from, to), p.ip.clone()));
    }
    schedule.sort_by_key(|(t, i, _, _)| (*t, *i));

    let mut arrivals: Vec<(Timestamp, Vec<u8>)> = Vec::new();
    for (at, _, kind, mut ip) in schedule {
        let v6 = ip.first().map(|b| b >> 4) == Some(6);
        let (from, to) = match kind {
            Kind::Attack => {
                let src = random_host(&graph, &spoofed_edge, v6, &mut rng);
                if set_addresses(&mut ip, src, victim_host).is_err() {
                    continue;
                }
                (attacker_edge.clone(), victim_edge.clone())
            }
            Kind::Background(from, to) => {
                let src = random_host(&graph, &from, v6, &mut rng);
                let dst = random_host(&graph, &to, v6, &mut rng);
                if set_addresses(&mut ip, src, dst).is_err() {
                    continue;
                }
                (from, to)
            }
        };
        let is_attack = from == attacker_edge && to == victim_edge;
        // A packet whose TTL runs out on the way is dropped, as a router would.
        if let Ok(d) = net.send(ip, &from, &to, at) {
            if is_attack {
                arrivals.push((d.arrived_at, d.packet));
            }
        }
    }
    let packets = PacketCounts::from((net.stats(), attack.len(), background.len()));
    Ok(Replayed {
        graph,
        attacker,
        spoofed,
        victim,
        skews,
        digester,
        network: net,
        arrivals,
        packets,
        rng,
    })
}

/// Run one scenario: replay its traffic, trace one attack packet from the
/// victim's IDS alert across the participating ISPs, evaluate the answer.
pub fn run(cfg: &ScenarioConfig, captures: Captures<'_>) -> Result<RunResult, SimError> {
    let registry = Arc::new(AlgorithmRegistry::with_builtins());
    if !registry.contains(&cfg.control.algorithm) {
        return Err(SimError::Config(format!(
            "unknown trace algorithm {:?} (known: {})",
            cfg.control.algorithm,
            registry.names().collect::<Vec<_>>().join(", ")
        )));
    }
    let Replayed {
        graph,
        attacker,
        spoofed,
        victim,
        skews,
        digester,
        network: net,
        arrivals,
        packets,
        mut rng,
    } = replay(cfg, captures, None)?;
    let Some((arrived, victim_packet)) = arrivals.choose(&mut rng).cloned() else {
        return Err(SimError::Config("no attack packet reached the victim".into()));
    };

    // The victim's IDS: digest of the packet as it arrived, time on the victim ISP's clock.
    let fd = digester.digest_frame(LinkType::RAW, &victim_packet);
    let Some(digest) = fd.digest else {
        return Err(SimError::Config(format!(
            "the traced packet could not be digested: {}",
            fd.verdict
        )));
    };
    let seen_at = skewed(arrived, skews[victim]);
    let evidence = Evidence {
        digest,
        profile: *digester.profile(),
        seen_at,
        before: Duration::from_secs(2),
        after: Duration::from_secs(1),
    };

    // Participation.
    let mut members: BTreeSet<usize> = match &cfg.participation {
        Participation::All => (0..graph.len()).collect(),
        Participation::Top(k) => graph.top_by_cone(*k).into_iter().collect(),
        Participation::List(asns) => asns
            .iter()
            .map(|a| {
                graph
                    .index_of(*a)
                    .ok_or_else(|| SimError::Config(format!("participant {a} is not in the topology")))
            })
            .collect::<Result<_, _>>()?,
    };
    members.insert(victim);
    let traceability = match cfg.participation {
        Participation::All => None,
        _ => Some(evaluate(&graph, &members, cfg.traceability_samples, cfg.seed)),
    };

    // The trace: one interconnect per participating ISP, each with its
    // control over its own collectors.
    let trace_start = arrived.saturating_add(Duration::from_secs(1));
    let mut fed = Federation::new(cfg.seed, LinkModel::default(), trace_start);
    let mut controls: Vec<(Asn, SharedControl)> = Vec::new();
    let (topologies, mut stores) = net.into_parts();
    let topologies: Vec<Arc<crate::topology::Topology>> = topologies.into_iter().map(Arc::new).collect();
    for &i in &members {
        let asn = graph.node(i).asn;
        let topo = topologies[i].clone();
        let collectors = std::mem::take(&mut stores[i]);
        let control = LocalControl::new(topo, registry.clone(), cfg.control.clone(), collectors);
        let (locator, handle) = SharedLocator::new(control);
        controls.push((asn, handle));
        let neighbors = graph.neighbors(i).into_iter().map(|n| graph.node(n).asn);
        let ic = Interconnect::new(
            InterconnectConfig::new(asn).with_neighbors(neighbors),
            Box::new(locator),
        )
        .map_err(|e| SimError::Config(e.to_string()))?;
        fed.add(ic).map_err(|e| SimError::Config(e.to_string()))?;
    }
    let victim_asn = graph.node(victim).asn;
    let id = fed
        .start_trace(victim_asn, evidence, HopLimit::MAX)
        .map_err(|e| SimError::Config(e.to_string()))?;
    let report = fed.run(1_000_000).map_err(|e| SimError::Config(e.to_string()))?;
    let Some((done_at, tree)) = fed.finished_at(id) else {
        return Err(SimError::Config("the trace did not finish".into()));
    };

    // Evaluation against the ground truth.
    let mut probe = super::routing::RoutesTo::compute(&graph, victim)
        .path_from(attacker)
        .unwrap_or_default();
    probe.reverse();
    let true_path: Vec<Asn> = probe.iter().map(|&i| graph.node(i).asn).collect();
    let attacker_asn = graph.node(attacker).asn;
    let on_path: BTreeSet<Asn> = true_path.iter().copied().collect();
    let statuses = tree.statuses();
    let false_positive_ases: Vec<Asn> = statuses
        .iter()
        .filter(|(a, s)| matches!(s, AsStatus::Source | AsStatus::Transit) && !on_path.contains(a))
        .map(|(a, _)| *a)
        .collect();
    let false_branches: Vec<Asn> = tree
        .nodes()
        .keys()
        .filter(|a| !on_path.contains(a))
        .copied()
        .collect();
    let origins = tree.origins();
    let found_path = tree.paths().get(&attacker_asn).cloned();
    // Each participating AS's per-question false-positive probability at its
    // border collectors, measured with absent random digests over the range
    // its control asks about, and SPIE's bound on false branches from it.
    let probe_range = evidence
        .window()
        .widen(cfg.control.options.skew_tolerance + cfg.control.options.per_hop * 8);
    let mut border_fp = BTreeMap::new();
    for (asn, handle) in &controls {
        let Ok(c) = handle.lock() else { continue };
        let Some(i) = graph.index_of(*asn) else { continue };
        let neighbors = graph.neighbors(i);
        let mut hits = 0usize;
        let mut probes = 0usize;
        for n in neighbors {
            let link = crate::sim::isp::border_link_id(&graph, n);
            for col in topologies[i].collectors_watching(link.as_str()) {
                if let Some(store) = c.collectors().get(col) {
                    for _ in 0..FP_PROBES {
                        let mut d = [0u8; 16];
                        rng.fill(&mut d);
                        probes += 1;
                        hits += store.query(&Digest(d), probe_range).hit() as usize;
                    }
                }
            }
        }
        if probes > 0 {
            border_fp.insert(*asn, hits as f64 / probes as f64);
        }
    }
    let spie_bound: f64 = true_path
        .iter()
        .filter_map(|a| {
            let d = graph.degree(graph.index_of(*a)?) as f64;
            let dp = d * border_fp.get(a)?;
            Some(if dp < 1.0 { dp / (1.0 - dp) } else { f64::INFINITY })
        })
        .sum();
    let mut collector_questions = 0;
    let mut dot = String::from("digraph attack {\n  rankdir=BT;\n");
    for (asn, handle) in &controls {
        if let Ok(c) = handle.lock() {
            let graphs: Vec<AttackGraph> = c.history().iter().flat_map(|(_, o)| o.graphs.clone()).collect();
            collector_questions += c.history().iter().map(|(_, o)| o.questions).sum::<usize>();
            if !graphs.is_empty() {
                let name = &graph.node(graph.index_of(*asn).unwrap_or(0)).name;
                dot.push_str(&attack_graph_dot(&format!("{asn} {name}"), &graphs));
            }
        }
    }
    dot.push_str("}\n");
    Ok(RunResult {
        seed: cfg.seed,
        attacker_as: attacker_asn,
        spoofed_as: graph.node(spoofed).asn,
        victim_as: victim_asn,
        origin_found: origins.contains(&attacker_asn),
        origins,
        false_positive_ases,
        false_branches,
        border_false_positive_rate: border_fp,
        spie_bound,
        true_path,
        found_path,
        as_status: statuses.iter().map(|(a, s)| (*a, s.to_string())).collect(),
        participating: members.len(),
        collector_questions,
        interdomain_messages: report.delivered,
        trace_time_ms: done_at.saturating_duration_since(trace_start).as_secs_f64() * 1000.0,
        digest,
        packets,
        traceability,
        dot,
    })
}
