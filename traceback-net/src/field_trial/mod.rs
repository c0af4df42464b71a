//! The 2009 field trial on this machine: every ISP's collectors, control and
//! interconnect, plus the center, over loopback (TCP inside an ISP, mutual
//! TLS between ISPs, HTTP to the center, a SQLite file at the center), fed by
//! the simulated data plane on real captures.
//!
//! ```text
//!  sim::export ─▶ per-collector pcaps, topologies, victim IDS alerts (EVE)   (out/)
//!      collectors (replay pcaps) ◀─ control ◀─ interconnect ◀─mTLS─▶ interconnects
//!                                                   ▲ polls jobs, reports paths
//!  ISP-C operator ──EVE alert──▶ center (SQLite) ◀──┘
//!  center ──countermeasure──▶ ISP-A operator ──ack──▶ center
//! ```

mod report;

pub use report::{FieldTrialReport, TimelineEntry};

use crate::center::model::{CountermeasureRequest, SearchRequest, SearchStatus};
use crate::center::{serve, AwaitReport, Center, CenterClient, CenterConfig};
use crate::collector::{self, CollectorConfig, CollectorHandle};
use crate::control::{self, ControlHandle, ControlNetConfig};
use crate::interconnect::{self, CenterLink, InterconnectNetConfig, RunningInterconnect};
use crate::limits::Limits;
use crate::tls::{TlsFiles, TlsIdentity};
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use traceback_core::control::{as_path_dot, ControlConfig};
use traceback_core::digest::FederationSecret;
use traceback_core::intertrack::{HopLimit, InterconnectConfig};
use traceback_core::sim::export::{export, DataPlane};
use traceback_core::sim::scenario::{Captures, ScenarioConfig, TopologyChoice};
use traceback_core::store::StoreConfig;
use traceback_core::topology::{CollectorId, Topology};
use traceback_core::{Asn, DigestProfile};

/// How to run the field trial.
#[derive(Clone, Debug)]
pub struct FieldTrialConfig {
    /// Number of ISPs: 15 is the 2009 trial; 6..=14 its first ISPs;
    /// 20..=4096 a generated national topology of that many ASes.
    pub isps: usize,
    /// Seed of the data plane (addresses, background, clock skews, roles of
    /// generated topologies).
    pub seed: u64,
    /// Attacker's ISP (name or AS number); default ISP-A.
    pub attacker: Option<String>,
    /// ISP whose addresses are forged; default ISP-B.
    pub spoofed: Option<String>,
    /// Victim's ISP; default ISP-C.
    pub victim: Option<String>,
    /// Where pcaps, topologies, certificates, alerts, the SQLite file and the
    /// DOT graph are written.
    pub out_dir: PathBuf,
    /// SYN-flood packets replayed (the capture holds 37,841).
    pub attack_packets: usize,
    /// Background packets replayed.
    pub background_packets: usize,
}

impl Default for FieldTrialConfig {
    fn default() -> Self {
        FieldTrialConfig {
            isps: 15,
            seed: 1,
            attacker: None,
            spoofed: None,
            victim: None,
            out_dir: PathBuf::from("field-trial-out"),
            attack_packets: 37_841,
            background_packets: 3_000,
        }
    }
}

/// Why the field trial could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FieldTrialError {
    /// The data plane could not be simulated.
    #[error("data plane: {0}")]
    Sim(#[from] traceback_core::sim::SimError),
    /// A file under the output directory could not be written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A program failed to start or answer.
    #[error("{what}: {detail}")]
    Program {
        /// Which program.
        what: String,
        /// What went wrong.
        detail: String,
    },
    /// The trace did not finish in time or failed.
    #[error("trace: {0}")]
    Trace(String),
}

fn program(what: impl Into<String>, e: impl std::fmt::Display) -> FieldTrialError {
    FieldTrialError::Program {
        what: what.into(),
        detail: e.to_string(),
    }
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), FieldTrialError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|source| FieldTrialError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    std::fs::write(path, bytes).map_err(|source| FieldTrialError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// The federation secret of the demonstration (a real federation draws 32 random bytes).
pub fn demo_secret() -> FederationSecret {
    FederationSecret::from_passphrase("traceback-sdk field trial")
}

fn token(asn: Asn, seed: u64) -> String {
    // Development tokens: derived, never stored in clear by the center.
    let h = blake3::keyed_hash(
        &blake3::hash(b"traceback-sdk field trial tokens").into(),
        &[&asn.0.to_le_bytes()[..], &seed.to_le_bytes()[..]].concat(),
    );
    format!("as{}-{}", asn.0, &h.to_hex()[..32])
}

fn limits() -> Limits {
    Limits {
        idle_timeout: Duration::from_secs(60),
        ..Limits::default()
    }
}

fn store_config() -> Result<StoreConfig, FieldTrialError> {
    StoreConfig::builder()
        .window_span(Duration::from_secs(1))
        .capacity(20_000)
        .target_fpp(0.001)
        .memory_budget_bytes(4 << 20)
        .build()
        .map_err(|e| program("store configuration", e))
}

struct RunningIsp {
    collectors: Vec<CollectorHandle>,
    control: ControlHandle,
    interconnect: RunningInterconnect,
}

/// Run the field trial. `progress` receives the timeline as it happens.
pub async fn run(
    config: &FieldTrialConfig,
    progress: &mut (dyn FnMut(&TimelineEntry) + Send),
) -> Result<FieldTrialReport, FieldTrialError> {
    let started = Instant::now();
    let mut timeline: Vec<TimelineEntry> = Vec::new();
    let mut say = |what: String, timeline: &mut Vec<TimelineEntry>| {
        let e = TimelineEntry {
            at_ms: started.elapsed().as_secs_f64() * 1000.0,
            what,
        };
        progress(&e);
        timeline.push(e);
    };

    // 0. What cannot work is refused before anything runs.
    let topology = match config.isps {
        15 => TopologyChoice::FieldTrial,
        n @ 6..=14 => TopologyChoice::FieldTrialSubset(n),
        n @ 20..=4096 => TopologyChoice::Generated(n),
        n => {
            return Err(program(
                "--isps",
                format!(
                "{n} ISPs: use 6 to 14 (the trial's first ISPs), 15 (the trial) or 20 to 4096 (generated)"
            ),
            ))
        }
    };
    let out = &config.out_dir;
    std::fs::create_dir_all(out)
        .map_err(|e| program(format!("creating the output directory {}", out.display()), e))?;

    // 1. The data plane: real captures through the simulated ISPs.
    let scenario = ScenarioConfig {
        topology,
        seed: config.seed,
        attacker: config.attacker.clone(),
        spoofed: config.spoofed.clone(),
        victim: config.victim.clone(),
        attack_packets: config.attack_packets,
        background_packets: config.background_packets,
        secret: demo_secret(),
        ..ScenarioConfig::default()
    };
    // The flood is replayed once, so at most what the bundled capture holds
    // (background captures are cycled); the data plane says how many went.
    say(
        format!(
            "replaying up to {} SYN-flood packets and {} background packets through {} ISPs (hop by hop: TTL-1, checksum recomputed)",
            config.attack_packets, config.background_packets, config.isps
        ),
        &mut timeline,
    );
    let dp: DataPlane = tokio::task::spawn_blocking(move || {
        export(
            &scenario,
            Captures {
                attack: crate::bundled::SYN_FLOOD,
                background: crate::bundled::BACKGROUND,
            },
        )
    })
    .await
    .map_err(|e| program("data plane", e))??;
    // Every collector, control and interconnect is a server in this one
    // process, each with its listener and connections (both ends of a
    // loopback connection count): measured at 1.6 to 1.7 open files per
    // collector with 15 to 300 ISPs; 2 per collector and 4 per ISP leave
    // headroom.
    let collectors: u64 = dp.isps.iter().map(|i| i.captures.len() as u64).sum();
    let need = 2 * collectors + 4 * dp.isps.len() as u64 + 128;
    let limit = crate::open_files::ensure_open_files(
        need,
        &format!("{} ISPs with {collectors} collectors", dp.isps.len()),
    )
    .map_err(|e| program("--isps", e))?;
    if limit.soft != limit.was {
        say(
            format!(
                "open-file limit raised from {} to {} ({collectors} collectors)",
                limit.was, limit.soft
            ),
            &mut timeline,
        );
    }
    let name_of: BTreeMap<Asn, String> = dp.isps.iter().map(|i| (i.asn, i.name.clone())).collect();
    let named = |a: Asn| format!("{} ({a})", name_of.get(&a).cloned().unwrap_or_default());
    let short = if dp.packets.attack < config.attack_packets {
        " (all the bundled capture holds)"
    } else {
        ""
    };
    say(
        format!(
            "data plane: {} SYN-flood packets sent{short}, {} packets delivered, {} collector observations; attacker in {}, forging {}, victim in {}",
            dp.packets.attack,
            dp.packets.delivered,
            dp.packets.observations,
            named(dp.attacker),
            named(dp.spoofed),
            named(dp.victim)
        ),
        &mut timeline,
    );

    // 2. Files: per-collector captures, topologies, certificates, alerts.
    let asns: Vec<Asn> = dp.isps.iter().map(|i| i.asn).collect();
    crate::tls::write_federation(&out.join("pki"), &asns).map_err(|e| program("development CA", e))?;
    let mut frames_of: HashMap<(Asn, CollectorId), u64> = HashMap::new();
    for isp in &dp.isps {
        let dir = out.join("isps").join(format!("as{}", isp.asn.0));
        let toml = toml::to_string(&isp.topology).map_err(|e| program("topology file", e))?;
        write(&dir.join("topology.toml"), toml.as_bytes())?;
        for (id, pcap) in &isp.captures {
            write(&dir.join(format!("{id}.pcap")), pcap)?;
            frames_of.insert((isp.asn, id.clone()), count_records(pcap));
        }
    }
    let alerts = dp.alerts.join("\n") + "\n";
    write(&out.join("ids").join("eve.json"), alerts.as_bytes())?;
    say(
        format!(
            "wrote {} collector captures, {} topologies and the victim IDS's EVE alerts under {}",
            frames_of.len(),
            dp.isps.len(),
            out.display()
        ),
        &mut timeline,
    );

    // 3. The center.
    let secret = demo_secret();
    let db = out.join("center.sqlite3");
    let mut ccfg = CenterConfig::new(&db, secret.clone());
    for isp in &dp.isps {
        ccfg = ccfg.with_isp_token(isp.asn, &isp.name, &token(isp.asn, config.seed));
    }
    let center = Center::open(&ccfg, Arc::new(AwaitReport))
        .await
        .map_err(|e| program("center", e))?;
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| program("center listener", e))?;
    let center_url = format!(
        "http://{}",
        listener.local_addr().map_err(|e| program("center listener", e))?
    );
    let (stop_center, stopped) = tokio::sync::oneshot::channel::<()>();
    let center_task = tokio::spawn(serve(center, listener, async move {
        let _ = stopped.await;
    }));
    say(
        format!("center listening at {center_url} (SQLite {})", db.display()),
        &mut timeline,
    );

    // 4. Every ISP: collectors, control, interconnect.
    let shutdown = CancellationToken::new();
    let result = run_federation(config, &dp, out, &frames_of, &center_url, &shutdown, &mut |w| {
        say(w, &mut timeline)
    })
    .await;
    let trace = match result {
        Ok(isps) => {
            let r = operator_flow(config, &dp, &center_url, &named, &mut |w| say(w, &mut timeline)).await;
            for isp in isps {
                isp.interconnect.stop().await;
                isp.control.stop().await;
                for c in isp.collectors {
                    let _ = c.stop().await;
                }
            }
            r
        }
        Err(e) => Err(e),
    };
    shutdown.cancel();
    let _ = stop_center.send(());
    let _ = center_task.await;
    let trace = trace?;

    // 5. The report.
    let dot = as_path_dot(&trace.as_status, &trace.paths, &|a| {
        name_of.get(&a).cloned().unwrap_or_default()
    });
    let dot_path = out.join("trace.dot");
    write(&dot_path, dot.as_bytes())?;
    let on_path: std::collections::BTreeSet<Asn> = dp.true_path.iter().copied().collect();
    let false_positive_ases: Vec<Asn> = trace
        .as_status
        .iter()
        .filter(|(a, s)| (s.as_str() == "source" || s.as_str() == "transit") && !on_path.contains(a))
        .map(|(a, _)| *a)
        .collect();
    say(
        format!("attack graph written to {}", dot_path.display()),
        &mut timeline,
    );
    Ok(FieldTrialReport {
        attacker_as: dp.attacker,
        spoofed_as: dp.spoofed,
        victim_as: dp.victim,
        origin_as: trace.origins.first().copied(),
        origins: trace.origins,
        path: trace.paths.first().cloned().unwrap_or_default(),
        true_path: dp.true_path.clone(),
        as_status: trace.as_status,
        false_positive_ases,
        elapsed_ms: trace.elapsed_ms,
        search_id: trace.search_id,
        digest: trace.digest,
        countermeasure: trace.countermeasure,
        isps: dp.isps.len(),
        collectors: frames_of.len(),
        packets_delivered: dp.packets.delivered,
        dot_file: dot_path,
        db_file: db,
        timeline,
    })
}

fn count_records(pcap: &[u8]) -> u64 {
    let Ok(mut r) = traceback_core::capture::CaptureReader::new(pcap) else {
        return 0;
    };
    let mut n = 0;
    while let Ok(Some(_)) = r.next_record() {
        n += 1;
    }
    n
}

async fn run_federation(
    config: &FieldTrialConfig,
    dp: &DataPlane,
    out: &Path,
    frames_of: &HashMap<(Asn, CollectorId), u64>,
    center_url: &str,
    shutdown: &CancellationToken,
    say: &mut (dyn FnMut(String) + Send),
) -> Result<Vec<RunningIsp>, FieldTrialError> {
    let mut listeners = BTreeMap::new();
    for isp in &dp.isps {
        let l = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| program("interconnect listener", e))?;
        listeners.insert(isp.asn, l);
    }
    let addrs: BTreeMap<Asn, SocketAddr> = listeners
        .iter()
        .filter_map(|(a, l)| l.local_addr().ok().map(|s| (*a, s)))
        .collect();
    let store = store_config()?;
    let mut running = Vec::new();
    for isp in &dp.isps {
        let dir = out.join("isps").join(format!("as{}", isp.asn.0));
        let topo = Topology::from_spec(isp.topology.clone())
            .map_err(|e| program(format!("topology of {}", isp.asn), e))?;
        let mut collectors = Vec::new();
        let mut caddrs: HashMap<CollectorId, SocketAddr> = HashMap::new();
        for c in topo.collectors() {
            let cfg = CollectorConfig {
                asn: isp.asn,
                name: c.id.to_string(),
                listen: SocketAddr::from(([127, 0, 0, 1], 0)),
                captures: vec![dir.join(format!("{}.pcap", c.id))],
                speed: 0.0,
                state_file: None,
                persist_every: Duration::from_secs(30),
                profile: DigestProfile::V1,
                secret: demo_secret(),
                store,
                limits: limits(),
            };
            let h = collector::start(cfg, shutdown.child_token())
                .await
                .map_err(|e| program(format!("collector {}", c.id), e))?;
            caddrs.insert(c.id.clone(), h.addr);
            collectors.push((c.id.clone(), h));
        }
        for (id, h) in &collectors {
            let want = frames_of.get(&(isp.asn, id.clone())).copied().unwrap_or(0);
            wait_ingested(h.addr, isp.asn, want).await?;
        }
        let control_config = ControlNetConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            topology: Arc::new(topo),
            trace: ControlConfig::default(),
            collectors: caddrs,
            max_concurrent_traces: 8,
            trace_timeout: Duration::from_secs(20),
            profile: DigestProfile::V1,
            limits: limits(),
        };
        let control = control::start(control_config, shutdown.child_token())
            .await
            .map_err(|e| program(format!("control of {}", isp.asn), e))?;
        let tls = TlsIdentity::load(&TlsFiles::in_dir(&out.join("pki"), isp.asn))
            .map_err(|e| program("TLS identity", e))?;
        let neighbors: BTreeMap<Asn, SocketAddr> = isp
            .neighbors
            .iter()
            .filter_map(|n| addrs.get(n).map(|a| (*n, *a)))
            .collect();
        let core = InterconnectConfig::new(isp.asn)
            .with_neighbors(neighbors.keys().copied())
            .with_timeouts(
                Duration::from_secs(5),
                Duration::from_secs(15),
                Duration::from_secs(40),
            );
        let icfg = InterconnectNetConfig {
            asn: isp.asn,
            listen: addrs[&isp.asn],
            tls,
            control: control.addr,
            neighbors,
            core,
            hop_limit: HopLimit::MAX,
            center: Some(CenterLink {
                url: center_url.to_owned(),
                token: token(isp.asn, config.seed),
                poll_every: Duration::from_millis(100),
            }),
            limits: limits(),
        };
        let listener = listeners
            .remove(&isp.asn)
            .ok_or_else(|| program("interconnect listener", "missing"))?;
        let ic = interconnect::start_on(listener, icfg, shutdown.child_token())
            .await
            .map_err(|e| program(format!("interconnect of {}", isp.asn), e))?;
        say(format!(
            "{} ({}): {} collectors replayed their captures; control and interconnect up (mTLS on {})",
            isp.name,
            isp.asn,
            collectors.len(),
            ic.addr
        ));
        running.push(RunningIsp {
            collectors: collectors.into_iter().map(|(_, h)| h).collect(),
            control,
            interconnect: ic,
        });
    }
    Ok(running)
}

/// Wait until a collector has read `want` frames from its capture.
async fn wait_ingested(addr: SocketAddr, asn: Asn, want: u64) -> Result<(), FieldTrialError> {
    use crate::conn::{dial, Transport};
    use traceback_core::proto::{CollectorMsg, Hello, Message, Role};
    let hello = Hello::new(Role::Client, asn, "field-trial");
    let mut c = dial(addr, &Transport::Plain, limits(), &hello, Role::Collector)
        .await
        .map_err(|e| program(format!("collector at {addr}"), e))?;
    for _ in 0..1200 {
        if let Ok(Message::Collector(CollectorMsg::Stats { frames, .. })) = c
            .request(&Message::Collector(CollectorMsg::StatsRequest { id: 1 }))
            .await
        {
            if frames >= want {
                return Ok(());
            }
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    Err(program(
        format!("collector at {addr}"),
        format!("did not read its {want} packets within 30 s"),
    ))
}

struct TraceOutcome {
    search_id: i64,
    digest: String,
    origins: Vec<Asn>,
    paths: Vec<Vec<Asn>>,
    as_status: BTreeMap<Asn, String>,
    elapsed_ms: f64,
    countermeasure: Option<report::CountermeasureOutcome>,
}

/// The operators' part: ISP-C submits the IDS alert, the center drives the
/// trace, ISP-C asks the origin's operator for a countermeasure, who acknowledges.
async fn operator_flow(
    config: &FieldTrialConfig,
    dp: &DataPlane,
    center_url: &str,
    named: &dyn Fn(Asn) -> String,
    say: &mut (dyn FnMut(String) + Send),
) -> Result<TraceOutcome, FieldTrialError> {
    let alert = dp
        .alerts
        .first()
        .ok_or_else(|| FieldTrialError::Trace("the victim's IDS raised no alert".into()))?;
    if let Ok(traceback_core::eve::EveEvent::Alert(a)) = traceback_core::eve::parse_eve_line(alert.as_bytes())
    {
        say(format!(
            "IDS alert at the victim: \"{}\" (sid {}) {}:{} -> {}:{} {} at {}",
            a.signature,
            a.signature_id,
            a.src_ip.map(|i| i.to_string()).unwrap_or_default(),
            a.src_port.unwrap_or(0),
            a.dest_ip.map(|i| i.to_string()).unwrap_or_default(),
            a.dest_port.unwrap_or(0),
            a.proto.unwrap_or_default(),
            traceback_core::eve::format_timestamp(a.timestamp)
        ));
    }
    let victim = CenterClient::new(center_url, &token(dp.victim, config.seed))
        .map_err(|e| program("center client", e))?;
    let t0 = Instant::now();
    let sub = victim
        .submit_search(&SearchRequest::Eve {
            eve: alert.clone(),
            tolerance_ms: Some(2000),
        })
        .await
        .map_err(|e| program("search submission", e))?;
    say(format!(
        "{} operator submits the alert to the center: search #{} for digest {}",
        named(dp.victim),
        sub.id,
        sub.digest
    ));
    let view = victim
        .wait_for(sub.id, Duration::from_millis(100), Duration::from_secs(90))
        .await
        .map_err(|e| program("search status", e))?;
    let elapsed_ms = t0.elapsed().as_secs_f64() * 1000.0;
    if view.status != SearchStatus::Done {
        return Err(FieldTrialError::Trace(format!(
            "search #{} ended {:?}",
            sub.id, view.status
        )));
    }
    let record = view
        .result
        .ok_or_else(|| FieldTrialError::Trace("done without a path record".into()))?;
    let mut as_status = BTreeMap::new();
    for e in &record.report.statuses {
        as_status.insert(e.asn, e.status.to_ascii_lowercase());
        say(format!("  {} answered {}", named(e.asn), e.status));
    }
    let origins = record.report.origins.clone();
    let paths = record.report.paths.clone();
    match origins.first() {
        Some(o) => say(format!(
            "center names the origin: {}; path {}  ({elapsed_ms:.0} ms after the search)",
            named(*o),
            paths
                .first()
                .map(|p| p.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(" <- "))
                .unwrap_or_default()
        )),
        None => say(format!("center found no origin ({elapsed_ms:.0} ms)")),
    }
    let mut countermeasure = None;
    if let Some(origin) = origins.first().copied() {
        let req = CountermeasureRequest {
            action: format!(
                "filter TCP SYN to {} entering from your customer edge (spoofed sources)",
                view_dest(alert)
            ),
            target: Some(origin),
        };
        let sent = victim
            .send_countermeasure(sub.id, &req)
            .await
            .map_err(|e| program("countermeasure", e))?;
        say(format!(
            "center sends countermeasure request #{} to {}'s operator: {}",
            sent.id,
            named(origin),
            sent.action
        ));
        let origin_op = CenterClient::new(center_url, &token(origin, config.seed))
            .map_err(|e| program("center client", e))?;
        let inbox = origin_op.inbox(true).await.map_err(|e| program("inbox", e))?;
        let mine = inbox
            .iter()
            .find(|c| c.id == sent.id)
            .ok_or_else(|| program("inbox", "request not delivered"))?;
        let acked = origin_op
            .ack(mine.id, Some("filter installed on the customer edge".into()))
            .await
            .map_err(|e| program("acknowledgement", e))?;
        say(format!(
            "{} operator acknowledges countermeasure #{}",
            named(origin),
            acked.id
        ));
        countermeasure = Some(report::CountermeasureOutcome {
            id: acked.id.0,
            target: origin,
            action: acked.action.clone(),
            acknowledged: acked.acked_by == Some(origin),
        });
    }
    Ok(TraceOutcome {
        search_id: sub.id.0,
        digest: sub.digest.to_string(),
        origins,
        paths,
        as_status,
        elapsed_ms,
        countermeasure,
    })
}

fn view_dest(alert: &str) -> String {
    match traceback_core::eve::parse_eve_line(alert.as_bytes()) {
        Ok(traceback_core::eve::EveEvent::Alert(a)) => a
            .dest_ip
            .map(|i| i.to_string())
            .unwrap_or_else(|| "the victim".into()),
        _ => "the victim".into(),
    }
}
