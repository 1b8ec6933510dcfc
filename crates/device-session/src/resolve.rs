//! Name lookups for [`crate::Registry::open`] that end at their deadline,
//! never hold the runtime's shutdown, and cannot pile up.
//!
//! libc's getaddrinfo has no async form and cannot be cancelled.
//! `tokio::net::lookup_host` runs it on tokio's blocking pool, and a runtime
//! waits for its blocking pool when it shuts down: one lookup stuck on an
//! unreachable name server would hold the program's exit for the resolver's
//! own timeout (up to 30 s with three servers), and every open of an
//! unresolvable name would leave one more blocked thread behind. So a
//! [`Resolver`] runs each lookup on its own detached thread, awaits it through
//! a channel, and stops waiting at the deadline; the thread ends with the
//! lookup or with the process. Each thread holds one of the resolver's slots
//! until its lookup returns, so at most `max_in_flight` lookups run at once
//! however many are stuck; a lookup that finds no free slot waits for one
//! within its own deadline.
//!
//! The same shape as netwalker's `dns::SystemResolver` and vegehub's
//! `resolve::DeadlineResolver`, which this crate cannot depend on.

use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::{Arc, LazyLock};
use std::time::Duration;
use tokio::sync::Semaphore;

/// The blocking lookup a [`Resolver`] runs: a host name and port to its
/// addresses, in the resolver's order. Tests give one that never returns.
pub type Lookup = dyn Fn(&str, u16) -> std::io::Result<Vec<SocketAddr>> + Send + Sync;

/// Resolves target names for a [`crate::Registry`] (see the module docs).
/// Cheap to clone; clones share their slots.
#[derive(Clone)]
pub struct Resolver {
    /// The blocking lookup itself (the system's, unless replaced).
    lookup: Arc<Lookup>,
    /// One permit per lookup in flight, held by its thread until the lookup
    /// returns: bounds the threads that stuck lookups can keep.
    slots: Arc<Semaphore>,
}

impl std::fmt::Debug for Resolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resolver")
            .field("free_slots", &self.slots.available_permits())
            .finish_non_exhaustive()
    }
}

/// The machine's resolver (getaddrinfo: `/etc/hosts`, then DNS).
fn system_lookup(host: &str, port: u16) -> std::io::Result<Vec<SocketAddr>> {
    (host, port).to_socket_addrs().map(Iterator::collect)
}

/// One system resolver for the process, so every registry shares its slots.
static SYSTEM: LazyLock<Resolver> = LazyLock::new(|| {
    Resolver::with_lookup(Arc::new(system_lookup), Resolver::DEFAULT_MAX_IN_FLIGHT)
});

/// Why a lookup gave no address.
#[derive(Debug)]
pub(crate) enum ResolveError {
    /// No answer within the deadline (or no free slot within it).
    TimedOut,
    /// The lookup failed (no such name, no resolver thread).
    Failed(std::io::Error),
}

impl Resolver {
    /// Lookups the system resolver runs at once, process-wide; more wait for
    /// a slot within their own deadline.
    pub const DEFAULT_MAX_IN_FLIGHT: usize = 32;

    /// The system resolver, with [`Self::DEFAULT_MAX_IN_FLIGHT`] slots shared
    /// by the whole process.
    pub fn system() -> Self {
        SYSTEM.clone()
    }

    /// Any blocking lookup, with at most `max_in_flight` (at least 1) running
    /// at once.
    pub fn with_lookup(lookup: Arc<Lookup>, max_in_flight: usize) -> Self {
        Resolver {
            lookup,
            slots: Arc::new(Semaphore::new(max_in_flight.max(1))),
        }
    }

    /// The addresses of `host`, with `port`, within `deadline`.
    pub(crate) async fn lookup(
        &self,
        host: &str,
        port: u16,
        deadline: Duration,
    ) -> Result<Vec<SocketAddr>, ResolveError> {
        match tokio::time::timeout(deadline, self.lookup_detached(host, port)).await {
            Err(_) => Err(ResolveError::TimedOut),
            Ok(r) => r.map_err(ResolveError::Failed),
        }
    }

    /// Waits for a slot, then runs the lookup on its own detached thread
    /// (which keeps the slot until the lookup returns). Abandoning the
    /// returned future abandons only the wait.
    async fn lookup_detached(&self, host: &str, port: u16) -> std::io::Result<Vec<SocketAddr>> {
        let slot = Arc::clone(&self.slots)
            .acquire_owned()
            .await
            .map_err(|_| std::io::Error::other("the resolver is closed"))?;
        let (tx, rx) = tokio::sync::oneshot::channel();
        let lookup = Arc::clone(&self.lookup);
        let owned = host.to_string();
        std::thread::Builder::new()
            .name("device-session-dns".into())
            .spawn(move || {
                let r = lookup(&owned, port);
                drop(slot);
                // The receiver is gone when the deadline passed: nothing to do.
                let _ = tx.send(r);
            })?;
        rx.await.map_err(|_| {
            std::io::Error::other(format!("the lookup of {host} ended without an answer"))
        })?
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Instant;

    /// A lookup that blocks until the returned sender is dropped, like a
    /// name server that never answers, and counts its calls.
    fn stuck() -> (Arc<Lookup>, std::sync::mpsc::Sender<()>, Arc<AtomicUsize>) {
        let (hold, wait) = std::sync::mpsc::channel::<()>();
        let wait = Mutex::new(wait);
        let calls = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&calls);
        let lookup: Arc<Lookup> = Arc::new(move |_, _| {
            counted.fetch_add(1, Ordering::SeqCst);
            let _ = wait.lock().map(|w| w.recv());
            Ok(vec![])
        });
        (lookup, hold, calls)
    }

    #[tokio::test]
    async fn a_stuck_lookup_ends_at_its_deadline() {
        let (lookup, hold, _) = stuck();
        let r = Resolver::with_lookup(lookup, 4);
        let started = Instant::now();
        let e = r
            .lookup("stuck.invalid", 22, Duration::from_millis(200))
            .await
            .unwrap_err();
        assert!(matches!(e, ResolveError::TimedOut), "{e:?}");
        assert!(started.elapsed() < Duration::from_secs(1));
        drop(hold);
    }

    #[tokio::test]
    async fn stuck_lookups_hold_at_most_max_in_flight_threads() {
        let (lookup, hold, calls) = stuck();
        let r = Resolver::with_lookup(lookup, 2);
        let lookups = (0..6).map(|i| {
            let r = r.clone();
            async move {
                r.lookup(&format!("stuck{i}.invalid"), 22, Duration::from_millis(300))
                    .await
            }
        });
        for result in futures_join_all(lookups).await {
            assert!(matches!(result, Err(ResolveError::TimedOut)));
        }
        assert_eq!(calls.load(Ordering::SeqCst), 2, "threads started");
        drop(hold);
    }

    #[tokio::test]
    async fn a_slot_is_free_again_when_its_lookup_returns() {
        let addr: SocketAddr = "127.0.0.1:22".parse().unwrap();
        let r = Resolver::with_lookup(Arc::new(move |_, _| Ok(vec![addr])), 1);
        for _ in 0..3 {
            let got = r.lookup("sw1", 22, Duration::from_secs(5)).await;
            assert_eq!(got.unwrap(), vec![addr]);
        }
    }

    #[tokio::test]
    async fn localhost_resolves_through_the_system() {
        let addrs = Resolver::system()
            .lookup("localhost", 22, Duration::from_secs(5))
            .await
            .unwrap();
        assert!(!addrs.is_empty());
        assert!(
            addrs.iter().all(|a| a.ip().is_loopback() && a.port() == 22),
            "{addrs:?}"
        );
    }

    /// Awaits every future (concurrently: they are spawned).
    async fn futures_join_all<F>(futs: impl Iterator<Item = F>) -> Vec<F::Output>
    where
        F: std::future::Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let handles: Vec<_> = futs.map(tokio::spawn).collect();
        let mut out = Vec::new();
        for h in handles {
            out.push(h.await.unwrap());
        }
        out
    }
}
