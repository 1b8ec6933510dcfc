//! The async side's link to the distributed walk's queue ([`WalkQueue`],
//! synchronous): each call runs on the blocking pool within a deadline,
//! and a connection that failed is dropped and opened afresh on the next
//! call, so a database that restarts is picked up again. Shared by the
//! submitter ([`crate::engine::walk_distributed`]) and the worker
//! ([`crate::worker`]).

use crate::store::{self, StoreLocation, WalkQueue};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How often a worker extends its leases and checks its walks' states.
/// A stopped walk reaches a worker's devices within this.
pub const HEARTBEAT: Duration = Duration::from_secs(2);

/// A call longer than this has failed: the connection's statement timeout
/// (15 s) and connect timeout are shorter; this bounds the wait for its
/// thread whatever happens.
const CALL_DEADLINE: Duration = Duration::from_secs(30);

/// Why a queue call failed.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("{what}: {cause}")]
    Store {
        /// The operation, in words.
        what: &'static str,
        /// What the database or the connection said (quoted, not a
        /// `source`: printed once).
        cause: store::StoreError,
    },
    #[error("{what}: no answer from the database within {CALL_DEADLINE:?}")]
    Timeout {
        /// The operation, in words.
        what: &'static str,
    },
    #[error("{what}: the database call's thread failed: {detail}")]
    Thread {
        /// The operation, in words.
        what: &'static str,
        /// The join error.
        detail: String,
    },
}

/// The queue connection, reopened after a failure.
#[derive(Clone)]
pub struct QueueLink {
    /// The connection, if one is open; `None` after a failure. Behind a
    /// mutex so a call can run on the blocking pool; one call at a time.
    conn: Arc<Mutex<Option<WalkQueue>>>,
    /// Where to reconnect.
    store: StoreLocation,
    /// What `pg_stat_activity` calls the connection.
    role: &'static str,
}

impl QueueLink {
    /// A link whose first call connects.
    pub fn new(store: StoreLocation, role: &'static str) -> QueueLink {
        QueueLink {
            conn: Arc::new(Mutex::new(None)),
            store,
            role,
        }
    }

    /// Runs `f` on the queue (connecting first if need be) off the async
    /// threads, within [`CALL_DEADLINE`]. On failure the connection is
    /// dropped, so the next call connects afresh.
    pub async fn call<T: Send + 'static>(
        &self,
        what: &'static str,
        f: impl FnOnce(&WalkQueue) -> store::Result<T> + Send + 'static,
    ) -> Result<T, QueueError> {
        let (conn, store, role) = (self.conn.clone(), self.store.clone(), self.role);
        let call = tokio::task::spawn_blocking(move || {
            let mut slot = conn.lock().unwrap_or_else(|p| p.into_inner());
            let q = match slot.take() {
                Some(q) => q,
                None => WalkQueue::connect(&store, role)?,
            };
            let r = f(&q);
            if r.is_ok() {
                *slot = Some(q);
            }
            r
        });
        match tokio::time::timeout(CALL_DEADLINE, call).await {
            Ok(Ok(Ok(v))) => Ok(v),
            Ok(Ok(Err(cause))) => Err(QueueError::Store { what, cause }),
            Ok(Err(e)) => Err(QueueError::Thread {
                what,
                detail: e.to_string(),
            }),
            Err(_) => Err(QueueError::Timeout { what }),
        }
    }
}

/// How long to wait before asking the queue again: short right after
/// something happened (a walk's next level is queued within milliseconds
/// of its parent's result), doubling while nothing does, up to a ceiling
/// (an idle worker costs the database a few statements a second).
#[derive(Debug, Clone)]
pub struct PollBackoff {
    /// The next wait.
    next: Duration,
    /// The wait after activity.
    min: Duration,
    /// The longest wait.
    max: Duration,
}

impl PollBackoff {
    pub fn new(min: Duration, max: Duration) -> PollBackoff {
        PollBackoff {
            next: min,
            min,
            max: max.max(min),
        }
    }

    /// Something happened: look again soon.
    pub fn reset(&mut self) {
        self.next = self.min;
    }

    /// The wait before the next look; the one after is twice as long.
    pub fn next_wait(&mut self) -> Duration {
        let d = self.next;
        self.next = (self.next * 2).min(self.max);
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_poll_doubles_to_its_ceiling_and_resets_on_activity() {
        let ms = Duration::from_millis;
        let mut b = PollBackoff::new(ms(5), ms(30));
        let waits: Vec<_> = (0..5).map(|_| b.next_wait()).collect();
        assert_eq!(waits, [ms(5), ms(10), ms(20), ms(30), ms(30)]);
        b.reset();
        assert_eq!(b.next_wait(), ms(5));
    }
}
