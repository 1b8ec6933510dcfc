//! Seeds: where a walk starts.
//!
//! Seed files come from spreadsheets and old scripts, so parsing is forgiving
//! about layout (CSV with a `hostname,ip_address` / `hostname,ip` header, or
//! one `host` / `host,ip` per line, `#` comments, blank lines, a UTF-8 BOM,
//! CRLF) and strict about content: a bad line is reported as `file:line:
//! reason` and skipped, and every good line is kept. One typo must not cost
//! the other 499 seeds, and must not pass silently either.
//!
//! Seeds without an IP are resolved by [`resolve_seeds`]: the store first
//! (the device may have been walked before under that name), then DNS, each
//! lookup bounded by a timeout.

use std::fmt;
use std::future::Future;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where a seed came from, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeedOrigin {
    /// `--seed` on the command line or `seeds = [...]` in the config.
    Argument,
    File {
        path: PathBuf,
        line: usize,
    },
}

impl fmt::Display for SeedOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SeedOrigin::Argument => f.write_str("--seed"),
            SeedOrigin::File { path, line } => write!(f, "{}:{line}", path.display()),
        }
    }
}

/// One starting point. At least one of `hostname` and `ip` is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seed {
    /// The name given, to resolve or to record.
    pub hostname: Option<String>,
    /// The address given, if it was one.
    pub ip: Option<IpAddr>,
    /// Where the seed came from, for messages about it.
    pub origin: SeedOrigin,
}

impl Seed {
    /// The name to show: hostname, else the IP.
    pub fn label(&self) -> String {
        match (&self.hostname, self.ip) {
            (Some(h), _) => h.clone(),
            (None, Some(ip)) => ip.to_string(),
            (None, None) => "<empty seed>".into(),
        }
    }
}

/// A seed line that was skipped, with where and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}: {reason}")]
pub struct SeedProblem {
    /// Which seed (argument or file line).
    pub origin: SeedOrigin,
    /// What is wrong with it.
    pub reason: String,
}

/// Errors that stop seed loading altogether (as opposed to a bad line).
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("cannot read seed file {path}: {source}; check the path given to --seed-file")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("seed file {path} contains no seeds{detail}")]
    Empty { path: PathBuf, detail: String },
    #[error("bad --seed value {value:?}: {reason}")]
    Argument { value: String, reason: String },
}

/// Seeds parsed from a file, and the lines that were skipped.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SeedList {
    /// The usable seeds.
    pub seeds: Vec<Seed>,
    /// The lines that could not be used, each with its reason.
    pub problems: Vec<SeedProblem>,
}

/// Characters a hostname may contain. Generous (underscores are common in
/// lab names) but rejects spaces and punctuation that signal a mangled line.
fn valid_hostname(h: &str) -> Result<(), String> {
    if h.len() > 253 {
        return Err(format!("hostname {h:?} is longer than 253 characters"));
    }
    if let Some(c) = h
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
    {
        return Err(format!("hostname {h:?} contains {c:?}"));
    }
    if h.starts_with(['.', '-']) || h.ends_with('-') || h.contains("..") {
        return Err(format!("hostname {h:?} is not a valid name"));
    }
    Ok(())
}

/// Interprets one host token: an IP literal or a hostname.
fn host_token(token: &str) -> Result<(Option<String>, Option<IpAddr>), String> {
    if let Ok(ip) = token.parse::<IpAddr>() {
        return Ok((None, Some(ip)));
    }
    // Looks like an address but isn't one: say so rather than "bad hostname".
    if token.chars().all(|c| c.is_ascii_digit() || c == '.') && token.contains('.') {
        return Err(format!("{token:?} is not a valid IP address"));
    }
    valid_hostname(token)?;
    Ok((Some(token.to_string()), None))
}

/// Parses `--seed` values; each may hold several comma-separated hosts
/// (`--seed core1,core2 --seed 10.0.0.1`). Any bad value is an error: the
/// user typed it just now and should fix it (exit 2), unlike a file.
pub fn parse_seed_args<S: AsRef<str>>(values: &[S]) -> Result<Vec<Seed>, SeedError> {
    let mut out = Vec::new();
    for value in values {
        let value = value.as_ref();
        for part in value.split(',') {
            let part = part.trim();
            if part.is_empty() {
                return Err(SeedError::Argument {
                    value: value.to_string(),
                    reason: "empty host between commas".into(),
                });
            }
            let (hostname, ip) = host_token(part).map_err(|reason| SeedError::Argument {
                value: value.to_string(),
                reason,
            })?;
            out.push(Seed {
                hostname,
                ip,
                origin: SeedOrigin::Argument,
            });
        }
    }
    Ok(out)
}

/// Reads and parses a seed file. Bad lines land in [`SeedList::problems`];
/// a file with no usable seed at all is an error.
pub fn read_seed_file(path: &Path) -> Result<SeedList, SeedError> {
    let text = std::fs::read_to_string(path).map_err(|source| SeedError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let list = parse_seed_text(&text, path);
    if list.seeds.is_empty() {
        let detail = match list.problems.first() {
            Some(p) => format!(" ({} bad lines; first: {p})", list.problems.len()),
            None => String::new(),
        };
        return Err(SeedError::Empty {
            path: path.to_path_buf(),
            detail,
        });
    }
    Ok(list)
}

/// Splits one CSV line, honouring double quotes (`"core1","10.0.0.1"`) since
/// spreadsheets export that way.
fn split_csv(line: &str) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut was_quoted = false;
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' if quoted => quoted = false,
            '"' if cur.trim().is_empty() && !was_quoted => {
                cur.clear();
                quoted = true;
                was_quoted = true;
            }
            ',' if !quoted => {
                fields.push(std::mem::take(&mut cur).trim().to_string());
                was_quoted = false;
            }
            _ => cur.push(c),
        }
    }
    if quoted {
        return Err("unterminated quote".into());
    }
    fields.push(cur.trim().to_string());
    Ok(fields)
}

/// Parses seed file text. `path` is only used in messages. Never fails:
/// problems are returned per line.
pub fn parse_seed_text(text: &str, path: &Path) -> SeedList {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut list = SeedList::default();
    let mut first_line = true;
    // Column positions when the file has a header row.
    let mut header: Option<(usize, Option<usize>)> = None;
    for (i, raw) in text.lines().enumerate() {
        let origin = SeedOrigin::File {
            path: path.to_path_buf(),
            line: i + 1,
        };
        // `#` starts a comment anywhere on the line; hostnames and IPs never
        // contain one.
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let problem = |reason: String| SeedProblem {
            origin: origin.clone(),
            reason,
        };
        let fields = match split_csv(line) {
            Ok(f) => f,
            Err(reason) => {
                list.problems.push(problem(reason));
                continue;
            }
        };
        if first_line {
            first_line = false;
            let lower: Vec<String> = fields.iter().map(|f| f.to_ascii_lowercase()).collect();
            if let Some(h) = lower.iter().position(|f| f == "hostname" || f == "host") {
                let ip = lower
                    .iter()
                    .position(|f| f == "ip_address" || f == "ip" || f == "ip address");
                header = Some((h, ip));
                continue;
            }
        }
        let (host_field, ip_field) = if let Some((host_column, ip_column)) = header {
            // With a header, extra columns (site, notes...) are allowed.
            let get = |c: usize| fields.get(c).map(String::as_str).unwrap_or("");
            (get(host_column), ip_column.map(get).unwrap_or(""))
        } else {
            match fields.as_slice() {
                [h] => (h.as_str(), ""),
                [h, ip] => (h.as_str(), ip.as_str()),
                _ => {
                    list.problems.push(problem(format!(
                        "expected `host` or `host,ip`, found {} fields",
                        fields.len()
                    )));
                    continue;
                }
            }
        };
        match seed_from_fields(host_field, ip_field) {
            Ok((hostname, ip)) => list.seeds.push(Seed {
                hostname,
                ip,
                origin,
            }),
            Err(reason) => list.problems.push(problem(reason)),
        }
    }
    list
}

fn seed_from_fields(host: &str, ip: &str) -> Result<(Option<String>, Option<IpAddr>), String> {
    let ip = if ip.is_empty() {
        None
    } else {
        Some(
            ip.parse::<IpAddr>()
                .map_err(|_| format!("{ip:?} is not a valid IP address"))?,
        )
    };
    if host.is_empty() {
        return match ip {
            Some(ip) => Ok((None, Some(ip))),
            None => Err("no hostname and no IP address".into()),
        };
    }
    let (hostname, host_ip) = host_token(host)?;
    match (host_ip, ip) {
        (Some(a), Some(b)) if a != b => Err(format!(
            "host column is the address {a} but the IP column says {b}"
        )),
        (Some(a), _) => Ok((None, Some(a))),
        (None, ip) => Ok((hostname, ip)),
    }
}

/// A seed with its address known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedSeed {
    /// The seed as given.
    pub seed: Seed,
    /// The address to dial.
    pub ip: IpAddr,
    /// How the address was found (given, store, DNS).
    pub source: ResolvedBy,
}

/// How a seed's address was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResolvedBy {
    /// Given in the seed itself.
    Given,
    /// Found in the inventory store from an earlier walk.
    Store,
    Dns,
}

/// Resolves seeds without an IP: `store_lookup` first (see
/// [`crate::store::StoreReader::ip_for_hostname`]), then the system resolver
/// with `timeout` per name. Seeds that cannot be resolved are returned as
/// problems, not errors: the walk goes on with the rest.
pub async fn resolve_seeds(
    seeds: Vec<Seed>,
    store_lookup: impl Fn(&str) -> Option<IpAddr>,
    timeout: Duration,
) -> (Vec<ResolvedSeed>, Vec<SeedProblem>) {
    resolve_seeds_with(seeds, store_lookup, system_dns, timeout).await
}

/// The system resolver on detached threads (see [`crate::dns::SystemResolver`]:
/// a stuck lookup cannot hold the runtime's shutdown), addresses sorted
/// IPv4 first (management networks mostly are).
async fn system_dns(name: String) -> std::io::Result<Vec<IpAddr>> {
    use crate::dns::Resolver;
    crate::dns::SystemResolver
        .forward(&name)
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))
}

/// [`resolve_seeds`] with an injectable DNS function (tests must not send
/// real DNS queries).
pub async fn resolve_seeds_with<F, Fut>(
    seeds: Vec<Seed>,
    store_lookup: impl Fn(&str) -> Option<IpAddr>,
    dns: F,
    timeout: Duration,
) -> (Vec<ResolvedSeed>, Vec<SeedProblem>)
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = std::io::Result<Vec<IpAddr>>>,
{
    let mut resolved = Vec::new();
    let mut problems = Vec::new();
    // Lookups run concurrently: a 500-line seed file with a slow resolver
    // should take one timeout, not 500.
    let mut pending = Vec::new();
    for seed in seeds {
        if let Some(ip) = seed.ip {
            resolved.push(ResolvedSeed {
                seed,
                ip,
                source: ResolvedBy::Given,
            });
            continue;
        }
        let Some(name) = seed.hostname.clone() else {
            problems.push(SeedProblem {
                origin: seed.origin.clone(),
                reason: "seed has neither hostname nor IP".into(),
            });
            continue;
        };
        if let Some(ip) = store_lookup(&name) {
            resolved.push(ResolvedSeed {
                seed,
                ip,
                source: ResolvedBy::Store,
            });
            continue;
        }
        let fut = dns(name.clone());
        pending.push(async move {
            let outcome = tokio::time::timeout(timeout, fut).await;
            (seed, name, outcome)
        });
    }
    for (seed, name, outcome) in futures_join_all(pending).await {
        let reason = match outcome {
            Ok(Ok(addrs)) => {
                let pick = addrs
                    .iter()
                    .find(|a| a.is_ipv4())
                    .or(addrs.first())
                    .copied();
                match pick {
                    Some(ip) => {
                        resolved.push(ResolvedSeed {
                            seed,
                            ip,
                            source: ResolvedBy::Dns,
                        });
                        continue;
                    }
                    None => format!("{name:?} resolved to no addresses"),
                }
            }
            Ok(Err(e)) => format!(
                "cannot resolve {name:?}: {e}; give its address as `{name},IP` or check DNS"
            ),
            Err(_) => format!(
                "resolving {name:?} took longer than {timeout:?}; give its address as `{name},IP` or raise timeouts.dns"
            ),
        };
        problems.push(SeedProblem {
            origin: seed.origin,
            reason,
        });
    }
    (resolved, problems)
}

/// Awaits futures concurrently, keeping order, without a `futures` dependency:
/// a `JoinSet` would need `'static` futures, which the injected DNS function
/// need not produce.
async fn futures_join_all<T, Fut: Future<Output = T>>(futs: Vec<Fut>) -> Vec<T> {
    use std::pin::Pin;
    use std::task::Poll;
    let mut futs: Vec<Pin<Box<Fut>>> = futs.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<T>> = futs.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for (i, f) in futs.iter_mut().enumerate() {
            if out[i].is_some() {
                continue;
            }
            match f.as_mut().poll(cx) {
                Poll::Ready(v) => out[i] = Some(v),
                Poll::Pending => done = false,
            }
        }
        if done { Poll::Ready(()) } else { Poll::Pending }
    })
    .await;
    out.into_iter()
        .map(|v| v.expect("all futures completed"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> &'static Path {
        Path::new("seeds.csv")
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn pairs(l: &SeedList) -> Vec<(Option<&str>, Option<IpAddr>)> {
        l.seeds
            .iter()
            .map(|s| (s.hostname.as_deref(), s.ip))
            .collect()
    }

    #[test]
    fn seed_arguments_split_on_commas() {
        let s = parse_seed_args(&["core1, core2.example.com", "10.0.0.1"]).unwrap();
        let got: Vec<String> = s.iter().map(Seed::label).collect();
        assert_eq!(got, ["core1", "core2.example.com", "10.0.0.1"]);
        assert_eq!(s[2].ip, Some(ip("10.0.0.1")));
        assert_eq!(s[0].origin.to_string(), "--seed");
        let err = parse_seed_args(&["a,,b"]).unwrap_err().to_string();
        assert!(err.contains("a,,b") && err.contains("empty"), "{err}");
        let err = parse_seed_args(&["core 1"]).unwrap_err().to_string();
        assert!(err.contains("' '"), "{err}");
        let err = parse_seed_args(&["10.0.0.300"]).unwrap_err().to_string();
        assert!(err.contains("not a valid IP"), "{err}");
    }

    #[test]
    fn csv_with_ip_address_header() {
        let l = parse_seed_text(
            "\u{feff}Hostname,IP_Address\r\ncore1,10.0.0.1\r\n\"core2\",\"10.0.0.2\"\r\ncore3,\r\n",
            p(),
        );
        assert!(l.problems.is_empty(), "{:?}", l.problems);
        assert_eq!(
            pairs(&l),
            [
                (Some("core1"), Some(ip("10.0.0.1"))),
                (Some("core2"), Some(ip("10.0.0.2"))),
                (Some("core3"), None),
            ]
        );
        assert_eq!(l.seeds[0].origin.to_string(), "seeds.csv:2");
    }

    #[test]
    fn csv_with_ip_header_and_extra_columns() {
        let l = parse_seed_text(
            "site,hostname,ip,notes\nhq,core1,10.0.0.1,main\nhq,,10.0.0.9,\n",
            p(),
        );
        assert!(l.problems.is_empty(), "{:?}", l.problems);
        assert_eq!(
            pairs(&l),
            [
                (Some("core1"), Some(ip("10.0.0.1"))),
                (None, Some(ip("10.0.0.9")))
            ]
        );
        // A header without an IP column: the second column is not an address.
        let l = parse_seed_text("hostname,site\ncore1,hq\n", p());
        assert_eq!(pairs(&l), [(Some("core1"), None)]);
    }

    #[test]
    fn plain_lines_comments_and_blanks() {
        let text =
            "# campus seeds\n\ncore1\ncore2,10.0.0.2   # second core\n  10.0.0.3  \n2001:db8::1\n";
        let l = parse_seed_text(text, p());
        assert!(l.problems.is_empty(), "{:?}", l.problems);
        assert_eq!(
            pairs(&l),
            [
                (Some("core1"), None),
                (Some("core2"), Some(ip("10.0.0.2"))),
                (None, Some(ip("10.0.0.3"))),
                (None, Some(ip("2001:db8::1"))),
            ]
        );
        assert_eq!(l.seeds[1].origin.to_string(), "seeds.csv:4");
    }

    #[test]
    fn bad_lines_are_reported_with_file_and_line_and_skipped() {
        let text =
            "core1\ncore 2\ncore3,10.0.0.999\na,b,c\ncore4,10.0.0.4\n\"open\n10.0.0.5,10.0.0.6\n";
        let l = parse_seed_text(text, p());
        assert_eq!(
            pairs(&l),
            [(Some("core1"), None), (Some("core4"), Some(ip("10.0.0.4")))]
        );
        let msgs: Vec<String> = l.problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(msgs.len(), 5, "{msgs:?}");
        assert!(
            msgs[0].starts_with("seeds.csv:2: ") && msgs[0].contains("' '"),
            "{msgs:?}"
        );
        assert!(msgs[1].starts_with("seeds.csv:3: ") && msgs[1].contains("10.0.0.999"));
        assert!(msgs[2].starts_with("seeds.csv:4: ") && msgs[2].contains("3 fields"));
        assert!(msgs[3].starts_with("seeds.csv:6: ") && msgs[3].contains("quote"));
        assert!(msgs[4].starts_with("seeds.csv:7: ") && msgs[4].contains("10.0.0.6"));
    }

    #[test]
    fn file_errors() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.csv");
        let err = read_seed_file(&missing).unwrap_err().to_string();
        assert!(
            err.contains("nope.csv") && err.contains("--seed-file"),
            "{err}"
        );
        let only_bad = dir.path().join("bad.csv");
        std::fs::write(&only_bad, "# nothing\nbad host\n").unwrap();
        let err = read_seed_file(&only_bad).unwrap_err().to_string();
        assert!(
            err.contains("no seeds") && err.contains("bad.csv:2"),
            "{err}"
        );
        let good = dir.path().join("good.csv");
        std::fs::write(&good, "hostname,ip\ncore1,10.0.0.1\n").unwrap();
        assert_eq!(read_seed_file(&good).unwrap().seeds.len(), 1);
    }

    proptest::proptest! {
        /// Any file content yields seeds and problems, never a panic, and
        /// every non-blank, non-comment line is accounted for exactly once.
        #[test]
        fn parser_is_total_and_loses_nothing(text in "[a-z0-9.,:# \"\n-]{0,200}") {
            let l = parse_seed_text(&text, p());
            let meaningful = text
                .lines()
                .filter(|line| !line.split('#').next().unwrap_or("").trim().is_empty())
                .count();
            let header = usize::from(
                text.lines()
                    .find(|line| !line.split('#').next().unwrap_or("").trim().is_empty())
                    .is_some_and(|line| {
                        split_csv(line.split('#').next().unwrap_or("").trim())
                            .map(|f| f.iter().any(|x| x.eq_ignore_ascii_case("hostname") || x.eq_ignore_ascii_case("host")))
                            .unwrap_or(false)
                    }),
            );
            proptest::prop_assert_eq!(l.seeds.len() + l.problems.len() + header, meaningful);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn resolution_uses_store_then_dns_with_a_deadline() {
        let seeds = parse_seed_args(&["known,fast,slow,nxdomain,10.9.9.9,dual"]).unwrap();
        let store = |name: &str| (name == "known").then(|| ip("10.0.0.1"));
        let dns = |name: String| async move {
            match name.as_str() {
                "fast" => Ok(vec![ip("10.0.0.2")]),
                "dual" => Ok(vec![ip("2001:db8::2"), ip("10.0.0.3")]),
                "slow" => std::future::pending().await,
                _ => Err(std::io::Error::other("no such host")),
            }
        };
        let started = tokio::time::Instant::now();
        let (ok, bad) = resolve_seeds_with(seeds, store, dns, Duration::from_secs(3)).await;
        assert_eq!(
            started.elapsed(),
            Duration::from_secs(3),
            "one timeout, concurrently"
        );
        let got: Vec<(String, IpAddr, ResolvedBy)> = ok
            .iter()
            .map(|r| (r.seed.label(), r.ip, r.source))
            .collect();
        assert_eq!(
            got,
            [
                ("known".to_string(), ip("10.0.0.1"), ResolvedBy::Store),
                ("10.9.9.9".to_string(), ip("10.9.9.9"), ResolvedBy::Given),
                ("fast".to_string(), ip("10.0.0.2"), ResolvedBy::Dns),
                ("dual".to_string(), ip("10.0.0.3"), ResolvedBy::Dns),
            ]
        );
        let msgs: Vec<String> = bad.iter().map(|p| p.to_string()).collect();
        assert_eq!(msgs.len(), 2, "{msgs:?}");
        assert!(msgs[0].contains("\"slow\"") && msgs[0].contains("longer than 3s"));
        assert!(msgs[1].contains("\"nxdomain\"") && msgs[1].contains("no such host"));
    }

    #[tokio::test]
    async fn system_resolver_handles_localhost() {
        // /etc/hosts only: no query leaves the machine.
        let seeds = parse_seed_args(&["localhost"]).unwrap();
        let (ok, bad) = resolve_seeds(seeds, |_| None, Duration::from_secs(5)).await;
        assert!(bad.is_empty(), "{bad:?}");
        assert!(ok[0].ip.is_loopback());
    }
}
