//! A PostgreSQL `--store` URL's password never shows: not in `config show`,
//! not in `--help` (the variable's value), not in errors (bad URL, server
//! unreachable), not in the log at its most verbose. No server is needed:
//! the URLs point at a loopback port nothing listens on.

use std::net::TcpListener;
use std::process::{Command, Output, Stdio};

const PASSWORD: &str = "Sup3rSecretPw";

fn netwalker() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_netwalker"));
    c.env("NETWALKER_USERNAME", "admin")
        .env("NETWALKER_PASSWORD", "admin")
        .env_remove("NETWALKER_STORE")
        .env("NETWALKER_LOG", "trace")
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .env("HOME", "/nonexistent")
        .stdin(Stdio::null());
    c
}

/// A loopback port nothing listens on.
fn refused_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn url(port: u16) -> String {
    format!("postgres://nw:{PASSWORD}@127.0.0.1:{port}/inv")
}

fn all_output(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn assert_masked(o: &Output) -> String {
    let text = all_output(o);
    assert!(!text.contains(PASSWORD), "the password shows:\n{text}");
    text
}

#[test]
fn config_show_masks_the_password_from_the_flag_and_from_the_environment() {
    let port = refused_port();
    let flag = netwalker()
        .args(["config", "show", "--store", &url(port)])
        .output()
        .unwrap();
    assert!(flag.status.success(), "{}", all_output(&flag));
    let shown = assert_masked(&flag);
    let masked = format!("postgres://nw:********@127.0.0.1:{port}/inv");
    assert!(shown.contains(&masked), "{shown}");
    let env = netwalker()
        .env("NETWALKER_STORE", url(port))
        .args(["config", "show"])
        .output()
        .unwrap();
    assert!(env.status.success(), "{}", all_output(&env));
    assert!(assert_masked(&env).contains(&masked));
    // The masked form copied back is refused, not tried.
    let copied = netwalker()
        .args(["report", "--store", &masked])
        .output()
        .unwrap();
    assert!(!copied.status.success());
    assert!(all_output(&copied).contains("config show"));
}

#[test]
fn help_does_not_print_the_variable_s_value() {
    let o = netwalker()
        .env("NETWALKER_STORE", url(refused_port()))
        .args(["report", "--help"])
        .output()
        .unwrap();
    assert!(o.status.success());
    assert!(assert_masked(&o).contains("NETWALKER_STORE"));
}

#[test]
fn an_unreachable_server_and_a_bad_url_fail_without_the_password() {
    let port = refused_port();
    let out = tempfile::tempdir().unwrap();
    let out = out.path().to_str().unwrap();
    for cmd in [
        &["report", "--out", out][..],
        &["diagram", "--out", out],
        &["find", "00:14:22:00:00:01"],
        &["dns-check", "--out", out],
        &["exec", "--filter", "*", "-c", "show clock", "--dry-run"],
        &[
            "discover",
            "--seed",
            "127.0.0.1",
            "--no-telnet",
            "--out",
            out,
        ],
    ] {
        let o = netwalker()
            .args(cmd)
            .args(["--store", &url(port)])
            .output()
            .unwrap();
        let text = assert_masked(&o);
        assert!(!o.status.success(), "{cmd:?}: {text}");
        assert!(
            text.contains("cannot connect to the store"),
            "{cmd:?}: {text}"
        );
    }
    let o = netwalker()
        .args(["report", "--store", &url(port)])
        .output()
        .unwrap();
    let text = assert_masked(&o);
    assert!(text.contains("cannot connect to the store"), "{text}");
    assert!(
        text.contains(&format!("127.0.0.1:{port}/inv")),
        "names it: {text}"
    );
    let bad = netwalker()
        .args(["report", "--store"])
        .arg(format!("postgres://nw:{PASSWORD}@[::1/inv"))
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2), "a usage error");
    assert!(assert_masked(&bad).contains("not a valid URL"));
}
