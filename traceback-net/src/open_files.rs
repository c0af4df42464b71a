//! The process's open-file limit (`RLIMIT_NOFILE`): a program that runs many
//! servers in one process (the field trial runs thousands of collectors)
//! raises its soft limit to what it needs, up to the hard limit, and says so
//! clearly when even the hard limit is too low, instead of failing later
//! with `Too many open files` somewhere in the middle.

// `rlim_t` is `u64` here but not on every Unix: the casts stay.
#![allow(clippy::unnecessary_cast)]

/// The limit before and after [`ensure_open_files`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpenFileLimit {
    /// Soft limit when the process started (what `ulimit -n` showed).
    pub was: u64,
    /// Soft limit now.
    pub soft: u64,
    /// Hard limit (what an unprivileged process may raise its soft limit to).
    pub hard: u64,
}

/// Why the limit cannot cover what is needed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenFileError {
    /// The hard limit is below the need.
    #[error(
        "{what} needs about {need} open files, but this process may open at most {hard} \
         (hard limit; `ulimit -Hn`); raise it or ask for less"
    )]
    HardLimit {
        /// What needs the files.
        what: String,
        /// Open files needed (an estimate with headroom).
        need: u64,
        /// The hard limit.
        hard: u64,
    },
    /// Reading or setting the limit failed.
    #[error("open-file limit: {0}")]
    Os(#[from] std::io::Error),
}

/// Make sure the soft open-file limit is at least `need`: raise it to `need`
/// (never lower it) when the hard limit allows, else fail with
/// [`OpenFileError::HardLimit`] naming `what`. On targets other than Unix
/// nothing is checked.
pub fn ensure_open_files(need: u64, what: &str) -> Result<OpenFileLimit, OpenFileError> {
    #[cfg(unix)]
    {
        let (soft, hard) = get()?;
        let infinite = hard == libc::RLIM_INFINITY as u64;
        if !infinite && hard < need {
            return Err(OpenFileError::HardLimit {
                what: what.to_owned(),
                need,
                hard,
            });
        }
        if soft >= need {
            return Ok(OpenFileLimit {
                was: soft,
                soft,
                hard,
            });
        }
        set(need, hard)?;
        let (now, hard) = get()?;
        Ok(OpenFileLimit {
            was: soft,
            soft: now,
            hard,
        })
    }
    #[cfg(not(unix))]
    {
        let _ = what;
        Ok(OpenFileLimit {
            was: need,
            soft: need,
            hard: need,
        })
    }
}

#[cfg(unix)]
fn get() -> std::io::Result<(u64, u64)> {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `r` is a valid, writable rlimit for the call's duration.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok((r.rlim_cur as u64, r.rlim_max as u64))
}

#[cfg(unix)]
fn set(soft: u64, hard: u64) -> std::io::Result<()> {
    let r = libc::rlimit {
        rlim_cur: soft as libc::rlim_t,
        rlim_max: hard as libc::rlim_t,
    };
    // SAFETY: `r` is a valid rlimit; the call only reads it.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &r) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_need_within_the_soft_limit_changes_nothing_and_one_above_the_hard_limit_is_refused() {
        let (soft, hard) = get().unwrap();
        let l = ensure_open_files(soft.min(16), "a test").unwrap();
        assert_eq!((l.was, l.soft, l.hard), (soft, soft, hard));
        assert_eq!(get().unwrap(), (soft, hard));
        if hard != libc::RLIM_INFINITY as u64 {
            let e = ensure_open_files(hard + 1, "a test").unwrap_err();
            assert!(e.to_string().contains("a test needs about"), "{e}");
            assert_eq!(get().unwrap(), (soft, hard), "nothing changed");
        }
    }

    #[test]
    fn the_soft_limit_is_raised_to_the_need_when_the_hard_limit_allows() {
        // Run in a child so the test process's own limit is left alone.
        if std::env::var_os("TRACEBACK_OPEN_FILES_CHILD").is_none() {
            let out = std::process::Command::new(std::env::current_exe().unwrap())
                .args([
                    "--exact",
                    "open_files::tests::the_soft_limit_is_raised_to_the_need_when_the_hard_limit_allows",
                    "--nocapture",
                ])
                .env("TRACEBACK_OPEN_FILES_CHILD", "1")
                .output()
                .unwrap();
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            assert!(String::from_utf8_lossy(&out.stdout).contains("raised"));
            return;
        }
        let (_, hard) = get().unwrap();
        let cap = if hard == libc::RLIM_INFINITY as u64 {
            4096
        } else {
            hard
        };
        if cap < 64 {
            println!("raised: skipped, hard limit {hard}");
            return;
        }
        set(32, hard).unwrap();
        let l = ensure_open_files(cap / 2, "a test").unwrap();
        assert_eq!((l.was, l.soft), (32, cap / 2));
        assert_eq!(get().unwrap().0, cap / 2);
        println!("raised: 32 -> {}", l.soft);
    }
}
