//! The `scalewright` command: a thin front end over the library (`scalewright::*`).
//! It parses arguments, calls the library, and prints; it does no statistics itself.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    // Die quietly on a closed pipe (`scalewright report | head`), as command-line tools do,
    // instead of panicking on the failed write.
    // SAFETY: setting a signal disposition to its default before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    cli::run()
}
