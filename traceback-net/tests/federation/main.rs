//! A small federation on loopback: real TCP and TLS, ephemeral ports, temp dirs.

mod hostile;
mod tls_peers;
mod util;
