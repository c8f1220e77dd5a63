//! Saying on stderr that a command waits for the project, and letting Ctrl-C give up the wait.

use scalewright::store::wait::{self, WaitNotice};
use std::sync::Arc;

/// Ctrl-C while waiting for the project gives up the wait (a finished fit is then kept in a side
/// file); at any other time it stops the process as usual.
extern "C" fn on_interrupt(_: libc::c_int) {
    if wait::waiting_now() {
        wait::give_up_waiting();
    } else {
        // SAFETY: signal and raise are async-signal-safe; the default action ends the process.
        unsafe {
            libc::signal(libc::SIGINT, libc::SIG_DFL);
            libc::raise(libc::SIGINT);
        }
    }
}

/// Prints every wait for a project on stderr (even with --quiet: the command is not stuck) and
/// installs the Ctrl-C handler on the first one.
pub fn announce_waits() {
    wait::set_default_wait_observer(Some(Arc::new(|notice: &WaitNotice| {
        let handler: extern "C" fn(libc::c_int) = on_interrupt;
        // SAFETY: installing a handler that only touches atomics or restores the default.
        unsafe {
            libc::signal(libc::SIGINT, handler as libc::sighandler_t);
        }
        eprintln!(
            "{notice}; press Ctrl-C to stop waiting (a finished fit or training is saved to a side file)"
        );
    })));
}
