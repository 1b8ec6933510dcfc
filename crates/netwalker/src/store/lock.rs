//! The writer's exclusive lock on a store.
//!
//! Two writers on one store would hand out the same device ids (each
//! rebuilds its identity index at start) and so merge unrelated devices, and
//! `--resume` would adopt a run that is still going. So
//! [`StoreWriter::open`](super::StoreWriter::open) takes an OS advisory lock
//! (`flock`/`LockFileEx`, through std's `File::try_lock`) on the sidecar
//! file `<store>.lock` and holds it for the writer's life.
//!
//! - An OS lock, not a pid file: the kernel drops it when the process exits,
//!   however it exits, so a crashed or killed walk never blocks the next one.
//! - The holder writes who it is (pid, host, start time, command line) into
//!   the file, so a refused writer can say which process to wait for or stop.
//! - The file is never deleted: deleting it would let two processes lock two
//!   different files of the same name.
//! - Readers ([`StoreReader`](super::StoreReader)) never take it: reports
//!   and `exec` keep working while a walk runs.

use super::StoreError;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Longest command line recorded in the lock file.
const MAX_COMMAND: usize = 300;

/// Holds `<store>.lock` locked until dropped.
#[derive(Debug)]
pub struct StoreLock {
    /// The locked file; closing it (on drop or process exit) releases the lock.
    file: File,
    /// For messages and for clearing the holder details on drop.
    path: PathBuf,
}

/// The sidecar lock file of a store.
pub fn lock_path(store: &Path) -> PathBuf {
    let mut name = store.as_os_str().to_os_string();
    name.push(".lock");
    PathBuf::from(name)
}

impl StoreLock {
    /// Locks `store` for writing, or fails at once with
    /// [`StoreError::Locked`] naming the process that holds it.
    pub fn acquire(store: &Path) -> Result<StoreLock, StoreError> {
        let path = lock_path(store);
        let io_err = |source| StoreError::Lock {
            path: store.to_path_buf(),
            lock: path.clone(),
            source,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io_err)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(StoreError::Locked {
                    store: store.into(),
                    holder: read_holder(&mut file),
                });
            }
            Err(TryLockError::Error(e)) => return Err(io_err(e)),
        }
        // Ours now: replace whatever an earlier holder left behind.
        file.set_len(0).map_err(io_err)?;
        file.write_all(holder_details().as_bytes())
            .and_then(|()| file.flush())
            .map_err(io_err)?;
        Ok(StoreLock { file, path })
    }

    /// The lock file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for StoreLock {
    fn drop(&mut self) {
        // Leave no stale details behind; the lock itself goes with the file.
        let _ = self.file.set_len(0);
    }
}

/// Who we are, one `key: value` per line.
fn holder_details() -> String {
    let host = dns_lookup::get_hostname().unwrap_or_else(|_| "unknown host".into());
    let mut command = std::env::args().collect::<Vec<_>>().join(" ");
    if command.len() > MAX_COMMAND {
        let mut cut = MAX_COMMAND;
        while !command.is_char_boundary(cut) {
            cut -= 1;
        }
        command.truncate(cut);
        command.push_str(" ...");
    }
    let started = chrono::Utc::now().format("%Y-%m-%d %H:%M:%S UTC");
    format!(
        "pid: {}\nhost: {host}\nstarted: {started}\ncommand: {command}\n",
        std::process::id()
    )
}

/// The holder's details as one line for the error message. The file is
/// written by another process and could be anything: bounded, and control
/// characters dropped.
fn read_holder(file: &mut File) -> String {
    let mut text = String::new();
    let _ = file.seek(SeekFrom::Start(0));
    let _ = Read::take(file, 4096).read_to_string(&mut text);
    let fields: Vec<String> = text
        .lines()
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| {
            let v: String = v
                .chars()
                .filter(|c| !c.is_control())
                .take(MAX_COMMAND + 4)
                .collect();
            format!("{}: {v}", k.trim())
        })
        .collect();
    if fields.is_empty() {
        "its details are not written yet".into()
    } else {
        fields.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_fails_naming_the_holder_and_a_released_lock_is_free() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("inv.db");
        let held = StoreLock::acquire(&store).unwrap();
        assert_eq!(held.path(), dir.path().join("inv.db.lock"));
        let err = StoreLock::acquire(&store).unwrap_err().to_string();
        let pid = format!("pid: {}", std::process::id());
        assert!(err.contains(&pid) && err.contains("inv.db"), "{err}");
        assert!(err.contains("--store"), "says what to do: {err}");
        drop(held);
        let again = StoreLock::acquire(&store).unwrap();
        drop(again);
        assert_eq!(std::fs::read_to_string(lock_path(&store)).unwrap(), "");
    }

    #[test]
    fn holder_details_from_the_file_are_bounded_and_printable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.lock");
        std::fs::write(
            &path,
            format!("pid: 1\x1b[2J\ncommand: {}\n", "a".repeat(9000)),
        )
        .unwrap();
        let mut f = File::open(&path).unwrap();
        let h = read_holder(&mut f);
        assert!(h.starts_with("pid: 1[2J, command: a"), "{h}");
        assert!(h.len() < 400, "{}", h.len());
    }
}
