//! A simulated Vegetronix VegeHub: the hub's HTTP-JSON API with state, fault
//! modes, pushes to its configured server, optional mDNS advertisement, and exact
//! TCP connection accounting.
//!
//! # Ownership and shutdown
//!
//! [`start`] binds the listener and returns a [`SimHandle`] with the bound address
//! (bind to port 0 and read it back). Every task the simulator runs — the accept
//! loop, one task per TCP connection, actuator revert timers, pushes, the periodic
//! push — is spawned on one [`TaskTracker`] and watches two
//! [`CancellationToken`]s:
//!
//! * `graceful`: stop accepting, let each connection finish its in-flight request
//!   (idle keep-alive connections close at once), cancel timers;
//! * `force`: drop whatever is still running.
//!
//! [`SimHandle::shutdown`] cancels `graceful`, waits for the tracker up to the
//! grace period, then cancels `force` and waits again (which is immediate), and
//! finally stops the mDNS daemon thread. Its total time is therefore bounded by
//! the grace period plus the mDNS goodbye deadline whatever the clients do.
//! Dropping a handle without calling `shutdown` cancels both tokens, so tasks end
//! on their own soon after.
//!
//! Connections are counted by a guard that lives in the connection task: +1 at
//! accept, +1 closed exactly once when the task ends, however it ends.
//! `GET /_sim/stats` reports those counts *excluding the connection asking*, and
//! `?wait_idle_ms=N` waits (by awaiting a watch channel, not by polling) until every
//! other connection has closed.

mod api;
pub mod faults;
mod mdns;
mod server;
pub mod state;

pub use faults::{BodyFault, Faults};
pub use mdns::SERVICE_TYPE;
pub use state::{Firmware, Layout};

use serde::Serialize;
use state::HubState;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// How to build a simulated hub.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Where the simulated hub's HTTP API listens (loopback in tests).
    pub listen: SocketAddr,
    /// Which API dialect it speaks.
    pub firmware: Firmware,
    /// How many channels and actuators it has.
    pub layout: Layout,
    /// Its MAC address.
    pub mac: [u8; 6],
    /// Push to the configured server this often (besides on `update/send`).
    pub push_period: Option<Duration>,
    /// Advertise `_vege._tcp.local.` under this instance name.
    pub mdns_instance: Option<String>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            firmware: Firmware::Endpoints,
            layout: Layout::default(),
            mac: [0x7C, 0x9E, 0xBD, 0x4B, 0x49, 0xD8],
            push_period: None,
            mdns_instance: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("cannot listen on {addr}: {source} (is the port in use? try port 0)")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot advertise over mDNS: {0}")]
    Mdns(#[from] mdns_sd::Error),
}

/// Connection and request accounting, as served at `GET /_sim/stats`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SimStats {
    /// TCP connections accepted: the client's connection use, counted.
    pub connections_opened: u64,
    /// TCP connections that ended.
    pub connections_closed: u64,
    /// Open now: 0 after a well-behaved client is done.
    pub connections_open: u64,
    /// Hub API requests (`/api/...`); `/_sim/...` calls are not counted.
    pub requests: u64,
    /// Pushes the hub delivered to its configured server.
    pub pushes_sent: u64,
    /// Pushes that could not be delivered.
    pub pushes_failed: u64,
}

impl SimStats {
    fn read(shared: &Shared) -> Self {
        let c = &shared.counters;
        // Read `closed` first so `open` can never come out negative.
        let closed = c.closed.load(Ordering::SeqCst);
        let opened = c.opened.load(Ordering::SeqCst);
        SimStats {
            connections_opened: opened,
            connections_closed: closed,
            connections_open: opened.saturating_sub(closed),
            requests: c.requests.load(Ordering::SeqCst),
            pushes_sent: c.pushes_sent.load(Ordering::SeqCst),
            pushes_failed: c.pushes_failed.load(Ordering::SeqCst),
        }
    }
}

#[derive(Default)]
pub(crate) struct Counters {
    /// Connections accepted.
    opened: AtomicU64,
    /// Connections ended.
    closed: AtomicU64,
    /// HTTP requests answered.
    requests: AtomicU64,
    /// Pushes delivered.
    pushes_sent: AtomicU64,
    /// Pushes not delivered.
    pushes_failed: AtomicU64,
}

pub(crate) struct Shared {
    /// The hub's state, shared by the API handlers and the push task.
    hub: Mutex<HubState>,
    /// Misbehaviour tests ask for (latency, hangs, errors, sleep).
    faults: Mutex<Faults>,
    /// Connection, request and push counts, for `SimStats`.
    counters: Counters,
    /// Number of open connections; a watch so waiters are woken, not polling.
    open_tx: watch::Sender<u64>,
    /// Whether the hub is asleep (battery saving): connections are refused.
    asleep_tx: watch::Sender<bool>,
    /// Cancelled when the hub falls asleep: its live connections drop with it.
    epoch: Mutex<CancellationToken>,
    /// Cancelled first on shutdown: stop accepting, finish in-flight requests.
    graceful: CancellationToken,
    /// Cancelled after the grace period: drop whatever still runs.
    force: CancellationToken,
    /// Every connection task, so shutdown can wait for them.
    tracker: TaskTracker,
    /// One HTTP client for the hub's pushes, for the simulator's life.
    push_client: reqwest::Client,
    /// When the API last answered, for tests of client pacing.
    last_api_reply: Mutex<Option<Instant>>,
}

/// A running simulator. See the crate docs for the shutdown story.
pub struct SimHandle {
    /// Where the hub listens.
    addr: SocketAddr,
    /// The state the handle inspects and faults it injects.
    shared: Arc<Shared>,
    /// The mDNS advert, when one was asked for; withdrawn on shutdown.
    mdns: Option<mdns::Advertiser>,
}

/// Binds, starts serving and returns at once; the hub is ready when this returns.
pub async fn start(cfg: SimConfig) -> Result<SimHandle, SimError> {
    let listener = server::bind(cfg.listen).map_err(|source| SimError::Bind {
        addr: cfg.listen,
        source,
    })?;
    let addr = listener.local_addr().map_err(|source| SimError::Bind {
        addr: cfg.listen,
        source,
    })?;
    // A microcontroller does not keep connections alive between pushes.
    let push_client = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(5))
        .pool_max_idle_per_host(0)
        .build()
        .unwrap_or_default();
    let shared = Arc::new(Shared {
        hub: Mutex::new(HubState::new(cfg.firmware, cfg.layout, cfg.mac)),
        faults: Mutex::new(Faults::default()),
        counters: Counters::default(),
        open_tx: watch::Sender::new(0),
        asleep_tx: watch::Sender::new(false),
        epoch: Mutex::new(CancellationToken::new()),
        graceful: CancellationToken::new(),
        force: CancellationToken::new(),
        tracker: TaskTracker::new(),
        push_client,
        last_api_reply: Mutex::new(None),
    });
    let router = api::router(Arc::clone(&shared));
    shared
        .tracker
        .spawn(server::accept_loop(Arc::clone(&shared), listener, router));
    if let Some(period) = cfg.push_period {
        let s = Arc::clone(&shared);
        shared.tracker.spawn(async move {
            let mut tick = tokio::time::interval(period);
            tick.tick().await;
            loop {
                tokio::select! {
                    _ = s.graceful.cancelled() => return,
                    _ = tick.tick() => spawn_push(&s),
                }
            }
        });
    }
    let mdns = match &cfg.mdns_instance {
        Some(name) => {
            let mut txt = HashMap::new();
            txt.insert("version".to_string(), "5.1.2".to_string());
            txt.insert("type".to_string(), "hub".to_string());
            txt.insert("receiver".to_string(), "/api/vsens/data_in".to_string());
            txt.insert("sensors".to_string(), cfg.layout.channels.to_string());
            txt.insert("actuators".to_string(), cfg.layout.actuators.to_string());
            for i in 1..=cfg.layout.channels {
                txt.insert(format!("sens_{i}"), format!("Sensor{i}"));
            }
            txt.insert(
                "power_mode".to_string(),
                if cfg.layout.battery { "1" } else { "0" }.to_string(),
            );
            match mdns::Advertiser::start(name, Some(addr.ip()), addr.port(), txt) {
                Ok(a) => Some(a),
                Err(e) => {
                    shared.graceful.cancel();
                    shared.force.cancel();
                    shared.tracker.close();
                    shared.tracker.wait().await;
                    return Err(e.into());
                }
            }
        }
        None => None,
    };
    shared.tracker.close();
    Ok(SimHandle { addr, shared, mdns })
}

/// What [`SimHandle::shutdown`] had to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShutdownReport {
    /// Tasks were still running at the end of the grace period and were dropped.
    pub forced: bool,
    /// How long shutdown took: bounded by the grace period.
    pub elapsed: Duration,
    /// Final counts, read after every task has ended.
    pub stats: SimStats,
}

impl SimHandle {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`, the base URL a client uses.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn stats(&self) -> SimStats {
        SimStats::read(&self.shared)
    }

    /// When the last hub API reply was produced (not counting `/_sim/...`).
    pub fn last_api_reply(&self) -> Option<Instant> {
        self.shared.last_api_reply.lock().ok().and_then(|t| *t)
    }

    /// Waits (by awaiting a watch, not polling) until no connection is open.
    /// Returns false if `deadline` passed first.
    pub async fn wait_idle(&self, deadline: Duration) -> bool {
        let mut rx = self.shared.open_tx.subscribe();
        tokio::time::timeout(deadline, rx.wait_for(|n| *n == 0))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    pub fn faults(&self) -> Faults {
        self.shared
            .faults
            .lock()
            .map(|f| f.clone())
            .unwrap_or_default()
    }

    pub fn set_faults(&self, faults: Faults) {
        apply_faults(&self.shared, faults);
    }

    /// Puts the hub to sleep (connections refused, live ones dropped) or wakes it.
    pub fn set_asleep(&self, asleep: bool) {
        set_asleep(&self.shared, asleep);
    }

    /// The stored config, as `config/get` with every section would show it.
    pub fn config(&self) -> serde_json::Value {
        let hub = self.shared.hub.lock().unwrap_or_else(|p| p.into_inner());
        serde_json::Value::Object(hub.config.clone())
    }

    pub fn actuator_states(&self) -> Vec<u8> {
        let hub = self.shared.hub.lock().unwrap_or_else(|p| p.into_inner());
        hub.actuators.iter().map(|a| a.state).collect()
    }

    pub fn set_analog(&self, volts: Vec<f64>) {
        let mut hub = self.shared.hub.lock().unwrap_or_else(|p| p.into_inner());
        hub.analog = volts;
    }

    /// Graceful shutdown bounded by `grace`; see the crate docs.
    pub async fn shutdown(mut self, grace: Duration) -> ShutdownReport {
        let started = Instant::now();
        self.shared.graceful.cancel();
        let forced = tokio::time::timeout(grace, self.shared.tracker.wait())
            .await
            .is_err();
        if forced {
            self.shared.force.cancel();
            self.shared.tracker.wait().await;
        }
        if let Some(m) = self.mdns.take() {
            m.shutdown(Duration::from_secs(1)).await;
        }
        ShutdownReport {
            forced,
            elapsed: started.elapsed(),
            stats: SimStats::read(&self.shared),
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.shared.graceful.cancel();
        self.shared.force.cancel();
        // An advertiser still here asks its daemon thread to stop when dropped.
        self.mdns.take();
    }
}

pub(crate) fn apply_faults(shared: &Arc<Shared>, faults: Faults) {
    let sleep_for = faults.asleep_ms;
    if let Ok(mut f) = shared.faults.lock() {
        *f = faults;
    }
    if let Some(ms) = sleep_for {
        set_asleep(shared, true);
        let s = Arc::clone(shared);
        shared.tracker.spawn(async move {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(ms)) => set_asleep(&s, false), // sleep-ok: the hub's simulated sleep period
                _ = s.graceful.cancelled() => {}
            }
        });
    }
}

fn set_asleep(shared: &Shared, asleep: bool) {
    if asleep && let Ok(mut e) = shared.epoch.lock() {
        e.cancel();
        *e = CancellationToken::new();
    }
    shared.asleep_tx.send_replace(asleep);
}

/// Sends one push to every configured target, as the hub does on `update/send`.
pub(crate) fn spawn_push(shared: &Arc<Shared>) {
    let jobs: Vec<(String, serde_json::Value)> = {
        let hub = shared.hub.lock().unwrap_or_else(|p| p.into_inner());
        hub.push_targets()
            .into_iter()
            .map(|(url, key)| {
                let body = hub.push_payload(&key);
                (url, body)
            })
            .collect()
    };
    for (url, body) in jobs {
        let s = Arc::clone(shared);
        shared.tracker.spawn(async move {
            let send = async {
                let resp = s.push_client.post(&url).json(&body).send().await?;
                let status = resp.status();
                // Read the reply to the end so the connection is released cleanly.
                let _ = resp.bytes().await;
                Ok::<_, reqwest::Error>(status)
            };
            tokio::select! {
                r = send => match r {
                    Ok(st) if st.is_success() => {
                        s.counters.pushes_sent.fetch_add(1, Ordering::SeqCst);
                    }
                    Ok(st) => {
                        tracing::warn!("vegehub-sim: push to {url} answered {st}");
                        s.counters.pushes_failed.fetch_add(1, Ordering::SeqCst);
                    }
                    Err(e) => {
                        tracing::warn!("vegehub-sim: push to {url} failed: {e}");
                        s.counters.pushes_failed.fetch_add(1, Ordering::SeqCst);
                    }
                },
                _ = s.force.cancelled() => {}
            }
        });
    }
}
