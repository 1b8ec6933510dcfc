//! `netwalker serve` with users: logins and their cookies, sessions that
//! end (tampered, expired, user removed, password changed), CSRF on every
//! POST, API tokens, viewers kept out of admin pages, no open redirect,
//! the failed-login backoff, and the off-loopback rule. All in-process.
#![cfg(feature = "serve")]

#[path = "common/serve_fixture.rs"]
mod fixture;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use fixture::*;
use netwalker::auth::{Name, Role, generate_token, hash_password};
use netwalker::serve::{AuthPolicy, ServeOptions, router};
use netwalker::store::StoreWriter;
use secrecy::ExposeSecret;
use std::path::{Path, PathBuf};
use std::time::Duration;

const ALICE_PW: &str = "alice-password-1";
const VERA_PW: &str = "vera-password-22";

/// The campus store with admin `alice` and viewer `vera`.
fn store_with_users(dir: &Path) -> PathBuf {
    let path = campus(dir);
    let mut w = StoreWriter::open(&path).unwrap();
    for (name, role, pw) in [
        ("alice", Role::Admin, ALICE_PW),
        ("vera", Role::Viewer, VERA_PW),
    ] {
        let h = hash_password(&pw.into()).unwrap();
        w.add_user(&Name::new(name).unwrap(), role, &h).unwrap();
    }
    path
}

fn app_with(path: &Path, f: impl FnOnce(&mut ServeOptions)) -> axum::Router {
    let mut opts = ServeOptions::new(path);
    f(&mut opts);
    router(&opts).unwrap()
}

fn get_with(uri: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut b = Request::get(uri);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(Body::empty()).unwrap()
}

fn post_form(uri: &str, cookie: &str, fields: &[(&str, &str)]) -> Request<Body> {
    let body = serde_urlencoded::to_string(fields).unwrap();
    Request::post(uri)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", cookie)
        .body(Body::from(body))
        .unwrap()
}

/// The `Set-Cookie` header for cookie `name`.
fn set_cookie<'a>(got: &'a Got, name: &str) -> Option<&'a str> {
    got.headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
}

/// `name=value` of a `Set-Cookie` header.
fn pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_string()
}

/// The value of hidden field `name` in a page.
fn hidden(html: &str, name: &str) -> String {
    let at = html
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("no field {name} in {html}"));
    let rest = &html[at + name.len() + 15..];
    rest[..rest.find('"').unwrap()].to_string()
}

/// A browser's login: the form, its pre-session cookie and token, the POST.
async fn login(app: &axum::Router, user: &str, pw: &str, next: &str) -> Got {
    let page = send(app, get_with("/login", &[])).await;
    assert_eq!(page.status, StatusCode::OK);
    let pre = pair(set_cookie(&page, "nw_pre").expect("pre-session cookie"));
    let csrf = hidden(&page.body, "csrf");
    send(
        app,
        post_form(
            "/login",
            &pre,
            &[
                ("user", user),
                ("password", pw),
                ("csrf", &csrf),
                ("next", next),
            ],
        ),
    )
    .await
}

/// Logs in and returns the session cookie pair (`nw_session=...`).
async fn session(app: &axum::Router, user: &str, pw: &str) -> String {
    let got = login(app, user, pw, "/").await;
    assert_eq!(got.status, StatusCode::SEE_OTHER, "{}", got.body);
    pair(set_cookie(&got, "nw_session").expect("session cookie"))
}

#[tokio::test]
async fn pages_ask_for_a_login_and_a_good_one_opens_them_with_a_flagged_cookie() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(store_with_users(dir.path()));
    let got = get(&app, "/devices?q=core").await;
    assert_eq!(got.status, StatusCode::SEE_OTHER);
    assert_eq!(got.location(), Some("/login?next=%2Fdevices%3Fq%3Dcore"));
    // The form keeps where to go.
    let page = get(&app, "/login?next=%2Fdevices%3Fq%3Dcore").await;
    assert_eq!(hidden(&page.body, "next"), "/devices?q=core");

    let got = login(&app, "alice", ALICE_PW, "/devices/core1").await;
    assert_eq!(got.status, StatusCode::SEE_OTHER, "{}", got.body);
    assert_eq!(got.location(), Some("/devices/core1"));
    let cookie = set_cookie(&got, "nw_session").unwrap();
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=43200"] {
        assert!(cookie.contains(flag), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "{cookie}");
    assert!(!cookie.contains(ALICE_PW));
    let page = send(
        &app,
        get_with("/devices/core1", &[("cookie", &pair(cookie))]),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("C9300-48P"));

    // Behind TLS the cookies are Secure.
    let other = tempfile::tempdir().unwrap();
    let tls = app_with(&store_with_users(other.path()), |o| o.behind_tls = true);
    let got = login(&tls, "alice", ALICE_PW, "/").await;
    assert!(
        set_cookie(&got, "nw_session")
            .unwrap()
            .ends_with("; Secure")
    );
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_user_get_the_same_answer() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(store_with_users(dir.path()));
    let wrong = login(&app, "alice", "not-her-password", "/").await;
    let nobody = login(&app, "mallory", "not-her-password", "/").await;
    for got in [&wrong, &nobody] {
        assert_eq!(got.status, StatusCode::UNAUTHORIZED);
        assert!(
            got.body.contains("Wrong user name or password."),
            "{}",
            got.body
        );
        assert!(set_cookie(got, "nw_session").is_none());
        assert!(!got.body.contains("not-her-password"));
    }
}

#[tokio::test]
async fn tampered_expired_and_stale_sessions_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_with_users(dir.path());
    let app = app(&path);
    let vera = session(&app, "vera", VERA_PW).await;
    let ok = |c: &str| send(&app, get_with("/devices", &[("cookie", c)]));
    assert_eq!(ok(&vera).await.status, StatusCode::OK);

    // One character of the payload changed.
    let value = vera.strip_prefix("nw_session=").unwrap();
    let mut bytes = value.as_bytes().to_vec();
    bytes[3] = if bytes[3] == b'A' { b'B' } else { b'A' };
    let tampered = format!("nw_session={}", String::from_utf8(bytes).unwrap());
    assert_eq!(ok(&tampered).await.status, StatusCode::SEE_OTHER);
    assert_eq!(ok("nw_session=garbage").await.status, StatusCode::SEE_OTHER);

    // A session signed by another server (another key) is refused.
    let other = app_with(&path, |_| {});
    let elsewhere = session(&other, "vera", VERA_PW).await;
    assert_eq!(ok(&elsewhere).await.status, StatusCode::SEE_OTHER);

    // A session already expired when issued (zero lifetime).
    let brief = app_with(&path, |o| o.session_ttl = Duration::ZERO);
    let expired = session(&brief, "vera", VERA_PW).await;
    let got = send(&brief, get_with("/devices", &[("cookie", &expired)])).await;
    assert_eq!(got.status, StatusCode::SEE_OTHER);

    // A password change ends the session; so does removing the user.
    let alice = session(&app, "alice", ALICE_PW).await;
    assert_eq!(ok(&alice).await.status, StatusCode::OK);
    {
        let mut w = StoreWriter::open(&path).unwrap();
        let h = hash_password(&"vera-new-password".into()).unwrap();
        w.set_password(&Name::new("vera").unwrap(), &h).unwrap();
        w.remove_user(&Name::new("alice").unwrap()).unwrap();
    }
    assert_eq!(ok(&vera).await.status, StatusCode::SEE_OTHER);
    assert_eq!(ok(&alice).await.status, StatusCode::SEE_OTHER);
    let vera = session(&app, "vera", "vera-new-password").await;
    assert_eq!(ok(&vera).await.status, StatusCode::OK);
}

#[tokio::test]
async fn posts_without_the_right_csrf_token_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(store_with_users(dir.path()));
    let page = get(&app, "/login").await;
    let pre = pair(set_cookie(&page, "nw_pre").unwrap());
    let csrf = hidden(&page.body, "csrf");
    let creds = [("user", "alice"), ("password", ALICE_PW)];
    // No token; a wrong one; the right one from another browser.
    let missing = send(&app, post_form("/login", &pre, &creds)).await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    let mut wrong = creds.to_vec();
    wrong.push(("csrf", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
    assert_eq!(
        send(&app, post_form("/login", &pre, &wrong)).await.status,
        StatusCode::FORBIDDEN
    );
    let mut right = creds.to_vec();
    right.push(("csrf", &csrf));
    let other_browser = "nw_pre=c29tZW9uZSBlbHNlcyBub25jZQ";
    assert_eq!(
        send(&app, post_form("/login", other_browser, &right))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        send(&app, post_form("/login", "", &right)).await.status,
        StatusCode::FORBIDDEN
    );
    assert!(set_cookie(&missing, "nw_session").is_none());

    // Logging out is a POST: its token is bound to the session.
    let alice = session(&app, "alice", ALICE_PW).await;
    let no_token = send(&app, post_form("/logout", &alice, &[])).await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    let confirm = send(&app, get_with("/logout", &[("cookie", &alice)])).await;
    assert!(
        confirm.body.contains("Logged in as alice"),
        "{}",
        confirm.body
    );
    let token = hidden(&confirm.body, "csrf");
    let vera = session(&app, "vera", VERA_PW).await;
    let vera_token = hidden(
        &send(&app, get_with("/logout", &[("cookie", &vera)]))
            .await
            .body,
        "csrf",
    );
    assert_eq!(
        send(&app, post_form("/logout", &alice, &[("csrf", &vera_token)]))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let out = send(&app, post_form("/logout", &alice, &[("csrf", &token)])).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(out.location(), Some("/login"));
    assert!(
        set_cookie(&out, "nw_session")
            .unwrap()
            .contains("Max-Age=0")
    );
}

#[tokio::test]
async fn api_tokens_open_the_api_until_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_with_users(dir.path());
    let token = generate_token().unwrap();
    let viewer_token = generate_token().unwrap();
    {
        let mut w = StoreWriter::open(&path).unwrap();
        w.add_token(
            &Name::new("ci").unwrap(),
            &Name::new("alice").unwrap(),
            &token.hash,
        )
        .unwrap();
        w.add_token(
            &Name::new("ro").unwrap(),
            &Name::new("vera").unwrap(),
            &viewer_token.hash,
        )
        .unwrap();
    }
    let app = app(&path);
    let bearer = format!("Bearer {}", token.secret.expose_secret());
    let got = send(
        &app,
        get_with("/api/v1/devices?limit=1", &[("authorization", &bearer)]),
    )
    .await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    assert_eq!(got.json()["total"], DEVICES);

    let none = get(&app, "/api/v1/devices").await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        none.headers["www-authenticate"],
        "Bearer realm=\"netwalker\""
    );
    assert!(
        none.json()["error"]
            .as_str()
            .unwrap()
            .contains("authentication required")
    );
    let wrong = generate_token().unwrap();
    for bad in [
        format!("Bearer {}", wrong.secret.expose_secret()),
        "Bearer nwt_short".to_string(),
        format!("Basic {}", token.secret.expose_secret()),
    ] {
        let got = send(
            &app,
            get_with("/api/v1/devices", &[("authorization", &bad)]),
        )
        .await;
        assert_eq!(got.status, StatusCode::UNAUTHORIZED, "{bad}");
    }
    // Tokens also open pages, with their user's role.
    let ro = format!("Bearer {}", viewer_token.secret.expose_secret());
    let got = send(&app, get_with("/admin/users", &[("authorization", &ro)])).await;
    assert_eq!(got.status, StatusCode::FORBIDDEN);
    let got = send(
        &app,
        get_with("/admin/users", &[("authorization", &bearer)]),
    )
    .await;
    assert_eq!(got.status, StatusCode::OK);

    StoreWriter::open(&path)
        .unwrap()
        .remove_token(&Name::new("ci").unwrap())
        .unwrap();
    let got = send(
        &app,
        get_with("/api/v1/devices", &[("authorization", &bearer)]),
    )
    .await;
    assert_eq!(got.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn viewers_cannot_reach_admin_pages() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(store_with_users(dir.path()));
    let vera = session(&app, "vera", VERA_PW).await;
    let got = send(&app, get_with("/admin/users", &[("cookie", &vera)])).await;
    assert_eq!(got.status, StatusCode::FORBIDDEN);
    assert!(got.body.contains("admin role"));
    let alice = session(&app, "alice", ALICE_PW).await;
    let got = send(&app, get_with("/admin/users", &[("cookie", &alice)])).await;
    assert_eq!(got.status, StatusCode::OK);
    assert!(
        got.body.contains("<td>vera</td><td>viewer</td>"),
        "{}",
        got.body
    );
    assert!(!got.body.contains("$argon2"), "{}", got.body);
    // Without users (loopback, authentication off) the machine's user is admin.
    let other = tempfile::tempdir().unwrap();
    let open = app_with(&campus(other.path()), |_| {});
    let got = get(&open, "/admin/users").await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
}

#[tokio::test]
async fn a_login_never_sends_the_browser_to_another_site() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(store_with_users(dir.path()));
    for next in [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
    ] {
        let got = login(&app, "alice", ALICE_PW, next).await;
        assert_eq!(got.status, StatusCode::SEE_OTHER, "{next}");
        assert_eq!(got.location(), Some("/"), "{next}");
    }
    let page = get(&app, "/login?next=https%3A%2F%2Fevil.example%2F").await;
    assert_eq!(hidden(&page.body, "next"), "/");
}

#[tokio::test]
async fn failed_logins_back_off() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(store_with_users(dir.path()));
    for _ in 0..6 {
        let got = login(&app, "alice", "wrong-password", "/").await;
        assert_eq!(got.status, StatusCode::UNAUTHORIZED);
    }
    // Now even the right password waits.
    let got = login(&app, "alice", ALICE_PW, "/").await;
    assert_eq!(got.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(got.body.contains("Too many failed logins"));
    assert!(set_cookie(&got, "nw_session").is_none());
    // Another user is not held back (in-process: no client address).
    assert_eq!(
        login(&app, "vera", VERA_PW, "/").await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn required_auth_without_users_lets_nobody_in() {
    let dir = tempfile::tempdir().unwrap();
    let path = campus(dir.path());
    let open = app_with(&path, |_| {});
    assert_eq!(get(&open, "/devices").await.status, StatusCode::OK);
    let closed = app_with(&path, |o| o.auth = AuthPolicy::Required);
    assert_eq!(get(&closed, "/devices").await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        get(&closed, "/api/v1/devices").await.status,
        StatusCode::UNAUTHORIZED
    );
    // The login page and its stylesheet are always there.
    assert_eq!(get(&closed, "/login").await.status, StatusCode::OK);
    assert_eq!(
        get(&closed, "/static/style.css").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_form_larger_than_the_body_limit_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let app = app_with(&store_with_users(dir.path()), |o| o.max_body_bytes = 1024);
    let page = get(&app, "/login").await;
    let pre = pair(set_cookie(&page, "nw_pre").unwrap());
    let csrf = hidden(&page.body, "csrf");
    let big = "x".repeat(4096);
    let fields = [
        ("user", "alice"),
        ("password", big.as_str()),
        ("csrf", csrf.as_str()),
    ];
    let got = send(&app, post_form("/login", &pre, &fields)).await;
    assert_eq!(got.status, StatusCode::PAYLOAD_TOO_LARGE);
    // Streamed without a length, it is cut off too.
    let body = serde_urlencoded::to_string(fields).unwrap();
    let stream = futures::stream::iter(vec![Ok::<_, std::io::Error>(body.into_bytes())]);
    let req = Request::post("/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", &pre)
        .body(Body::from_stream(stream))
        .unwrap();
    assert_eq!(send(&app, req).await.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn a_store_from_before_users_existed_is_served_without_a_login() {
    let dir = tempfile::tempdir().unwrap();
    let path = campus(dir.path());
    // As netwalker left it before migration 4 (a reader does not migrate).
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "DROP TABLE api_tokens; DROP TABLE users; UPDATE schema_version SET version = 3;",
    )
    .unwrap();
    drop(conn);
    let r = netwalker::store::StoreReader::open(&path).unwrap();
    assert_eq!(r.user_count().unwrap(), 0);
    assert!(r.users().unwrap().is_empty() && r.tokens().unwrap().is_empty());
    drop(r);
    let app = app(&path);
    assert_eq!(get(&app, "/devices").await.status, StatusCode::OK);
    let closed = app_with(&path, |o| o.auth = AuthPolicy::Required);
    assert_eq!(get(&closed, "/devices").await.status, StatusCode::SEE_OTHER);
}
