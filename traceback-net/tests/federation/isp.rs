//! Building ISPs for the federation tests: capture files, collectors,
//! controls and interconnects on ephemeral loopback ports.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use traceback_core::control::ControlConfig as TraceConfig;
use traceback_core::digest::{Blake3Digester, Digester, FederationSecret};
use traceback_core::intertrack::{HopLimit, InterconnectConfig, Policy};
use traceback_core::packet::LinkType;
use traceback_core::store::StoreConfig;
use traceback_core::topology::{CollectorId, Topology};
use traceback_core::trace::TraceOptions;
use traceback_core::{Asn, Digest, DigestProfile, Evidence, Timestamp};
use traceback_net::collector::{self, CollectorConfig, CollectorHandle};
use traceback_net::control::{self, ControlHandle, ControlNetConfig};
use traceback_net::interconnect::{self, CenterLink, InterconnectNetConfig, RunningInterconnect};
use traceback_net::limits::Limits;
use traceback_net::tls::{TlsFiles, TlsIdentity};

/// The capture time of the attack packet.
pub(crate) const T: u64 = 1_700_000_000;

pub(crate) fn secret() -> FederationSecret {
    FederationSecret::from_bytes([7; 32])
}

/// An Ethernet/IPv4/UDP frame; `tag` sets the IP id, the source port and
/// the payload, so frames with different tags have different digests.
pub(crate) fn frame(tag: u8) -> Vec<u8> {
    let mut f = vec![0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x08, 0x00];
    let payload = [tag; 16];
    let total = 20 + 8 + payload.len();
    let mut ip = vec![
        0x45,
        0,
        (total >> 8) as u8,
        total as u8,
        0x12,
        tag,
        0,
        0,
        64,
        17,
        0,
        0,
        203,
        0,
        113,
        7,
        198,
        51,
        100,
        10,
    ];
    let mut sum: u32 = ip.chunks(2).map(|c| u32::from(c[0]) << 8 | u32::from(c[1])).sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    let ck = !(sum as u16);
    ip[10] = (ck >> 8) as u8;
    ip[11] = ck as u8;
    f.extend_from_slice(&ip);
    f.extend_from_slice(&[0x30, tag, 0x00, 0x35, 0, (8 + payload.len()) as u8, 0, 0]);
    f.extend_from_slice(&payload);
    f
}

/// The attack packet's digest.
pub(crate) fn attack_digest() -> Digest {
    let d = Blake3Digester::new(DigestProfile::V1, &secret()).unwrap();
    d.digest_frame(LinkType::ETHERNET, &frame(0xAA))
        .digest
        .expect("the test frame digests")
}

/// Evidence of the attack packet as the victim's IDS saw it.
pub(crate) fn evidence() -> Evidence {
    Evidence {
        digest: attack_digest(),
        profile: DigestProfile::V1,
        seen_at: Timestamp::from_secs(T),
        before: Duration::from_secs(1),
        after: Duration::from_millis(500),
    }
}

/// A classic pcap (Ethernet) with `(time, frame)` records.
pub(crate) fn write_pcap(path: &Path, records: &[(Timestamp, Vec<u8>)]) {
    let mut out = Vec::new();
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&0i32.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&65535u32.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    for (ts, data) in records {
        let ns = ts.as_nanos();
        out.extend_from_slice(&((ns / 1_000_000_000) as u32).to_le_bytes());
        out.extend_from_slice(&(((ns % 1_000_000_000) / 1000) as u32).to_le_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(data);
    }
    std::fs::write(path, out).unwrap();
}

/// Background traffic around the attack (so stores cover the window), with
/// or without the attack packet.
pub(crate) fn traffic(with_attack: bool) -> Vec<(Timestamp, Vec<u8>)> {
    let mut v = vec![
        (Timestamp::from_secs(T - 3), frame(1)),
        (Timestamp::from_secs(T - 1), frame(2)),
    ];
    if with_attack {
        v.push((Timestamp::from_secs(T), frame(0xAA)));
    }
    v.push((Timestamp::from_secs(T + 2), frame(3)));
    v
}

pub(crate) fn store_config() -> StoreConfig {
    StoreConfig::builder()
        .window_span(Duration::from_secs(1))
        .capacity(10_000)
        .memory_budget_bytes(8 << 20)
        .build()
        .unwrap()
}

pub(crate) fn limits() -> Limits {
    Limits {
        idle_timeout: Duration::from_secs(10),
        ..Limits::default()
    }
}

/// A collector replaying `captures` as fast as possible, persisting to `state`.
pub(crate) async fn start_collector(
    asn: Asn,
    name: &str,
    captures: Vec<PathBuf>,
    state: Option<PathBuf>,
) -> CollectorHandle {
    let config = CollectorConfig {
        asn,
        name: name.into(),
        listen: "127.0.0.1:0".parse().unwrap(),
        captures,
        speed: 0.0,
        state_file: state,
        persist_every: Duration::from_secs(30),
        profile: DigestProfile::V1,
        secret: secret(),
        store: store_config(),
        limits: limits(),
    };
    collector::start(config, CancellationToken::new()).await.unwrap()
}

/// One ISP with one router `r1`: its borders, customer edges and which links
/// saw the attack packet. Every link has a collector `c-<link>`.
pub(crate) struct IspSpec {
    pub(crate) asn: Asn,
    pub(crate) borders: Vec<Asn>,
    pub(crate) customers: Vec<&'static str>,
    pub(crate) saw_attack: Vec<String>,
}

pub(crate) fn border(asn: Asn) -> String {
    format!("b-{}", asn.0)
}

fn topology_toml(spec: &IspSpec) -> String {
    let mut t = format!(
        "asn = {}\nname = \"test\"\nprefixes = []\n\n[[routers]]\nid = \"r1\"\n",
        spec.asn.0
    );
    let mut links = Vec::new();
    for n in &spec.borders {
        t += &format!(
            "\n[[borders]]\nid = \"{}\"\nrouter = \"r1\"\nneighbor = {}\n",
            border(*n),
            n.0
        );
        links.push(border(*n));
    }
    for c in &spec.customers {
        t += &format!("\n[[customers]]\nid = \"{c}\"\nrouter = \"r1\"\nprefixes = []\n");
        links.push((*c).to_owned());
    }
    for l in &links {
        t += &format!("\n[[collectors]]\nid = \"c-{l}\"\nlink = \"{l}\"\n");
    }
    t
}

/// A running ISP: collectors, control, interconnect.
pub(crate) struct Isp {
    /// Kept so a test can stop them; they run until then.
    pub(crate) _collectors: Vec<CollectorHandle>,
    pub(crate) control: ControlHandle,
    pub(crate) interconnect: RunningInterconnect,
}

/// Knobs of one ISP's control and interconnect.
#[derive(Clone)]
pub(crate) struct Tuning {
    pub(crate) policy: Policy,
    pub(crate) branch_timeout: Duration,
    pub(crate) question_timeout: Duration,
    /// Collector ids whose address is replaced by a silent listener.
    pub(crate) silent_collectors: bool,
    /// The center the interconnect takes jobs from, if any.
    pub(crate) center: Option<CenterLink>,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            policy: Policy::default(),
            branch_timeout: Duration::from_secs(3),
            question_timeout: Duration::from_secs(2),
            silent_collectors: false,
            center: None,
        }
    }
}

/// Start every ISP of `specs` with listeners bound first, so neighbours know each other's ports.
pub(crate) async fn federation(dir: &Path, specs: Vec<(IspSpec, Tuning)>) -> Vec<Isp> {
    let asns: Vec<Asn> = specs.iter().map(|(s, _)| s.asn).collect();
    traceback_net::tls::write_federation(&dir.join("pki"), &asns).unwrap();
    let mut listeners = BTreeMap::new();
    for a in &asns {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        listeners.insert(*a, l);
    }
    let addrs: BTreeMap<Asn, SocketAddr> = listeners
        .iter()
        .map(|(a, l)| (*a, l.local_addr().unwrap()))
        .collect();
    let mut isps = Vec::new();
    for (spec, tuning) in specs {
        let topo = Topology::from_toml_str(&topology_toml(&spec)).unwrap();
        let mut collectors = Vec::new();
        let mut caddrs: HashMap<CollectorId, SocketAddr> = HashMap::new();
        for c in topo.collectors() {
            let link = c.link.as_str().to_owned();
            let pcap = dir.join(format!("as{}-{link}.pcap", spec.asn.0));
            write_pcap(&pcap, &traffic(spec.saw_attack.contains(&link)));
            let h = start_collector(spec.asn, c.id.as_str(), vec![pcap], None).await;
            let addr = if tuning.silent_collectors {
                silent_listener().await
            } else {
                h.addr
            };
            caddrs.insert(c.id.clone(), addr);
            collectors.push(h);
        }
        for h in &collectors {
            wait_ingested(h.addr, spec.asn).await;
        }
        let options = TraceOptions {
            question_timeout: tuning.question_timeout,
            ..TraceOptions::default()
        };
        let control_config = ControlNetConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            topology: std::sync::Arc::new(topo),
            trace: TraceConfig {
                options,
                ..TraceConfig::default()
            },
            collectors: caddrs,
            max_concurrent_traces: 8,
            trace_timeout: Duration::from_secs(20),
            profile: DigestProfile::V1,
            limits: limits(),
        };
        let control = control::start(control_config, CancellationToken::new())
            .await
            .unwrap();
        let tls = TlsIdentity::load(&TlsFiles::in_dir(&dir.join("pki"), spec.asn)).unwrap();
        let neighbors: BTreeMap<Asn, SocketAddr> = spec.borders.iter().map(|n| (*n, addrs[n])).collect();
        let core = InterconnectConfig::new(spec.asn)
            .with_neighbors(neighbors.keys().copied())
            .with_policy(tuning.policy.clone())
            .with_timeouts(
                tuning.branch_timeout,
                tuning.question_timeout * 3,
                Duration::from_secs(20),
            );
        let config = InterconnectNetConfig {
            asn: spec.asn,
            listen: addrs[&spec.asn],
            tls,
            control: control.addr,
            neighbors,
            core,
            hop_limit: HopLimit::MAX,
            center: tuning.center.clone(),
            limits: limits(),
        };
        let listener = listeners.remove(&spec.asn).unwrap();
        let interconnect = interconnect::start_on(listener, config, CancellationToken::new())
            .await
            .unwrap();
        isps.push(Isp {
            _collectors: collectors,
            control,
            interconnect,
        });
    }
    isps
}

/// A TCP listener that accepts and never answers (a hung collector).
pub(crate) async fn silent_listener() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = l.accept().await {
            held.push(s);
        }
    });
    addr
}

/// Wait until a collector has read its captures (frames counted by `Stats`).
pub(crate) async fn wait_ingested(addr: SocketAddr, asn: Asn) {
    use traceback_core::proto::{CollectorMsg, Hello, Message, Role};
    use traceback_net::conn::{dial, Transport};
    let hello = Hello::new(Role::Client, asn, "test");
    let mut c = dial(addr, &Transport::Plain, limits(), &hello, Role::Collector)
        .await
        .unwrap();
    for _ in 0..100 {
        if let Ok(Message::Collector(CollectorMsg::Stats { frames, .. })) = c
            .request(&Message::Collector(CollectorMsg::StatsRequest { id: 1 }))
            .await
        {
            if frames >= 3 {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("collector at {addr} did not ingest its capture");
}
