//! Synthetic frames shared by the benchmarks.

use etherparse::PacketBuilder;

/// Deterministic bytes (xorshift64).
pub(crate) fn fill(seed: u64, out: &mut [u8]) {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    for b in out {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = x as u8;
    }
}

/// An Ethernet frame of `len` bytes (without FCS), UDP over IPv4 or IPv6.
pub(crate) fn frame(i: usize, len: usize, v6: bool) -> Vec<u8> {
    let eth = PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2]);
    let headers = if v6 { 14 + 40 + 8 } else { 14 + 20 + 8 };
    let mut payload = vec![0u8; len.saturating_sub(headers)];
    fill(i as u64, &mut payload);
    let port = (i % 60_000) as u16;
    let mut v = Vec::with_capacity(len);
    let r = if v6 {
        let mut src = [0x20; 16];
        src[8..16].copy_from_slice(&(i as u64).to_be_bytes());
        eth.ipv6(src, [0x30; 16], 64)
            .udp(port, 53)
            .write(&mut v, &payload)
    } else {
        let ip = (i as u32).to_be_bytes();
        eth.ipv4(ip, [192, 0, 2, 1], 64)
            .udp(port, 53)
            .write(&mut v, &payload)
    };
    r.expect("writing to a Vec cannot fail");
    v
}
