//! Config and credentials files through the binary: a broken file's error
//! never shows a secret, and a file holding secrets that others can read is
//! warned about.

use std::path::Path;
use std::process::{Command, Output, Stdio};

const SECRET: &str = "XYZZY-plugh-1138";

fn netwalker() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_netwalker"));
    c.env_remove("NETWALKER_USERNAME")
        .env_remove("NETWALKER_PASSWORD")
        .env_remove("NETWALKER_ENABLE")
        .env_remove("NETWALKER_LOG")
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .env("HOME", "/nonexistent")
        .stdin(Stdio::null());
    c
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[cfg(unix)]
fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn config_show(cfg: &Path) -> Output {
    netwalker()
        .arg("--config")
        .arg(cfg)
        .args(["config", "show"])
        .output()
        .unwrap()
}

/// `discover` with a credentials file, against a loopback port nothing
/// listens on (the device fails at once).
fn discover_with_credentials_file(dir: &Path, creds: &Path) -> Output {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
        .to_string();
    netwalker()
        .args(["discover", "--seed", "127.0.0.1", "--no-telnet", "--quiet"])
        .args(["--port", &port, "--credentials-file"])
        .arg(creds)
        .arg("--store")
        .arg(dir.join("inv.db"))
        .arg("--out")
        .arg(dir.join("out"))
        .output()
        .unwrap()
}

#[test]
fn a_broken_config_or_credentials_file_never_shows_its_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("nw.toml");
    for text in [
        format!("[[credentials]]\nusername = \"ops\"\npassword = \"{SECRET}\n"),
        format!(
            "[[credentials]]\nusername = \"ops\"\npassword = \"{SECRET}\"\nconcurrency = = 2\n"
        ),
        "[[credentials]]\nusername = \"ops\"\npassword = 1138424242\n".to_string(),
    ] {
        std::fs::write(&cfg, &text).unwrap();
        let out = config_show(&cfg);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            !err.contains("XYZZY") && !err.contains("1138424242"),
            "secret shown: {err}"
        );
        assert!(err.contains("nw.toml") && err.contains("line "), "{err}");
    }

    let creds = dir.path().join("creds.toml");
    std::fs::write(
        &creds,
        format!("[[credentials]]\nusername = \"ops\"\npassword = '{SECRET}\n"),
    )
    .unwrap();
    let out = discover_with_credentials_file(dir.path(), &creds);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(!err.contains("XYZZY"), "secret shown: {err}");
    assert!(
        err.contains("creds.toml") && err.contains("line 3") && err.contains("password"),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn files_holding_secrets_that_others_can_read_are_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("nw.toml");
    std::fs::write(
        &cfg,
        format!("[[credentials]]\nusername = \"ops\"\npassword = \"{SECRET}\"\n"),
    )
    .unwrap();
    chmod(&cfg, 0o644);
    let out = config_show(&cfg);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("nw.toml") && err.contains("chmod 600"),
        "{err}"
    );
    assert!(!err.contains("XYZZY"), "{err}");
    chmod(&cfg, 0o600);
    let out = config_show(&cfg);
    assert!(!stderr(&out).contains("chmod"), "{}", stderr(&out));
    // A config without inline secrets may be world-readable.
    std::fs::write(&cfg, "concurrency = 3\n").unwrap();
    chmod(&cfg, 0o644);
    assert!(!stderr(&config_show(&cfg)).contains("chmod"));

    let creds = dir.path().join("creds.toml");
    std::fs::write(
        &creds,
        format!("[[credentials]]\nusername = \"ops\"\npassword = \"{SECRET}\"\n"),
    )
    .unwrap();
    chmod(&creds, 0o640);
    let out = discover_with_credentials_file(dir.path(), &creds);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("creds.toml") && err.contains("chmod 600") && err.contains("group"),
        "{err}"
    );
}

/// `--host-key-policy` takes the config file's spellings, shows up in
/// `config show` as the file writes it, and anything else is exit 2.
#[test]
fn host_key_policy_flag_takes_the_config_spellings() {
    for policy in ["accept-new", "strict", "accept-any"] {
        let out = netwalker()
            .args(["config", "show", "--host-key-policy", policy])
            .output()
            .unwrap();
        assert!(out.status.success(), "{policy}: {}", stderr(&out));
        let shown = String::from_utf8_lossy(&out.stdout);
        assert!(
            shown.contains(&format!("host_key_policy = \"{policy}\"\n")),
            "{shown}"
        );
    }
    for bad in ["bogus", "Strict", "accept_new", ""] {
        let out = netwalker()
            .args(["config", "show", "--host-key-policy", bad])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("accept-new"), "{}", stderr(&out));
    }
}
