//! From a captured frame to the canonical digest input.
//!
//! ```text
//!  frame ─▶ link layer (Ethernet / SLL / SLL2 / raw / BSD loopback / PPP)
//!        ─▶ VLAN tags, MPLS labels (+ pseudowire control word)
//!        ─▶ IPv4 / IPv6 ─▶ mask mutable fields ─▶ CanonicalBytes
//!                       └▶ (tunnel policy) inner packet ─▶ CanonicalBytes
//! ```
//!
//! Every frame gets a [`Verdict`]; no input panics. `docs/digest.md` is the
//! normative description of the layout produced here.

mod canonical;
mod link;
mod verdict;

pub use canonical::{canonicalize, Canonical, CanonicalBytes};
pub use link::LinkType;
pub use verdict::{Malformation, Verdict};
