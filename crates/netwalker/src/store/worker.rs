//! The one writer, on its own thread, fed by a channel.
//!
//! SQLite calls block, so the writer must not run on the async runtime's
//! worker threads (a slow checkpoint would stall every device task on that
//! thread). [`StoreWorker`] owns the [`StoreWriter`] on a dedicated OS thread;
//! device tasks hold cheap [`StoreSender`] clones and `await` their commit.
//! The thread drains whatever has queued up, up to 64 devices
//! (`MAX_BATCH`), into one [`StoreWriter::commit_devices`] call: one
//! transaction for the batch, a savepoint per device, so a burst of finished
//! devices costs one transaction while each device is still written all or
//! nothing and learns its own outcome. Results nobody waits for
//! ([`StoreSender::record`], the walk's path) are gathered for up to
//! `GATHER` after the previous transaction: a walk finishes a device every
//! millisecond or two, so without the window most transactions held one or
//! two devices, and each transaction rewrites every page it touched (a
//! 3,000-device walk wrote 100,000 WAL pieces, a sixth of netwalker's CPU).

use super::{Result, StoreError, StoreWriter};
use crate::model::{DeviceId, DeviceResult};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

/// Most device results folded into one transaction: bounds the work a crash
/// can lose and the latency of the first reply in a burst. The store's docs
/// (store/mod.rs, writer.rs, ARCHITECTURE.md) say 64: change them with it.
const MAX_BATCH: usize = 64;

/// How long queued results ([`StoreSender::record`]) may wait after the
/// previous transaction for others to share theirs. Bounds, with
/// `MAX_BATCH`, what a crash can lose. A result someone awaits
/// ([`StoreSender::commit`]) or any other call queued meanwhile ends the
/// window within [`GATHER_SLICE`].
const GATHER: Duration = Duration::from_millis(25);

/// How often the writer looks at its queue while gathering.
const GATHER_SLICE: Duration = Duration::from_millis(1);

/// Any other store operation, run on the writer thread (see [`StoreSender::call`]).
type Call = Box<dyn FnOnce(&mut StoreWriter) + Send>;

/// What the writer thread is asked to do, in queue order.
enum Job {
    /// Write one device's results (batched with the commits queued behind
    /// it) and answer with its own outcome, or log it when nobody waits
    /// ([`StoreSender::record`]).
    Commit(Box<DeviceResult>, Option<oneshot::Sender<Result<()>>>),
    /// Run an operation on the writer.
    Call(Call),
    /// Stop after everything queued before it, handing the writer back.
    Shutdown,
}

/// The worker thread is gone (shut down, or it panicked).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the store writer has shut down; no more results can be recorded")]
pub struct WorkerGone;

/// Outcome of [`StoreSender::commit`].
#[derive(Debug, thiserror::Error)]
pub enum CommitError {
    #[error(transparent)]
    Gone(#[from] WorkerGone),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Handle for device tasks; clone freely.
#[derive(Clone)]
pub struct StoreSender {
    /// The bounded queue to the writer thread; its bound is the
    /// backpressure on device tasks.
    tx: mpsc::Sender<Job>,
}

impl StoreSender {
    /// Commits one device's results; resolves once they are in the database
    /// (or failed to get there). Waits while the queue is full, which is the
    /// backpressure that keeps a slow disk from buffering a whole walk in memory.
    pub async fn commit(&self, result: DeviceResult) -> Result<(), CommitError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Job::Commit(Box::new(result), Some(reply)))
            .await
            .map_err(|_| WorkerGone)?;
        Ok(rx.await.map_err(|_| WorkerGone)??)
    }

    /// Queues one device's results and returns once they are queued, not
    /// written: the walk's coordinator must not stop dispatching devices
    /// while SQLite writes, and results queued while one batch is written
    /// go into the next one together. A device that cannot be written is
    /// logged by the writer (one bad record is not fatal to a walk); jobs
    /// stay in queue order, so a later [`call`](Self::call) sees it. Waits
    /// while the queue is full (backpressure).
    pub async fn record(&self, result: DeviceResult) -> Result<(), WorkerGone> {
        self.tx
            .send(Job::Commit(Box::new(result), None))
            .await
            .map_err(|_| WorkerGone)
    }

    /// Runs any other store operation (start/finish a run, merges,
    /// placeholders, reads that must see every earlier commit) on the writer
    /// thread, in queue order.
    pub async fn call<R, F>(&self, f: F) -> Result<R, WorkerGone>
    where
        R: Send + 'static,
        F: FnOnce(&mut StoreWriter) -> R + Send + 'static,
    {
        let (reply, rx) = oneshot::channel();
        let job: Call = Box::new(move |w: &mut StoreWriter| {
            // The caller may have given up waiting; that is not an error here.
            let _ = reply.send(f(w));
        });
        self.tx.send(Job::Call(job)).await.map_err(|_| WorkerGone)?;
        rx.await.map_err(|_| WorkerGone)
    }
}

/// How many queued results ([`StoreSender::record`]) the writer could not
/// write: nobody awaited them, so the run must still say it lost them.
#[derive(Clone, Default)]
pub struct Unrecorded(Arc<AtomicU64>);

impl Unrecorded {
    /// Results lost so far.
    pub fn count(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Owner of the writer thread.
pub struct StoreWorker {
    /// The original sender: cloned for device tasks, and used to queue the
    /// shutdown behind every earlier job.
    sender: StoreSender,
    /// Where the thread hands the writer back when it stops, so the caller
    /// can read and export after the walk.
    done: oneshot::Receiver<StoreWriter>,
    /// The thread, joined at shutdown (`None` once joined).
    thread: Option<std::thread::JoinHandle<()>>,
    /// Queued results the writer could not write (see [`Unrecorded`]).
    unrecorded: Unrecorded,
}

impl StoreWorker {
    /// Moves `writer` to a new thread. `queue` bounds the results waiting to
    /// be written (a few times the walk's concurrency is plenty).
    pub fn spawn(writer: StoreWriter, queue: usize) -> std::io::Result<StoreWorker> {
        let (tx, rx) = mpsc::channel(queue.max(1));
        let (done_tx, done) = oneshot::channel();
        let unrecorded = Unrecorded::default();
        let lost = unrecorded.clone();
        let thread = std::thread::Builder::new()
            .name("netwalker-store".into())
            .spawn(move || {
                let writer = run(writer, rx, &lost);
                let _ = done_tx.send(writer);
            })?;
        Ok(StoreWorker {
            sender: StoreSender { tx },
            done,
            thread: Some(thread),
            unrecorded,
        })
    }

    /// A handle for a device task (or anything else that commits).
    pub fn sender(&self) -> StoreSender {
        self.sender.clone()
    }

    /// The count of queued results that could not be written; read it
    /// after [`shutdown`](Self::shutdown) for the whole run.
    pub fn unrecorded(&self) -> Unrecorded {
        self.unrecorded.clone()
    }

    /// Writes everything queued before this call, stops the thread and
    /// returns the writer (for the final reads/exports). Senders still held
    /// elsewhere get [`WorkerGone`] afterwards instead of keeping the thread
    /// alive, so shutdown never waits on a forgotten clone.
    pub async fn shutdown(mut self) -> Result<StoreWriter, WorkerGone> {
        self.sender
            .tx
            .send(Job::Shutdown)
            .await
            .map_err(|_| WorkerGone)?;
        let writer = (&mut self.done).await.map_err(|_| WorkerGone)?;
        if let Some(t) = self.thread.take() {
            // The thread has already handed the writer back, so it is at its
            // last statement: joining cannot block for long.
            let _ = t.join();
        }
        Ok(writer)
    }
}

/// The writer thread's loop: jobs in queue order, consecutive commits
/// batched up to [`MAX_BATCH`], queued-only results gathered for
/// [`GATHER`] after the previous transaction.
fn run(mut writer: StoreWriter, mut rx: mpsc::Receiver<Job>, lost: &Unrecorded) -> StoreWriter {
    let mut pending: Option<Job> = None;
    let mut last_commit: Option<Instant> = None;
    loop {
        let job = match pending.take() {
            Some(j) => j,
            None => match rx.blocking_recv() {
                Some(j) => j,
                None => return writer,
            },
        };
        match job {
            Job::Shutdown => {
                rx.close();
                return writer;
            }
            Job::Call(f) => f(&mut writer),
            Job::Commit(first, reply) => {
                // Only results nobody waits for wait for company.
                let until = last_commit.map(|t| t + GATHER).filter(|_| reply.is_none());
                let mut batch = vec![*first];
                let mut replies = vec![reply];
                pending = fill(&mut rx, &mut batch, &mut replies, until);
                answer(writer.commit_devices(&batch), &batch, replies, lost);
                last_commit = Some(Instant::now());
            }
        }
    }
}

/// Takes queued commits into `batch` until it is full, or a job that is not
/// a commit comes (returned, so that calls keep their order and are not
/// held back), or the queue is empty and `until` has passed. A commit
/// someone awaits ends the wait.
fn fill(
    rx: &mut mpsc::Receiver<Job>,
    batch: &mut Vec<DeviceResult>,
    replies: &mut Vec<Option<oneshot::Sender<Result<()>>>>,
    mut until: Option<Instant>,
) -> Option<Job> {
    while batch.len() < MAX_BATCH {
        match rx.try_recv() {
            Ok(Job::Commit(r, reply)) => {
                if reply.is_some() {
                    until = None;
                }
                batch.push(*r);
                replies.push(reply);
            }
            Ok(other) => return Some(other),
            Err(mpsc::error::TryRecvError::Empty) if until.is_some_and(|u| Instant::now() < u) => {
                // Group commit: results queued meanwhile share this
                // transaction. Short slices, so that a call or an awaited
                // commit queued meanwhile waits at most one.
                std::thread::sleep(GATHER_SLICE); // sleep-ok: the gather window
            }
            Err(_) => return None,
        }
    }
    None
}

/// Sends each device of a batch its own outcome: its error if it alone was
/// rolled back, or the batch's error if the transaction failed.
fn answer(
    outcome: Result<Vec<(DeviceId, StoreError)>>,
    batch: &[DeviceResult],
    replies: Vec<Option<oneshot::Sender<Result<()>>>>,
    lost: &Unrecorded,
) {
    match outcome {
        Ok(mut failed) => {
            for (r, reply) in batch.iter().zip(replies) {
                let res = match failed.iter().position(|(id, _)| *id == r.device.id) {
                    Some(i) => Err(failed.swap_remove(i).1),
                    None => Ok(()),
                };
                deliver(r, reply, res, lost);
            }
        }
        Err(e) => {
            // The transaction itself failed: nothing in the batch was written.
            let msg = e.to_string();
            for (r, reply) in batch.iter().zip(replies) {
                deliver(r, reply, Err(StoreError::Batch(msg.clone())), lost);
            }
        }
    }
}

/// One device's outcome to whoever waits for it, or to the log when the
/// result was only queued ([`StoreSender::record`]).
fn deliver(
    r: &DeviceResult,
    reply: Option<oneshot::Sender<Result<()>>>,
    res: Result<()>,
    lost: &Unrecorded,
) {
    match (reply, res) {
        (Some(reply), res) => {
            let _ = reply.send(res);
        }
        (None, Ok(())) => {}
        (None, Err(e)) => {
            lost.0.fetch_add(1, Ordering::Relaxed);
            tracing::error!(device = %r.device.hostname, error = %e, "could not record a device");
        }
    }
}
