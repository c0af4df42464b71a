//! Choosing an algorithm by name, from config.
//!
//! Built-ins are a closed enum ([`AlgorithmKind`]); third-party algorithms
//! register a constructor under a name in an [`AlgorithmRegistry`].

use super::algorithm::TraceAlgorithm;
use super::border_first::{BorderFirst, BORDER_FIRST_NAME};
use super::error::TraceError;
use super::params::TraceParams;
use super::spie::{SpieFlood, SPIE_NAME};
use crate::topology::Topology;
use core::fmt;
use core::str::FromStr;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The built-in algorithms.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum AlgorithmKind {
    /// [`SpieFlood`]: reverse-path flooding, finds the path and the ingress.
    #[default]
    Spie,
    /// [`BorderFirst`]: edge collectors only, finds the ingress with fewer questions.
    BorderFirst,
}

impl AlgorithmKind {
    /// Every built-in.
    pub const ALL: [AlgorithmKind; 2] = [AlgorithmKind::Spie, AlgorithmKind::BorderFirst];

    /// The config name.
    pub fn name(self) -> &'static str {
        match self {
            AlgorithmKind::Spie => SPIE_NAME,
            AlgorithmKind::BorderFirst => BORDER_FIRST_NAME,
        }
    }

    /// Start a trace with this algorithm.
    pub fn start(
        self,
        topo: Arc<Topology>,
        params: TraceParams,
    ) -> Result<Box<dyn TraceAlgorithm>, TraceError> {
        Ok(match self {
            AlgorithmKind::Spie => Box::new(SpieFlood::new(topo, params)?),
            AlgorithmKind::BorderFirst => Box::new(BorderFirst::new(topo, params)?),
        })
    }
}

impl fmt::Display for AlgorithmKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for AlgorithmKind {
    type Err = TraceError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AlgorithmKind::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| TraceError::UnknownAlgorithm(s.to_owned()))
    }
}

/// A constructor for a registered algorithm.
pub type AlgorithmConstructor =
    Arc<dyn Fn(Arc<Topology>, TraceParams) -> Result<Box<dyn TraceAlgorithm>, TraceError> + Send + Sync>;

/// Algorithms by name: the built-ins plus any registered by the user.
#[derive(Clone)]
pub struct AlgorithmRegistry {
    entries: BTreeMap<String, AlgorithmConstructor>,
}

impl fmt::Debug for AlgorithmRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AlgorithmRegistry")
            .field("names", &self.entries.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Default for AlgorithmRegistry {
    fn default() -> Self {
        Self::with_builtins()
    }
}

impl AlgorithmRegistry {
    /// A registry holding every [`AlgorithmKind`].
    pub fn with_builtins() -> Self {
        let mut r = AlgorithmRegistry {
            entries: BTreeMap::new(),
        };
        for k in AlgorithmKind::ALL {
            r.register(k.name(), Arc::new(move |t, p| k.start(t, p)));
        }
        r
    }

    /// Add (or replace) an algorithm under `name` (matched case-insensitively).
    pub fn register(&mut self, name: &str, constructor: AlgorithmConstructor) {
        self.entries.insert(name.to_ascii_lowercase(), constructor);
    }

    /// The registered names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> + '_ {
        self.entries.keys().map(String::as_str)
    }

    /// Whether an algorithm is registered under `name` (case-insensitively,
    /// surrounding spaces ignored, as [`AlgorithmRegistry::start`] matches).
    pub fn contains(&self, name: &str) -> bool {
        self.entries.contains_key(&name.trim().to_ascii_lowercase())
    }

    /// Start a trace with the algorithm called `name`.
    pub fn start(
        &self,
        name: &str,
        topo: Arc<Topology>,
        params: TraceParams,
    ) -> Result<Box<dyn TraceAlgorithm>, TraceError> {
        let ctor = self
            .entries
            .get(&name.trim().to_ascii_lowercase())
            .ok_or_else(|| TraceError::UnknownAlgorithm(name.to_owned()))?;
        ctor(topo, params)
    }
}
