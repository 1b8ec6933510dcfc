//! Walks started from the browser (`POST /runs`, a device's "walk again")
//! or the API (`POST /api/v1/runs`), run in the server's process through
//! the same [`WalkLauncher`] (engine, store lock, deadlines, files) as
//! `netwalker discover`.
//!
//! **One at a time.** The store has one writer, so a second request while
//! a walk runs is refused (409), as is a walk while a `discover` elsewhere
//! holds the store (the walk fails at once, naming the holder).
//!
//! **Ownership and shutdown.** [`Walks`] owns the walk's task (on its
//! `TaskTracker`) and its cancel token; the live streams watch it through
//! `watch` channels and end when it ends or when the server stops. On
//! Ctrl-C/SIGTERM [`Walks::shutdown`] cancels the walk (the engine gives
//! devices in flight their grace, closes every session and flushes the
//! store) and waits for it within a bound.

use crate::engine::WalkProgress;
use crate::model::{StatusCounts, UnixTime, now_unix};
use crate::run::{WalkLauncher, WalkRequest};
use serde::Serialize;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// How a finished walk ended, for the page and the live stream.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub(super) struct WalkEnd {
    /// It ran to its end (possibly with device failures, which are results).
    pub ok: bool,
    /// The summary line, or why the walk could not run.
    pub message: String,
    /// Devices by final status, when it ran.
    pub counts: Option<StatusCounts>,
    /// Links in the store after it.
    pub links: Option<u64>,
    /// Its wall time.
    pub duration_ms: Option<u64>,
}

/// The walk started last, as the page and `GET /api/v1/runs/live` show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub(super) struct LiveWalk {
    /// `running`, `finished` or `failed`.
    pub state: &'static str,
    /// Its seeds.
    pub seeds: Vec<String>,
    /// When it was started, Unix seconds.
    pub started: UnixTime,
    /// Its counters (the last ones once it ended).
    pub progress: WalkProgress,
    /// How it ended, once it has.
    pub end: Option<WalkEnd>,
}

/// Why a walk was not started.
#[derive(Debug, thiserror::Error)]
pub(super) enum Refused {
    #[error(
        "walks cannot be started here: the server has no device credentials (start it with NETWALKER_USERNAME and NETWALKER_PASSWORD, or a config with [[credentials]])"
    )]
    Disabled,
    #[error(
        "a walk is running already (one at a time: the store has one writer); wait for it or cancel it"
    )]
    Busy,
    #[error("{0}")]
    Invalid(String),
    #[error("the server is stopping")]
    Stopping,
}

/// The walk started last: its channels and its cancel token.
#[derive(Clone)]
struct Current {
    /// Its seeds, for the page.
    seeds: Vec<String>,
    /// When it was started.
    started: UnixTime,
    /// Its counters, as the engine publishes them.
    progress: watch::Receiver<WalkProgress>,
    /// `Some` once it has ended.
    end: watch::Receiver<Option<WalkEnd>>,
    /// Cancels it (the Cancel button, the server stopping).
    cancel: CancellationToken,
}

impl Current {
    fn live(&self) -> LiveWalk {
        let end = self.end.borrow().clone();
        LiveWalk {
            state: match &end {
                None => "running",
                Some(e) if e.ok => "finished",
                Some(_) => "failed",
            },
            seeds: self.seeds.clone(),
            started: self.started,
            progress: *self.progress.borrow(),
            end,
        }
    }

    /// [`Current::live`], marking the state seen, so the next
    /// `changed()` waits for a newer one.
    fn live_seen(&mut self) -> LiveWalk {
        self.progress.borrow_and_update();
        self.end.borrow_and_update();
        self.live()
    }

    fn running(&self) -> bool {
        self.end.borrow().is_none()
    }
}

/// The server's walks (cheap to clone: one shared state).
#[derive(Clone)]
pub(super) struct Walks {
    /// Starts each walk; `None`: the server has no credentials, walks are off.
    launcher: Option<WalkLauncher>,
    /// The walk started last (running or ended), if any.
    current: Arc<Mutex<Option<Current>>>,
    /// Owns every walk task, so shutdown can wait for them.
    tracker: TaskTracker,
    /// The server is stopping: walks are cancelled, live streams end.
    stop: CancellationToken,
}

impl Walks {
    pub(super) fn new(launcher: Option<WalkLauncher>) -> Walks {
        Walks {
            launcher,
            current: Arc::new(Mutex::new(None)),
            tracker: TaskTracker::new(),
            stop: CancellationToken::new(),
        }
    }

    /// Whether walks can be started at all.
    pub(super) fn enabled(&self) -> bool {
        self.launcher.is_some()
    }

    /// Whether `netwalker worker` processes walk the walks started here.
    pub(super) fn through_workers(&self) -> bool {
        self.launcher
            .as_ref()
            .is_some_and(WalkLauncher::is_through_workers)
    }

    /// The depth the form offers by default.
    pub(super) fn default_depth(&self) -> Option<u32> {
        self.launcher.as_ref().and_then(WalkLauncher::default_depth)
    }

    /// Starts `req` unless a walk is running.
    pub(super) fn start(&self, req: WalkRequest) -> Result<(), Refused> {
        let launcher = self.launcher.clone().ok_or(Refused::Disabled)?;
        if self.stop.is_cancelled() {
            return Err(Refused::Stopping);
        }
        launcher
            .settings_for(&req)
            .map_err(|e| Refused::Invalid(e.to_string()))?;
        let mut current = self.current.lock().expect("walks lock");
        if current.as_ref().is_some_and(Current::running) {
            return Err(Refused::Busy);
        }
        let (progress_tx, progress) = watch::channel(WalkProgress::default());
        let (end_tx, end) = watch::channel(None);
        let cancel = self.stop.child_token();
        *current = Some(Current {
            seeds: req.seeds.clone(),
            started: now_unix(),
            progress,
            end,
            cancel: cancel.clone(),
        });
        self.tracker.spawn(async move {
            let out = launcher.walk(&req, cancel, progress_tx).await;
            let end = match out {
                Ok(o) => WalkEnd {
                    ok: true,
                    message: format!(
                        "{} walked, {} failed, {} links{}",
                        o.summary.counts.walked,
                        o.summary.counts.failed,
                        o.summary.links,
                        if o.summary.interrupted {
                            " (cancelled)"
                        } else {
                            ""
                        }
                    ),
                    counts: Some(o.summary.counts),
                    links: Some(o.summary.links),
                    duration_ms: Some(o.summary.duration_ms),
                },
                Err(e) => WalkEnd {
                    ok: false,
                    message: e.to_string(),
                    counts: None,
                    links: None,
                    duration_ms: None,
                },
            };
            let _ = end_tx.send(Some(end));
        });
        Ok(())
    }

    /// Cancels the running walk; whether there was one.
    pub(super) fn cancel(&self) -> bool {
        match &*self.current.lock().expect("walks lock") {
            Some(c) if c.running() => {
                c.cancel.cancel();
                true
            }
            _ => false,
        }
    }

    /// The walk started last, as it stands.
    pub(super) fn live(&self) -> Option<LiveWalk> {
        self.current
            .lock()
            .expect("walks lock")
            .as_ref()
            .map(Current::live)
    }

    /// A stream's view of the walk started last: its state now, then each
    /// change, until it ends or the server stops.
    pub(super) fn follow(&self) -> Follow {
        Follow {
            current: self.current.lock().expect("walks lock").clone(),
            stop: self.stop.clone(),
            sent_end: false,
        }
    }

    /// Cancels any walk and waits up to `bound` for it to close its
    /// sessions and flush the store; whether it finished in time.
    pub async fn shutdown(&self, bound: Duration) -> bool {
        self.stop.cancel();
        self.tracker.close();
        tokio::time::timeout(bound, self.tracker.wait())
            .await
            .is_ok()
    }
}

/// Least time between two events of one live stream: a fast walk changes
/// its counters hundreds of times a second, a browser needs a few.
pub(super) const LIVE_INTERVAL: Duration = Duration::from_millis(250);

/// One live stream's cursor over the walk (see [`Walks::follow`]).
pub(super) struct Follow {
    /// The walk followed; `None`: nothing was started yet.
    current: Option<Current>,
    /// Ends the stream when the server stops.
    stop: CancellationToken,
    /// The end was sent: the stream is over.
    sent_end: bool,
}

impl Follow {
    /// The next state to send, `None` when the stream is over. The first
    /// call answers at once; later ones after a change (at most one per
    /// [`LIVE_INTERVAL`]).
    pub(super) async fn next(&mut self, first: bool) -> Option<serde_json::Value> {
        if self.sent_end || self.stop.is_cancelled() {
            return None;
        }
        let Some(c) = &mut self.current else {
            self.sent_end = true;
            return Some(serde_json::json!({ "state": "idle" }));
        };
        if !first && c.running() {
            tokio::time::sleep(LIVE_INTERVAL).await; // sleep-ok: throttles a stream's events
            tokio::select! {
                _ = c.progress.changed() => {}
                _ = c.end.changed() => {}
                () = self.stop.cancelled() => return None,
            }
        }
        let live = c.live_seen();
        self.sent_end = live.end.is_some();
        Some(serde_json::to_value(&live).expect("serialises"))
    }
}
