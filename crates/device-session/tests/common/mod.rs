//! A scripted fake device for tests: speaks a small CLI over any byte
//! stream (a `tokio::io::duplex` end, or a TCP socket with telnet login).
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Ios,
    Nxos,
    Panos,
    Linux,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    None,
    /// Prints the banner and then nothing, whatever it is sent.
    NoPrompt,
    /// `show long` stops half-way; the device goes silent.
    StopMid,
    /// `show long` stops half-way and the connection is closed.
    DropMid,
    /// Ignores `exit`: neither answers nor closes.
    SilentGoodbye,
    /// Rejects `terminal length 0`, so output pages with `--More--`.
    NoPagingOff,
    /// `show garbage` prints random bytes, then the prompt.
    Garbage,
}

#[derive(Debug, Clone)]
pub struct Fake {
    pub hostname: String,
    pub style: Style,
    pub banner: String,
    pub fault: Fault,
    /// Start in user exec (`>`), `enable` with this secret.
    pub enable_secret: Option<String>,
    /// Telnet login (Username:/Password:) with these credentials before the prompt.
    pub telnet_login: Option<(String, String)>,
    /// Every line the device received, for assertions.
    pub log: Arc<Mutex<Vec<String>>>,
}

impl Fake {
    pub fn new(hostname: &str, style: Style) -> Self {
        Fake {
            hostname: hostname.into(),
            style,
            banner: String::new(),
            fault: Fault::None,
            enable_secret: None,
            telnet_login: None,
            log: Arc::new(Mutex::new(Vec::new())),
        }
    }

    pub fn fault(mut self, f: Fault) -> Self {
        self.fault = f;
        self
    }

    pub fn banner(mut self, b: &str) -> Self {
        self.banner = b.into();
        self
    }

    pub fn received(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    fn prompt(&self, enabled: bool, config: bool) -> String {
        match self.style {
            Style::Ios | Style::Nxos => {
                let mode = if config { "(config)" } else { "" };
                let c = if enabled { '#' } else { '>' };
                format!("{}{}{}", self.hostname, mode, c)
            }
            Style::Panos => format!("admin@{}{}", self.hostname, if config { '#' } else { '>' }),
            Style::Linux => format!("admin@{}:~$ ", self.hostname),
        }
    }

    fn show_version(&self) -> String {
        match self.style {
            Style::Ios => "Cisco IOS Software, C2960 Software (C2960-LANBASEK9-M), Version 15.0(2)SE11\r\nROM: Bootstrap program is C2960 boot loader\r\nuptime is 1 week\r\n".into(),
            Style::Nxos => "Cisco Nexus Operating System (NX-OS) Software\r\n  NXOS: version 9.3(8)\r\n".into(),
            Style::Panos => "hostname: fw1\r\nsw-version: 10.1.6\r\n".into(),
            Style::Linux => "-bash: show: command not found\r\n".into(),
        }
    }

    fn invalid(&self, cmd: &str) -> String {
        match self.style {
            Style::Ios => {
                "                ^\r\n% Invalid input detected at '^' marker.\r\n\r\n".into()
            }
            Style::Nxos => "                ^\r\n% Invalid command at '^' marker.\r\n".into(),
            Style::Panos => "Invalid syntax.\r\n\r\n".into(),
            Style::Linux => format!(
                "-bash: {}: command not found\r\n",
                cmd.split_whitespace().next().unwrap_or("")
            ),
        }
    }

    /// Serves one connection until `exit` or EOF.
    pub async fn serve<S: AsyncRead + AsyncWrite + Unpin>(self, mut io: S) {
        let _ = self.serve_inner(&mut io).await;
    }

    async fn serve_inner<S: AsyncRead + AsyncWrite + Unpin>(
        &self,
        io: &mut S,
    ) -> std::io::Result<()> {
        let mut lines = LineReader::default();
        if !self.banner.is_empty() {
            io.write_all(self.banner.as_bytes()).await?;
        }
        if let Some((user, pass)) = &self.telnet_login {
            loop {
                io.write_all(b"\r\nUser Access Verification\r\n\r\nUsername: ")
                    .await?;
                let Some(u) = lines.next(io).await? else {
                    return Ok(());
                };
                io.write_all(b"\r\nPassword: ").await?;
                let Some(p) = lines.next(io).await? else {
                    return Ok(());
                };
                if &u == user && &p == pass {
                    io.write_all(b"\r\n").await?;
                    break;
                }
                io.write_all(b"\r\n% Login invalid\r\n").await?;
            }
        }
        if self.fault == Fault::NoPrompt {
            while lines.next(io).await?.is_some() {}
            return Ok(());
        }
        let mut enabled = self.enable_secret.is_none();
        let mut config = false;
        let mut paging = true;
        io.write_all(self.prompt(enabled, config).as_bytes())
            .await?;
        while let Some(line) = lines.next(io).await? {
            if !line.trim().is_empty() {
                self.log.lock().unwrap().push(line.clone());
            }
            // Echo, as a pty would.
            io.write_all(format!("{line}\r\n").as_bytes()).await?;
            let cmd = line.trim();
            let mut out = String::new();
            match cmd {
                "" => {}
                "terminal length 0" if self.fault == Fault::NoPagingOff => out = self.invalid(cmd),
                "terminal length 0" | "set cli pager off" => paging = false,
                "terminal width 511" => {}
                "show version" => out = self.show_version(),
                "show long" => {
                    let body: String = (1..=100)
                        .map(|i| format!("line {i:03} of the long output\r\n"))
                        .collect();
                    match self.fault {
                        Fault::StopMid | Fault::DropMid => {
                            io.write_all(&body.as_bytes()[..body.len() / 2]).await?;
                            io.flush().await?;
                            if self.fault == Fault::DropMid {
                                return Ok(());
                            }
                            // Silent but connected: drain input until the peer goes.
                            while lines.next(io).await?.is_some() {}
                            return Ok(());
                        }
                        _ => out = body,
                    }
                }
                "show garbage" if self.fault == Fault::Garbage => {
                    let bytes: Vec<u8> = (0..2000u32)
                        .map(|i| (i.wrapping_mul(2654435761) >> 7) as u8)
                        .collect();
                    io.write_all(&bytes).await?;
                    out = "\r\n".into();
                }
                "enable" if self.style == Style::Ios => {
                    io.write_all(b"Password: ").await?;
                    let Some(secret) = lines.next(io).await? else {
                        return Ok(());
                    };
                    io.write_all(b"\r\n").await?;
                    if Some(secret.as_str()) == self.enable_secret.as_deref() {
                        enabled = true;
                    } else {
                        out = "\r\n% Bad secrets\r\n\r\n".into();
                    }
                }
                "configure terminal" | "configure" => {
                    config = true;
                    if self.style == Style::Ios {
                        out = "Enter configuration commands, one per line.  End with CNTL/Z.\r\n"
                            .into();
                    }
                }
                "end" if config => config = false,
                "exit" if config => config = false,
                "exit" | "logout" | "quit" => {
                    if self.fault == Fault::SilentGoodbye {
                        while lines.next(io).await?.is_some() {}
                        return Ok(());
                    }
                    io.flush().await?;
                    return Ok(());
                }
                _ => out = self.invalid(cmd),
            }
            self.write_paged(io, &out, paging, &mut lines).await?;
            io.write_all(self.prompt(enabled, config).as_bytes())
                .await?;
            io.flush().await?;
        }
        Ok(())
    }

    async fn write_paged<S: AsyncRead + AsyncWrite + Unpin>(
        &self,
        io: &mut S,
        out: &str,
        paging: bool,
        lines: &mut LineReader,
    ) -> std::io::Result<()> {
        if !paging || self.style == Style::Linux {
            return io.write_all(out.as_bytes()).await;
        }
        for (i, l) in out.split_inclusive('\n').enumerate() {
            if i > 0 && i % 24 == 0 {
                io.write_all(b" --More-- ").await?;
                io.flush().await?;
                // Wait for one key (space), like a pager.
                if !lines.key(io).await? {
                    return Ok(());
                }
                io.write_all(b"\x08\x08\x08\x08\x08\x08\x08\x08\x08\x08          \x08\x08\x08\x08\x08\x08\x08\x08\x08\x08").await?;
            }
            io.write_all(l.as_bytes()).await?;
        }
        Ok(())
    }
}

/// Reads `\n`-terminated lines (dropping `\r` and NUL) from a stream.
#[derive(Default)]
pub struct LineReader {
    buf: Vec<u8>,
}

impl LineReader {
    pub async fn next<S: AsyncRead + Unpin>(
        &mut self,
        io: &mut S,
    ) -> std::io::Result<Option<String>> {
        loop {
            if let Some(i) = self.buf.iter().position(|&b| b == b'\n' || b == b'\r') {
                let line: Vec<u8> = self.buf.drain(..=i).collect();
                // \r\n or \r\0 count as one line end.
                if line.last() == Some(&b'\r') && matches!(self.buf.first(), Some(b'\n') | Some(0))
                {
                    self.buf.remove(0);
                }
                let s = String::from_utf8_lossy(&line[..line.len() - 1]).replace('\0', "");
                return Ok(Some(s));
            }
            let mut tmp = [0u8; 1024];
            let n = io.read(&mut tmp).await?;
            if n == 0 {
                return Ok(None);
            }
            self.buf.extend_from_slice(&tmp[..n]);
        }
    }

    /// One keypress.
    pub async fn key<S: AsyncRead + Unpin>(&mut self, io: &mut S) -> std::io::Result<bool> {
        if self.buf.is_empty() {
            let mut tmp = [0u8; 1024];
            let n = io.read(&mut tmp).await?;
            if n == 0 {
                return Ok(false);
            }
            self.buf.extend_from_slice(&tmp[..n]);
        }
        self.buf.remove(0);
        Ok(true)
    }
}
