//! The boundary between the index library and the user: a read that panics (tantivy asserts on
//! damaged files instead of returning an error) becomes an error, and its panic prints nothing.
use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};

thread_local! {
    /// How many guarded reads this thread is inside of.
    static GUARDED: Cell<u32> = const { Cell::new(0) };
}

/// Runs `read`; a panic inside it comes back as `Err` with the panic's message.
pub fn catch<T>(read: impl FnOnce() -> T) -> Result<T, String> {
    GUARDED.with(|depth| depth.set(depth.get() + 1));
    let result = panic::catch_unwind(AssertUnwindSafe(read));
    GUARDED.with(|depth| depth.set(depth.get() - 1));
    result.map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|text| (*text).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a read failed".to_owned())
    })
}

/// Installs a panic hook, in front of the current one, that keeps panics caught by [`catch`]
/// off the terminal (no message, no backtrace); every other panic goes on to the current hook.
/// Call it after any other hook is installed (the terminal UI's restores the screen, which a
/// caught panic must not do).
pub fn silence_caught_panics() {
    let previous = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if GUARDED.with(|depth| depth.get()) == 0 {
            previous(info);
        }
    }));
}
