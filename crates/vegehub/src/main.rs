//! `vegehub`: the command line. Thin: parse, call the library, print.

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use secrecy::SecretString;
use serde_json::{Value, json};
use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use vegehub::listen::{ListenOptions, PushEvent, PushListener};
use vegehub::push::HubLayout;
use vegehub::selftest::{self, Outcome, SelftestOptions};
use vegehub::{Hub, HubOptions, RetryPolicy, Transform};

#[derive(Parser)]
#[command(
    name = "vegehub",
    version,
    about = "Talk to a Vegetronix VegeHub (or simulate one)"
)]
struct Cli {
    #[command(flatten)]
    net: NetArgs,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Args, Clone, Copy)]
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

#[derive(Args, Clone)]
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
    Listen {
        /// Address to listen on; loopback unless told otherwise
        /// (`--listen 0.0.0.0:8123` to receive from hubs on the network).
        #[arg(long, default_value = "127.0.0.1:8123")]
        listen: SocketAddr,
        /// Require pushes to carry the key held in this environment variable
        /// (the `api_key` the hub was set up with; others get 401).
        #[arg(long, value_name = "VAR")]
        key_env: Option<String>,
        /// Connections served at once; more are refused (503, closed).
        #[arg(long, default_value_t = 32, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
        max_connections: u32,
        /// Seconds a client may take to send its request head.
        #[arg(long, default_value = "10", value_name = "SECS", value_parser = secs)]
        header_timeout: Duration,
        /// Seconds a client may take to send its body.
        #[arg(long, default_value = "10", value_name = "SECS", value_parser = secs)]
        body_timeout: Duration,
        /// Read the slot layout from this hub.
        #[arg(long)]
        hub: Option<String>,
        /// Slot layout, when not read from a hub.
        #[arg(long)]
        channels: Option<u32>,
        #[arg(long, default_value_t = 0)]
        actuators: u32,
        #[arg(long)]
        battery: bool,
        /// Also show analog inputs through this transform.
        #[arg(long)]
        transform: Option<Transform>,
        /// One JSON object per push instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Run a simulated hub until SIGINT/SIGTERM.
    Sim(SimArgs),
    /// End-to-end check of a hub; restores what it changes.
    Selftest {
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
        #[arg(long)]
        json: bool,
    },
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

#[derive(Args)]
struct SimArgs {
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    #[arg(long, default_value = "endpoints")]
    firmware: vegehub_sim::Firmware,
    #[arg(long, default_value_t = 4)]
    channels: u32,
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

fn main() -> std::process::ExitCode {
    use std::process::ExitCode;
    // Parse errors (and bad values, see `secs`) exit 2; --help and --version 0.
    let cli = match Cli::try_parse() {
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
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = rt.block_on(run(cli));
    // Name lookups run on detached threads (vegehub::resolve), but a stray
    // blocking task must not hold the exit either.
    rt.shutdown_timeout(Duration::from_millis(200));
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
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

/// Cancelled on the first SIGINT or SIGTERM.
fn shutdown_signal() -> CancellationToken {
    shutdown_signals().0
}

/// The first token is cancelled on the first SIGINT or SIGTERM, the second on
/// the next one (to stop a cleanup that the first one started). The handlers
/// are installed before this returns, so a signal right after a "ready" line
/// is never lost to the default action.
fn shutdown_signals() -> (CancellationToken, CancellationToken) {
    let (first, second) = (CancellationToken::new(), CancellationToken::new());
    let (f, s) = (first.clone(), second.clone());
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut int = signal(SignalKind::interrupt()).ok();
        let mut term = signal(SignalKind::terminate()).ok();
        tokio::spawn(async move {
            for token in [f, s] {
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
        for token in [f, s] {
            let _ = tokio::signal::ctrl_c().await;
            token.cancel();
        }
    });
    (first, second)
}

fn hub(host: &HostArg, net: &NetArgs, http: &reqwest::Client) -> Result<Hub> {
    Ok(Hub::with_client(&host.host, http.clone(), net.options())?)
}

fn print_json(v: &impl serde::Serialize) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
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

async fn run(cli: Cli) -> Result<std::process::ExitCode> {
    let net = cli.net;
    let http = vegehub::http_client(&net.options());
    let ok = std::process::ExitCode::SUCCESS;
    match cli.cmd {
        Cmd::Discover { wait, json } => {
            let found = vegehub::discover(wait, None).await?;
            if json {
                print_json(&found)?;
            } else if found.is_empty() {
                eprintln!("no hub answered within {wait:?}");
                return Ok(std::process::ExitCode::from(1));
            } else {
                for d in &found {
                    let props: Vec<String> = d
                        .properties
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect();
                    println!(
                        "{}\t{}\t{}",
                        d.name,
                        d.address().unwrap_or_else(|| "-".into()),
                        props.join(",")
                    );
                }
            }
        }
        Cmd::Info { host, json } => {
            let info = hub(&host, &net, &http)?.info().await?;
            if json {
                print_json(&info)?;
            } else {
                println!("mac            {}", info.mac.as_deref().unwrap_or("?"));
                println!("version        {}", info.version.as_deref().unwrap_or("?"));
                println!("channels       {}", info.num_channels);
                println!("actuators      {}", info.num_actuators);
                println!(
                    "power          {}",
                    if info.is_ac { "AC" } else { "battery" }
                );
                if let Some(b) = info.battery_volts {
                    println!("battery        {b:.2} V");
                }
                if let Some(ip) = info.wifi.get("ip").and_then(Value::as_str) {
                    println!("ip             {ip}");
                }
            }
        }
        Cmd::Config {
            cmd: ConfigCmd::Get { host, show_secrets },
        } => {
            let cfg = hub(&host, &net, &http)?.config().await?;
            let mut raw = cfg.raw;
            if !show_secrets {
                redact(&mut raw);
            }
            eprintln!(
                "format: {}",
                cfg.format
                    .map_or("unsupported".to_string(), |f| format!("{f:?}")
                        .to_lowercase())
            );
            print_json(&raw)?;
        }
        Cmd::Config {
            cmd: ConfigCmd::Set { host, file, retry },
        } => {
            let text = if file.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin()).context("reading stdin")?
            } else {
                std::fs::read_to_string(&file)
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
            let h = hub(&host, &net, &http)?;
            let h = h.with_options(HubOptions {
                retry_config_set: retry,
                ..*h.options()
            });
            h.set_config(&vegehub::config::restorable_sections(&body))
                .await?;
            println!("config set on {}", h.host());
        }
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
            let h = hub(&host, &net, &http)?;
            let change = h.setup(&key, &server).await?;
            println!("{}: {change:?}; pushes go to {server}", h.host());
        }
        Cmd::Actuator {
            cmd:
                ActuatorCmd::Set {
                    host,
                    slot,
                    state,
                    duration,
                },
        } => {
            let on = matches!(state, OnOff::On);
            hub(&host, &net, &http)?
                .set_actuator(slot, on, Duration::from_secs(duration))
                .await?;
            println!("slot {slot} {}", if on { "on" } else { "off" });
        }
        Cmd::Actuator {
            cmd: ActuatorCmd::Status { host, json },
        } => {
            let list = hub(&host, &net, &http)?.actuators().await?;
            if json {
                print_json(&list)?;
            } else {
                for a in list {
                    println!(
                        "slot {}\t{}",
                        a.slot,
                        if a.state == 1 { "on" } else { "off" }
                    );
                }
            }
        }
        Cmd::Update { host } => {
            let h = hub(&host, &net, &http)?;
            h.request_update().await?;
            println!("{}: update requested", h.host());
        }
        Cmd::Listen {
            listen,
            key_env,
            max_connections,
            header_timeout,
            body_timeout,
            hub: from_hub,
            channels,
            actuators,
            battery,
            transform,
            json,
        } => {
            let layout = match (from_hub, channels) {
                (Some(addr), _) => Some(
                    hub(&HostArg { host: addr }, &net, &http)?
                        .info()
                        .await?
                        .layout(),
                ),
                (None, Some(n)) => Some(HubLayout {
                    num_channels: n,
                    num_actuators: actuators,
                    is_ac: !battery,
                }),
                (None, None) => None,
            };
            let opts = ListenOptions {
                header_timeout,
                body_timeout,
                max_connections: max_connections as usize,
                api_key: key_env.as_deref().map(key_from_env).transpose()?,
                ..ListenOptions::default()
            };
            return listen_cmd(listen, opts, layout, transform, json).await;
        }
        Cmd::Sim(args) => return sim(args).await,
        Cmd::Selftest {
            host,
            yes,
            actuators,
            setup,
            discover_wait,
            backup_dir,
            restore_attempts,
            max_actuators,
            json,
        } => {
            let opts = SelftestOptions {
                host,
                discover_timeout: discover_wait,
                hub_options: net.options(),
                backup_dir,
                restore_attempts,
                max_actuators,
                ..SelftestOptions::default()
            };
            return selftest_cmd(opts, yes, actuators, setup, json, http).await;
        }
    }
    Ok(ok)
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

async fn listen_cmd(
    addr: SocketAddr,
    opts: ListenOptions,
    layout: Option<HubLayout>,
    transform: Option<Transform>,
    as_json: bool,
) -> Result<std::process::ExitCode> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<PushEvent>(64);
    let listener = PushListener::start_with(addr, tx, opts)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let stop = shutdown_signal();
    println!("listening on http://{}", listener.addr());
    loop {
        tokio::select! {
            _ = stop.cancelled() => break,
            ev = rx.recv() => {
                let Some(ev) = ev else { break };
                print_push(&ev, layout.as_ref(), transform, as_json)?;
            }
        }
    }
    listener.shutdown(Duration::from_secs(2)).await;
    Ok(std::process::ExitCode::SUCCESS)
}

fn print_push(
    ev: &PushEvent,
    layout: Option<&HubLayout>,
    transform: Option<Transform>,
    as_json: bool,
) -> Result<()> {
    let mapped = layout.map(|l| ev.push.mapped(l));
    let transformed: Option<std::collections::BTreeMap<String, f64>> = match (&mapped, transform) {
        (Some(m), Some(t)) => Some(
            m.iter()
                .filter(|(k, _)| k.starts_with("analog_"))
                .filter_map(|(k, v)| t.apply(*v).map(|x| (k.clone(), x)))
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

async fn sim(args: SimArgs) -> Result<std::process::ExitCode> {
    let grace = args.grace;
    let faults: Option<vegehub_sim::Faults> = match &args.faults {
        Some(j) => Some(
            serde_json::from_str(j)
                .context("--faults is not a valid fault set")
                .map_err(usage)?,
        ),
        None => None,
    };
    let handle = vegehub_sim::start(vegehub_sim::SimConfig {
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
    })
    .await?;
    if let Some(f) = faults {
        handle.set_faults(f);
    }
    let stop = shutdown_signal();
    {
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
    }
    stop.cancelled().await;
    let report = handle.shutdown(grace).await;
    let st = report.stats;
    eprintln!(
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
    Ok(std::process::ExitCode::SUCCESS)
}

async fn confirm(question: String) -> bool {
    tokio::task::spawn_blocking(move || {
        eprint!("{question} [y/N] ");
        let _ = std::io::stderr().flush();
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).is_ok() && matches!(line.trim(), "y" | "Y" | "yes")
    })
    .await
    .unwrap_or(false)
}

async fn selftest_cmd(
    mut opts: SelftestOptions,
    yes: bool,
    mut actuators: bool,
    mut setup: bool,
    as_json: bool,
    http: reqwest::Client,
) -> Result<std::process::ExitCode> {
    let tty = std::io::stdin().is_terminal();
    let mut notes = Vec::new();
    if !yes {
        if tty {
            let q_act = "Run the actuator test? It switches actuator slot 0 ON for up to 5 s.";
            let q_setup = "Run the setup test? It changes the hub's push target, then restores it.";
            actuators = confirm(q_act.to_string()).await;
            setup = confirm(q_setup.to_string()).await;
        } else {
            if actuators {
                notes.push(("actuator control", "needs --yes when not on a terminal"));
            }
            if setup {
                notes.push(("setup", "needs --yes when not on a terminal"));
            }
            actuators = false;
            setup = false;
        }
    }
    opts.actuators = actuators;
    opts.setup = setup;
    let (cancel, abort) = shutdown_signals();
    opts.abort = abort;
    let note = cancel.clone();
    tokio::spawn(async move {
        note.cancelled().await;
        eprintln!("interrupted: cleaning up (Ctrl-C again stops the cleanup)");
    });
    for (name, why) in &notes {
        eprintln!("note: {name} will be skipped: it {why}");
    }
    let summary = selftest::run(&opts, http, cancel, |r| {
        print_result(r, as_json);
    })
    .await;
    println!("{}", summary.closing_line());
    let code = if summary.interrupted {
        130
    } else if summary.failed() > 0 {
        1
    } else {
        0
    };
    if opts.abort.is_cancelled() {
        eprintln!("aborted: cleanup was cut short; see the results above for what is left to undo");
    } else if summary.interrupted {
        eprintln!(
            "interrupted: actuators switched off and config restored where those tests had started"
        );
    }
    Ok(std::process::ExitCode::from(code))
}

fn print_result(r: &selftest::TestResult, as_json: bool) {
    if as_json {
        if let Ok(s) = serde_json::to_string(r) {
            println!("{s}");
        }
        return;
    }
    let (tag, detail) = match &r.outcome {
        Outcome::Passed(d) => ("PASS", d),
        Outcome::Failed(d) => ("FAIL", d),
        Outcome::Skipped(d) => ("SKIP", d),
    };
    println!("{tag}  {:<28} {detail}", r.name);
}
