//! The store as processes share it: one writer at a time (a second
//! `discover` fails at once naming the first), readers alongside, a dead
//! writer never blocks, and a run whose end cannot be recorded is an error.

use netwalker::store::{StoreReader, StoreWriter};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn netwalker() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_netwalker"));
    // Tests must not pick up a developer's config; the credentials are only
    // offered to the test's own loopback listener.
    c.env("NETWALKER_USERNAME", "admin")
        .env("NETWALKER_PASSWORD", "admin")
        .env_remove("NETWALKER_ENABLE")
        .env_remove("NETWALKER_LOG")
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .env("HOME", "/nonexistent")
        .stdin(Stdio::null());
    c
}

/// `discover` of one loopback seed on `port`, SSH only.
fn discover(port: u16, store: &Path, out: &Path, extra: &[&str]) -> Command {
    let mut c = netwalker();
    c.args(["discover", "--seed", "127.0.0.1", "--no-telnet", "--quiet"])
        .args([
            "--host-key-policy",
            "accept-any",
            "--port",
            &port.to_string(),
        ])
        .arg("--store")
        .arg(store)
        .arg("--out")
        .arg(out)
        .args(extra);
    c
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A loopback port nothing listens on (connections are refused at once).
fn refused_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn a_second_writer_fails_at_once_naming_the_holder_while_readers_work() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("inv.db");
    // A "device" that accepts and never says a word: the first walk waits on
    // its SSH banner, holding the store, until the test kills it.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let cfg = dir.path().join("slow.toml");
    std::fs::write(&cfg, "[timeouts]\nbanner = \"300s\"\ndevice = \"600s\"\n").unwrap();
    let mut holder = netwalker()
        .arg("--config")
        .arg(&cfg)
        .args(discover(port, &store, &dir.path().join("out1"), &[]).get_args())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(listener.accept().map(|(conn, _)| conn));
    });
    // The lock is taken before the walk starts, so once the holder connects
    // it holds the store.
    let conn = match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(c) => c.unwrap(),
        Err(_) => {
            let _ = holder.kill();
            panic!("the first walk never connected: {:?}", holder.wait());
        }
    };

    for extra in [&[][..], &["--resume"][..]] {
        let started = Instant::now();
        let out = discover(port, &store, &dir.path().join("out2"), extra)
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{extra:?}: {err}");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "must fail at once, took {:?}",
            started.elapsed()
        );
        assert!(
            err.contains("in use by another netwalker process")
                && err.contains(&format!("pid: {}", holder.id()))
                && err.contains("command: ")
                && err.contains("inv.db")
                && err.contains("--store"),
            "{extra:?}: {err}"
        );
    }
    // Readers are not writers: a report reads the store meanwhile.
    let out = netwalker()
        .args(["report", "--format", "json", "--store"])
        .arg(&store)
        .arg("--out")
        .arg(dir.path().join("reports"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // --resume could not adopt the run still going.
    let runs = StoreReader::open(&store).unwrap().runs().unwrap();
    assert_eq!(runs.len(), 1);
    assert!(runs[0].finished.is_none());

    // A killed holder leaves no lock behind; --resume now adopts its run.
    holder.kill().unwrap();
    holder.wait().unwrap();
    drop(conn);
    let out = discover(
        refused_port(),
        &store,
        &dir.path().join("out3"),
        &["--resume"],
    )
    .output()
    .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let runs = StoreReader::open(&store).unwrap().runs().unwrap();
    assert_eq!(runs.len(), 1, "the interrupted run was continued: {runs:?}");
    assert!(runs[0].finished.is_some(), "{runs:?}");
}

#[test]
fn a_run_whose_end_cannot_be_recorded_exits_1_after_writing_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("inv.db");
    drop(StoreWriter::open(&store).unwrap());
    // The disk refuses exactly the "run finished" update.
    rusqlite::Connection::open(&store)
        .unwrap()
        .execute_batch(
            "CREATE TRIGGER refuse_finish BEFORE UPDATE OF finished ON runs
             BEGIN SELECT RAISE(ABORT, 'simulated write failure'); END;",
        )
        .unwrap();
    let out_dir = dir.path().join("out");
    let out = discover(refused_port(), &store, &out_dir, &[])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("could not be recorded")
            && err.contains("simulated write failure")
            && err.contains("--resume"),
        "{err}"
    );
    assert!(out_dir.join("inventory.json").is_file());
}

#[test]
fn an_invalid_filter_is_refused_before_a_run_is_started() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("inv.db");
    let cfg = dir.path().join("netwalker.toml");
    std::fs::write(&cfg, "[filters]\nhostname_include = [\"core[\"]\n").unwrap();
    // A store with history: the refused walk must not add an unfinished run
    // that a later --resume would adopt.
    drop(StoreWriter::open(&store).unwrap());
    let mut c = discover(refused_port(), &store, &dir.path().join("out"), &[]);
    c.arg("--config").arg(&cfg);
    let o = c.output().unwrap();
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("invalid hostname glob \"core[\""),
        "{}",
        stderr(&o)
    );
    let runs = StoreReader::open(&store).unwrap().runs().unwrap();
    assert!(runs.is_empty(), "a refused walk started a run: {runs:?}");
}
