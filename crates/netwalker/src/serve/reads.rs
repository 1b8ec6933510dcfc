//! Store reads off the async runtime, bounded in number and in time.
//!
//! Each read opens its own read-only [`StoreReader`] on tokio's blocking
//! pool (see the module doc of [`crate::serve`] for why), after taking one
//! of a fixed number of permits. The request's deadline covers the wait for
//! a permit and the read; past it the caller gets
//! [`ServeError::Timeout`] and the read's query is interrupted, so the
//! blocking thread and its permit come back soon after.

use super::errors::ServeError;
use crate::store::{Interrupter, StoreLocation, StoreReader};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::time::{Instant, timeout_at};

/// The store as the handlers read it.
#[derive(Clone)]
pub(super) struct Reads {
    /// The store each read opens.
    store: StoreLocation,
    /// One permit per read allowed to run at once: bounds blocking threads
    /// and open connections whatever the request rate.
    permits: Arc<Semaphore>,
    /// How long one read may take, the wait for a permit included.
    deadline: Duration,
}

/// A read's way to be stopped from outside: whether its request gave up,
/// and the handle that interrupts its query once the store is open. One
/// lock orders the two, so a give-up never misses a read that just opened.
#[derive(Default)]
struct Cancel {
    /// (gave up, the open reader's interrupt handle).
    state: Mutex<(bool, Option<Interrupter>)>,
}

impl Cancel {
    /// Called by the read once its store is open: false when the request
    /// already gave up (the read should not start).
    fn opened(&self, handle: Interrupter) -> bool {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.1 = Some(handle);
        !s.0
    }

    /// Called when the request's deadline passed: marks the read abandoned
    /// and interrupts its query if it is running.
    fn give_up(&self) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.0 = true;
        if let Some(h) = &s.1 {
            h.interrupt();
        }
    }
}

impl Reads {
    /// Reads of `store`: at most `max` at once, each within `deadline`.
    pub(super) fn new(store: StoreLocation, max: usize, deadline: Duration) -> Reads {
        Reads {
            store,
            permits: Arc::new(Semaphore::new(max.max(1))),
            deadline,
        }
    }

    /// Runs `f` over a fresh read-only reader of the store, on the blocking
    /// pool, within the deadline.
    pub(super) async fn read<T, F>(&self, f: F) -> Result<T, ServeError>
    where
        T: Send + 'static,
        F: FnOnce(&StoreReader) -> Result<T, ServeError> + Send + 'static,
    {
        let until = Instant::now() + self.deadline;
        let timeout = ServeError::Timeout(self.deadline);
        let Ok(permit) = timeout_at(until, self.permits.clone().acquire_owned()).await else {
            return Err(timeout);
        };
        let permit = permit.expect("the semaphore is never closed");
        let cancel = Arc::new(Cancel::default());
        let (store, c) = (self.store.clone(), cancel.clone());
        let deadline = self.deadline;
        let task = tokio::task::spawn_blocking(move || {
            // Held until the read ends, even when its request gave up.
            let _permit = permit;
            let reader = StoreReader::open(store)?;
            if !c.opened(reader.interrupt_handle()) {
                return Err(ServeError::Timeout(deadline));
            }
            f(&reader)
        });
        match timeout_at(until, task).await {
            Ok(Ok(result)) => result,
            Ok(Err(e)) => Err(ServeError::Task(e.to_string())),
            Err(_) => {
                cancel.give_up();
                Err(timeout)
            }
        }
    }
}
