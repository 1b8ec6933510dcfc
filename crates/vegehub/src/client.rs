//! The hub client.

use crate::config::{self, ConfigFormat, SetupChange};
use crate::error::{Error, Result, first_bytes};
use crate::push::{HubLayout, normalize_mac};
use crate::transforms::number;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde_json::{Value, json};
use std::time::Duration;

/// Largest reply we accept; a hub's replies are a few KiB.
const MAX_BODY: usize = 1 << 20;

/// Retries with exponential backoff, for calls that are safe to repeat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total tries, including the first (1 = no retry).
    pub attempts: u32,
    /// Wait before the second try; doubled for each try after it.
    pub initial_backoff: Duration,
    /// Cap on the doubled wait, so a long policy does not stall for minutes.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 2,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(2),
        }
    }
}

impl RetryPolicy {
    pub fn none() -> Self {
        RetryPolicy {
            attempts: 1,
            ..Self::default()
        }
    }
}

/// Timeouts and retries for one [`Hub`].
#[derive(Clone, Copy, Debug)]
pub struct HubOptions {
    /// Used only when the library builds its own HTTP client.
    pub connect_timeout: Duration,
    /// Whole exchange: connect, send, and read the full reply.
    pub request_timeout: Duration,
    /// Retries for the calls that are safe to repeat.
    pub retry: RetryPolicy,
    /// `config/set` is not repeated unless this is set: a partial write followed
    /// by a retry of a stale body could undo someone else's change.
    pub retry_config_set: bool,
}

impl Default for HubOptions {
    fn default() -> Self {
        HubOptions {
            connect_timeout: Duration::from_secs(3),
            request_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            retry_config_set: false,
        }
    }
}

/// One pooled HTTP client for the program's life, configured for hubs: plain
/// HTTP, connect timeout, no proxy from the environment (hubs are on the LAN),
/// name lookups bounded by the connect timeout on detached threads
/// ([`crate::resolve::DeadlineResolver`]).
pub fn http_client(opts: &HubOptions) -> reqwest::Client {
    reqwest::Client::builder()
        .dns_resolver(crate::resolve::DeadlineResolver::system(
            opts.connect_timeout,
        ))
        .connect_timeout(opts.connect_timeout)
        .timeout(opts.request_timeout)
        .no_proxy()
        .pool_idle_timeout(Duration::from_secs(30))
        .build()
        .unwrap_or_default()
}

/// A hub at one address. Cheap to clone: clones share the HTTP client's pool.
#[derive(Clone, Debug)]
pub struct Hub {
    /// `http://host:port/`, the root every API path is joined to.
    base: reqwest::Url,
    /// `host:port` as given, for messages and errors.
    host: String,
    /// The shared pooled client (clones share its connections).
    http: reqwest::Client,
    /// Timeouts and retries of every call.
    opts: HubOptions,
}

/// `info/get`, with the fields callers need parsed and the raw sections kept.
#[derive(Clone, Debug, Serialize)]
pub struct HubInfo {
    /// Normalised MAC (`A1B2C3D4E5F6`): the hub's unique id.
    pub mac: Option<String>,
    /// Sensor slots: with `num_actuators` and `is_ac`, what each push slot means.
    pub num_channels: u32,
    /// Actuator slots (0 on hubs without actuators).
    pub num_actuators: u32,
    /// Firmware version, as reported.
    pub version: Option<String>,
    /// Mains powered; battery hubs report `battery_volts` and push a battery slot.
    pub is_ac: bool,
    /// Battery voltage of a battery hub.
    pub battery_volts: Option<f64>,
    /// The raw `hub` section, for fields not parsed here.
    pub hub: Value,
    /// The raw `wifi` section (ip, ssid, ...), for fields not parsed here.
    pub wifi: Value,
}

impl HubInfo {
    pub fn layout(&self) -> HubLayout {
        HubLayout {
            num_channels: self.num_channels,
            num_actuators: self.num_actuators,
            is_ac: self.is_ac,
        }
    }
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ActuatorStatus {
    /// The actuator's slot number, as `actuator set` takes it.
    pub slot: u32,
    /// 1 = on.
    pub state: u8,
    /// When it last ran (hub's clock, unix seconds), as reported.
    pub last_run: Option<i64>,
    /// Start of its next scheduled window, as reported.
    pub next_window_start: Option<i64>,
    /// End of its next scheduled window, as reported.
    pub next_window_end: Option<i64>,
    /// Current draw now, in mA: tells a connected load from none.
    pub cur_ma: Option<f64>,
    /// Typical current draw, in mA, as reported.
    pub typ_ma: Option<f64>,
    /// The hub's error code for this actuator, if any.
    pub error: Option<i64>,
}

/// The config as read, with its detected format.
#[derive(Clone, Debug, Serialize)]
pub struct HubConfig {
    /// Which firmware format it is; `None`: neither, so it cannot be modified.
    pub format: Option<ConfigFormat>,
    /// The config exactly as returned, for backups and round trips.
    pub raw: Value,
}

#[derive(Clone, Copy)]
enum Method {
    Get,
    Post,
}

impl Hub {
    /// A hub at `addr` (`host`, `host:port`, or `http://host:port`), with its own
    /// HTTP client. Prefer [`Hub::with_client`] when talking to several hubs.
    pub fn new(addr: &str) -> Result<Self> {
        let opts = HubOptions::default();
        Self::with_client(addr, http_client(&opts), opts)
    }

    /// A hub sharing `http` (whose pool outlives this handle).
    pub fn with_client(addr: &str, http: reqwest::Client, opts: HubOptions) -> Result<Self> {
        let invalid = |reason: &str| Error::InvalidAddress {
            addr: addr.to_string(),
            reason: reason.to_string(),
        };
        let trimmed = addr.trim().trim_end_matches('/');
        if trimmed.is_empty() {
            return Err(invalid("empty"));
        }
        let with_scheme = if trimmed.contains("://") {
            trimmed.to_string()
        } else {
            format!("http://{trimmed}")
        };
        let base = reqwest::Url::parse(&with_scheme).map_err(|e| invalid(&e.to_string()))?;
        if base.scheme() != "http" {
            return Err(invalid("hubs speak plain http"));
        }
        let Some(h) = base.host_str() else {
            return Err(invalid("no host"));
        };
        let host = match base.port() {
            Some(p) => format!("{h}:{p}"),
            None => h.to_string(),
        };
        Ok(Hub {
            base,
            host,
            http,
            opts,
        })
    }

    /// Same hub, other options (e.g. a shorter timeout for a probe).
    pub fn with_options(&self, opts: HubOptions) -> Hub {
        Hub {
            opts,
            ..self.clone()
        }
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn url(&self) -> String {
        self.base.as_str().trim_end_matches('/').to_string()
    }

    pub fn options(&self) -> &HubOptions {
        &self.opts
    }

    /// One exchange, bounded by the request timeout; the body is always read to
    /// the end (or the connection dropped) before returning.
    async fn exchange(
        &self,
        op: &'static str,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, Vec<u8>)> {
        let url = self.base.join(path).map_err(|e| Error::InvalidAddress {
            addr: self.host.clone(),
            reason: e.to_string(),
        })?;
        let req = match method {
            Method::Get => self.http.get(url),
            Method::Post => self.http.post(url),
        };
        let req = match body {
            Some(b) => req.json(b),
            None => req,
        };
        let timeout = self.opts.request_timeout;
        let work = async {
            let mut resp = req.send().await.map_err(|e| self.classify(op, &e))?;
            let status = resp.status().as_u16();
            let mut buf = Vec::new();
            loop {
                match resp.chunk().await {
                    Ok(Some(c)) => {
                        buf.extend_from_slice(&c);
                        if buf.len() > MAX_BODY {
                            return Err(Error::Malformed {
                                host: self.host.clone(),
                                op,
                                reason: format!("reply larger than {MAX_BODY} bytes"),
                                first_bytes: first_bytes(&buf),
                            });
                        }
                    }
                    Ok(None) => break,
                    Err(e) if e.is_timeout() => return Err(self.timeout(op)),
                    Err(e) => {
                        return Err(Error::Malformed {
                            host: self.host.clone(),
                            op,
                            reason: format!("reply cut off after {} bytes: {e}", buf.len()),
                            first_bytes: first_bytes(&buf),
                        });
                    }
                }
            }
            Ok((status, buf))
        };
        match tokio::time::timeout(timeout, work).await {
            Ok(r) => r,
            Err(_) => Err(self.timeout(op)),
        }
    }

    fn timeout(&self, op: &'static str) -> Error {
        Error::Timeout {
            host: self.host.clone(),
            op,
            timeout: self.opts.request_timeout,
        }
    }

    fn classify(&self, op: &'static str, e: &reqwest::Error) -> Error {
        if e.is_connect() {
            let mut detail = e.to_string();
            let mut src = std::error::Error::source(e);
            while let Some(s) = src {
                detail = s.to_string();
                src = s.source();
            }
            Error::Unreachable {
                host: self.host.clone(),
                op,
                detail,
            }
        } else if e.is_timeout() {
            self.timeout(op)
        } else {
            // Connection reset or closed before a full reply head.
            Error::Malformed {
                host: self.host.clone(),
                op,
                reason: format!("reply cut off before the headers: {e}"),
                first_bytes: String::new(),
            }
        }
    }

    /// Status must be 200; the body, when wanted, must be a JSON object.
    async fn call(
        &self,
        op: &'static str,
        method: Method,
        path: &str,
        body: Option<&Value>,
        want_json: bool,
        retry: bool,
    ) -> Result<Value> {
        let policy = if retry {
            self.opts.retry
        } else {
            RetryPolicy::none()
        };
        let mut backoff = policy.initial_backoff;
        let mut attempt = 1;
        loop {
            let r = self.call_once(op, method, path, body, want_json).await;
            match r {
                Err(e) if e.is_transient() && attempt < policy.attempts.max(1) => {
                    tracing::debug!("{e}; retrying in {backoff:?}");
                    tokio::time::sleep(backoff).await; // sleep-ok: retry backoff
                    backoff = (backoff * 2).min(policy.max_backoff);
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn call_once(
        &self,
        op: &'static str,
        method: Method,
        path: &str,
        body: Option<&Value>,
        want_json: bool,
    ) -> Result<Value> {
        let (status, bytes) = self.exchange(op, method, path, body).await?;
        if status != 200 {
            return Err(Error::HttpStatus {
                host: self.host.clone(),
                op,
                status,
                body_start: first_bytes(&bytes),
            });
        }
        if !want_json {
            return Ok(Value::Null);
        }
        let malformed = |reason: String| Error::Malformed {
            host: self.host.clone(),
            op,
            reason,
            first_bytes: first_bytes(&bytes),
        };
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(malformed("empty reply".into()));
        }
        // The body decides, not the Content-Type: firmware labels vary.
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(v @ Value::Object(_)) => Ok(v),
            Ok(_) => Err(malformed("reply is JSON but not an object".into())),
            Err(e) => Err(malformed(format!("not JSON ({e})"))),
        }
    }

    /// `info/get` with the `hub` and `wifi` sections.
    pub async fn info(&self) -> Result<HubInfo> {
        let op = "info/get";
        let v = self
            .call(
                op,
                Method::Post,
                "/api/info/get",
                Some(&json!({"hub": [], "wifi": []})),
                true,
                true,
            )
            .await?;
        let Some(hub) = v.get("hub").filter(|h| h.is_object()).cloned() else {
            return Err(Error::Malformed {
                host: self.host.clone(),
                op,
                reason: "no `hub` section".into(),
                first_bytes: first_bytes(v.to_string().as_bytes()),
            });
        };
        let wifi = v.get("wifi").cloned().unwrap_or(Value::Null);
        let count = |k: &str| {
            hub.get(k)
                .and_then(number)
                .filter(|f| *f >= 0.0)
                .map(|f| f as u32)
                .unwrap_or(0)
        };
        Ok(HubInfo {
            mac: wifi
                .get("mac_addr")
                .and_then(Value::as_str)
                .map(normalize_mac)
                .filter(|m| m.len() == 12),
            num_channels: count("num_channels"),
            num_actuators: count("num_actuators"),
            version: hub.get("version").and_then(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Null => None,
                other => Some(other.to_string()),
            }),
            is_ac: hub.get("is_ac").and_then(number).is_some_and(|f| f != 0.0),
            battery_volts: hub.get("batt_v").and_then(number),
            hub,
            wifi,
        })
    }

    /// The normalised MAC (`wifi` section only), the hub's unique id.
    pub async fn mac(&self) -> Result<String> {
        let op = "info/get";
        let v = self
            .call(
                op,
                Method::Post,
                "/api/info/get",
                Some(&json!({"wifi": []})),
                true,
                true,
            )
            .await?;
        v.pointer("/wifi/mac_addr")
            .and_then(Value::as_str)
            .map(normalize_mac)
            .filter(|m| m.len() == 12)
            .ok_or_else(|| Error::Malformed {
                host: self.host.clone(),
                op,
                reason: "no valid `wifi.mac_addr`".into(),
                first_bytes: first_bytes(v.to_string().as_bytes()),
            })
    }

    /// `config/get` for `hub`, `api_key` and `endpoints`; the format is detected
    /// from the reply's shape.
    pub async fn config(&self) -> Result<HubConfig> {
        let raw = self
            .call(
                "config/get",
                Method::Post,
                "/api/config/get",
                Some(&json!({"hub": [], "api_key": [], "endpoints": []})),
                true,
                true,
            )
            .await?;
        Ok(HubConfig {
            format: config::detect_format(&raw),
            raw,
        })
    }

    /// `config/set` with whole top-level sections. Not retried unless
    /// [`HubOptions::retry_config_set`].
    pub async fn set_config(&self, sections: &Value) -> Result<()> {
        if !sections.is_object() {
            return Err(Error::InvalidArgument(
                "config/set takes a JSON object of sections".into(),
            ));
        }
        self.call(
            "config/set",
            Method::Post,
            "/api/config/set",
            Some(sections),
            false,
            self.opts.retry_config_set,
        )
        .await
        .map(|_| ())
    }

    /// Points the hub at `server_url` with `api_key`, idempotently (see
    /// [`config::plan_setup`]), then reads the config back to verify it persisted.
    pub async fn setup(&self, api_key: &SecretString, server_url: &str) -> Result<SetupChange> {
        let cfg = self.config().await?;
        let key = api_key.expose_secret();
        let plan = config::plan_setup(&cfg.raw, key, server_url).ok_or_else(|| {
            Error::UnsupportedConfigFormat {
                host: self.host.clone(),
            }
        })?;
        self.set_config(&plan.body).await?;
        let after = self.config().await?;
        if !config::setup_in_effect(&after.raw, key, server_url) {
            return Err(Error::NotPersisted {
                host: self.host.clone(),
                what: format!("the server URL {server_url} and API key"),
            });
        }
        Ok(plan.change)
    }

    /// `actuators/status`; [`Error::NoActuators`] when the list is empty or absent.
    pub async fn actuators(&self) -> Result<Vec<ActuatorStatus>> {
        let op = "actuators/status";
        let v = self
            .call(op, Method::Get, "/api/actuators/status", None, true, true)
            .await?;
        let list = match v.get("actuators") {
            Some(Value::Array(a)) if !a.is_empty() => a,
            _ => {
                return Err(Error::NoActuators {
                    host: self.host.clone(),
                });
            }
        };
        let int = |a: &Value, k: &str| a.get(k).and_then(number).map(|f| f as i64);
        let mut out = Vec::with_capacity(list.len());
        for (i, a) in list.iter().enumerate() {
            out.push(ActuatorStatus {
                slot: int(a, "slot")
                    .and_then(|s| u32::try_from(s).ok())
                    .unwrap_or(i as u32),
                state: u8::from(int(a, "state").is_some_and(|s| s != 0)),
                last_run: int(a, "last_run"),
                next_window_start: int(a, "next_window_start"),
                next_window_end: int(a, "next_window_end"),
                cur_ma: a.get("cur_ma").and_then(number),
                typ_ma: a.get("typ_ma").and_then(number),
                error: int(a, "error"),
            });
        }
        Ok(out)
    }

    /// Sets `slot` on or off for `duration` (whole seconds; the hub reverts after).
    /// Repeating the same command is harmless, so it is retried.
    pub async fn set_actuator(&self, slot: u32, on: bool, duration: Duration) -> Result<()> {
        let body = json!({
            "target": slot,
            "duration": duration.as_secs(),
            "state": u8::from(on),
        });
        self.call(
            "actuators/set",
            Method::Post,
            "/api/actuators/set",
            Some(&body),
            false,
            true,
        )
        .await
        .map(|_| ())
    }

    /// Every actuator off. Tries all slots even if one fails; returns the first error.
    pub async fn all_off(&self, num_actuators: u32) -> Result<()> {
        let mut first_err = None;
        for slot in 0..num_actuators {
            if let Err(e) = self.set_actuator(slot, false, Duration::ZERO).await {
                first_err.get_or_insert(e);
            }
        }
        first_err.map_or(Ok(()), Err)
    }

    /// Asks the hub to push a report to its server now.
    pub async fn request_update(&self) -> Result<()> {
        self.call(
            "update/send",
            Method::Get,
            "/api/update/send",
            None,
            false,
            true,
        )
        .await
        .map(|_| ())
    }
}
