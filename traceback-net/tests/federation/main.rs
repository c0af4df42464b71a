//! A small federation on loopback: real TCP and TLS, ephemeral ports, temp dirs.

mod center;
mod collectors;
mod configs;
mod hostile;
mod isp;
mod tls_peers;
mod traces;
mod util;
