//! End-to-end check of a real hub (or the simulator).
//!
//! Changes are always undone: the actuator test ends with every actuator off and
//! the setup test restores the backed-up config, both on failure and when the
//! run is cancelled (Ctrl-C). The cleanup itself is not raced against the
//! cancel signal; it is bounded instead: the restore by
//! [`SelftestOptions::restore_attempts`] tries, each with a deadline, the
//! all-off loop by [`SelftestOptions::max_actuators`], and both by
//! [`SelftestOptions::abort`] (a second Ctrl-C).
//!
//! Before the setup test changes anything, the config it read is written to a
//! file in [`SelftestOptions::backup_dir`] (the `config backup` result names
//! it), so a restore that fails for good can still be done by hand with
//! `vegehub config set --file`.

use crate::client::{Hub, HubInfo, HubOptions, RetryPolicy};
use crate::config;
use crate::discovery;
use crate::error::Error;
use secrecy::SecretString;
use serde::Serialize;
use serde_json::Value;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

#[derive(Clone, Debug)]
pub struct SelftestOptions {
    /// `None`: discover the first hub over mDNS.
    pub host: Option<String>,
    /// How long to listen for a hub over mDNS when `host` is `None`.
    pub discover_timeout: Duration,
    /// Run the actuator control test (switches slot 0 on briefly).
    pub actuators: bool,
    /// Run the setup test (changes then restores the push target).
    pub setup: bool,
    /// How long the actuator test asks slot 0 to stay on (it is switched off
    /// again as soon as the state is verified).
    pub actuator_on: Duration,
    /// Timeouts and retries of the calls to the hub under test.
    pub hub_options: HubOptions,
    /// Where the setup test writes the config it backed up before changing it,
    /// so it survives a restore that fails (and a crash).
    pub backup_dir: PathBuf,
    /// Tries of the config restore (with backoff, each with a deadline): a hub
    /// that fails one write must not be left pointing at the test target.
    pub restore_attempts: u32,
    /// Most actuator slots the test will switch off; the hub's own count is
    /// untrusted and a larger one fails the test before anything is switched.
    pub max_actuators: u32,
    /// Cancelled (a second Ctrl-C) to stop the cleanup itself.
    pub abort: CancellationToken,
}

impl Default for SelftestOptions {
    fn default() -> Self {
        SelftestOptions {
            host: None,
            discover_timeout: Duration::from_secs(5),
            actuators: false,
            setup: false,
            actuator_on: Duration::from_secs(5),
            hub_options: HubOptions::default(),
            backup_dir: PathBuf::from("."),
            restore_attempts: 4,
            max_actuators: 64,
            abort: CancellationToken::new(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "outcome", content = "detail", rename_all = "lowercase")]
pub enum Outcome {
    Passed(String),
    Failed(String),
    Skipped(String),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TestResult {
    /// Which test (stable names, also in the JSON output).
    pub name: &'static str,
    /// Passed, failed or skipped, with the detail.
    #[serde(flatten)]
    pub outcome: Outcome,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    /// Every test's result, in the order run.
    pub results: Vec<TestResult>,
    /// The run was cancelled (Ctrl-C); the binary exits 130.
    pub interrupted: bool,
}

impl Summary {
    fn count(&self, f: fn(&Outcome) -> bool) -> usize {
        self.results.iter().filter(|r| f(&r.outcome)).count()
    }
    pub fn passed(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Passed(_)))
    }
    pub fn failed(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Failed(_)))
    }
    pub fn skipped(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Skipped(_)))
    }
    /// `N passed, M failed, K skipped`
    pub fn closing_line(&self) -> String {
        format!(
            "{} passed, {} failed, {} skipped",
            self.passed(),
            self.failed(),
            self.skipped()
        )
    }
}

/// The API key and URL the setup test writes. The URL is the hub's own loopback
/// discard port, so a hub that pushes during the test sends nothing anywhere.
pub const TEST_API_KEY: &str = "vegehub-selftest";
pub const TEST_SERVER_URL: &str = "http://127.0.0.1:9/vegehub-selftest";

struct Run<'a, F: FnMut(&TestResult)> {
    /// The results so far, returned at the end.
    summary: Summary,
    /// The caller's callback, told of each result as it is recorded.
    report: &'a mut F,
    /// The run's cancel signal (the first Ctrl-C).
    cancel: CancellationToken,
}

impl<F: FnMut(&TestResult)> Run<'_, F> {
    fn record(&mut self, name: &'static str, outcome: Outcome) {
        let r = TestResult { name, outcome };
        (self.report)(&r);
        self.summary.results.push(r);
    }

    fn interrupted(&mut self) -> bool {
        if self.cancel.is_cancelled() {
            self.summary.interrupted = true;
        }
        self.summary.interrupted
    }

    /// Records each of `names` as skipped, for `why`.
    fn skip_all(&mut self, names: &[&'static str], why: &str) {
        for name in names {
            self.record(name, Outcome::Skipped(why.into()));
        }
    }

    /// Awaits `fut`, unless the run is cancelled first: then the run is
    /// interrupted and the outcome is a failure.
    async fn until_cancelled<Fut>(&mut self, fut: Fut) -> Outcome
    where
        Fut: Future<Output = Outcome>,
    {
        let cancel = self.cancel.clone();
        tokio::select! {
            o = fut => o,
            _ = cancel.cancelled() => {
                self.summary.interrupted = true;
                Outcome::Failed("interrupted".into())
            }
        }
    }

    /// Runs a step unless interrupted; a cancel during the step fails it.
    async fn step<Fut>(&mut self, name: &'static str, fut: Fut)
    where
        Fut: Future<Output = Outcome>,
    {
        if self.interrupted() {
            self.record(name, Outcome::Skipped("interrupted".into()));
            return;
        }
        let outcome = self.until_cancelled(fut).await;
        self.record(name, outcome);
    }
}

/// The tests that need a hub address, skipped together when there is none.
const NEED_ADDRESS: [&str; 7] = [
    "info",
    "mac",
    "properties",
    "actuator states",
    "actuator control",
    "config backup",
    "setup",
];

/// The tests that need the hub's info, skipped together when it failed.
const NEED_INFO: [&str; 6] = [
    "mac",
    "properties",
    "actuator states",
    "actuator control",
    "config backup",
    "setup",
];

/// Runs the self-test, calling `report` as each test finishes.
pub async fn run<F: FnMut(&TestResult)>(
    opts: &SelftestOptions,
    http: reqwest::Client,
    cancel: CancellationToken,
    mut report: F,
) -> Summary {
    let mut run = Run {
        summary: Summary::default(),
        report: &mut report,
        cancel,
    };
    // 1. Where is the hub?
    let hub = find_hub(&mut run, opts, &http).await;
    // 2. Error handling: a refused port and a silent one, both on this machine.
    check_error_handling(&mut run, opts, &http).await;
    let Some(hub) = hub else {
        run.skip_all(&NEED_ADDRESS, "no hub address");
        return run.summary;
    };
    // 3. Info and what it says.
    let Some(info) = read_info(&mut run, &hub).await else {
        run.skip_all(&NEED_INFO, "info failed");
        return run.summary;
    };
    run.step("mac", check_mac(&hub, &info)).await;
    run.step("properties", async { check_properties(&info) })
        .await;
    run.step("actuator states", check_actuator_states(&hub, &info))
        .await;
    // 4. Actuator control, with all-off guaranteed.
    actuator_control(&mut run, &hub, &info, opts).await;
    // 5. Setup, with a backup file first and the restore guaranteed.
    setup_test(&mut run, &hub, &info, opts).await;
    run.summary
}

/// The `address` test: the hub given, else the first one mDNS finds.
async fn find_hub<F: FnMut(&TestResult)>(
    run: &mut Run<'_, F>,
    opts: &SelftestOptions,
    http: &reqwest::Client,
) -> Option<Hub> {
    let mut found = None;
    run.step("address", async {
        let hub = hub_address(opts).await.and_then(|addr| {
            Hub::with_client(&addr, http.clone(), opts.hub_options).map_err(|e| e.to_string())
        });
        match hub {
            Ok(h) => {
                let url = h.url();
                found = Some(h);
                Outcome::Passed(url)
            }
            Err(m) => Outcome::Failed(m),
        }
    })
    .await;
    found
}

/// The address to test: `opts.host`, else the first hub that answers mDNS.
async fn hub_address(opts: &SelftestOptions) -> Result<String, String> {
    if let Some(h) = &opts.host {
        return Ok(h.clone());
    }
    let found = discovery::discover(opts.discover_timeout, Some(1))
        .await
        .map_err(|e| e.to_string())?;
    found.first().and_then(|d| d.address()).ok_or_else(|| {
        format!(
            "no hub answered mDNS within {:?}; give --host",
            opts.discover_timeout
        )
    })
}

/// The two error-handling tests, which need no hub.
async fn check_error_handling<F: FnMut(&TestResult)>(
    run: &mut Run<'_, F>,
    opts: &SelftestOptions,
    http: &reqwest::Client,
) {
    run.step(
        "error handling: unreachable",
        probe_unreachable(http, opts.hub_options),
    )
    .await;
    run.step(
        "error handling: timeout",
        probe_timeout(http, opts.hub_options),
    )
    .await;
}

/// The `info` test; its answer feeds the tests after it.
async fn read_info<F: FnMut(&TestResult)>(run: &mut Run<'_, F>, hub: &Hub) -> Option<HubInfo> {
    let mut got = None;
    run.step("info", async {
        match hub.info().await {
            Ok(i) => {
                let d = format!(
                    "version {}, {} channels, {} actuators, {}",
                    i.version.as_deref().unwrap_or("?"),
                    i.num_channels,
                    i.num_actuators,
                    if i.is_ac { "AC powered" } else { "battery" }
                );
                got = Some(i);
                Outcome::Passed(d)
            }
            Err(e) => Outcome::Failed(e.to_string()),
        }
    })
    .await;
    got
}

/// The `mac` test: the Wi-Fi-only query agrees with the full info.
async fn check_mac(hub: &Hub, info: &HubInfo) -> Outcome {
    match hub.mac().await {
        Ok(m) if Some(&m) == info.mac.as_ref() => Outcome::Passed(m),
        Ok(m) => Outcome::Failed(format!(
            "wifi-only query gave {m}, full info gave {:?}",
            info.mac
        )),
        Err(e) => Outcome::Failed(e.to_string()),
    }
}

/// The `properties` test: what the info says is plausible.
fn check_properties(info: &HubInfo) -> Outcome {
    let mut problems = Vec::new();
    if info.version.as_deref().is_none_or(str::is_empty) {
        problems.push("no firmware version".to_string());
    }
    if info.num_channels > 64 || info.num_actuators > 64 {
        problems.push(format!(
            "implausible counts: {} channels, {} actuators",
            info.num_channels, info.num_actuators
        ));
    }
    if !info.is_ac && info.battery_volts.is_none() {
        problems.push("battery hub without batt_v".to_string());
    }
    if !problems.is_empty() {
        return Outcome::Failed(problems.join("; "));
    }
    Outcome::Passed(format!(
        "sensors={} actuators={} is_ac={} battery={}",
        info.num_channels,
        info.num_actuators,
        info.is_ac,
        match (info.is_ac, info.battery_volts) {
            (false, Some(v)) => format!("{v:.2} V"),
            _ => "-".to_string(),
        }
    ))
}

/// The `actuator states` test: the status list matches the info's count.
async fn check_actuator_states(hub: &Hub, info: &HubInfo) -> Outcome {
    match (hub.actuators().await, info.num_actuators) {
        (Err(Error::NoActuators { .. }), 0) => Outcome::Skipped("hub has no actuators".into()),
        (Ok(list), n) if list.len() == n as usize => Outcome::Passed(
            list.iter()
                .map(|a| {
                    format!(
                        "slot {}={}",
                        a.slot,
                        if a.state == 1 { "on" } else { "off" }
                    )
                })
                .collect::<Vec<_>>()
                .join(", "),
        ),
        (Ok(list), n) => Outcome::Failed(format!(
            "status lists {} actuators, info says {n}",
            list.len()
        )),
        (Err(e), _) => Outcome::Failed(e.to_string()),
    }
}

/// Why the actuator control test does not run, if it does not.
fn actuator_control_declined(info: &HubInfo, opts: &SelftestOptions) -> Option<Outcome> {
    if !opts.actuators {
        Some(Outcome::Skipped("not requested (--actuators)".into()))
    } else if info.num_actuators == 0 {
        Some(Outcome::Skipped("hub has no actuators".into()))
    } else if info.num_actuators > opts.max_actuators {
        Some(Outcome::Failed(format!(
            "the hub reports {} actuators, more than the {} this test will switch \
             (--max-actuators); nothing was switched",
            info.num_actuators, opts.max_actuators
        )))
    } else {
        None
    }
}

/// The `actuator control` test; every actuator is off again afterwards,
/// whatever happened (bounded, see [`all_off_bounded`]).
async fn actuator_control<F: FnMut(&TestResult)>(
    run: &mut Run<'_, F>,
    hub: &Hub,
    info: &HubInfo,
    opts: &SelftestOptions,
) {
    const NAME: &str = "actuator control";
    if let Some(declined) = actuator_control_declined(info, opts) {
        run.record(NAME, declined);
        return;
    }
    if run.interrupted() {
        run.record(NAME, Outcome::Skipped("interrupted".into()));
        return;
    }
    let n = info.num_actuators;
    let outcome = run
        .until_cancelled(actuator_sequence(hub, n, opts.actuator_on))
        .await;
    // Whatever happened above, leave every actuator off.
    let outcome = match (outcome, all_off_bounded(hub, n, &opts.abort).await) {
        (o, Ok(())) => o,
        (Outcome::Failed(m), Err(e)) => {
            Outcome::Failed(format!("{m}; and switching all off failed: {e}"))
        }
        (_, Err(e)) => Outcome::Failed(format!("switching all off failed: {e}")),
    };
    run.record(NAME, outcome);
}

/// The `config backup` and `setup` tests, unless not requested or interrupted.
async fn setup_test<F: FnMut(&TestResult)>(
    run: &mut Run<'_, F>,
    hub: &Hub,
    info: &HubInfo,
    opts: &SelftestOptions,
) {
    if !opts.setup {
        run.skip_all(&["config backup", "setup"], "not requested (--setup)");
    } else if run.interrupted() {
        run.skip_all(&["config backup", "setup"], "interrupted");
    } else {
        let outcome = setup_with_restore(hub, info.mac.as_deref(), opts, run).await;
        run.record("setup", outcome);
    }
}

/// Every actuator slot below `n` off, in order; stops early when `abort` is
/// cancelled (naming the slots left), so the loop is bounded by `n` (itself
/// bounded by [`SelftestOptions::max_actuators`]) and by a second Ctrl-C.
async fn all_off_bounded(hub: &Hub, n: u32, abort: &CancellationToken) -> Result<(), String> {
    let mut first_err = None;
    for slot in 0..n {
        let r = tokio::select! {
            r = hub.set_actuator(slot, false, Duration::ZERO) => r,
            _ = abort.cancelled() => {
                return Err(format!(
                    "aborted: slots {slot}..{n} may still be on; \
                     run `vegehub actuator set --slot N --state off`"
                ));
            }
        };
        if let Err(e) = r {
            first_err.get_or_insert(e.to_string());
        }
    }
    first_err.map_or(Ok(()), Err)
}

async fn actuator_sequence(hub: &Hub, n: u32, on_for: Duration) -> Outcome {
    let states =
        |list: &[crate::client::ActuatorStatus]| list.iter().map(|a| a.state).collect::<Vec<_>>();
    if let Err(e) = hub.all_off(n).await {
        return Outcome::Failed(format!("all off: {e}"));
    }
    if let Err(e) = hub.set_actuator(0, true, on_for).await {
        return Outcome::Failed(format!("slot 0 on: {e}"));
    }
    match hub.actuators().await {
        Ok(list) if list.iter().any(|a| a.slot == 0 && a.state == 1) => {}
        Ok(list) => {
            return Outcome::Failed(format!(
                "slot 0 not on after set: states {:?}",
                states(&list)
            ));
        }
        Err(e) => return Outcome::Failed(format!("status after on: {e}")),
    }
    if let Err(e) = hub.all_off(n).await {
        return Outcome::Failed(format!("all off: {e}"));
    }
    match hub.actuators().await {
        Ok(list) if list.iter().all(|a| a.state == 0) => Outcome::Passed(format!(
            "slot 0 on for {on_for:?} verified, all off verified"
        )),
        Ok(list) => Outcome::Failed(format!("not all off: states {:?}", states(&list))),
        Err(e) => Outcome::Failed(format!("status after off: {e}")),
    }
}

/// The config as the setup test found it, and the file it was saved in.
struct Backup {
    /// What the restore writes back and compares against.
    raw: Value,
    /// Where the user finds it when the restore fails for good.
    path: PathBuf,
}

/// Backs the config up, records `config backup`, runs the setup test and
/// always restores the backup afterwards (then checks the restore took).
async fn setup_with_restore<F: FnMut(&TestResult)>(
    hub: &Hub,
    mac: Option<&str>,
    opts: &SelftestOptions,
    run: &mut Run<'_, F>,
) -> Outcome {
    // No backup, no change.
    let backup = match back_up_config(hub, mac, opts).await {
        Ok(b) => b,
        Err((backup_outcome, setup_outcome)) => {
            run.record("config backup", backup_outcome);
            return setup_outcome;
        }
    };
    run.record(
        "config backup",
        Outcome::Passed(format!(
            "original config written to {} (it holds the hub's keys)",
            backup.path.display()
        )),
    );
    let tested = run.until_cancelled(setup_sequence(hub, &backup.raw)).await;
    // Always restore, then check the restore took.
    let restore = restore_with_retries(hub, &backup.raw, opts).await;
    setup_verdict(tested, restore, hub.host(), &backup.path)
}

/// Reads the config and writes it to a backup file. On failure, the outcomes
/// of `config backup` and of `setup` (which then changes nothing).
async fn back_up_config(
    hub: &Hub,
    mac: Option<&str>,
    opts: &SelftestOptions,
) -> Result<Backup, (Outcome, Outcome)> {
    let config = match hub.config().await {
        Ok(c) => c,
        Err(e) => {
            let m = format!("could not read the config to back it up, so it was not changed: {e}");
            return Err((Outcome::Failed(m.clone()), Outcome::Skipped(m)));
        }
    };
    if config.format.is_none() {
        let e = Error::UnsupportedConfigFormat {
            host: hub.host().to_string(),
        };
        return Err((
            Outcome::Skipped(e.to_string()),
            Outcome::Failed(e.to_string()),
        ));
    }
    match write_backup(&opts.backup_dir, mac.unwrap_or(hub.host()), &config.raw) {
        Ok(path) => Ok(Backup {
            raw: config.raw,
            path,
        }),
        Err(e) => {
            let m = format!(
                "could not write the backup to {}, so the config was not changed: {e}",
                opts.backup_dir.display()
            );
            Err((Outcome::Failed(m.clone()), Outcome::Skipped(m)))
        }
    }
}

/// The `setup` outcome from the test's and the restore's; a failed restore
/// says how to restore the backup by hand.
fn setup_verdict(
    tested: Outcome,
    restore: Result<String, String>,
    host: &str,
    backup: &Path,
) -> Outcome {
    let by_hand = |e: String| {
        format!(
            "{e}; the original config is in {p}: restore it with \
             `vegehub config set --host {host} --file {p}`",
            p = backup.display(),
        )
    };
    match (tested, restore) {
        (Outcome::Passed(m), Ok(tries)) => {
            Outcome::Passed(format!("{m}; config restored and verified{tries}"))
        }
        (other, Ok(_)) => other,
        (Outcome::Failed(m), Err(e)) => Outcome::Failed(format!("{m}; {}", by_hand(e))),
        (_, Err(e)) => Outcome::Failed(by_hand(e)),
    }
}

/// Writes `config` as `vegehub-backup-<id>-<unix secs>.json` in `dir`, never
/// over an existing file, readable by the owner only (it holds keys).
fn write_backup(dir: &Path, id: &str, config: &Value) -> std::io::Result<PathBuf> {
    use std::io::Write;
    let id: String = id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .take(32)
        .collect();
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let text = serde_json::to_string_pretty(config).map_err(std::io::Error::other)?;
    let mut open = std::fs::OpenOptions::new();
    open.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o600);
    for n in 0..100u32 {
        let suffix = if n == 0 {
            String::new()
        } else {
            format!("-{n}")
        };
        let path = dir.join(format!("vegehub-backup-{id}-{secs}{suffix}.json"));
        match open.open(&path) {
            Ok(mut f) => {
                f.write_all(text.as_bytes())?;
                f.sync_all()?;
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other(
        "100 backup files with this name exist",
    ))
}

/// [`restore_config`] up to `opts.restore_attempts` times with backoff, each
/// try bounded by a deadline, the whole stopped by `opts.abort`. On success,
/// says after how many tries when it took more than one.
async fn restore_with_retries(
    hub: &Hub,
    backup: &Value,
    opts: &SelftestOptions,
) -> Result<String, String> {
    // One try = one write and one read, neither retried inside.
    let hub = hub.with_options(probe_options(*hub.options(), hub.options().request_timeout));
    let deadline = hub.options().request_timeout * 2 + Duration::from_secs(1);
    let attempts = opts.restore_attempts.max(1);
    let mut backoff = Duration::from_millis(250);
    let mut last = String::new();
    for attempt in 1..=attempts {
        let tried = tokio::select! {
            r = tokio::time::timeout(deadline, restore_config(&hub, backup)) => r,
            _ = opts.abort.cancelled() => {
                return Err(format!("RESTORE ABORTED after {} of {attempts} tries", attempt - 1));
            }
        };
        match tried {
            Ok(Ok(())) if attempt == 1 => return Ok(String::new()),
            Ok(Ok(())) => return Ok(format!(" (try {attempt} of {attempts})")),
            Ok(Err(e)) => last = e,
            Err(_) => last = format!("no answer within {deadline:?}"),
        }
        if attempt < attempts {
            tracing::debug!("restore try {attempt} failed: {last}; retrying in {backoff:?}");
            tokio::select! {
                _ = tokio::time::sleep(backoff) => {} // sleep-ok: backoff between restore tries
                _ = opts.abort.cancelled() => {}
            }
            backoff = (backoff * 2).min(Duration::from_secs(2));
        }
    }
    Err(format!("RESTORE FAILED after {attempts} tries: {last}"))
}

async fn setup_sequence(hub: &Hub, before: &Value) -> Outcome {
    let key = SecretString::from(TEST_API_KEY.to_string());
    let first = match hub.setup(&key, TEST_SERVER_URL).await {
        Ok(c) => c,
        Err(e) => return Outcome::Failed(format!("setup: {e}")),
    };
    let after_first = match hub.config().await {
        Ok(c) => c.raw,
        Err(e) => return Outcome::Failed(format!("read back: {e}")),
    };
    // Idempotence: a second setup must update in place, not append.
    let second = match hub.setup(&key, TEST_SERVER_URL).await {
        Ok(c) => c,
        Err(e) => return Outcome::Failed(format!("second setup: {e}")),
    };
    let after_second = match hub.config().await {
        Ok(c) => c.raw,
        Err(e) => return Outcome::Failed(format!("read back: {e}")),
    };
    let count = |c: &Value| c.get("endpoints").and_then(Value::as_array).map(Vec::len);
    if count(&after_first) != count(&after_second) {
        return Outcome::Failed(format!(
            "second setup changed the endpoint count {:?} -> {:?}",
            count(&after_first),
            count(&after_second)
        ));
    }
    let fmt = config::detect_format(before)
        .map(|f| format!("{f:?}").to_lowercase())
        .unwrap_or_default();
    Outcome::Passed(format!("{fmt} firmware: {first:?}, then {second:?}"))
}

async fn restore_config(hub: &Hub, backup: &Value) -> Result<(), String> {
    let sections = config::restorable_sections(backup);
    hub.set_config(&sections).await.map_err(|e| e.to_string())?;
    let now = hub.config().await.map_err(|e| e.to_string())?;
    if config::restorable_sections(&now.raw) == sections {
        Ok(())
    } else {
        Err("the config read back differs from the backup".into())
    }
}

fn probe_options(base: HubOptions, timeout: Duration) -> HubOptions {
    HubOptions {
        request_timeout: timeout,
        retry: RetryPolicy::none(),
        ..base
    }
}

async fn probe_unreachable(http: &reqwest::Client, base: HubOptions) -> Outcome {
    // A port that was just free on loopback: connecting is refused at once.
    let addr = match std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()) {
        Ok(a) => a,
        Err(e) => return Outcome::Failed(format!("cannot pick a free port: {e}")),
    };
    let probe = match Hub::with_client(
        &addr.to_string(),
        http.clone(),
        probe_options(base, Duration::from_secs(2)),
    ) {
        Ok(h) => h,
        Err(e) => return Outcome::Failed(e.to_string()),
    };
    match probe.info().await {
        Err(Error::Unreachable { .. }) => Outcome::Passed(format!("{addr}: Unreachable")),
        Err(e) => Outcome::Failed(format!("{addr}: expected Unreachable, got {e}")),
        Ok(_) => Outcome::Failed(format!("{addr}: something answered")),
    }
}

async fn probe_timeout(http: &reqwest::Client, base: HubOptions) -> Outcome {
    // Accepts connections (kernel backlog) but never answers: a hung hub.
    let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
        Ok(l) => l,
        Err(e) => return Outcome::Failed(format!("cannot bind a probe port: {e}")),
    };
    let addr = match listener.local_addr() {
        Ok(a) => a,
        Err(e) => return Outcome::Failed(e.to_string()),
    };
    let limit = Duration::from_millis(300);
    let probe = match Hub::with_client(&addr.to_string(), http.clone(), probe_options(base, limit))
    {
        Ok(h) => h,
        Err(e) => return Outcome::Failed(e.to_string()),
    };
    let started = Instant::now();
    let r = probe.info().await;
    let took = started.elapsed();
    drop(listener);
    match r {
        Err(Error::Timeout { .. }) if took < limit + Duration::from_secs(1) => Outcome::Passed(
            format!("silent {addr}: Timeout after {} ms", took.as_millis()),
        ),
        Err(Error::Timeout { .. }) => {
            Outcome::Failed(format!("timeout took {took:?}, limit {limit:?}"))
        }
        Err(e) => Outcome::Failed(format!("expected Timeout, got {e}")),
        Ok(_) => Outcome::Failed("a silent port answered".into()),
    }
}
