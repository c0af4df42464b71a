//! Questions to collectors and what comes back.

use crate::digest::Digest;
use crate::store::{Coverage, QueryAnswer};
use crate::time::TimeRange;
use crate::topology::{CollectorId, LinkId};
use core::fmt;
use serde::{Deserialize, Serialize};

/// Identifies one question within one trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct QuestionId(pub u64);

impl fmt::Display for QuestionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "q{}", self.0)
    }
}

/// "Did you see `digest` in `range`?", addressed to one collector.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// The id to answer with ([`crate::trace::TraceAlgorithm::handle_answer`]).
    pub id: QuestionId,
    /// The collector to ask.
    pub collector: CollectorId,
    /// The link the collector watches (for logs and simulators; not needed to answer).
    pub link: LinkId,
    /// The digest looked for.
    pub digest: Digest,
    /// The interval to search.
    pub range: TimeRange,
}

/// Why a collector gave no answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Failure {
    /// No answer before the question's deadline.
    Timeout,
    /// The collector could not be reached (or refused).
    Unreachable,
}

/// What a collector said, or that it said nothing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Answer {
    /// The store's answer.
    Store(QueryAnswer),
    /// No answer.
    Failed(Failure),
}

/// Why a link's observation is unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum UnknownReason {
    /// The collector did not answer.
    Failed(Failure),
    /// The store no longer (or not yet) holds the whole window and found nothing in what it holds.
    Coverage(Coverage),
    /// Nobody watches the link.
    NoCollector,
}

/// What the trace concludes about one link (from all collectors watching it).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Observation {
    /// The digest was (probably) seen.
    Hit {
        /// Probability that every matching answer was a false positive.
        false_positive_probability: f64,
    },
    /// Not seen, with full coverage: stores have no false negatives, so this is certain.
    Miss,
    /// Cannot tell.
    Unknown(UnknownReason),
}

impl Observation {
    /// Whether this is a hit.
    pub fn is_hit(&self) -> bool {
        matches!(self, Observation::Hit { .. })
    }

    /// Whether this is unknown.
    pub fn is_unknown(&self) -> bool {
        matches!(self, Observation::Unknown(_))
    }

    /// The probability that a hit is true (`1 - fpp`); 0 for a miss or unknown.
    pub fn confidence(&self) -> f64 {
        match self {
            Observation::Hit {
                false_positive_probability,
            } => 1.0 - false_positive_probability,
            _ => 0.0,
        }
    }

    /// Merge the observations of two collectors watching the same link.
    ///
    /// A full-coverage miss wins (stores have no false negatives, so a hit
    /// elsewhere on the same link must be false); two hits are independent
    /// (their false-positive probabilities multiply); a hit beats unknown.
    pub fn combine(self, other: Observation) -> Observation {
        use Observation::*;
        match (self, other) {
            (Miss, _) | (_, Miss) => Miss,
            (
                Hit {
                    false_positive_probability: a,
                },
                Hit {
                    false_positive_probability: b,
                },
            ) => Hit {
                false_positive_probability: a * b,
            },
            (h @ Hit { .. }, Unknown(_)) | (Unknown(_), h @ Hit { .. }) => h,
            (u @ Unknown(_), Unknown(_)) => u,
        }
    }
}

impl Answer {
    /// What this one answer says: a match is a hit (whatever the coverage);
    /// no match is a miss only with [`Coverage::Full`]; anything else is unknown.
    pub fn observation(&self) -> Observation {
        match self {
            Answer::Store(a) if a.hit() => Observation::Hit {
                false_positive_probability: a.false_positive_probability().clamp(0.0, 1.0),
            },
            Answer::Store(a) => match a.coverage {
                Coverage::Full => Observation::Miss,
                c => Observation::Unknown(UnknownReason::Coverage(c)),
            },
            Answer::Failed(f) => Observation::Unknown(UnknownReason::Failed(*f)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::WindowMatch;
    use crate::time::Timestamp;

    fn hit(p: f64) -> Answer {
        let span = TimeRange::at(Timestamp::from_secs(1));
        Answer::Store(QueryAnswer {
            matches: vec![WindowMatch {
                span,
                false_positive_probability: p,
            }],
            coverage: Coverage::Full,
        })
    }

    #[test]
    fn answers_to_observations() {
        assert_eq!(
            hit(0.25).observation(),
            Observation::Hit {
                false_positive_probability: 0.25
            }
        );
        let miss = Answer::Store(QueryAnswer {
            matches: vec![],
            coverage: Coverage::Full,
        });
        assert_eq!(miss.observation(), Observation::Miss);
        let partial = Answer::Store(QueryAnswer {
            matches: vec![],
            coverage: Coverage::Partial,
        });
        assert!(partial.observation().is_unknown());
        assert!(Answer::Failed(Failure::Timeout).observation().is_unknown());
    }

    #[test]
    fn combining() {
        let h = hit(0.5).observation();
        let u = Answer::Failed(Failure::Unreachable).observation();
        assert_eq!(
            h.combine(h),
            Observation::Hit {
                false_positive_probability: 0.25
            }
        );
        assert_eq!(h.combine(Observation::Miss), Observation::Miss);
        assert_eq!(u.combine(h), h);
        assert!(u.combine(u).is_unknown());
    }
}
