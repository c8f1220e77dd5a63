//! Terminal setup and restoration: raw mode, the alternate screen and mouse capture on entry;
//! everything undone on exit and, through a panic hook, when the workbench panics, so the shell
//! is never left in raw mode. Panics of job threads are caught and reported as failed jobs
//! instead.

use ratatui::crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::prelude::CrosstermBackend;
use ratatui::Terminal;
use std::io::{stdout, Stdout};

/// The workbench's terminal.
pub type Tui = Terminal<CrosstermBackend<Stdout>>;

/// Enters raw mode and the alternate screen with mouse capture, and installs the panic hook.
pub fn init() -> std::io::Result<Tui> {
    install_panic_hook();
    enable_raw_mode()?;
    if let Err(e) = execute!(stdout(), EnterAlternateScreen, EnableMouseCapture) {
        restore();
        return Err(e);
    }
    Terminal::new(CrosstermBackend::new(stdout()))
}

/// Leaves the alternate screen and raw mode (errors are ignored: this runs on the way out).
pub fn restore() {
    let _ = execute!(stdout(), DisableMouseCapture, LeaveAlternateScreen);
    let _ = disable_raw_mode();
    let _ = execute!(stdout(), ratatui::crossterm::cursor::Show);
}

fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // A job thread's panic is caught and shown as a failed job; the UI keeps running.
        if std::thread::current().name() == Some(super::jobs::JOB_THREAD) {
            return;
        }
        restore();
        previous(info);
    }));
}
