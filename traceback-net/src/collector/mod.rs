//! The collector: digests the packets of one link into its store and answers
//! its control's queries.

mod queries;

pub use queries::{IngestCounters, QueryService};
