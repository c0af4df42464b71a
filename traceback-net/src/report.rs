//! One-line error reports for the programs: the error and its causes, each
//! said once, and an exit code.

use std::error::Error;
use std::process::ExitCode;

/// `error: cause: deeper cause`, skipping a cause whose text the line
/// already holds (error types that print their source inside their own
/// message would otherwise repeat it at every level).
pub fn one_line(e: &(dyn Error + 'static)) -> String {
    let mut line = e.to_string();
    let mut next = e.source();
    while let Some(cause) = next {
        let text = cause.to_string();
        if !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        next = cause.source();
    }
    line
}

/// Print `Error: <one line>` on stderr for a failed program and return its
/// exit code (1), or 0 on success. No backtrace is printed, whatever
/// `RUST_BACKTRACE` says: these are user-facing errors, not bugs.
pub fn exit<E>(result: Result<(), E>) -> ExitCode
where
    E: Into<Box<dyn Error + Send + Sync + 'static>>,
{
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let e: Box<dyn Error + Send + Sync + 'static> = e.into();
            eprintln!("Error: {}", one_line(e.as_ref()));
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    enum Inner {
        #[error("AS graph has no node 7")]
        NoNode,
    }

    #[derive(Debug, thiserror::Error)]
    enum Outer {
        #[error("data plane: {0}")]
        Repeats(#[source] Inner),
        #[error("data plane")]
        Terse(#[source] Inner),
    }

    #[test]
    fn causes_are_said_once() {
        assert_eq!(
            one_line(&Outer::Repeats(Inner::NoNode)),
            "data plane: AS graph has no node 7"
        );
        assert_eq!(
            one_line(&Outer::Terse(Inner::NoNode)),
            "data plane: AS graph has no node 7"
        );
        assert_eq!(exit(Ok::<(), Outer>(())), ExitCode::SUCCESS);
        assert_eq!(exit(Err(Outer::Terse(Inner::NoNode))), ExitCode::FAILURE);
    }
}
