//! # traceback-net
//!
//! The driver side of the traceback SDK: everything that touches the OS
//! (files, sockets, TLS, SQLite, the clock) lives here, around the
//! deterministic logic of `traceback-core`.
//!
//! ```text
//!  capture files ─▶ collector ◀─TCP─ control ◀─TCP─ interconnect ◀─mTLS─▶ neighbour interconnects
//!                   (store, disk)    (trace)        (InterTrack)  ─HTTP─▶ center
//! ```
//!
//! Messages and the frame format are in `traceback_core::proto`; this crate
//! moves them over sockets ([`conn`], [`server`]) with limits ([`limits`]) and
//! mutual TLS ([`tls`]).

pub mod clock;
pub mod collector;
pub mod config_file;
pub mod conn;
pub mod control;
pub mod interconnect;
pub mod limits;
pub mod open_files;
pub mod report;
pub mod secret;
pub mod server;
pub mod shutdown;
pub mod tls;

pub mod bundled;
pub mod center;
pub mod field_trial;
#[cfg(target_os = "linux")]
pub mod hugepages;

/// Read a whole capture file from disk (the core only parses bytes it is given).
pub fn read_file(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    std::fs::read(path)
}
