//! The NetBox REST client: one pooled reqwest client for the sync, a
//! deadline on every request, cursor pagination (`?start=<id>&limit=1000`),
//! bulk create/update/delete in chunks, a few chunks in flight at once.
//! Errors name the request, the objects and NetBox's answer; never the
//! token (it travels only in a sensitive header).

use super::record::Kind;
use super::token::Token;
use futures::{StreamExt, stream};
use reqwest::{Method, StatusCode, header};
use serde_json::Value;
use std::time::Duration;

/// Objects per bulk request: NetBox validates and writes a list in one
/// transaction, so a chunk is all-or-nothing; 250 keeps a request well
/// inside the deadline on a slow server.
pub const CHUNK: usize = 250;
/// Cables per bulk request: NetBox traces each cable's path as it saves
/// it (seconds per hundred on a loaded machine), so a chunk of 250 can
/// outlast the deadline.
pub const CABLE_CHUNK: usize = 50;
/// Results per page when reading (NetBox's MAX_PAGE_SIZE default).
pub const PAGE: usize = 1000;
/// Bulk writes in flight at once: one. Two bulk creates of devices at
/// once deadlock in NetBox 4.7 (both update the device type's cached
/// device count: PostgreSQL "deadlock detected", HTTP 500), and NetBox
/// spends its time per object, not per request, so parallel chunks gain
/// little on one server.
pub const IN_FLIGHT: usize = 1;

/// An API failure, naming what was asked.
#[derive(Debug, thiserror::Error)]
pub enum NetboxError {
    #[error("{what}: NetBox answered HTTP {status}: {body}")]
    Http {
        /// The request and the objects it carried.
        what: String,
        /// The HTTP status.
        status: u16,
        /// NetBox's error body (per-object messages for a bulk request), cut at 2,000 characters.
        body: String,
    },
    #[error("{what}: no answer within {secs} s (is NetBox up and reachable?)")]
    Timeout {
        /// The request.
        what: String,
        /// The deadline it missed.
        secs: u64,
    },
    #[error("{what}: {detail}")]
    Transport {
        /// The request.
        what: String,
        /// The transport error (connection refused, reset...).
        detail: String,
    },
    #[error("{what}: unexpected answer: {detail}")]
    Decode {
        /// The request.
        what: String,
        /// What was wrong with it.
        detail: String,
    },
    #[error("invalid NetBox URL {url:?}: {detail}")]
    Url {
        /// The URL as given (holds no token).
        url: String,
        /// Why it cannot be used.
        detail: String,
    },
}

/// A bulk write cut short: how many objects earlier chunks wrote, and
/// the failing chunk's error.
#[derive(Debug)]
pub struct BulkError {
    /// Objects written by the chunks answered before the failure.
    pub written: usize,
    /// The failing chunk's error.
    pub error: NetboxError,
}

/// The client.
#[derive(Clone)]
pub struct NetboxClient {
    /// The pooled HTTP client (keep-alive across the sync's requests).
    http: reqwest::Client,
    /// NetBox's base URL as given (no credentials: refused), for messages.
    url: String,
    /// `<url>/api/`.
    api: reqwest::Url,
    /// Sent with every request.
    token: Token,
    /// Each request's deadline (also in messages).
    timeout: Duration,
}

impl NetboxClient {
    /// A client for NetBox at `url` (http://host:port[/prefix]).
    pub fn new(url: &str, token: Token, timeout: Duration) -> Result<NetboxClient, NetboxError> {
        let parsed = reqwest::Url::parse(url);
        // A URL with credentials is refused, and never quoted with them.
        let shown = match &parsed {
            Ok(u) if !u.username().is_empty() || u.password().is_some() => {
                let mut masked = u.clone();
                let _ = masked.set_username("****");
                let _ = masked.set_password(None);
                masked.to_string()
            }
            _ => url.to_string(),
        };
        let bad = |detail: &str| NetboxError::Url {
            url: shown.clone(),
            detail: detail.to_string(),
        };
        let mut base = parsed.map_err(|e| bad(&e.to_string()))?;
        if base.scheme() != "http" {
            return Err(bad(
                "only http:// is supported by this build (no TLS stack); reach NetBox on loopback or through a local TLS tunnel",
            ));
        }
        if !base.username().is_empty() || base.password().is_some() {
            return Err(bad(
                "credentials in the URL are not accepted; the token comes from --token-env",
            ));
        }
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        let api = base.join("api/").map_err(|e| bad(&e.to_string()))?;
        let mut headers = header::HeaderMap::new();
        headers.insert(header::AUTHORIZATION, token.header());
        headers.insert(
            header::ACCEPT,
            header::HeaderValue::from_static("application/json"),
        );
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| bad(&e.to_string()))?;
        Ok(NetboxClient {
            http,
            url: url.trim_end_matches('/').to_string(),
            api,
            token,
            timeout,
        })
    }

    /// NetBox's base URL as given (holds no credentials), for messages.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The token's scheme (for messages: never the token).
    pub fn scheme(&self) -> &'static str {
        self.token.scheme()
    }

    /// One request; the decoded JSON (`Null` for an empty body).
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        what: &str,
    ) -> Result<Value, NetboxError> {
        let url = self.api.join(path).map_err(|e| NetboxError::Decode {
            what: what.to_string(),
            detail: e.to_string(),
        })?;
        let mut req = self.http.request(method, url);
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await.map_err(|e| self.transport(what, &e))?;
        let status = resp.status();
        let text = resp.text().await.map_err(|e| self.transport(what, &e))?;
        if !status.is_success() {
            return Err(NetboxError::Http {
                what: what.to_string(),
                status: status.as_u16(),
                body: cut(&text, 2000),
            });
        }
        if text.trim().is_empty() || status == StatusCode::NO_CONTENT {
            return Ok(Value::Null);
        }
        serde_json::from_str(&text).map_err(|e| NetboxError::Decode {
            what: what.to_string(),
            detail: format!("not JSON ({e}): {}", cut(&text, 200)),
        })
    }

    fn transport(&self, what: &str, e: &reqwest::Error) -> NetboxError {
        if e.is_timeout() {
            NetboxError::Timeout {
                what: what.to_string(),
                secs: self.timeout.as_secs().max(1),
            }
        } else {
            // reqwest's message names the URL (which holds no token) and the cause.
            let mut detail = e.to_string();
            let mut src = std::error::Error::source(e);
            while let Some(s) = src {
                detail.push_str(": ");
                detail.push_str(&s.to_string());
                src = s.source();
            }
            NetboxError::Transport {
                what: what.to_string(),
                detail,
            }
        }
    }

    /// GET `/api/<path>` (path with its query).
    pub async fn get_path(&self, path: &str, what: &str) -> Result<Value, NetboxError> {
        self.call(Method::GET, path, None, what).await
    }

    /// POST one object to `/api/<path>`.
    pub async fn post_path(
        &self,
        path: &str,
        body: &Value,
        what: &str,
    ) -> Result<Value, NetboxError> {
        self.call(Method::POST, path, Some(body), what).await
    }

    /// GET /api/status/: NetBox's version, and a check that the token works.
    pub async fn status(&self) -> Result<Value, NetboxError> {
        self.call(Method::GET, "status/", None, "reading /api/status/")
            .await
    }

    /// Every object of `kind` matching `query` (`key=value&...`, may be
    /// empty), by cursor pagination in id order.
    pub async fn list(&self, kind: Kind, query: &str) -> Result<Vec<Value>, NetboxError> {
        let mut out = Vec::new();
        let mut start = 0u64;
        loop {
            let path = format!(
                "{}?start={start}&limit={PAGE}{}{query}",
                kind.endpoint(),
                if query.is_empty() { "" } else { "&" }
            );
            let what = format!("reading {}s (GET /api/{path})", kind);
            let page = self.call(Method::GET, &path, None, &what).await?;
            let results = page
                .get("results")
                .and_then(Value::as_array)
                .ok_or_else(|| NetboxError::Decode {
                    what: what.clone(),
                    detail: "no `results` list".into(),
                })?;
            let last = results
                .last()
                .and_then(|o| o.get("id"))
                .and_then(Value::as_u64);
            out.extend(results.iter().cloned());
            match last {
                Some(id) if results.len() == PAGE => start = id + 1,
                _ => return Ok(out),
            }
        }
    }

    /// Creates `bodies` (labels name them in errors) in chunks; the new
    /// ids, in order.
    pub async fn create(
        &self,
        kind: Kind,
        bodies: Vec<Value>,
        labels: &[String],
    ) -> Result<Vec<u64>, BulkError> {
        let chunks = self
            .bulk(Method::POST, kind, bodies, labels, "creating")
            .await?;
        let mut ids = Vec::new();
        for (what, answer) in chunks {
            // Objects NetBox answered for are written, even when the
            // answer cannot be read.
            let bad = |detail: &str, written: usize| BulkError {
                written,
                error: NetboxError::Decode {
                    what: what.clone(),
                    detail: detail.into(),
                },
            };
            let before = ids.len();
            let Some(list) = answer.as_array() else {
                return Err(bad("the answer to a bulk create is not a list", before));
            };
            for o in list {
                let Some(id) = o.get("id").and_then(Value::as_u64) else {
                    return Err(bad("a created object has no id", before + list.len()));
                };
                ids.push(id);
            }
        }
        Ok(ids)
    }

    /// Updates `bodies` (each with its `id`) in chunks.
    pub async fn update(
        &self,
        kind: Kind,
        bodies: Vec<Value>,
        labels: &[String],
    ) -> Result<(), BulkError> {
        self.bulk(Method::PATCH, kind, bodies, labels, "updating")
            .await?;
        Ok(())
    }

    /// Deletes the objects `ids` in chunks.
    pub async fn delete(
        &self,
        kind: Kind,
        ids: &[u64],
        labels: &[String],
    ) -> Result<(), BulkError> {
        let bodies = ids
            .iter()
            .map(|id| serde_json::json!({ "id": id }))
            .collect();
        self.bulk(Method::DELETE, kind, bodies, labels, "deleting")
            .await?;
        Ok(())
    }

    /// Sends `bodies` as lists of at most [`CHUNK`], [`IN_FLIGHT`] at a
    /// time; each chunk's description and answer, in order. On a failure,
    /// the objects of the chunks answered before it (in order) count as
    /// written.
    async fn bulk(
        &self,
        method: Method,
        kind: Kind,
        bodies: Vec<Value>,
        labels: &[String],
        verb: &str,
    ) -> Result<Vec<(String, Value)>, BulkError> {
        let size = if kind == Kind::Cable {
            CABLE_CHUNK
        } else {
            CHUNK
        };
        let chunks: Vec<(Value, String)> = bodies
            .chunks(size)
            .enumerate()
            .map(|(i, c)| {
                let names =
                    &labels[(i * size).min(labels.len())..((i + 1) * size).min(labels.len())];
                let what = format!(
                    "{verb} {} {}(s) ({}) ({method} /api/{})",
                    c.len(),
                    kind,
                    summary(names),
                    kind.endpoint()
                );
                (Value::Array(c.to_vec()), what)
            })
            .collect();
        let mut answers = stream::iter(chunks)
            .map(|(body, what)| {
                let method = method.clone();
                async move {
                    let n = body.as_array().map_or(0, Vec::len);
                    match self.call(method, kind.endpoint(), Some(&body), &what).await {
                        Ok(v) => Ok((n, what, v)),
                        Err(e) => Err(name_failed_objects(e, &body)),
                    }
                }
            })
            .buffered(IN_FLIGHT);
        let mut out = Vec::new();
        let mut written = 0;
        while let Some(answer) = answers.next().await {
            match answer {
                Ok((n, what, v)) => {
                    written += n;
                    out.push((what, v));
                }
                Err(error) => return Err(BulkError { written, error }),
            }
        }
        Ok(out)
    }
}

/// The first few names of a chunk, for messages.
fn summary(names: &[String]) -> String {
    let mut s: Vec<String> = names
        .iter()
        .take(3)
        .map(|n| crate::term::safe(n).into_owned())
        .collect();
    if names.len() > 3 {
        s.push(format!("and {} more", names.len() - 3));
    }
    s.join(", ")
}

/// A bulk 400 names the objects that failed: NetBox 4.7 answers
/// `{"detail", "errors": [{"index", "errors"}]}`, older ones a list with
/// one entry per object (`{}` for the good ones). The error keeps each
/// failed object's name with its own message.
fn name_failed_objects(e: NetboxError, sent: &Value) -> NetboxError {
    let NetboxError::Http { what, status, body } = e else {
        return e;
    };
    let (Ok(answer), Some(sent)) = (serde_json::from_str::<Value>(&body), sent.as_array()) else {
        return NetboxError::Http { what, status, body };
    };
    let failed: Vec<(usize, &Value)> = match &answer {
        Value::Array(per) => per
            .iter()
            .enumerate()
            .filter(|(_, err)| err.as_object().is_some_and(|o| !o.is_empty()))
            .collect(),
        Value::Object(o) => o
            .get("errors")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|e| Some((e.get("index")?.as_u64()? as usize, e.get("errors")?)))
            .collect(),
        _ => Vec::new(),
    };
    let named: Vec<String> = failed
        .iter()
        .take(5)
        .map(|(i, err)| {
            let obj = sent.get(*i).map_or("object".into(), object_name);
            format!("{obj}: {}", crate::term::safe(&err.to_string()))
        })
        .collect();
    if named.is_empty() {
        return NetboxError::Http { what, status, body };
    }
    let more = failed.len().saturating_sub(named.len());
    NetboxError::Http {
        what,
        status,
        body: cut(
            &format!(
                "{}{}",
                named.join("; "),
                if more > 0 {
                    format!("; and {more} more")
                } else {
                    String::new()
                }
            ),
            2000,
        ),
    }
}

/// The most telling field of a request body.
fn object_name(obj: &Value) -> String {
    for f in ["name", "model", "address", "id"] {
        if let Some(v) = obj.get(f) {
            return crate::term::safe(&v.to_string()).into_owned();
        }
    }
    "object".into()
}

/// `s` cut at `max` characters (on a char boundary), marked when cut.
fn cut(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_string(),
    }
}
