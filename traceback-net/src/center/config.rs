//! The center's configuration, in code or from one TOML file.

use super::auth::{IspEntry, TokenHash};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use traceback_core::digest::FederationSecret;
use traceback_core::Asn;

/// Everything the center needs to run.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct CenterConfig {
    /// Where the HTTP API listens.
    pub listen: SocketAddr,
    /// The SQLite file (created if missing).
    pub db_path: PathBuf,
    /// The ISPs allowed in, with their token hashes.
    pub isps: Vec<IspEntry>,
    /// The federation secret, to digest submitted packets like every collector does.
    pub federation_secret: FederationSecret,
    /// How long a trace may take before its search is marked failed.
    pub trace_timeout: Duration,
    /// How many traces run at once.
    pub max_concurrent_traces: usize,
    /// Largest request body, in bytes.
    pub max_body_bytes: usize,
}

impl CenterConfig {
    /// Default listen address.
    pub const DEFAULT_LISTEN: &'static str = "127.0.0.1:8480";
    /// Default trace timeout.
    pub const DEFAULT_TRACE_TIMEOUT: Duration = Duration::from_secs(120);
    /// Default body limit (a hex packet of 64 KiB plus room).
    pub const DEFAULT_MAX_BODY: usize = 256 * 1024;

    /// A configuration with defaults for everything but the file and the secret.
    pub fn new(db_path: impl Into<PathBuf>, federation_secret: FederationSecret) -> Self {
        CenterConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8480)),
            db_path: db_path.into(),
            isps: Vec::new(),
            federation_secret,
            trace_timeout: Self::DEFAULT_TRACE_TIMEOUT,
            max_concurrent_traces: 8,
            max_body_bytes: Self::DEFAULT_MAX_BODY,
        }
    }

    /// Add an ISP by its token (hashed here; the token itself is not kept).
    pub fn with_isp_token(mut self, asn: Asn, name: &str, token: &str) -> Self {
        self.isps.push(IspEntry {
            asn,
            name: name.to_owned(),
            token_hash: TokenHash::of_token(token),
        });
        self
    }

    /// Set the trace timeout.
    pub fn with_trace_timeout(mut self, t: Duration) -> Self {
        self.trace_timeout = t;
        self
    }

    /// Set the body limit.
    pub fn with_max_body_bytes(mut self, n: usize) -> Self {
        self.max_body_bytes = n;
        self
    }

    /// Set the listen address.
    pub fn with_listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// Read a TOML configuration; relative paths are taken from `base_dir`
    /// (the directory of the config file).
    pub fn from_toml(text: &str, base_dir: &Path) -> Result<Self, ConfigError> {
        let f: FileConfig = toml::from_str(text)
            .map_err(|e| ConfigError::Toml(crate::config_file::toml_error_line(text, &e)))?;
        let secret_path = base_dir.join(&f.federation_secret_file);
        let secret_text = std::fs::read_to_string(&secret_path)
            .map_err(|e| ConfigError::Secret(secret_path.clone(), e.to_string()))?;
        let federation_secret = FederationSecret::from_hex(secret_text.trim())
            .map_err(|e| ConfigError::Secret(secret_path.clone(), format!("not 64 hex digits: {e}")))?;
        let mut cfg = CenterConfig::new(base_dir.join(&f.db_path), federation_secret);
        if let Some(l) = f.listen {
            cfg.listen = l.parse().map_err(|_| ConfigError::Listen(l))?;
        }
        if let Some(s) = f.trace_timeout_secs {
            if s == 0 {
                return Err(ConfigError::Invalid("trace_timeout_secs must be > 0".into()));
            }
            cfg.trace_timeout = Duration::from_secs(s);
        }
        if let Some(n) = f.max_concurrent_traces {
            cfg.max_concurrent_traces = n.max(1);
        }
        if let Some(n) = f.max_body_bytes {
            if n < 1024 {
                return Err(ConfigError::Invalid("max_body_bytes must be >= 1024".into()));
            }
            cfg.max_body_bytes = n;
        }
        for i in f.isp {
            let token_hash = match (i.token_hash, i.token) {
                (Some(h), None) => TokenHash::from_hex(&h)
                    .map_err(|e| ConfigError::Invalid(format!("token_hash of AS{}: {e}", i.asn)))?,
                (None, Some(t)) if t.len() >= 16 => TokenHash::of_token(&t),
                (None, Some(_)) => {
                    return Err(ConfigError::Invalid(format!(
                        "token of AS{} is shorter than 16 characters",
                        i.asn
                    )))
                }
                _ => {
                    return Err(ConfigError::Invalid(format!(
                        "AS{} needs exactly one of token_hash or token",
                        i.asn
                    )))
                }
            };
            if cfg.isps.iter().any(|e| e.asn.0 == i.asn) {
                return Err(ConfigError::Invalid(format!("AS{} is listed twice", i.asn)));
            }
            if let Some(e) = cfg.isps.iter().find(|e| e.token_hash.ct_eq(&token_hash)) {
                return Err(ConfigError::Invalid(format!(
                    "AS{} has the same token as {}: the center could not tell them apart",
                    i.asn, e.asn
                )));
            }
            cfg.isps.push(IspEntry {
                asn: Asn(i.asn),
                name: i.name.unwrap_or_else(|| format!("AS{}", i.asn)),
                token_hash,
            });
        }
        Ok(cfg)
    }
}

/// A configuration file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// Not valid TOML or unknown keys.
    #[error("config: {0}")]
    Toml(String),
    /// The federation secret file is missing or not 64 hex digits.
    #[error("federation secret {0}: {1}")]
    Secret(PathBuf, String),
    /// `listen` is not `IP:PORT`.
    #[error("listen address {0:?} is not IP:PORT")]
    Listen(String),
    /// Another invalid value.
    #[error("config: {0}")]
    Invalid(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    db_path: PathBuf,
    federation_secret_file: PathBuf,
    trace_timeout_secs: Option<u64>,
    max_concurrent_traces: Option<usize>,
    max_body_bytes: Option<usize>,
    #[serde(default)]
    isp: Vec<FileIsp>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileIsp {
    asn: u32,
    name: Option<String>,
    token_hash: Option<String>,
    token: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_round() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("fed.key"), "11".repeat(32)).unwrap();
        let h = TokenHash::of_token("token-of-isp-a-0123").to_hex();
        let text = format!(
            "listen = \"127.0.0.1:0\"\ndb_path = \"c.db\"\nfederation_secret_file = \"fed.key\"\n\
             trace_timeout_secs = 5\n[[isp]]\nasn = 64500\nname = \"ISP-C\"\ntoken_hash = \"{h}\"\n\
             [[isp]]\nasn = 64501\ntoken = \"token-of-isp-b-0123\"\n"
        );
        let c = CenterConfig::from_toml(&text, dir.path()).unwrap();
        assert_eq!(c.isps.len(), 2);
        assert_eq!(c.db_path, dir.path().join("c.db"));
        assert_eq!(c.trace_timeout, Duration::from_secs(5));
        let bad = text.replace("token = \"token-of-isp-b-0123\"", "token = \"short\"");
        assert!(matches!(
            CenterConfig::from_toml(&bad, dir.path()),
            Err(ConfigError::Invalid(_))
        ));
        // Two ISPs with one token (here the same token, once hashed): refused.
        let same = text.replace(
            "token = \"token-of-isp-b-0123\"",
            "token = \"token-of-isp-a-0123\"",
        );
        match CenterConfig::from_toml(&same, dir.path()) {
            Err(ConfigError::Invalid(e)) => assert!(e.contains("same token"), "{e}"),
            other => panic!("{other:?}"),
        }
        let bad = text.replace("fed.key", "missing.key");
        assert!(matches!(
            CenterConfig::from_toml(&bad, dir.path()),
            Err(ConfigError::Secret(..))
        ));
        assert!(matches!(
            CenterConfig::from_toml("db_path = 1", dir.path()),
            Err(ConfigError::Toml(_))
        ));
    }
}
