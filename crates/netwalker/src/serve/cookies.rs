//! The cookies the server sets and reads, and where a login may send the
//! browser next. Pure, total functions over `&str`.

/// The session cookie's name.
pub(super) const SESSION_COOKIE: &str = "nw_session";
/// A random value set before login, which the login form's CSRF token is
/// bound to (there is no session yet to bind it to).
pub(super) const PRE_SESSION_COOKIE: &str = "nw_pre";

/// The value of cookie `name` in a `Cookie` request header, if present.
pub(super) fn cookie<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax (every state-changing
/// form also carries a CSRF token), Path=/, `Secure` behind TLS; `max_age`
/// 0 deletes it.
pub(super) fn set_cookie(name: &str, value: &str, max_age: u64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age}{secure}")
}

/// Where a login may redirect: a local path (`/devices?q=x`), never
/// another site (`//evil`, `/\evil`, `https://evil`), never back to the
/// login page; anything else goes to `/`.
pub(super) fn safe_next(next: &str) -> &str {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.starts_with("/login")
        && next.len() <= 2048
        && next.bytes().all(|b| b.is_ascii_graphic());
    if local { next } else { "/" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn cookies_are_found_by_name() {
        let h = "a=1; nw_session=abc.def ; nw_pre=xyz";
        assert_eq!(cookie(h, SESSION_COOKIE), Some("abc.def"));
        assert_eq!(cookie(h, PRE_SESSION_COOKIE), Some("xyz"));
        assert_eq!(cookie(h, "nw"), None);
        assert_eq!(cookie("nw_session=", SESSION_COOKIE), None);
        assert_eq!(cookie("", SESSION_COOKIE), None);
    }

    #[test]
    fn only_local_paths_are_followed() {
        for ok in ["/", "/devices?q=core&limit=5", "/devices/core1"] {
            assert_eq!(safe_next(ok), ok);
        }
        for bad in [
            "",
            "//evil.example/",
            "/\\evil.example",
            "https://evil.example/",
            "javascript:alert(1)",
            "evil",
            "/login?next=//evil",
            "/a b",
            "/\r\nSet-Cookie: x=1",
        ] {
            assert_eq!(safe_next(bad), "/", "{bad:?}");
        }
    }

    #[test]
    fn cookie_flags() {
        let c = set_cookie(SESSION_COOKIE, "v", 60, true);
        assert_eq!(
            c,
            "nw_session=v; HttpOnly; SameSite=Lax; Path=/; Max-Age=60; Secure"
        );
        assert!(!set_cookie(SESSION_COOKIE, "v", 60, false).contains("Secure"));
    }

    proptest! {
        #[test]
        fn next_is_always_local(s in ".*") {
            let n = safe_next(&s);
            prop_assert!(n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\"));
        }

        #[test]
        fn cookie_parsing_never_panics(s in ".*", name in "[a-z_]{1,12}") {
            let _ = cookie(&s, &name);
        }
    }
}
