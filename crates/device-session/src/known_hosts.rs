//! Host-key checking against an OpenSSH known_hosts file, and recording
//! new keys under accept-new.
//!
//! A known host is identified by its entries, whatever their algorithm: a
//! device known by an Ed25519 key that now presents an RSA or ECDSA key has
//! *changed* its key (an impostor picks whichever algorithm it has a key
//! for), so it is refused like any other changed key, naming the file and
//! line. A key that cannot be recorded is an error, never a silent accept.
//! Checks and writes from concurrent sessions of this process are
//! serialised, and each new entry is one appended write whose result is
//! checked and synced.

use russh::keys::PublicKey;
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

/// Serialises check-then-record across concurrent connections in this process.
static LOCK: Mutex<()> = Mutex::new(());

#[derive(Debug)]
pub(crate) enum HostKeyError {
    /// The host is known with another key (of any algorithm); names file and line.
    Changed(String),
    /// Not in the file, and the policy does not learn.
    Unknown,
    /// Accept-new could not record the key; why, and where.
    NotRecorded(String),
}

/// Checks `key` for `host:port` against `path`; with `learn`, records an
/// unknown host's key.
pub(crate) fn verify(
    host: &str,
    port: u16,
    key: &PublicKey,
    path: &Path,
    learn: bool,
) -> Result<(), HostKeyError> {
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let entries = russh::keys::known_hosts::known_host_keys_path(host, port, path)
        .map_err(|e| HostKeyError::Changed(format!("cannot read {}: {e}", path.display())))?;
    if entries.iter().any(|(_, k)| k.key_data() == key.key_data()) {
        return Ok(());
    }
    // Prefer the entry of the same algorithm for the message; any will do.
    let known = entries
        .iter()
        .find(|(_, k)| k.algorithm() == key.algorithm())
        .or(entries.first());
    if let Some((nth, recorded)) = known {
        return Err(HostKeyError::Changed(format!(
            "{} line {}: known key is {}, the device presented {}",
            path.display(),
            physical_line(path, *nth),
            recorded.algorithm(),
            key.algorithm()
        )));
    }
    if !learn {
        return Err(HostKeyError::Unknown);
    }
    record(host, port, key, path).map_err(|e| {
        HostKeyError::NotRecorded(format!("cannot record it in {}: {e}", path.display()))
    })
}

/// russh numbers entries skipping comment lines; the user needs the line
/// an editor shows.
fn physical_line(path: &Path, nth_entry: usize) -> usize {
    let Ok(text) = std::fs::read_to_string(path) else {
        return nth_entry;
    };
    let mut entries = 0;
    for (i, line) in text.lines().enumerate() {
        if !line.starts_with('#') {
            entries += 1;
            if entries == nth_entry {
                return i + 1;
            }
        }
    }
    nth_entry
}

/// Appends one entry in a single checked, synced write.
fn record(host: &str, port: u16, key: &PublicKey, path: &Path) -> std::io::Result<()> {
    if path.as_os_str().is_empty() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "no known_hosts file (HOME is not set); give a known_hosts path",
        ));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let needs_newline = match std::fs::read(path) {
        Ok(bytes) => bytes.last().is_some_and(|&b| b != b'\n'),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => return Err(e),
    };
    let openssh = key.to_openssh().map_err(std::io::Error::other)?;
    let mut line = String::new();
    if needs_newline {
        line.push('\n');
    }
    if port == 22 {
        line.push_str(host);
    } else {
        line.push_str(&format!("[{host}]:{port}"));
    }
    line.push(' ');
    line.push_str(openssh.trim_end());
    line.push('\n');
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)?;
    f.write_all(line.as_bytes())?;
    f.sync_data()
}
