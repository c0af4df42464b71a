//! Real captures bundled with the SDK (see `testdata/SOURCES.md` for their
//! provenance), so the examples run on real data with no download.

/// The spoofed SYN flood: 37,841 SYNs from 37,623 forged sources to one
/// victim (StopDDoS packet-captures, `pkt.TCP.synflood.spoofed.pcap`).
pub const SYN_FLOOD: &[u8] = include_bytes!("../../testdata/pcaps/stopddos_pkt.TCP.synflood.spoofed.pcap");

/// Ordinary traffic replayed as background: IPv4 web browsing (zeek), IPv6
/// web traffic (nDPI), tcpreplay's regression capture, and a dual-stack
/// HTTP fetch (Chris Sanders).
pub const BACKGROUND: &[&[u8]] = &[
    include_bytes!("../../testdata/pcaps/zeek_wikipedia.pcap"),
    include_bytes!("../../testdata/pcaps/ndpi_http_ipv6.pcap"),
    include_bytes!("../../testdata/pcaps/tcpreplay_test.pcap"),
    include_bytes!("../../testdata/pcaps/chrissanders_http_ip4and6.pcapng"),
];
