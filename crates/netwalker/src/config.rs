//! Configuration: TOML file, CLI overrides, effective settings, credentials.
//!
//! Two layers, on purpose:
//! - [`Config`] is *partial*: every option optional. A config file parses into
//!   one, and the CLI builds one from its flags; [`Config::merge`] lets the
//!   CLI's values win. Keeping "not given" distinct from "given the default"
//!   is what makes the override rule exact.
//! - [`Settings`] is *effective*: defaults applied and validated by
//!   [`Config::resolve`]. Its `Display` is `netwalker config show`, with
//!   secrets masked.
//!
//! Unknown keys are errors (`deny_unknown_fields`), reported with the key's
//! name and line: a misspelt `max_dept = 2` silently ignored would mean an
//! unbounded walk of someone's network.
//!
//! Secrets are held in [`SecretString`] and never printed: `Debug` redacts
//! them and `Display`/serialisation writes `********`.

use crate::filter::{Filter, FilterConfig, FilterError};
use crate::store::StoreLocation;
use ipnet::IpNet;
use regex::Regex;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::Duration;

/// Environment variables read for credentials.
pub const ENV_USERNAME: &str = "NETWALKER_USERNAME";
pub const ENV_PASSWORD: &str = "NETWALKER_PASSWORD";
pub const ENV_ENABLE: &str = "NETWALKER_ENABLE";

/// What masked secrets look like in output.
pub const MASK: &str = "********";

/// Configuration errors. Each says which file/key and what to do.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config file {path} does not exist (given with --config)")]
    NotFound { path: PathBuf },
    #[error("cannot read {what} {path}: {source}")]
    Read {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    /// Includes the offending key and line, e.g. ``unknown field `max_dept` ``.
    #[error("{what} {path}: {message}")]
    Parse {
        what: &'static str,
        path: PathBuf,
        message: String,
    },
    #[error("invalid {key}: {reason}")]
    Invalid { key: &'static str, reason: String },
    #[error(transparent)]
    Filter(#[from] FilterError),
    #[error(
        "{purpose} names the environment variable {var}, but it is not set; export it or change {purpose}"
    )]
    MissingEnv { var: String, purpose: String },
    #[error(
        "no credentials: pass --username with --password-env VAR, set NETWALKER_USERNAME and NETWALKER_PASSWORD, or list sets in a credentials file"
    )]
    NoCredentials,
}

/// When the legacy SSH algorithms (SHA-1 key exchange, ssh-rsa, CBC,
/// hmac-sha1) are offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LegacySshMode {
    /// Never: a device that offers nothing modern fails, and its failure
    /// names what it offered and the option that would connect.
    Off,
    /// Always, on every device.
    On,
    /// Modern first; a device that offers nothing modern is retried once
    /// with the legacy algorithms and marked `legacy_crypto`.
    #[default]
    Auto,
}

impl std::str::FromStr for LegacySshMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "off" | "false" | "no" => Ok(LegacySshMode::Off),
            "on" | "true" | "yes" => Ok(LegacySshMode::On),
            "auto" => Ok(LegacySshMode::Auto),
            other => Err(format!("legacy_ssh {other:?}: use off, on or auto")),
        }
    }
}

/// Accepts `"off" | "on" | "auto"` and, as older configs wrote it, a boolean.
impl<'de> Deserialize<'de> for LegacySshMode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Bool(bool),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Bool(true) => Ok(LegacySshMode::On),
            Raw::Bool(false) => Ok(LegacySshMode::Off),
            Raw::Text(t) => t.parse().map_err(serde::de::Error::custom),
        }
    }
}

/// How SSH host keys are checked, as the config file and `--host-key-policy`
/// spell it (`accept-new`, `strict`, `accept-any`). The session layer's
/// [`device_session::HostKeyPolicy`] also carries the known_hosts file:
/// [`HostKeyPolicySetting::session_policy`] builds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "kebab-case")]
pub enum HostKeyPolicySetting {
    /// Trust on first use: record unknown keys, refuse changed ones.
    #[default]
    AcceptNew,
    /// Only keys already in known_hosts.
    Strict,
    /// Accept anything (labs; insecure).
    AcceptAny,
}

impl HostKeyPolicySetting {
    /// The session layer's policy, checking against `known_hosts`.
    pub fn session_policy(self, known_hosts: PathBuf) -> device_session::HostKeyPolicy {
        match self {
            HostKeyPolicySetting::AcceptNew => {
                device_session::HostKeyPolicy::AcceptNew { known_hosts }
            }
            HostKeyPolicySetting::Strict => device_session::HostKeyPolicy::Strict { known_hosts },
            HostKeyPolicySetting::AcceptAny => device_session::HostKeyPolicy::Off,
        }
    }
}

/// One credential set as written in a config or credentials file.
#[derive(Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialSetConfig {
    /// Label for logs ("which set worked"); never the secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The login name this set offers.
    pub username: String,
    /// Inline password; prefer `password_env` so the file holds no secret.
    #[serde(
        default,
        serialize_with = "mask_opt",
        skip_serializing_if = "Option::is_none"
    )]
    /// Its password; never shown (`config show` prints `<set>`).
    pub password: Option<SecretString>,
    /// Name of the environment variable holding the password, so the file holds no secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_env: Option<String>,
    /// Inline enable secret (raises IOS `>` to `#`); prefer `enable_env`.
    #[serde(
        default,
        serialize_with = "mask_opt",
        skip_serializing_if = "Option::is_none"
    )]
    /// Its enable secret; never shown.
    pub enable: Option<SecretString>,
    /// Name of the environment variable holding the enable secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_env: Option<String>,
    /// Addresses this set may be offered to (`["10.0.0.0/8", "192.0.2.7"]`;
    /// a bare address is one host). Empty (the key absent): any address.
    /// Keeps a site's local password from being sent to every device a walk
    /// happens to reach, including ones an attacker put on the network.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "scope_list"
    )]
    /// Addresses it may be offered to (empty: any).
    pub scope: Vec<IpNet>,
}

impl CredentialSetConfig {
    /// Whether this set may be offered to a device at `ip`.
    pub fn in_scope(&self, ip: IpAddr) -> bool {
        scope_contains(&self.scope, ip)
    }
}

/// Whether `ip` is inside `scope`; an empty scope contains every address.
/// An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) counts as its IPv4
/// address, so the spelling of an address cannot widen or narrow a scope.
pub fn scope_contains(scope: &[IpNet], ip: IpAddr) -> bool {
    let mapped = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4),
        IpAddr::V4(_) => None,
    };
    scope.is_empty()
        || scope
            .iter()
            .any(|net| net.contains(&ip) || mapped.is_some_and(|m| net.contains(&m)))
}

/// Parses one scope entry: a CIDR network or a bare address (one host).
pub fn parse_scope_entry(entry: &str) -> Result<IpNet, String> {
    let t = entry.trim();
    t.parse::<IpNet>()
        .or_else(|e| t.parse::<IpAddr>().map(IpNet::from).map_err(|_| e))
        .map_err(|e| {
            format!(
                "scope entry {entry:?} is not a CIDR network or an address ({e}); write e.g. \"10.0.0.0/8\" or \"192.0.2.7\""
            )
        })
}

fn scope_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<IpNet>, D::Error> {
    let entries = Vec::<String>::deserialize(d)?;
    if entries.is_empty() {
        return Err(serde::de::Error::custom(
            "scope is empty, so the set would never be used; remove `scope` to offer it to any address",
        ));
    }
    entries
        .iter()
        .map(|e| parse_scope_entry(e).map_err(serde::de::Error::custom))
        .collect()
}

impl fmt::Debug for CredentialSetConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialSetConfig")
            .field("name", &self.name)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| MASK))
            .field("password_env", &self.password_env)
            .field("enable", &self.enable.as_ref().map(|_| MASK))
            .field("enable_env", &self.enable_env)
            .field("scope", &self.scope)
            .finish()
    }
}

fn mask_opt<S: Serializer>(v: &Option<SecretString>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(_) => s.serialize_str(MASK),
        None => s.serialize_none(),
    }
}

/// Per-step deadlines. Every network await in a walk uses one of these.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TimeoutsConfig {
    /// TCP connect. Unset: [`TimeoutSettings`]'s default (as for every key here).
    #[serde(with = "duration_opt", skip_serializing_if = "Option::is_none")]
    pub connect: Option<Duration>,
    /// From connect to the banner: a port that accepts and says nothing.
    #[serde(with = "duration_opt", skip_serializing_if = "Option::is_none")]
    pub banner: Option<Duration>,
    /// Authentication with one credential set.
    #[serde(with = "duration_opt", skip_serializing_if = "Option::is_none")]
    pub auth: Option<Duration>,
    /// From login to the first prompt.
    #[serde(with = "duration_opt", skip_serializing_if = "Option::is_none")]
    pub prompt: Option<Duration>,
    /// Each command, sent to prompt.
    #[serde(with = "duration_opt", skip_serializing_if = "Option::is_none")]
    pub command: Option<Duration>,
    /// The goodbye at close, before the session is dropped.
    #[serde(with = "duration_opt", skip_serializing_if = "Option::is_none")]
    pub goodbye: Option<Duration>,
    /// Each DNS lookup (seed names, `dns-check`).
    #[serde(with = "duration_opt", skip_serializing_if = "Option::is_none")]
    pub dns: Option<Duration>,
    /// Whole-device budget (open to close).
    #[serde(with = "duration_opt", skip_serializing_if = "Option::is_none")]
    pub device: Option<Duration>,
    /// Whole-run deadline; none by default.
    #[serde(with = "duration_opt", skip_serializing_if = "Option::is_none")]
    pub run: Option<Duration>,
}

/// Effective deadlines: the session's per-step ones
/// ([`device_session::Timeouts`], built with `From`) plus the walk's own
/// (DNS, whole device, whole run).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimeoutSettings {
    /// TCP connect: an address that drops SYNs fails fast.
    #[serde(with = "duration_text")]
    pub connect: Duration,
    /// From connect to the banner: a port that accepts and says nothing.
    #[serde(with = "duration_text")]
    pub banner: Duration,
    /// Authentication with one credential set.
    #[serde(with = "duration_text")]
    pub auth: Duration,
    /// From login to the first prompt: a device that never prompts.
    #[serde(with = "duration_text")]
    pub prompt: Duration,
    /// Each command, sent to prompt: a command that never ends.
    #[serde(with = "duration_text")]
    pub command: Duration,
    /// The goodbye at close: a device that ignores `exit` is then dropped.
    #[serde(with = "duration_text")]
    pub goodbye: Duration,
    /// Each DNS lookup: a resolver that never answers.
    #[serde(with = "duration_text")]
    pub dns: Duration,
    /// Whole-device budget (open to close), so one device cannot hold its slot forever.
    #[serde(with = "duration_text")]
    pub device: Duration,
    /// Whole-run deadline; none by default.
    #[serde(with = "duration_opt", skip_serializing_if = "Option::is_none")]
    pub run: Option<Duration>,
}

impl Default for TimeoutSettings {
    fn default() -> Self {
        TimeoutSettings {
            connect: Duration::from_secs(10),
            banner: Duration::from_secs(10),
            auth: Duration::from_secs(15),
            prompt: Duration::from_secs(15),
            command: Duration::from_secs(30),
            goodbye: Duration::from_secs(2),
            dns: Duration::from_secs(5),
            device: Duration::from_secs(180),
            run: None,
        }
    }
}

/// The per-step deadlines a session needs; the walk keeps the rest.
impl From<&TimeoutSettings> for device_session::Timeouts {
    fn from(t: &TimeoutSettings) -> Self {
        device_session::Timeouts {
            connect: t.connect,
            banner: t.banner,
            auth: t.auth,
            prompt: t.prompt,
            command: t.command,
            goodbye: t.goodbye,
        }
    }
}

/// Every `discover` option, all optional. See the module docs.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Where the walk starts: hostnames or addresses.
    pub seeds: Option<Vec<String>>,
    /// Seeds from a file (CSV or one host per line), for long lists.
    pub seed_file: Option<PathBuf>,
    /// SSH port on every device (labs and jump hosts use others than 22).
    pub port: Option<u16>,
    /// Telnet port of the fallback.
    pub telnet_port: Option<u16>,
    /// User name of the first credential set (else `NETWALKER_USERNAME`).
    pub username: Option<String>,
    /// Name of the environment variable holding the password.
    pub password_env: Option<String>,
    /// Name of the environment variable holding the enable secret.
    pub enable_env: Option<String>,
    /// TOML file with `[[credentials]]` sets, tried after the primary one.
    pub credentials_file: Option<PathBuf>,
    /// Credential sets written in the config, tried after the primary one.
    pub credentials: Option<Vec<CredentialSetConfig>>,
    /// Devices worked on at once: bounds sessions, sockets and memory.
    pub concurrency: Option<usize>,
    /// How many neighbour hops from the seeds the walk goes.
    pub max_depth: Option<u32>,
    /// The inventory store: an SQLite file, or a `postgres://` URL.
    pub store: Option<StoreLocation>,
    /// Where inventory.json, reports and results go.
    pub out: Option<PathBuf>,
    /// Which neighbours are walked (hostnames, CIDRs, platforms, capabilities).
    pub filters: Option<FilterConfig>,
    /// Per-step deadlines; keys merge one by one with the CLI's.
    pub timeouts: Option<TimeoutsConfig>,
    /// Whether telnet is tried when SSH is refused or unreachable.
    pub telnet_fallback: Option<bool>,
    /// When legacy SSH algorithms are offered.
    pub legacy_ssh: Option<LegacySshMode>,
    /// Output one command may buffer, in MiB (see [`Settings::max_output_mib`]).
    pub max_output_mib: Option<u64>,
    /// How SSH host keys are checked.
    pub host_key_policy: Option<HostKeyPolicySetting>,
    /// The known_hosts file (default `~/.ssh/known_hosts`).
    pub known_hosts: Option<PathBuf>,
    /// How long devices in flight get after Ctrl-C or the deadline.
    #[serde(with = "duration_opt")]
    pub grace_period: Option<Duration>,
    /// Consecutive failures after which a device is skipped.
    pub failure_threshold: Option<u32>,
    /// Try devices whatever their failure count.
    pub ignore_failures: Option<bool>,
    /// Read MAC tables, ARP/ND caches and switchport state (end-host
    /// tracking); `false` skips them (`--no-endhosts`).
    pub endhosts: Option<bool>,
    /// Days the store keeps a MAC sighting or MAC-to-IP pair no walk has
    /// seen again (0: forever).
    pub endhost_retention_days: Option<u32>,
    /// Also walk devices last walked more than this many days ago.
    pub rewalk_stale_days: Option<u32>,
    /// Also walk neighbours the store knows but never walked.
    pub walk_unwalked: Option<bool>,
    /// Continue the last interrupted run.
    pub resume: Option<bool>,
    /// A JSON summary on stdout, for scripts.
    pub json: Option<bool>,
    /// No progress bar.
    pub quiet: Option<bool>,
    /// `[netbox]`: where and how `netwalker sync netbox` writes.
    pub netbox: Option<NetboxConfig>,
    /// `[[zones]]`: which workers of a distributed walk may walk which
    /// addresses (a worker inside each firewalled part of the network).
    pub zones: Option<Vec<Zone>>,
}

/// One `[[zones]]` entry: devices whose address falls in `cidrs` are
/// walked only by workers started with `--zone NAME`; devices in no zone
/// go to workers without one. The first zone that contains an address wins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Zone {
    /// What workers name with `--zone`.
    pub name: String,
    /// The zone's address ranges.
    pub cidrs: Vec<IpNet>,
}

/// Zones need a name and at least one range, and one name means one zone.
fn check_zones(zones: Vec<Zone>) -> Result<Vec<Zone>, ConfigError> {
    let mut names = std::collections::HashSet::new();
    for z in &zones {
        let bad = |reason: String| ConfigError::Invalid {
            key: "zones",
            reason,
        };
        if z.name.trim().is_empty() {
            return Err(bad("a zone has an empty name".into()));
        }
        if z.cidrs.is_empty() {
            return Err(bad(format!("zone {:?} lists no cidrs", z.name)));
        }
        if !names.insert(z.name.as_str()) {
            return Err(bad(format!("zone {:?} is defined twice", z.name)));
        }
    }
    Ok(zones)
}

/// The zone whose workers may walk `ip`, if any (the first that contains it).
pub fn zone_of(zones: &[Zone], ip: std::net::IpAddr) -> Option<&str> {
    zones
        .iter()
        .find(|z| z.cidrs.iter().any(|c| c.contains(&ip)))
        .map(|z| z.name.as_str())
}

/// The `[netbox]` table: defaults of `netwalker sync netbox` (its flags win).
/// Holds no secret: the token is read from the variable `token_env` names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NetboxConfig {
    /// NetBox's base URL, e.g. `http://127.0.0.1:8000`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Name of the environment variable holding the API token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_env: Option<String>,
    /// Tag (slug) on everything netwalker creates (default `netwalker`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// Sites from hostnames, as `--site-pattern` (glob, first `*` the site).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site_pattern: Option<String>,
    /// The site of devices no pattern places (default `netwalker`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_site: Option<String>,
    /// `all` (default) or `linked`: which interfaces are synced.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interfaces: Option<String>,
    /// Deadline of each API request (default 60s).
    #[serde(with = "duration_opt", skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
}

impl NetboxConfig {
    /// `over` wins key by key.
    pub fn merge(self, over: NetboxConfig) -> NetboxConfig {
        NetboxConfig {
            url: pick(self.url, over.url),
            token_env: pick(self.token_env, over.token_env),
            tag: pick(self.tag, over.tag),
            site_pattern: pick(self.site_pattern, over.site_pattern),
            default_site: pick(self.default_site, over.default_site),
            interfaces: pick(self.interfaces, over.interfaces),
            timeout: pick(self.timeout, over.timeout),
        }
    }
}

/// Effective settings: defaults applied, validated.
#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    /// Where the walk starts; may be empty with `seed_file` or `resume`.
    pub seeds: Vec<String>,
    /// Seeds from a file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed_file: Option<PathBuf>,
    /// SSH port on every device.
    pub port: u16,
    /// Telnet port of the fallback.
    pub telnet_port: u16,
    /// User name of the first credential set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Environment variable holding the first set's password.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_env: Option<String>,
    /// Environment variable holding the first set's enable secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_env: Option<String>,
    /// File of further `[[credentials]]` sets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credentials_file: Option<PathBuf>,
    /// Devices worked on at once (at least 1).
    pub concurrency: usize,
    /// `None`: unlimited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_depth: Option<u32>,
    /// The inventory store: an SQLite file, or a `postgres://` URL (shown
    /// with its password masked).
    pub store: StoreLocation,
    /// Where inventory.json, reports and results go.
    pub out: PathBuf,
    /// Whether telnet is tried when SSH is refused or unreachable (never under `strict` host keys).
    pub telnet_fallback: bool,
    /// When legacy SSH algorithms are offered.
    pub legacy_ssh: LegacySshMode,
    /// Output one command may buffer, in MiB, before the device fails as
    /// `output_too_large`: a device that streams forever must not take
    /// the machine's memory with it.
    pub max_output_mib: u64,
    /// How SSH host keys are checked.
    pub host_key_policy: HostKeyPolicySetting,
    /// The known_hosts file; `None`: `~/.ssh/known_hosts`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub known_hosts: Option<PathBuf>,
    /// How long devices in flight get after Ctrl-C or the deadline before a forced close.
    #[serde(with = "duration_text")]
    pub grace_period: Duration,
    /// Devices that failed this many consecutive times are skipped, unless
    /// `ignore_failures`.
    pub failure_threshold: u32,
    /// Try devices whatever their failure count.
    pub ignore_failures: bool,
    /// Read MAC tables, ARP/ND caches and switchport state on every
    /// walked device, for end-host tracking (default on).
    pub endhosts: bool,
    /// Each discover first drops MAC sightings and MAC-to-IP pairs no walk
    /// has seen for this many days (0: keeps them forever), so the history
    /// answers "where was it last month" without growing for ever.
    pub endhost_retention_days: u32,
    /// Also walk devices last walked more than this many days ago.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rewalk_stale_days: Option<u32>,
    /// Also walk neighbours the store knows but never walked.
    pub walk_unwalked: bool,
    /// Continue the last interrupted run.
    pub resume: bool,
    /// A JSON summary on stdout, for scripts.
    pub json: bool,
    /// No progress bar.
    pub quiet: bool,
    /// Every deadline of a walk.
    pub timeouts: TimeoutSettings,
    /// Which neighbours are walked.
    pub filters: FilterConfig,
    /// Credential sets from the config (secrets masked in `config show`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub credentials: Vec<CredentialSetConfig>,
    /// `[netbox]`, as written (the sync applies its own defaults).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub netbox: Option<NetboxConfig>,
    /// `[[zones]]` of distributed walks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub zones: Vec<Zone>,
}

/// Devices walked at once unless told otherwise. On a real network a walk
/// is as fast as the devices it keeps in flight (each takes seconds: the
/// handshake on a slow switch CPU, 50-400 ms per command); `bench
/// walk-latency` on a 10,000-device lab with such delays walked 3.5-3.8x
/// faster at 128 than at 32 with flat memory, and 128 sockets stay far
/// inside a 1,024 open-file limit. What users hit first is their AAA
/// (TACACS+/RADIUS) server: one login per device, an authorisation per
/// command; raise it (`--concurrency`, `concurrency =`) when that copes.
pub const DEFAULT_CONCURRENCY: usize = 128;
pub const DEFAULT_GRACE: Duration = Duration::from_secs(2);
pub const DEFAULT_FAILURE_THRESHOLD: u32 = 3;
/// Days end-host rows are kept after they were last seen (a quarter).
pub const DEFAULT_ENDHOST_RETENTION_DAYS: u32 = 90;
pub const DEFAULT_STORE: &str = "netwalker.db";
pub const DEFAULT_OUT: &str = "netwalker-out";

/// Where config files are looked for; injectable so tests don't depend on
/// the real home directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigPaths {
    /// The directory `./netwalker.toml` is looked for in.
    pub cwd: PathBuf,
    /// `$XDG_CONFIG_HOME`, the user config dir when set.
    pub xdg_config_home: Option<PathBuf>,
    /// `$HOME`, for `~/.config` when `XDG_CONFIG_HOME` is not set.
    pub home: Option<PathBuf>,
}

impl ConfigPaths {
    /// From the process environment.
    pub fn from_env() -> ConfigPaths {
        let nonempty = |v: &str| {
            std::env::var_os(v)
                .filter(|s| !s.is_empty())
                .map(PathBuf::from)
        };
        ConfigPaths {
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            xdg_config_home: nonempty("XDG_CONFIG_HOME"),
            home: nonempty("HOME"),
        }
    }

    /// Search order: `./netwalker.toml`, then the user config dir
    /// (`$XDG_CONFIG_HOME/netwalker/config.toml`, else
    /// `~/.config/netwalker/config.toml`).
    pub fn candidates(&self) -> Vec<PathBuf> {
        let mut out = vec![self.cwd.join("netwalker.toml")];
        let user_dir = self
            .xdg_config_home
            .clone()
            .or_else(|| self.home.as_ref().map(|h| h.join(".config")));
        if let Some(dir) = user_dir {
            out.push(dir.join("netwalker").join("config.toml"));
        }
        out
    }
}

/// Loads the config: `explicit` (`--config`) must exist; otherwise the first
/// existing candidate, or an empty config when there is none. Returns the
/// path actually used, for `config show`.
pub fn load_config(
    explicit: Option<&Path>,
    paths: &ConfigPaths,
) -> Result<(Option<PathBuf>, Config), ConfigError> {
    if let Some(p) = explicit {
        if !p.exists() {
            return Err(ConfigError::NotFound {
                path: p.to_path_buf(),
            });
        }
        return Ok((Some(p.to_path_buf()), Config::load(p)?));
    }
    for p in paths.candidates() {
        if p.is_file() {
            let cfg = Config::load(&p)?;
            return Ok((Some(p), cfg));
        }
    }
    Ok((None, Config::default()))
}

fn read(what: &'static str, path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        what,
        path: path.to_path_buf(),
        source,
    })
}

impl Config {
    /// Reads and parses a config file; warns (log) when it holds inline
    /// secrets and other users can read it.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let cfg = Config::from_toml(&read("config file", path)?, path)?;
        if cfg.holds_secrets()
            && let Some(w) = secrets_file_warning(path)
        {
            tracing::warn!("{w}");
        }
        Ok(cfg)
    }

    /// Whether any credential set has an inline password or enable secret.
    pub fn holds_secrets(&self) -> bool {
        self.credentials
            .iter()
            .flatten()
            .any(|c| c.password.is_some() || c.enable.is_some())
    }

    /// Parses TOML; `path` is for messages.
    pub fn from_toml(text: &str, path: &Path) -> Result<Config, ConfigError> {
        toml::from_str(text).map_err(|e| parse_error("config file", path, text, &e))
    }

    /// `over` wins wherever it says something. Used as
    /// `file_config.merge(cli_config)`. Tables merge key by key (a CLI
    /// `--max-depth` does not discard the file's `[timeouts]`); lists are
    /// replaced whole, so the CLI can narrow a filter the file set.
    pub fn merge(self, over: Config) -> Config {
        let filters = match (self.filters, over.filters) {
            (None, f) | (f, None) => f,
            (Some(b), Some(o)) => Some(merge_filters(b, o)),
        };
        let timeouts = match (self.timeouts, over.timeouts) {
            (None, t) | (t, None) => t,
            (Some(b), Some(o)) => Some(merge_timeouts(b, o)),
        };
        Config {
            seeds: pick(self.seeds, over.seeds),
            seed_file: pick(self.seed_file, over.seed_file),
            port: pick(self.port, over.port),
            telnet_port: pick(self.telnet_port, over.telnet_port),
            username: pick(self.username, over.username),
            password_env: pick(self.password_env, over.password_env),
            enable_env: pick(self.enable_env, over.enable_env),
            credentials_file: pick(self.credentials_file, over.credentials_file),
            credentials: pick(self.credentials, over.credentials),
            concurrency: pick(self.concurrency, over.concurrency),
            max_depth: pick(self.max_depth, over.max_depth),
            store: pick(self.store, over.store),
            out: pick(self.out, over.out),
            filters,
            timeouts,
            telnet_fallback: pick(self.telnet_fallback, over.telnet_fallback),
            legacy_ssh: pick(self.legacy_ssh, over.legacy_ssh),
            max_output_mib: pick(self.max_output_mib, over.max_output_mib),
            host_key_policy: pick(self.host_key_policy, over.host_key_policy),
            known_hosts: pick(self.known_hosts, over.known_hosts),
            grace_period: pick(self.grace_period, over.grace_period),
            failure_threshold: pick(self.failure_threshold, over.failure_threshold),
            ignore_failures: pick(self.ignore_failures, over.ignore_failures),
            endhosts: pick(self.endhosts, over.endhosts),
            endhost_retention_days: pick(self.endhost_retention_days, over.endhost_retention_days),
            rewalk_stale_days: pick(self.rewalk_stale_days, over.rewalk_stale_days),
            walk_unwalked: pick(self.walk_unwalked, over.walk_unwalked),
            resume: pick(self.resume, over.resume),
            json: pick(self.json, over.json),
            quiet: pick(self.quiet, over.quiet),
            netbox: match (self.netbox, over.netbox) {
                (None, n) | (n, None) => n,
                (Some(b), Some(o)) => Some(b.merge(o)),
            },
            zones: pick(self.zones, over.zones),
        }
    }

    /// Applies defaults and validates.
    pub fn resolve(self) -> Result<Settings, ConfigError> {
        let concurrency = self.concurrency.unwrap_or(DEFAULT_CONCURRENCY);
        check_counts_and_ports(concurrency, self.port, self.telnet_port)?;
        let filters = self.filters.unwrap_or_default();
        Filter::new(&filters)?;
        let timeouts = resolve_timeouts(self.timeouts.unwrap_or_default())?;
        check_env_names(&self.password_env, &self.enable_env)?;
        Ok(Settings {
            seeds: self.seeds.unwrap_or_default(),
            seed_file: self.seed_file,
            port: self.port.unwrap_or(22),
            telnet_port: self.telnet_port.unwrap_or(23),
            username: self.username,
            password_env: self.password_env,
            enable_env: self.enable_env,
            credentials_file: self.credentials_file,
            concurrency,
            max_depth: self.max_depth,
            store: self
                .store
                .unwrap_or_else(|| StoreLocation::Sqlite(PathBuf::from(DEFAULT_STORE))),
            out: self.out.unwrap_or_else(|| PathBuf::from(DEFAULT_OUT)),
            telnet_fallback: self.telnet_fallback.unwrap_or(true),
            legacy_ssh: self.legacy_ssh.unwrap_or_default(),
            max_output_mib: self
                .max_output_mib
                .unwrap_or((device_session::DEFAULT_MAX_OUTPUT >> 20) as u64)
                .max(1),
            host_key_policy: self.host_key_policy.unwrap_or_default(),
            known_hosts: self.known_hosts,
            grace_period: self.grace_period.unwrap_or(DEFAULT_GRACE),
            failure_threshold: self.failure_threshold.unwrap_or(DEFAULT_FAILURE_THRESHOLD),
            ignore_failures: self.ignore_failures.unwrap_or(false),
            endhosts: self.endhosts.unwrap_or(true),
            endhost_retention_days: self
                .endhost_retention_days
                .unwrap_or(DEFAULT_ENDHOST_RETENTION_DAYS),
            rewalk_stale_days: self.rewalk_stale_days,
            walk_unwalked: self.walk_unwalked.unwrap_or(false),
            resume: self.resume.unwrap_or(false),
            json: self.json.unwrap_or(false),
            quiet: self.quiet.unwrap_or(false),
            timeouts,
            filters,
            credentials: self.credentials.unwrap_or_default(),
            netbox: self.netbox,
            zones: check_zones(self.zones.unwrap_or_default())?,
        })
    }
}

/// Merges the filter tables: each list of `over` replaces the base's
/// unless it is empty, so the CLI can narrow a filter the file set.
fn merge_filters(b: FilterConfig, o: FilterConfig) -> FilterConfig {
    fn list<T>(base: Vec<T>, over: Vec<T>) -> Vec<T> {
        if over.is_empty() { base } else { over }
    }
    FilterConfig {
        hostname_include: list(b.hostname_include, o.hostname_include),
        hostname_exclude: list(b.hostname_exclude, o.hostname_exclude),
        cidr_include: list(b.cidr_include, o.cidr_include),
        cidr_exclude: list(b.cidr_exclude, o.cidr_exclude),
        platform_exclude: list(b.platform_exclude, o.platform_exclude),
        capability_exclude: list(b.capability_exclude, o.capability_exclude),
    }
}

/// Merges the `[timeouts]` tables key by key, `o` winning.
fn merge_timeouts(b: TimeoutsConfig, o: TimeoutsConfig) -> TimeoutsConfig {
    TimeoutsConfig {
        connect: pick(b.connect, o.connect),
        banner: pick(b.banner, o.banner),
        auth: pick(b.auth, o.auth),
        prompt: pick(b.prompt, o.prompt),
        command: pick(b.command, o.command),
        goodbye: pick(b.goodbye, o.goodbye),
        dns: pick(b.dns, o.dns),
        device: pick(b.device, o.device),
        run: pick(b.run, o.run),
    }
}

/// `over` when it says something, else `base`: the merge rule of every key.
fn pick<T>(base: Option<T>, over: Option<T>) -> Option<T> {
    over.or(base)
}

/// A value the config gives but that cannot work, and why.
fn invalid(key: &'static str, reason: &str) -> ConfigError {
    ConfigError::Invalid {
        key,
        reason: reason.to_string(),
    }
}

/// At least one device at once; ports 1-65535.
fn check_counts_and_ports(
    concurrency: usize,
    port: Option<u16>,
    telnet_port: Option<u16>,
) -> Result<(), ConfigError> {
    if concurrency == 0 {
        return Err(invalid("concurrency", "must be at least 1"));
    }
    if port == Some(0) {
        return Err(invalid("port", "must be 1-65535"));
    }
    if telnet_port == Some(0) {
        return Err(invalid("telnet_port", "must be 1-65535"));
    }
    Ok(())
}

/// The `[timeouts]` table with defaults applied; every deadline must be
/// longer than zero.
fn resolve_timeouts(t: TimeoutsConfig) -> Result<TimeoutSettings, ConfigError> {
    let d = TimeoutSettings::default();
    let timeouts = TimeoutSettings {
        connect: t.connect.unwrap_or(d.connect),
        banner: t.banner.unwrap_or(d.banner),
        auth: t.auth.unwrap_or(d.auth),
        prompt: t.prompt.unwrap_or(d.prompt),
        command: t.command.unwrap_or(d.command),
        goodbye: t.goodbye.unwrap_or(d.goodbye),
        dns: t.dns.unwrap_or(d.dns),
        device: t.device.unwrap_or(d.device),
        run: t.run,
    };
    for (key, v) in [
        ("timeouts.connect", timeouts.connect),
        ("timeouts.banner", timeouts.banner),
        ("timeouts.auth", timeouts.auth),
        ("timeouts.prompt", timeouts.prompt),
        ("timeouts.command", timeouts.command),
        ("timeouts.goodbye", timeouts.goodbye),
        ("timeouts.dns", timeouts.dns),
        ("timeouts.device", timeouts.device),
    ] {
        if v.is_zero() {
            return Err(invalid(key, "must be longer than zero"));
        }
    }
    if timeouts.run.is_some_and(|r| r.is_zero()) {
        return Err(invalid("timeouts.run", "must be longer than zero"));
    }
    Ok(timeouts)
}

/// A variable name given for a secret must not be blank.
fn check_env_names(
    password_env: &Option<String>,
    enable_env: &Option<String>,
) -> Result<(), ConfigError> {
    for (key, var) in [("password_env", password_env), ("enable_env", enable_env)] {
        if var.as_deref().is_some_and(|v| v.trim().is_empty()) {
            return Err(invalid(
                key,
                "is empty; give the name of an environment variable",
            ));
        }
    }
    Ok(())
}

/// `netwalker config show`: the effective settings as TOML, secrets masked.
impl fmt::Display for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = toml::to_string(self).map_err(|_| fmt::Error)?;
        f.write_str(&text)
    }
}

/// A ready-to-use credential set.
#[derive(Clone)]
pub struct Credential {
    /// Where it came from, for logs: `--username`, `NETWALKER_USERNAME`,
    /// `credentials[2]`, or the set's own name.
    pub label: String,
    /// The login name.
    pub username: String,
    /// `None`: the CLI must prompt for it (interactive) or give up.
    pub password: Option<SecretString>,
    /// Raises IOS `>` to `#` after login.
    pub enable: Option<SecretString>,
    /// Where the set may be offered (see [`CredentialSetConfig::scope`]);
    /// empty: any address.
    pub scope: Vec<IpNet>,
}

impl Credential {
    /// Whether this set may be offered to a device at `ip`.
    pub fn in_scope(&self, ip: IpAddr) -> bool {
        scope_contains(&self.scope, ip)
    }
}

/// The sets that may be offered to a device at `ip`, in their order.
pub fn offered_to(creds: &[Credential], ip: IpAddr) -> impl Iterator<Item = &Credential> {
    creds.iter().filter(move |c| c.in_scope(ip))
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("label", &self.label)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| MASK))
            .field("enable", &self.enable.as_ref().map(|_| MASK))
            .field("scope", &self.scope)
            .finish()
    }
}

/// The `[[credentials]]` file format.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CredentialsFile {
    /// The sets, tried in file order.
    #[serde(default)]
    credentials: Vec<CredentialSetConfig>,
}

/// Reads a credentials file: `[[credentials]]` tables with `username` and
/// `password` or `password_env` (and optionally `enable`/`enable_env`, `name`).
pub fn read_credentials_file(path: &Path) -> Result<Vec<CredentialSetConfig>, ConfigError> {
    let text = read("credentials file", path)?;
    let f: CredentialsFile =
        toml::from_str(&text).map_err(|e| parse_error("credentials file", path, &text, &e))?;
    if let Some(w) = secrets_file_warning(path) {
        tracing::warn!("{w}");
    }
    Ok(f.credentials)
}

/// What stands in for a secret in an error message.
const HIDDEN: &str = "<hidden>";

/// `key = value` where the key looks like it holds a secret; the value is
/// group 2 (quoted, possibly unterminated, or bare up to a separator).
static SECRET_ASSIGNMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?im)([a-z0-9_-]*(?:password|passwd|secret|enable|passphrase|token)[a-z0-9_-]*)["']?[ \t]*=[ \t]*("(?:[^"\\\n]|\\.)*"?|'[^'\n]*'?|[^,}\]\n#]*)"#,
    )
    .expect("literal regex")
});

/// A TOML error as a message that never echoes the file. toml's own
/// rendering quotes the offending line, which in a config or credentials
/// file may be a password; this keeps the position and the key and drops
/// the line, and blanks from toml's message any value of a secret-looking
/// key anywhere in the file (`password = 12345` is "invalid type: integer").
fn parse_error(what: &'static str, path: &Path, text: &str, e: &toml::de::Error) -> ConfigError {
    let mut message = e.message().trim_end().to_string();
    let mut secrets: Vec<&str> = Vec::new();
    for c in SECRET_ASSIGNMENT.captures_iter(text) {
        let raw = c.get(2).map_or("", |m| m.as_str()).trim();
        let inner = raw.trim_matches(|c| c == '"' || c == '\'');
        secrets.push(raw);
        if inner.chars().count() >= 2 {
            secrets.push(inner);
        }
    }
    secrets.retain(|v| !v.is_empty());
    secrets.sort_by_key(|v| std::cmp::Reverse(v.len()));
    for v in secrets {
        message = message.replace(v, HIDDEN);
    }
    if let Some(span) = e.span() {
        let before = text.get(..span.start).unwrap_or(text);
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let line = before.matches('\n').count() + 1;
        let column = before[line_start..].chars().count() + 1;
        let key = text[line_start..]
            .lines()
            .next()
            .and_then(key_of_line)
            .map(|k| format!(", key `{k}`"))
            .unwrap_or_default();
        message = format!("line {line}, column {column}{key}: {message}");
    }
    ConfigError::Parse {
        what,
        path: path.to_path_buf(),
        message,
    }
}

/// The key of a `key = value` line, if the text before `=` looks like one.
fn key_of_line(line: &str) -> Option<&str> {
    let (key, _) = line.split_once('=')?;
    let key = key.trim();
    let ok = |c: char| c.is_ascii_alphanumeric() || "_-.\"'".contains(c);
    (!key.is_empty() && key.len() <= 64 && key.chars().all(ok)).then_some(key)
}

/// A warning when `path` holds secrets but other users may read it (unix
/// mode bits for group or others), naming the file and the fix.
pub fn secrets_file_warning(path: &Path) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
        (mode & 0o044 != 0).then(|| {
            format!(
                "{} holds secrets but is readable by {} (mode {mode:03o}); run `chmod 600 {}`",
                path.display(),
                if mode & 0o004 != 0 {
                    "every user"
                } else {
                    "its group"
                },
                path.display()
            )
        })
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

impl Settings {
    /// The credential sets to try, in order:
    /// 1. `username` (else `NETWALKER_USERNAME`) with the password from
    ///    `password_env` (else `NETWALKER_PASSWORD`) and enable from
    ///    `enable_env` (else `NETWALKER_ENABLE`);
    /// 2. the config's `[[credentials]]`;
    /// 3. the credentials file's sets.
    ///
    /// `env` is the environment lookup (`|k| std::env::var(k).ok()` in the
    /// binary; a map in tests, because mutating the real environment races
    /// other tests). A named variable that is unset is an error, not a silent
    /// fallback: the user asked for that variable.
    pub fn credentials(
        &self,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Vec<Credential>, ConfigError> {
        let mut out: Vec<Credential> = self.primary_credential(env)?.into_iter().collect();
        for (where_, c) in self.credential_sets()? {
            out.push(credential_from_set(&where_, &c, env)?);
        }
        if out.is_empty() {
            return Err(ConfigError::NoCredentials);
        }
        Ok(out)
    }

    /// The set from `username` (else `NETWALKER_USERNAME`) and the
    /// password and enable variables, when a user name is given at all.
    fn primary_credential(
        &self,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<Credential>, ConfigError> {
        let (username, label) = match &self.username {
            Some(u) => (Some(u.clone()), "--username"),
            None => (env(ENV_USERNAME), ENV_USERNAME),
        };
        let Some(username) = username else {
            return Ok(None);
        };
        let password = match &self.password_env {
            Some(var) => Some(env_secret(env, var, "password_env".into())?),
            None => env(ENV_PASSWORD).map(SecretString::from),
        };
        let enable = match &self.enable_env {
            Some(var) => Some(env_secret(env, var, "enable_env".into())?),
            None => env(ENV_ENABLE).map(SecretString::from),
        };
        Ok(Some(Credential {
            label: label.to_string(),
            username,
            password,
            enable,
            scope: Vec::new(),
        }))
    }

    /// The config's `[[credentials]]`, then the credentials file's, each
    /// with where it was written (for messages and labels).
    fn credential_sets(&self) -> Result<Vec<(String, CredentialSetConfig)>, ConfigError> {
        let mut sets: Vec<(String, CredentialSetConfig)> = self
            .credentials
            .iter()
            .enumerate()
            .map(|(i, c)| (format!("credentials[{i}]"), c.clone()))
            .collect();
        if let Some(path) = &self.credentials_file {
            sets.extend(
                read_credentials_file(path)?
                    .into_iter()
                    .enumerate()
                    .map(|(i, c)| (format!("{}[{i}]", path.display()), c)),
            );
        }
        Ok(sets)
    }
}

/// The secret in the environment variable `var`; unset is an error naming
/// `purpose` (the key that named the variable).
fn env_secret(
    env: &dyn Fn(&str) -> Option<String>,
    var: &str,
    purpose: String,
) -> Result<SecretString, ConfigError> {
    env(var)
        .map(SecretString::from)
        .ok_or_else(|| ConfigError::MissingEnv {
            var: var.to_string(),
            purpose,
        })
}

/// One written set, checked (a user name; no mask copied from `config
/// show`), its secrets taken inline or from their variables.
fn credential_from_set(
    where_: &str,
    c: &CredentialSetConfig,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Credential, ConfigError> {
    let label = c.name.clone().unwrap_or_else(|| where_.to_string());
    if c.username.trim().is_empty() {
        return Err(ConfigError::Invalid {
            key: "credentials.username",
            reason: format!("{where_} has an empty username"),
        });
    }
    for (field, v) in [("password", &c.password), ("enable", &c.enable)] {
        if v.as_ref().is_some_and(|p| p.expose_secret() == MASK) {
            return Err(ConfigError::Invalid {
                key: "credentials",
                reason: format!(
                    "{where_}.{field} is the mask {MASK:?} copied from `config show`; put the real secret there or use {field}_env"
                ),
            });
        }
    }
    let password = match (&c.password, &c.password_env) {
        (Some(p), _) => Some(p.clone()),
        (None, Some(var)) => Some(env_secret(env, var, format!("{where_}.password_env"))?),
        (None, None) => None,
    };
    let enable = match (&c.enable, &c.enable_env) {
        (Some(p), _) => Some(p.clone()),
        (None, Some(var)) => Some(env_secret(env, var, format!("{where_}.enable_env"))?),
        (None, None) => None,
    };
    Ok(Credential {
        label,
        username: c.username.clone(),
        password,
        enable,
        scope: c.scope.clone(),
    })
}

/// Durations in config files: a number of seconds (`5`, `0.5`) or text with
/// a unit (`"500ms"`, `"5s"`, `"2m"`, `"1h"`).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num.parse().map_err(|_| {
        format!("{text:?} is not a duration; use e.g. 5, 0.5, \"500ms\", \"5s\", \"2m\"")
    })?;
    let scale = match unit.trim() {
        "" | "s" | "sec" | "secs" => 1.0,
        "ms" => 0.001,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        other => {
            return Err(format!(
                "unknown duration unit {other:?} in {text:?}; use ms, s, m or h"
            ));
        }
    };
    Duration::try_from_secs_f64(n * scale).map_err(|e| format!("{text:?}: {e}"))
}

/// Formats a duration the way [`parse_duration`] reads it.
pub fn format_duration(d: Duration) -> String {
    if d.subsec_nanos() == 0 {
        format!("{}s", d.as_secs())
    } else if d.as_nanos().is_multiple_of(1_000_000) {
        format!("{}ms", d.as_millis())
    } else {
        format!("{}s", d.as_secs_f64())
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum DurationRepr {
    Int(u64),
    Float(f64),
    Text(String),
}

impl DurationRepr {
    fn into_duration<E: serde::de::Error>(self) -> Result<Duration, E> {
        match self {
            DurationRepr::Int(n) => Ok(Duration::from_secs(n)),
            DurationRepr::Float(f) => Duration::try_from_secs_f64(f).map_err(E::custom),
            DurationRepr::Text(t) => parse_duration(&t).map_err(E::custom),
        }
    }
}

mod duration_opt {
    use super::*;
    pub fn serialize<S: Serializer>(v: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(d) => s.serialize_str(&format_duration(*d)),
            None => s.serialize_none(),
        }
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        Option::<DurationRepr>::deserialize(d)?
            .map(DurationRepr::into_duration)
            .transpose()
    }
}

mod duration_text {
    use super::*;
    pub fn serialize<S: Serializer>(v: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_duration(*v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn p() -> &'static Path {
        Path::new("netwalker.toml")
    }

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    /// End-host collection is on by default; the file's `endhosts = false`
    /// or the CLI's `--no-endhosts` (which wins over the file) switch it off.
    #[test]
    fn endhosts_are_on_unless_switched_off() {
        let resolve = |text: &str, cli: Option<bool>| {
            let cli = Config {
                endhosts: cli,
                ..Config::default()
            };
            Config::from_toml(text, p())
                .unwrap()
                .merge(cli)
                .resolve()
                .unwrap()
                .endhosts
        };
        assert!(resolve("", None));
        assert!(!resolve("endhosts = false", None));
        assert!(!resolve("endhosts = true", Some(false)));
        let retention = |text: &str| {
            Config::from_toml(text, p())
                .unwrap()
                .resolve()
                .unwrap()
                .endhost_retention_days
        };
        assert_eq!(retention(""), DEFAULT_ENDHOST_RETENTION_DAYS);
        assert_eq!(retention("endhost_retention_days = 7"), 7);
    }

    const FULL: &str = r#"
        seeds = ["core1", "10.0.0.2"]
        seed_file = "seeds.csv"
        port = 2222
        telnet_port = 2323
        username = "netops"
        password_env = "NW_PW"
        enable_env = "NW_EN"
        credentials_file = "creds.toml"
        concurrency = 64
        max_depth = 3
        store = "inv.db"
        out = "reports"
        telnet_fallback = false
        legacy_ssh = true
        host_key_policy = "strict"
        known_hosts = "kh"
        grace_period = "1500ms"
        failure_threshold = 5
        ignore_failures = true
        rewalk_stale_days = 7
        walk_unwalked = true
        resume = true
        json = true
        quiet = true

        [[credentials]]
        name = "tacacs"
        username = "svc"
        password_env = "SVC_PW"
        scope = ["10.0.0.0/8", "192.0.2.7", "2001:db8::/32"]

        [[credentials]]
        username = "local"
        password = "hunter2"
        enable = "enable-secret"

        [filters]
        hostname_exclude = ["SEP*"]
        cidr_include = ["10.0.0.0/8"]
        platform_exclude = ["Polycom"]
        capability_exclude = ["Phone"]

        [timeouts]
        connect = 3
        command = 12.5
        goodbye = "500ms"
        run = "10m"
    "#;

    #[test]
    fn every_option_parses_and_resolves() {
        let s = Config::from_toml(FULL, p()).unwrap().resolve().unwrap();
        assert_eq!(s.seeds, ["core1", "10.0.0.2"]);
        assert_eq!((s.port, s.telnet_port), (2222, 2323));
        assert_eq!(s.concurrency, 64);
        assert_eq!(s.max_depth, Some(3));
        assert_eq!(s.store, StoreLocation::Sqlite(PathBuf::from("inv.db")));
        assert!(!s.telnet_fallback && s.legacy_ssh == LegacySshMode::On);
        assert_eq!(s.host_key_policy, HostKeyPolicySetting::Strict);
        assert_eq!(s.grace_period, Duration::from_millis(1500));
        assert_eq!((s.failure_threshold, s.ignore_failures), (5, true));
        assert_eq!(s.rewalk_stale_days, Some(7));
        assert!(s.walk_unwalked && s.resume && s.json && s.quiet);
        assert_eq!(s.timeouts.connect, Duration::from_secs(3));
        assert_eq!(s.timeouts.command, Duration::from_millis(12_500));
        assert_eq!(s.timeouts.goodbye, Duration::from_millis(500));
        assert_eq!(s.timeouts.run, Some(Duration::from_secs(600)));
        assert_eq!(
            s.timeouts.auth,
            TimeoutSettings::default().auth,
            "unset keeps default"
        );
        assert_eq!(s.filters.platform_exclude, ["Polycom"]);
        assert_eq!(s.credentials.len(), 2);
    }

    #[test]
    fn settings_become_the_session_layers_policy_and_deadlines() {
        let kh = PathBuf::from("kh");
        assert_eq!(
            HostKeyPolicySetting::AcceptNew.session_policy(kh.clone()),
            device_session::HostKeyPolicy::AcceptNew {
                known_hosts: kh.clone()
            }
        );
        assert_eq!(
            HostKeyPolicySetting::Strict.session_policy(kh.clone()),
            device_session::HostKeyPolicy::Strict {
                known_hosts: kh.clone()
            }
        );
        assert_eq!(
            HostKeyPolicySetting::AcceptAny.session_policy(kh),
            device_session::HostKeyPolicy::Off
        );
        let s = Config::from_toml(FULL, p()).unwrap().resolve().unwrap();
        let t = device_session::Timeouts::from(&s.timeouts);
        assert_eq!(t.connect, Duration::from_secs(3));
        assert_eq!(t.command, Duration::from_millis(12_500));
        assert_eq!(t.goodbye, Duration::from_millis(500));
        assert_eq!(t.auth, s.timeouts.auth);
        assert_eq!((t.banner, t.prompt), (s.timeouts.banner, s.timeouts.prompt));
    }

    #[test]
    fn defaults() {
        let s = Config::default().resolve().unwrap();
        assert_eq!(s.concurrency, 128);
        assert_eq!(s.grace_period, Duration::from_secs(2));
        assert_eq!((s.port, s.telnet_port), (22, 23));
        assert!(s.telnet_fallback && s.legacy_ssh == LegacySshMode::Auto);
        assert_eq!(s.max_depth, None);
        assert_eq!(s.host_key_policy, HostKeyPolicySetting::AcceptNew);
        assert!(s.filters.is_empty());
    }

    #[test]
    fn legacy_ssh_takes_a_mode_or_an_old_boolean() {
        let mode = |text: &str| {
            Config::from_toml(text, p())
                .map(|c| c.resolve().unwrap().legacy_ssh)
                .map_err(|e| e.to_string())
        };
        assert_eq!(mode("legacy_ssh = \"off\"\n"), Ok(LegacySshMode::Off));
        assert_eq!(mode("legacy_ssh = \"auto\"\n"), Ok(LegacySshMode::Auto));
        assert_eq!(mode("legacy_ssh = \"on\"\n"), Ok(LegacySshMode::On));
        assert_eq!(mode("legacy_ssh = true\n"), Ok(LegacySshMode::On));
        assert_eq!(mode("legacy_ssh = false\n"), Ok(LegacySshMode::Off));
        assert_eq!(mode(""), Ok(LegacySshMode::Auto));
        let err = mode("legacy_ssh = \"sometimes\"\n").unwrap_err();
        assert!(err.contains("off, on or auto"), "{err}");
    }

    #[test]
    fn unknown_keys_are_errors_naming_the_key() {
        let err = Config::from_toml("max_dept = 2\n", p())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("max_dept") && err.contains("netwalker.toml"),
            "{err}"
        );
        let err = Config::from_toml("[timeouts]\nconect = 2\n", p())
            .unwrap_err()
            .to_string();
        assert!(err.contains("conect"), "{err}");
        let err = Config::from_toml("[filters]\nplatform = [\"x\"]\n", p())
            .unwrap_err()
            .to_string();
        assert!(err.contains("platform"), "{err}");
        let err = Config::from_toml("[[credentials]]\nusername = \"a\"\npasword = \"b\"\n", p())
            .unwrap_err()
            .to_string();
        assert!(err.contains("pasword"), "{err}");
        let err = Config::from_toml("grace_period = \"2 fortnights\"\n", p())
            .unwrap_err()
            .to_string();
        assert!(err.contains("fortnights"), "{err}");
    }

    #[test]
    fn validation_names_the_key() {
        let bad = |text: &str| {
            Config::from_toml(text, p())
                .unwrap()
                .resolve()
                .unwrap_err()
                .to_string()
        };
        assert!(bad("concurrency = 0").contains("concurrency"));
        assert!(bad("port = 0").contains("port"));
        assert!(bad("[timeouts]\ncommand = 0").contains("timeouts.command"));
        assert!(bad("[filters]\nhostname_exclude = [\"a[\"]").contains("hostname_exclude"));
        assert!(bad("password_env = \" \"").contains("password_env"));
    }

    #[test]
    fn cli_values_override_file_values() {
        let file = Config::from_toml(FULL, p()).unwrap();
        let cli = Config {
            concurrency: Some(8),
            max_depth: Some(1),
            json: Some(false),
            timeouts: Some(TimeoutsConfig {
                connect: Some(Duration::from_secs(1)),
                ..Default::default()
            }),
            filters: Some(FilterConfig {
                hostname_exclude: vec!["lab-*".into()],
                ..Default::default()
            }),
            ..Default::default()
        };
        let s = file.merge(cli).resolve().unwrap();
        assert_eq!(s.concurrency, 8);
        assert_eq!(s.max_depth, Some(1));
        assert!(!s.json, "an explicit false overrides the file's true");
        assert!(s.quiet, "untouched values come from the file");
        assert_eq!(s.port, 2222);
        assert_eq!(s.timeouts.connect, Duration::from_secs(1));
        assert_eq!(
            s.timeouts.command,
            Duration::from_millis(12_500),
            "table merged per key"
        );
        assert_eq!(s.filters.hostname_exclude, ["lab-*"]);
        assert_eq!(
            s.filters.platform_exclude,
            ["Polycom"],
            "other filter lists kept"
        );
    }

    #[test]
    fn show_masks_secrets_and_round_trips() {
        let s = Config::from_toml(FULL, p()).unwrap().resolve().unwrap();
        let shown = s.to_string();
        assert!(
            !shown.contains("hunter2") && !shown.contains("enable-secret"),
            "{shown}"
        );
        assert!(shown.contains(MASK), "{shown}");
        assert!(shown.contains("password_env = \"NW_PW\""), "{shown}");
        assert!(shown.contains("grace_period = \"1500ms\""), "{shown}");
        assert!(
            shown.contains(r#"scope = ["10.0.0.0/8", "192.0.2.7/32", "2001:db8::/32"]"#),
            "{shown}"
        );
        // The same masking applies when settings are stored as a run's options.
        let json = serde_json::to_string(&s).unwrap();
        assert!(!json.contains("hunter2") && json.contains(MASK), "{json}");
        let debug = format!("{s:?}");
        assert!(
            !debug.contains("hunter2") && !debug.contains("enable-secret"),
            "{debug}"
        );
        // The shown text is itself a valid config giving the same settings
        // (apart from the masked secrets).
        let mut again = Config::from_toml(&shown, p()).unwrap().resolve().unwrap();
        assert_eq!(again.to_string(), shown);
        again.credentials_file = None;
        // ...but its masked secrets are refused, not used as passwords.
        let env =
            |k: &str| (k == "NW_PW" || k == "NW_EN" || k == "SVC_PW").then(|| "x".to_string());
        let err = again.credentials(&env).unwrap_err().to_string();
        assert!(
            err.contains("credentials[1].password") && err.contains("config show"),
            "{err}"
        );
    }

    #[test]
    fn search_order_and_explicit_path() {
        let dir = tempfile::tempdir().unwrap();
        let cwd = dir.path().join("work");
        let home = dir.path().join("home");
        let xdg = dir.path().join("xdg");
        std::fs::create_dir_all(&cwd).unwrap();
        let paths = ConfigPaths {
            cwd: cwd.clone(),
            xdg_config_home: None,
            home: Some(home.clone()),
        };
        assert_eq!(
            paths.candidates(),
            [
                cwd.join("netwalker.toml"),
                home.join(".config/netwalker/config.toml")
            ]
        );
        let (used, cfg) = load_config(None, &paths).unwrap();
        assert_eq!((used, cfg.concurrency), (None, None));

        std::fs::create_dir_all(home.join(".config/netwalker")).unwrap();
        std::fs::write(
            home.join(".config/netwalker/config.toml"),
            "concurrency = 4",
        )
        .unwrap();
        let (used, cfg) = load_config(None, &paths).unwrap();
        assert_eq!(used, Some(home.join(".config/netwalker/config.toml")));
        assert_eq!(cfg.concurrency, Some(4));

        std::fs::write(cwd.join("netwalker.toml"), "concurrency = 5").unwrap();
        let (_, cfg) = load_config(None, &paths).unwrap();
        assert_eq!(cfg.concurrency, Some(5), "working dir first");

        let with_xdg = ConfigPaths {
            xdg_config_home: Some(xdg.clone()),
            ..paths.clone()
        };
        assert_eq!(with_xdg.candidates()[1], xdg.join("netwalker/config.toml"));

        let err = load_config(Some(&dir.path().join("missing.toml")), &paths)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("missing.toml") && err.contains("--config"),
            "{err}"
        );
    }

    #[test]
    fn credentials_in_order_from_every_source() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("creds.toml");
        std::fs::write(
            &file,
            "[[credentials]]\nname = \"breakglass\"\nusername = \"admin\"\npassword_env = \"BG_PW\"\n",
        )
        .unwrap();
        let cfg = Config {
            username: Some("netops".into()),
            password_env: Some("NW_PW".into()),
            credentials_file: Some(file.clone()),
            credentials: Some(vec![CredentialSetConfig {
                username: "local".into(),
                password: Some(SecretString::from("inline")),
                ..Default::default()
            }]),
            ..Default::default()
        };
        let s = cfg.resolve().unwrap();
        let env = env_of(&[("NW_PW", "pw1"), ("BG_PW", "pw3"), (ENV_ENABLE, "en")]);
        let creds = s.credentials(&env).unwrap();
        let got: Vec<(&str, &str, Option<&str>, Option<&str>)> = creds
            .iter()
            .map(|c| {
                (
                    c.label.as_str(),
                    c.username.as_str(),
                    c.password.as_ref().map(|p| p.expose_secret()),
                    c.enable.as_ref().map(|p| p.expose_secret()),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("--username", "netops", Some("pw1"), Some("en")),
                ("credentials[0]", "local", Some("inline"), None),
                ("breakglass", "admin", Some("pw3"), None),
            ]
        );
        let dbg = format!("{creds:?}");
        assert!(!dbg.contains("pw1") && !dbg.contains("inline"), "{dbg}");

        // The named variable missing is an error naming it.
        let err = s
            .credentials(&env_of(&[("BG_PW", "x")]))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("NW_PW") && err.contains("password_env"),
            "{err}"
        );
    }

    #[test]
    fn credentials_from_environment_only() {
        let s = Config::default().resolve().unwrap();
        let creds = s
            .credentials(&env_of(&[(ENV_USERNAME, "u"), (ENV_PASSWORD, "p")]))
            .unwrap();
        assert_eq!(creds.len(), 1);
        assert_eq!(creds[0].label, ENV_USERNAME);
        assert_eq!(
            creds[0].password.as_ref().map(|p| p.expose_secret()),
            Some("p")
        );
        // Username without any password: returned for the CLI to prompt.
        let creds = s.credentials(&env_of(&[(ENV_USERNAME, "u")])).unwrap();
        assert!(creds[0].password.is_none());
        let err = s.credentials(&env_of(&[])).unwrap_err();
        assert!(matches!(err, ConfigError::NoCredentials));
        assert!(err.to_string().contains("--password-env"));
    }

    #[test]
    fn credentials_file_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("creds.toml");
        std::fs::write(&file, "[[credentials]]\nuser = \"a\"\n").unwrap();
        let s = Config {
            credentials_file: Some(file),
            ..Default::default()
        }
        .resolve()
        .unwrap();
        let err = s.credentials(&env_of(&[])).unwrap_err().to_string();
        assert!(err.contains("creds.toml") && err.contains("user"), "{err}");
    }

    fn cred(scope: &[&str]) -> Credential {
        Credential {
            label: scope.join(","),
            username: "u".into(),
            password: None,
            enable: None,
            scope: scope
                .iter()
                .map(|e| parse_scope_entry(e).unwrap())
                .collect(),
        }
    }

    #[test]
    fn credential_scope_limits_where_a_set_is_offered() {
        let ip = |t: &str| t.parse::<IpAddr>().unwrap();
        let site = cred(&["10.1.0.0/16", "192.0.2.7"]);
        assert!(site.in_scope(ip("10.1.255.4")));
        assert!(site.in_scope(ip("192.0.2.7")));
        assert!(!site.in_scope(ip("192.0.2.8")));
        assert!(!site.in_scope(ip("10.2.0.1")));
        assert!(!site.in_scope(ip("2001:db8::1")));
        // The IPv4-mapped spelling of an address is the same address.
        assert!(site.in_scope(ip("::ffff:10.1.0.9")));
        assert!(!site.in_scope(ip("::ffff:10.2.0.9")));
        let v6 = cred(&["2001:db8::/32"]);
        assert!(v6.in_scope(ip("2001:db8:1::1")) && !v6.in_scope(ip("10.1.0.1")));
        let anywhere = cred(&[]);
        assert!(anywhere.in_scope(ip("10.2.0.1")) && anywhere.in_scope(ip("::1")));

        let creds = [site, cred(&["10.0.0.0/8"]), anywhere];
        let labels = |t: &str| -> Vec<String> {
            offered_to(&creds, ip(t)).map(|c| c.label.clone()).collect()
        };
        assert_eq!(
            labels("10.1.0.1"),
            ["10.1.0.0/16,192.0.2.7", "10.0.0.0/8", ""]
        );
        assert_eq!(labels("10.9.0.1"), ["10.0.0.0/8", ""]);
        assert_eq!(labels("203.0.113.1"), [""]);
    }

    #[test]
    fn credential_scope_is_parsed_into_the_resolved_sets_and_bad_entries_are_named() {
        let text =
            "[[credentials]]\nusername = \"a\"\npassword = \"x\"\nscope = [\"10.0.0.0/8\"]\n";
        let s = Config::from_toml(text, p()).unwrap().resolve().unwrap();
        let creds = s.credentials(&env_of(&[])).unwrap();
        assert_eq!(creds[0].scope, [parse_scope_entry("10.0.0.0/8").unwrap()]);
        assert!(!creds[0].in_scope("11.0.0.1".parse().unwrap()));

        for (entry, want) in [
            ("10.0.0.0/33", "10.0.0.0/33"),
            ("10.0.0/8", "10.0.0/8"),
            ("core1", "core1"),
        ] {
            let text = format!(
                "[[credentials]]\nusername = \"a\"\nscope = [\"10.0.0.0/8\", \"{entry}\"]\n"
            );
            let err = Config::from_toml(&text, p()).unwrap_err().to_string();
            assert!(
                err.contains(want) && err.contains("scope") && err.contains("netwalker.toml"),
                "{err}"
            );
        }
        let err = Config::from_toml("[[credentials]]\nusername = \"a\"\nscope = []\n", p())
            .unwrap_err()
            .to_string();
        assert!(err.contains("scope is empty"), "{err}");

        // The credentials file takes the same key.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("creds.toml");
        std::fs::write(
            &file,
            "[[credentials]]\nusername = \"a\"\nscope = [\"192.0.2.0/24\"]\n",
        )
        .unwrap();
        let sets = read_credentials_file(&file).unwrap();
        assert!(sets[0].in_scope("192.0.2.9".parse().unwrap()));
        assert!(!sets[0].in_scope("192.0.3.9".parse().unwrap()));
    }

    #[test]
    fn toml_errors_keep_position_and_key_but_never_a_secret() {
        let cases = [
            // Unterminated string on the password line.
            "[[credentials]]\nusername = \"a\"\npassword = \"XYZZY-pw\n",
            // Wrong type: toml's message quotes the value.
            "[[credentials]]\nusername = \"a\"\npassword = 31337999\n",
            "[[credentials]]\nusername = \"a\"\nenable = true\npassword = \"XYZZY-pw\"\n",
            // A syntax error elsewhere in a file holding a password.
            "[[credentials]]\nusername = \"a\"\npassword = \"XYZZY-pw\"\nconcurrency = = 3\n",
            // Missing field: toml points at the whole table.
            "[[credentials]]\npassword = \"XYZZY-pw\"\n",
            "credentials = [{ username = \"a\", password = 'XYZZY-pw', bogus = 1 }]\n",
        ];
        for text in cases {
            let err = Config::from_toml(text, p()).unwrap_err().to_string();
            assert!(
                !err.contains("XYZZY") && !err.contains("31337999"),
                "secret in {err:?}"
            );
            assert!(
                err.contains("netwalker.toml: line ") && err.contains(", column "),
                "{err}"
            );
        }
        let err = Config::from_toml(cases[0], p()).unwrap_err().to_string();
        assert!(
            err.contains("line 3, column") && err.contains("key `password`"),
            "{err}"
        );
        let err = Config::from_toml(cases[1], p()).unwrap_err().to_string();
        assert!(
            err.contains("key `password`") && err.contains(HIDDEN),
            "{err}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn files_holding_secrets_readable_by_others_are_warned_about() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("creds.toml");
        std::fs::write(&file, "").unwrap();
        let chmod =
            |m| std::fs::set_permissions(&file, std::fs::Permissions::from_mode(m)).unwrap();
        chmod(0o644);
        let w = secrets_file_warning(&file).unwrap();
        assert!(
            w.contains("creds.toml") && w.contains("chmod 600") && w.contains("every user"),
            "{w}"
        );
        chmod(0o640);
        assert!(secrets_file_warning(&file).unwrap().contains("its group"));
        chmod(0o600);
        assert_eq!(secrets_file_warning(&file), None);
        chmod(0o700);
        assert_eq!(secrets_file_warning(&file), None);

        let with = Config::from_toml("[[credentials]]\nusername = \"a\"\nenable = \"e\"\n", p());
        assert!(with.unwrap().holds_secrets());
        let without = Config::from_toml(
            "[[credentials]]\nusername = \"a\"\npassword_env = \"X\"\n",
            p(),
        );
        assert!(!without.unwrap().holds_secrets());
    }

    #[test]
    fn durations_parse_and_format() {
        assert_eq!(parse_duration("5").unwrap(), Duration::from_secs(5));
        assert_eq!(parse_duration("0.25").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration(" 1h ").unwrap(), Duration::from_secs(3600));
        assert!(parse_duration("").is_err());
        assert!(parse_duration("-1s").is_err());
        assert!(parse_duration("3 days").unwrap_err().contains("days"));
        for d in [
            Duration::from_secs(7),
            Duration::from_millis(1500),
            Duration::from_micros(1500),
        ] {
            assert_eq!(parse_duration(&format_duration(d)).unwrap(), d);
        }
    }
}
