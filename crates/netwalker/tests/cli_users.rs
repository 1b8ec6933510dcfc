//! `netwalker user` and `netwalker token`: users with roles and argon2
//! hashes, passwords never on the command line or in any output, tokens
//! printed once and stored as hashes, and the single-writer lock (a walk
//! holding the store makes them fail at once, saying why).
#![cfg(feature = "serve")]

use netwalker::auth::hash_token;
use netwalker::store::{StoreReader, StoreWriter};
use std::path::Path;
use std::process::{Command, Output, Stdio};

const PW: &str = "a-long-enough-password";

fn netwalker(store: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_netwalker"));
    c.args(args)
        .arg("--store")
        .arg(store)
        .env("NW_TEST_PW", PW)
        .env("NW_TEST_PW2", "another-long-password")
        .env("NW_SHORT", "short")
        .env_remove("NETWALKER_LOG")
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .env("HOME", "/nonexistent")
        .stdin(Stdio::null());
    c
}

fn run(store: &Path, args: &[&str]) -> Output {
    netwalker(store, args).output().unwrap()
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn ok(store: &Path, args: &[&str]) -> String {
    let o = run(store, args);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {out}{err}");
    assert!(
        !out.contains(PW) && !err.contains(PW),
        "{args:?} printed the password"
    );
    out
}

/// Adds admin `alice` with the password in `NW_TEST_PW`.
const ADD_ALICE: [&str; 7] = [
    "user",
    "add",
    "alice",
    "--role",
    "admin",
    "--password-env",
    "NW_TEST_PW",
];

fn usage(store: &Path, args: &[&str]) -> String {
    let o = run(store, args);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {out}{err}");
    err
}

#[test]
fn users_are_added_listed_changed_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("nw.db");
    ok(&store, &ADD_ALICE);
    ok(
        &store,
        &[
            "user",
            "add",
            "vera",
            "--role",
            "viewer",
            "--password-env",
            "NW_TEST_PW",
        ],
    );
    let list = ok(&store, &["user", "list"]);
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 2, "{list}");
    assert!(lines[0].starts_with("alice\tadmin\t"), "{list}");
    assert!(lines[1].starts_with("vera\tviewer\t"), "{list}");
    // The store holds an argon2id hash, not the password.
    let r = StoreReader::open(&store).unwrap();
    let creds = r.user_credentials("alice").unwrap().unwrap();
    assert!(creds.password_hash.as_str().starts_with("$argon2id$"));
    assert!(netwalker::auth::verify_password(
        &PW.into(),
        &creds.password_hash
    ));
    drop(r);

    let err = usage(
        &store,
        &[
            "user",
            "add",
            "alice",
            "--role",
            "viewer",
            "--password-env",
            "NW_TEST_PW",
        ],
    );
    assert!(err.contains("already a user named alice"), "{err}");
    let err = usage(
        &store,
        &[
            "user",
            "add",
            "bob",
            "--role",
            "root",
            "--password-env",
            "NW_TEST_PW",
        ],
    );
    assert!(err.contains("not a role"), "{err}");
    let err = usage(
        &store,
        &[
            "user",
            "add",
            "bob",
            "--role",
            "admin",
            "--password-env",
            "NW_SHORT",
        ],
    );
    assert!(err.contains("too short"), "{err}");
    let err = usage(
        &store,
        &[
            "user",
            "add",
            "b:ob",
            "--role",
            "admin",
            "--password-env",
            "NW_TEST_PW",
        ],
    );
    assert!(err.contains("not a valid name"), "{err}");
    // No terminal to prompt on and no variable: refused, nothing added.
    let err = usage(&store, &["user", "add", "bob", "--role", "admin"]);
    assert!(err.contains("--password-env"), "{err}");
    let err = usage(
        &store,
        &[
            "user",
            "add",
            "bob",
            "--role",
            "admin",
            "--password-env",
            "NW_UNSET",
        ],
    );
    assert!(err.contains("NW_UNSET is not set"), "{err}");

    ok(
        &store,
        &["user", "passwd", "alice", "--password-env", "NW_TEST_PW2"],
    );
    let r = StoreReader::open(&store).unwrap();
    let changed = r.user_credentials("alice").unwrap().unwrap();
    assert_ne!(changed.password_hash, creds.password_hash);
    assert!(netwalker::auth::verify_password(
        &"another-long-password".into(),
        &changed.password_hash
    ));
    drop(r);
    let err = usage(
        &store,
        &["user", "passwd", "nobody", "--password-env", "NW_TEST_PW"],
    );
    assert!(err.contains("no user named nobody"), "{err}");

    ok(&store, &["user", "remove", "vera"]);
    assert!(!ok(&store, &["user", "list"]).contains("vera"));
    let err = usage(&store, &["user", "remove", "vera"]);
    assert!(err.contains("no user named vera"), "{err}");
}

#[test]
fn a_token_is_printed_once_and_kept_as_a_hash() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("nw.db");
    ok(&store, &ADD_ALICE);
    let printed = ok(&store, &["token", "add", "ci", "--user", "alice"]);
    let token = printed.trim();
    assert_eq!(printed.lines().count(), 1, "{printed}");
    assert!(token.starts_with("nwt_") && token.len() == 47, "{token}");
    let hash = hash_token(&token.to_string().into()).unwrap();
    let r = StoreReader::open(&store).unwrap();
    assert_eq!(
        r.token_user(&hash).unwrap().map(|(u, _)| u),
        Some("alice".to_string())
    );
    drop(r);
    let list = ok(&store, &["token", "list"]);
    assert!(list.starts_with("ci\talice\t"), "{list}");
    assert!(!list.contains(token) && !list.contains("nwt_"), "{list}");

    let err = usage(&store, &["token", "add", "ci", "--user", "alice"]);
    assert!(err.contains("already a token named ci"), "{err}");
    let err = usage(&store, &["token", "add", "ci2", "--user", "nobody"]);
    assert!(err.contains("no user named nobody"), "{err}");

    ok(&store, &["token", "remove", "ci"]);
    let r = StoreReader::open(&store).unwrap();
    assert_eq!(r.token_user(&hash).unwrap(), None);
    drop(r);
    // Removing a user takes their tokens with them.
    let again = ok(&store, &["token", "add", "ci", "--user", "alice"]);
    ok(&store, &["user", "remove", "alice"]);
    let r = StoreReader::open(&store).unwrap();
    let h = hash_token(&again.trim().to_string().into()).unwrap();
    assert_eq!(r.token_user(&h).unwrap(), None);
    assert!(r.tokens().unwrap().is_empty());
}

/// A token nobody could see is a failure, not a quiet success: with
/// stdout's reader already gone, `token add` exits 1 and says how to
/// recover (other output is dropped quietly on a closed pipe).
#[test]
fn a_token_that_cannot_be_shown_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("nw.db");
    ok(&store, &ADD_ALICE);
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let o = netwalker(&store, &["token", "add", "ci", "--user", "alice"])
        .stdout(writer)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("token ci was added but could not be shown")
            && err.contains("netwalker token remove ci"),
        "{err}"
    );
}

#[test]
fn a_store_held_by_a_walk_refuses_user_changes_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("nw.db");
    let _walk = StoreWriter::open(&store).unwrap();
    let o = run(&store, &ADD_ALICE);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("in use by another netwalker process"), "{err}");
    let o = run(&store, &["token", "add", "ci", "--user", "alice"]);
    assert!(text(&o).1.contains("in use by another netwalker process"));
}
