//! The `scalewright` command: a thin front end over the library (`scalewright::*`).
//! It parses arguments, calls the library, and prints; it does no statistics itself.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::run()
}
