//! A fresh federation secret, drawn from the operating system's random
//! source (the core takes randomness only as an argument).

use std::io::Write;
use std::path::{Path, PathBuf};
use traceback_core::digest::FederationSecret;

/// Why a secret could not be made or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    /// The operating system's random source failed.
    #[error("the system random source failed")]
    Random,
    /// The file exists already, or could not be written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error (`AlreadyExists` when the file is there: secrets are never overwritten).
        source: std::io::Error,
    },
}

/// 32 random bytes from the system's CSPRNG (through the `ring` provider).
pub fn generate() -> Result<FederationSecret, SecretError> {
    let mut bytes = [0u8; 32];
    rustls::crypto::ring::default_provider()
        .secure_random
        .fill(&mut bytes)
        .map_err(|_| SecretError::Random)?;
    Ok(FederationSecret::from_bytes(bytes))
}

/// Write a new secret to `path` as 64 hex digits and a newline, the format
/// every program's `federation_secret_file` reads. The file must not exist
/// (a federation's secret is never replaced by accident); on Unix it is
/// created readable by its owner only.
pub fn write_new(path: &Path) -> Result<FederationSecret, SecretError> {
    let io = |source| SecretError::Io {
        path: path.to_path_buf(),
        source,
    };
    let secret = generate()?;
    let mut open = std::fs::OpenOptions::new();
    open.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o600);
    let mut f = open.open(path).map_err(io)?;
    writeln!(f, "{}", secret.to_hex()).map_err(io)?;
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_fresh_readable_and_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("federation.key");
        let written = write_new(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(FederationSecret::from_hex(text.trim()).unwrap(), written);
        assert_ne!(generate().unwrap(), written);
        match write_new(&path) {
            Err(SecretError::Io { source, .. }) => {
                assert_eq!(source.kind(), std::io::ErrorKind::AlreadyExists)
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "{mode:o}");
        }
    }
}
