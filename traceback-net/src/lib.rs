//! # traceback-net
//!
//! The driver side of the traceback SDK: everything that touches the OS
//! (files, sockets, TLS, SQLite, the clock) lives here, around the
//! deterministic logic of `traceback-core`.

pub mod bundled;
#[cfg(target_os = "linux")]
pub mod hugepages;

/// Read a whole capture file from disk (the core only parses bytes it is given).
pub fn read_file(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    std::fs::read(path)
}
