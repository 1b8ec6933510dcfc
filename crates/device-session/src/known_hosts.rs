//! Host-key checking against an OpenSSH known_hosts file, and recording
//! new keys under accept-new.
//!
//! A known host is identified by its entries, whatever their algorithm: a
//! device known by an Ed25519 key that now presents an RSA or ECDSA key has
//! *changed* its key (an impostor picks whichever algorithm it has a key
//! for), so it is refused like any other changed key, naming the file and
//! line. A key that cannot be recorded is an error, never a silent accept.
//!
//! Why not russh's `known_hosts` functions, called per connection: they read
//! and scan the whole file for every check, and recording re-read it again,
//! so the first walk of N new devices read O(N²) bytes (10,000 devices: GBs)
//! while holding a lock on the async runtime, and every new key paid its own
//! fsync (~4 ms here) one after another. Instead each file is read once into
//! an index ([`Index`], the same matching rules as russh: exact host
//! patterns and `|1|` hashed ones) and read again only when its size, mtime
//! or inode say someone else changed it. New keys go into the index at once
//! (a second session to the same host sees them) and onto disk by group
//! commit: the first waiting learner writes every queued line in one write
//! and syncs once for all of them, on a blocking thread, while the others
//! wait for their own line's outcome.

use data_encoding::BASE64_MIME;
use hmac::{Hmac, KeyInit, Mac};
use russh::keys::PublicKey;
use sha1::Sha1;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, OnceLock};

#[derive(Debug)]
pub(crate) enum HostKeyError {
    /// The host is known with another key (of any algorithm); names file and line.
    Changed(String),
    /// Not in the file, and the policy does not learn.
    Unknown,
    /// Accept-new could not record the key; why, and where.
    NotRecorded(String),
}

/// Every known_hosts file this process checks against, by path: one index
/// and one group-commit queue per file, shared by all sessions.
static FILES: LazyLock<Mutex<HashMap<PathBuf, Arc<KnownHostsFile>>>> =
    LazyLock::new(Default::default);

/// Checks `key` for `host:port` against `path`; with `learn`, records an
/// unknown host's key (and returns once it is written and synced).
pub(crate) async fn verify(
    host: &str,
    port: u16,
    key: &PublicKey,
    path: &Path,
    learn: bool,
) -> Result<(), HostKeyError> {
    let file = file_for(path);
    let outcome = {
        let mut st = lock(&file.state);
        st.refresh(path)
            .map_err(|e| HostKeyError::Changed(format!("cannot read {}: {e}", path.display())))?;
        let host_port = host_port(host, port);
        if st.check(&host_port, key, path)? {
            return Ok(());
        }
        if !learn {
            return Err(HostKeyError::Unknown);
        }
        if path.as_os_str().is_empty() {
            return Err(HostKeyError::NotRecorded(
                "no known_hosts file (HOME is not set); give a known_hosts path".into(),
            ));
        }
        let openssh = key
            .to_openssh()
            .map_err(|e| not_recorded(path, &e.to_string()))?;
        st.queue(host_port, openssh.trim_end())
    };
    let (f, p) = (file.clone(), path.to_path_buf());
    // The write and sync block: never on the runtime's worker threads.
    tokio::task::spawn_blocking(move || f.flush_until(&outcome, &p))
        .await
        .map_err(|e| not_recorded(path, &e.to_string()))?
        .map_err(|e| not_recorded(path, &e))
}

fn not_recorded(path: &Path, why: &str) -> HostKeyError {
    HostKeyError::NotRecorded(format!("cannot record it in {}: {why}", path.display()))
}

fn file_for(path: &Path) -> Arc<KnownHostsFile> {
    lock(&FILES)
        .entry(path.to_path_buf())
        .or_insert_with(|| Arc::new(KnownHostsFile::default()))
        .clone()
}

/// A poisoned lock only means another session panicked mid-check; the data
/// is still a valid index (every update is a single push or replace).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// How OpenSSH names a host in known_hosts: bare on port 22, else `[host]:port`.
fn host_port(host: &str, port: u16) -> String {
    if port == 22 {
        host.to_string()
    } else {
        format!("[{host}]:{port}")
    }
}

/// One known_hosts file as this process sees it.
#[derive(Default)]
struct KnownHostsFile {
    /// The index, the queue of lines not yet written, and what the file
    /// looked like when last read or written.
    state: Mutex<State>,
    /// Held by the one learner writing and syncing queued lines, so writes
    /// to the file never interleave and each batch is one write.
    writer: Mutex<()>,
}

/// The outcome of one queued line: set by whoever writes it.
type Outcome = Arc<OnceLock<Result<(), String>>>;

#[derive(Default)]
struct State {
    /// The file's entries by host.
    index: Index,
    /// Size, mtime and inode when last read or written by us: a different
    /// stamp means another program changed the file, so it is read again.
    stamp: Option<Stamp>,
    /// Whether the file's last byte is not a newline (a hand-edited file):
    /// the next write starts with one, so an entry never joins a line.
    needs_newline: bool,
    /// Lines learned but not written yet, each with its waiter's outcome.
    queued: Vec<Queued>,
    /// Times the file was read (for tests: once per outside change, not
    /// once per check).
    reads: usize,
    /// A learner is appending: the file differs from the stamp because of
    /// us, and the index already holds what is being written.
    writing: bool,
}

/// A learned key waiting to be written.
struct Queued {
    /// The host as the file names it (`[ip]:port`).
    host_port: String,
    /// `algorithm base64` as OpenSSH writes it.
    key: String,
    /// Where its learner waits for the write's result.
    outcome: Outcome,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<std::time::SystemTime>,
    inode: u64,
}

impl Stamp {
    fn of(path: &Path) -> std::io::Result<Option<Stamp>> {
        use std::os::unix::fs::MetadataExt;
        match std::fs::metadata(path) {
            Ok(m) => Ok(Some(Stamp {
                len: m.len(),
                modified: m.modified().ok(),
                inode: m.ino(),
            })),
            Err(e) if absent(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// No file there (also under a path whose parent is a file): no entries;
/// recording will say why it cannot write one.
fn absent(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
    )
}

impl State {
    /// Reads the file again if it is not as we last saw it; keys still
    /// queued stay known.
    fn refresh(&mut self, path: &Path) -> std::io::Result<()> {
        if path.as_os_str().is_empty() {
            return Ok(());
        }
        if self.writing {
            return Ok(());
        }
        let now = Stamp::of(path)?;
        if now == self.stamp && self.reads > 0 {
            return Ok(());
        }
        let text = match std::fs::read(path) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(e) if absent(&e) => String::new(),
            Err(e) => return Err(e),
        };
        self.reads += 1;
        self.index = Index::parse(&text);
        self.needs_newline = !text.is_empty() && !text.ends_with('\n');
        for q in &self.queued {
            self.index.add(&q.host_port, usize::MAX, &q.key);
        }
        self.stamp = now;
        Ok(())
    }

    /// `Ok(true)` if `key` is known for the host, `Ok(false)` if the host
    /// is not known at all, `Changed` if it is known with other keys.
    fn check(&self, host_port: &str, key: &PublicKey, path: &Path) -> Result<bool, HostKeyError> {
        let entries = self.index.lookup(host_port);
        if entries.is_empty() {
            return Ok(false);
        }
        let mut parsed = Vec::with_capacity(entries.len());
        for e in &entries {
            let k = russh::keys::parse_public_key_base64(e.base64()).map_err(|err| {
                HostKeyError::Changed(format!(
                    "cannot read {} line {}: {err}",
                    path.display(),
                    e.line
                ))
            })?;
            if k.key_data() == key.key_data() {
                return Ok(true);
            }
            parsed.push((e.line, k));
        }
        // Prefer the entry of the same algorithm for the message; any will do.
        let (line, recorded) = parsed
            .iter()
            .find(|(_, k)| k.algorithm() == key.algorithm())
            .or(parsed.first())
            .expect("entries is not empty");
        let place = match *line {
            usize::MAX => "(learned earlier in this run)".to_string(),
            n => format!("line {n}"),
        };
        Err(HostKeyError::Changed(format!(
            "{} {place}: known key is {}, the device presented {}",
            path.display(),
            recorded.algorithm(),
            key.algorithm()
        )))
    }

    /// Makes the key known at once and queues its line; returns where its
    /// write's outcome will be.
    fn queue(&mut self, host_port: String, key: &str) -> Outcome {
        self.index.add(&host_port, usize::MAX, key);
        let outcome = Outcome::default();
        self.queued.push(Queued {
            host_port,
            key: key.to_string(),
            outcome: outcome.clone(),
        });
        outcome
    }
}

impl KnownHostsFile {
    /// Blocks until `mine` is written: writes it (with everything queued
    /// with it) unless another learner already did.
    fn flush_until(&self, mine: &Outcome, path: &Path) -> Result<(), String> {
        let _writer = lock(&self.writer);
        if let Some(done) = mine.get() {
            return done.clone();
        }
        let (batch, needs_newline, before) = {
            let mut st = lock(&self.state);
            st.writing = true;
            (std::mem::take(&mut st.queued), st.needs_newline, st.stamp)
        };
        let mut text = String::new();
        if needs_newline {
            text.push('\n');
        }
        for q in &batch {
            text.push_str(&q.host_port);
            text.push(' ');
            text.push_str(&q.key);
            text.push('\n');
        }
        let written = append_synced(path, &text).map_err(|e| e.to_string());
        let mut st = lock(&self.state);
        st.writing = false;
        match &written {
            Ok(()) => {
                st.needs_newline = false;
                // Our own write is not an outside change; anything else
                // that grew the file meanwhile is (no stamp: read again).
                let after = Stamp::of(path).ok().flatten();
                let ours = before.map_or(0, |b| b.len) + text.len() as u64;
                st.stamp = after.filter(|a| a.len == ours);
            }
            Err(_) => {
                st.stamp = None;
                for q in &batch {
                    st.index.remove(&q.host_port, &q.key);
                }
            }
        }
        drop(st);
        for q in &batch {
            let _ = q.outcome.set(written.clone());
        }
        mine.get().cloned().unwrap_or(written)
    }
}

/// One checked write of whole lines at the end of the file, then synced.
fn append_synced(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_data()
}

/// A known_hosts file's entries, matched as russh matches them: comment
/// lines skipped, each comma-separated host pattern either exact
/// (`host`, `[host]:port`) or `|1|salt|hash` (HMAC-SHA1 of the host).
#[derive(Default)]
struct Index {
    /// Entries by exact host pattern.
    exact: HashMap<String, Vec<Entry>>,
    /// Hashed entries: matching one costs an HMAC, so they are scanned.
    hashed: Vec<(Vec<u8>, Vec<u8>, Entry)>,
}

#[derive(Clone, Debug, PartialEq)]
struct Entry {
    /// Physical line in the file (1-based), for messages; `usize::MAX` for
    /// a key learned and not yet re-read from the file.
    line: usize,
    /// `algorithm base64`.
    key: String,
}

impl Entry {
    fn base64(&self) -> &str {
        self.key.split_whitespace().nth(1).unwrap_or("")
    }
}

impl Index {
    fn parse(text: &str) -> Index {
        let mut index = Index::default();
        for (i, line) in text.lines().enumerate() {
            if line.starts_with('#') {
                continue;
            }
            let mut words = line.split_whitespace();
            let (Some(hosts), Some(alg), Some(b64)) = (words.next(), words.next(), words.next())
            else {
                continue;
            };
            let key = format!("{alg} {b64}");
            for pattern in hosts.split(',') {
                index.add(pattern, i + 1, &key);
            }
        }
        index
    }

    fn add(&mut self, pattern: &str, line: usize, key: &str) {
        let entry = Entry {
            line,
            key: key.to_string(),
        };
        if let Some(hashed) = pattern.strip_prefix("|1|") {
            let mut parts = hashed.split('|');
            if let (Some(Ok(salt)), Some(Ok(hash))) = (
                parts.next().map(|p| BASE64_MIME.decode(p.as_bytes())),
                parts.next().map(|p| BASE64_MIME.decode(p.as_bytes())),
            ) {
                self.hashed.push((salt, hash, entry));
            }
        } else {
            self.exact
                .entry(pattern.to_string())
                .or_default()
                .push(entry);
        }
    }

    fn remove(&mut self, host_port: &str, key: &str) {
        if let Some(v) = self.exact.get_mut(host_port) {
            v.retain(|e| !(e.line == usize::MAX && e.key == key));
        }
    }

    fn lookup(&self, host_port: &str) -> Vec<&Entry> {
        let mut found: Vec<&Entry> = self.exact.get(host_port).into_iter().flatten().collect();
        for (salt, hash, entry) in &self.hashed {
            if let Ok(mac) = Hmac::<Sha1>::new_from_slice(salt)
                && mac.chain_update(host_port).verify_slice(hash).is_ok()
            {
                found.push(entry);
            }
        }
        found.sort_by_key(|e| e.line);
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use russh::keys::ssh_key::public::{Ed25519PublicKey, KeyData};

    fn key(n: u32) -> PublicKey {
        let mut b = [7u8; 32];
        b[..4].copy_from_slice(&n.to_be_bytes());
        PublicKey::from(KeyData::Ed25519(Ed25519PublicKey(b)))
    }

    fn reads(path: &Path) -> usize {
        lock(&file_for(path).state).reads
    }

    /// The first walk of many new devices: every key recorded once, and
    /// the file read once in all (it used to be read twice per device).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn many_new_hosts_read_the_file_once_and_record_each_key_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ssh").join("known_hosts");
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..600u32 {
            let path = path.clone();
            tasks.spawn(async move {
                let ip = format!("10.{}.{}.1", i / 256, i % 256);
                verify(&ip, 2222, &key(i), &path, true).await.map(|()| ip)
            });
        }
        while let Some(r) = tasks.join_next().await {
            r.unwrap().unwrap();
        }
        assert_eq!(reads(&path), 1);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 600);
        // Known now, by this process and by a fresh read of the file.
        for i in [0u32, 299, 599] {
            let ip = format!("10.{}.{}.1", i / 256, i % 256);
            verify(&ip, 2222, &key(i), &path, false).await.unwrap();
            let index = Index::parse(&text);
            assert_eq!(index.lookup(&format!("[{ip}]:2222")).len(), 1);
        }
        assert_eq!(reads(&path), 1);
    }

    /// Another program's edit is seen (the file is read again), with the
    /// line an editor shows; hashed entries match like plain ones.
    #[tokio::test]
    async fn outside_changes_are_read_and_hashed_entries_match() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("known_hosts");
        verify("192.0.2.1", 22, &key(1), &path, true).await.unwrap();
        let openssh = key(1).to_openssh().unwrap();
        let salt = b"0123456789abcdef0123";
        let mac = Hmac::<Sha1>::new_from_slice(salt)
            .unwrap()
            .chain_update("[192.0.2.9]:830")
            .finalize()
            .into_bytes();
        let hashed = format!(
            "|1|{}|{}",
            BASE64_MIME.encode(salt).trim_end(),
            BASE64_MIME.encode(&mac).trim_end()
        );
        std::fs::write(
            &path,
            format!(
                "# a comment\n\n192.0.2.1 {}\n{hashed} {openssh}\n",
                key(2).to_openssh().unwrap()
            ),
        )
        .unwrap();
        match verify("192.0.2.1", 22, &key(1), &path, true).await {
            Err(HostKeyError::Changed(m)) => assert!(m.contains("line 3"), "{m}"),
            other => panic!("{other:?}"),
        }
        verify("192.0.2.9", 830, &key(1), &path, false)
            .await
            .unwrap();
        assert!(matches!(
            verify("192.0.2.9", 831, &key(1), &path, false).await,
            Err(HostKeyError::Unknown)
        ));
        assert_eq!(reads(&path), 2);
    }

    /// A file that does not end in a newline gets one before our entry.
    #[tokio::test]
    async fn an_entry_never_joins_a_hand_edited_last_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("known_hosts");
        std::fs::write(
            &path,
            format!("h1 {}", key(1).to_openssh().unwrap().trim_end()),
        )
        .unwrap();
        verify("h2", 22, &key(2), &path, true).await.unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 2, "{text}");
        assert!(text.lines().nth(1).unwrap().starts_with("h2 ssh-ed25519 "));
    }
}
