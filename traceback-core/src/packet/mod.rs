//! From a captured frame to the canonical digest input.
//!
//! ```text
//!  frame ─▶ link layer (Ethernet / SLL / SLL2 / raw / BSD loopback / PPP)
//!        ─▶ VLAN tags, MPLS labels (+ pseudowire control word), PPPoE
//!        ─▶ IPv4 / IPv6 ─▶ mask mutable fields ─▶ CanonicalBytes
//!                       └▶ (tunnel policy) inner packet ─▶ CanonicalBytes
//! ```
//!
//! Every frame gets a [`Verdict`]; no input panics. `docs/digest.md` is the
//! normative description of the layout produced here.

mod canonical;
mod decode;
mod ip;
mod link;
mod locate;
#[cfg(test)]
mod tests;
mod tunnel;
mod verdict;

pub(crate) use canonical::canonicalize_into;
pub use canonical::{canonicalize, canonicalize_ip, Canonical, CanonicalBytes};
pub use decode::MAX_LAYERS;
pub(crate) use ip::Scratch;
pub use ip::MAX_IPV4_WIRE_LEN;
pub use link::LinkType;
pub use locate::ip_packet;
pub use verdict::{Malformation, Verdict};
