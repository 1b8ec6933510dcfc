//! `vegehub`: the command line. Thin: parse, call the library, print.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use quiet_stdio::{err, errln, outln};
use secrecy::SecretString;
use serde_json::{Value, json};
use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use vegehub::listen::{ListenOptions, PushEvent, PushListener};
use vegehub::push::HubLayout;
use vegehub::selftest::{self, Outcome, SelftestOptions};
use vegehub::{Hub, HubOptions, RetryPolicy, Transform, Transforms};

#[derive(Parser)]
#[command(
    name = "vegehub",
    version,
    about = "Talk to a Vegetronix VegeHub (or simulate one)"
)]
struct Args {
    /// Timeouts and retries, shared by every subcommand.
    #[command(flatten)]
    net: NetArgs,
    /// What to do.
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(clap::Args, Clone, Copy)]
struct NetArgs {
    /// Request timeout in seconds (connect, send and full reply).
    #[arg(long, global = true, default_value = "10", value_name = "SECS", value_parser = secs)]
    timeout: Duration,
    /// Connect timeout in seconds.
    #[arg(long, global = true, default_value = "3", value_name = "SECS", value_parser = secs)]
    connect_timeout: Duration,
    /// Tries for calls that are safe to repeat (1 = no retry).
    #[arg(long, global = true, default_value_t = 2, value_name = "N")]
    attempts: u32,
}

/// A positive number of seconds (fractions allowed), for clap: a bad value is
/// a usage error (exit 2) naming the flag.
fn secs(s: &str) -> std::result::Result<Duration, String> {
    let n: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number of seconds"))?;
    if n.is_nan() || n <= 0.0 {
        return Err(format!("`{s}` must be more than 0 seconds"));
    }
    Duration::try_from_secs_f64(n).map_err(|_| format!("`{s}` seconds is out of range"))
}

impl NetArgs {
    fn options(&self) -> HubOptions {
        HubOptions {
            connect_timeout: self.connect_timeout,
            request_timeout: self.timeout,
            retry: RetryPolicy {
                attempts: self.attempts.max(1),
                ..RetryPolicy::default()
            },
            retry_config_set: false,
        }
    }
}

/// A usage or configuration error: the program exits 2, not 1.
#[derive(Debug)]
struct Usage(anyhow::Error);
impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:#}", self.0)
    }
}
impl std::error::Error for Usage {}

/// Wraps an error as a [`Usage`] error.
fn usage(e: impl Into<anyhow::Error>) -> anyhow::Error {
    Usage(e.into()).into()
}

#[derive(clap::Args, Clone)]
struct HostArg {
    /// Hub address: host, host:port or http://host:port.
    #[arg(long, env = "VEGEHUB_HOST")]
    host: String,
}

#[derive(Subcommand)]
enum Cmd {
    /// Find hubs on the local network over mDNS (_vege._tcp.local.).
    Discover {
        /// How long to listen, in seconds.
        #[arg(long, default_value = "3", value_name = "SECS", value_parser = secs)]
        wait: Duration,
        #[arg(long)]
        json: bool,
    },
    /// Hub and Wi-Fi info.
    Info {
        #[command(flatten)]
        host: HostArg,
        #[arg(long)]
        json: bool,
    },
    /// Read or write the hub's config.
    Config {
        #[command(subcommand)]
        cmd: ConfigCmd,
    },
    /// Point the hub at a server (idempotent; both firmware formats).
    Setup {
        #[command(flatten)]
        host: HostArg,
        /// Environment variable holding the API key the hub sends with each
        /// push (never on the command line).
        #[arg(long, default_value = "VEGEHUB_API_KEY", value_name = "VAR")]
        key_env: String,
        /// Read the API key from the first line of stdin instead.
        #[arg(long)]
        key_stdin: bool,
        /// URL the hub pushes to.
        #[arg(long)]
        server: String,
    },
    /// Control or read actuators.
    Actuator {
        #[command(subcommand)]
        cmd: ActuatorCmd,
    },
    /// Ask the hub to push a report to its server now.
    Update {
        #[command(flatten)]
        host: HostArg,
    },
    /// Receive hub pushes (webhook) and print mapped values.
    Listen(ListenArgs),
    /// Receive hub pushes and publish them to MQTT (with Home Assistant
    /// discovery) and Prometheus, until SIGINT/SIGTERM.
    Bridge(Box<BridgeArgs>),
    /// Run a simulated hub until SIGINT/SIGTERM.
    #[cfg(feature = "sim")]
    Sim(SimArgs),
    /// End-to-end check of a hub; restores what it changes.
    Selftest(SelftestArgs),
}

#[derive(clap::Args)]
struct ListenArgs {
    /// Address to listen on; loopback unless told otherwise
    /// (`--listen 0.0.0.0:8123` to receive from hubs on the network).
    #[arg(long, default_value = "127.0.0.1:8123")]
    listen: SocketAddr,
    /// Require pushes to carry the key held in this environment variable
    /// (the `api_key` the hub was set up with; others get 401).
    #[arg(long, value_name = "VAR")]
    key_env: Option<String>,
    /// The receiver's limits.
    #[command(flatten)]
    limits: ReceiveLimits,
    /// Read the slot layout from this hub.
    #[arg(long)]
    hub: Option<String>,
    /// Slot layout, when not read from a hub.
    #[arg(long)]
    channels: Option<u32>,
    /// Actuator slots, with --channels.
    #[arg(long, default_value_t = 0)]
    actuators: u32,
    /// A battery hub (a battery slot in pushes), with --channels.
    #[arg(long)]
    battery: bool,
    /// Also show analog inputs through this transform.
    #[arg(long)]
    transform: Option<Transform>,
    /// One JSON object per push instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
struct BridgeArgs {
    /// TOML config file (keys: listen, key_env, prometheus, transform,
    /// [mqtt] url/username/password_env/client_id/topic_prefix/
    /// discovery_prefix/queue, [[hub]] host/transforms); flags override it.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Address hubs push to [default: 127.0.0.1:8123]
    /// (`--listen 0.0.0.0:8123` to receive from hubs on the network).
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// MQTT broker to publish to, mqtt://host[:port].
    #[arg(long, value_name = "URL")]
    mqtt: Option<String>,
    /// Serve Prometheus metrics at http://ADDR/metrics.
    #[arg(long, value_name = "ADDR")]
    prometheus: Option<SocketAddr>,
    /// Read this hub's slot layout and actuators at start (repeatable);
    /// pushes from other hubs are published as raw slots.
    #[arg(long, value_name = "HOST")]
    hub: Vec<String>,
    /// Environment variable holding the key pushes must carry (the `api_key`
    /// the hubs were set up with) [default: VEGEHUB_API_KEY].
    #[arg(long, value_name = "VAR")]
    key_env: Option<String>,
    /// Transform of the analog inputs (vh400: moisture %, therm200: °C).
    #[arg(long)]
    transform: Option<Transform>,
    /// The receiver's limits.
    #[command(flatten)]
    limits: ReceiveLimits,
    /// Seconds given to the broker to take what is queued at shutdown.
    #[arg(long, default_value = "3", value_name = "SECS", value_parser = secs)]
    grace: Duration,
    /// Most hubs tracked; pushes from more are rejected.
    #[arg(long, default_value_t = 64, value_name = "N")]
    max_hubs: usize,
}

/// The push receiver's limits, the same for `listen` and `bridge`.
#[derive(clap::Args)]
struct ReceiveLimits {
    /// Connections served at once; more are refused (503, closed).
    #[arg(long, default_value_t = 32, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    max_connections: u32,
    /// Seconds a client may take to send its request head.
    #[arg(long, default_value = "10", value_name = "SECS", value_parser = secs)]
    header_timeout: Duration,
    /// Seconds a client may take to send its body.
    #[arg(long, default_value = "10", value_name = "SECS", value_parser = secs)]
    body_timeout: Duration,
}

impl ReceiveLimits {
    /// The receiver's options: these limits and the key pushes must carry.
    fn options(&self, api_key: Option<SecretString>) -> ListenOptions {
        ListenOptions {
            header_timeout: self.header_timeout,
            body_timeout: self.body_timeout,
            max_connections: self.max_connections as usize,
            api_key,
            ..ListenOptions::default()
        }
    }
}

#[derive(clap::Args)]
struct SelftestArgs {
    /// Hub address; discovered over mDNS when omitted.
    #[arg(long, env = "VEGEHUB_HOST")]
    host: Option<String>,
    /// Do not prompt (needed to run --actuators/--setup off a terminal).
    #[arg(long, short = 'y')]
    yes: bool,
    /// Also switch actuator slot 0 on briefly and all off again.
    #[arg(long)]
    actuators: bool,
    /// Also change the push target, then restore the backed-up config.
    #[arg(long)]
    setup: bool,
    /// How long to wait for a hub over mDNS when --host is not given.
    #[arg(long, default_value = "5", value_name = "SECS", value_parser = secs)]
    discover_wait: Duration,
    /// Where the setup test saves the hub's config before changing it.
    #[arg(long, default_value = ".", value_name = "DIR")]
    backup_dir: PathBuf,
    /// Tries of the config restore, with backoff.
    #[arg(long, default_value_t = 4, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=20))]
    restore_attempts: u32,
    /// Most actuator slots the actuator test switches; a hub reporting
    /// more fails the test before anything is switched.
    #[arg(long, default_value_t = 64, value_name = "N")]
    max_actuators: u32,
    /// One JSON object per result instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
enum ConfigCmd {
    /// Print the config (API keys hidden unless --show-secrets).
    Get {
        #[command(flatten)]
        host: HostArg,
        #[arg(long)]
        show_secrets: bool,
    },
    /// Send whole sections from a JSON file (`-` for stdin).
    Set {
        #[command(flatten)]
        host: HostArg,
        #[arg(long)]
        file: PathBuf,
        /// Retry on transient failures (off by default for writes).
        #[arg(long)]
        retry: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum OnOff {
    On,
    Off,
}

#[derive(Subcommand)]
enum ActuatorCmd {
    Set {
        #[command(flatten)]
        host: HostArg,
        #[arg(long)]
        slot: u32,
        #[arg(long, value_enum)]
        state: OnOff,
        /// Seconds before the hub reverts (0 = until changed).
        #[arg(long, default_value_t = 0)]
        duration: u64,
    },
    Status {
        #[command(flatten)]
        host: HostArg,
        #[arg(long)]
        json: bool,
    },
}

#[cfg(feature = "sim")]
#[derive(clap::Args)]
struct SimArgs {
    /// Address the simulated hub serves on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Config format the simulated firmware speaks.
    #[arg(long, default_value = "endpoints")]
    firmware: vegehub_sim::Firmware,
    /// Sensor slots.
    #[arg(long, default_value_t = 4)]
    channels: u32,
    /// Actuator slots.
    #[arg(long, default_value_t = 1)]
    actuators: u32,
    /// A battery hub (is_ac = 0, battery slot in pushes).
    #[arg(long)]
    battery: bool,
    /// Advertise over mDNS under this instance name.
    #[arg(long, num_args = 0..=1, default_missing_value = "Vege_49_D8")]
    mdns: Option<String>,
    /// Also push to the configured server every SECS.
    #[arg(long, value_name = "SECS")]
    push_period: Option<u64>,
    /// Grace period for shutdown, in seconds.
    #[arg(long, default_value = "2", value_name = "SECS", value_parser = secs)]
    grace: Duration,
    /// Start with these faults, as JSON (same shape as `POST /_sim/faults`),
    /// e.g. '{"latency_ms": 500}' or '{"body": "html"}'.
    #[arg(long, value_name = "JSON")]
    faults: Option<String>,
}

fn main() -> ExitCode {
    // Parse errors (and bad values, see `secs`) exit 2; --help and --version 0.
    let args = match Args::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            errln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = rt.block_on(run(args));
    // Name lookups run on detached threads (vegehub::resolve), but a stray
    // blocking task must not hold the exit either.
    rt.shutdown_timeout(Duration::from_millis(200));
    match result {
        Ok(code) => code,
        Err(e) => {
            errln!("error: {e:#}");
            let is_usage = e.downcast_ref::<Usage>().is_some()
                || matches!(
                    e.downcast_ref::<vegehub::Error>(),
                    Some(
                        vegehub::Error::InvalidAddress { .. } | vegehub::Error::InvalidArgument(_)
                    )
                );
            ExitCode::from(if is_usage { 2 } else { 1 })
        }
    }
}

/// Ctrl-C and SIGTERM as cancellation: the one place that handles them, for
/// every subcommand that stops cleanly (the one-shot ones keep the default
/// action, so a Ctrl-C at a prompt or a blocking read still ends them).
struct Shutdown {
    /// Cancelled on the first SIGINT or SIGTERM: stop and clean up.
    stop: CancellationToken,
    /// Cancelled on the next one: cut the cleanup that `stop` started short.
    abort: CancellationToken,
}

impl Shutdown {
    /// Installs the handlers before it returns, so a signal right after a
    /// "ready" line is never lost to the default action.
    fn install() -> Shutdown {
        let shutdown = Shutdown {
            stop: CancellationToken::new(),
            abort: CancellationToken::new(),
        };
        let tokens = [shutdown.stop.clone(), shutdown.abort.clone()];
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let mut int = signal(SignalKind::interrupt()).ok();
            let mut term = signal(SignalKind::terminate()).ok();
            tokio::spawn(async move {
                for token in tokens {
                    let int_recv = async {
                        match int.as_mut() {
                            Some(i) => i.recv().await,
                            None => std::future::pending().await,
                        }
                    };
                    let term_recv = async {
                        match term.as_mut() {
                            Some(t) => t.recv().await,
                            None => std::future::pending().await,
                        }
                    };
                    tokio::select! {
                        _ = int_recv => {}
                        _ = term_recv => {}
                    }
                    token.cancel();
                }
            });
        }
        #[cfg(not(unix))]
        tokio::spawn(async move {
            for token in tokens {
                let _ = tokio::signal::ctrl_c().await;
                token.cancel();
            }
        });
        shutdown
    }
}

fn hub(host: &HostArg, net: &NetArgs, http: &reqwest::Client) -> Result<Hub> {
    Ok(Hub::with_client(&host.host, http.clone(), net.options())?)
}

fn print_json(v: &impl serde::Serialize) -> Result<()> {
    outln!("{}", serde_json::to_string_pretty(v)?)?;
    Ok(())
}

const REDACTED: &str = "***";

/// True when a printed-with-secrets-hidden config is about to be written back.
fn has_redacted(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.iter().any(|(k, val)| {
            (matches!(k.as_str(), "api_key" | "route_key") && val.as_str() == Some(REDACTED))
                || has_redacted(val)
        }),
        Value::Array(a) => a.iter().any(has_redacted),
        _ => false,
    }
}

/// Hides credentials in printed configs.
fn redact(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, val) in m.iter_mut() {
                if matches!(k.as_str(), "api_key" | "route_key")
                    && val.as_str().is_some_and(|s| !s.is_empty())
                {
                    *val = json!(REDACTED);
                } else {
                    redact(val);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(redact),
        _ => {}
    }
}

/// Runs one subcommand.
async fn run(args: Args) -> Result<ExitCode> {
    let net = args.net;
    let http = vegehub::http_client(&net.options());
    match args.cmd {
        Cmd::Discover { wait, json } => discover_cmd(wait, json).await,
        Cmd::Info { host, json } => info_cmd(&hub(&host, &net, &http)?, json).await,
        Cmd::Config {
            cmd: ConfigCmd::Get { host, show_secrets },
        } => config_get_cmd(&hub(&host, &net, &http)?, show_secrets).await,
        Cmd::Config {
            cmd: ConfigCmd::Set { host, file, retry },
        } => config_set_cmd(&host, &file, retry, &net, &http).await,
        Cmd::Setup {
            host,
            key_env,
            key_stdin,
            server,
        } => {
            let key = if key_stdin {
                key_from_stdin()?
            } else {
                key_from_env(&key_env)?
            };
            setup_cmd(&hub(&host, &net, &http)?, &key, &server).await
        }
        Cmd::Actuator {
            cmd:
                ActuatorCmd::Set {
                    host,
                    slot,
                    state,
                    duration,
                },
        } => actuator_set_cmd(&hub(&host, &net, &http)?, slot, state, duration).await,
        Cmd::Actuator {
            cmd: ActuatorCmd::Status { host, json },
        } => actuator_status_cmd(&hub(&host, &net, &http)?, json).await,
        Cmd::Update { host } => update_cmd(&hub(&host, &net, &http)?).await,
        Cmd::Listen(args) => listen_cmd(args, &net, &http).await,
        Cmd::Bridge(args) => bridge_cmd(*args, &net, http).await,
        #[cfg(feature = "sim")]
        Cmd::Sim(args) => sim_cmd(args).await,
        Cmd::Selftest(args) => selftest_cmd(args, &net, http).await,
    }
}

/// `vegehub discover`: hubs that answer mDNS within `wait`.
async fn discover_cmd(wait: Duration, json: bool) -> Result<ExitCode> {
    let found = vegehub::discover(wait, None).await?;
    if json {
        print_json(&found)?;
    } else if found.is_empty() {
        errln!("no hub answered within {wait:?}");
        return Ok(ExitCode::from(1));
    } else {
        for d in &found {
            let props: Vec<String> = d
                .properties
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            outln!(
                "{}\t{}\t{}",
                d.name,
                d.address().unwrap_or_else(|| "-".into()),
                props.join(",")
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `vegehub info`: hub and Wi-Fi info.
async fn info_cmd(hub: &Hub, json: bool) -> Result<ExitCode> {
    let info = hub.info().await?;
    if json {
        print_json(&info)?;
        return Ok(ExitCode::SUCCESS);
    }
    outln!("mac            {}", info.mac.as_deref().unwrap_or("?"))?;
    outln!("version        {}", info.version.as_deref().unwrap_or("?"))?;
    outln!("channels       {}", info.num_channels)?;
    outln!("actuators      {}", info.num_actuators)?;
    outln!(
        "power          {}",
        if info.is_ac { "AC" } else { "battery" }
    )?;
    if let Some(b) = info.battery_volts {
        outln!("battery        {b:.2} V")?;
    }
    if let Some(ip) = info.wifi.get("ip").and_then(Value::as_str) {
        outln!("ip             {ip}")?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `vegehub config get`: the config, keys hidden unless `show_secrets`.
async fn config_get_cmd(hub: &Hub, show_secrets: bool) -> Result<ExitCode> {
    let cfg = hub.config().await?;
    let mut raw = cfg.raw;
    if !show_secrets {
        redact(&mut raw);
    }
    errln!(
        "format: {}",
        cfg.format
            .map_or("unsupported".to_string(), |f| format!("{f:?}")
                .to_lowercase())
    );
    print_json(&raw)?;
    Ok(ExitCode::SUCCESS)
}

/// `vegehub config set`: whole sections from a JSON file (`-`: stdin).
async fn config_set_cmd(
    host: &HostArg,
    file: &Path,
    retry: bool,
    net: &NetArgs,
    http: &reqwest::Client,
) -> Result<ExitCode> {
    let text = if file.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin()).context("reading stdin")?
    } else {
        std::fs::read_to_string(file)
            .with_context(|| format!("reading {}", file.display()))
            .map_err(usage)?
    };
    let body: Value = serde_json::from_str(&text)
        .context("the config file is not JSON")
        .map_err(usage)?;
    if has_redacted(&body) {
        return Err(usage(anyhow::anyhow!(
            "the config holds `{REDACTED}` where a key belongs: it was printed with secrets hidden; \
             save it with `vegehub config get --show-secrets` instead"
        )));
    }
    let h = hub(host, net, http)?;
    let h = h.with_options(HubOptions {
        retry_config_set: retry,
        ..*h.options()
    });
    h.set_config(&vegehub::config::restorable_sections(&body))
        .await?;
    outln!("config set on {}", h.host())?;
    Ok(ExitCode::SUCCESS)
}

/// `vegehub setup`: point the hub at `server` with `key`.
async fn setup_cmd(hub: &Hub, key: &SecretString, server: &str) -> Result<ExitCode> {
    let change = hub.setup(key, server).await?;
    outln!("{}: {change:?}; pushes go to {server}", hub.host())?;
    Ok(ExitCode::SUCCESS)
}

/// `vegehub actuator set`: one slot on or off.
async fn actuator_set_cmd(hub: &Hub, slot: u32, state: OnOff, duration: u64) -> Result<ExitCode> {
    let on = matches!(state, OnOff::On);
    hub.set_actuator(slot, on, Duration::from_secs(duration))
        .await?;
    outln!("slot {slot} {}", if on { "on" } else { "off" })?;
    Ok(ExitCode::SUCCESS)
}

/// `vegehub actuator status`: every slot's state.
async fn actuator_status_cmd(hub: &Hub, json: bool) -> Result<ExitCode> {
    let list = hub.actuators().await?;
    if json {
        print_json(&list)?;
    } else {
        for a in list {
            outln!(
                "slot {}\t{}",
                a.slot,
                if a.state == 1 { "on" } else { "off" }
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `vegehub update`: ask the hub to push now.
async fn update_cmd(hub: &Hub) -> Result<ExitCode> {
    hub.request_update().await?;
    outln!("{}: update requested", hub.host())?;
    Ok(ExitCode::SUCCESS)
}

/// The key held in environment variable `var`; missing or empty is a usage error.
fn key_from_env(var: &str) -> Result<SecretString> {
    match std::env::var(var) {
        Ok(k) if !k.is_empty() => Ok(SecretString::from(k)),
        _ => Err(usage(anyhow::anyhow!(
            "environment variable {var} holds no key; export it (e.g. `read -rs {var} && export {var}`)"
        ))),
    }
}

/// The first line of stdin, without its line end; empty is a usage error.
fn key_from_stdin() -> Result<SecretString> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("reading the key from stdin")?;
    let key = line.trim_end_matches(['\r', '\n']);
    if key.is_empty() {
        return Err(usage(anyhow::anyhow!("--key-stdin: stdin held no key")));
    }
    Ok(SecretString::from(key.to_string()))
}

/// `vegehub listen`: print each push until SIGINT/SIGTERM.
async fn listen_cmd(args: ListenArgs, net: &NetArgs, http: &reqwest::Client) -> Result<ExitCode> {
    let layout = listen_layout(&args, net, http).await?;
    let opts = args
        .limits
        .options(args.key_env.as_deref().map(key_from_env).transpose()?);
    let addr = args.listen;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<PushEvent>(64);
    let listener = PushListener::start_with(addr, tx, opts)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let shutdown = Shutdown::install();
    outln!("listening on http://{}", listener.addr())?;
    loop {
        tokio::select! {
            _ = shutdown.stop.cancelled() => break,
            ev = rx.recv() => {
                let Some(ev) = ev else { break };
                print_push(&ev, layout.as_ref(), args.transform, args.json)?;
            }
        }
    }
    listener.shutdown(Duration::from_secs(2)).await;
    Ok(ExitCode::SUCCESS)
}

/// `vegehub bridge`: runs until SIGINT/SIGTERM, then stops within its grace,
/// quietly: the `ready` line is its only output unless something is wrong.
async fn bridge_cmd(args: BridgeArgs, net: &NetArgs, http: reqwest::Client) -> Result<ExitCode> {
    let cfg = bridge_config(&args, net)?;
    let mqtt_note = cfg
        .mqtt
        .as_ref()
        .map(|m| match m.host.contains(':') {
            true => format!(" mqtt=mqtt://[{}]:{}", m.host, m.port),
            false => format!(" mqtt=mqtt://{}:{}", m.host, m.port),
        })
        .unwrap_or_default();
    let shutdown = Shutdown::install();
    let handle = tokio::select! {
        h = vegehub::bridge::Bridge::start(cfg, http) => h?,
        _ = shutdown.stop.cancelled() => return Ok(ExitCode::SUCCESS),
    };
    let metrics_note = handle
        .metrics_addr()
        .map(|a| format!(" metrics=http://{a}/metrics"))
        .unwrap_or_default();
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "ready listen=http://{}{metrics_note}{mqtt_note}",
        handle.listen_addr()
    )?;
    out.flush()?;
    drop(out);
    shutdown.stop.cancelled().await;
    // A second Ctrl-C cuts the grace short.
    let report = tokio::select! {
        r = handle.shutdown(args.grace) => r,
        _ = shutdown.abort.cancelled() => return Ok(ExitCode::from(130)),
    };
    if report.overran {
        errln!("warning: the bridge took longer than its grace period to stop");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// The bridge's config: the file (if any), then the flags over it.
fn bridge_config(args: &BridgeArgs, net: &NetArgs) -> Result<vegehub::bridge::BridgeConfig> {
    use vegehub::bridge::{BridgeConfig, BridgeFile, HubSpec};
    let (file, path) = match &args.config {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("reading {}", p.display()))
                .map_err(usage)?;
            let path = p.display().to_string();
            (BridgeFile::parse(&text, &path).map_err(usage)?, path)
        }
        None => (BridgeFile::default(), String::new()),
    };
    let mqtt = file
        .mqtt
        .as_ref()
        .map_or_else(
            || {
                args.mqtt
                    .as_deref()
                    .map(vegehub::bridge::MqttConfig::from_url)
                    .transpose()
            },
            |m| m.config(args.mqtt.as_deref()),
        )
        .map_err(usage)?;
    let prometheus = args.prometheus.or(file.prometheus);
    if mqtt.is_none() && prometheus.is_none() {
        return Err(usage(anyhow::anyhow!(
            "nothing to bridge to: give --mqtt mqtt://HOST:1883, --prometheus ADDR, or both"
        )));
    }
    let transform = args.transform.or(file.transform);
    let mut hubs = file.hubs(&path).map_err(usage)?;
    hubs.extend(args.hub.iter().map(|h| HubSpec {
        host: h.clone(),
        transforms: None,
    }));
    let key_env = args
        .key_env
        .as_deref()
        .or(file.key_env.as_deref())
        .unwrap_or("VEGEHUB_API_KEY");
    Ok(BridgeConfig {
        listen: args
            .listen
            .or(file.listen)
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8123))),
        listen_options: args.limits.options(Some(key_from_env(key_env)?)),
        mqtt,
        prometheus,
        hubs,
        transforms: Transforms::all(transform),
        hub_options: net.options(),
        max_hubs: args.max_hubs,
    })
}

/// The slot layout pushes are mapped with: read from `--hub`, else given by
/// `--channels`, else none (raw slots).
async fn listen_layout(
    args: &ListenArgs,
    net: &NetArgs,
    http: &reqwest::Client,
) -> Result<Option<HubLayout>> {
    Ok(match (&args.hub, args.channels) {
        (Some(addr), _) => Some(
            hub(&HostArg { host: addr.clone() }, net, http)?
                .info()
                .await?
                .layout(),
        ),
        (None, Some(n)) => Some(HubLayout {
            num_channels: n,
            num_actuators: args.actuators,
            is_ac: !args.battery,
        }),
        (None, None) => None,
    })
}

fn print_push(
    ev: &PushEvent,
    layout: Option<&HubLayout>,
    transform: Option<Transform>,
    as_json: bool,
) -> Result<()> {
    let mapped = layout.map(|l| ev.push.mapped(l));
    let transformed: Option<std::collections::BTreeMap<String, f64>> = match (layout, transform) {
        (Some(l), Some(t)) => Some(
            vegehub::readings(&ev.push, Some(l), &Transforms::all(Some(t)))
                .into_iter()
                .filter(|r| r.channel.starts_with("analog_"))
                .map(|r| (r.channel, r.value))
                .collect(),
        ),
        _ => None,
    };
    let mut out = std::io::stdout().lock();
    if as_json {
        let v = json!({
            "path": ev.path,
            "mac": ev.push.mac,
            "send_time": ev.push.send_time,
            "latest_by_mac_slot": ev.push.latest_by_mac_slot(),
            "mapped": mapped,
            "transformed": transformed,
        });
        writeln!(out, "{v}")?;
    } else {
        let mut parts = Vec::new();
        match &mapped {
            Some(m) => {
                for (k, v) in m {
                    let extra = transformed
                        .as_ref()
                        .and_then(|t| t.get(k))
                        .map(|x| format!(" ({x:.1})"))
                        .unwrap_or_default();
                    parts.push(format!("{k}={v}{extra}"));
                }
            }
            None => {
                for (slot, v) in ev.push.latest_by_slot() {
                    parts.push(format!("slot_{slot}={v}"));
                }
            }
        }
        writeln!(
            out,
            "{} {}",
            ev.push.mac.as_deref().unwrap_or("?"),
            parts.join(" ")
        )?;
    }
    out.flush()?;
    Ok(())
}

/// `vegehub sim`: a simulated hub until SIGINT/SIGTERM, then its stop report.
#[cfg(feature = "sim")]
async fn sim_cmd(args: SimArgs) -> Result<ExitCode> {
    let faults: Option<vegehub_sim::Faults> = match &args.faults {
        Some(j) => Some(
            serde_json::from_str(j)
                .context("--faults is not a valid fault set")
                .map_err(usage)?,
        ),
        None => None,
    };
    let handle = vegehub_sim::start(sim_config(&args)).await?;
    if let Some(f) = faults {
        handle.set_faults(f);
    }
    let shutdown = Shutdown::install();
    print_sim_ready(&args, &handle)?;
    shutdown.stop.cancelled().await;
    let report = handle.shutdown(args.grace).await;
    print_sim_stopped(&report);
    Ok(ExitCode::SUCCESS)
}

/// The simulator's config from the command line.
#[cfg(feature = "sim")]
fn sim_config(args: &SimArgs) -> vegehub_sim::SimConfig {
    vegehub_sim::SimConfig {
        listen: args.listen,
        firmware: args.firmware,
        layout: vegehub_sim::Layout {
            channels: args.channels,
            actuators: args.actuators,
            battery: args.battery,
        },
        push_period: args.push_period.map(Duration::from_secs),
        mdns_instance: args.mdns.clone(),
        ..vegehub_sim::SimConfig::default()
    }
}

/// The `ready` line scripts wait for (signals are handled by then).
#[cfg(feature = "sim")]
fn print_sim_ready(args: &SimArgs, handle: &vegehub_sim::SimHandle) -> Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "ready {} firmware={:?} channels={} actuators={} battery={}{}",
        handle.url(),
        args.firmware,
        args.channels,
        args.actuators,
        args.battery,
        args.mdns
            .as_ref()
            .map(|n| format!(" mdns={n}"))
            .unwrap_or_default()
    )?;
    out.flush()?;
    Ok(())
}

/// What the simulator counted, on stderr.
#[cfg(feature = "sim")]
fn print_sim_stopped(report: &vegehub_sim::ShutdownReport) {
    let st = &report.stats;
    errln!(
        "stopped in {} ms{}: connections opened {} closed {} open {}, requests {}, pushes sent {} failed {}",
        report.elapsed.as_millis(),
        if report.forced {
            " (forced after grace period)"
        } else {
            ""
        },
        st.connections_opened,
        st.connections_closed,
        st.connections_open,
        st.requests,
        st.pushes_sent,
        st.pushes_failed
    );
}

async fn confirm(question: String) -> bool {
    tokio::task::spawn_blocking(move || {
        err!("{question} [y/N] ");
        let _ = std::io::stderr().flush();
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).is_ok() && matches!(line.trim(), "y" | "Y" | "yes")
    })
    .await
    .unwrap_or(false)
}

/// `vegehub selftest`: asks before the tests that change the hub, runs them,
/// prints each result and the closing line; exit 130 when interrupted.
async fn selftest_cmd(
    args: SelftestArgs,
    net: &NetArgs,
    http: reqwest::Client,
) -> Result<ExitCode> {
    let (actuators, setup, notes) = selftest_consent(&args).await;
    let shutdown = Shutdown::install();
    let opts = SelftestOptions {
        host: args.host,
        discover_timeout: args.discover_wait,
        hub_options: net.options(),
        backup_dir: args.backup_dir,
        restore_attempts: args.restore_attempts,
        max_actuators: args.max_actuators,
        actuators,
        setup,
        abort: shutdown.abort,
        ..SelftestOptions::default()
    };
    let note = shutdown.stop.clone();
    tokio::spawn(async move {
        note.cancelled().await;
        errln!("interrupted: cleaning up (Ctrl-C again stops the cleanup)");
    });
    for (name, why) in &notes {
        errln!("note: {name} will be skipped: it {why}");
    }
    let as_json = args.json;
    let summary = selftest::run(&opts, http, shutdown.stop, |r| {
        // A stdout that fails here fails again at the closing line below,
        // which reports it.
        let _ = print_result(r, as_json);
    })
    .await;
    // Reported after the notes below, which matter more than stdout.
    let closing = outln!("{}", summary.closing_line());
    let code = if summary.interrupted {
        130
    } else if summary.failed() > 0 {
        1
    } else {
        0
    };
    if opts.abort.is_cancelled() {
        errln!("aborted: cleanup was cut short; see the results above for what is left to undo");
    } else if summary.interrupted {
        errln!(
            "interrupted: actuators switched off and config restored where those tests had started"
        );
    }
    closing?;
    Ok(ExitCode::from(code))
}

/// Which of the tests that change the hub run: (actuators, setup, notes on
/// those skipped). Without `--yes` a terminal is asked; off a terminal they
/// are skipped.
async fn selftest_consent(args: &SelftestArgs) -> (bool, bool, Vec<(&'static str, &'static str)>) {
    let mut notes = Vec::new();
    if args.yes {
        return (args.actuators, args.setup, notes);
    }
    if std::io::stdin().is_terminal() {
        let q_act = "Run the actuator test? It switches actuator slot 0 ON for up to 5 s.";
        let q_setup = "Run the setup test? It changes the hub's push target, then restores it.";
        let actuators = confirm(q_act.to_string()).await;
        let setup = confirm(q_setup.to_string()).await;
        return (actuators, setup, notes);
    }
    if args.actuators {
        notes.push(("actuator control", "needs --yes when not on a terminal"));
    }
    if args.setup {
        notes.push(("setup", "needs --yes when not on a terminal"));
    }
    (false, false, notes)
}

fn print_result(r: &selftest::TestResult, as_json: bool) -> std::io::Result<()> {
    if as_json {
        if let Ok(s) = serde_json::to_string(r) {
            outln!("{s}")?;
        }
        return Ok(());
    }
    let (tag, detail) = match &r.outcome {
        Outcome::Passed(d) => ("PASS", d),
        Outcome::Failed(d) => ("FAIL", d),
        Outcome::Skipped(d) => ("SKIP", d),
    };
    outln!("{tag}  {:<28} {detail}", r.name)
}
