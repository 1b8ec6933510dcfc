//! The `netwalker` binary as a user runs it: exit codes, JSON contracts, files.

use std::process::Command;

fn netwalker() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_netwalker"));
    // Tests must not pick up a developer's config or credentials.
    c.env_remove("NETWALKER_USERNAME")
        .env_remove("NETWALKER_PASSWORD")
        .env_remove("NETWALKER_ENABLE")
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .env("HOME", "/nonexistent");
    c
}

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../testdata/ntc-templates/cisco_nxos/show_version/cisco_nxos_show_version.raw"
);

#[test]
fn parse_prints_records_and_rejects_unknown_pairs_with_exit_2() {
    let out = netwalker()
        .args([
            "parse",
            "--platform",
            "cisco_nxos",
            "--command",
            "sh ver",
            FIXTURE,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rec = &v["records"];
    let rec = if rec.is_array() { &rec[0] } else { rec };
    assert_eq!(rec["hostname"], "N9K1", "{v}");
    assert_eq!(rec["version"], "6.1(2)I3(1)");

    let out = netwalker()
        .args([
            "parse",
            "--platform",
            "junos",
            "--command",
            "show version",
            FIXTURE,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("junos") && err.contains("cisco_nxos"), "{err}");

    let out = netwalker()
        .args([
            "parse",
            "--platform",
            "cisco_ios",
            "--command",
            "show bogus",
            FIXTURE,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("show cdp neighbors detail"));
}

#[test]
fn discover_without_credentials_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = netwalker()
        .current_dir(dir.path())
        .args(["discover", "--seed", "127.0.0.1", "--quiet"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("NETWALKER_USERNAME") || err.contains("--username"),
        "{err}"
    );
}

#[test]
fn config_show_masks_secrets_and_unknown_keys_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("nw.toml");
    std::fs::write(
        &cfg,
        "concurrency = 7\n[[credentials]]\nusername = \"ops\"\npassword = \"hunter2\"\n",
    )
    .unwrap();
    let out = netwalker()
        .args(["--config", cfg.to_str().unwrap(), "config", "show"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("concurrency = 7"), "{text}");
    assert!(!text.contains("hunter2"), "secret printed: {text}");

    std::fs::write(&cfg, "max_dept = 2\n").unwrap();
    let out = netwalker()
        .args(["--config", cfg.to_str().unwrap(), "config", "show"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("max_dept"));
}

/// The README's first command, small: a simulated campus walked end to end,
/// files written, nothing left open on either side.
#[test]
fn demo_walks_a_simulated_campus_and_leaves_nothing_open() {
    let dir = tempfile::tempdir().unwrap();
    let out = netwalker()
        .current_dir(dir.path())
        .args(["demo", "--devices", "40", "--json", "--out", "demo"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["counts"]["walked"].as_u64().unwrap() >= 20, "{v}");
    assert_eq!(v["counts"]["failed"], 0, "{v}");
    assert_eq!(v["sessions_open_at_exit"], 0);
    assert_eq!(v["simulator"]["sessions_open"], 0);
    assert_eq!(v["simulator"]["sessions_dropped"], 0);
    assert_eq!(
        v["simulator"]["sessions_closed_gracefully"], v["counts"]["walked"],
        "each walked device is one graceful session"
    );
    let inv: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("demo/inventory.json")).unwrap())
            .unwrap();
    assert!(inv["links"].as_array().unwrap().len() as u64 == v["links"].as_u64().unwrap());
    let names: Vec<String> = std::fs::read_dir(dir.path().join("demo"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for prefix in ["Inventory_", "Topology_"] {
        assert!(names.iter().any(|n| n.starts_with(prefix)), "{names:?}");
    }
}

/// `demo --command-delay`: every command costs each simulated device that
/// time, so the walk (a chain core -> distribution -> access, several
/// commands each) takes at least a few of them end to end.
#[test]
fn demo_command_delay_slows_every_device_down() {
    let dir = tempfile::tempdir().unwrap();
    let out = netwalker()
        .current_dir(dir.path())
        .args(["demo", "--devices", "12", "--json", "--out", "demo"])
        .args(["--command-delay", "50ms"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["counts"]["failed"], 0, "{v}");
    // Three devices in a row, three commands each at least, 50 ms a command.
    let ms = v["duration_ms"].as_u64().unwrap();
    assert!(ms >= 3 * 3 * 50, "a walk at 50 ms a command took {ms} ms");
    let bad = netwalker()
        .current_dir(dir.path())
        .args(["demo", "--command-delay", "soon"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
}

/// A device named by an attacker: escape sequences (clear screen, window
/// title, clipboard, 8-bit CSI, terminal reset) and line tricks in the
/// hostname and site. `exec --dry-run` lists it without any of them
/// reaching the terminal, in text and in JSON.
#[test]
fn exec_dry_run_prints_no_escape_from_a_hostile_hostname() {
    use netwalker::model::{Device, DeviceId, DeviceResult, DeviceStatus};
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("inv.sqlite");
    let hostile = "EVIL\u{1b}[2J\u{1b}]0;owned\u{7}\u{1b}]52;c;cHduZWQ=\u{1b}\\\u{9b}31m\u{1b}c\r\nFAKE-\u{9d}8;;http://x\u{202e}-1";
    {
        let mut w = netwalker::store::StoreWriter::open(&store).unwrap();
        let mut d = Device::new(DeviceId(1), hostile, DeviceStatus::Walked);
        d.mgmt_ip = Some("127.9.1.1".parse().unwrap());
        w.commit_device(&DeviceResult::bare(d)).unwrap();
    }
    for json in [false, true] {
        let mut cmd = netwalker();
        cmd.args(["exec", "--filter", "*", "-c", "show version", "--dry-run"])
            .args(["--site", "EVIL", "--store"])
            .arg(&store);
        if json {
            cmd.arg("--json");
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            let text = String::from_utf8(bytes.clone()).unwrap();
            assert!(!bytes.contains(&0x1b), "ESC on {stream}: {text:?}");
            assert!(
                !text
                    .chars()
                    .any(|c| ('\u{80}'..='\u{9f}').contains(&c) || c == '\r' || c == '\u{7}'),
                "control character on {stream}: {text:?}"
            );
        }
        let stdout = String::from_utf8_lossy(&out.stdout);
        if json {
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(v["devices"][0]["name"], hostile, "JSON keeps the value");
        } else {
            assert!(
                stdout.contains("EVIL") && stdout.contains("127.9.1.1"),
                "{stdout}"
            );
            assert_eq!(stdout.lines().count(), 2, "one line per device: {stdout}");
        }
    }
}

/// `--format` of report, diagram and exec: every spelling (any case, aliases,
/// spaces after the commas) is accepted, and an empty list is a usage error
/// for all three. `report --format ""` and `diagram --format ""` used to
/// write nothing and exit 0.
#[test]
fn format_lists_accept_the_same_spellings_and_refuse_an_empty_list() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("none.db");
    let run = |cmd: &[&str], format: &str| {
        let out = netwalker()
            .current_dir(dir.path())
            .args(cmd)
            .args(["--format", format, "--store"])
            .arg(&store)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let exec: &[&str] = &["exec", "--filter", "*", "-c", "show version", "--dry-run"];
    for (cmd, good) in [
        (&["report"][..], "xlsx, CSV,json,Excel"),
        (
            &["diagram"][..],
            "drawio, Draw.io,diagrams.net,graphml,DOT,graphviz,mermaid,mmd,html",
        ),
        (exec, "xlsx, CSV,json,excel,text,TXT"),
    ] {
        // Accepted: the command gets as far as the missing store.
        let (code, err) = run(cmd, good);
        assert_eq!(code, Some(2), "{cmd:?} {good:?}: {err}");
        assert!(
            err.contains("no inventory store"),
            "{cmd:?} {good:?}: {err}"
        );
        for bad in ["", "pdf", "xlsx,,csv"] {
            let (code, err) = run(cmd, bad);
            assert_eq!(code, Some(2), "{cmd:?} {bad:?}: {err}");
            assert!(err.contains("--format"), "{cmd:?} {bad:?}: {err}");
            assert!(
                !err.contains("no inventory store"),
                "{cmd:?} {bad:?}: {err}"
            );
        }
    }
}

/// `demo --serve`: the walk, then its inventory in a browser on the printed
/// address, until Ctrl-C (exit 0, promptly).
#[cfg(feature = "serve")]
#[test]
fn demo_serve_serves_the_walked_campus_until_ctrl_c() {
    use std::io::{BufRead, BufReader, Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let child = netwalker()
        .current_dir(dir.path())
        .args(["demo", "--devices", "20", "--quiet", "--out", "demo"])
        .args(["--serve", "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // A failed assertion must not leave the server running.
    let mut child = KillOnDrop(child);
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("the URL is printed before stdout closes")
            .unwrap();
        if let Some(rest) = line.split(" at http://").nth(1) {
            break rest.split('/').next().unwrap().to_string();
        }
    };
    let request = |head: String, body: &str| {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        let len = body.len();
        write!(
            s,
            "{head}Host: {addr}\r\nConnection: close\r\nContent-Length: {len}\r\n\r\n{body}"
        )
        .unwrap();
        let mut resp = String::new();
        s.read_to_string(&mut resp).unwrap();
        resp
    };
    let get = |path: &str| request(format!("GET {path} HTTP/1.1\r\n"), "");
    let page = get("/devices");
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("core1"), "the walked core is listed: {page}");
    let api = get("/api/v1/devices?limit=500");
    let json = &api[api.find("\r\n\r\n").unwrap() + 4..];
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    let walked = v["devices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["status"] == "walked")
        .count();
    assert!(walked >= 10, "{v}");
    // The lab is still up: a walk started through the API runs to its end.
    let started = request(
        "POST /api/v1/runs HTTP/1.1\r\nContent-Type: application/json\r\n".into(),
        r#"{"seeds": ["127.200.0.1"], "max_depth": 1}"#,
    );
    assert!(started.starts_with("HTTP/1.1 202"), "{started}");
    let began = std::time::Instant::now();
    loop {
        let live = get("/api/v1/runs/live");
        if live.contains("\"state\":\"finished\"") {
            break;
        }
        assert!(!live.contains("\"state\":\"failed\""), "{live}");
        assert!(
            began.elapsed() < std::time::Duration::from_secs(30),
            "{live}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50)); // sleep-ok: polling a walk's end
    }
    // SAFETY: signalling our own child, whose pid we hold.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "still serving 10 s after Ctrl-C"
        );
        std::thread::sleep(std::time::Duration::from_millis(20)); // sleep-ok: polling a child's exit
    };
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(status.success(), "{status:?}: {err}");
}

/// A child process killed (and reaped) when dropped, so a test that fails
/// half-way leaves no server behind.
struct KillOnDrop(std::process::Child);

impl std::ops::Deref for KillOnDrop {
    type Target = std::process::Child;
    fn deref(&self) -> &std::process::Child {
        &self.0
    }
}

impl std::ops::DerefMut for KillOnDrop {
    fn deref_mut(&mut self) -> &mut std::process::Child {
        &mut self.0
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Runs `netwalker parse ... -` with stdout (or stderr) already closed by
/// its reader when the input arrives on stdin, so nothing can have been
/// written before: its exit code and what it said on the other stream.
fn parse_with_a_closed(stream: &str, command: &str) -> (Option<i32>, String) {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = netwalker()
        .args([
            "parse",
            "--platform",
            "cisco_nxos",
            "--command",
            command,
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    match stream {
        "stdout" => drop(child.stdout.take()),
        _ => drop(child.stderr.take()),
    }
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&std::fs::read(FIXTURE).unwrap()).unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    let other = if stream == "stdout" {
        out.stderr
    } else {
        out.stdout
    };
    (
        out.status.code(),
        String::from_utf8_lossy(&other).into_owned(),
    )
}

/// `netwalker ... | head` and `netwalker ... 2>&1 | head`: a reader that
/// has gone is not an error. The command ends as it would have (exit 0
/// for records, 2 for an unknown command) instead of panicking with
/// "failed printing to stdout: Broken pipe" (exit 101).
#[test]
fn a_closed_stdout_or_stderr_is_not_an_error() {
    let (code, err) = parse_with_a_closed("stdout", "sh ver");
    assert_eq!(code, Some(0), "{err}");
    assert!(err.is_empty(), "nothing on stderr: {err}");
    let (code, out) = parse_with_a_closed("stderr", "show bogus");
    assert_eq!(code, Some(2), "{out}");
}
