//! The built `vegehub` binary against an in-process simulator on 127.0.0.1:
//! selftest end to end (exit time, zero open connections after exit, restore and
//! all-off on failure and on Ctrl-C), and `vegehub sim`'s ready line and clean exit.

use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;
use vegehub_sim::{Faults, Firmware, Layout, SimConfig, SimHandle};

const BIN: &str = env!("CARGO_BIN_EXE_vegehub");

async fn sim(firmware: Firmware) -> SimHandle {
    vegehub_sim::start(SimConfig {
        firmware,
        layout: Layout {
            channels: 4,
            actuators: 2,
            battery: true,
        },
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

/// A fresh directory for one run's backup files.
fn backup_dir() -> std::path::PathBuf {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("vegehub-cli-backup-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn selftest(sim: &SimHandle, extra: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(["selftest", "--host", &sim.addr().to_string(), "--yes"])
        .arg("--backup-dir")
        .arg(backup_dir())
        .args(extra)
        .env_remove("VEGEHUB_HOST")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    c
}

fn signal(pid: u32, sig: &str) {
    let st = std::process::Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .unwrap();
    assert!(st.success());
}

/// Waits (bounded) until the simulator's state satisfies `cond`.
async fn until(what: &str, mut cond: impl FnMut() -> bool) {
    let started = Instant::now();
    while !cond() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await; // sleep-ok: polling interval of an outside observer
    }
}

#[tokio::test]
async fn selftest_passes_exits_promptly_and_leaves_no_connection_open() {
    for fw in [Firmware::Endpoints, Firmware::Legacy] {
        let sim = sim(fw).await;
        let before = sim.config();
        let child = selftest(&sim, &["--actuators", "--setup"]).spawn().unwrap();
        let out = child.wait_with_output().await.unwrap();
        let exited = Instant::now();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{fw:?}\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let last = stdout.lines().last().unwrap();
        assert_eq!(last, "10 passed, 0 failed, 0 skipped", "{stdout}");
        // From the sim's last API reply to our seeing the process gone.
        let gap = exited - sim.last_api_reply().unwrap();
        eprintln!(
            "{fw:?}: exit {} ms after the last hub reply",
            gap.as_millis()
        );
        assert!(gap < Duration::from_millis(500), "{gap:?}");
        // The client's sockets died with the process; the sim must see every close.
        assert!(
            sim.wait_idle(Duration::from_secs(2)).await,
            "{:?}",
            sim.stats()
        );
        let s = sim.stats();
        assert_eq!(s.connections_open, 0);
        assert_eq!(s.connections_opened, s.connections_closed);
        assert!(s.requests > 10);
        // Restored and all off.
        assert_eq!(sim.config(), before);
        assert_eq!(sim.actuator_states(), vec![0, 0]);
        sim.shutdown(Duration::from_secs(2)).await;
    }
}

#[tokio::test]
async fn selftest_fails_and_says_so_when_config_does_not_persist() {
    let sim = sim(Firmware::Endpoints).await;
    sim.set_faults(Faults {
        config_no_persist: true,
        ..Faults::default()
    });
    let out = selftest(&sim, &["--setup"])
        .spawn()
        .unwrap()
        .wait_with_output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("FAIL  setup"), "{stdout}");
    assert!(stdout.contains("did not persist"), "{stdout}");
    assert!(
        stdout
            .lines()
            .last()
            .unwrap()
            .ends_with("1 failed, 1 skipped"),
        "{stdout}"
    );
    sim.shutdown(Duration::from_secs(2)).await;
}

#[tokio::test]
async fn selftest_without_yes_off_a_terminal_skips_what_changes_the_hub() {
    let sim = sim(Firmware::Endpoints).await;
    let mut c = Command::new(BIN);
    c.args([
        "selftest",
        "--host",
        &sim.addr().to_string(),
        "--actuators",
        "--setup",
    ])
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let out = c.output().await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert_eq!(
        stdout.lines().last().unwrap(),
        "7 passed, 0 failed, 3 skipped"
    );
    // info, mac, actuators/status: nothing that changes the hub.
    assert_eq!(sim.stats().requests, 3);
    sim.shutdown(Duration::from_secs(2)).await;
}

#[tokio::test]
async fn ctrl_c_during_setup_restores_the_config() {
    let sim = sim(Firmware::Endpoints).await;
    let before = sim.config();
    // Slow enough that the interrupt lands while the test config is in place.
    sim.set_faults(Faults {
        latency_ms: 150,
        ..Faults::default()
    });
    let child = selftest(&sim, &["--setup"]).spawn().unwrap();
    let pid = child.id().unwrap();
    until("the test endpoint to be written", || {
        sim.config()
            .to_string()
            .contains(vegehub::selftest::TEST_SERVER_URL)
    })
    .await;
    signal(pid, "-INT");
    let out = child.wait_with_output().await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(130), "{stdout}");
    assert!(
        stdout.contains("FAIL  setup") && stdout.contains("interrupted"),
        "{stdout}"
    );
    assert_eq!(sim.config(), before, "config not restored after Ctrl-C");
    sim.set_faults(Faults::default());
    assert!(sim.wait_idle(Duration::from_secs(2)).await);
    sim.shutdown(Duration::from_secs(2)).await;
}

#[tokio::test]
async fn ctrl_c_during_actuator_test_switches_all_off() {
    let sim = sim(Firmware::Endpoints).await;
    sim.set_faults(Faults {
        latency_ms: 150,
        ..Faults::default()
    });
    let child = selftest(&sim, &["--actuators"]).spawn().unwrap();
    let pid = child.id().unwrap();
    until("slot 0 to be switched on", || sim.actuator_states()[0] == 1).await;
    signal(pid, "-INT");
    let out = child.wait_with_output().await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(130), "{stdout}");
    assert_eq!(sim.actuator_states(), vec![0, 0], "{stdout}");
    sim.set_faults(Faults::default());
    sim.shutdown(Duration::from_secs(2)).await;
}

#[tokio::test]
async fn a_second_ctrl_c_stops_the_all_off_loop() {
    let sim = vegehub_sim::start(SimConfig {
        layout: Layout {
            channels: 1,
            actuators: 8,
            battery: false,
        },
        ..SimConfig::default()
    })
    .await
    .unwrap();
    // Slow enough for an observer to see slot 0 on.
    sim.set_faults(Faults {
        latency_ms: 100,
        ..Faults::default()
    });
    let child = selftest(&sim, &["--actuators"]).spawn().unwrap();
    let pid = child.id().unwrap();
    until("slot 0 to be switched on", || sim.actuator_states()[0] == 1).await;
    // From now on each call takes 400 ms: the cleanup's 8 calls would take 3.2 s.
    sim.set_faults(Faults {
        latency_ms: 400,
        ..Faults::default()
    });
    let before = sim.stats().requests;
    signal(pid, "-INT");
    until("the cleanup to be under way", || {
        sim.stats().requests >= before + 2
    })
    .await;
    let second = Instant::now();
    signal(pid, "-INT");
    let out = tokio::time::timeout(Duration::from_secs(10), child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let took = second.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stdout}{stderr}");
    assert!(took < Duration::from_millis(1500), "{took:?}");
    assert!(stdout.contains("aborted: slots"), "{stdout}");
    assert!(stderr.contains("cleanup was cut short"), "{stderr}");
    sim.set_faults(Faults::default());
    sim.shutdown(Duration::from_secs(2)).await;
}

#[tokio::test]
async fn sim_command_prints_ready_serves_and_exits_cleanly_on_sigterm() {
    let mut child = Command::new(BIN)
        .args([
            "sim",
            "--listen",
            "127.0.0.1:0",
            "--firmware",
            "legacy",
            "--actuators",
            "2",
        ])
        .args(["--faults", r#"{"error_status": 503, "error_count": 1}"#])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let ready = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(ready.starts_with("ready http://127.0.0.1:"), "{ready}");
    let url = ready.split_whitespace().nth(1).unwrap().to_string();
    let hub = vegehub::Hub::new(&url).unwrap();
    let no_retry = hub.with_options(vegehub::HubOptions {
        retry: vegehub::RetryPolicy::none(),
        ..*hub.options()
    });
    // The --faults given on the command line are in force from the start.
    assert!(matches!(
        no_retry.config().await,
        Err(vegehub::Error::HttpStatus { status: 503, .. })
    ));
    let cfg = hub.config().await.unwrap();
    assert_eq!(cfg.format, Some(vegehub::ConfigFormat::Legacy));
    assert_eq!(hub.actuators().await.unwrap().len(), 2);
    drop((hub, no_retry));
    let t = Instant::now();
    signal(child.id().unwrap(), "-TERM");
    let st = tokio::time::timeout(Duration::from_secs(5), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(st.success());
    assert!(t.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn listen_prints_each_push_as_a_json_line_and_exits_on_sigint() {
    let mut child = Command::new(BIN)
        .args([
            "listen",
            "--listen",
            "127.0.0.1:0",
            "--channels",
            "4",
            "--actuators",
            "2",
            "--battery",
        ])
        .args(["--transform", "vh400", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let base = first
        .strip_prefix("listening on ")
        .expect(&first)
        .to_string();
    let sim = sim(Firmware::Legacy).await;
    sim.set_analog(vec![1.5, 3.5, 0.0, 1.1]);
    let hub = vegehub::Hub::new(&sim.addr().to_string()).unwrap();
    let key = secrecy::SecretString::from("K".to_string());
    hub.setup(&key, &format!("{base}/api/webhook/test"))
        .await
        .unwrap();
    hub.request_update().await.unwrap();
    let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["mac"], "7C9EBD4B49D8");
    assert_eq!(v["path"], "/api/webhook/test");
    assert_eq!(v["mapped"]["analog_1"], 3.5);
    assert!((v["transformed"]["analog_0"].as_f64().unwrap() - 24.6154).abs() < 1e-3);
    assert_eq!(v["transformed"]["analog_1"], 100.0);
    assert_eq!(v["mapped"]["battery"], 9.3148);
    assert_eq!(v["mapped"]["actuator_1"], 0.0);
    assert!(v["transformed"].get("battery").is_none());
    signal(child.id().unwrap(), "-INT");
    let st = tokio::time::timeout(Duration::from_secs(5), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(st.success());
    drop(hub);
    assert!(sim.wait_idle(Duration::from_secs(2)).await);
    sim.shutdown(Duration::from_secs(2)).await;
}

#[tokio::test]
async fn config_get_hides_keys_and_a_hidden_config_is_never_written_back() {
    let sim = sim(Firmware::Legacy).await;
    let host = sim.addr().to_string();
    let hub = vegehub::Hub::new(&host).unwrap();
    hub.setup(
        &secrecy::SecretString::from("TOPSECRET".to_string()),
        "http://127.0.0.1:9/x",
    )
    .await
    .unwrap();
    drop(hub);
    let before = sim.config();
    let dir = std::env::temp_dir().join(format!("vegehub-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let run = |args: Vec<String>| {
        let mut c = Command::new(BIN);
        c.args(args).env_remove("VEGEHUB_HOST").stdin(Stdio::null());
        c
    };
    // Hidden by default.
    let out = run(vec![
        "config".into(),
        "get".into(),
        "--host".into(),
        host.clone(),
    ])
    .output()
    .await
    .unwrap();
    let hidden = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success());
    assert!(
        !hidden.contains("TOPSECRET") && hidden.contains("***"),
        "{hidden}"
    );
    let hidden_file = dir.join("hidden.json");
    std::fs::write(&hidden_file, &hidden).unwrap();
    let out = run(vec![
        "config".into(),
        "set".into(),
        "--host".into(),
        host.clone(),
        "--file".into(),
        hidden_file.display().to_string(),
    ])
    .output()
    .await
    .unwrap();
    // A config error, so a usage error: exit 2.
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--show-secrets"));
    assert_eq!(sim.config(), before, "a redacted config was written");
    // With --show-secrets the round trip is exact.
    let out = run(vec![
        "config".into(),
        "get".into(),
        "--host".into(),
        host.clone(),
        "--show-secrets".into(),
    ])
    .output()
    .await
    .unwrap();
    let full = String::from_utf8(out.stdout).unwrap();
    assert!(full.contains("TOPSECRET"));
    let full_file = dir.join("full.json");
    std::fs::write(&full_file, &full).unwrap();
    let out = run(vec![
        "config".into(),
        "set".into(),
        "--host".into(),
        host.clone(),
        "--file".into(),
        full_file.display().to_string(),
    ])
    .output()
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(sim.config(), before);
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(sim.wait_idle(Duration::from_secs(2)).await);
    sim.shutdown(Duration::from_secs(2)).await;
}

/// Runs the binary to completion (bounded) with `env` set and no stdin.
async fn run_bin(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut c = Command::new(BIN);
    c.args(args)
        .env_remove("VEGEHUB_HOST")
        .env_remove("VEGEHUB_API_KEY")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    tokio::time::timeout(Duration::from_secs(20), c.output())
        .await
        .expect("the binary did not exit")
        .unwrap()
}

#[tokio::test]
async fn usage_and_config_errors_exit_2() {
    for args in [
        &["--timeout", "-1", "info", "--host", "127.0.0.1:9"][..],
        &["--timeout", "abc", "info", "--host", "127.0.0.1:9"],
        &["--timeout", "0", "info", "--host", "127.0.0.1:9"],
        &["--connect-timeout", "NaN", "info", "--host", "127.0.0.1:9"],
        &["info", "--host", "https://127.0.0.1:9"],
        &["info", "--host", ""],
        &["discover", "--wait", "-3"],
        &["sim", "--listen", "127.0.0.1:0", "--faults", "{not json"],
        &[
            "listen",
            "--listen",
            "127.0.0.1:0",
            "--key-env",
            "VEGEHUB_TEST_UNSET_KEY",
        ],
        &[
            "listen",
            "--listen",
            "127.0.0.1:0",
            "--max-connections",
            "0",
        ],
        &[
            "config",
            "set",
            "--host",
            "127.0.0.1:9",
            "--file",
            "/nonexistent/cfg.json",
        ],
        &["no-such-command"],
    ] {
        let out = run_bin(args, &[]).await;
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = run_bin(&["--help"], &[]).await;
    assert_eq!(out.status.code(), Some(0));
}

#[tokio::test]
async fn exit_is_bounded_when_the_peer_accepts_and_never_answers() {
    // Accepts every connection and holds it open without a byte of reply.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = silent.local_addr().unwrap().port();
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = silent.accept().await {
            held.push(s);
        }
    });
    // By name, so the lookup goes through the client's resolver too.
    let host = format!("localhost:{port}");
    let started = Instant::now();
    let out = run_bin(
        &[
            "--timeout",
            "0.5",
            "--attempts",
            "2",
            "info",
            "--host",
            &host,
        ],
        &[],
    )
    .await;
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("got no reply within 500ms"), "{stderr}");
    // Two tries of 0.5 s, one backoff of 0.2 s, process start and exit.
    assert!(took < Duration::from_secs(3), "{took:?}");
    holder.abort();
}

/// Starts `vegehub listen` with `args` and returns it with its address.
async fn listen_child(
    args: &[&str],
    env: &[(&str, &str)],
) -> (
    tokio::process::Child,
    tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
    String,
) {
    let mut child = Command::new(BIN)
        .arg("listen")
        .args(args)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap_or_default();
    let base = first
        .strip_prefix("listening on ")
        .unwrap_or("")
        .to_string();
    (child, lines, base)
}

#[tokio::test]
async fn listen_binds_loopback_by_default() {
    let (mut child, _lines, base) = listen_child(&[], &[]).await;
    if base.is_empty() {
        // Port 8123 taken on this machine: the error names the address tried.
        let out = child.wait_with_output().await.unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("cannot listen on 127.0.0.1:8123"),
            "{stderr}"
        );
        return;
    }
    assert_eq!(base, "http://127.0.0.1:8123");
    signal(child.id().unwrap(), "-INT");
    let st = tokio::time::timeout(Duration::from_secs(5), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(st.success());
}

#[tokio::test]
async fn listen_with_key_env_answers_401_without_the_key_and_never_prints_it() {
    let (child, mut lines, base) = listen_child(
        &[
            "--listen",
            "127.0.0.1:0",
            "--key-env",
            "VH_LISTEN_KEY",
            "--json",
        ],
        &[("VH_LISTEN_KEY", "K3Y-from-env")],
    )
    .await;
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    let c = reqwest::Client::new();
    let url = format!("{base}/api/vegehub/update");
    let r = c
        .post(&url)
        .json(&serde_json::json!({"api_key": "guess", "mac": "AA"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let r = c
        .post(&url)
        .json(&serde_json::json!({"mac": "AA"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let r = c
        .post(&url)
        .json(&serde_json::json!({"api_key": "K3Y-from-env", "mac": "BB", "sensors": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["mac"], "BB", "only the authenticated push is printed");
    drop(c);
    signal(child.id().unwrap(), "-INT");
    let out = tokio::time::timeout(Duration::from_secs(5), child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    assert!(out.status.success());
    let all = format!(
        "{line}{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!all.contains("K3Y-from-env"), "{all}");
}

#[tokio::test]
async fn setup_takes_its_key_from_the_environment_or_stdin_never_the_command_line() {
    let sim = sim(Firmware::Legacy).await;
    let host = sim.addr().to_string();
    let server = "http://127.0.0.1:9/api/vegehub/update";
    // A key on the command line is not accepted at all.
    let out = run_bin(
        &[
            "setup", "--host", &host, "--key", "ARGKEY", "--server", server,
        ],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    // No key in the environment: a usage error naming the variable.
    let out = run_bin(&["setup", "--host", &host, "--server", server], &[]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("VEGEHUB_API_KEY"));
    let out = run_bin(
        &["setup", "--host", &host, "--server", server],
        &[("VEGEHUB_API_KEY", "ENVKEY")],
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(sim.config()["api_key"], "ENVKEY");
    let out = run_bin(
        &[
            "setup",
            "--host",
            &host,
            "--server",
            server,
            "--key-env",
            "MY_HUB_KEY",
        ],
        &[("MY_HUB_KEY", "OTHERKEY")],
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(sim.config()["api_key"], "OTHERKEY");
    let mut child = Command::new(BIN)
        .args(["setup", "--host", &host, "--server", server, "--key-stdin"])
        .env_remove("VEGEHUB_API_KEY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    {
        use tokio::io::AsyncWriteExt;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"STDINKEY\n").await.unwrap();
    }
    let out = tokio::time::timeout(Duration::from_secs(10), child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(sim.config()["api_key"], "STDINKEY");
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(!printed.contains("STDINKEY"), "{printed}");
    sim.shutdown(Duration::from_secs(2)).await;
}

/// `vegehub bridge` with a config file and flags over it: prints one `ready`
/// line, takes a push, and on SIGTERM exits 0 at once with nothing more on
/// stdout or stderr.
#[tokio::test]
async fn bridge_prints_ready_serves_metrics_and_exits_quietly_on_sigterm() {
    let sim = sim(Firmware::Endpoints).await;
    let dir = backup_dir();
    let file = dir.join("bridge.toml");
    std::fs::write(
        &file,
        format!(
            "listen = \"127.0.0.1:1\"\nkey_env = \"BRIDGE_TEST_KEY\"\n[[hub]]\nhost = \"{}\"\ntransforms = {{ analog_0 = \"therm200\" }}\n",
            sim.addr()
        ),
    )
    .unwrap();
    let mut child = Command::new(BIN)
        .arg("bridge")
        .arg("--config")
        .arg(&file)
        .args(["--listen", "127.0.0.1:0", "--prometheus", "127.0.0.1:0"])
        .env("BRIDGE_TEST_KEY", "K1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let ready = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let field = |k: &str| {
        ready
            .split_whitespace()
            .find_map(|w| w.strip_prefix(k))
            .unwrap_or_else(|| panic!("no {k} in {ready:?}"))
            .to_string()
    };
    let (listen, metrics) = (field("listen="), field("metrics="));
    let hub = vegehub::Hub::new(&sim.addr().to_string()).unwrap();
    hub.setup(&"K1".to_string().into(), &format!("{listen}/hook"))
        .await
        .unwrap();
    sim.set_analog(vec![1.2, 0.0, 0.0, 0.0]);
    hub.request_update().await.unwrap();
    let want = r#"vegehub_channel_value{hub="7C9EBD4B49D8",channel="analog_0"} "#;
    let started = Instant::now();
    loop {
        let body = reqwest::get(&metrics).await.unwrap().text().await.unwrap();
        let got = body
            .lines()
            .find_map(|l| l.strip_prefix(want)?.parse::<f64>().ok());
        if got.is_some() && got == vegehub::therm200(1.2) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{body}");
        tokio::time::sleep(Duration::from_millis(20)).await; // sleep-ok: polling interval of an outside observer
    }
    drop(hub);
    let t = Instant::now();
    signal(child.id().unwrap(), "-TERM");
    let st = tokio::time::timeout(Duration::from_secs(5), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(st.success(), "{st:?}");
    assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
    assert_eq!(lines.next_line().await.unwrap(), None, "stray stdout");
    let mut err = String::new();
    tokio::io::AsyncReadExt::read_to_string(&mut child.stderr.take().unwrap(), &mut err)
        .await
        .unwrap();
    assert_eq!(err, "", "stray stderr");
    sim.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn bridge_without_a_destination_or_a_key_is_a_usage_error() {
    for (args, env, says) in [
        (&["bridge"][..], Some("K"), "nothing to bridge to"),
        (
            &["bridge", "--prometheus", "127.0.0.1:0"][..],
            None,
            "VEGEHUB_API_KEY",
        ),
        (&["bridge", "--mqtt", "mqtts://h"][..], Some("K"), "TLS"),
    ] {
        let mut c = Command::new(BIN);
        c.args(args)
            .env_remove("VEGEHUB_API_KEY")
            .kill_on_drop(true);
        if let Some(k) = env {
            c.env("VEGEHUB_API_KEY", k);
        }
        let out = tokio::time::timeout(Duration::from_secs(10), c.output())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
    }
}
