//! Reading a program's TOML config file; paths in it are relative to the file.

use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};

/// A config file that could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigFileError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is not valid TOML of the expected shape.
    #[error("{path}: {detail}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message on one line, with line and column
        /// ([`toml_error_line`]).
        detail: String,
    },
    /// A value is out of range or inconsistent.
    #[error("{path}: {detail}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
}

/// Parse `path` as TOML into `T`; returns it with the directory relative paths resolve against.
pub fn load<T: DeserializeOwned>(path: &Path) -> Result<(T, PathBuf), ConfigFileError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigFileError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let value = toml::from_str(&text).map_err(|e| ConfigFileError::Parse {
        path: path.to_path_buf(),
        detail: toml_error_line(&text, &e),
    })?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    Ok((value, base))
}

/// A TOML error as one line: `line L, column C: message` (the parser's own
/// display is a multi-line snippet with a caret, which does not fit a
/// one-line program error or a log field).
pub fn toml_error_line(text: &str, e: &toml::de::Error) -> String {
    let message = e.message().split_whitespace().collect::<Vec<_>>().join(" ");
    match e.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("line {line}, column {column}: {message}")
        }
        None => message,
    }
}

/// `p` if absolute, else `base/p`.
pub fn resolve(base: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Shape {
        listen: String,
        hop_limit: Option<u8>,
    }

    #[test]
    fn toml_errors_are_one_line_with_their_place() {
        for (text, want) in [
            ("listen = \n[[", "line 1, column 10: "),
            ("listen = \"a\"\nhop_limit = \"x\"\n", "line 2, column 13: "),
            (
                "listen = \"a\"\nbogus = 1\n",
                "line 2, column 1: unknown field `bogus`",
            ),
            ("listen = \"a\"\nlisten = \"b\"\n", "line 2, column 1: "),
        ] {
            let e = toml::from_str::<Shape>(text).unwrap_err();
            let line = toml_error_line(text, &e);
            assert!(line.starts_with(want), "{text:?}: {line}");
            assert!(!line.contains('\n'), "{line}");
        }
    }
}
