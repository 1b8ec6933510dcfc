//! The CLI engine: bytes in, prompts found, commands run. It knows nothing
//! about SSH or telnet — it drives any `AsyncRead + AsyncWrite` stream, so
//! the tests drive it over `tokio::io::duplex` against a scripted device.
//!
//! Every read has a deadline and every read also watches the `kill` token,
//! so a forced close interrupts a read that a silent peer would otherwise
//! hold forever.

use crate::error::{DeviceLabel, SessionError, Step, tail_lossy};
use crate::profile::{self, Profile, Prompt};
use bytes::BufMut;
use device_platform::Platform;
use regex::Regex;
use secrecy::{ExposeSecret, SecretString};
use std::sync::LazyLock;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use zeroize::Zeroize;

/// Any byte stream a session can run over.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

pub type BoxIo = Box<dyn Io>;

/// How long a peer may stay silent before we nudge it with a newline while
/// looking for the first prompt (some devices print nothing until a key is
/// pressed).
const NUDGE_AFTER: Duration = Duration::from_millis(700);
const MAX_NUDGES: u32 = 3;
const READ_CHUNK: usize = 16 * 1024;
const IDLE_BUFFER: usize = 512;
/// The longest tail of a line that can still hold a prompt (a prompt is at
/// most 160 characters; the rest is room for terminal escapes). Prompt
/// detection looks at no more than this of the current line, however long
/// the line grows.
const PROMPT_TAIL: usize = 512;
/// How far back the login-failure check re-reads, so that a message split
/// across two reads is still seen.
const FAILURE_OVERLAP: usize = 64;
/// How many recent prompt-like complete lines the prompt confirmation keeps.
const RECENT_CANDIDATES: usize = 64;

/// The result of one command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// The command as sent, so a result can be told apart from its neighbours.
    pub command: String,
    /// What the device printed, echo and trailing prompt removed, `\n` line ends.
    pub text: String,
    /// The device printed one of the platform's error markers.
    pub rejected: bool,
    /// From sending the command to its prompt, for reports and slow-device warnings.
    pub duration: Duration,
}

pub(crate) struct CliEngine {
    /// The byte stream to the device (SSH channel, telnet, or a caller's stream).
    io: BoxIo,
    /// Bytes read but not yet consumed by a step (bounded by `max_output`).
    buf: Vec<u8>,
    /// Who every error from this engine is about.
    pub device: DeviceLabel,
    /// The learned prompt (the device's name as literal text), once known.
    pub prompt: Option<Prompt>,
    /// The platform's prompts, paging commands, error markers and goodbye.
    pub profile: &'static Profile,
    /// Line terminator for what we send: `\n` on an SSH pty, `\r\n` on telnet.
    pub newline: &'static str,
    /// The last prompt line seen, to know the mode (`>`, `#`, `(config)`).
    pub last_prompt: String,
    /// Paging was turned off; when false `--More--` is answered while reading.
    pub paging_disabled: bool,
    /// Cancelled by a forced shutdown: every read and write stops at once.
    pub kill: CancellationToken,
    /// Set after a command failed half-way: the stream position is unknown
    /// and further commands would read stale output.
    pub broken: Option<SessionError>,
    /// Most bytes buffered for one step (a command's output, the banner):
    /// a device that streams forever or never prompts must not grow the
    /// buffer until the deadline (`OpenOptions::max_output_bytes`).
    pub max_output: usize,
    /// Bytes looked at by prompt detection, for the test that it is linear
    /// in the output size (each byte once, plus a bounded tail per read).
    pub scanned: u64,
}

impl CliEngine {
    pub fn new(
        io: BoxIo,
        device: DeviceLabel,
        newline: &'static str,
        kill: CancellationToken,
    ) -> CliEngine {
        CliEngine {
            io,
            buf: Vec::new(),
            device,
            prompt: None,
            profile: profile::profile(None),
            newline,
            last_prompt: String::new(),
            paging_disabled: false,
            kill,
            broken: None,
            max_output: crate::options::DEFAULT_MAX_OUTPUT,
            scanned: 0,
        }
    }

    pub fn set_platform(&mut self, platform: Option<Platform>) {
        self.profile = profile::profile(platform);
    }

    pub fn platform(&self) -> Option<Platform> {
        self.profile.platform
    }

    fn timeout(&self, step: Step, after: Duration) -> SessionError {
        SessionError::Timeout {
            device: self.device.clone(),
            step,
            after,
        }
    }

    pub async fn send(
        &mut self,
        data: &str,
        step: &Step,
        deadline: Instant,
        budget: Duration,
    ) -> Result<(), SessionError> {
        let fut = async {
            self.io.write_all(data.as_bytes()).await?;
            self.io.flush().await
        };
        let r = tokio::select! {
            biased;
            _ = self.kill.cancelled() => return Err(SessionError::ShuttingDown { device: self.device.clone() }),
            r = tokio::time::timeout_at(deadline, fut) => r,
        };
        match r {
            Err(_) => Err(self.timeout(step.clone(), budget)),
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(SessionError::Closed {
                device: self.device.clone(),
                step: step.clone(),
            }),
        }
    }

    pub async fn send_line(
        &mut self,
        line: &str,
        step: &Step,
        deadline: Instant,
        budget: Duration,
    ) -> Result<(), SessionError> {
        let s = format!("{line}{}", self.newline);
        self.send(&s, step, deadline, budget).await
    }

    /// Sends a secret followed by a newline without it ever being in a
    /// `String` we own longer than the write.
    pub async fn send_secret(
        &mut self,
        secret: &SecretString,
        step: &Step,
        deadline: Instant,
        budget: Duration,
    ) -> Result<(), SessionError> {
        let mut s = String::with_capacity(secret.expose_secret().len() + 2);
        s.push_str(secret.expose_secret());
        s.push_str(self.newline);
        let r = self.send(&s, step, deadline, budget).await;
        s.zeroize();
        r
    }

    /// Reads one chunk, or fails with the step's typed error.
    /// `Ok(false)` means the read hit `soft` (a nudge point) before `deadline`.
    async fn read_chunk(
        &mut self,
        step: &Step,
        deadline: Instant,
        soft: Option<Instant>,
        budget: Duration,
    ) -> Result<bool, SessionError> {
        let until = match soft {
            Some(s) if s < deadline => s,
            _ => deadline,
        };
        let start = self.buf.len();
        // Read at most one byte past the limit: enough to know it was passed.
        let room = (self.max_output + 1)
            .saturating_sub(start)
            .clamp(1, READ_CHUNK);
        // Into the spare capacity: zero-filling 16 KiB per read (and
        // truncating it again) was a per-read memset for nothing.
        self.buf.reserve(room);
        let mut spare = (&mut self.buf).limit(room);
        let r = tokio::select! {
            biased;
            _ = self.kill.cancelled() => {
                return Err(SessionError::ShuttingDown { device: self.device.clone() });
            }
            r = tokio::time::timeout_at(until, self.io.read_buf(&mut spare)) => r,
        };
        match r {
            Err(_) => {
                if until < deadline {
                    Ok(false)
                } else {
                    Err(self.timeout(step.clone(), budget))
                }
            }
            Ok(Ok(0)) | Ok(Err(_)) => {
                self.buf.truncate(start);
                Err(SessionError::Closed {
                    device: self.device.clone(),
                    step: step.clone(),
                })
            }
            Ok(Ok(_)) => {
                if self.buf.len() > self.max_output {
                    return Err(SessionError::OutputTooLarge {
                        device: self.device.clone(),
                        step: step.clone(),
                        limit: self.max_output,
                    });
                }
                Ok(true)
            }
        }
    }

    /// Drops whatever the device already sent and nobody asked for (extra
    /// prompts after our nudges), without waiting for more.
    pub async fn discard_ready(&mut self) {
        // A zero timeout polls the read exactly once: no waiting.
        loop {
            self.buf.clear();
            self.buf.resize(4096, 0);
            match tokio::time::timeout(Duration::ZERO, self.io.read(&mut self.buf)).await {
                Ok(Ok(n)) if n > 0 => continue,
                _ => break,
            }
        }
        self.idle();
    }

    /// An idle session keeps no big buffer: thousands of them may be open.
    fn idle(&mut self) {
        self.buf.clear();
        self.buf.shrink_to(IDLE_BUFFER);
    }

    pub fn last_line(&self) -> String {
        last_line(&self.buf)
    }

    /// Waits for the banner/login stage: until the last line is a login,
    /// password or shell prompt. Returns which.
    pub async fn wait_login_stage(
        &mut self,
        step: Step,
        budget: Duration,
    ) -> Result<LoginStage, SessionError> {
        let deadline = Instant::now() + budget;
        let mut nudges = 0;
        loop {
            let line = self.last_line();
            if profile::is_user_prompt(&line) {
                return Ok(LoginStage::User);
            }
            if profile::is_password_prompt(&line) {
                return Ok(LoginStage::Password);
            }
            if profile::is_prompt_candidate(&line) {
                return Ok(LoginStage::Shell);
            }
            let soft =
                (nudges < MAX_NUDGES && !self.buf.is_empty()).then(|| Instant::now() + NUDGE_AFTER);
            if !self.read_chunk(&step, deadline, soft, budget).await? {
                nudges += 1;
                self.send(self.newline, &step, deadline, budget).await?;
            }
        }
    }

    /// Finds and confirms the CLI prompt (see `profile` for why two stages).
    /// With `after_password`, a login prompt or failure text means the
    /// credentials were refused.
    pub async fn learn_prompt(
        &mut self,
        budget: Duration,
        after_password: Option<&str>,
    ) -> Result<(), SessionError> {
        let step = Step::Prompt;
        let deadline = Instant::now() + budget;
        let mut nudges = 0;
        let mut candidate_nudged: Option<String> = None;
        // Incremental state: each byte is looked at once, plus bounded tails.
        let mut failure_checked = 0usize;
        let mut lines_done = 0usize;
        let mut recent: std::collections::VecDeque<String> = Default::default();
        loop {
            let line = self.last_line();
            if let Some(user) = after_password {
                let from = failure_checked.saturating_sub(FAILURE_OVERLAP);
                let text = String::from_utf8_lossy(&self.buf[from..]);
                self.scanned += (self.buf.len() - from) as u64;
                failure_checked = self.buf.len();
                if profile::is_login_failure(&text)
                    || profile::is_user_prompt(&line)
                    || profile::is_password_prompt(&line)
                {
                    return Err(SessionError::AuthFailed {
                        device: self.device.clone(),
                        user: user.to_string(),
                    });
                }
            }
            lines_done = self.note_candidate_lines(lines_done, &mut recent);
            if profile::is_prompt_candidate(&line) {
                let cand = line.trim().to_string();
                if recent.contains(&cand) {
                    let prompt =
                        Prompt::learn(&cand).ok_or_else(|| self.prompt_not_found(Step::Prompt))?;
                    if self.device.name.is_none() {
                        self.device.name = Some(prompt.hostname().to_string());
                    }
                    self.last_prompt = cand;
                    self.prompt = Some(prompt);
                    self.idle();
                    return Ok(());
                }
                if candidate_nudged.as_deref() != Some(cand.as_str()) {
                    candidate_nudged = Some(cand);
                    self.send(self.newline, &step, deadline, budget).await?;
                    continue;
                }
            }
            let soft = (nudges < MAX_NUDGES).then(|| Instant::now() + NUDGE_AFTER);
            match self.read_chunk(&step, deadline, soft, budget).await {
                Ok(true) => {}
                Ok(false) => {
                    nudges += 1;
                    self.send(self.newline, &step, deadline, budget).await?;
                }
                Err(SessionError::Timeout { .. }) => {
                    if self.buf.is_empty() {
                        return Err(self.timeout(step, budget));
                    }
                    return Err(self.prompt_not_found(step));
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Records the prompt-like complete lines that arrived since `from`
    /// (the most recent few), and returns where the next call starts.
    fn note_candidate_lines(
        &mut self,
        from: usize,
        recent: &mut std::collections::VecDeque<String>,
    ) -> usize {
        let Some(end) = self.buf[from..].iter().rposition(|&b| b == b'\n') else {
            self.scanned += (self.buf.len() - from) as u64;
            return from;
        };
        let end = from + end;
        self.scanned += (self.buf.len() - from) as u64;
        for l in complete_lines(&self.buf[from..=end]) {
            let l = l.trim();
            if profile::is_prompt_candidate(l) {
                if recent.len() == RECENT_CANDIDATES {
                    recent.pop_front();
                }
                recent.push_back(l.to_string());
            }
        }
        end + 1
    }

    fn prompt_not_found(&self, step: Step) -> SessionError {
        SessionError::PromptNotFound {
            device: self.device.clone(),
            step,
            last_bytes: tail_lossy(&self.buf, 200),
        }
    }

    /// Runs one command: send, read until the learned prompt follows the
    /// echo, answer `--More--` with a space, strip echo and prompt.
    pub async fn run(&mut self, command: &str, budget: Duration) -> Result<Output, SessionError> {
        if let Some(e) = &self.broken {
            return Err(e.clone());
        }
        let r = self.run_inner(command, budget).await;
        if let Err(e) = &r {
            self.broken = Some(e.clone());
            // Whatever was buffered is useless now; do not keep it.
            self.idle();
        }
        r
    }

    async fn run_inner(&mut self, command: &str, budget: Duration) -> Result<Output, SessionError> {
        let started = Instant::now();
        let deadline = started + budget;
        let step = Step::Command(command.to_string());
        let prompt = self
            .prompt
            .clone()
            .ok_or_else(|| self.prompt_not_found(step.clone()))?;
        self.discard_ready().await;
        self.send_line(command, &step, deadline, budget).await?;
        let probe: String = command.trim().chars().take(24).collect();
        let mut echo_at: Option<usize> = if probe.is_empty() { Some(0) } else { None };
        // Only the bytes that arrived since the last look are scanned (plus
        // the echo's length and a prompt-sized tail): linear in the output.
        let mut seen = 0usize;
        let mut last_newline: Option<usize> = None;
        loop {
            let new = &self.buf[seen..];
            if let Some(i) = new.iter().rposition(|&b| b == b'\n') {
                last_newline = Some(seen + i);
            }
            self.scanned += new.len() as u64;
            if echo_at.is_none() {
                let from = seen.saturating_sub(probe.len());
                if let Some(i) = find(&self.buf[from..], probe.as_bytes()) {
                    echo_at = Some(from + i);
                }
                self.scanned += (seen - from) as u64;
            }
            seen = self.buf.len();
            if let Some(at) = echo_at {
                let line_from = at.max(seen.saturating_sub(PROMPT_TAIL));
                self.scanned += (seen - line_from) as u64;
                let line = last_line(&self.buf[line_from..]);
                let has_newline_after_echo = last_newline.is_some_and(|nl| nl >= at);
                if has_newline_after_echo && prompt.matches(&line) {
                    self.last_prompt = line.trim().to_string();
                    break;
                }
                if profile::ends_with_more(&line) {
                    self.send(" ", &step, deadline, budget).await?;
                }
            }
            match self.read_chunk(&step, deadline, None, budget).await {
                Ok(_) => {}
                Err(SessionError::Timeout { .. }) if echo_at.is_none() && !self.buf.is_empty() => {
                    // Bytes came back but never our command: not a CLI we understand.
                    return Err(self.prompt_not_found(step));
                }
                Err(e) => return Err(e),
            }
        }
        let at = echo_at.unwrap_or(0);
        let text = clean_output(&self.buf[at..], command);
        self.idle();
        let rejected = self.profile.is_rejected(&text);
        Ok(Output {
            command: command.to_string(),
            text,
            rejected,
            duration: started.elapsed(),
        })
    }

    pub fn in_config_mode(&self) -> bool {
        match &self.prompt {
            Some(p) => p.in_config_mode(&self.last_prompt),
            None => Prompt::is_config_mode(&self.last_prompt),
        }
    }

    /// Raises a `>` prompt to `#` with `enable` and the secret. Without a
    /// secret (or after a wrong one) a password prompt is answered with an
    /// empty line until the device gives its prompt back, so the stream is
    /// never left inside a password dialogue.
    pub async fn enable(
        &mut self,
        secret: Option<&SecretString>,
        budget: Duration,
    ) -> Result<(), SessionError> {
        let step = Step::Enable;
        let deadline = Instant::now() + budget;
        let prompt = self
            .prompt
            .clone()
            .ok_or_else(|| self.prompt_not_found(step.clone()))?;
        self.discard_ready().await;
        self.send_line("enable", &step, deadline, budget).await?;
        let mut secret = secret;
        let mut answered = false;
        let mut prompts_answered = 0;
        loop {
            let line = self.last_line();
            // A prompt that arrives before our `enable` is echoed answers an
            // earlier newline (a nudge sent while a slow device was still
            // silent), not `enable`: reading it as the reply failed enable.
            let echoed = answered || echo_then_newline(&self.buf, b"enable");
            if profile::is_password_prompt(&line) {
                prompts_answered += 1;
                if prompts_answered > 4 {
                    return Err(SessionError::EnableFailed {
                        device: self.device.clone(),
                    });
                }
                answered = true;
                self.buf.clear();
                match secret.take() {
                    Some(s) => self.send_secret(s, &step, deadline, budget).await?,
                    None => self.send(self.newline, &step, deadline, budget).await?,
                }
                continue;
            }
            // Before any answer, the prompt must follow our echoed `enable`;
            // after one, the buffer holds only the device's reply.
            if prompt.matches(&line) && echoed {
                self.last_prompt = line.trim().to_string();
                self.buf.clear();
                return if self.last_prompt.ends_with('#') {
                    Ok(())
                } else {
                    Err(SessionError::EnableFailed {
                        device: self.device.clone(),
                    })
                };
            }
            self.read_chunk(&step, deadline, None, budget).await?;
        }
    }

    /// Says goodbye the way the platform wants: `end` first if in config
    /// mode, then the exit command; success is the peer closing the stream.
    pub async fn goodbye(&mut self, budget: Duration) -> Result<(), SessionError> {
        let step = Step::Goodbye;
        let deadline = Instant::now() + budget;
        self.buf.clear();
        if self.broken.is_none()
            && self.in_config_mode()
            && let Some(end) = self.profile.config_exit
        {
            // Leaving config mode is a command like any other; its prompt
            // tells us where we are.
            let remaining = deadline.saturating_duration_since(Instant::now());
            self.run(end, remaining)
                .await
                .map_err(|_| self.timeout(step.clone(), budget))?;
        }
        self.send_line(self.profile.goodbye, &step, deadline, budget)
            .await?;
        loop {
            match self.read_chunk(&step, deadline, None, budget).await {
                Ok(_) => {
                    // A second prompt after `exit` (PAN-OS configure mode, a
                    // nested shell): exit again, at most a few times.
                    let line = self.last_line();
                    if let Some(p) = &self.prompt
                        && p.matches(&line)
                        && self.buf.contains(&b'\n')
                    {
                        self.buf.clear();
                        self.send_line(self.profile.goodbye, &step, deadline, budget)
                            .await?;
                    }
                    if self.buf.len() > 64 * 1024 {
                        self.buf.clear();
                    }
                }
                Err(SessionError::Closed { .. }) => return Ok(()),
                Err(e) => return Err(e),
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LoginStage {
    User,
    Password,
    Shell,
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The line being typed on: after the last `\n`, after the last `\r` that
/// has something behind it, without terminal escapes.
pub(crate) fn last_line(buf: &[u8]) -> String {
    // Only the last `PROMPT_TAIL` bytes can be (the end of) a prompt; looking
    // further back for the line start would make every read cost the
    // whole line.
    let buf = &buf[buf.len().saturating_sub(PROMPT_TAIL)..];
    let start = buf
        .iter()
        .rposition(|&b| b == b'\n')
        .map(|i| i + 1)
        .unwrap_or(0);
    let seg = &buf[start..];
    let s = String::from_utf8_lossy(seg);
    let s = strip_escapes(&s);
    let s = match s.trim_end_matches('\r').rfind('\r') {
        Some(i) => s[i + 1..].to_string(),
        None => s.trim_end_matches('\r').to_string(),
    };
    s.replace(['\0', '\x07'], "")
}

/// Complete lines (those followed by `\n`), cleaned, as the banner check sees them.
fn complete_lines(buf: &[u8]) -> impl Iterator<Item = String> + '_ {
    let end = buf.iter().rposition(|&b| b == b'\n').unwrap_or(0);
    buf[..end].split(|&b| b == b'\n').map(last_line)
}

static ESCAPES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[()][A-Za-z0-9]|\x1b[=>78]",
    )
    .unwrap()
});

fn strip_escapes(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains('\x1b') {
        ESCAPES.replace_all(s, "")
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// Terminal noise out: escapes, `--More--` and its erasing backspaces, NULs,
/// carriage returns.
pub(crate) fn clean(s: &str) -> String {
    let s = strip_escapes(s);
    let s = profile::strip_more(&s);
    let mut out = String::with_capacity(s.len());
    for line in s.split('\n') {
        let line = line.trim_end_matches('\r');
        // A bare `\r` inside a line means the device redrew it: keep what is visible last.
        let line = match line.rfind('\r') {
            Some(i) if i + 1 < line.len() => &line[i + 1..],
            _ => line,
        };
        if line
            .bytes()
            .any(|b| matches!(b, b'\x08' | b'\0' | b'\r' | b'\x07'))
        {
            for c in line.chars() {
                if c == '\x08' {
                    out.pop();
                } else if c != '\0' && c != '\r' && c != '\x07' {
                    out.push(c);
                }
            }
        } else {
            // The common line: nothing to erase or drop, copied whole.
            out.push_str(line);
        }
        out.push('\n');
    }
    out.pop();
    out
}

/// Whether `buf` holds the echo of `typed` followed by a line break.
fn echo_then_newline(buf: &[u8], typed: &[u8]) -> bool {
    find(buf, typed).is_some_and(|at| buf[at..].contains(&b'\n'))
}

/// From the bytes starting at the echo: drop the echo line and the trailing prompt.
fn clean_output(from_echo: &[u8], command: &str) -> String {
    let text = clean(&String::from_utf8_lossy(from_echo));
    let body = match text.find('\n') {
        Some(i) if !command.trim().is_empty() => &text[i + 1..],
        _ => text.as_str(),
    };
    let body = match body.rfind('\n') {
        Some(i) => &body[..i],
        None => "",
    };
    body.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_line_handles_cr_and_escapes() {
        assert_eq!(last_line(b"abc\r\nsw1#"), "sw1#");
        assert_eq!(last_line(b"abc\r\n\x1b[?2004hroot@h:~# "), "root@h:~# ");
        assert_eq!(last_line(b"x\r\n --More-- \r        \rsw1#"), "sw1#");
        assert_eq!(last_line(b"abc\r\n"), "");
    }

    #[test]
    fn output_strips_echo_prompt_and_paging() {
        let raw = b"show ver\r\nline1\r\n --More-- \x08\x08\x08\x08\x08\x08\x08\x08\x08\x08          \x08\x08\x08\x08\x08\x08\x08\x08\x08\x08line2\r\nsw1#";
        assert_eq!(clean_output(raw, "show ver"), "line1\nline2");
        assert_eq!(clean_output(b"show x\r\nsw1#", "show x"), "");
    }

    /// Prompt detection looks at each byte once plus a bounded tail per
    /// read, so its cost is linear in the output: 4 MiB arriving 512 bytes
    /// at a time, half of it one line without a newline (the worst case
    /// for finding where the current line starts). Re-scanning the buffer
    /// on every read, as before, would look at about 16 G bytes.
    #[tokio::test]
    async fn prompt_detection_is_linear_in_the_output() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        const TOTAL: usize = 4 << 20;
        let (client, mut device) = tokio::io::duplex(512);
        let mut cli = CliEngine::new(
            Box::new(client),
            DeviceLabel::new("t"),
            "\n",
            CancellationToken::new(),
        );
        cli.prompt = Prompt::learn("sw1#");
        let writer = tokio::spawn(async move {
            let mut cmd = [0u8; 64];
            let _ = device.read(&mut cmd).await;
            device.write_all(b"show x\r\n").await.unwrap();
            let line = [b"y".repeat(511), b"\n".to_vec()].concat();
            for _ in 0..TOTAL / 2 / 512 {
                device.write_all(&line).await.unwrap();
            }
            let long = [b'x'; 512];
            for _ in 0..TOTAL / 2 / 512 {
                device.write_all(&long).await.unwrap();
            }
            device.write_all(b"\r\nsw1#").await.unwrap();
            device
        });
        let out = cli.run("show x", Duration::from_secs(120)).await.unwrap();
        assert_eq!(out.text.len(), TOTAL);
        let _device = writer.await.unwrap();
        assert!(
            cli.scanned <= 3 * TOTAL as u64,
            "prompt detection looked at {} bytes for {TOTAL} bytes of output",
            cli.scanned
        );
    }

    /// The buffer is capped per command: past the limit the command fails
    /// with `OutputTooLarge` naming the device, the command and the limit,
    /// and the buffer is released.
    #[tokio::test]
    async fn output_is_capped() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (client, mut device) = tokio::io::duplex(4096);
        let mut cli = CliEngine::new(
            Box::new(client),
            DeviceLabel::new("sw9"),
            "\n",
            CancellationToken::new(),
        );
        cli.max_output = 100_000;
        cli.prompt = Prompt::learn("sw9#");
        tokio::spawn(async move {
            let mut cmd = [0u8; 64];
            let _ = device.read(&mut cmd).await;
            let line = b"endless\r\n".repeat(100);
            while device.write_all(&line).await.is_ok() {}
        });
        let e = cli
            .run("show cdp neighbors detail", Duration::from_secs(30))
            .await
            .unwrap_err();
        assert!(
            matches!(e, SessionError::OutputTooLarge { limit: 100_000, .. }),
            "{e}"
        );
        let msg = e.to_string();
        assert!(
            msg.contains("sw9") && msg.contains("show cdp neighbors detail"),
            "{msg}"
        );
        assert!(
            msg.contains("100000") && msg.contains("max_output_bytes"),
            "{msg}"
        );
        assert!(cli.buf.capacity() <= IDLE_BUFFER, "{}", cli.buf.capacity());
    }

    /// A slow device answers a nudge's newline with a prompt that arrives
    /// after the prompt was learned, right after `enable` is sent: that
    /// stale `sw1>` is not enable's answer.
    #[tokio::test(start_paused = true)]
    async fn a_stale_prompt_before_the_enable_echo_is_not_its_answer() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (client, mut device) = tokio::io::duplex(4096);
        let mut cli = CliEngine::new(
            Box::new(client),
            DeviceLabel::new("t"),
            "\n",
            CancellationToken::new(),
        );
        cli.prompt = Prompt::learn("sw1>");
        let dev = tokio::spawn(async move {
            let mut got = Vec::new();
            let mut b = [0u8; 64];
            while !got.ends_with(b"enable\n") {
                let n = device.read(&mut b).await.unwrap();
                got.extend_from_slice(&b[..n]);
            }
            device.write_all(b"\r\nsw1>").await.unwrap();
            // The echo comes a round trip later (paused clock: no real wait).
            tokio::time::sleep(Duration::from_millis(20)).await; // sleep-ok: the device's round trip, on a paused test clock
            device.write_all(b"enable\r\nPassword: ").await.unwrap();
            let mut secret = Vec::new();
            while !secret.ends_with(b"\n") {
                let n = device.read(&mut b).await.unwrap();
                secret.extend_from_slice(&b[..n]);
            }
            device.write_all(b"\r\nsw1#").await.unwrap();
            device
        });
        let secret = SecretString::from("s3cret");
        cli.enable(Some(&secret), Duration::from_secs(5))
            .await
            .unwrap();
        assert_eq!(cli.last_prompt, "sw1#");
        drop(dev.await.unwrap());
    }

    proptest::proptest! {
        #[test]
        fn text_helpers_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..600), cmd in ".{0,30}") {
            let _ = last_line(&bytes);
            let _ = clean(&String::from_utf8_lossy(&bytes));
            let _ = clean_output(&bytes, &cmd);
            let _ = complete_lines(&bytes).count();
            if let Some(p) = crate::profile::Prompt::learn(&last_line(&bytes)) {
                proptest::prop_assert!(p.matches(&p.learned));
            }
        }

        /// The fast paths (lines copied whole, no pager search without the
        /// word) give exactly what the character-by-character cleaning gives.
        #[test]
        fn clean_equals_the_character_loop(text in "([a-zA-Z0-9 #>-]|\\r|\\n|\\x08|\\x07|\\x00|\\x1b\\[K|--More--| --More-- |<--- More --->){0,60}") {
            proptest::prop_assert_eq!(clean(&text), clean_by_chars(&text));
        }
    }

    /// `clean` as it was before its fast paths: the oracle for the proptest.
    fn clean_by_chars(s: &str) -> String {
        let s = strip_escapes(s);
        let more =
            regex::Regex::new(r"(?i) *(-- ?more ?--|<--- more --->|--\(more( \d+%)?\)--)[ \x08]*")
                .unwrap();
        let s = more.replace_all(&s, "");
        let mut out = String::new();
        for line in s.split('\n') {
            let line = line.trim_end_matches('\r');
            let line = match line.rfind('\r') {
                Some(i) if i + 1 < line.len() => &line[i + 1..],
                _ => line,
            };
            for c in line.chars() {
                if c == '\x08' {
                    out.pop();
                } else if c != '\0' && c != '\r' && c != '\x07' {
                    out.push(c);
                }
            }
            out.push('\n');
        }
        out.pop();
        out
    }
}
