//! Per-connection limits: frame size, timeouts, concurrent connections.

use serde::Deserialize;
use std::time::Duration;
use traceback_core::proto::DEFAULT_MAX_FRAME_LEN;

/// Limits applied to every connection of a listener or a client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Longest frame body accepted; a longer announced length is answered
    /// with `FrameTooLarge` and the connection is closed without reading it.
    pub max_frame_len: usize,
    /// Time allowed from the first byte of a frame to its last (slow senders).
    pub frame_timeout: Duration,
    /// Time a connection may stay silent between frames before it is closed.
    pub idle_timeout: Duration,
    /// Time allowed for the TCP connect, the TLS handshake and the Hello exchange.
    pub handshake_timeout: Duration,
    /// Connections a listener serves at once; further ones are refused (`Busy`).
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_frame_len: DEFAULT_MAX_FRAME_LEN,
            frame_timeout: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(60),
            handshake_timeout: Duration::from_secs(5),
            max_connections: 64,
        }
    }
}

/// The `[limits]` table of a program's config (all fields optional).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    /// See [`Limits::max_frame_len`] (bytes).
    pub max_frame_len: Option<usize>,
    /// See [`Limits::frame_timeout`] (milliseconds).
    pub frame_timeout_ms: Option<u64>,
    /// See [`Limits::idle_timeout`] (milliseconds).
    pub idle_timeout_ms: Option<u64>,
    /// See [`Limits::handshake_timeout`] (milliseconds).
    pub handshake_timeout_ms: Option<u64>,
    /// See [`Limits::max_connections`].
    pub max_connections: Option<usize>,
}

impl LimitsConfig {
    /// The limits, with defaults for every field not given.
    pub fn resolve(&self) -> Limits {
        let d = Limits::default();
        Limits {
            max_frame_len: self.max_frame_len.unwrap_or(d.max_frame_len),
            frame_timeout: self
                .frame_timeout_ms
                .map_or(d.frame_timeout, Duration::from_millis),
            idle_timeout: self.idle_timeout_ms.map_or(d.idle_timeout, Duration::from_millis),
            handshake_timeout: self
                .handshake_timeout_ms
                .map_or(d.handshake_timeout, Duration::from_millis),
            max_connections: self.max_connections.unwrap_or(d.max_connections).max(1),
        }
    }
}
