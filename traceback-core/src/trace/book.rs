//! Bookkeeping every algorithm needs: question ids, deadlines, and merging
//! the answers of all collectors on one link into one [`Observation`].
//!
//! An algorithm decides *which links* to ask about; [`QuestionBook`] turns
//! that into questions, hands them out, matches answers and timeouts back,
//! and reports a link once all its collectors have answered or failed.

use super::error::TraceError;
use super::question::{Answer, Failure, Observation, Question, QuestionId, UnknownReason};
use crate::digest::Digest;
use crate::time::{TimeRange, Timestamp};
use crate::topology::{LinkId, Topology};
use core::time::Duration;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};

/// Counts of questions, reported by every algorithm.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionStats {
    /// Questions handed out by `poll_question`.
    pub asked: usize,
    /// Store answers received.
    pub answered: usize,
    /// Questions failed by the driver (unreachable, or a timeout it reported as an answer).
    pub failed: usize,
    /// Questions expired by `handle_timeout`.
    pub timed_out: usize,
    /// Links asked about that no collector watches (no question sent).
    pub unwatched_links: usize,
}

/// A link whose collectors have all answered.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkResult {
    /// The link.
    pub link: LinkId,
    /// The merged observation.
    pub observation: Observation,
    /// The algorithm's tag given to [`QuestionBook::ask_link`] (e.g. the asking router's index).
    pub tag: u64,
}

#[derive(Clone, Debug)]
struct Tally {
    remaining: usize,
    observation: Option<Observation>,
    tag: u64,
}

/// Question ids, deadlines and per-link answer merging.
#[derive(Clone, Debug)]
pub struct QuestionBook {
    next_id: u64,
    timeout: Duration,
    pending: VecDeque<Question>,
    outstanding: BTreeMap<QuestionId, (LinkId, Timestamp)>,
    tallies: BTreeMap<LinkId, Tally>,
    ready: VecDeque<LinkResult>,
    stats: QuestionStats,
}

impl QuestionBook {
    /// A book whose questions expire `timeout` after they are polled.
    pub fn new(timeout: Duration) -> Self {
        QuestionBook {
            next_id: 0,
            timeout,
            pending: VecDeque::new(),
            outstanding: BTreeMap::new(),
            tallies: BTreeMap::new(),
            ready: VecDeque::new(),
            stats: QuestionStats::default(),
        }
    }

    /// Queue one question per collector watching `link`. A link nobody
    /// watches yields an immediate `Unknown(NoCollector)` result. Returns
    /// `false` (and does nothing) if the link was asked about before.
    pub fn ask_link(
        &mut self,
        topo: &Topology,
        link: &LinkId,
        digest: Digest,
        range: TimeRange,
        tag: u64,
    ) -> bool {
        if self.tallies.contains_key(link) {
            return false;
        }
        let collectors = topo.collectors_watching(link.as_str());
        self.tallies.insert(
            link.clone(),
            Tally {
                remaining: collectors.len(),
                observation: None,
                tag,
            },
        );
        if collectors.is_empty() {
            self.stats.unwatched_links += 1;
            self.ready.push_back(LinkResult {
                link: link.clone(),
                observation: Observation::Unknown(UnknownReason::NoCollector),
                tag,
            });
        }
        for c in collectors {
            let id = QuestionId(self.next_id);
            self.next_id += 1;
            self.pending.push_back(Question {
                id,
                collector: c.clone(),
                link: link.clone(),
                digest,
                range,
            });
        }
        true
    }

    /// Whether `link` was asked about.
    pub fn was_asked(&self, link: &str) -> bool {
        self.tallies.contains_key(link)
    }

    /// Hand out the next question; it expires at `now + timeout`.
    pub fn poll_question(&mut self, now: Timestamp) -> Option<Question> {
        let q = self.pending.pop_front()?;
        self.outstanding
            .insert(q.id, (q.link.clone(), now.saturating_add(self.timeout)));
        self.stats.asked += 1;
        Some(q)
    }

    /// Record an answer.
    pub fn handle_answer(&mut self, id: QuestionId, answer: &Answer) -> Result<(), TraceError> {
        let (link, _) = self
            .outstanding
            .remove(&id)
            .ok_or(TraceError::NotOutstanding(id))?;
        match answer {
            Answer::Store(_) => self.stats.answered += 1,
            Answer::Failed(_) => self.stats.failed += 1,
        }
        self.settle(link, answer.observation());
        Ok(())
    }

    /// Fail every outstanding question whose deadline is at or before `now`.
    pub fn handle_timeout(&mut self, now: Timestamp) {
        let expired: Vec<QuestionId> = self
            .outstanding
            .iter()
            .filter(|(_, (_, d))| *d <= now)
            .map(|(id, _)| *id)
            .collect();
        for id in expired {
            if let Some((link, _)) = self.outstanding.remove(&id) {
                self.stats.timed_out += 1;
                self.settle(
                    link,
                    Observation::Unknown(UnknownReason::Failed(Failure::Timeout)),
                );
            }
        }
    }

    fn settle(&mut self, link: LinkId, obs: Observation) {
        let Some(t) = self.tallies.get_mut(&link) else {
            return;
        };
        t.observation = Some(match t.observation {
            Some(prev) => prev.combine(obs),
            None => obs,
        });
        t.remaining = t.remaining.saturating_sub(1);
        if t.remaining == 0 {
            let observation = t
                .observation
                .unwrap_or(Observation::Unknown(UnknownReason::NoCollector));
            self.ready.push_back(LinkResult {
                link,
                observation,
                tag: t.tag,
            });
        }
    }

    /// The next link whose collectors have all answered, in completion order.
    pub fn poll_link(&mut self) -> Option<LinkResult> {
        self.ready.pop_front()
    }

    /// The earliest deadline of an outstanding question.
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        self.outstanding.values().map(|(_, d)| *d).min()
    }

    /// Whether nothing is queued, outstanding or waiting to be reported.
    pub fn is_idle(&self) -> bool {
        self.pending.is_empty() && self.outstanding.is_empty() && self.ready.is_empty()
    }

    /// The counts so far.
    pub fn stats(&self) -> QuestionStats {
        self.stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Coverage, QueryAnswer, WindowMatch};

    const TOPO: &str = r#"
asn = 1
routers = [{ id = "a" }, { id = "b" }]
links = [{ id = "ab", a = "a", b = "b" }, { id = "bare", a = "a", b = "b" }]
collectors = [{ id = "ca", link = "ab", router = "a" }, { id = "cb", link = "ab", router = "b" }]
"#;

    fn hit() -> Answer {
        Answer::Store(QueryAnswer {
            matches: vec![WindowMatch {
                span: TimeRange::at(Timestamp::from_secs(1)),
                false_positive_probability: 0.1,
            }],
            coverage: Coverage::Full,
        })
    }

    #[test]
    fn a_link_is_reported_once_all_its_collectors_settled() {
        let topo = Topology::from_toml_str(TOPO).unwrap();
        let mut book = QuestionBook::new(Duration::from_secs(2));
        let range = TimeRange::at(Timestamp::from_secs(1));
        assert!(book.ask_link(&topo, &"ab".into(), Digest::default(), range, 7));
        assert!(
            !book.ask_link(&topo, &"ab".into(), Digest::default(), range, 7),
            "asked once"
        );
        let now = Timestamp::from_secs(10);
        let q1 = book.poll_question(now).unwrap();
        let q2 = book.poll_question(now).unwrap();
        assert!(book.poll_question(now).is_none());
        assert_eq!(book.poll_timeout(), Some(Timestamp::from_secs(12)));
        book.handle_answer(q1.id, &hit()).unwrap();
        assert!(book.poll_link().is_none(), "one collector still outstanding");
        book.handle_timeout(Timestamp::from_secs(11));
        assert!(book.poll_link().is_none());
        book.handle_timeout(Timestamp::from_secs(12));
        let r = book.poll_link().unwrap();
        assert_eq!((r.link.as_str(), r.tag), ("ab", 7));
        assert_eq!(
            r.observation,
            Observation::Hit {
                false_positive_probability: 0.1
            },
            "hit beats timeout"
        );
        assert_eq!(
            book.handle_answer(q2.id, &hit()),
            Err(TraceError::NotOutstanding(q2.id))
        );
        assert!(book.is_idle());
        let s = book.stats();
        assert_eq!((s.asked, s.answered, s.timed_out, s.failed), (2, 1, 1, 0));
        // An unwatched link is settled at once, without a question.
        assert!(book.ask_link(&topo, &"bare".into(), Digest::default(), range, 0));
        assert!(book.poll_question(now).is_none());
        assert_eq!(
            book.poll_link().unwrap().observation,
            Observation::Unknown(UnknownReason::NoCollector)
        );
        assert_eq!(book.stats().unwatched_links, 1);
    }

    #[test]
    fn a_certain_miss_on_one_interface_overrules_a_hit_on_the_other() {
        let topo = Topology::from_toml_str(TOPO).unwrap();
        let mut book = QuestionBook::new(Duration::from_secs(2));
        let range = TimeRange::at(Timestamp::from_secs(1));
        book.ask_link(&topo, &"ab".into(), Digest::default(), range, 0);
        let q1 = book.poll_question(Timestamp::EPOCH).unwrap();
        let q2 = book.poll_question(Timestamp::EPOCH).unwrap();
        book.handle_answer(q1.id, &hit()).unwrap();
        let miss = Answer::Store(QueryAnswer {
            matches: vec![],
            coverage: Coverage::Full,
        });
        book.handle_answer(q2.id, &miss).unwrap();
        assert_eq!(book.poll_link().unwrap().observation, Observation::Miss);
    }
}
