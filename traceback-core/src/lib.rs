//! # traceback-core
//!
//! The deterministic core of an inter-domain IP traceback SDK: it finds where
//! an attack packet entered the Internet even when its source address is
//! forged, across ISPs that never show each other their traffic.
//!
//! ```text
//!  capture ─▶ packet ─▶ digest ─▶ store            (collector, per link)
//!                                   ▲
//!                                   │ "seen in [t0,t1]?"
//!                        trace algorithm            (control, per ISP)
//!                                   ▲
//!                                   │ status only: Source / Transit / NotFound / ...
//!                             inter-ISP logic       (interconnect, per ISP)
//!                                   ▲
//!                                   │ search, path record, countermeasure
//!                                 center
//! ```
//!
//! This crate reads no clock, opens no socket and spawns no thread: time and
//! randomness come in as arguments, so simulations and tests replay exactly.
//! `traceback-net` drives it over the network.

pub mod capture;
pub mod control;
pub mod digest;
pub mod eve;
pub mod evidence;
pub mod fuzzing;
pub mod ids;
pub mod intertrack;
pub mod packet;
pub mod proto;
pub mod sim;
pub mod store;
pub mod time;
pub mod topology;
pub mod trace;

pub use digest::{Digest, DigestProfile, Digester};
pub use evidence::{Evidence, Ingress};
pub use ids::Asn;
pub use time::{TimeRange, Timestamp};
