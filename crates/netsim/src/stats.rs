//! Session accounting: the evidence that clients leak nothing.
//!
//! Every accepted connection gets a [`SessionGuard`]. The guard is resolved
//! exactly once: `goodbye()` marks the session graceful, and whatever happens
//! after that (or if it never happens) the guard's `Drop` closes the books.
//! Counting in `Drop` means a panicking or cancelled connection task still
//! shows up, as dropped, instead of vanishing from the numbers.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::watch;

/// Counters for one device or for the whole lab.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceStats {
    /// Connections accepted.
    pub sessions_opened: u64,
    /// Sessions that ended after the client said goodbye (`exit`, EOF,
    /// channel close).
    pub sessions_closed_gracefully: u64,
    /// Sessions that ended without a goodbye (the client vanished, a fault
    /// cut it, or the lab shut down).
    pub sessions_dropped: u64,
    /// Sessions open now; 0 once every client has let go.
    pub sessions_open: u64,
}

/// A snapshot of the lab's accounting, as written to `--stats FILE`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Connections accepted.
    pub sessions_opened: u64,
    /// Sessions that ended after the client said goodbye (`exit`, EOF,
    /// channel close).
    pub sessions_closed_gracefully: u64,
    /// Sessions that ended without a goodbye (the client vanished, a fault
    /// cut it, or the lab shut down).
    pub sessions_dropped: u64,
    /// Sessions open now; 0 once every client has let go.
    pub sessions_open: u64,
    /// Most sessions open at once since the lab started.
    pub peak_open: u64,
    /// The same counts per device, by hostname.
    pub devices: BTreeMap<String, DeviceStats>,
}

#[derive(Default)]
struct Counters {
    /// Sessions accepted on this device.
    opened: AtomicU64,
    /// Sessions closed after a goodbye.
    graceful: AtomicU64,
    /// Sessions closed without one.
    dropped: AtomicU64,
}

/// Shared accounting for all devices of a lab.
pub struct Accounting {
    /// Hostnames by device index, for the snapshot's per-device map.
    names: Vec<String>,
    /// Counters by device index: lock-free, one set per device.
    per_device: Vec<Counters>,
    /// Open sessions in total; a watch so tests can await "all closed"
    /// instead of polling with sleeps.
    open: watch::Sender<u64>,
    /// Most sessions open at once (`Stats::peak_open`).
    peak: AtomicU64,
}

impl Accounting {
    pub fn new(names: Vec<String>) -> Arc<Self> {
        let per_device = names.iter().map(|_| Counters::default()).collect();
        Arc::new(Accounting {
            names,
            per_device,
            open: watch::Sender::new(0),
            peak: AtomicU64::new(0),
        })
    }

    /// Registers a new session on device `idx`.
    pub fn open(self: &Arc<Self>, idx: usize) -> SessionGuard {
        self.per_device[idx].opened.fetch_add(1, Ordering::Relaxed);
        let mut now = 0;
        self.open.send_modify(|n| {
            *n += 1;
            now = *n;
        });
        self.peak.fetch_max(now, Ordering::Relaxed);
        SessionGuard {
            acct: self.clone(),
            idx,
            graceful: AtomicBool::new(false),
            forced: AtomicBool::new(false),
        }
    }

    pub fn open_now(&self) -> u64 {
        *self.open.borrow()
    }

    pub fn snapshot(&self) -> Stats {
        let mut s = Stats {
            peak_open: self.peak.load(Ordering::Relaxed),
            ..Stats::default()
        };
        for (name, c) in self.names.iter().zip(&self.per_device) {
            let opened = c.opened.load(Ordering::Relaxed);
            let graceful = c.graceful.load(Ordering::Relaxed);
            let dropped = c.dropped.load(Ordering::Relaxed);
            let d = DeviceStats {
                sessions_opened: opened,
                sessions_closed_gracefully: graceful,
                sessions_dropped: dropped,
                sessions_open: opened.saturating_sub(graceful + dropped),
            };
            s.sessions_opened += d.sessions_opened;
            s.sessions_closed_gracefully += d.sessions_closed_gracefully;
            s.sessions_dropped += d.sessions_dropped;
            s.sessions_open += d.sessions_open;
            s.devices.insert(name.clone(), d);
        }
        s
    }

    /// Waits until at least `n` sessions are open at once, or the timeout
    /// passes; returns whether it happened. A client's `connect()` returns
    /// before the lab has accepted (and counted) the connection, so tests
    /// that need a session counted await this instead of guessing a delay.
    pub async fn wait_until_open(&self, n: u64, timeout: Duration) -> bool {
        let mut rx = self.open.subscribe();
        matches!(
            tokio::time::timeout(timeout, rx.wait_for(|open| *open >= n)).await,
            Ok(Ok(_))
        )
    }

    /// Waits until no session is open, or the timeout passes. Returns the
    /// snapshot either way so the caller can assert on it.
    pub async fn wait_until_idle(&self, timeout: Duration) -> Stats {
        let mut rx = self.open.subscribe();
        let _ = tokio::time::timeout(timeout, rx.wait_for(|n| *n == 0)).await;
        self.snapshot()
    }
}

/// Proof of one open session; resolves its books exactly once, on drop.
pub struct SessionGuard {
    /// The books this session is recorded in.
    acct: Arc<Accounting>,
    /// The device the session is on.
    idx: usize,
    /// Set by `goodbye`: counted as closed gracefully.
    graceful: AtomicBool,
    /// Set by `force_dropped`: counted as dropped even after a goodbye.
    forced: AtomicBool,
}

impl SessionGuard {
    /// The device itself cut the connection mid-session (a fault): counts as
    /// dropped whatever goodbye follows.
    pub fn force_dropped(&self) {
        self.forced.store(true, Ordering::Relaxed);
    }

    /// The client (or a deliberate device decision) ended the session properly.
    pub fn goodbye(&self) {
        self.graceful.store(true, Ordering::Relaxed);
    }

    pub fn is_graceful(&self) -> bool {
        self.graceful.load(Ordering::Relaxed) && !self.forced.load(Ordering::Relaxed)
    }
}

impl Drop for SessionGuard {
    fn drop(&mut self) {
        let c = &self.acct.per_device[self.idx];
        if self.is_graceful() {
            c.graceful.fetch_add(1, Ordering::Relaxed);
        } else {
            c.dropped.fetch_add(1, Ordering::Relaxed);
        }
        self.acct.open.send_modify(|n| *n = n.saturating_sub(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn guards_resolve_exactly_once() {
        let acct = Accounting::new(vec!["a".into(), "b".into()]);
        let g1 = acct.open(0);
        let g2 = acct.open(0);
        let g3 = acct.open(1);
        assert_eq!(acct.open_now(), 3);
        g1.goodbye();
        g1.goodbye();
        drop(g1);
        drop(g2);
        let s = acct.snapshot();
        assert_eq!(s.sessions_open, 1);
        assert_eq!(s.devices["a"].sessions_closed_gracefully, 1);
        assert_eq!(s.devices["a"].sessions_dropped, 1);
        assert_eq!(s.peak_open, 3);
        let waiter = {
            let acct = acct.clone();
            tokio::spawn(async move { acct.wait_until_idle(Duration::from_secs(5)).await })
        };
        g3.goodbye();
        drop(g3);
        let s = waiter.await.unwrap();
        assert_eq!(s.sessions_open, 0);
        assert_eq!(s.sessions_opened, 3);
        assert_eq!(s.sessions_closed_gracefully + s.sessions_dropped, 3);
    }
}
