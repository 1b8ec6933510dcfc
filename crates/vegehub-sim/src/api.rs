//! The hub's HTTP API plus the simulator's `/_sim/...` control endpoints.

use crate::faults::{BodyFault, Faults};
use crate::{Shared, SimStats};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

type S = State<Arc<Shared>>;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/api/info/get", post(info_get))
        .route("/api/config/get", post(config_get))
        .route("/api/config/set", post(config_set))
        .route("/api/actuators/set", post(actuators_set))
        .route("/api/actuators/status", get(actuators_status))
        .route("/api/update/send", get(update_send))
        .route("/_sim/stats", get(sim_stats))
        .route("/_sim/faults", get(faults_get).post(faults_set))
        .route("/_sim/sensors", post(sensors_set))
        .route("/_sim/state", get(state_get))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&shared),
            fault_layer,
        ))
        .with_state(shared)
}

fn json_reply(status: StatusCode, v: &Value) -> Response {
    let mut r = (status, v.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

fn bad_request(msg: &str) -> Response {
    json_reply(StatusCode::BAD_REQUEST, &json!({"error": msg}))
}

fn parse_object(body: &Bytes) -> Result<Map<String, Value>, Box<Response>> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(Box::new(bad_request("body must be a JSON object"))),
        Err(_) => Err(Box::new(bad_request("body is not valid JSON"))),
    }
}

/// Applies the active faults to hub API calls; `/_sim/...` is never faulted.
async fn fault_layer(State(shared): S, req: Request, next: Next) -> Response {
    if req.uri().path().starts_with("/_sim/") {
        return next.run(req).await;
    }
    shared.counters.requests.fetch_add(1, Ordering::SeqCst);
    let (faults, error_status) = {
        let mut f = shared.faults.lock().unwrap_or_else(|p| p.into_inner());
        let status = match f.error_status {
            Some(s) if f.error_count > 0 => {
                f.error_count -= 1;
                Some(s)
            }
            _ => None,
        };
        (f.clone(), status)
    };
    if faults.latency_ms > 0 {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(faults.latency_ms)) => {} // sleep-ok: simulated slow hub
            _ = shared.graceful.cancelled() => {}
        }
    }
    if faults.hang {
        shared.graceful.cancelled().await;
        return json_reply(
            StatusCode::SERVICE_UNAVAILABLE,
            &json!({"error": "shutting down"}),
        );
    }
    let mut resp = match error_status.and_then(|s| StatusCode::from_u16(s).ok()) {
        Some(status) => json_reply(status, &json!({"error": "simulated failure"})),
        None => next.run(req).await,
    };
    if let Some(bf) = faults.body {
        resp = mangle(resp, bf).await;
    }
    if faults.connection_close {
        resp.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    if let Ok(mut t) = shared.last_api_reply.lock() {
        *t = Some(Instant::now());
    }
    resp
}

async fn mangle(resp: Response, fault: BodyFault) -> Response {
    let (mut parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    parts.headers.remove(header::CONTENT_LENGTH);
    let json_ct = HeaderValue::from_static("application/json");
    match fault {
        BodyFault::Malformed => {
            // A strict prefix of a JSON object is never valid JSON.
            let cut = (bytes.len() / 2).max(1).min(bytes.len());
            let b = if bytes.is_empty() {
                Bytes::from_static(b"{")
            } else {
                bytes.slice(..cut)
            };
            parts.headers.insert(header::CONTENT_TYPE, json_ct);
            Response::from_parts(parts, Body::from(b))
        }
        BodyFault::Empty => {
            parts.status = StatusCode::OK;
            parts.headers.insert(header::CONTENT_TYPE, json_ct);
            Response::from_parts(parts, Body::empty())
        }
        BodyFault::Html => {
            parts.status = StatusCode::OK;
            parts.headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            Response::from_parts(
                parts,
                Body::from(
                    "<html><head><title>Portal</title></head><body><h1>Sign in to Wi-Fi</h1></body></html>",
                ),
            )
        }
        BodyFault::WrongContentType => {
            parts
                .headers
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
            Response::from_parts(parts, Body::from(bytes))
        }
        BodyFault::DropMidBody => {
            let full = bytes.len().max(2);
            let half = bytes.slice(..bytes.len() / 2);
            parts.headers.insert(header::CONTENT_TYPE, json_ct);
            parts
                .headers
                .insert(header::CONTENT_LENGTH, HeaderValue::from(full));
            use futures::StreamExt;
            let first = futures::stream::iter([Ok::<Bytes, std::io::Error>(half)]);
            let then_drop = futures::stream::once(async {
                // Give hyper a turn to flush the headers and the first half.
                tokio::time::sleep(Duration::from_millis(20)).await; // sleep-ok: lets the partial body reach the wire before the drop
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionAborted,
                    "simulated drop mid-body",
                ))
            });
            let chunks = first.chain(then_drop);
            Response::from_parts(parts, Body::from_stream(chunks))
        }
    }
}

async fn info_get(State(shared): S, body: Bytes) -> Response {
    let req = match parse_object(&body) {
        Ok(m) => m,
        Err(r) => return *r,
    };
    let hub = shared.hub.lock().unwrap_or_else(|p| p.into_inner());
    let mut out = Map::new();
    for key in req.keys() {
        if let Some(v) = hub.info_section(key) {
            out.insert(key.clone(), v);
        }
    }
    out.insert("error".into(), json!("success"));
    json_reply(StatusCode::OK, &Value::Object(out))
}

async fn config_get(State(shared): S, body: Bytes) -> Response {
    let req = match parse_object(&body) {
        Ok(m) => m,
        Err(r) => return *r,
    };
    let hub = shared.hub.lock().unwrap_or_else(|p| p.into_inner());
    let mut out = Map::new();
    for key in req.keys() {
        if let Some(v) = hub.config_section(key) {
            out.insert(key.clone(), v);
        }
    }
    out.insert("error".into(), json!(0));
    json_reply(StatusCode::OK, &Value::Object(out))
}

async fn config_set(State(shared): S, body: Bytes) -> Response {
    let req = match parse_object(&body) {
        Ok(m) => m,
        Err(r) => return *r,
    };
    let (no_persist, scripted) = {
        let mut f = shared.faults.lock().unwrap_or_else(|p| p.into_inner());
        let next = (!f.config_set_statuses.is_empty()).then(|| f.config_set_statuses.remove(0));
        (f.config_no_persist, next)
    };
    if let Some(status) = scripted.filter(|s| *s != 200)
        && let Ok(status) = StatusCode::from_u16(status)
    {
        return json_reply(status, &json!({"error": "simulated config/set failure"}));
    }
    let mut hub = shared.hub.lock().unwrap_or_else(|p| p.into_inner());
    match hub.validate_config_set(&req) {
        Ok(changes) => {
            if !no_persist {
                hub.apply_config(changes);
            }
            json_reply(StatusCode::OK, &json!({"error": "success"}))
        }
        Err(msg) => bad_request(&msg),
    }
}

async fn actuators_set(State(shared): S, body: Bytes) -> Response {
    let req = match parse_object(&body) {
        Ok(m) => m,
        Err(r) => return *r,
    };
    let target = req.get("target").and_then(Value::as_u64);
    let state = req.get("state").and_then(Value::as_u64);
    let duration = req.get("duration").and_then(Value::as_f64);
    let (Some(target), Some(state @ 0..=1), Some(duration)) = (target, state, duration) else {
        return bad_request("expected {\"target\": slot, \"duration\": seconds, \"state\": 0|1}");
    };
    if !(0.0..=86_400.0 * 7.0).contains(&duration) {
        return bad_request("duration out of range");
    }
    let state = state as u8;
    let mut hub = shared.hub.lock().unwrap_or_else(|p| p.into_inner());
    let Some(act) = hub.actuators.get_mut(target as usize) else {
        return bad_request("no such actuator slot");
    };
    // Revert to the state from before any pending override, not the override's.
    let base = match act.revert.take() {
        Some(tok) => {
            tok.cancel();
            act.base
        }
        None => act.state,
    };
    act.state = state;
    if state == 1 {
        act.last_run = crate::state::unix_now();
    }
    if duration > 0.0 {
        let tok = shared.graceful.child_token();
        act.revert = Some(tok.clone());
        act.base = base;
        let task_shared = Arc::clone(&shared);
        let slot = target as usize;
        shared.tracker.spawn(async move {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs_f64(duration)) => {} // sleep-ok: the override's simulated duration
                _ = tok.cancelled() => return,
            }
            let mut hub = task_shared.hub.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(a) = hub.actuators.get_mut(slot) {
                // A newer command may have replaced this timer while we woke up.
                if !tok.is_cancelled() {
                    a.state = a.base;
                    a.revert = None;
                }
            }
        });
    }
    json_reply(StatusCode::OK, &json!({"error": "success"}))
}

async fn actuators_status(State(shared): S) -> Response {
    let hub = shared.hub.lock().unwrap_or_else(|p| p.into_inner());
    json_reply(StatusCode::OK, &hub.actuator_status())
}

async fn update_send(State(shared): S) -> Response {
    crate::spawn_push(&shared);
    json_reply(StatusCode::OK, &json!({"error": "success"}))
}

#[derive(Deserialize)]
struct StatsQuery {
    /// Wait up to this long for every other connection to close before answering.
    wait_idle_ms: Option<u64>,
}

async fn sim_stats(State(shared): S, Query(q): Query<StatsQuery>) -> Response {
    if let Some(ms) = q.wait_idle_ms {
        let mut rx = shared.open_tx.subscribe();
        // This request's own connection is open while we wait: count it out.
        let _ = tokio::time::timeout(Duration::from_millis(ms), rx.wait_for(|n| *n <= 1)).await;
    }
    let mut stats = SimStats::read(&shared);
    // Report the world as it is apart from the connection asking.
    stats.connections_opened = stats.connections_opened.saturating_sub(1);
    stats.connections_open = stats.connections_open.saturating_sub(1);
    let mut v = serde_json::to_value(stats).unwrap_or_default();
    v["excludes_this_connection"] = json!(true);
    json_reply(StatusCode::OK, &v)
}

async fn faults_get(State(shared): S) -> Response {
    let f = shared.faults.lock().map(|f| f.clone()).unwrap_or_default();
    json_reply(StatusCode::OK, &serde_json::to_value(f).unwrap_or_default())
}

async fn faults_set(State(shared): S, body: Bytes) -> Response {
    let faults: Faults = match serde_json::from_slice(&body) {
        Ok(f) => f,
        Err(e) => return bad_request(&format!("invalid fault set: {e}")),
    };
    crate::apply_faults(&shared, faults.clone());
    json_reply(
        StatusCode::OK,
        &serde_json::to_value(faults).unwrap_or_default(),
    )
}

#[derive(Deserialize)]
struct Sensors {
    /// New readings to set, one per channel.
    analog: Option<Vec<f64>>,
    /// New battery voltage to set.
    battery: Option<f64>,
}

async fn sensors_set(State(shared): S, body: Bytes) -> Response {
    let s: Sensors = match serde_json::from_slice(&body) {
        Ok(s) => s,
        Err(e) => return bad_request(&format!("invalid sensors: {e}")),
    };
    let mut hub = shared.hub.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(a) = s.analog {
        if a.len() != hub.analog.len() {
            return bad_request("analog must have one value per channel");
        }
        hub.analog = a;
    }
    if let Some(b) = s.battery {
        hub.battery_volts = b;
    }
    json_reply(StatusCode::OK, &json!({"error": "success"}))
}

async fn state_get(State(shared): S) -> Response {
    let hub = shared.hub.lock().unwrap_or_else(|p| p.into_inner());
    let v = json!({
        "firmware": hub.firmware,
        "layout": hub.layout,
        "config": hub.config,
        "actuators": hub.actuators.iter().map(|a| a.state).collect::<Vec<_>>(),
        "analog": hub.analog,
        "battery": hub.battery_volts,
    });
    json_reply(StatusCode::OK, &v)
}
