//! `netwalker`: argument parsing and printing. The work is in the library
//! (`netwalker::run`, `netwalker::engine`, ...).
//!
//! Exit codes: 0 the job completed (device failures are results, not
//! errors), 1 a runtime failure, 2 bad usage or configuration, 130 Ctrl-C.

use anyhow::{Context, Result};
use clap::builder::{EnumValueParser, PossibleValue, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};
use device_parsers::Platform;
use netwalker::config::{self, Config, ConfigPaths, Credential, Settings};
use netwalker::diagram::DiagramFormat;
use netwalker::engine::{WalkProgress, WalkSummary};
use netwalker::exec;
use netwalker::report::ReportFormat;
use netwalker::run;
use netwalker::store::StoreLocation;
use netwalker::term;
use quiet_stdio::{err, errln, out, outln};
use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// mimalloc rather than glibc malloc: the walk, the parsers and the SSH
/// stack make many small short-lived allocations across threads, and glibc
/// returned freed pages to the kernel only to fault them back in on the next
/// device (a fifth of the CDP parser's time was page faults). See
/// ARCHITECTURE.md, "Allocator".
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "netwalker",
    version,
    about = "Discover network topology over CDP/LLDP, keep an inventory, export reports",
    after_help = "Credentials: --username with --password-env VAR, or NETWALKER_USERNAME / NETWALKER_PASSWORD / NETWALKER_ENABLE, or a credentials file. Passwords are never taken as plain command-line values."
)]
struct Cli {
    /// Config file (default: ./netwalker.toml, then the user config dir).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// What to do; each subcommand has its own flags.
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Walk the network from seeds over CDP/LLDP.
    Discover(DiscoverArgs),
    /// Walk devices of distributed walks (`discover --distributed`) from a PostgreSQL store's queue.
    Worker(WorkerArgs),
    /// Which switch port is this MAC, IP or host on? Exit 1 when not found.
    Find(FindArgs),
    /// Start a simulated campus, walk it, write the reports, shut it down.
    Demo(DemoArgs),
    /// Parse saved device output into JSON records (no network).
    Parse(ParseArgs),
    /// Write the inventory reports from the store (xlsx, csv, json).
    Report(ReportArgs),
    /// Draw the topology from the store (drawio, graphml, dot, mermaid, html).
    Diagram(DiagramArgs),
    /// Run commands on devices from the store (name glob, platform, site, CIDR).
    Exec(ExecArgs),
    /// Check every walked device's forward and reverse DNS (workbook sheet + JSON).
    DnsCheck(DnsCheckArgs),
    /// Serve the inventory in a browser and as a JSON API.
    #[cfg(feature = "serve")]
    Serve(ServeArgs),
    /// Users who may log in to `netwalker serve` (stored in the store).
    #[cfg(feature = "serve")]
    User {
        /// What to do with users.
        #[command(subcommand)]
        action: UserAction,
    },
    /// API tokens for scripts calling `netwalker serve`'s API.
    #[cfg(feature = "serve")]
    Token {
        /// What to do with tokens.
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Keep another system up to date with the inventory.
    #[cfg(feature = "netbox")]
    Sync {
        /// Which system.
        #[command(subcommand)]
        target: SyncTarget,
    },
    /// Configuration.
    Config {
        /// What to do with the configuration.
        #[command(subcommand)]
        action: ConfigAction,
    },
}

#[cfg(feature = "netbox")]
#[derive(Subcommand)]
enum SyncTarget {
    /// Devices, interfaces, cables, stacks (virtual chassis), IPs and VLANs into NetBox.
    Netbox(NetboxArgs),
}

/// `netwalker sync netbox`; each flag overrides the config's `[netbox]` key.
#[cfg(feature = "netbox")]
#[derive(Args)]
#[command(
    after_help = "Safe by construction: everything created carries the tag; only objects carrying it are updated (matched by serial, then name) or, with --prune, deleted; an untagged object in the way (same serial or name, a cable already on an interface) is a conflict, reported and left alone.
Examples:
  NETBOX_TOKEN=nbt_... netwalker sync netbox --url http://127.0.0.1:8000 --token-env NETBOX_TOKEN --dry-run
  netwalker sync netbox --url http://127.0.0.1:8000 --token-env NETBOX_TOKEN --site-pattern '*-CORE-*'
Exit codes: 0 synced (or planned) without conflicts, 1 conflicts were reported (everything else was synced) or NetBox failed (the message says which step and what to do), 2 bad usage or configuration."
)]
struct NetboxArgs {
    /// NetBox's base URL (http://host:port); config `netbox.url`.
    #[arg(long)]
    url: Option<String>,
    /// Environment variable holding the API token (v2 `nbt_...` or legacy); config `netbox.token_env`.
    #[arg(long)]
    token_env: Option<String>,
    /// Inventory store to read (an SQLite file, or postgres://USER:PASSWORD@HOST:PORT/DB); config `store`.
    #[arg(long)]
    store: Option<String>,
    /// Print the plan (kind, name, action, detail, totals) and change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Also delete netwalker-tagged objects the inventory no longer has.
    #[arg(long)]
    prune: bool,
    /// Sites from hostnames: a glob whose first `*` captures the site, e.g. "*-CORE-*".
    #[arg(long)]
    site_pattern: Option<String>,
    /// The tag (slug) on everything netwalker creates and owns (default netwalker).
    #[arg(long)]
    tag: Option<String>,
    /// The site of devices no --site-pattern places (default netwalker).
    #[arg(long)]
    default_site: Option<String>,
    /// all: every interface the devices reported; linked: only link ends and interfaces with an address.
    #[arg(long, value_parser = ["all", "linked"])]
    interfaces: Option<String>,
    /// Deadline of each API request (default 60s).
    #[arg(long, value_parser = config::parse_duration)]
    timeout: Option<Duration>,
    /// With --dry-run: list unchanged objects too.
    #[arg(long, short)]
    verbose: bool,
    /// No progress lines on stderr.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Args)]
struct DemoArgs {
    /// Devices in the simulated campus.
    #[arg(long, default_value_t = 200)]
    devices: usize,
    /// Where the store, inventory.json and reports go.
    #[arg(long, default_value = "netwalker-demo")]
    out: PathBuf,
    /// Devices walked at once.
    #[arg(long, default_value_t = netwalker::config::DEFAULT_CONCURRENCY)]
    concurrency: usize,
    /// Time each simulated device takes per command (`100ms`, or a span
    /// `50ms..400ms`, drawn per command): a real network's pace, so a
    /// walk can be watched (the live counters of `--serve`'s Runs page).
    #[arg(long, value_name = "DURATION[..DURATION]")]
    command_delay: Option<netsim::Span>,
    /// Print the summary as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
    /// After the walk, serve the inventory in a browser (as `netwalker
    /// serve`) until Ctrl-C.
    #[cfg(feature = "serve")]
    #[arg(long)]
    serve: bool,
    /// Address `--serve` listens on (loopback only).
    #[cfg(feature = "serve")]
    #[arg(long, default_value = netwalker::serve::DEFAULT_LISTEN, requires = "serve")]
    listen: std::net::SocketAddr,
}

#[derive(Args)]
struct ParseArgs {
    /// cisco_ios, cisco_xe, cisco_nxos, paloalto_panos, linux.
    #[arg(long)]
    platform: Platform,
    /// The command that produced the output, e.g. "show cdp neighbors detail".
    #[arg(long)]
    command: String,
    /// File to read, or - for standard input.
    #[arg(default_value = "-")]
    file: String,
    /// json (the records, for scripts) or table (for people).
    #[arg(long, value_enum, default_value_t = ParseFormat::Json)]
    format: ParseFormat,
}

#[derive(Args)]
struct ReportArgs {
    /// Inventory store to read: an SQLite file, or postgres://USER:PASSWORD@HOST:PORT/DB.
    #[arg(long, env = "NETWALKER_STORE", hide_env_values = true, default_value = netwalker::config::DEFAULT_STORE)]
    store: String,
    /// Directory the reports are written to.
    #[arg(long, default_value = ".")]
    out: PathBuf,
    /// Comma-separated: xlsx, csv, json.
    #[arg(long, value_delimiter = ',', value_parser = ListItem::<ReportFormat>::new(), ignore_case = true, default_value = "xlsx")]
    format: Vec<ReportFormat>,
    /// Glob with a capture that names the site, e.g. "*-CORE-*": also
    /// write one workbook per site, links marked intra-site or external.
    #[arg(long)]
    site_pattern: Option<String>,
}

#[derive(Args)]
struct DiagramArgs {
    /// Inventory store to read: an SQLite file, or postgres://USER:PASSWORD@HOST:PORT/DB.
    #[arg(long, env = "NETWALKER_STORE", hide_env_values = true, default_value = netwalker::config::DEFAULT_STORE)]
    store: String,
    /// Directory the diagrams are written to.
    #[arg(long, default_value = ".")]
    out: PathBuf,
    /// Comma-separated: drawio, graphml, dot, mermaid, html.
    #[arg(long, value_delimiter = ',', value_parser = ListItem::<DiagramFormat>::new(), ignore_case = true, default_value = "html,drawio")]
    format: Vec<DiagramFormat>,
    /// Group by site (glob with a capture, as for `report`).
    #[arg(long)]
    site_pattern: Option<String>,
    /// With --site-pattern: also one diagram per site.
    #[arg(long)]
    per_site: bool,
    /// Leave out devices that were never walked.
    #[arg(long)]
    walked_only: bool,
}

#[cfg(feature = "serve")]
#[derive(Args)]
struct ServeArgs {
    /// Inventory store to read: an SQLite file, or postgres://USER:PASSWORD@HOST:PORT/DB.
    #[arg(long, env = "NETWALKER_STORE", hide_env_values = true, default_value = netwalker::config::DEFAULT_STORE)]
    store: String,
    /// Address to listen on. Anything but loopback needs users in the
    /// store (`netwalker user add`) and then always asks for a login.
    #[arg(long, default_value = netwalker::serve::DEFAULT_LISTEN)]
    listen: std::net::SocketAddr,
    /// Group devices into sites (glob with a capture, as for `report`).
    #[arg(long)]
    site_pattern: Option<String>,
    /// auto: ask for a login once the store has users; required: always.
    #[arg(long, value_enum, default_value_t = AuthArg::Auto)]
    auth: AuthArg,
    /// A TLS proxy in front serves HTTPS: session cookies get `Secure`.
    #[arg(long)]
    behind_tls: bool,
    /// Environment variable holding the session signing key (32+ bytes),
    /// so logins survive a restart; without it each start makes a random
    /// key and a restart logs everyone out.
    #[arg(long, value_name = "VAR")]
    session_key_env: Option<String>,
    /// Hours a login lasts.
    #[arg(long, default_value_t = 12)]
    session_hours: u64,
    /// Who walks the walks started from the browser: `workers` (through a
    /// PostgreSQL store's queue, walked by `netwalker worker`s; the server
    /// then holds no device credentials), `local` (this process, with the
    /// config's or environment's credentials), or `auto` (workers on a
    /// PostgreSQL store, else local).
    #[arg(long, value_enum, default_value_t = WalksArg::Auto)]
    walks: WalksArg,
}

#[cfg(feature = "serve")]
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum WalksArg {
    /// Workers on a PostgreSQL store, else this process.
    Auto,
    /// This process.
    Local,
    /// `netwalker worker` processes, through the store's queue.
    Workers,
}

#[cfg(feature = "serve")]
#[derive(Clone, Copy, ValueEnum)]
enum AuthArg {
    /// Login once the store has users.
    Auto,
    /// Always a login.
    Required,
}

#[cfg(feature = "serve")]
#[derive(Subcommand)]
enum UserAction {
    /// Add a user (password from a prompt, or --password-env VAR).
    Add {
        /// Login name: letters, digits, '.', '_', '-', '@'.
        name: String,
        /// admin or viewer.
        #[arg(long)]
        role: String,
        #[command(flatten)]
        account: AccountArgs,
    },
    /// List users and their roles.
    List {
        #[command(flatten)]
        store: StoreArg,
    },
    /// Remove a user and their API tokens (their sessions end).
    Remove {
        /// The user to remove.
        name: String,
        #[command(flatten)]
        store: StoreArg,
    },
    /// Change a user's password (their sessions end).
    Passwd {
        /// The user whose password changes.
        name: String,
        #[command(flatten)]
        account: AccountArgs,
    },
}

#[cfg(feature = "serve")]
#[derive(Subcommand)]
enum TokenAction {
    /// Make a token acting as USER; printed once on stdout, only its hash is kept.
    Add {
        /// A name for the token (to list and remove it).
        name: String,
        /// The user the token acts as (with that user's role).
        #[arg(long)]
        user: String,
        #[command(flatten)]
        store: StoreArg,
    },
    /// List tokens (names and users; the tokens themselves are not kept).
    List {
        #[command(flatten)]
        store: StoreArg,
    },
    /// Revoke a token.
    Remove {
        /// The token's name.
        name: String,
        #[command(flatten)]
        store: StoreArg,
    },
}

#[cfg(feature = "serve")]
#[derive(Args)]
struct StoreArg {
    /// Inventory store holding the users: an SQLite file, or postgres://USER:PASSWORD@HOST:PORT/DB.
    #[arg(long, env = "NETWALKER_STORE", hide_env_values = true, default_value = netwalker::config::DEFAULT_STORE)]
    store: String,
}

#[cfg(feature = "serve")]
#[derive(Args)]
struct AccountArgs {
    #[command(flatten)]
    store: StoreArg,
    /// Environment variable holding the password (else a prompt on the terminal).
    #[arg(long, value_name = "VAR")]
    password_env: Option<String>,
}

#[derive(Args)]
struct FindArgs {
    /// A MAC (`aabb.ccdd.eeff`, `AA:BB:CC:DD:EE:FF`, `aa-bb-cc-dd-ee-ff`),
    /// an IP address, or a host name (resolved through the system resolver
    /// and matched against the inventory's device names).
    query: String,
    /// Inventory store to read: an SQLite file, or postgres://USER:PASSWORD@HOST:PORT/DB.
    #[arg(long, env = "NETWALKER_STORE", hide_env_values = true, default_value = netwalker::config::DEFAULT_STORE)]
    store: String,
    /// Print the hosts as JSON on stdout (inventory.json's `endhosts`
    /// records, each with its `history`).
    #[arg(long)]
    json: bool,
    /// Deadline of the name lookup.
    #[arg(long, value_parser = config::parse_duration, default_value = "3s")]
    timeout: Duration,
}

#[derive(Args)]
struct DnsCheckArgs {
    /// Inventory store to read: an SQLite file, or postgres://USER:PASSWORD@HOST:PORT/DB.
    #[arg(long, env = "NETWALKER_STORE", hide_env_values = true, default_value = netwalker::config::DEFAULT_STORE)]
    store: String,
    /// Directory the DNS report is written to.
    #[arg(long, default_value = ".")]
    out: PathBuf,
    /// Appended to names without a dot before the forward lookup.
    #[arg(long)]
    domain: Option<String>,
    /// Deadline of each lookup.
    #[arg(long, value_parser = config::parse_duration, default_value = "3s")]
    timeout: Duration,
    /// Also check devices that were never walked but have an address.
    #[arg(long)]
    include_unwalked: bool,
    /// Print the results as JSON on stdout.
    #[arg(long)]
    json: bool,
}

/// `netwalker exec`: selection, commands and outputs, plus the connection
/// options it shares with `discover` (same config file and environment).
#[derive(Args)]
#[command(after_help = "Examples:
  netwalker exec --filter '*' --command 'show version' --dry-run
  netwalker exec --filter 'nyc-acc-*' --platform cisco_ios -c 'show clock' -c 'show vlan brief' --format xlsx,json --parse
  netwalker exec --filter '*' --site NYC --site-pattern '*-CORE-*' --ip 10.1.0.0/16 -c 'show inventory'

Statuses per device and command: ok, rejected (the device printed an error such as '% Invalid input'), failed, timeout, auth_failed, interrupted, not_run.
Exit codes: 0 done (device failures are results), 1 runtime failure, 2 bad usage, 130 Ctrl-C.")]
struct ExecArgs {
    /// Device name glob (case-insensitive, `*` and `?`); repeat for several; '*' for every device.
    #[arg(long = "filter", value_name = "PATTERN", required = true)]
    filters: Vec<String>,
    /// Command to run; repeat for several (run in this order on each device).
    #[arg(long = "command", short = 'c', value_name = "COMMAND", required = true)]
    commands: Vec<String>,
    /// Only this platform (cisco_ios, cisco_xe, cisco_nxos, paloalto_panos, linux); repeatable.
    #[arg(long, value_name = "PLATFORM")]
    platform: Vec<Platform>,
    /// Only this site; repeatable. With --site-pattern sites are assigned as in
    /// `report`; without it, a device is in site S when its name starts with S
    /// and a non-alphanumeric character (NYC takes NYC-ACC-1, not NYCX-1).
    #[arg(long, value_name = "SITE")]
    site: Vec<String>,
    /// Glob whose first `*` captures the site, e.g. "*-CORE-*".
    #[arg(long)]
    site_pattern: Option<String>,
    /// Only devices whose management address is in this CIDR (or is this IP); repeatable.
    #[arg(long, value_name = "CIDR", value_parser = netwalker::exec::parse_cidr)]
    ip: Vec<ipnet::IpNet>,
    /// Also devices never logged in to (neighbour-only, skipped, filtered).
    #[arg(long)]
    include_unwalked: bool,
    /// Comma-separated: xlsx, csv, json, text.
    #[arg(long, value_delimiter = ',', value_parser = ListItem::<exec::ExecFormat>::new(), ignore_case = true, default_value = "xlsx")]
    format: Vec<exec::ExecFormat>,
    /// Add parsed records where device-parsers knows the (platform, command).
    #[arg(long)]
    parse: bool,
    /// List the devices that would be touched; open no connection.
    #[arg(long)]
    dry_run: bool,
    /// Deadline for each command (default: timeouts.command, 30s).
    #[arg(long, value_parser = config::parse_duration)]
    command_timeout: Option<Duration>,
    /// Connection, credential and output options shared with discover.
    #[command(flatten)]
    common: CommonArgs,
}

impl ExecArgs {
    /// The shared options as `discover` flags, so config, environment and
    /// flags merge exactly as they do for a walk.
    fn discover_args(&self) -> DiscoverArgs {
        DiscoverArgs {
            common: self.common.clone(),
            ..DiscoverArgs::default()
        }
    }
}

async fn exec_cmd(global: Option<&PathBuf>, a: &ExecArgs) -> Result<ExitCode> {
    let mut s = settings(global, &a.discover_args())?;
    if let Some(t) = a.command_timeout {
        s.timeouts.command = t;
    }
    let formats: BTreeSet<exec::ExecFormat> = a.format.iter().copied().collect();
    let targets = exec_targets(a, &s)?;
    if a.dry_run {
        print_dry_run(a, &s, &targets)?;
        return Ok(ExitCode::SUCCESS);
    }
    let (report, files) = run_exec(a, &s, &formats, targets).await?;
    if s.json {
        let mut v = report.summary_json();
        v["files"] = serde_json::json!(files);
        print_json(&v)?;
    } else {
        print_exec_summary(&report, &files)?;
    }
    Ok(if report.interrupted {
        ExitCode::from(130)
    } else {
        ExitCode::SUCCESS
    })
}

/// The executor's errors that are the user's to fix exit 2; the rest 1.
fn exec_usage(e: exec::ExecError) -> anyhow::Error {
    use exec::ExecError;
    match e {
        ExecError::Glob { .. }
        | ExecError::SitePattern(_)
        | ExecError::NoStore(_)
        | ExecError::NoCommands
        | ExecError::NoCredentials => Usage(e.into()).into(),
        other => other.into(),
    }
}

/// The store's devices the filters select; none is a usage error.
fn exec_targets(a: &ExecArgs, s: &Settings) -> Result<Vec<exec::ExecTarget>> {
    let filter = exec::ExecFilter {
        names: a.filters.clone(),
        platforms: a.platform.clone(),
        sites: a.site.clone(),
        site_pattern: a.site_pattern.clone(),
        cidrs: a.ip.clone(),
        include_unwalked: a.include_unwalked,
    };
    let targets = exec::select_from_store(&s.store, &filter).map_err(exec_usage)?;
    if targets.is_empty() {
        return Err(Usage(anyhow::anyhow!(
            "no device in {} matches the filters; widen --filter, or add --include-unwalked for devices never logged in to",
            s.store
        ))
        .into());
    }
    Ok(targets)
}

/// `--dry-run`: the devices that would be touched, as JSON or one line each.
fn print_dry_run(a: &ExecArgs, s: &Settings, targets: &[exec::ExecTarget]) -> Result<()> {
    if s.json {
        let v = serde_json::json!({ "commands": a.commands, "devices": targets });
        return print_json(&v);
    }
    for t in targets {
        // Names and sites come from devices: printed only through term::safe.
        let line = format!(
            "{:<32} {:<16} {:<15} {:<13} {}",
            term::safe(&t.name),
            t.ip,
            t.platform.map(|p| p.as_str()).unwrap_or("-"),
            t.last_status.as_str(),
            term::safe(t.site.as_deref().unwrap_or(""))
        );
        outln!("{}", line.trim_end())?;
    }
    outln!(
        "would run {} command(s) on {} device(s); no connection was opened",
        a.commands.len(),
        targets.len()
    )?;
    Ok(())
}

/// Runs the commands with the progress bar and Ctrl-C handling, writing
/// the files as devices finish; returns the report and the files written.
async fn run_exec(
    a: &ExecArgs,
    s: &Settings,
    formats: &BTreeSet<exec::ExecFormat>,
    targets: Vec<exec::ExecTarget>,
) -> Result<(exec::ExecReport, Vec<PathBuf>)> {
    let creds = credentials(s)?;
    let opts = exec::ExecOptions::from_settings(s, &creds, a.parse);
    // Outputs go to disk as devices finish; an unwritable --out fails here,
    // before any device is touched.
    let mut writer = exec::ResultsWriter::create(
        &s.out,
        formats,
        netwalker::model::now_unix(),
        &targets,
        &a.commands,
        a.parse,
    )?;
    // The discover UI gives Ctrl-C handling; its spinner stays hidden and
    // the executor draws its own bar (it knows the total).
    let (cancel, _spinner, ui) = start_ui(true);
    let (tx, rx) = watch::channel(exec::ExecProgress::default());
    let bar = exec::spawn_progress_bar(rx, !(s.quiet || s.json));
    let plan = exec::ExecPlan {
        targets,
        commands: a.commands.clone(),
    };
    let report = exec::execute_streaming(plan, opts, cancel, tx, &mut writer).await;
    let _ = bar.await;
    ui.finish().await;
    let report = report.map_err(exec_usage)?;
    let files = writer.finish(&report)?;
    Ok((report, files))
}

/// Whether a command's status means the device could not be reached or
/// did not finish; a rejected command is the device's own answer.
fn unreached(status: exec::CommandStatus) -> bool {
    !matches!(
        status,
        exec::CommandStatus::Ok | exec::CommandStatus::Rejected
    )
}

/// The human summary of an exec run: counts, the first 20 devices the
/// commands could not reach, and the files.
fn print_exec_summary(report: &exec::ExecReport, files: &[PathBuf]) -> std::io::Result<()> {
    for line in report.summary_lines() {
        outln!("{line}")?;
    }
    // Devices the commands could not reach; a rejected command is in
    // the counts above and the files, with the device's own message.
    let problems: Vec<_> = report
        .devices
        .iter()
        .filter(|d| d.results.iter().any(|r| unreached(r.status)))
        .collect();
    for d in problems.iter().take(20) {
        let first = d.results.iter().find(|r| unreached(r.status));
        outln!(
            "  {} ({}): {}{}",
            term::safe(&d.device),
            d.ip,
            first.map(|r| r.status).unwrap_or(d.status()),
            first
                .and_then(|r| r.error.as_deref())
                .map(|e| format!(": {}", term::safe(e)))
                .unwrap_or_default()
        )?;
    }
    if problems.len() > 20 {
        outln!("  ... and {} more (see the files)", problems.len() - 20)?;
    }
    for f in files {
        outln!("wrote {}", f.display())?;
    }
    Ok(())
}

/// One item of a comma-separated enumerated flag (`--format xlsx, csv`):
/// the enum's `ValueEnum` spellings (case ignored when the argument says
/// `ignore_case`), with the spaces around the item ignored as well.
#[derive(Clone)]
struct ListItem<E>(
    /// The enum the items are parsed into; no value of it is held.
    std::marker::PhantomData<E>,
);

impl<E> ListItem<E> {
    fn new() -> Self {
        ListItem(std::marker::PhantomData)
    }
}

impl<E: ValueEnum + Clone + Send + Sync + 'static> TypedValueParser for ListItem<E> {
    type Value = E;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<E, clap::Error> {
        let trimmed = value
            .to_str()
            .map_or(value, |v| std::ffi::OsStr::new(v.trim()));
        EnumValueParser::<E>::new().parse_ref(cmd, arg, trimmed)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(
            E::value_variants()
                .iter()
                .filter_map(ValueEnum::to_possible_value)
                // The variants' docs are for the library's readers; the
                // flag's help lists the names only.
                .map(|v| v.help(None)),
        ))
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ParseFormat {
    Json,
    Table,
}

#[derive(Subcommand)]
enum ConfigAction {
    /// Print the effective configuration (secrets masked).
    Show(DiscoverArgs),
}

/// Options every command that logs in to devices shares (discover, exec).
#[derive(Args, Default, Clone)]
struct CommonArgs {
    /// Inventory store: an SQLite file (default netwalker.db), or
    /// postgres://USER:PASSWORD@HOST:PORT/DB.
    #[arg(long, env = "NETWALKER_STORE", hide_env_values = true)]
    store: Option<String>,
    /// Output directory for inventory.json, reports and results.
    #[arg(long)]
    out: Option<PathBuf>,
    /// SSH port on every device.
    #[arg(long)]
    port: Option<u16>,
    /// Telnet port on every device (fallback when SSH is refused).
    #[arg(long)]
    telnet_port: Option<u16>,
    /// User name of the first credential set (else NETWALKER_USERNAME).
    #[arg(long)]
    username: Option<String>,
    /// Name of the environment variable holding the password.
    #[arg(long)]
    password_env: Option<String>,
    /// Name of the environment variable holding the enable secret.
    #[arg(long)]
    enable_env: Option<String>,
    /// TOML file with [[credentials]] sets, tried in order.
    #[arg(long)]
    credentials_file: Option<PathBuf>,
    /// Devices worked on at once (default 128; the open-file limit is raised to match).
    #[arg(long)]
    concurrency: Option<usize>,
    /// Never fall back to telnet.
    #[arg(long)]
    no_telnet: bool,
    /// Legacy SSH algorithms (group1/group14-sha1, ssh-rsa, CBC, hmac-sha1):
    /// off, on, or auto (default: retry a device that offers nothing modern
    /// once with them, and mark it legacy_crypto). `--legacy-ssh` alone is on.
    #[arg(long, value_name = "MODE", num_args = 0..=1, require_equals = true, default_missing_value = "on")]
    legacy_ssh: Option<netwalker::config::LegacySshMode>,
    /// accept-new (default), strict, or accept-any.
    #[arg(long, value_enum, hide_possible_values = true)]
    host_key_policy: Option<config::HostKeyPolicySetting>,
    /// known_hosts file host keys are checked against and recorded in (default ~/.ssh/known_hosts).
    #[arg(long)]
    known_hosts: Option<PathBuf>,
    /// Output one command may buffer, in MiB (default 16); a device that
    /// sends more fails as output_too_large.
    #[arg(long, value_name = "MIB")]
    max_output_mib: Option<u64>,
    /// Stop the whole run after this long (e.g. 10m).
    #[arg(long, value_parser = config::parse_duration)]
    deadline: Option<Duration>,
    /// How long in-flight devices get after Ctrl-C (default 2s).
    #[arg(long, value_parser = config::parse_duration)]
    grace: Option<Duration>,
    /// Print a JSON summary on stdout.
    #[arg(long)]
    json: bool,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Args, Default)]
struct DiscoverArgs {
    /// Seed devices (hostname or IP); repeat or comma-separate:
    /// --seed core1,core2 --seed 10.0.0.1. To pair names with addresses use --seed-file.
    #[arg(long = "seed")]
    seeds: Vec<String>,
    /// Seed file: CSV with a hostname,ip_address header, or one host[,ip] per line.
    #[arg(long)]
    seed_file: Option<PathBuf>,
    /// Do not walk neighbours deeper than this (seeds are depth 0).
    #[arg(long)]
    max_depth: Option<u32>,
    /// Continue the last interrupted run.
    #[arg(long)]
    resume: bool,
    /// Also walk devices last walked more than DAYS ago.
    #[arg(long)]
    rewalk_stale: Option<u32>,
    /// Also walk neighbours the store knows but never walked.
    #[arg(long)]
    walk_unwalked: bool,
    /// Skip devices that failed this many times in a row.
    #[arg(long)]
    failure_threshold: Option<u32>,
    /// Try devices whatever their failure count.
    #[arg(long)]
    ignore_failures: bool,
    /// Do not read MAC tables, ARP/ND caches and switchport state (no
    /// end-host tracking; fewer commands per device). Config key: `endhosts = false`.
    #[arg(long)]
    no_endhosts: bool,
    /// Let `netwalker worker` processes walk the devices (PostgreSQL store
    /// only): this process queues the seeds, decides the walk, follows its
    /// progress and writes the store and the files; Ctrl-C stops every
    /// worker's part of it. Needs no device credentials.
    #[arg(long)]
    distributed: bool,
    /// Connection, credential and output options shared with exec.
    #[command(flatten)]
    common: CommonArgs,
}

/// `netwalker worker`: claims devices of distributed walks and walks them.
#[derive(Args)]
#[command(
    after_help = "Start one or more workers (on any machine that reaches the devices and the database), then a walk:
  netwalker worker --store postgres://netwalker:PASSWORD@db.example.net/netwalker --username admin --password-env DEVICE_PW
  netwalker discover --distributed --store postgres://netwalker:PASSWORD@db.example.net/netwalker --seed core1
A worker runs until Ctrl-C or SIGTERM: devices in flight get --grace, the rest are handed back to the queue, every session is closed; exit 130. Killed outright, its devices are walked again by other workers once its --lease expires.
Zones: with [[zones]] name/cidrs in the submitter's config, a device whose address is in a zone is taken only by workers started with --zone NAME; the others by workers without one."
)]
struct WorkerArgs {
    /// Take only devices of this zone (default: devices in no zone).
    #[arg(long)]
    zone: Option<String>,
    /// This worker's name in the queue (default HOST:PID); must differ between running workers.
    #[arg(long)]
    name: Option<String>,
    /// How long a claim lives without a heartbeat (default 30s, at least 6s): a killed
    /// worker's devices are walked again by others after this.
    #[arg(long, value_parser = config::parse_duration)]
    lease: Option<Duration>,
    /// How long to keep retrying a database that does not answer before stopping (default 60s).
    #[arg(long, value_parser = config::parse_duration)]
    db_retry: Option<Duration>,
    /// Exit once no job has been claimable for this long (scripts, benchmarks).
    #[arg(long, value_parser = config::parse_duration)]
    exit_when_idle: Option<Duration>,
    /// Connection, credential and output options (the store must be PostgreSQL).
    #[command(flatten)]
    common: CommonArgs,
}

impl WorkerArgs {
    fn discover_args(&self) -> DiscoverArgs {
        DiscoverArgs {
            common: self.common.clone(),
            ..DiscoverArgs::default()
        }
    }
}

impl DiscoverArgs {
    fn to_config(&self) -> Result<Config> {
        Ok(Config {
            seeds: (!self.seeds.is_empty()).then(|| self.seeds.clone()),
            seed_file: self.seed_file.clone(),
            port: self.common.port,
            telnet_port: self.common.telnet_port,
            username: self.common.username.clone(),
            password_env: self.common.password_env.clone(),
            enable_env: self.common.enable_env.clone(),
            credentials_file: self.common.credentials_file.clone(),
            concurrency: self.common.concurrency,
            max_depth: self.max_depth,
            store: self
                .common
                .store
                .as_deref()
                .map(store_location)
                .transpose()?,
            out: self.common.out.clone(),
            telnet_fallback: self.common.no_telnet.then_some(false),
            legacy_ssh: self.common.legacy_ssh,
            max_output_mib: self.common.max_output_mib,
            host_key_policy: self.common.host_key_policy,
            known_hosts: self.common.known_hosts.clone(),
            grace_period: self.common.grace,
            failure_threshold: self.failure_threshold,
            ignore_failures: self.ignore_failures.then_some(true),
            endhosts: self.no_endhosts.then_some(false),
            rewalk_stale_days: self.rewalk_stale,
            walk_unwalked: self.walk_unwalked.then_some(true),
            resume: self.resume.then_some(true),
            json: self.common.json.then_some(true),
            quiet: self.common.quiet.then_some(true),
            timeouts: self.common.deadline.map(|d| config::TimeoutsConfig {
                run: Some(d),
                ..Default::default()
            }),
            ..Config::default()
        })
    }
}

/// An error that should exit 2 (usage/config), not 1.
#[derive(Debug)]
struct Usage(
    /// What went wrong and what to do, printed with its causes.
    anyhow::Error,
);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:#}", self.0)
    }
}
impl std::error::Error for Usage {}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("NETWALKER_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        // Log fields carry device names: every line goes through term::safe
        // (which would strip colours anyway, so none are written).
        .with_ansi(false)
        .with_writer(|| term::SafeLines(std::io::stderr()))
        .init();
    raise_fd_limit();
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            errln!("netwalker: error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = rt.block_on(dispatch(cli));
    // Every task the walk started has ended by now; don't let a stray
    // blocking thread hold the exit.
    rt.shutdown_timeout(Duration::from_millis(200));
    match result {
        Ok(code) => code,
        Err(e) => {
            // Errors name devices and quote what they said.
            errln!("netwalker: error: {}", term::safe(&error_text(&e)));
            if e.downcast_ref::<Usage>().is_some()
                || e.downcast_ref::<config::ConfigError>().is_some()
                || e.downcast_ref::<netwalker::seeds::SeedError>().is_some()
            {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}

/// An error and its causes on one line, each cause once: many of our
/// errors quote their cause in their own message already (to say what to
/// do after it), so a cause the text holds is not repeated.
fn error_text(e: &anyhow::Error) -> String {
    let mut text = e.to_string();
    for cause in e.chain().skip(1) {
        let c = cause.to_string();
        if !text.contains(&c) {
            text.push_str(": ");
            text.push_str(&c);
        }
    }
    text
}

/// Each session in flight holds a socket: lift the soft open-file limit
/// (often 1,024) to the hard one, so `--concurrency 1024` does not fail
/// devices with "Too many open files".
fn raise_fd_limit() {
    let _ = rlimit::increase_nofile_limit(u64::MAX);
}

/// Warns when the open-file limit is below what `concurrency` sessions (and
/// the store, the reports and the runtime) need.
fn check_fd_limit(concurrency: usize) {
    let want = concurrency as u64 + 128;
    if let Ok((soft, _)) = rlimit::getrlimit(rlimit::Resource::NOFILE)
        && soft < want
    {
        errln!(
            "netwalker: warning: the open-file limit is {soft}; --concurrency {concurrency} wants about {want}: raise `ulimit -n` or lower --concurrency"
        );
    }
}

fn settings(global: Option<&PathBuf>, args: &DiscoverArgs) -> Result<Settings> {
    let (_, file) = config::load_config(global.map(|p| p.as_path()), &ConfigPaths::from_env())
        .map_err(|e| Usage(e.into()))?;
    let cli = args.to_config()?;
    file.merge(cli)
        .resolve()
        .map_err(|e| Usage(e.into()).into())
}

async fn dispatch(cli: Cli) -> Result<ExitCode> {
    let config = cli.config.as_ref();
    match cli.command {
        Cmd::Discover(args) => discover_cmd(config, &args).await,
        Cmd::Worker(args) => worker_cmd(config, &args).await,
        Cmd::Demo(args) => demo_cmd(&args).await,
        Cmd::Parse(args) => parse_cmd(&args),
        Cmd::Report(args) => report_cmd(args),
        Cmd::Diagram(args) => diagram_cmd(args),
        Cmd::Exec(args) => exec_cmd(config, &args).await,
        Cmd::DnsCheck(args) => dns_check_cmd(args).await,
        Cmd::Find(args) => find_cmd(&args).await,
        #[cfg(feature = "serve")]
        Cmd::Serve(args) => serve_cmd(config, args).await,
        #[cfg(feature = "serve")]
        Cmd::User { action } => user_cmd(action).await,
        #[cfg(feature = "serve")]
        Cmd::Token { action } => token_cmd(action),
        #[cfg(feature = "netbox")]
        Cmd::Sync {
            target: SyncTarget::Netbox(args),
        } => netbox_cmd(config, &args).await,
        Cmd::Config {
            action: ConfigAction::Show(args),
        } => {
            let s = settings(config, &args)?;
            out!("{s}")?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn discover_cmd(global: Option<&PathBuf>, args: &DiscoverArgs) -> Result<ExitCode> {
    let s = settings(global, args)?;
    let creds = if args.distributed {
        Vec::new() // the workers log in, with their own credentials
    } else {
        check_fd_limit(s.concurrency);
        credentials(&s)?
    };
    let (cancel, progress, ui) = start_ui(s.quiet || s.json);
    let out = if args.distributed {
        run::discover_distributed(&s, cancel.clone(), progress).await
    } else {
        run::discover(&s, &creds, cancel.clone(), progress).await
    };
    ui.finish().await;
    let out = out?;
    for p in &out.seed_problems {
        errln!("netwalker: skipped seed: {}", term::safe(&p.to_string()));
    }
    print_summary(&out.summary, &out.files, s.json, None)?;
    Ok(exit_for(&out.summary))
}

async fn worker_cmd(global: Option<&PathBuf>, a: &WorkerArgs) -> Result<ExitCode> {
    let s = settings(global, &a.discover_args())?;
    if !s.store.is_postgres() {
        return Err(Usage(anyhow::anyhow!(
            "a worker takes its devices from a PostgreSQL store's queue; {} is not one: give --store postgres://USER:PASSWORD@HOST:PORT/DB (or NETWALKER_STORE), the same store as the submitter's",
            s.store
        ))
        .into());
    }
    let creds = credentials(&s)?;
    check_fd_limit(s.concurrency);
    let flags = run::WorkerFlags {
        name: a.name.clone(),
        zone: a.zone.clone(),
        lease: a.lease,
        db_retry: a.db_retry,
        exit_when_idle: a.exit_when_idle,
    };
    let opts = run::worker_options(&s, &creds, flags).map_err(|e| Usage(e.into()))?;
    let cancel = CancellationToken::new();
    let stop = cancel.clone();
    let quiet = s.quiet || s.json;
    tokio::spawn(async move {
        netwalker::signal::shutdown_signal().await;
        if !quiet {
            errln!(
                "\nnetwalker worker: stopping; finishing devices in flight, handing the rest back"
            );
        }
        stop.cancel();
    });
    if !quiet {
        errln!(
            "netwalker worker {} on {}: waiting for devices{}",
            term::safe(&opts.name),
            s.store,
            opts.zone
                .as_deref()
                .map(|z| format!(" of zone {}", term::safe(z)))
                .unwrap_or_default()
        );
    }
    let summary = netwalker::worker::run_worker(s.store.clone(), opts, cancel).await?;
    if s.json {
        outln!("{}", serde_json::to_string_pretty(&summary)?)?;
    } else {
        outln!(
            "worker: claimed {}, completed {}, lost to others {}, handed back {}; sessions opened {}, force-closed {}, open at exit {}",
            summary.claimed,
            summary.completed,
            summary.lost,
            summary.released,
            summary.sessions_opened,
            summary.sessions_force_closed,
            summary.sessions_open_at_exit
        )?;
    }
    Ok(if summary.interrupted {
        ExitCode::from(130)
    } else {
        ExitCode::SUCCESS
    })
}

async fn demo_cmd(a: &DemoArgs) -> Result<ExitCode> {
    #[cfg(feature = "serve")]
    if a.serve {
        // Refused before the walk, not after it.
        // A demo store has no users: loopback only.
        netwalker::serve::check_listen(a.listen, 0).map_err(|e| Usage(e.into()))?;
    }
    let (cancel, progress, ui) = start_ui(a.quiet || a.json);
    if !a.json && !a.quiet {
        errln!(
            "netwalker demo: simulating a {}-device campus on 127.200.0.0/16 and walking it",
            a.devices
        );
    }
    let lab = match run::DemoLab::start(a.devices, &a.out, a.concurrency, a.command_delay).await {
        Ok(lab) => lab,
        Err(e) => {
            ui.finish().await;
            return Err(e.into());
        }
    };
    let r = lab.walk(cancel, progress).await;
    ui.finish().await;
    let r = match r {
        Ok(r) => r,
        Err(e) => {
            lab.shutdown().await;
            return Err(e.into());
        }
    };
    let sim = &r.simulator;
    let extra = serde_json::json!({
        "simulator": {
            "devices": r.devices,
            "subnet": r.subnet,
            "sessions_opened": sim.sessions_opened,
            "sessions_closed_gracefully": sim.sessions_closed_gracefully,
            "sessions_dropped": sim.sessions_dropped,
            "sessions_open": sim.sessions_open,
        }
    });
    let printed = print_summary(&r.discover.summary, &r.discover.files, a.json, Some(extra));
    #[cfg(feature = "serve")]
    if a.serve && printed.is_ok() {
        // The lab stays up while serving: walks can be started from the
        // browser ("walk again", the Runs page) against it.
        let opts = netwalker::serve::ServeOptions {
            listen: a.listen,
            walks: Some(lab.launcher()),
            ..netwalker::serve::ServeOptions::new(a.out.join(netwalker::run::DEMO_STORE))
        };
        // With --json, stdout is the summary alone.
        let served = serve_store(opts, a.json).await;
        lab.shutdown().await;
        served?;
        return Ok(exit_for(&r.discover.summary));
    }
    lab.shutdown().await;
    printed?;
    Ok(exit_for(&r.discover.summary))
}

fn report_cmd(a: ReportArgs) -> Result<ExitCode> {
    let reader = open_store(&a.store)?;
    let opts = netwalker::report::ReportOptions {
        formats: a.format.into_iter().collect(),
        site_pattern: a.site_pattern,
        ..netwalker::report::ReportOptions::new(&a.out)
    };
    for f in netwalker::report::write_reports(&reader, &opts)? {
        outln!("wrote {}", f.display())?;
    }
    Ok(ExitCode::SUCCESS)
}

fn diagram_cmd(a: DiagramArgs) -> Result<ExitCode> {
    let formats: BTreeSet<DiagramFormat> = a.format.into_iter().collect();
    let reader = open_store(&a.store)?;
    let opts = netwalker::diagram::DiagramOptions {
        site_pattern: a.site_pattern,
        per_site: a.per_site,
        include_unwalked: !a.walked_only,
        ..Default::default()
    };
    let files = netwalker::diagram::write_diagrams(
        &reader,
        &opts,
        &a.out,
        &formats,
        netwalker::model::now_unix(),
    )?;
    for f in files {
        outln!("wrote {}", f.display())?;
    }
    Ok(ExitCode::SUCCESS)
}

async fn dns_check_cmd(a: DnsCheckArgs) -> Result<ExitCode> {
    let opts = netwalker::dns::DnsOptions {
        timeout: a.timeout,
        domain: a.domain,
        include_unwalked: a.include_unwalked,
        ..Default::default()
    };
    // Read what to check, then let go of the store before any lookup.
    let devices = netwalker::dns::devices_to_check(&open_store(&a.store)?, &opts)?;
    let checks =
        netwalker::dns::check_devices(&netwalker::dns::SystemResolver, &devices, &opts).await;
    let files = netwalker::dns::write_dns_report(&checks, &a.out, netwalker::model::now_unix())?;
    if a.json {
        print_json(&checks)?;
    } else {
        let bad = checks
            .iter()
            .filter(|c| !matches!(c.verdict, netwalker::dns::Verdict::Ok))
            .count();
        outln!("{} devices checked, {bad} with findings", checks.len())?;
        for f in files {
            outln!("wrote {}", f.display())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `netwalker find`: the hosts a MAC, address or name leads to.
async fn find_cmd(args: &FindArgs) -> Result<ExitCode> {
    use netwalker::find::{self, Query};
    let store = open_store(&args.store)?;
    let (macs, ips) = match Query::parse(&args.query) {
        Query::Mac(m) => (vec![m], vec![]),
        Query::Ip(ip) => (vec![], vec![ip]),
        Query::Name(name) => (vec![], resolve_name(&store, &name, args.timeout).await?),
    };
    let hosts = find::find(&store, &macs, &ips).context("cannot read the end hosts")?;
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&hosts)?)?;
    } else if hosts.is_empty() {
        errln!(
            "netwalker: {} was not seen in any MAC table or ARP/ND cache of {} (walk with end hosts: `netwalker discover` without --no-endhosts)",
            term::safe(&args.query),
            store.location()
        );
    } else {
        out!("{}", find::render_text(&hosts))?;
    }
    Ok(if hosts.is_empty() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// A name's addresses: those of inventory devices by that name, then the
/// system resolver's within `timeout` (a failed lookup is only a warning
/// when the inventory knew the name).
async fn resolve_name(
    store: &netwalker::store::StoreReader,
    name: &str,
    timeout: Duration,
) -> Result<Vec<std::net::IpAddr>> {
    use netwalker::dns::{Resolver, SystemResolver};
    let mut ips: Vec<std::net::IpAddr> = store
        .devices()?
        .into_iter()
        .filter(|d| d.hostname.eq_ignore_ascii_case(name))
        .flat_map(|d| d.ips.into_iter().chain(d.mgmt_ip))
        .collect();
    match tokio::time::timeout(timeout, SystemResolver.forward(name)).await {
        Ok(Ok(found)) => ips.extend(found),
        Ok(Err(e)) if ips.is_empty() => {
            return Err(Usage(anyhow::anyhow!(
                "{name:?} is not a MAC or an address, and it does not resolve: {e}"
            ))
            .into());
        }
        Err(_) if ips.is_empty() => {
            return Err(Usage(anyhow::anyhow!(
                "{name:?} is not a MAC or an address, and looking it up took longer than {timeout:?} (--timeout)"
            ))
            .into());
        }
        _ => {}
    }
    ips.sort();
    ips.dedup();
    Ok(ips)
}

/// `netwalker serve`: checks the store opens, refuses a non-loopback
/// address without users, prints the URL, serves until Ctrl-C or SIGTERM.
#[cfg(feature = "serve")]
async fn serve_cmd(global: Option<&PathBuf>, a: ServeArgs) -> Result<ExitCode> {
    use netwalker::serve;
    let store = open_store(&a.store)?;
    let location = store.location().clone();
    let users = store
        .user_count()
        .with_context(|| format!("cannot read the users of {location}"))?;
    // Dropped off the runtime's worker thread: closing a PostgreSQL
    // connection joins its thread.
    tokio::task::spawn_blocking(move || drop(store)).await.ok();
    serve::check_listen(a.listen, users).map_err(|e| Usage(e.into()))?;
    let mut opts = serve::ServeOptions::new(location.clone());
    opts.listen = a.listen;
    opts.walks = serve_walks(global, &location, a.walks)?;
    opts.auth = match a.auth {
        AuthArg::Auto => serve::AuthPolicy::Auto,
        AuthArg::Required => serve::AuthPolicy::Required,
    };
    opts.behind_tls = a.behind_tls;
    opts.session_ttl = Duration::from_secs(a.session_hours.max(1) * 3600);
    if let Some(var) = &a.session_key_env {
        let key = std::env::var(var)
            .map_err(|_| Usage(anyhow::anyhow!("--session-key-env: {var} is not set")))?;
        let key = netwalker::auth::SessionKey::from_bytes(key.into_bytes())
            .map_err(|e| Usage(anyhow::anyhow!("--session-key-env {var}: {e}")))?;
        opts.session_key = Some(std::sync::Arc::new(key));
    }
    opts.site_pattern = a
        .site_pattern
        .map(|p| netwalker::site::SitePattern::new(&p))
        .transpose()
        .map_err(|e| Usage(e.into()))?;
    serve_store(opts, false).await?;
    Ok(ExitCode::SUCCESS)
}

/// Walks from the browser need device credentials: from the environment
/// or the config, as `discover` takes them, but never prompted for (a
/// server has no one to ask). Without them walks are off (the Runs page
/// says how to turn them on); the config's other settings (ports,
/// timeouts, filters, `out`) apply to every walk, into the served store.
#[cfg(feature = "serve")]
fn serve_walks(
    global: Option<&PathBuf>,
    store: &StoreLocation,
    walks: WalksArg,
) -> Result<Option<netwalker::run::WalkLauncher>> {
    let (_, file) = config::load_config(global.map(|p| p.as_path()), &ConfigPaths::from_env())
        .map_err(|e| Usage(e.into()))?;
    let over = config::Config {
        store: Some(store.clone()),
        ..config::Config::default()
    };
    let s = file.merge(over).resolve().map_err(|e| Usage(e.into()))?;
    if walks == WalksArg::Workers || (walks == WalksArg::Auto && s.store.is_postgres()) {
        let launcher =
            netwalker::run::WalkLauncher::through_workers(s).map_err(|e| Usage(e.into()))?;
        return Ok(Some(launcher));
    }
    let env = |k: &str| std::env::var(k).ok();
    match s.credentials(&env) {
        Ok(creds) if creds.iter().all(|c| c.password.is_some()) => {
            Ok(Some(netwalker::run::WalkLauncher::new(s, creds)))
        }
        Ok(creds) => {
            let missing = creds.iter().find(|c| c.password.is_none());
            errln!(
                "netwalker serve: walks cannot be started from the browser: no password for {} (set its password_env or NETWALKER_PASSWORD)",
                missing.map_or("a credential set", |c| c.label.as_str())
            );
            Ok(None)
        }
        Err(config::ConfigError::NoCredentials) => Ok(None),
        Err(e) => Err(Usage(e.into()).into()),
    }
}

/// Serves `opts.store`, printing the URL (on stderr if `url_to_stderr`),
/// until Ctrl-C or SIGTERM (for `serve` and `demo --serve`).
#[cfg(feature = "serve")]
async fn serve_store(opts: netwalker::serve::ServeOptions, url_to_stderr: bool) -> Result<()> {
    use netwalker::serve;
    let server = serve::serve(&opts).await?;
    let users = serve::count_users(&opts).await?;
    let login =
        if users > 0 || !opts.listen.ip().is_loopback() || opts.auth == serve::AuthPolicy::Required
        {
            format!("login required, {users} user(s)")
        } else {
            "no login: the store has no users (netwalker user add)".to_string()
        };
    let line = format!(
        "netwalker serve: {} at http://{}/ ({login}; Ctrl-C to stop)",
        opts.store,
        server.local_addr()?
    );
    if url_to_stderr {
        errln!("{line}");
    } else {
        outln!("{line}")?;
    }
    if server.run(serve::shutdown_signal()).await? == serve::Stopped::GraceExpired {
        errln!("netwalker serve: requests still open after the grace period were cut off");
    }
    Ok(())
}

/// Opens the store for a user or token change: the single writer, so a
/// walk running on it makes this fail at once, saying which.
#[cfg(feature = "serve")]
fn account_store(text: &str) -> Result<netwalker::store::StoreWriter> {
    let location = store_location(text)?;
    netwalker::store::StoreWriter::open(location.clone())
        .with_context(|| format!("cannot open the store {location} to change users"))
}

#[cfg(feature = "serve")]
fn account_name(s: &str) -> Result<netwalker::auth::Name> {
    netwalker::auth::Name::new(s).map_err(|e| Usage(e.into()).into())
}

/// Store errors that are the caller's mistake (no such user...) exit 2.
#[cfg(feature = "serve")]
fn account_error(e: netwalker::store::StoreError) -> anyhow::Error {
    use netwalker::store::StoreError as E;
    match e {
        E::UserExists(_) | E::UnknownUser(_) | E::TokenExists(_) | E::UnknownToken(_) => {
            Usage(e.into()).into()
        }
        other => other.into(),
    }
}

/// A new password: from `--password-env VAR`, or typed twice at a prompt
/// that does not echo. Never from a plain argument.
#[cfg(feature = "serve")]
fn new_password(env: Option<&str>, user: &str) -> Result<secrecy::SecretString> {
    use secrecy::ExposeSecret;
    if let Some(var) = env {
        return std::env::var(var)
            .map(Into::into)
            .map_err(|_| Usage(anyhow::anyhow!("--password-env: {var} is not set")).into());
    }
    if !std::io::stdin().is_terminal() {
        return Err(Usage(anyhow::anyhow!(
            "no password for {user}: run on a terminal to be asked, or pass --password-env VAR"
        ))
        .into());
    }
    let first: secrecy::SecretString = rpassword::prompt_password(format!("Password for {user}: "))
        .context("cannot read the password")?
        .into();
    let again: secrecy::SecretString = rpassword::prompt_password("Again: ")
        .context("cannot read the password")?
        .into();
    if first.expose_secret() != again.expose_secret() {
        return Err(Usage(anyhow::anyhow!("the passwords differ; nothing changed")).into());
    }
    Ok(first)
}

/// Hashes off the runtime (argon2 takes a while by design).
#[cfg(feature = "serve")]
async fn hashed(password: secrecy::SecretString) -> Result<netwalker::auth::PasswordHash> {
    tokio::task::spawn_blocking(move || netwalker::auth::hash_password(&password))
        .await?
        .map_err(|e| Usage(e.into()).into())
}

/// `netwalker user ...`.
#[cfg(feature = "serve")]
async fn user_cmd(action: UserAction) -> Result<ExitCode> {
    use netwalker::stamp::format_time;
    match action {
        UserAction::Add {
            name,
            role,
            account,
        } => {
            let name = account_name(&name)?;
            let role: netwalker::auth::Role = role
                .parse()
                .map_err(|e: netwalker::auth::AuthError| Usage(e.into()))?;
            let mut w = account_store(&account.store.store)?;
            let pw = new_password(account.password_env.as_deref(), name.as_str())?;
            w.add_user(&name, role, &hashed(pw).await?)
                .map_err(account_error)?;
            errln!("netwalker: added {role} {name}");
        }
        UserAction::List { store } => {
            let r = open_store(&store.store)?;
            for u in r.users()? {
                outln!(
                    "{}\t{}\tadded {}\tchanged {}",
                    u.name,
                    u.role,
                    format_time(u.created),
                    format_time(u.updated)
                )?;
            }
        }
        UserAction::Remove { name, store } => {
            let name = account_name(&name)?;
            account_store(&store.store)?
                .remove_user(&name)
                .map_err(account_error)?;
            errln!("netwalker: removed {name} and their tokens");
        }
        UserAction::Passwd { name, account } => {
            let name = account_name(&name)?;
            let mut w = account_store(&account.store.store)?;
            if w.read().user_credentials(name.as_str())?.is_none() {
                return Err(account_error(netwalker::store::StoreError::UnknownUser(
                    name.to_string(),
                )));
            }
            let pw = new_password(account.password_env.as_deref(), name.as_str())?;
            w.set_password(&name, &hashed(pw).await?)
                .map_err(account_error)?;
            errln!("netwalker: changed the password of {name}; their sessions have ended");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `netwalker token ...`.
#[cfg(feature = "serve")]
fn token_cmd(action: TokenAction) -> Result<ExitCode> {
    use netwalker::stamp::format_time;
    use secrecy::ExposeSecret;
    match action {
        TokenAction::Add { name, user, store } => {
            let name = account_name(&name)?;
            let user = account_name(&user)?;
            let mut w = account_store(&store.store)?;
            let token = netwalker::auth::generate_token()?;
            w.add_token(&name, &user, &token.hash)
                .map_err(account_error)?;
            // The one time the token is shown; only its hash is kept. A
            // reader that has gone is an error here: the token would be
            // valid and nobody would ever see it.
            let shown = {
                use std::io::Write;
                let mut out = std::io::stdout().lock();
                writeln!(out, "{}", token.secret.expose_secret()).and_then(|()| out.flush())
            };
            shown.with_context(|| {
                format!(
                    "token {name} was added but could not be shown; remove it (netwalker token remove {name}) and add it again"
                )
            })?;
            errln!(
                "netwalker: token {name} acts as {user}; it is shown once, keep it now (send it as Authorization: Bearer <token>)"
            );
        }
        TokenAction::List { store } => {
            for t in open_store(&store.store)?.tokens()? {
                outln!("{}\t{}\tadded {}", t.name, t.user, format_time(t.created))?;
            }
        }
        TokenAction::Remove { name, store } => {
            let name = account_name(&name)?;
            account_store(&store.store)?
                .remove_token(&name)
                .map_err(account_error)?;
            errln!("netwalker: removed token {name}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The sync's options: flags over the config's `[netbox]` and `store`.
#[cfg(feature = "netbox")]
fn netbox_options(
    global: Option<&PathBuf>,
    a: &NetboxArgs,
) -> Result<netwalker::netbox::SyncOptions> {
    use netwalker::netbox::{DesiredOptions, InterfaceScope, SyncOptions, Token};
    let (_, file) = config::load_config(global.map(|p| p.as_path()), &ConfigPaths::from_env())
        .map_err(|e| Usage(e.into()))?;
    let flags = config::NetboxConfig {
        url: a.url.clone(),
        token_env: a.token_env.clone(),
        tag: a.tag.clone(),
        site_pattern: a.site_pattern.clone(),
        default_site: a.default_site.clone(),
        interfaces: a.interfaces.clone(),
        timeout: a.timeout,
    };
    let n = file.netbox.clone().unwrap_or_default().merge(flags);
    let usage = |m: String| -> anyhow::Error { Usage(anyhow::anyhow!(m)).into() };
    let url = n
        .url
        .ok_or_else(|| usage("no NetBox URL: pass --url or set url in [netbox]".into()))?;
    let var = n.token_env.ok_or_else(|| {
        usage("no token variable: pass --token-env VAR (the variable holding the API token) or set token_env in [netbox]".into())
    })?;
    let token = Token::from_env(&var).map_err(|e| Usage(e.into()))?;
    let tag = n.tag.unwrap_or_else(|| "netwalker".into());
    if tag.is_empty()
        || !tag
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    {
        return Err(usage(format!(
            "invalid tag {tag:?}: a NetBox slug (lower-case letters, digits, - and _)"
        )));
    }
    let interfaces = match n.interfaces.as_deref() {
        None | Some("all") => InterfaceScope::All,
        Some("linked") => InterfaceScope::Linked,
        Some(other) => {
            return Err(usage(format!(
                "invalid netbox.interfaces {other:?}: all or linked"
            )));
        }
    };
    let store = match a.store.as_deref() {
        Some(text) => store_location(text)?,
        None => file
            .store
            .unwrap_or_else(|| PathBuf::from(config::DEFAULT_STORE).into()),
    };
    if let Some(path) = store.sqlite_path()
        && !path.exists()
    {
        return Err(usage(format!(
            "no inventory store at {}: run `netwalker discover` first or pass --store",
            path.display()
        )));
    }
    if let Some(p) = &n.site_pattern {
        netwalker::site::SitePattern::new(p).map_err(|e| Usage(e.into()))?;
    }
    Ok(SyncOptions {
        url,
        token,
        store,
        dry_run: a.dry_run,
        prune: a.prune,
        site_pattern: n.site_pattern,
        tag,
        desired: DesiredOptions {
            default_site: n.default_site.unwrap_or_else(|| "netwalker".into()),
            interfaces,
        },
        timeout: n.timeout.unwrap_or(Duration::from_secs(60)),
    })
}

/// `netwalker sync netbox`: plans, prints (dry run) or applies, and says
/// what happened; exit 1 when conflicts were reported.
#[cfg(feature = "netbox")]
async fn netbox_cmd(global: Option<&PathBuf>, a: &NetboxArgs) -> Result<ExitCode> {
    use netwalker::netbox::{render, sync};
    let opts = netbox_options(global, a)?;
    let start = std::time::Instant::now();
    let quiet = a.quiet;
    let progress = move |phase: &str| {
        if !quiet {
            errln!(
                "netwalker sync netbox: [{:>5.1}s] {phase}",
                start.elapsed().as_secs_f64()
            );
        }
    };
    let r = sync::sync(&opts, &progress).await?;
    if a.dry_run {
        out!("{}", render::table(&r.plan, a.verbose))?;
    } else {
        for s in r
            .plan
            .steps
            .iter()
            .filter(|s| matches!(s.action, netwalker::netbox::Action::Conflict))
        {
            outln!(
                "conflict: {} {}: {}",
                s.kind,
                term::safe(&s.label),
                term::safe(&s.detail)
            )?;
        }
    }
    for n in r.notes.iter().take(20) {
        errln!("netwalker sync netbox: note: {}", term::safe(n));
    }
    if r.notes.len() > 20 {
        errln!(
            "netwalker sync netbox: ... and {} more notes",
            r.notes.len() - 20
        );
    }
    let t = r.plan.totals();
    outln!(
        "NetBox {}: {} ({}): {}; {} change(s) written; read+plan {:.1}s, write {:.1}s",
        term::safe(&r.netbox_version),
        if r.applied {
            "synced"
        } else {
            "dry run, nothing written"
        },
        term::safe(&opts.url),
        render::totals_line(&t),
        r.writes,
        r.read_time.as_secs_f64(),
        r.write_time.as_secs_f64()
    )?;
    Ok(if t.conflict > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `--store` (or `NETWALKER_STORE`) as a location; a bad URL is a usage
/// error whose message never quotes the password (clap would quote the
/// value whole, hence the plain `String` argument).
fn store_location(text: &str) -> Result<StoreLocation> {
    StoreLocation::parse(text).map_err(|e| Usage(e.into()).into())
}

fn open_store(text: &str) -> Result<netwalker::store::StoreReader> {
    let location = store_location(text)?;
    if let Some(path) = location.sqlite_path()
        && !path.exists()
    {
        return Err(Usage(anyhow::anyhow!(
            "no inventory store at {}: run `netwalker discover` first or pass --store",
            path.display()
        ))
        .into());
    }
    netwalker::store::StoreReader::open(&location)
        .with_context(|| format!("cannot open the inventory store {location}"))
}

fn exit_for(s: &WalkSummary) -> ExitCode {
    if s.interrupted {
        ExitCode::from(130)
    } else {
        ExitCode::SUCCESS
    }
}

/// Credentials from settings and environment; prompts for a missing
/// password only on a terminal.
fn credentials(s: &Settings) -> Result<Vec<Credential>> {
    let env = |k: &str| std::env::var(k).ok();
    let mut creds = match s.credentials(&env) {
        Ok(c) => c,
        Err(config::ConfigError::NoCredentials) if std::io::stdin().is_terminal() => {
            let user = prompt_line("Username: ")?;
            vec![Credential {
                label: "prompt".into(),
                username: user,
                password: None,
                enable: None,
                scope: Vec::new(),
            }]
        }
        Err(e) => return Err(Usage(e.into()).into()),
    };
    for c in creds.iter_mut().filter(|c| c.password.is_none()) {
        if !std::io::stdin().is_terminal() {
            return Err(Usage(anyhow::anyhow!(
                "no password for {} ({}): set --password-env VAR or NETWALKER_PASSWORD",
                c.username,
                c.label
            ))
            .into());
        }
        let p = rpassword::prompt_password(format!("Password for {}: ", c.username))
            .context("cannot read the password")?;
        c.password = Some(p.into());
    }
    Ok(creds)
}

fn prompt_line(prompt: &str) -> Result<String> {
    use std::io::Write;
    err!("{prompt}");
    std::io::stderr().flush().ok();
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(line.trim().to_string())
}

/// The progress bar and the Ctrl-C handler. The bar reads the engine's
/// progress channel; Ctrl-C cancels the walk. Later Ctrl-Cs are ignored
/// (tokio keeps its handler installed): the stop they would hurry is
/// already bounded by the grace period plus the registry's forced close.
struct Ui {
    /// Draws the spinner; awaited by `finish` so the bar is gone before the summary prints.
    bar_task: tokio::task::JoinHandle<()>,
    /// Ends the spinner and the Ctrl-C watcher when the job is done.
    stop: CancellationToken,
}

impl Ui {
    async fn finish(self) {
        self.stop.cancel();
        let _ = self.bar_task.await;
    }
}

fn start_ui(quiet: bool) -> (CancellationToken, watch::Sender<WalkProgress>, Ui) {
    let cancel = CancellationToken::new();
    let stop = CancellationToken::new();
    {
        let cancel = cancel.clone();
        let stop = stop.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {
                    errln!("\nnetwalker: interrupted; finishing devices in flight, then closing every session");
                    cancel.cancel();
                }
                _ = stop.cancelled() => {}
            }
        });
    }
    let (tx, mut rx) = watch::channel(WalkProgress::default());
    let bar = if quiet {
        indicatif::ProgressBar::hidden()
    } else {
        let b = indicatif::ProgressBar::new_spinner();
        b.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {elapsed_precise} {msg}")
                .expect("static template"),
        );
        b.enable_steady_tick(Duration::from_millis(120));
        b
    };
    let stop2 = stop.clone();
    let bar_task = tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = stop2.cancelled() => break,
                r = rx.changed() => if r.is_err() { break },
            }
            let p = *rx.borrow_and_update();
            bar.set_message(format!(
                "walked {} | in flight {} | queued {} | failed {} | discovered {}",
                p.walked, p.in_flight, p.queued, p.failed, p.discovered
            ));
        }
        bar.finish_and_clear();
    });
    (cancel, tx, Ui { bar_task, stop })
}

fn print_summary(
    s: &WalkSummary,
    files: &[PathBuf],
    json: bool,
    extra: Option<serde_json::Value>,
) -> Result<()> {
    if json {
        return print_summary_json(s, files, extra);
    }
    let c = &s.counts;
    let secs = s.duration_ms as f64 / 1000.0;
    let state = if s.interrupted {
        " (interrupted)"
    } else if s.deadline_hit {
        " (stopped at the deadline)"
    } else {
        ""
    };
    outln!(
        "{} devices in {:.2} s{}: walked {}, failed {}, filtered {}, skipped {}, neighbor-only {}, duplicate {}",
        c.total(),
        secs,
        state,
        c.walked,
        c.failed,
        c.filtered,
        c.skipped,
        c.neighbor_only,
        c.duplicate
    )?;
    outln!("links: {}", s.links)?;
    print_walk_findings(s)?;
    if s.distributed {
        outln!(
            "sessions: the workers' (each prints its counts when it stops); devices walked again after a worker was lost: {}",
            s.jobs_reclaimed
        )?;
    } else {
        outln!(
            "sessions: opened {}, closed gracefully {}, force-closed {}, open at exit {}",
            s.sessions_opened,
            s.sessions_closed_gracefully,
            s.sessions_force_closed,
            s.sessions_open_at_exit
        )?;
    }
    if let Some(sim) = extra.as_ref().and_then(|e| e.get("simulator")) {
        outln!(
            "simulator: sessions opened {}, closed gracefully {}, dropped {}, open {}",
            sim["sessions_opened"],
            sim["sessions_closed_gracefully"],
            sim["sessions_dropped"],
            sim["sessions_open"]
        )?;
    }
    for f in files {
        outln!("wrote {}", f.display())?;
    }
    Ok(())
}

/// `--json`: the walk summary, the files, and `extra`'s keys on top.
fn print_summary_json(
    s: &WalkSummary,
    files: &[PathBuf],
    extra: Option<serde_json::Value>,
) -> Result<()> {
    let mut v = serde_json::to_value(s)?;
    v["files"] = serde_json::json!(files);
    if let Some(serde_json::Value::Object(m)) = extra {
        for (k, val) in m {
            v[k] = val;
        }
    }
    print_json(&v)
}

/// The summary lines for what deserves a look: unanswered commands, legacy
/// crypto, telnet; each only when it happened.
fn print_walk_findings(s: &WalkSummary) -> std::io::Result<()> {
    if s.devices_with_warnings > 0 {
        outln!(
            "warnings: {} walked device(s) could not answer every planned command (inventory.json `warnings`, Devices sheet)",
            s.devices_with_warnings
        )?;
    }
    if s.devices_legacy_crypto > 0 {
        outln!(
            "legacy crypto: {} device(s) offered only legacy SSH algorithms (inventory.json `legacy_crypto`)",
            s.devices_legacy_crypto
        )?;
    }
    if s.devices_over_telnet > 0 {
        outln!(
            "telnet: {} device(s) reached over telnet, which sends credentials in clear text",
            s.devices_over_telnet
        )?;
    }
    Ok(())
}

/// Pretty JSON on stdout, with the raw control characters `serde_json`
/// leaves in strings escaped (device strings go to a terminal).
fn print_json<T: serde::Serialize + ?Sized>(v: &T) -> Result<()> {
    outln!("{}", term::json(&serde_json::to_string_pretty(v)?))?;
    Ok(())
}

fn parse_cmd(a: &ParseArgs) -> Result<ExitCode> {
    let (platform, command, file) = (a.platform, &a.command, &a.file);
    let text = if file == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)?;
        s
    } else {
        let bytes = std::fs::read(file).with_context(|| format!("cannot read {file}"))?;
        String::from_utf8_lossy(&bytes).into_owned()
    };
    let parsed = device_parsers::parse(platform, command, &text)
        .map_err(|e| Usage(anyhow::Error::new(e)))?;
    match a.format {
        // The records are device output.
        ParseFormat::Json => print_json(&parsed)?,
        ParseFormat::Table => {
            for line in parsed.to_table().lines() {
                outln!("{}", term::safe(line))?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
