//! The device shell: the CLI of one simulated device as a pure state
//! machine, bytes in, actions out.
//!
//! Keeping it free of I/O lets SSH and telnet share one implementation and
//! lets tests drive every prompt, paging and fault path without sockets. The
//! transport drivers in `server` execute the returned [`ShellAction`]s in order.

use crate::delays::{Delays, Draws};
use crate::render::{self, Command};
use crate::topology::{Fault, Quirk, TopologyIndex};
use device_platform::Platform;
use std::sync::Arc;
use std::time::Duration;

/// Lines per page while paging is on (a 24-line terminal, as on a real console).
pub const PAGE_LINES: usize = 24;

/// What the transport must do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShellAction {
    /// Write these bytes to the client now.
    Send(Vec<u8>),
    /// Wait this long before the next action: the device is working on
    /// the command (its `command_ms` delay).
    Pause(Duration),
    /// Write these bytes slowly (the `slow_output` fault).
    SendSlow(Vec<u8>),
    /// Go silent for good: ignore all further input (the connection stays up).
    Stall,
    /// The client said goodbye: end the session cleanly.
    Close,
    /// Drop the TCP connection abruptly, mid-output.
    Drop,
    /// Write [`endless_chunk`]s forever, never a prompt (the
    /// `endless_output` fault); the transport writes with backpressure so
    /// nothing is generated faster than the client reads it.
    Endless,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Telnet login: waiting for the username.
    LoginUser,
    /// Telnet login: waiting for the password.
    LoginPassword,
    User,
    /// After `enable`, waiting for the secret.
    EnablePassword,
    Privileged,
    Config,
    /// Stalled by a fault: nothing more is ever said.
    Dead,
}

struct Pager {
    /// The whole output, split into lines.
    lines: Vec<String>,
    /// First line not yet shown.
    next: usize,
}

/// One CLI session on one simulated device.
pub struct DeviceShell {
    /// The topology: outputs mention neighbours.
    topo: Arc<TopologyIndex>,
    /// This device's index in `topo`.
    idx: usize,
    /// Copied from the device: decides prompts, commands and paging.
    platform: Platform,
    /// Copied from the device: the misbehaviour this shell acts out.
    fault: Option<Fault>,
    /// Login step or privilege level: decides the prompt and what input means.
    mode: Mode,
    /// Whether long outputs stop at `--More--` (`terminal length 0` turns it off).
    paging: bool,
    /// The line being typed, up to the next CR/LF.
    line: Vec<u8>,
    /// The previous byte was CR, so an LF right after it is not a second Enter.
    last_was_cr: bool,
    /// The output being paged, while `--More--` waits for a key.
    pager: Option<Pager>,
    /// Whether typed characters are echoed (not while a password is typed).
    echo: bool,
    /// The username typed at the telnet login, checked with the password.
    login_user: String,
    /// Failed telnet logins so far: the third one hangs up.
    login_failures: u32,
    /// Bumped per command so garbage output differs between commands.
    commands_run: u64,
    /// The device's delays and the seeded draws of its command times;
    /// `None` answers at once.
    pace: Option<(Delays, Draws)>,
}

/// A typed line as lowercase words, matched against a command's full words.
struct Typed {
    /// The line's words, lowercased.
    words: Vec<String>,
    /// Whether each word may be a prefix of the full word (Cisco) or must
    /// be all of it.
    abbreviate: bool,
}

impl Typed {
    fn new(line: &str, abbreviate: bool) -> Typed {
        let words = line
            .split_whitespace()
            .map(|w| w.to_ascii_lowercase())
            .collect();
        Typed { words, abbreviate }
    }

    /// Whether the line is `full` (word by word, abbreviated where allowed).
    fn is(&self, full: &str) -> bool {
        let f: Vec<&str> = full.split(' ').collect();
        f.len() == self.words.len()
            && self.words.iter().zip(&f).all(|(a, b)| {
                if self.abbreviate {
                    !a.is_empty() && b.starts_with(a.as_str())
                } else {
                    a == b
                }
            })
    }
}

impl DeviceShell {
    /// A CLI for an SSH shell: authentication already happened in the SSH layer.
    pub fn after_auth(topo: Arc<TopologyIndex>, idx: usize) -> Self {
        let mut shell = Self::new(topo, idx);
        shell.mode = shell.logged_in_mode();
        shell
    }

    /// A CLI for a telnet connection: it asks for username and password itself.
    pub fn telnet(topo: Arc<TopologyIndex>, idx: usize) -> Self {
        let mut shell = Self::new(topo, idx);
        shell.mode = Mode::LoginUser;
        shell
    }

    fn new(topo: Arc<TopologyIndex>, idx: usize) -> Self {
        let d = topo.device(idx);
        DeviceShell {
            platform: d.platform,
            fault: d.fault,
            topo: topo.clone(),
            idx,
            mode: Mode::User,
            paging: true,
            line: Vec::new(),
            last_was_cr: false,
            pager: None,
            echo: true,
            login_user: String::new(),
            login_failures: 0,
            commands_run: 0,
            pace: topo
                .delays(idx)
                .map(|delays| (*delays, Draws::commands(d.mgmt_ip))),
        }
    }

    fn logged_in_mode(&self) -> Mode {
        let d = self.topo.device(self.idx);
        if self.platform.is_ios_family() && d.enable_secret.is_some() {
            Mode::User
        } else {
            Mode::Privileged
        }
    }

    /// What the device says first: telnet login prompt, or banner + prompt.
    pub fn start(&mut self) -> Vec<ShellAction> {
        if self.mode == Mode::LoginUser {
            return vec![ShellAction::Send(
                crlf("\nUser Access Verification\n\nUsername: ").into_bytes(),
            )];
        }
        self.greeting()
    }

    fn greeting(&mut self) -> Vec<ShellAction> {
        let mut text = self.banner();
        if self.fault == Some(Fault::NoPrompt) {
            self.mode = Mode::Dead;
            return vec![
                ShellAction::Send(crlf(&text).into_bytes()),
                ShellAction::Stall,
            ];
        }
        text.push_str(&self.prompt());
        vec![ShellAction::Send(crlf(&text).into_bytes())]
    }

    fn banner(&self) -> String {
        let d = self.topo.device(self.idx);
        let mut s = String::new();
        if self.fault == Some(Fault::BannerWithPromptChars) {
            s.push_str(
                "\n#################################################\n\
                 # WARNING: authorised access only  <NOC#4411>   #\n\
                 # router#  switch>  core(config)#  > >> # ##    #\n\
                 #################################################\n",
            );
            s.push_str(&format!("{}>\n{}#\n", d.hostname, d.hostname));
        }
        match self.platform {
            Platform::Linux => {
                s.push_str("\nLinux ");
                s.push_str(&d.hostname);
                s.push_str(" 6.1.0-26-amd64 #1 SMP PREEMPT_DYNAMIC Debian x86_64\n\nThe programs included with the Debian GNU/Linux system are free software.\nLast login: Mon Nov 23 15:58:01 2026 from 127.0.0.1\n");
            }
            Platform::CiscoNxos => {
                s.push_str("\nCisco NX-OS Software\nCopyright (c) 2002-2022, Cisco Systems, Inc. All rights reserved.\nNexus 9000v software (\"Nexus 9000v Software\") and related documentation,\nThe copyrights to certain works contained in this software are\nowned by other third parties and used and distributed under\nlicense.\n");
            }
            Platform::PaloaltoPanos => {
                s.push_str("\nNumber of failed attempts since last successful login: 0\n\n\n");
            }
            _ => s.push('\n'),
        }
        s
    }

    pub fn prompt(&self) -> String {
        let d = self.topo.device(self.idx);
        let h = &d.hostname;
        match (self.platform, self.mode) {
            (Platform::PaloaltoPanos, Mode::Config) => format!("{}@{h}# ", d.username),
            (Platform::PaloaltoPanos, _) => format!("{}@{h}> ", d.username),
            (Platform::Linux, _) => format!("{}@{h}:~$ ", d.username),
            (_, Mode::Config) => format!("{h}(config)#"),
            (_, Mode::User) => format!("{h}>"),
            _ => format!("{h}#"),
        }
    }

    /// Feeds client bytes; returns what to do, in order.
    pub fn feed(&mut self, input: &[u8]) -> Vec<ShellAction> {
        let mut out: Vec<ShellAction> = Vec::new();
        let mut echo: Vec<u8> = Vec::new();
        for &b in input {
            if self.mode == Mode::Dead {
                break;
            }
            // CR LF, CR NUL and a lone LF all end one line; the LF of a CR LF
            // must not count as a second keystroke (it would advance a pager).
            if b == b'\n' && self.last_was_cr {
                self.last_was_cr = false;
                continue;
            }
            if self.pager.is_some() {
                self.last_was_cr = b == b'\r';
                flush_echo(&mut echo, &mut out);
                self.pager_key(b, &mut out);
                continue;
            }
            match b {
                b'\r' | b'\n' => {
                    self.last_was_cr = b == b'\r';
                    // The line end is echoed even when the characters are not.
                    echo.extend_from_slice(b"\r\n");
                    flush_echo(&mut echo, &mut out);
                    let line =
                        String::from_utf8_lossy(&std::mem::take(&mut self.line)).into_owned();
                    let commanding = self.is_at_prompt() && !line.trim().is_empty();
                    let mut actions = self.line_entered(line.trim());
                    if commanding {
                        self.think(&mut actions);
                    }
                    let ends = actions.iter().any(|a| {
                        matches!(
                            a,
                            ShellAction::Close
                                | ShellAction::Drop
                                | ShellAction::Stall
                                | ShellAction::Endless
                        )
                    });
                    out.extend(actions);
                    if ends {
                        return out;
                    }
                }
                0 => {
                    // Telnet sends CR NUL for a bare carriage return.
                    self.last_was_cr = false;
                }
                0x08 | 0x7f => {
                    self.last_was_cr = false;
                    if self.line.pop().is_some() && self.echo {
                        echo.extend_from_slice(b"\x08 \x08");
                    }
                }
                0x03 => {
                    // Ctrl-C abandons the line, as on a real device.
                    self.last_was_cr = false;
                    self.line.clear();
                    echo.extend_from_slice(b"^C\r\n");
                    echo.extend_from_slice(self.prompt().as_bytes());
                }
                _ => {
                    self.last_was_cr = false;
                    self.line.push(b);
                    if self.echo {
                        echo.push(b);
                    }
                }
            }
        }
        flush_echo(&mut echo, &mut out);
        out
    }

    /// Whether a typed line is a command (not a login step or a secret).
    fn is_at_prompt(&self) -> bool {
        matches!(self.mode, Mode::User | Mode::Privileged | Mode::Config)
    }

    /// Puts the device's processing time for a command before its answer
    /// (drawn from its `command_ms` span, longer for longer answers).
    fn think(&mut self, actions: &mut Vec<ShellAction>) {
        let Some((delays, draws)) = self.pace.as_mut() else {
            return;
        };
        let bytes: usize = actions
            .iter()
            .map(|a| match a {
                ShellAction::Send(b) | ShellAction::SendSlow(b) => b.len(),
                _ => 0,
            })
            .sum();
        let d = delays.command(draws, bytes);
        if !d.is_zero() {
            actions.insert(0, ShellAction::Pause(d));
        }
    }

    fn pager_key(&mut self, key: u8, out: &mut Vec<ShellAction>) {
        // Erase " --More-- " the way IOS does: backspaces, blanks, backspaces.
        let erase = b"\x08\x08\x08\x08\x08\x08\x08\x08\x08\x08          \x08\x08\x08\x08\x08\x08\x08\x08\x08\x08";
        let Some(pager) = self.pager.as_mut() else {
            return;
        };
        let take = match key {
            b' ' => PAGE_LINES - 1,
            b'\r' | b'\n' => 1,
            _ => {
                // q or anything else ends the output.
                self.pager = None;
                let mut bytes = erase.to_vec();
                bytes.extend_from_slice(self.prompt().as_bytes());
                out.push(ShellAction::Send(bytes));
                return;
            }
        };
        let end = (pager.next + take).min(pager.lines.len());
        let mut text = String::new();
        for l in &pager.lines[pager.next..end] {
            text.push_str(l);
            text.push('\n');
        }
        pager.next = end;
        let done = pager.next >= pager.lines.len();
        let mut bytes = erase.to_vec();
        bytes.extend_from_slice(crlf(&text).as_bytes());
        if done {
            self.pager = None;
            bytes.extend_from_slice(self.prompt().as_bytes());
        } else {
            bytes.extend_from_slice(b" --More-- ");
        }
        out.push(ShellAction::Send(bytes));
    }

    fn line_entered(&mut self, line: &str) -> Vec<ShellAction> {
        match self.mode {
            Mode::LoginUser => {
                self.login_user = line.to_string();
                self.mode = Mode::LoginPassword;
                self.echo = false;
                vec![ShellAction::Send(b"Password: ".to_vec())]
            }
            Mode::LoginPassword => {
                self.echo = true;
                let d = self.topo.device(self.idx);
                let ok = self.fault != Some(Fault::AuthFail)
                    && self.login_user == d.username
                    && line == d.password;
                if ok {
                    self.mode = self.logged_in_mode();
                    return self.greeting();
                }
                self.login_failures += 1;
                self.mode = Mode::LoginUser;
                if self.login_failures >= 3 {
                    return vec![
                        ShellAction::Send(crlf("% Authentication failed\n\n").into_bytes()),
                        ShellAction::Close,
                    ];
                }
                vec![ShellAction::Send(
                    crlf("% Authentication failed\n\nUsername: ").into_bytes(),
                )]
            }
            Mode::EnablePassword => {
                self.echo = true;
                let d = self.topo.device(self.idx);
                if d.enable_secret.as_deref() == Some(line) {
                    self.mode = Mode::Privileged;
                    self.reply("")
                } else {
                    self.mode = Mode::User;
                    self.reply("% Access denied\n\n")
                }
            }
            Mode::Dead => vec![ShellAction::Stall],
            Mode::User | Mode::Privileged | Mode::Config => self.command(line),
        }
    }

    fn reply(&self, text: &str) -> Vec<ShellAction> {
        let mut s = crlf(text);
        s.push_str(&self.prompt());
        vec![ShellAction::Send(s.into_bytes())]
    }

    fn command(&mut self, line: &str) -> Vec<ShellAction> {
        let cisco = matches!(
            self.platform,
            Platform::CiscoIos | Platform::CiscoXe | Platform::CiscoNxos
        );
        let typed = Typed::new(line, cisco);
        if typed.words.is_empty() {
            return self.reply("");
        }
        // Session control first: these exist on every platform.
        if let Some(actions) = self.session_command(&typed) {
            return actions;
        }
        if cisco && let Some(actions) = self.cisco_mode_command(&typed, line) {
            return actions;
        }
        if self.platform == Platform::PaloaltoPanos
            && let Some(actions) = self.panos_cli_command(&typed)
        {
            return actions;
        }
        self.device_command(line)
    }

    /// `exit`, `logout`, `quit`: leave config mode, or end the session.
    fn session_command(&mut self, typed: &Typed) -> Option<Vec<ShellAction>> {
        if !(typed.is("exit") || typed.is("logout") || typed.is("quit")) {
            return None;
        }
        if self.mode == Mode::Config {
            self.mode = Mode::Privileged;
            return Some(self.reply(""));
        }
        if self.platform == Platform::Linux {
            return Some(vec![
                ShellAction::Send(b"logout\r\n".to_vec()),
                ShellAction::Close,
            ]);
        }
        Some(vec![ShellAction::Close])
    }

    /// Cisco terminal settings and mode changes (`terminal length`,
    /// `enable`, `configure terminal`, `end`); config lines are accepted.
    fn cisco_mode_command(&mut self, typed: &Typed, line: &str) -> Option<Vec<ShellAction>> {
        let w = &typed.words;
        if w.len() == 3 && is_prefix(&w[0], "terminal") && is_prefix(&w[1], "length") {
            self.paging = w[2] != "0";
            return Some(self.reply(""));
        }
        if w.len() == 3 && is_prefix(&w[0], "terminal") && is_prefix(&w[1], "width") {
            return Some(self.reply(""));
        }
        if typed.is("enable") {
            if self.mode == Mode::User {
                self.mode = Mode::EnablePassword;
                self.echo = false;
                return Some(vec![ShellAction::Send(b"Password: ".to_vec())]);
            }
            return Some(self.reply(""));
        }
        if typed.is("disable") && self.platform.is_ios_family() {
            self.mode = Mode::User;
            return Some(self.reply(""));
        }
        if typed.is("configure terminal") {
            if self.mode == Mode::User {
                return Some(self.invalid(line));
            }
            self.mode = Mode::Config;
            return Some(
                self.reply("Enter configuration commands, one per line.  End with CNTL/Z.\n"),
            );
        }
        if typed.is("end") && self.mode == Mode::Config {
            self.mode = Mode::Privileged;
            return Some(self.reply(""));
        }
        if self.mode == Mode::Config {
            // Accept configuration lines silently, as a device does for valid ones.
            return Some(self.reply(""));
        }
        None
    }

    /// PAN-OS `set cli ...` (paging on/off) and `configure`.
    fn panos_cli_command(&mut self, typed: &Typed) -> Option<Vec<ShellAction>> {
        let w = &typed.words;
        if typed.is("set cli pager off") {
            self.paging = false;
            return Some(self.reply(""));
        }
        if typed.is("set cli pager on") {
            self.paging = true;
            return Some(self.reply(""));
        }
        if w.first().map(String::as_str) == Some("set")
            && w.get(1).map(String::as_str) == Some("cli")
        {
            return Some(self.reply(""));
        }
        if typed.is("configure") {
            self.mode = Mode::Config;
            return Some(self.reply("Entering configuration mode\n[edit]\n"));
        }
        None
    }

    /// A command that prints something: rendered from the topology, or
    /// rejected as the platform rejects unknown input.
    fn device_command(&mut self, line: &str) -> Vec<ShellAction> {
        let line = if self.platform == Platform::Linux {
            let (path, command) = shell_assignments(line);
            if !self.finds_lldpcli(path) && command.split_whitespace().next() == Some("lldpcli") {
                return self.invalid(command);
            }
            command
        } else {
            line
        };
        match render::match_command(self.platform, line)
            .and_then(|c| render::render(&self.topo, self.idx, c).map(|t| (c, t)))
        {
            Some((cmd, text)) => self.output(cmd, text),
            None => self.invalid(line),
        }
    }

    /// Whether this Linux host's shell finds `lldpcli` with the PATH the
    /// command line set (if any): it is absent without lldpd, and in
    /// `/usr/sbin` (outside a user's default PATH) on Debian.
    fn finds_lldpcli(&self, path: Option<&str>) -> bool {
        let quirks = &self.topo.device(self.idx).quirks;
        if quirks.contains(&Quirk::NoLldpd) {
            return false;
        }
        !quirks.contains(&Quirk::LldpcliOutsidePath)
            || path.is_some_and(|p| p.split(':').any(|dir| dir == "/usr/sbin"))
    }

    fn invalid(&self, line: &str) -> Vec<ShellAction> {
        let prompt_len = self.prompt().len();
        // Point the caret at the first word the device did not understand:
        // the second word after a known verb, else the first.
        let first_len = line.split_whitespace().next().map(str::len).unwrap_or(0);
        let offset = if line.split_whitespace().count() > 1
            && is_prefix(&line[..first_len].to_ascii_lowercase(), "show")
        {
            line.find(char::is_whitespace).map(|i| i + 1).unwrap_or(0)
        } else {
            0
        };
        let caret = format!("{}^\n", " ".repeat(prompt_len + offset));
        let text = match self.platform {
            Platform::CiscoIos | Platform::CiscoXe => {
                format!("{caret}% Invalid input detected at '^' marker.\n\n")
            }
            Platform::CiscoNxos => format!("{caret}% Invalid command at '^' marker.\n\n"),
            Platform::PaloaltoPanos => "Invalid syntax.\n\n".to_string(),
            Platform::Linux => format!(
                "-bash: {}: command not found\n",
                line.split_whitespace().next().unwrap_or("")
            ),
        };
        self.reply(&text)
    }

    fn output(&mut self, cmd: Command, text: String) -> Vec<ShellAction> {
        self.commands_run += 1;
        match self.fault {
            Some(Fault::EndlessOutput) if cmd != Command::ShowVersion => {
                self.mode = Mode::Dead;
                return vec![ShellAction::Endless];
            }
            Some(Fault::GarbageOutput) => {
                let mut bytes = garbage(self.idx as u64 * 7919 + self.commands_run, text.len());
                bytes.extend_from_slice(b"\r\n");
                bytes.extend_from_slice(self.prompt().as_bytes());
                return vec![ShellAction::Send(bytes)];
            }
            Some(Fault::StopMidOutput) => {
                self.mode = Mode::Dead;
                let half = crlf(&text[..floor_char_boundary(&text, text.len() / 2)]);
                return vec![ShellAction::Send(half.into_bytes()), ShellAction::Stall];
            }
            Some(Fault::DropMidCommand) => {
                let half = crlf(&text[..floor_char_boundary(&text, text.len() / 2)]);
                return vec![ShellAction::Send(half.into_bytes()), ShellAction::Drop];
            }
            _ => {}
        }
        let lines: Vec<&str> = text.lines().collect();
        let pages = self.paging
            && matches!(
                self.platform,
                Platform::CiscoIos
                    | Platform::CiscoXe
                    | Platform::CiscoNxos
                    | Platform::PaloaltoPanos
            )
            && lines.len() > PAGE_LINES - 1;
        let bytes = if pages {
            let first = PAGE_LINES - 1;
            let mut s = String::new();
            for l in &lines[..first] {
                s.push_str(l);
                s.push('\n');
            }
            let mut b = crlf(&s).into_bytes();
            b.extend_from_slice(b" --More-- ");
            self.pager = Some(Pager {
                lines: lines.iter().map(|l| l.to_string()).collect(),
                next: first,
            });
            b
        } else {
            let mut s = crlf(&text);
            s.push_str(&self.prompt());
            s.into_bytes()
        };
        if self.fault == Some(Fault::SlowOutput) {
            vec![ShellAction::SendSlow(bytes)]
        } else {
            vec![ShellAction::Send(bytes)]
        }
    }
}

/// Merges consecutive [`ShellAction::Send`]s into one write. A device that gets
/// a whole command line in one packet answers with the echo, the output and
/// the next prompt back to back; a real device's TCP stack would usually
/// carry them in one segment, and one write here is one SSH data packet
/// instead of two or three (each encrypted, MACed and sent on its own).
pub fn coalesce(actions: Vec<ShellAction>) -> Vec<ShellAction> {
    let mut out: Vec<ShellAction> = Vec::with_capacity(actions.len());
    for a in actions {
        match (out.last_mut(), a) {
            (Some(ShellAction::Send(prev)), ShellAction::Send(b)) => prev.extend_from_slice(&b),
            (_, a) => out.push(a),
        }
    }
    out
}

fn flush_echo(echo: &mut Vec<u8>, out: &mut Vec<ShellAction>) {
    if !echo.is_empty() {
        out.push(ShellAction::Send(std::mem::take(echo)));
    }
}

fn is_prefix(word: &str, full: &str) -> bool {
    !word.is_empty() && full.starts_with(word)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// One chunk of the `endless_output` fault's stream: bounded, generated on
/// demand, never containing a prompt. `n` numbers the chunk.
pub fn endless_chunk(n: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(4096);
    let mut line = 0u64;
    while out.len() < 4000 {
        out.extend_from_slice(
            format!("endless output {n:08}.{line:03}: this command never finishes\r\n").as_bytes(),
        );
        line += 1;
    }
    out
}

/// Devices end lines with CR LF.
pub fn crlf(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 16);
    // Whole lines at a time (memchr), not a char at a time: every reply of
    // every session passes through here.
    let mut rest = s;
    while let Some(i) = rest.find('\n') {
        out.push_str(&rest[..i]);
        out.push_str("\r\n");
        rest = &rest[i + 1..];
    }
    out.push_str(rest);
    out
}

/// Deterministic junk: control characters, high bytes and broken escape
/// sequences, but never a newline-free megabyte.
fn garbage(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E3779B97F4A7C15) | 1;
    let len = len.clamp(64, 4096);
    (0..len)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if i % 61 == 60 {
                b'\n'
            } else {
                match (x % 10) as u8 {
                    0 => 0x1b,
                    1 => 0x80 | (x >> 8) as u8,
                    _ => 0x21 + ((x >> 16) % 90) as u8,
                }
            }
        })
        .collect()
}

/// A POSIX shell line's leading `NAME=VALUE` words set the environment of
/// the command that follows. Returns the `PATH` they set, if any, and the
/// command itself (values with quotes or spaces are not modelled).
fn shell_assignments(line: &str) -> (Option<&str>, &str) {
    let mut path = None;
    let mut rest = line.trim_start();
    while let Some((word, after)) = rest.split_once(char::is_whitespace) {
        let Some((name, value)) = word.split_once('=') else {
            break;
        };
        let is_name = !name.is_empty()
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !is_name {
            break;
        }
        if name == "PATH" {
            path = Some(value);
        }
        rest = after.trim_start();
    }
    (path, rest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::Topology;

    #[test]
    fn crlf_puts_a_cr_before_every_newline_and_changes_nothing_else() {
        for (text, want) in [
            ("", ""),
            ("a", "a"),
            ("\n", "\r\n"),
            ("a\nb\n", "a\r\nb\r\n"),
            ("\n\nx", "\r\n\r\nx"),
            ("é\n€\n\u{1F600}", "é\r\n€\r\n\u{1F600}"),
        ] {
            assert_eq!(crlf(text), want, "{text:?}");
        }
    }

    #[test]
    fn coalesce_merges_only_adjacent_sends() {
        let got = coalesce(vec![
            ShellAction::Send(b"a".to_vec()),
            ShellAction::Send(b"b".to_vec()),
            ShellAction::Stall,
            ShellAction::Send(b"c".to_vec()),
            ShellAction::SendSlow(b"d".to_vec()),
            ShellAction::Send(b"e".to_vec()),
            ShellAction::Send(b"f".to_vec()),
            ShellAction::Close,
        ]);
        assert_eq!(
            got,
            vec![
                ShellAction::Send(b"ab".to_vec()),
                ShellAction::Stall,
                ShellAction::Send(b"c".to_vec()),
                ShellAction::SendSlow(b"d".to_vec()),
                ShellAction::Send(b"ef".to_vec()),
                ShellAction::Close,
            ]
        );
    }

    fn topo(extra: &str) -> Arc<TopologyIndex> {
        let text = format!(
            r#"
[[device]]
hostname = "sw1"
platform = "cisco_ios"
mgmt_ip = "127.1.0.1"
serial = "FOC1"
model = "WS-C2960X-48FPD-L"
version = "15.2(7)E4"
{extra}
[[device]]
hostname = "sw2"
platform = "cisco_nxos"
mgmt_ip = "127.1.0.2"
serial = "SAL1"
model = "C9396PX"
version = "9.3(9)"
[[link]]
a = "sw1"
a_interface = "GigabitEthernet1/0/1"
b = "sw2"
b_interface = "Ethernet1/1"
"#
        );
        Arc::new(TopologyIndex::new(Topology::from_toml_str(&text).unwrap()))
    }

    fn linux(quirks: &str) -> Arc<TopologyIndex> {
        let text = format!(
            r#"
[[device]]
hostname = "srv1"
platform = "linux"
kind = "host"
mgmt_ip = "127.1.0.1"
serial = "VMW-1"
model = "VMware"
version = "Debian GNU/Linux 12 (bookworm)"
quirks = [{quirks}]
[[device]]
hostname = "sw2"
platform = "cisco_nxos"
mgmt_ip = "127.1.0.2"
serial = "SAL1"
model = "C9396PX"
version = "9.3(9)"
[[link]]
a = "srv1"
a_interface = "eth0"
b = "sw2"
b_interface = "Ethernet1/1"
"#
        );
        Arc::new(TopologyIndex::new(Topology::from_toml_str(&text).unwrap()))
    }

    #[test]
    fn lldpcli_outside_path_needs_usr_sbin_on_the_path() {
        let mut shell = DeviceShell::after_auth(linux("\"lldpcli_outside_path\""), 0);
        shell.start();
        let out = sent(&shell.feed(b"lldpcli -f json show neighbors details\r"));
        assert!(out.contains("-bash: lldpcli: command not found"), "{out}");
        let out = sent(&shell.feed(
            b"PATH=/usr/local/bin:/usr/bin:/bin LANG=C lldpcli -f json show neighbors details\r",
        ));
        assert!(out.contains("command not found"), "{out}");
        let out =
            sent(&shell.feed(b"PATH=/usr/sbin:/usr/bin lldpcli -f json show neighbors details\r"));
        assert!(out.contains("\"sw2\""), "{out}");

        let mut plain = DeviceShell::after_auth(linux(""), 0);
        plain.start();
        let out = sent(&plain.feed(b"lldpcli -f json show neighbors details\r"));
        assert!(out.contains("\"sw2\""), "{out}");

        let mut none = DeviceShell::after_auth(linux("\"no_lldpd\""), 0);
        none.start();
        let out = sent(&none.feed(b"PATH=/usr/sbin lldpcli -f json show neighbors details\r"));
        assert!(out.contains("lldpcli: command not found"), "{out}");
    }

    #[test]
    fn switched_off_protocols_say_so_and_vanish_from_neighbours() {
        let t = topo("quirks = [\"lldp_disabled\", \"cdp_disabled\"]");
        let mut shell = DeviceShell::after_auth(t.clone(), 0);
        shell.start();
        let out = sent(&shell.feed(b"show lldp neighbors detail\r"));
        assert!(out.contains("% LLDP is not enabled"), "{out}");
        let out = sent(&shell.feed(b"show cdp neighbors detail\r"));
        assert!(out.contains("% CDP is not enabled"), "{out}");
        // The neighbour hears nothing from sw1 over either protocol.
        let mut nx = DeviceShell::after_auth(t, 1);
        nx.start();
        let out = sent(&nx.feed(b"show cdp neighbors detail\r"));
        assert!(!out.contains("sw1"), "{out}");
        let out = sent(&nx.feed(b"show lldp neighbors detail\r"));
        assert!(!out.contains("sw1"), "{out}");

        // NX-OS without `feature lldp` does not know the command.
        let t = topo("");
        let mut topo2 = t.topology.clone();
        topo2.devices[1].quirks = vec![Quirk::LldpDisabled];
        let mut nx = DeviceShell::after_auth(Arc::new(TopologyIndex::new(topo2)), 1);
        nx.start();
        let out = sent(&nx.feed(b"show lldp neighbors detail\r"));
        assert!(out.contains("% Invalid command"), "{out}");
    }

    #[test]
    fn shell_assignments_are_split_from_the_command() {
        assert_eq!(shell_assignments("lldpcli show"), (None, "lldpcli show"));
        assert_eq!(
            shell_assignments("A=1 PATH=/usr/sbin:/bin  lldpcli show"),
            (Some("/usr/sbin:/bin"), "lldpcli show")
        );
        assert_eq!(shell_assignments("1A=2 x"), (None, "1A=2 x"));
        assert_eq!(shell_assignments("PATH=/x"), (None, "PATH=/x"));
    }

    fn sent(actions: &[ShellAction]) -> String {
        let mut s = String::new();
        for a in actions {
            if let ShellAction::Send(b) | ShellAction::SendSlow(b) = a {
                s.push_str(&String::from_utf8_lossy(b));
            }
        }
        s
    }

    #[test]
    fn enable_mode_and_prompts() {
        let t = topo("enable_secret = \"s3\"");
        let mut shell = DeviceShell::after_auth(t, 0);
        assert!(sent(&shell.start()).ends_with("sw1>"));
        let out = sent(&shell.feed(b"enable\r"));
        assert!(out.ends_with("Password: "), "{out:?}");
        // The secret is not echoed.
        let out = sent(&shell.feed(b"s3\r"));
        assert!(!out.contains("s3"));
        assert!(out.ends_with("sw1#"));
        let out = sent(&shell.feed(b"conf t\r"));
        assert!(out.ends_with("sw1(config)#"), "{out:?}");
        assert!(sent(&shell.feed(b"end\r")).ends_with("sw1#"));
        assert_eq!(shell.feed(b"exit\r").last(), Some(&ShellAction::Close));
    }

    #[test]
    fn pages_until_paging_is_disabled() {
        let t = topo("");
        let mut shell = DeviceShell::after_auth(t, 0);
        shell.start();
        let out = sent(&shell.feed(b"show version\r\n"));
        assert!(out.ends_with(" --More-- "), "{out}");
        assert_eq!(out.matches("\r\n").count(), PAGE_LINES); // echo CRLF + 23 lines
        let mut all = out;
        for _ in 0..20 {
            let more = sent(&shell.feed(b" "));
            all.push_str(&more);
            if more.ends_with("sw1#") {
                break;
            }
        }
        assert!(all.ends_with("sw1#"), "paging never finished");
        assert!(all.contains("Configuration register is 0xF"));
        shell.feed(b"terminal length 0\r");
        let out = sent(&shell.feed(b"show version\r"));
        assert!(!out.contains("--More--"));
        assert!(out.ends_with("sw1#"));
    }

    #[test]
    fn unknown_commands_answer_like_the_platform() {
        let t = topo("");
        let mut ios = DeviceShell::after_auth(t.clone(), 0);
        ios.start();
        let out = sent(&ios.feed(b"show bogus\r"));
        assert!(
            out.contains("% Invalid input detected at '^' marker."),
            "{out}"
        );
        let caret_line = out.lines().find(|l| l.trim() == "^").unwrap();
        assert_eq!(caret_line.find('^'), Some("sw1#show ".len()));
        let mut nx = DeviceShell::after_auth(t, 1);
        nx.start();
        let out = sent(&nx.feed(b"frobnicate\r"));
        assert!(out.contains("% Invalid command at '^' marker."), "{out}");
    }

    #[test]
    fn telnet_login_checks_credentials_and_gives_up_after_three() {
        let t = topo("");
        let mut shell = DeviceShell::telnet(t.clone(), 0);
        assert!(sent(&shell.start()).ends_with("Username: "));
        shell.feed(b"admin\r\n");
        let out = sent(&shell.feed(b"admin\r\n"));
        assert!(out.ends_with("sw1#"), "{out:?}");

        let mut bad = DeviceShell::telnet(t, 0);
        bad.start();
        for i in 0..3 {
            bad.feed(b"admin\r\0");
            let actions = bad.feed(b"wrong\r\0");
            assert_eq!(actions.last() == Some(&ShellAction::Close), i == 2);
        }
    }

    /// The device's processing time comes before a command's answer (a
    /// pure action: the transport waits), drawn from its span, never for
    /// a login step, and not at all on a device without delays.
    #[test]
    fn commands_pause_for_the_devices_processing_time() {
        let pauses = |actions: &[ShellAction]| -> Vec<Duration> {
            let p = actions.iter().filter_map(|a| match a {
                ShellAction::Pause(d) => Some(*d),
                _ => None,
            });
            p.collect()
        };
        let t = topo("[device.delays]\ncommand_ms = [50, 400]\nrtt_ms = 20");
        let mut shell = DeviceShell::telnet(t.clone(), 0);
        assert!(pauses(&shell.start()).is_empty());
        assert!(pauses(&shell.feed(b"admin\r")).is_empty());
        assert!(pauses(&shell.feed(b"admin\r")).is_empty());
        assert!(
            pauses(&shell.feed(b"\r")).is_empty(),
            "an empty line is instant"
        );
        let actions = shell.feed(b"show version\r");
        let p = pauses(&actions);
        assert_eq!(p.len(), 1, "{actions:?}");
        assert!(p[0] >= Duration::from_millis(50) && p[0] <= Duration::from_millis(400));
        // The echo goes first; the answer waits for the device.
        assert!(matches!(actions[0], ShellAction::Send(_)));
        assert!(matches!(actions[1], ShellAction::Pause(_)));
        assert!(sent(&actions).contains("Cisco IOS Software"));
        // The same device draws the same times in every session.
        let mut again = DeviceShell::after_auth(t.clone(), 0);
        again.start();
        let first: Vec<Duration> = (0..5)
            .flat_map(|_| pauses(&again.feed(b"show clock\r")))
            .collect();
        let mut other = DeviceShell::after_auth(t.clone(), 0);
        other.start();
        let second: Vec<Duration> = (0..5)
            .flat_map(|_| pauses(&other.feed(b"show clock\r")))
            .collect();
        assert_eq!(first, second);
        // sw2 has no delays.
        let mut nx = DeviceShell::after_auth(t, 1);
        nx.start();
        assert!(pauses(&nx.feed(b"show version\r")).is_empty());
    }

    #[test]
    fn faults_shape_output() {
        let t = topo("fault = \"drop_mid_command\"");
        let mut shell = DeviceShell::after_auth(t, 0);
        shell.start();
        shell.feed(b"term len 0\r");
        let actions = shell.feed(b"show version\r");
        assert_eq!(actions.last(), Some(&ShellAction::Drop));

        let t = topo("fault = \"no_prompt\"");
        let mut shell = DeviceShell::after_auth(t, 0);
        let actions = shell.start();
        assert_eq!(actions.last(), Some(&ShellAction::Stall));
        assert!(!sent(&actions).contains("sw1#"));

        let t = topo("fault = \"garbage_output\"");
        let mut shell = DeviceShell::after_auth(t, 0);
        shell.start();
        let out = shell.feed(b"show version\r");
        let text = sent(&out);
        assert!(!text.contains("Cisco IOS Software"));
        assert!(text.ends_with("sw1#"));

        let t = topo("fault = \"endless_output\"");
        let mut shell = DeviceShell::after_auth(t, 0);
        shell.start();
        shell.feed(b"term len 0\r");
        let out = sent(&shell.feed(b"show version\r"));
        assert!(out.ends_with("sw1#"), "show version still answers: {out:?}");
        assert_eq!(
            shell.feed(b"show cdp neighbors detail\r").last(),
            Some(&ShellAction::Endless)
        );
        let chunk = endless_chunk(7);
        assert!(chunk.len() <= 4096 && !String::from_utf8_lossy(&chunk).contains("sw1"));

        let t = topo("fault = \"banner_with_prompt_chars\"");
        let mut shell = DeviceShell::after_auth(t, 0);
        let banner = sent(&shell.start());
        assert!(banner.contains("sw1>\r\nsw1#\r\n"));
        assert!(banner.ends_with("sw1#"));
    }
}
