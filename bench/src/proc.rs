//! Child processes that cannot outlive the benchmark.
//!
//! Every child runs in its own process group, so that whatever it starts
//! (netsim's tasks are threads, but the Python peers and the device-session
//! example start their own children) is killed with it. The guard kills the
//! group on drop: an error, a panic or a timeout anywhere in a benchmark
//! still leaves nothing running.

use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, mpsc};
use std::time::{Duration, Instant};

/// Process groups alive now, for the signal handler: Drop does not run
/// when SIGINT/SIGTERM ends the program, and our children are in their own
/// groups, so a terminal's Ctrl-C does not reach them.
static LIVE_GROUPS: Mutex<Vec<i32>> = Mutex::new(Vec::new());

/// On SIGINT or SIGTERM: kill every live child group, then exit 130.
pub fn kill_children_on_signal() -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    std::thread::spawn(move || {
        rt.block_on(async {
            use tokio::signal::unix::{SignalKind, signal};
            let (Ok(mut int), Ok(mut term)) = (
                signal(SignalKind::interrupt()),
                signal(SignalKind::terminate()),
            ) else {
                return;
            };
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
            let groups = LIVE_GROUPS.lock().map(|g| g.clone()).unwrap_or_default();
            for pgid in groups {
                kill_group(pgid, libc::SIGKILL);
            }
            eprintln!(
                "bench: interrupted; killed {} child process group(s)",
                groups_len()
            );
            std::process::exit(130);
        })
    });
    Ok(())
}

fn groups_len() -> usize {
    LIVE_GROUPS.lock().map(|g| g.len()).unwrap_or(0)
}

/// How a child ended, with what the kernel says it used.
#[derive(Debug, Clone, Copy)]
pub struct Exit {
    pub code: Option<i32>,
    pub wall: Duration,
    /// Peak resident set size (`ru_maxrss` of `wait4`), bytes.
    pub max_rss: u64,
    /// CPU time used, user plus system (`ru_utime + ru_stime`): what the
    /// run cost the machine, apart from how long it waited.
    pub cpu: Duration,
}

pub struct Guard {
    child: Child,
    pid: i32,
    started: Instant,
    reaped: bool,
    what: String,
    /// Lines of stdout, read on a thread so the child never blocks on a full pipe.
    lines: Option<mpsc::Receiver<String>>,
}

impl Guard {
    /// Starts `cmd` in a new process group. With `capture_stdout`, its
    /// stdout lines are available through [`Guard::wait_line`] and
    /// [`Guard::rest_of_stdout`].
    pub fn spawn(mut cmd: Command, capture_stdout: bool) -> Result<Guard> {
        let what = format!("{cmd:?}");
        cmd.process_group(0).stdin(Stdio::null());
        if capture_stdout {
            cmd.stdout(Stdio::piped());
        }
        let started = Instant::now();
        let mut child = cmd
            .spawn()
            .with_context(|| format!("cannot start {what}"))?;
        let lines = child.stdout.take().map(|out| {
            let (tx, rx) = mpsc::channel();
            std::thread::spawn(move || {
                for line in BufReader::new(out).lines() {
                    let Ok(line) = line else { break };
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
            rx
        });
        let pid = child.id() as i32;
        if let Ok(mut g) = LIVE_GROUPS.lock() {
            g.push(pid);
        }
        Ok(Guard {
            child,
            pid,
            started,
            reaped: false,
            what,
            lines,
        })
    }

    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// The first stdout line starting with `prefix`, within `timeout`.
    pub fn wait_line(&mut self, prefix: &str, timeout: Duration) -> Result<String> {
        let rx = self.lines.as_ref().context("stdout not captured")?;
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(l) if l.starts_with(prefix) => return Ok(l),
                Ok(_) => continue,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    bail!(
                        "{} printed no {prefix:?} line within {timeout:?}",
                        self.what
                    )
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    bail!("{} exited before printing {prefix:?}", self.what)
                }
            }
        }
    }

    /// Every stdout line not consumed yet (call after the child exited).
    pub fn rest_of_stdout(&mut self) -> String {
        let mut s = String::new();
        if let Some(rx) = &self.lines {
            // The reader thread ends at EOF, which follows the exit.
            while let Ok(l) = rx.recv_timeout(Duration::from_secs(5)) {
                s.push_str(&l);
                s.push('\n');
            }
        }
        s
    }

    /// Waits for the child to exit within `timeout`; past it the group is
    /// killed and this is an error. Reaps with `wait4` for the peak RSS.
    pub fn wait(&mut self, timeout: Duration) -> Result<Exit> {
        let pid = self.pid;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(wait4(pid));
        });
        let got = match rx.recv_timeout(timeout) {
            Ok(r) => (r, false),
            Err(_) => {
                kill_group(pid, libc::SIGKILL);
                (
                    rx.recv()
                        .unwrap_or(Err(std::io::Error::other("waiter lost"))),
                    true,
                )
            }
        };
        self.reaped = true;
        let (status, rusage) = got
            .0
            .with_context(|| format!("waiting for {}", self.what))?;
        if got.1 {
            bail!("{} did not finish within {timeout:?}; killed", self.what);
        }
        Ok(Exit {
            code: libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)),
            wall: self.started.elapsed(),
            max_rss: rusage.ru_maxrss as u64 * 1024,
            cpu: timeval(rusage.ru_utime) + timeval(rusage.ru_stime),
        })
    }

    /// SIGTERM, then SIGKILL if the child is not gone within `grace`.
    pub fn stop(&mut self, grace: Duration) -> Result<Exit> {
        kill_group(self.pid, libc::SIGTERM);
        self.wait(grace)
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        // The group may hold grandchildren even when the leader is reaped.
        kill_group(self.pid, libc::SIGKILL);
        if !self.reaped {
            let _ = self.child.wait();
        }
        if let Ok(mut g) = LIVE_GROUPS.lock() {
            g.retain(|p| *p != self.pid);
        }
    }
}

fn kill_group(pgid: i32, sig: i32) {
    // SAFETY: kill(2) with a negative pid signals a process group; no memory is shared.
    unsafe {
        libc::kill(-pgid, sig);
    }
}

fn wait4(pid: i32) -> std::io::Result<(i32, libc::rusage)> {
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value; wait4 fills it.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: pointers to live locals; pid is our own child.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut ru) };
        if r == pid {
            return Ok((status, ru));
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

fn timeval(t: libc::timeval) -> Duration {
    Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
}

/// CPU time (user and system) a live process has used so far, from
/// `/proc/PID/stat`.
pub fn proc_cpu(pid: i32) -> Option<Duration> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces), from state on:
    // utime and stime are the 12th and 13th.
    let rest = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    // SAFETY: sysconf takes no pointers.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    (hz > 0).then(|| Duration::from_secs_f64(ticks as f64 / hz as f64))
}

/// A field of /proc/PID/status in bytes (`VmRSS`, `VmHWM`).
pub fn proc_status_bytes(pid: i32, field: &str) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = s.lines().find(|l| l.starts_with(field))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// The most file descriptors a process held while it was watched: a
/// thread counts `/proc/PID/fd` every [`FdPeak::EVERY`] (cheap: a
/// directory listing), so a peak shorter than that may be missed.
pub struct FdPeak {
    /// Set to stop the sampling thread.
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// The sampling thread; it returns the peak it saw.
    thread: std::thread::JoinHandle<u64>,
}

impl FdPeak {
    /// How often the descriptors are counted.
    pub const EVERY: Duration = Duration::from_millis(100);

    /// Starts watching process `pid`.
    pub fn watch(pid: i32) -> FdPeak {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut peak = 0;
            while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
                    break; // the process is gone
                };
                peak = peak.max(dir.count() as u64);
                std::thread::sleep(FdPeak::EVERY); // sleep-ok: the sampling period of a watcher, not a wait for anything
            }
            peak
        });
        FdPeak { stop, thread }
    }

    /// Stops watching; the peak seen.
    pub fn peak(self) -> u64 {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.thread.join().unwrap_or(0)
    }
}

/// A TCP port that was free on 127.0.0.1 a moment ago.
pub fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drop_kills_the_whole_group() {
        // A shell whose own child would outlive it if only the leader were
        // killed. Both hold the pipe's write end: EOF means both are gone.
        let (mut reader, writer) = std::io::pipe().unwrap();
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "sleep 60 & echo started; wait"])
            .stdout(writer);
        let g = Guard::spawn(cmd, false).unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(&mut reader).lines() {
                let _ = tx.send(line.ok());
            }
            let _ = tx.send(None); // EOF: every writer is gone
        });
        let first = rx.recv_timeout(Duration::from_secs(10)).unwrap();
        assert_eq!(first.as_deref(), Some("started"));
        drop(g);
        let eof = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("a process of the group survived the guard");
        assert_eq!(eof, None);
    }

    #[test]
    fn fd_peak_counts_a_live_process_descriptors() {
        let mut cmd = Command::new("sleep");
        cmd.arg("60");
        let g = Guard::spawn(cmd, false).unwrap();
        let watch = FdPeak::watch(g.pid());
        std::thread::sleep(FdPeak::EVERY * 2); // sleep-ok: lets the watcher take a sample
        // stdin, stdout and stderr at least.
        assert!(watch.peak() >= 3);
    }

    #[test]
    fn wait_reports_exit_code_and_peak_rss() {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "exit 3"]);
        let mut g = Guard::spawn(cmd, false).unwrap();
        let e = g.wait(Duration::from_secs(10)).unwrap();
        assert_eq!(e.code, Some(3));
        assert!(e.max_rss > 0);
        assert!(e.cpu < Duration::from_secs(10));
        assert!(proc_cpu(std::process::id() as i32).is_some());
    }

    #[test]
    fn wait_past_its_deadline_kills_and_fails() {
        let mut cmd = Command::new("sleep");
        cmd.arg("60");
        let mut g = Guard::spawn(cmd, false).unwrap();
        let started = Instant::now();
        assert!(g.wait(Duration::from_millis(200)).is_err());
        assert!(started.elapsed() < Duration::from_secs(10));
        assert!(!std::path::Path::new(&format!("/proc/{}", g.pid())).exists());
    }

    #[test]
    fn proc_cpu_reads_this_process_and_only_grows() {
        let me = std::process::id() as i32;
        let before = proc_cpu(me).unwrap();
        // Burn ~50 ms of CPU (ticks are 10 ms).
        let start = Instant::now();
        let mut x = 0u64;
        while start.elapsed() < Duration::from_millis(50) {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
        }
        std::hint::black_box(x);
        let after = proc_cpu(me).unwrap();
        assert!(after > before, "{before:?} -> {after:?}");
        assert!(proc_cpu(i32::MAX).is_none());
    }
}
