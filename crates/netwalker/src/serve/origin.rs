//! Cross-site request forgery on the requests that change something
//! (starting or cancelling a walk), checked from the headers every
//! browser sends: a page on another site can make the user's browser POST
//! to `127.0.0.1:8080`, but its request says where it came from.
//! `Sec-Fetch-Site` must be `same-origin` (or `none`: typed by the user),
//! and `Origin`, when present, must be this server. A request with
//! neither is not from a browser (curl, scripts): CSRF is a browser attack,
//! so it passes. (Sessions, when authentication exists, add a token.)

use super::errors::ServeError;
use axum::http::HeaderMap;
use axum::http::header::{HOST, ORIGIN};

/// Refuses a request another site made the browser send.
pub(super) fn same_origin(headers: &HeaderMap) -> Result<(), ServeError> {
    let refuse = |why: &str| {
        Err(ServeError::Forbidden(format!(
            "refused: {why} (a page on another site cannot start or stop walks here)"
        )))
    };
    if let Some(site) = headers.get("sec-fetch-site") {
        match site.to_str() {
            Ok("same-origin" | "none") => {}
            _ => return refuse("the browser says the request came from another site"),
        }
    }
    if let Some(origin) = headers.get(ORIGIN) {
        let from = origin.to_str().ok().and_then(|o| {
            o.strip_prefix("http://")
                .or_else(|| o.strip_prefix("https://"))
        });
        let host = headers.get(HOST).and_then(|h| h.to_str().ok());
        if from.is_none() || from != host {
            return refuse("its Origin is not this server");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn same_site_and_non_browser_requests_pass() {
        let host = ("host", "127.0.0.1:8080");
        assert!(same_origin(&headers(&[])).is_ok());
        assert!(same_origin(&headers(&[host])).is_ok());
        assert!(
            same_origin(&headers(&[
                host,
                ("origin", "http://127.0.0.1:8080"),
                ("sec-fetch-site", "same-origin")
            ]))
            .is_ok()
        );
        assert!(same_origin(&headers(&[host, ("sec-fetch-site", "none")])).is_ok());
    }

    #[test]
    fn other_sites_are_refused() {
        let host = ("host", "127.0.0.1:8080");
        for bad in [
            vec![host, ("origin", "http://evil.example")],
            vec![host, ("origin", "null")],
            vec![host, ("origin", "http://127.0.0.1:8081")],
            vec![("origin", "http://127.0.0.1:8080")],
            vec![host, ("sec-fetch-site", "cross-site")],
            vec![host, ("sec-fetch-site", "same-site")],
        ] {
            assert!(same_origin(&headers(&bad)).is_err(), "{bad:?}");
        }
    }
}
