//! A file written whole or not at all: through a temporary file next to it that is synced and
//! renamed into place, so a reader never sees half a file and a killed process leaves no half
//! file where the real one goes. Every file the library writes in one piece goes through here:
//! exports and their sidecars, Facets and Winsteps files, figures, reports, descriptions,
//! prediction files and the side files of work a busy project could not store. (It imports
//! nothing of the crate: any stage may use it.)

use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` whole or not at all ([`write_whole_with`]). Every file the library
/// writes in one piece (exports' sidecars, Facets and Winsteps files, figures, reports,
/// descriptions) goes through here.
pub fn write_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_whole_with(path, |file| std::io::Write::write_all(file, bytes), |e| e)
}

/// Writes a file to `path` whole or not at all: `write` fills a temporary file next to it
/// (`.NAME.partial-PID`), which is synced and renamed over `path`, and removed again on
/// failure, so an earlier file is never half overwritten and a failed write leaves nothing
/// behind. `io_error` tells the caller's error of a failed create, sync or rename.
pub fn write_whole_with<E>(
    path: &Path,
    write: impl FnOnce(&mut std::fs::File) -> Result<(), E>,
    io_error: impl Fn(std::io::Error) -> E,
) -> Result<(), E> {
    let temp = temporary_path(path);
    let result = (|| {
        let mut file = std::fs::File::create(&temp).map_err(&io_error)?;
        write(&mut file)?;
        file.sync_all().map_err(&io_error)?;
        std::fs::rename(&temp, path).map_err(&io_error)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

fn temporary_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.partial-{}", std::process::id()))
}

/// Removes the temporary files an earlier export of `path` left when it was killed
/// (`.NAME.partial-PID` whose process is gone); a running export's file is left alone.
pub(crate) fn remove_stale_partials(path: &Path) {
    let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return;
    };
    let prefix = format!(".{name}.partial-");
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = file_name
            .strip_prefix(&prefix)
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !process_alive(pid) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Whether process `pid` exists (signal 0 checks without sending anything).
fn process_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: kill with signal 0 only checks that the process exists and may be signalled.
    let status = unsafe { libc::kill(pid, 0) };
    status == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_killed_exports_partial_file_is_removed_by_the_next_export() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("measures.csv");
        // A process id above Linux's largest (2^22) is never alive.
        let stale = dir.path().join(".measures.csv.partial-4999999");
        let running = dir
            .path()
            .join(format!(".measures.csv.partial-{}", std::process::id()));
        let other = dir.path().join(".other.csv.partial-4999999");
        for f in [&stale, &running, &other] {
            std::fs::write(f, "half").unwrap();
        }
        remove_stale_partials(&target);
        assert!(!stale.exists());
        assert!(running.exists(), "this process's own file is left alone");
        assert!(other.exists(), "another export's file is left alone");
        assert!(process_alive(std::process::id()));
        assert!(!process_alive(4_999_999));
    }
}
