//! Name lookups for the HTTP client that can neither outlive their deadline nor
//! hold the program's exit.
//!
//! reqwest's default resolver runs getaddrinfo on tokio's blocking pool, and a
//! runtime waits for its blocking pool when it shuts down: one lookup stuck on
//! an unreachable name server would hold the process for the resolver's own
//! timeout (up to 30 s with three servers). [`DeadlineResolver`] runs each
//! lookup on its own detached thread and stops waiting at its deadline; the
//! thread ends with the process.

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

/// The blocking lookup a [`DeadlineResolver`] runs; tests give a stuck one.
pub type Lookup = dyn Fn(&str) -> std::io::Result<Vec<SocketAddr>> + Send + Sync;

/// A reqwest resolver whose lookups end at a deadline (see the module docs).
#[derive(Clone)]
pub struct DeadlineResolver {
    /// How long one lookup may take before it fails as timed out.
    deadline: Duration,
    /// The blocking lookup itself (the system's, unless a test replaces it).
    lookup: Arc<Lookup>,
}

impl std::fmt::Debug for DeadlineResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeadlineResolver")
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}

/// The machine's resolver (getaddrinfo: `/etc/hosts`, then DNS).
fn system_lookup(name: &str) -> std::io::Result<Vec<SocketAddr>> {
    (name, 0u16).to_socket_addrs().map(Iterator::collect)
}

impl DeadlineResolver {
    /// The system resolver with a deadline per lookup.
    pub fn system(deadline: Duration) -> Self {
        Self::with_lookup(deadline, Arc::new(system_lookup))
    }

    /// Any blocking lookup with a deadline per lookup.
    pub fn with_lookup(deadline: Duration, lookup: Arc<Lookup>) -> Self {
        DeadlineResolver { deadline, lookup }
    }

    /// Resolves `name` (port 0) within the deadline.
    pub async fn lookup(&self, name: &str) -> std::io::Result<Vec<SocketAddr>> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let lookup = Arc::clone(&self.lookup);
        let owned = name.to_string();
        std::thread::Builder::new()
            .name("vegehub-dns".into())
            .spawn(move || {
                // The receiver is gone when the deadline passed: nothing to do.
                let _ = tx.send(lookup(&owned));
            })?;
        match tokio::time::timeout(self.deadline, rx).await {
            Ok(Ok(r)) => r,
            Ok(Err(_)) => Err(std::io::Error::other(format!(
                "the lookup of {name} ended without an answer"
            ))),
            Err(_) => Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!(
                    "looking up {name} took longer than {:?}; check the name or use an address",
                    self.deadline
                ),
            )),
        }
    }
}

impl Resolve for DeadlineResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let this = self.clone();
        Box::pin(async move {
            let addrs = this.lookup(name.as_str()).await?;
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[tokio::test]
    async fn a_stuck_lookup_fails_at_its_deadline() {
        // Blocks until the test ends (the sender is dropped with the closure's
        // owner only after the assertion), like a resolver that never answers.
        let (hold, wait) = std::sync::mpsc::channel::<()>();
        let wait = std::sync::Mutex::new(wait);
        let r = DeadlineResolver::with_lookup(
            Duration::from_millis(200),
            Arc::new(move |_| {
                let _ = wait.lock().map(|w| w.recv());
                Ok(vec![])
            }),
        );
        let started = Instant::now();
        let e = r.lookup("stuck.example").await.unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::TimedOut);
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
        drop(hold);
    }

    #[tokio::test]
    async fn localhost_resolves_through_the_system() {
        let r = DeadlineResolver::system(Duration::from_secs(5));
        let addrs = r.lookup("localhost").await.unwrap();
        assert!(addrs.iter().all(|a| a.ip().is_loopback()), "{addrs:?}");
        assert!(!addrs.is_empty());
    }
}
