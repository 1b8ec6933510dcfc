//! What differs between device CLIs: prompt shapes, paging and width
//! commands, enable, config mode, the goodbye sequence and the markers a
//! device prints when it rejects a command.
//!
//! Prompt handling is two-stage on purpose. Before login finishes we do not
//! know the hostname, and banners routinely contain `#` and `>` (ASCII art,
//! "Authorized access only >>>"), so a generic "ends in # or >" pattern is
//! only used to find a *candidate*; the candidate is confirmed by sending a
//! newline and seeing the same line come back. After that the prompt is
//! matched exactly (hostname and all), allowing only the mode decorations
//! the platform really has (`(config)`, `(config-if)`, a Linux cwd).

use device_platform::Platform;
use regex::Regex;
use std::sync::LazyLock;

/// The per-platform facts the session needs.
#[derive(Debug)]
pub struct Profile {
    /// The platform these facts are for; `None` is the generic profile.
    pub platform: Option<Platform>,
    /// Sent after login to stop the device paging output. A rejected one is
    /// tolerated: `--More--` is then handled by sending a space.
    pub paging_off: &'static [&'static str],
    /// Whether `enable` exists (IOS family) so a `>` prompt can be raised.
    pub has_enable: bool,
    /// Substrings of output that mean the device refused the command.
    pub error_markers: &'static [&'static str],
    /// Leaves config mode, when the prompt shows we are in it.
    pub config_exit: Option<&'static str>,
    /// Ends the CLI session from exec mode.
    pub goodbye: &'static str,
}

static IOS: Profile = Profile {
    platform: Some(Platform::CiscoIos),
    paging_off: &["terminal length 0", "terminal width 511"],
    has_enable: true,
    error_markers: &[
        "% Invalid input",
        "% Incomplete command",
        "% Ambiguous command",
        "% Unknown command",
        "% Bad IP address",
    ],
    config_exit: Some("end"),
    goodbye: "exit",
};

static XE: Profile = Profile {
    platform: Some(Platform::CiscoXe),
    ..IOS
};

static NXOS: Profile = Profile {
    platform: Some(Platform::CiscoNxos),
    paging_off: &["terminal length 0", "terminal width 511"],
    has_enable: false,
    error_markers: &[
        "% Invalid command",
        "% Invalid input",
        "% Incomplete command",
        "% Ambiguous command",
        "% Invalid parameter",
        // fakenos' NX-OS, and some NX-OS builds for unknown verbs.
        "Unknown command",
    ],
    config_exit: Some("end"),
    goodbye: "exit",
};

static PANOS: Profile = Profile {
    platform: Some(Platform::PaloaltoPanos),
    paging_off: &["set cli pager off"],
    has_enable: false,
    error_markers: &["Invalid syntax.", "Unknown command:", "Server error :"],
    config_exit: Some("exit"),
    goodbye: "exit",
};

static LINUX: Profile = Profile {
    platform: Some(Platform::Linux),
    // A pty shell does not page; nothing to send.
    paging_off: &[],
    has_enable: false,
    error_markers: &["command not found", "No such file or directory"],
    config_exit: None,
    goodbye: "exit",
};

/// Used until the platform is known: the union of the Cisco-style markers.
static UNKNOWN: Profile = Profile {
    platform: None,
    paging_off: &[],
    has_enable: false,
    error_markers: &[
        "% Invalid input",
        "% Incomplete command",
        "% Ambiguous command",
        "% Invalid command",
        "Invalid syntax.",
        "command not found",
    ],
    config_exit: None,
    goodbye: "exit",
};

pub fn profile(platform: Option<Platform>) -> &'static Profile {
    match platform {
        Some(Platform::CiscoIos) => &IOS,
        Some(Platform::CiscoXe) => &XE,
        Some(Platform::CiscoNxos) => &NXOS,
        Some(Platform::PaloaltoPanos) => &PANOS,
        Some(Platform::Linux) => &LINUX,
        None => &UNKNOWN,
    }
}

impl Profile {
    /// Whether this output contains one of the platform's rejection markers.
    pub fn is_rejected(&self, output: &str) -> bool {
        self.error_markers.iter().any(|m| output.contains(m))
    }
}

/// The characters a CLI prompt ends in (before at most one space).
const PROMPT_CHARS: [char; 4] = ['>', '#', '$', '%'];

/// `--More--` and its cousins, for devices where paging could not be turned off.
static MORE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(-- ?more ?--|<--- more --->|--\(more( \d+%)?\)--|\(END\)|lines \d+-\d+)\s*$")
        .unwrap()
});

/// Login prompts on telnet (and on the odd SSH device that logs in twice).
static USER_PROMPT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)(user ?name|login)\s*:\s*$").unwrap());
static PASS_PROMPT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)pass(word|code)\s*:\s*$").unwrap());
static LOGIN_FAILED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(login incorrect|login invalid|authentication failed|access denied|bad passwords?)",
    )
    .unwrap()
});

/// Any line that could be a prompt: up to 160 printable characters ending
/// in a prompt character, optionally followed by one space. Device names
/// are attacker-controlled and may hold any printable character (`=2+5*a>`,
/// `a(b)[c]#`), so nothing here is a pattern built from the name; the only
/// shapes refused are lines with control characters, lines made only of
/// prompt characters (`####`, `>>>`: banner art) and a space before the
/// prompt character. Only used to find a candidate; see the module docs.
pub fn is_prompt_candidate(line: &str) -> bool {
    let l = line.trim_start();
    let l = l.strip_suffix(' ').unwrap_or(l);
    if l.is_empty() || l.len() > 160 || l.chars().any(char::is_control) {
        return false;
    }
    let Some(name) = l.strip_suffix(PROMPT_CHARS) else {
        return false;
    };
    !name.ends_with(char::is_whitespace)
        && name
            .chars()
            .any(|c| !PROMPT_CHARS.contains(&c) && !c.is_whitespace())
}

pub fn ends_with_more(tail: &str) -> bool {
    MORE.is_match(tail)
}

pub fn strip_more(text: &str) -> std::borrow::Cow<'_, str> {
    static ANY_MORE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i) *(-- ?more ?--|<--- more --->|--\(more( \d+%)?\)--)[ \x08]*").unwrap()
    });
    // Every pager marker holds the word: a literal search for it is far
    // cheaper than the full pattern (which may start at any space) over
    // output that, with paging off, almost never has one.
    static MORE_WORD: LazyLock<Regex> = LazyLock::new(|| Regex::new("(?i)more").unwrap());
    if MORE_WORD.is_match(text) {
        ANY_MORE.replace_all(text, "")
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

pub fn is_user_prompt(line: &str) -> bool {
    USER_PROMPT.is_match(line)
}

pub fn is_password_prompt(line: &str) -> bool {
    PASS_PROMPT.is_match(line)
}

pub fn is_login_failure(text: &str) -> bool {
    LOGIN_FAILED.is_match(text)
}

/// The prompt once learned: matched exactly, up to the mode decorations
/// the platform has.
#[derive(Debug, Clone)]
pub struct Prompt {
    /// The line exactly as first seen, e.g. `sw1#`.
    pub learned: String,
    /// The stable part, e.g. `sw1` or `admin@fw1`.
    pub base: String,
}

impl Prompt {
    /// Build the exact matcher for a confirmed prompt line.
    pub fn learn(line: &str) -> Option<Prompt> {
        let line = line.trim();
        if !is_prompt_candidate(line) {
            return None;
        }
        let base = prompt_base(line);
        if base.is_empty() {
            return None;
        }
        Some(Prompt {
            learned: line.to_string(),
            base,
        })
    }

    /// Exactly the learned base, then only the decorations a mode adds:
    /// `(config-if)` (1-40 name chars), then a `:cwd` (up to 200 chars),
    /// then the prompt character and at most one space. Hand-written
    /// rather than a per-session regex: this runs on every read, and a
    /// compiled regex per session cost more memory than the session.
    pub fn matches(&self, line: &str) -> bool {
        let l = line.trim_start();
        let l = l.strip_suffix(' ').unwrap_or(l);
        let Some(rest) = l.strip_prefix(self.base.as_str()) else {
            return false;
        };
        let Some(rest) = rest.strip_suffix(PROMPT_CHARS) else {
            return false;
        };
        let rest = match rest.strip_prefix('(') {
            Some(r) => {
                let Some(close) = r.find(')') else {
                    return false;
                };
                let mode = &r[..close];
                let ok = (1..=40).contains(&mode.len())
                    && mode
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "_.-/ ".contains(c));
                if !ok {
                    return false;
                }
                &r[close + 1..]
            }
            None => rest,
        };
        match rest.strip_prefix(':') {
            Some(cwd) => cwd.len() <= 200 && !cwd.contains(['\r', '\n']),
            None => rest.is_empty(),
        }
    }

    /// `host(config)#`, `host(config-if)#`: we must `end` before leaving.
    /// Without a learned prompt; see [`Prompt::in_config_mode`].
    pub fn is_config_mode(line: &str) -> bool {
        line.contains("(config")
    }

    /// Whether `line` (a prompt of this device) shows config mode: the
    /// decoration *after* the learned name, so a device named `x(config)`
    /// is not taken to be in config mode.
    pub fn in_config_mode(&self, line: &str) -> bool {
        line.trim_start()
            .strip_prefix(self.base.as_str())
            .is_some_and(|rest| rest.starts_with("(config"))
    }

    /// Whether the prompt shows unprivileged exec mode on IOS (`>`).
    pub fn is_user_exec(line: &str) -> bool {
        line.trim_end().ends_with('>')
    }

    /// The hostname the prompt shows (after `user@` when present).
    pub fn hostname(&self) -> &str {
        match self.base.split_once('@') {
            Some((_, h)) => h,
            None => &self.base,
        }
    }
}

/// The prompt without its mode decoration and prompt character:
/// `sw1(config-if)#` -> `sw1`, `admin@fw1>` -> `admin@fw1`,
/// `root@srv:~# ` -> `root@srv`. Everything else is the name, taken
/// literally: exactly one prompt character is removed, and only the
/// decorations a mode adds (`(config...)`, `:~`/`:/` and a path after it).
fn prompt_base(line: &str) -> String {
    let l = line.trim();
    let l = l.strip_suffix(PROMPT_CHARS).unwrap_or(l);
    let l = match l.rfind("(config") {
        Some(i) if i > 0 && l.ends_with(')') && !l[i + 1..l.len() - 1].contains(['(', ')']) => {
            &l[..i]
        }
        _ => l,
    };
    let l = match l.find(":~").or_else(|| l.find(":/")) {
        Some(i) if i > 0 => &l[..i],
        _ => l,
    };
    l.to_string()
}

/// Guess the platform from the prompt alone when that is unambiguous.
/// `user@host:cwd$` is a Unix shell; `user@host>` is PAN-OS; a bare
/// `host#` could be IOS, IOS-XE or NX-OS and needs `show version`.
pub fn platform_from_prompt(line: &str) -> Option<Platform> {
    let l = line.trim();
    if l.contains('@') {
        if l.contains(':') || l.ends_with('$') {
            return Some(Platform::Linux);
        }
        if l.ends_with('>') || l.ends_with('#') {
            return Some(Platform::PaloaltoPanos);
        }
    }
    if l.ends_with('$') {
        return Some(Platform::Linux);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates() {
        for p in [
            "sw1>",
            "sw1#",
            "sw1(config)#",
            "nx-core-01#",
            "admin@fw1>",
            "admin@fw1# ",
            "root@srv:~# ",
            "user@srv:/tmp$ ",
        ] {
            assert!(is_prompt_candidate(p), "{p:?}");
        }
        for p in ["", "####", ">>>", "hello world.", "Username: "] {
            assert!(!is_prompt_candidate(p), "{p:?}");
        }
    }

    #[test]
    fn learned_prompt_matches_modes_only_for_same_host() {
        let p = Prompt::learn("sw1#").unwrap();
        assert_eq!(p.base, "sw1");
        assert!(p.matches("sw1#"));
        assert!(p.matches("sw1>"));
        assert!(p.matches("sw1(config)#"));
        assert!(p.matches("sw1(config-if)#"));
        assert!(!p.matches("sw2#"));
        assert!(!p.matches("xsw1#"));
        assert!(!p.matches("sw1# show version"));
        assert!(!p.matches("sw1(con fig-if"));
        assert!(!p.matches("sw1()#"));
        assert!(p.matches("  sw1# "));
        assert!(!p.matches("sw1#  "));

        let p = Prompt::learn("admin@fw1>").unwrap();
        assert!(p.matches("admin@fw1#"));
        assert_eq!(p.hostname(), "fw1");

        let p = Prompt::learn("root@srv:~# ").unwrap();
        assert_eq!(p.base, "root@srv");
        assert!(p.matches("root@srv:/etc# "));
        assert_eq!(p.hostname(), "srv");
    }

    /// Names are matched as literal text: every character a regex, a glob
    /// or our own decoration parsing could treat specially.
    #[test]
    fn names_with_metacharacters_are_literal() {
        let specials = [
            ".", "*", "+", "?", "(", ")", "[", "]", "{", "}", "|", "^", "$", "\\", "#", ">",
        ];
        let mut names: Vec<String> = specials.iter().map(|c| format!("sw{c}1")).collect();
        names.push("=2+5*acc3".into());
        names.push("a.*+?()[]{}|^$\\#>z".into());
        names.push("(x)".into());
        names.push("sw1#".into());
        names.push("sw1>".into());
        for name in &names {
            for suffix in ['>', '#'] {
                let line = format!("{name}{suffix}");
                assert!(is_prompt_candidate(&line), "{line:?}");
                let p = Prompt::learn(&line).unwrap_or_else(|| panic!("{line:?}"));
                assert_eq!(p.base, *name, "{line:?}");
                assert_eq!(p.hostname(), name.as_str());
                assert!(p.matches(&line), "{line:?}");
                assert!(p.matches(&format!("{name}#")), "{line:?}");
                assert!(p.matches(&format!("{name}(config-if)#")), "{line:?}");
                assert!(p.in_config_mode(&format!("{name}(config)#")));
                assert!(!p.in_config_mode(&line));
                // A near miss is not the prompt: the name is not a pattern.
                assert!(!p.matches(&format!("x{name}{suffix}")), "{line:?}");
                assert!(!p.matches(&format!("{name}x{suffix}")), "{line:?}");
                assert!(!p.matches(&format!("{}{suffix}", &name[1..])), "{line:?}");
            }
        }
        // A name that looks like a mode is still the name.
        let p = Prompt::learn("x(config)>").unwrap();
        assert_eq!(p.base, "x");
        let p = Prompt::learn("a(b)>").unwrap();
        assert_eq!(p.base, "a(b)");
        assert!(!p.in_config_mode("a(b)>"));
        // Control characters never make a prompt.
        assert!(!is_prompt_candidate("sw\x1b1#"));
        assert!(!is_prompt_candidate("sw 1 #"));
    }

    #[test]
    fn platform_guess() {
        assert_eq!(platform_from_prompt("root@srv:~# "), Some(Platform::Linux));
        assert_eq!(
            platform_from_prompt("admin@fw1>"),
            Some(Platform::PaloaltoPanos)
        );
        assert_eq!(platform_from_prompt("sw1#"), None);
    }

    #[test]
    fn more_markers() {
        assert!(ends_with_more(" --More-- "));
        assert!(ends_with_more("lines 1-20"));
        assert!(!ends_with_more("more text"));
        assert_eq!(strip_more("a\n --More-- \x08\x08\x08b"), "a\nb");
    }

    #[test]
    fn errors() {
        assert!(
            profile(Some(Platform::CiscoIos))
                .is_rejected("% Invalid input detected at '^' marker.")
        );
        assert!(profile(Some(Platform::PaloaltoPanos)).is_rejected("Invalid syntax."));
        assert!(profile(Some(Platform::Linux)).is_rejected("bash: foo: command not found"));
        assert!(!profile(Some(Platform::CiscoIos)).is_rejected("Cisco IOS Software"));
    }
}
