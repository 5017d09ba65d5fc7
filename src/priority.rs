//! Lowering the process's CPU priority, for writers that run behind an open UI.

/// The niceness a background job runs at: the `nice` command's default.
pub const BACKGROUND_NICENESS: i32 = 10;

/// Lowers the calling thread's (and the threads it will start) CPU priority to
/// `BACKGROUND_NICENESS`; a no-op where the platform has no niceness.
pub fn lower() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let current = rustix::process::getpriority_process(None)?;
        if current < BACKGROUND_NICENESS {
            rustix::process::nice(BACKGROUND_NICENESS - current)?;
        }
    }
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    #[test]
    fn lowering_reaches_the_background_niceness_and_never_raises() {
        // On a thread of its own: niceness is per thread on Linux, and cannot be raised back.
        std::thread::spawn(|| {
            super::lower().expect("lower");
            let now = rustix::process::getpriority_process(None).expect("get");
            assert!(now >= super::BACKGROUND_NICENESS, "{now}");
            super::lower().expect("again");
            assert_eq!(
                rustix::process::getpriority_process(None).expect("get"),
                now
            );
        })
        .join()
        .expect("thread");
    }
}
