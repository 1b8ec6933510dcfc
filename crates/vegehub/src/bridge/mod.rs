//! `vegehub bridge`: hub pushes into MQTT (with Home Assistant discovery) and
//! Prometheus, as a service people leave running.
//!
//! # How it flows
//!
//! ```text
//! hub POST -> PushListener (the receiver `listen` uses: key, limits)
//!   -> core: readings() (the mapping `listen` prints) per hub
//!        -> Metrics (gauges per hub/channel)         -> GET /metrics
//!        -> discovery configs + state messages      -> Link -> broker
//! broker -> Link -> core: command topic ON/OFF -> command worker -> Hub API
//! ```
//!
//! # Ownership and shutdown
//!
//! * **One HTTP client, one MQTT connection** for the program's life: the
//!   caller's `reqwest::Client` is shared by every [`crate::Hub`]; the
//!   [`link`] task owns the one rumqttc event loop and reconnects it with
//!   backoff.
//! * **Nothing is lost within the queue bound**: a message stays in the
//!   [`outbox::Outbox`] until the broker acknowledges it (QoS 1); on a broken
//!   connection what was in flight goes back to the front. Beyond the bound
//!   the oldest readings are dropped and counted.
//! * **Every await has a deadline**: hub calls through the client's request
//!   timeout, the broker connect through its timeout, keep-alive pings detect
//!   a silent broker, hand-overs between tasks through bounded waits.
//! * **Shutdown** ([`BridgeHandle::shutdown`]): stop taking pushes, map those
//!   already taken, publish `offline` availability, give the broker the grace
//!   period to acknowledge what is queued, disconnect, stop `/metrics`. What
//!   the broker has not taken by then is counted as dropped.

pub mod discovery;
mod file;
mod hubs;
mod link;
pub mod metrics;
pub mod outbox;
mod run;
pub mod topics;

pub use file::BridgeFile;
pub use run::{Bridge, BridgeHandle, BridgeReport};

use crate::client::HubOptions;
use crate::listen::ListenOptions;
use crate::readings::Transforms;
use secrecy::SecretString;
use std::net::SocketAddr;
use std::time::Duration;

/// Everything a bridge needs to run.
#[derive(Clone, Debug)]
pub struct BridgeConfig {
    /// Where hubs push to.
    pub listen: SocketAddr,
    /// The receiver's limits and the key pushes must carry.
    pub listen_options: ListenOptions,
    /// The broker, if readings go to MQTT.
    pub mqtt: Option<MqttConfig>,
    /// Where `/metrics` is served, if anywhere.
    pub prometheus: Option<SocketAddr>,
    /// Hubs whose layout and actuators are read at start, so their slots are
    /// named and their actuators become switches.
    pub hubs: Vec<HubSpec>,
    /// Transforms of analog inputs of hubs that do not set their own.
    pub transforms: Transforms,
    /// Timeouts and retries of hub API calls.
    pub hub_options: HubOptions,
    /// Most hubs tracked; pushes from more are counted as rejected, so an
    /// unknown sender cannot grow metrics and retained topics without end.
    pub max_hubs: usize,
}

/// A hub named on the command line or in the config file.
#[derive(Clone, Debug, PartialEq)]
pub struct HubSpec {
    /// Its address, as `vegehub info --host` takes it.
    pub host: String,
    /// Its own transforms, instead of the bridge's.
    pub transforms: Option<Transforms>,
}

/// The broker and how to use it.
#[derive(Clone, Debug)]
pub struct MqttConfig {
    /// Broker host name or address.
    pub host: String,
    /// Broker port (1883).
    pub port: u16,
    /// The MQTT client id (unique per broker: a second client with the same
    /// id disconnects the first).
    pub client_id: String,
    /// User name, when the broker wants one.
    pub username: Option<String>,
    /// Password for `username`; never logged.
    pub password: Option<SecretString>,
    /// Root of the bridge's topics (`vegehub`).
    pub topic_prefix: String,
    /// Home Assistant's discovery prefix (`homeassistant`).
    pub discovery_prefix: String,
    /// Messages kept while the broker is away (beyond: dropped, counted).
    pub queue_limit: usize,
    /// Ping interval: a broker silent for 1.5 of these is taken as gone.
    pub keep_alive: Duration,
    /// Bound on connecting (TCP and CONNACK) to the broker.
    pub connect_timeout: Duration,
}

impl MqttConfig {
    /// Defaults for the broker at `url` (`mqtt://host[:port]`, also
    /// `tcp://`; user and password in the URL are refused: they would sit in
    /// the process list).
    pub fn from_url(url: &str) -> Result<Self, BridgeError> {
        let bad = |why: &str| BridgeError::MqttUrl {
            url: url.to_string(),
            why: why.to_string(),
        };
        let u = reqwest::Url::parse(url).map_err(|e| bad(&e.to_string()))?;
        match u.scheme() {
            "mqtt" | "tcp" => {}
            "mqtts" | "ssl" => {
                return Err(bad(
                    "TLS is not supported; use a local broker or a TLS-terminating proxy",
                ));
            }
            _ => return Err(bad("the scheme must be mqtt://")),
        }
        if !u.username().is_empty() || u.password().is_some() {
            return Err(bad(
                "give the user in the config file (`mqtt.username`, `mqtt.password_env`), not in the URL",
            ));
        }
        let host = u.host_str().ok_or_else(|| bad("no host"))?;
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        Ok(MqttConfig {
            host,
            port: u.port().unwrap_or(1883),
            client_id: format!("vegehub-bridge-{}", std::process::id()),
            username: None,
            password: None,
            topic_prefix: "vegehub".into(),
            discovery_prefix: "homeassistant".into(),
            queue_limit: 10_000,
            keep_alive: Duration::from_secs(15),
            connect_timeout: Duration::from_secs(5),
        })
    }
}

/// Why the bridge cannot start.
#[derive(Debug, thiserror::Error)]
pub enum BridgeError {
    #[error("cannot listen for pushes on {addr}: {source} (is the port in use?)")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot serve /metrics on {addr}: {source} (is the port in use?)")]
    Metrics {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("MQTT broker URL {url:?}: {why}")]
    MqttUrl { url: String, why: String },
    #[error(transparent)]
    Topic(#[from] topics::BadPrefix),
    #[error(
        "cannot read hub {host} at start ({source}); the bridge needs its layout: wake the hub, fix the address, or drop --hub and get raw slots"
    )]
    Hub { host: String, source: crate::Error },
    #[error("config file {path}: {why}")]
    File { path: String, why: String },
}
