//! The one MQTT connection: a task that owns rumqttc's event loop and the
//! [`Outbox`], hands messages to the broker a window at a time, counts each
//! acknowledged, reconnects with backoff, and on finish publishes `offline`
//! and gives the broker a grace period to take what is queued.
//!
//! rumqttc keeps unacknowledged messages across a reconnect only when the
//! broker resumes the session; with a clean session (or a restarted broker)
//! it forgets them. So the link keeps its own copy of each message until its
//! PUBACK and, when the connection breaks, clears rumqttc's pending list and
//! puts its copies back at the front of the outbox: at least once, in order,
//! bounded.
//!
//! rumqttc's event loop runs in a task of its own ([`poll_loop`]) and is
//! never cancelled mid-poll (a cancelled poll could lose a half-written
//! packet or restart a connect). After a failure it waits for the link to
//! take its copies back, then empties what rumqttc still holds and sleeps the
//! backoff the link chose before connecting again, so nothing is sent twice
//! by both of them and every PUBACK matches the message it acknowledges.

use super::MqttConfig;
use super::discovery::{OFFLINE, ONLINE};
use super::metrics::BridgeCounters;
use super::outbox::{Message, Outbox};
use super::topics::Topics;
use rumqttc::{
    AsyncClient, ConnectionError, Event, EventLoop, Incoming, LastWill, MqttOptions, Outgoing, QoS,
};
use secrecy::ExposeSecret;
use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// Messages handed to rumqttc and not yet acknowledged, at most.
const WINDOW: usize = 16;
/// First wait before reconnecting; doubled per failure up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
/// Longest wait between reconnects.
const MAX_BACKOFF: Duration = Duration::from_secs(10);
/// Bound on saying DISCONNECT once everything is delivered.
const DISCONNECT_BOUND: Duration = Duration::from_millis(500);

/// What the bridge asks of the link.
#[derive(Debug)]
pub(crate) enum LinkCmd {
    /// Queue a message.
    Publish(Message),
    /// Publish `offline`, deliver what is queued within `grace`, disconnect.
    Finish { grace: Duration },
}

/// A message from the broker on a subscribed topic.
#[derive(Debug)]
pub(crate) struct Inbound {
    /// The topic it came on.
    pub topic: String,
    /// Its payload (untrusted).
    pub payload: Vec<u8>,
}

/// The bridge's handle on the link task.
pub(crate) struct Link {
    /// Commands to the task.
    pub tx: mpsc::Sender<LinkCmd>,
    /// The task; it ends after [`LinkCmd::Finish`].
    pub task: JoinHandle<()>,
}

/// Starts the link; broker messages on `subscriptions` go to `inbound`.
pub(crate) fn start(
    cfg: &MqttConfig,
    topics: &Topics,
    subscriptions: Vec<String>,
    counters: Arc<BridgeCounters>,
    inbound: mpsc::Sender<Inbound>,
) -> Link {
    let mut opts = MqttOptions::new(cfg.client_id.clone(), cfg.host.clone(), cfg.port);
    opts.set_keep_alive(cfg.keep_alive.max(Duration::from_secs(1)))
        .set_clean_session(true)
        .set_inflight(WINDOW as u16)
        .set_last_will(LastWill::new(
            topics.availability(),
            OFFLINE,
            QoS::AtLeastOnce,
            true,
        ));
    if let Some(user) = &cfg.username {
        let pass = cfg
            .password
            .as_ref()
            .map(|p| p.expose_secret().to_string())
            .unwrap_or_default();
        opts.set_credentials(user.clone(), pass);
    }
    let (client, mut eventloop) = AsyncClient::new(opts, WINDOW + 8);
    let mut net = eventloop.network_options();
    net.set_connection_timeout(cfg.connect_timeout.as_secs().max(1));
    eventloop.set_network_options(net);
    let (tx, rx) = mpsc::channel(256);
    let (events_tx, events) = mpsc::channel(64);
    let (resume, resume_rx) = mpsc::channel(1);
    let poller = tokio::spawn(poll_loop(eventloop, events_tx, resume_rx));
    let state = LinkTask {
        client,
        events,
        resume,
        poller,
        rx,
        outbox: Outbox::new(cfg.queue_limit),
        handed: VecDeque::new(),
        inflight: VecDeque::new(),
        connected: false,
        backoff: FIRST_BACKOFF,
        failures: 0,
        finish_by: None,
        availability: topics.availability(),
        subscriptions,
        inbound,
        counters,
        abandoned: 0,
        broker: format!("{}:{}", cfg.host, cfg.port),
    };
    Link {
        tx,
        task: tokio::spawn(state.run()),
    }
}

/// A poll's outcome, as [`poll_loop`] reports it.
type Polled = Result<Event, ConnectionError>;

/// Polls rumqttc's event loop and reports every outcome in order. After a
/// failure it waits for the link's word (the backoff to wait), which comes
/// after the link has taken back its unacknowledged messages; then it drops
/// what rumqttc still holds (requests queued meanwhile included), waits, and
/// connects again. Ends when the link is gone; the link aborts it if it is
/// idle in a poll then (it owns nothing else).
async fn poll_loop(
    mut eventloop: EventLoop,
    events: mpsc::Sender<Polled>,
    mut resume: mpsc::Receiver<Duration>,
) {
    loop {
        let ev = eventloop.poll().await;
        let failed = ev.is_err();
        if events.send(ev).await.is_err() {
            return;
        }
        if failed {
            let Some(wait) = resume.recv().await else {
                return;
            };
            // The link resends its own copies after the reconnect.
            eventloop.clean();
            eventloop.pending.clear();
            eventloop.state.events.clear();
            tokio::time::sleep(wait).await; // sleep-ok: reconnect backoff
        }
    }
}

/// The task's state.
struct LinkTask {
    /// Requests to rumqttc (publish, subscribe, disconnect).
    client: AsyncClient,
    /// What rumqttc's event loop yields, in order, from [`poll_loop`].
    events: mpsc::Receiver<Polled>,
    /// Tells [`poll_loop`] to reconnect after this backoff.
    resume: mpsc::Sender<Duration>,
    /// The [`poll_loop`] task.
    poller: JoinHandle<()>,
    /// Commands from the bridge.
    rx: mpsc::Receiver<LinkCmd>,
    /// Messages not yet handed to rumqttc.
    outbox: Outbox,
    /// Handed to rumqttc, not yet written (no packet id yet), in order.
    handed: VecDeque<Message>,
    /// Written with this packet id, awaiting PUBACK, in order.
    inflight: VecDeque<(u16, Message)>,
    /// Between CONNACK and the next connection error.
    connected: bool,
    /// The next wait after a failure.
    backoff: Duration,
    /// Failures since the last successful connect (only the first is a warning).
    failures: u32,
    /// Set by [`LinkCmd::Finish`]: the end of the grace period.
    finish_by: Option<Instant>,
    /// The availability topic (`online` on connect, `offline` on finish).
    availability: String,
    /// Topic filters subscribed to after each connect (clean sessions forget them).
    subscriptions: Vec<String>,
    /// Where broker messages go.
    inbound: mpsc::Sender<Inbound>,
    /// Published / dropped / queued / connected, for `/metrics`.
    counters: Arc<BridgeCounters>,
    /// Messages still undelivered when the grace period ended.
    abandoned: u64,
    /// `host:port`, for messages.
    broker: String,
}

impl LinkTask {
    async fn run(mut self) {
        loop {
            if self.finished() {
                break;
            }
            let finish_by = self.finish_by;
            tokio::select! {
                cmd = self.rx.recv(), if finish_by.is_none() => self.command(cmd),
                ev = self.events.recv() => match ev {
                    Some(ev) => self.event(ev).await,
                    None => {
                        self.abandon();
                        break;
                    }
                },
                _ = tokio::time::sleep_until(finish_by.unwrap_or_else(Instant::now)), if finish_by.is_some() => { // sleep-ok: the shutdown grace period
                    self.abandon();
                    break;
                }
            }
            self.feed();
            self.count();
        }
        self.disconnect().await;
        self.poller.abort();
        self.count();
    }

    /// A command from the bridge; a closed channel finishes at once.
    fn command(&mut self, cmd: Option<LinkCmd>) {
        match cmd {
            Some(LinkCmd::Publish(m)) => self.outbox.push(m),
            Some(LinkCmd::Finish { grace }) => {
                self.outbox
                    .push(Message::new(self.availability.clone(), OFFLINE, true));
                self.finish_by = Some(Instant::now() + grace);
            }
            None => self.finish_by = Some(Instant::now()),
        }
    }

    /// Finishing and everything is delivered.
    fn finished(&self) -> bool {
        self.finish_by.is_some()
            && self.outbox.is_empty()
            && self.handed.is_empty()
            && self.inflight.is_empty()
    }

    async fn event(&mut self, ev: Polled) {
        match ev {
            Ok(Event::Incoming(Incoming::ConnAck(_))) => self.connected_now(),
            Ok(Event::Incoming(Incoming::PubAck(ack))) => {
                if let Some(i) = self.inflight.iter().position(|(id, _)| *id == ack.pkid) {
                    self.inflight.remove(i);
                    self.counters.published.fetch_add(1, Ordering::Relaxed);
                }
            }
            Ok(Event::Incoming(Incoming::Publish(p))) => {
                let msg = Inbound {
                    topic: p.topic,
                    payload: p.payload.to_vec(),
                };
                if self.inbound.try_send(msg).is_err() {
                    tracing::warn!(
                        "vegehub bridge: a broker message was ignored: too many waiting"
                    );
                }
            }
            Ok(Event::Outgoing(Outgoing::Publish(pkid))) => {
                if let Some(m) = self.handed.pop_front() {
                    self.inflight.push_back((pkid, m));
                }
            }
            Ok(_) => {}
            Err(e) => self.broken(&e).await,
        }
    }

    /// CONNACK: subscribe again, announce `online` first.
    fn connected_now(&mut self) {
        if self.failures > 0 {
            tracing::info!("vegehub bridge: connected to MQTT broker {}", self.broker);
        }
        self.connected = true;
        self.failures = 0;
        self.backoff = FIRST_BACKOFF;
        for filter in &self.subscriptions {
            if self
                .client
                .try_subscribe(filter.clone(), QoS::AtLeastOnce)
                .is_err()
            {
                tracing::warn!("vegehub bridge: could not subscribe to {filter}");
            }
        }
        // Skipped by the outbox if `offline` is already queued (finishing).
        let online = Message::new(self.availability.clone(), ONLINE, true);
        self.outbox.requeue(std::iter::once(online));
    }

    /// The connection failed or broke: take back what rumqttc held, then let
    /// the poller wait the backoff and reconnect.
    async fn broken(&mut self, e: &ConnectionError) {
        if self.failures == 0 {
            tracing::warn!(
                "vegehub bridge: MQTT broker {}: {e}; retrying with backoff, keeping up to the queue limit",
                self.broker
            );
        } else {
            tracing::debug!("vegehub bridge: MQTT broker {}: {e}", self.broker);
        }
        self.connected = false;
        self.failures = self.failures.saturating_add(1);
        let back: Vec<Message> = self
            .inflight
            .drain(..)
            .map(|(_, m)| m)
            .chain(self.handed.drain(..))
            .collect();
        self.outbox.requeue(back.into_iter());
        // The poller waits for this before anything else, so it never blocks.
        let _ = self.resume.try_send(self.backoff);
        self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
    }

    /// Hands queued messages to rumqttc while connected, up to the window.
    fn feed(&mut self) {
        while self.connected && self.handed.len() + self.inflight.len() < WINDOW {
            let Some(m) = self.outbox.pop() else { return };
            let r = self.client.try_publish(
                m.topic.clone(),
                QoS::AtLeastOnce,
                m.retain,
                m.payload.clone(),
            );
            match r {
                Ok(()) => self.handed.push_back(m),
                Err(_) => {
                    self.outbox.requeue(std::iter::once(m));
                    return;
                }
            }
        }
    }

    /// The grace period ended: what is left is dropped, and counted.
    fn abandon(&mut self) {
        let sent = (self.handed.len() + self.inflight.len()) as u64;
        self.handed.clear();
        self.inflight.clear();
        // The outbox counts its own as dropped; these were rumqttc's.
        self.abandoned = sent;
        let left = self.outbox.abandon() + sent;
        if left > 0 {
            tracing::info!(
                "vegehub bridge: {left} MQTT messages not delivered by the end of the grace period"
            );
        }
    }

    /// Says DISCONNECT if connected, bounded; the broker then drops the last
    /// will (the `offline` the bridge published stands).
    async fn disconnect(&mut self) {
        if !self.connected || self.client.try_disconnect().is_err() {
            return;
        }
        let _ = tokio::time::timeout(DISCONNECT_BOUND, async {
            while let Some(ev) = self.events.recv().await {
                if matches!(ev, Ok(Event::Outgoing(Outgoing::Disconnect)) | Err(_)) {
                    return;
                }
            }
        })
        .await;
        self.connected = false;
    }

    /// Publishes the counts `/metrics` shows.
    fn count(&self) {
        let c = &self.counters;
        c.dropped
            .store(self.outbox.dropped() + self.abandoned, Ordering::Relaxed);
        let queued = self.outbox.len() + self.handed.len() + self.inflight.len();
        c.queued.store(queued as u64, Ordering::Relaxed);
        c.connected
            .store(u64::from(self.connected), Ordering::Relaxed);
    }
}
