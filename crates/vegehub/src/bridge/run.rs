//! The running bridge: start (read hubs, bind, connect), the core that turns
//! pushes into metrics and messages, and the bounded shutdown.

use super::discovery::{Device, OFF, ON, ONLINE, entity_config, state_payload};
use super::hubs::{Command, HAND_OVER, KnownHub, Reporter, command_worker};
use super::link::{self, Inbound, Link, LinkCmd};
use super::metrics::{BridgeCounters, CONTENT_TYPE, Metrics};
use super::outbox::Message;
use super::topics::Topics;
use super::{BridgeConfig, BridgeError};
use crate::listen::{ListenOptions, PushEvent, PushListener};
use crate::readings::{Quantity, readings};
use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// Starts bridges.
pub struct Bridge;

/// What a bridge did, read after it stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BridgeReport {
    /// Pushes taken by the receiver.
    pub pushes_received: u64,
    /// Pushes refused or unusable.
    pub pushes_rejected: u64,
    /// MQTT messages the broker acknowledged.
    pub published: u64,
    /// MQTT messages dropped (queue full, or undelivered at exit).
    pub dropped: u64,
    /// The shutdown needed more than its grace period.
    pub overran: bool,
}

/// A running bridge; [`BridgeHandle::shutdown`] stops it within its grace.
pub struct BridgeHandle {
    /// Where hubs push.
    listen_addr: SocketAddr,
    /// Where `/metrics` is served.
    metrics_addr: Option<SocketAddr>,
    /// Tells the bridge to stop, with the grace period.
    stop: Option<oneshot::Sender<Duration>>,
    /// The bridge's main task; returns the report.
    task: JoinHandle<BridgeReport>,
}

impl BridgeHandle {
    /// Where hubs push (the port the OS chose when 0 was asked).
    pub fn listen_addr(&self) -> SocketAddr {
        self.listen_addr
    }

    /// Where `/metrics` is served, if it is.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_addr
    }

    /// Stops taking pushes, maps those taken, publishes `offline`, lets the
    /// broker take what is queued within `grace`, disconnects. Returns within
    /// `grace` plus a bounded disconnect.
    pub async fn shutdown(mut self, grace: Duration) -> BridgeReport {
        if let Some(s) = self.stop.take() {
            let _ = s.send(grace);
        }
        let bound = grace * 2 + Duration::from_secs(2);
        match tokio::time::timeout(bound, &mut self.task).await {
            Ok(Ok(r)) => r,
            _ => {
                self.task.abort();
                BridgeReport {
                    pushes_received: 0,
                    pushes_rejected: 0,
                    published: 0,
                    dropped: 0,
                    overran: true,
                }
            }
        }
    }
}

impl Bridge {
    /// Reads the configured hubs, binds the receiver and `/metrics`, starts
    /// the MQTT link and announces the known hubs. `http` is the program's
    /// one HTTP client.
    pub async fn start(
        cfg: BridgeConfig,
        http: reqwest::Client,
    ) -> Result<BridgeHandle, BridgeError> {
        let topics = match &cfg.mqtt {
            Some(m) => Some(Topics::new(&m.topic_prefix, &m.discovery_prefix)?),
            None => None,
        };
        let mut known = Vec::new();
        for spec in &cfg.hubs {
            known.push(KnownHub::read(spec, &http, cfg.hub_options, &cfg.transforms).await?);
        }
        let counters = Arc::new(BridgeCounters::default());
        let metrics = Arc::new(Metrics::new(Arc::clone(&counters)));
        let metrics_server = match cfg.prometheus {
            Some(addr) => Some(serve_metrics(addr, &metrics, &cfg.listen_options).await?),
            None => None,
        };
        let (push_tx, push_rx) = mpsc::channel(64);
        let listener = PushListener::start_with(cfg.listen, push_tx, cfg.listen_options.clone())
            .await
            .map_err(|source| BridgeError::Listen {
                addr: cfg.listen,
                source,
            })?;
        let _ = counters.listen.set(listener.stats());
        let (inbound_tx, inbound_rx) = mpsc::channel(64);
        let link = match (&cfg.mqtt, &topics) {
            (Some(m), Some(t)) => {
                let subs = vec![t.command_filter(), t.ha_status()];
                Some(link::start(m, t, subs, Arc::clone(&counters), inbound_tx))
            }
            _ => None,
        };
        let link_tx = link.as_ref().map(|l| l.tx.clone());
        let (core, worker, worker_stop) = Core::start(&cfg, topics, link_tx, metrics, known).await;
        let (stop_tx, stop_rx) = oneshot::channel();
        let listen_addr = listener.addr();
        let metrics_addr = metrics_server.as_ref().map(PushListener::addr);
        let parts = Parts {
            listener,
            metrics_server,
            link,
            worker,
            worker_stop,
        };
        let task = tokio::spawn(run(core, parts, push_rx, inbound_rx, stop_rx));
        Ok(BridgeHandle {
            listen_addr,
            metrics_addr,
            stop: Some(stop_tx),
            task,
        })
    }
}

/// Serves `GET /metrics` within the receiver's limits.
async fn serve_metrics(
    addr: SocketAddr,
    metrics: &Arc<Metrics>,
    limits: &ListenOptions,
) -> Result<PushListener, BridgeError> {
    async fn scrape(State(m): State<Arc<Metrics>>) -> impl IntoResponse {
        ([(header::CONTENT_TYPE, CONTENT_TYPE)], m.render())
    }
    let app = Router::new()
        .route("/metrics", axum::routing::get(scrape))
        .with_state(Arc::clone(metrics));
    let opts = ListenOptions {
        api_key: None,
        ..limits.clone()
    };
    PushListener::start_router(addr, app, &opts)
        .await
        .map_err(|source| BridgeError::Metrics { addr, source })
}

/// What the main task stops, in order.
struct Parts {
    /// The push receiver.
    listener: PushListener,
    /// `/metrics`.
    metrics_server: Option<PushListener>,
    /// The MQTT connection.
    link: Option<Link>,
    /// The command worker.
    worker: JoinHandle<()>,
    /// Stops the command worker.
    worker_stop: CancellationToken,
}

/// Runs the core until told to stop, then shuts down within the grace.
async fn run(
    mut core: Core,
    parts: Parts,
    mut pushes: mpsc::Receiver<PushEvent>,
    mut inbound: mpsc::Receiver<Inbound>,
    mut stop: oneshot::Receiver<Duration>,
) -> BridgeReport {
    let grace = loop {
        tokio::select! {
            g = &mut stop => break g.unwrap_or(Duration::ZERO),
            ev = pushes.recv() => match ev {
                Some(ev) => core.push(&ev).await,
                None => break Duration::ZERO,
            },
            m = inbound.recv() => if let Some(m) = m { core.inbound(&m).await },
        }
    };
    let end = Instant::now() + grace;
    let left = || end.saturating_duration_since(Instant::now());
    let mut overran = !parts.listener.shutdown(left()).await;
    // Pushes already answered `OK` are still mapped and published.
    while let Ok(ev) = pushes.try_recv() {
        core.push(&ev).await;
    }
    parts.worker_stop.cancel();
    let _ = tokio::time::timeout(left(), parts.worker).await;
    let counters = Arc::clone(&core.counters);
    drop(core);
    if let Some(link) = parts.link {
        let finish = LinkCmd::Finish { grace: left() };
        let _ = tokio::time::timeout(HAND_OVER, link.tx.send(finish)).await;
        drop(link.tx);
        let mut task = link.task;
        // The link ends by itself at the grace's end, plus a bounded DISCONNECT.
        if tokio::time::timeout(left() + Duration::from_secs(1), &mut task)
            .await
            .is_err()
        {
            task.abort();
            overran = true;
        }
    }
    if let Some(m) = parts.metrics_server {
        m.shutdown(Duration::from_millis(200)).await;
    }
    BridgeReport {
        pushes_received: counters.received(),
        pushes_rejected: counters.rejected(),
        published: counters.published(),
        dropped: counters.dropped(),
        overran,
    }
}

/// Unix seconds now, as a float (for the last-push gauge).
fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// The bridge's state between pushes; one task owns it, so no locks.
struct Core {
    /// The link, when MQTT is on.
    link: Option<mpsc::Sender<LinkCmd>>,
    /// The topic scheme, when MQTT is on.
    topics: Option<Topics>,
    /// Gauges per hub and channel.
    metrics: Arc<Metrics>,
    /// The bridge's counts (unusable pushes are counted here).
    counters: Arc<BridgeCounters>,
    /// Hubs read at start, by MAC.
    known: BTreeMap<String, Arc<KnownHub>>,
    /// Hubs met (known or pushing) and the entities announced for each.
    seen: BTreeMap<String, BTreeMap<String, Quantity>>,
    /// Command topic -> (hub MAC, actuator index).
    commands: HashMap<String, (String, u32)>,
    /// To the command worker.
    cmd_tx: mpsc::Sender<Command>,
    /// Most hubs tracked.
    max_hubs: usize,
    /// Transforms of hubs not read at start.
    transforms: crate::readings::Transforms,
}

impl Core {
    /// The core and its command worker (stopped by the returned token), with
    /// the hubs read at start announced.
    async fn start(
        cfg: &BridgeConfig,
        topics: Option<Topics>,
        link: Option<mpsc::Sender<LinkCmd>>,
        metrics: Arc<Metrics>,
        known: Vec<KnownHub>,
    ) -> (Core, JoinHandle<()>, CancellationToken) {
        let (cmd_tx, cmd_rx) = mpsc::channel(16);
        let worker_stop = CancellationToken::new();
        let reporter = Reporter {
            metrics: Arc::clone(&metrics),
            topics: topics.clone(),
            link: link.clone(),
        };
        let worker = tokio::spawn(command_worker(cmd_rx, worker_stop.clone(), reporter));
        let mut core = Core {
            link,
            topics,
            counters: Arc::clone(metrics.counters()),
            metrics,
            known: BTreeMap::new(),
            seen: BTreeMap::new(),
            commands: HashMap::new(),
            cmd_tx,
            max_hubs: cfg.max_hubs.max(known.len()),
            transforms: cfg.transforms.clone(),
        };
        for h in known {
            core.add_known(Arc::new(h)).await;
        }
        (core, worker, worker_stop)
    }

    /// A hub read at start: its entities are announced (switches included)
    /// and its actuator states published before any push.
    async fn add_known(&mut self, h: Arc<KnownHub>) {
        let mac = h.mac.clone();
        self.known.insert(mac.clone(), Arc::clone(&h));
        for (channel, q) in h.entities() {
            if q == Quantity::Switch
                && let Some(t) = &self.topics
                && let Some(k) = channel
                    .strip_prefix("actuator_")
                    .and_then(|k| k.parse().ok())
            {
                self.commands
                    .insert(t.command(&mac, &channel), (mac.clone(), k));
            }
            self.announce(&mac, &channel, q).await;
        }
        for (k, a) in h.actuators.iter().enumerate() {
            let r = crate::readings::Reading {
                channel: format!("actuator_{k}"),
                slot: a.slot,
                quantity: Quantity::Switch,
                raw: f64::from(a.state),
                value: f64::from(a.state),
                time: None,
            };
            self.metrics
                .set_actuator(&mac, &k.to_string(), a.state != 0);
            self.publish_state(&mac, &r.channel, r.quantity, r.value)
                .await;
        }
    }

    /// One push: readings -> gauges, discovery (first time), state messages.
    async fn push(&mut self, ev: &PushEvent) {
        let Some(mac) = ev
            .push
            .mac
            .clone()
            .filter(|m| m.len() == 12 && m.bytes().all(|b| b.is_ascii_hexdigit()))
        else {
            tracing::warn!("vegehub bridge: a push without a valid MAC was ignored");
            self.counters.unusable.fetch_add(1, Ordering::Relaxed);
            return;
        };
        if !self.seen.contains_key(&mac) && self.seen.len() >= self.max_hubs {
            tracing::warn!(
                "vegehub bridge: a push from a new hub was ignored: {} hubs tracked already",
                self.seen.len()
            );
            self.counters.unusable.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let known = self.known.get(&mac).cloned();
        let (layout, transforms) = match &known {
            Some(h) => (Some(&h.layout), &h.transforms),
            None => (None, &self.transforms),
        };
        let list = readings(&ev.push, layout, transforms);
        self.seen.entry(mac.clone()).or_default();
        let now = unix_now();
        for r in &list {
            self.metrics.record(&mac, r, now);
            self.announce(&mac, &r.channel, r.quantity).await;
            self.publish_state(&mac, &r.channel, r.quantity, r.value)
                .await;
        }
    }

    /// A broker message: Home Assistant came online (announce again), or a
    /// switch command.
    async fn inbound(&mut self, m: &Inbound) {
        let Some(t) = &self.topics else { return };
        if m.topic == t.ha_status() {
            if m.payload == ONLINE.as_bytes() {
                self.reannounce().await;
            }
            return;
        }
        let Some((mac, index)) = self.commands.get(&m.topic).cloned() else {
            return;
        };
        let on = match m.payload.trim_ascii() {
            p if p.eq_ignore_ascii_case(ON.as_bytes()) => true,
            p if p.eq_ignore_ascii_case(OFF.as_bytes()) => false,
            _ => {
                tracing::warn!(
                    "vegehub bridge: ignored a command on {}: expected {ON} or {OFF}",
                    m.topic
                );
                return;
            }
        };
        let Some(hub) = self.known.get(&mac).cloned() else {
            return;
        };
        if self.cmd_tx.try_send(Command { hub, index, on }).is_err() {
            tracing::warn!(
                "vegehub bridge: ignored a command on {}: too many waiting",
                m.topic
            );
        }
    }

    /// Publishes an entity's discovery config the first time it is met (or
    /// when what it measures changed).
    async fn announce(&mut self, mac: &str, channel: &str, q: Quantity) {
        let entities = self.seen.entry(mac.to_string()).or_default();
        if entities.get(channel) == Some(&q) {
            return;
        }
        entities.insert(channel.to_string(), q);
        self.send_config(mac, channel, q).await;
    }

    /// Every announced entity's config again (Home Assistant restarted).
    async fn reannounce(&mut self) {
        let all: Vec<(String, String, Quantity)> = self
            .seen
            .iter()
            .flat_map(|(mac, es)| es.iter().map(|(c, q)| (mac.clone(), c.clone(), *q)))
            .collect();
        for (mac, channel, q) in all {
            self.send_config(&mac, &channel, q).await;
        }
    }

    /// One retained discovery config.
    async fn send_config(&self, mac: &str, channel: &str, q: Quantity) {
        let Some(t) = &self.topics else { return };
        let device = Device {
            mac: mac.to_string(),
            sw_version: self.known.get(mac).and_then(|h| h.sw_version.clone()),
        };
        let (topic, payload) = entity_config(t, &device, channel, q);
        self.send(Message::new(topic, payload.to_string(), true))
            .await;
    }

    /// One state message.
    async fn publish_state(&self, mac: &str, channel: &str, q: Quantity, value: f64) {
        let Some(t) = &self.topics else { return };
        let m = Message::new(t.state(mac, channel), state_payload(q, value), false);
        self.send(m).await;
    }

    /// Hands a message to the link (bounded: the link reads at once).
    async fn send(&self, m: Message) {
        let Some(link) = &self.link else { return };
        if tokio::time::timeout(HAND_OVER, link.send(LinkCmd::Publish(m)))
            .await
            .is_err()
        {
            tracing::warn!("vegehub bridge: the MQTT link did not take a message");
        }
    }
}
