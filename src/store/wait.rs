//! Waiting for the project while another process writes to it.
//!
//! SQLite lets one writer at a time into a project. Every write transaction starts `IMMEDIATE`
//! (it takes the write lock at `BEGIN`, never half-way), so a second writer waits at its start
//! instead of failing later. The waiting is done by a busy handler installed on every
//! connection:
//!
//! - it waits up to [`wait_limit`] (the `SCALEWRIGHT_WAIT` environment variable, in seconds;
//!   [`DEFAULT_WAIT`] when unset), polling the lock;
//! - after [`ANNOUNCE_AFTER`] of waiting it tells the project's [`WaitObserver`] (or the default
//!   one, [`set_default_wait_observer`]) once per wait, so a front end can say "waiting for the
//!   project: another scalewright is writing";
//! - [`give_up_waiting`] (safe to call from a signal handler) ends the current wait at once, as
//!   if the limit had passed. A finished fit that cannot be stored is then kept in a side file
//!   (see [`super::PendingRun`]).
//!
//! When the wait ends without the lock, the write fails with a busy [`super::StoreError`]
//! ([`super::StoreError::is_busy`]); nothing is half-written.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The environment variable holding the longest wait for the project, in seconds (`0`: do not
/// wait at all).
pub const WAIT_ENV: &str = "SCALEWRIGHT_WAIT";

/// How long a writer waits for the project unless [`WAIT_ENV`] says otherwise: long enough for
/// another process's bulk import or stored fit at 10^7 responses.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(600);

/// How long a writer waits quietly before its observer is told.
pub const ANNOUNCE_AFTER: Duration = Duration::from_millis(500);

/// The longest pause between two looks at the lock.
const MAX_PAUSE: Duration = Duration::from_millis(50);

/// The wait limit: [`WAIT_ENV`] in (fractional) seconds, or [`DEFAULT_WAIT`] when it is unset or
/// not a non-negative number.
pub fn wait_limit() -> Duration {
    parse_wait(std::env::var(WAIT_ENV).ok().as_deref())
}

fn parse_wait(value: Option<&str>) -> Duration {
    value
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0 && *s < 1e9)
        .map(Duration::from_secs_f64)
        .unwrap_or(DEFAULT_WAIT)
}

/// A writer has been waiting for the project for [`ANNOUNCE_AFTER`] (told once per wait).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitNotice {
    /// The project file.
    pub project: PathBuf,
    /// How long the writer waits in all before giving up.
    pub limit: Duration,
}

impl std::fmt::Display for WaitNotice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "waiting for the project {}: another scalewright is writing (up to {} s, {}={})",
            self.project.display(),
            self.limit.as_secs(),
            WAIT_ENV,
            self.limit.as_secs()
        )
    }
}

/// Told when a write starts waiting for the project.
pub type WaitObserver = Arc<dyn Fn(&WaitNotice) + Send + Sync>;

fn default_observer() -> &'static Mutex<Option<WaitObserver>> {
    static DEFAULT: OnceLock<Mutex<Option<WaitObserver>>> = OnceLock::new();
    DEFAULT.get_or_init(|| Mutex::new(None))
}

/// Sets the observer told about waits of every project that has none of its own (a command
/// line prints the notice on stderr). `None` removes it.
pub fn set_default_wait_observer(observer: Option<WaitObserver>) {
    if let Ok(mut slot) = default_observer().lock() {
        *slot = observer;
    }
}

static GIVE_UP: AtomicBool = AtomicBool::new(false);
/// Milliseconds since [`epoch`] of the last look at a busy lock (0: never).
static LAST_LOOK_MS: AtomicU64 = AtomicU64::new(0);

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn millis_since_epoch() -> u64 {
    // +1 so that a look in the first millisecond is not read as "never".
    epoch().elapsed().as_millis() as u64 + 1
}

/// Ends the wait in progress (if any) as if its limit had passed. Only touches atomics, so a
/// signal handler may call it.
pub fn give_up_waiting() {
    GIVE_UP.store(true, Ordering::SeqCst);
}

/// Whether some connection of this process is waiting for a project right now (it looked at the
/// lock within the last half second). Only reads atomics and the clock (signal-safe).
pub fn waiting_now() -> bool {
    let last = LAST_LOOK_MS.load(Ordering::SeqCst);
    last != 0 && millis_since_epoch().saturating_sub(last) < 500
}

/// The shared slot of a project's own observer.
pub(crate) type ObserverSlot = Arc<Mutex<Option<WaitObserver>>>;

/// A project's wait limit in milliseconds, shared with its busy handler.
pub(crate) type LimitSlot = Arc<AtomicU64>;

/// The busy handler of a connection to `project`: waits up to the limit in `limit_ms`, telling
/// the observer once per wait after [`ANNOUNCE_AFTER`].
pub(crate) fn busy_handler(
    project: &Path,
    limit_ms: LimitSlot,
    own: ObserverSlot,
) -> impl FnMut(i32) -> bool + Send + 'static {
    let project = project.to_path_buf();
    // Make sure the epoch exists before a signal handler may read it.
    let _ = epoch();
    let mut started = Instant::now();
    let mut announced = false;
    move |count: i32| {
        let limit = Duration::from_millis(limit_ms.load(Ordering::Relaxed));
        let now = Instant::now();
        if count == 0 {
            started = now;
            announced = false;
            // A give-up asked outside any wait belongs to no wait.
            if !waiting_now() {
                GIVE_UP.store(false, Ordering::SeqCst);
            }
        }
        LAST_LOOK_MS.store(millis_since_epoch(), Ordering::SeqCst);
        if GIVE_UP.swap(false, Ordering::SeqCst) {
            return false;
        }
        let waited = now.duration_since(started);
        if waited >= limit {
            return false;
        }
        if !announced && waited >= ANNOUNCE_AFTER {
            announced = true;
            let notice = WaitNotice {
                project: project.clone(),
                limit,
            };
            let observer = own
                .lock()
                .ok()
                .and_then(|o| o.clone())
                .or_else(|| default_observer().lock().ok().and_then(|o| o.clone()));
            if let Some(observer) = observer {
                observer(&notice);
            }
        }
        let pause = Duration::from_millis(1 << count.clamp(0, 6)).min(MAX_PAUSE);
        std::thread::sleep(pause.min(limit - waited));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_limit_reads_seconds_and_falls_back_to_the_default() {
        assert_eq!(parse_wait(None), DEFAULT_WAIT);
        assert_eq!(parse_wait(Some("2.5")), Duration::from_millis(2500));
        assert_eq!(parse_wait(Some(" 0 ")), Duration::ZERO);
        assert_eq!(parse_wait(Some("-1")), DEFAULT_WAIT);
        assert_eq!(parse_wait(Some("soon")), DEFAULT_WAIT);
    }

    #[test]
    fn the_handler_announces_once_gives_up_at_the_limit_and_on_request() {
        let told = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&told);
        let observer: WaitObserver = Arc::new(move |n: &WaitNotice| {
            sink.lock().unwrap().push(n.clone());
        });
        let slot: ObserverSlot = Arc::new(Mutex::new(Some(observer)));
        let limit = Duration::from_millis(800);
        let limit_ms: LimitSlot = Arc::new(AtomicU64::new(800));
        let mut handler = busy_handler(Path::new("p.db"), limit_ms, slot);
        let mut count = 0;
        while handler(count) {
            count += 1;
        }
        let told = told.lock().unwrap();
        assert_eq!(told.len(), 1, "told once per wait");
        assert_eq!(told[0].project, PathBuf::from("p.db"));
        assert_eq!(told[0].limit, limit);
        assert!(told[0]
            .to_string()
            .contains("another scalewright is writing"));
        // It looked at the lock many times (pauses of at most 50 ms over 0.8 s).
        assert!(count >= 16, "{count} looks");

        // Giving up ends the wait in progress (one test: the flag is shared by the process).
        let slot: ObserverSlot = Arc::new(Mutex::new(None));
        let limit_ms: LimitSlot = Arc::new(AtomicU64::new(600_000));
        let mut handler = busy_handler(Path::new("p.db"), limit_ms, slot);
        assert!(handler(0));
        assert!(waiting_now());
        give_up_waiting();
        assert!(!handler(1));
    }
}
