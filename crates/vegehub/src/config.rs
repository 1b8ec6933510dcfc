//! Config formats and the pure part of `setup`: given what the hub returned,
//! compute what to send back. No I/O here, so it is property-tested directly.

use serde::Serialize;
use serde_json::{Map, Value, json};

/// The two firmware config formats, told apart by the reply's shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ConfigFormat {
    /// `endpoints` is an array (possibly empty).
    Endpoints,
    /// `endpoints` absent or `null`; `api_key` and a `hub` object present.
    Legacy,
}

/// `None` when the config is neither format (it cannot be modified).
pub fn detect_format(cfg: &Value) -> Option<ConfigFormat> {
    match cfg.get("endpoints") {
        Some(Value::Array(_)) => Some(ConfigFormat::Endpoints),
        None | Some(Value::Null) => (cfg.get("api_key").is_some()
            && cfg.get("hub").is_some_and(Value::is_object))
        .then_some(ConfigFormat::Legacy),
        Some(_) => None,
    }
}

/// The endpoint name Home Assistant's integration uses; kept so a hub set up by
/// either tool is recognised by the other.
pub const ENDPOINT_NAME: &str = "HomeAssistant";

/// What `setup` did to the config.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum SetupChange {
    /// A new endpoint was appended with this id.
    Added { id: u64 },
    /// An existing endpoint (same URL, else same name) was updated in place.
    Updated { id: u64 },
    /// Legacy firmware: top-level `api_key`, `hub.server_url`, `hub.server_type`.
    Legacy,
}

/// The body to send to `config/set` and what it changes. Only the sections that
/// change are sent: `config/set` replaces each top-level object it is given.
#[derive(Clone, Debug, PartialEq)]
pub struct SetupPlan {
    /// The format the body is written in (that of the config read).
    pub format: ConfigFormat,
    /// What to send to `config/set`: only the sections that change.
    pub body: Value,
    /// What the body does, for the caller's report.
    pub change: SetupChange,
}

/// Computes the setup for `(api_key, server_url)`. Idempotent: applying a plan's
/// body and planning again yields the same body with `Updated`.
pub fn plan_setup(cfg: &Value, api_key: &str, server_url: &str) -> Option<SetupPlan> {
    match detect_format(cfg)? {
        ConfigFormat::Endpoints => plan_endpoints(cfg, api_key, server_url),
        ConfigFormat::Legacy => plan_legacy(cfg, api_key, server_url),
    }
}

/// Endpoints firmware: update our endpoint in place (same URL, else same
/// name), or append one.
fn plan_endpoints(cfg: &Value, api_key: &str, server_url: &str) -> Option<SetupPlan> {
    let mut endpoints = cfg.get("endpoints")?.as_array()?.clone();
    let url_of = |e: &Value| {
        e.pointer("/config/url")
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let existing = endpoints
        .iter()
        .position(|e| url_of(e).as_deref() == Some(server_url))
        .or_else(|| {
            endpoints
                .iter()
                .position(|e| e.get("name").and_then(Value::as_str) == Some(ENDPOINT_NAME))
        });
    let change = match existing {
        Some(i) => update_endpoint(&mut endpoints[i], api_key, server_url)?,
        None => append_endpoint(&mut endpoints, api_key, server_url),
    };
    Some(SetupPlan {
        format: ConfigFormat::Endpoints,
        body: json!({"endpoints": endpoints}),
        change,
    })
}

/// Points an existing endpoint at `server_url` with `api_key`, keeping its id
/// and whatever else it holds.
fn update_endpoint(ep: &mut Value, api_key: &str, server_url: &str) -> Option<SetupChange> {
    let id = ep.get("id").and_then(Value::as_u64).unwrap_or(0);
    if !ep.is_object() {
        *ep = json!({});
    }
    let obj = ep.as_object_mut()?;
    obj.insert("enabled".into(), json!(true));
    obj.insert("type".into(), json!("custom"));
    obj.entry("connection_method").or_insert(json!("wifi"));
    let config = obj.entry("config").or_insert(json!({}));
    if !config.is_object() {
        *config = json!({});
    }
    let c = config.as_object_mut()?;
    c.insert("api_key".into(), json!(api_key));
    c.insert("data_format".into(), json!("json"));
    c.insert("url".into(), json!(server_url));
    Some(SetupChange::Updated { id })
}

/// Appends our endpoint under a fresh id.
fn append_endpoint(endpoints: &mut Vec<Value>, api_key: &str, server_url: &str) -> SetupChange {
    // max + 1, not len + 1: ids can have gaps.
    let id = endpoints
        .iter()
        .filter_map(|e| e.get("id").and_then(Value::as_u64))
        .max()
        .unwrap_or(0)
        + 1;
    endpoints.push(json!({
        "id": id,
        "name": ENDPOINT_NAME,
        "type": "custom",
        "enabled": true,
        "connection_method": "wifi",
        "config": {"api_key": api_key, "data_format": "json", "url": server_url},
    }));
    SetupChange::Added { id }
}

/// Legacy firmware: top-level `api_key`, `hub.server_url`, `hub.server_type`.
fn plan_legacy(cfg: &Value, api_key: &str, server_url: &str) -> Option<SetupPlan> {
    let mut hub: Map<String, Value> = cfg.get("hub")?.as_object()?.clone();
    hub.insert("server_url".into(), json!(server_url));
    hub.insert("server_type".into(), json!(3));
    Some(SetupPlan {
        format: ConfigFormat::Legacy,
        body: json!({"api_key": api_key, "hub": hub}),
        change: SetupChange::Legacy,
    })
}

/// True when `cfg` shows the setup in effect (used to verify after `config/set`).
pub fn setup_in_effect(cfg: &Value, api_key: &str, server_url: &str) -> bool {
    match detect_format(cfg) {
        Some(ConfigFormat::Endpoints) => cfg["endpoints"].as_array().is_some_and(|eps| {
            eps.iter().any(|e| {
                e.pointer("/config/url").and_then(Value::as_str) == Some(server_url)
                    && e.pointer("/config/api_key").and_then(Value::as_str) == Some(api_key)
                    && e.get("enabled").and_then(Value::as_bool) == Some(true)
            })
        }),
        Some(ConfigFormat::Legacy) => {
            cfg.get("api_key").and_then(Value::as_str) == Some(api_key)
                && cfg.pointer("/hub/server_url").and_then(Value::as_str) == Some(server_url)
                && cfg.pointer("/hub/server_type").and_then(Value::as_i64) == Some(3)
        }
        None => false,
    }
}

/// The sections of a config read back that `config/set` accepts, for a restore:
/// drops the echoed `error` and a legacy `null` endpoints.
pub fn restorable_sections(cfg: &Value) -> Value {
    let mut out = Map::new();
    if let Some(obj) = cfg.as_object() {
        for (k, v) in obj {
            match (k.as_str(), v) {
                ("error", _) | ("endpoints", Value::Null) => {}
                _ => {
                    out.insert(k.clone(), v.clone());
                }
            }
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn apply(cfg: &Value, body: &Value) -> Value {
        let mut c = cfg.clone();
        for (k, v) in body.as_object().unwrap() {
            c[k] = v.clone();
        }
        c
    }

    #[test]
    fn gaps_in_ids_give_max_plus_one() {
        let cfg = json!({"endpoints": [{"id": 1, "config": {}}, {"id": 7, "config": {}}]});
        let plan = plan_setup(&cfg, "k", "http://h/x").unwrap();
        assert_eq!(plan.change, SetupChange::Added { id: 8 });
    }

    #[test]
    fn unsupported_shapes() {
        assert_eq!(detect_format(&json!({"hub": {}})), None);
        assert_eq!(detect_format(&json!({"api_key": ""})), None);
        assert_eq!(detect_format(&json!({"endpoints": 3})), None);
        assert_eq!(
            detect_format(&json!({"api_key": "", "hub": {}, "endpoints": null})),
            Some(ConfigFormat::Legacy)
        );
        assert!(plan_setup(&json!({}), "k", "u").is_none());
    }

    fn endpoints_cfg() -> impl Strategy<Value = Value> {
        prop::collection::vec(
            (
                0u64..20,
                prop_oneof![Just("HomeAssistant"), Just("VegeCloud"), Just("Other")],
                prop_oneof![Just("http://a/1"), Just("http://b/2"), Just("")],
            ),
            0..6,
        )
        .prop_map(|eps| {
            let list: Vec<Value> = eps
                .into_iter()
                .map(|(id, name, url)| {
                    json!({"id": id, "name": name, "type": "custom", "enabled": false,
                           "config": {"url": url, "api_key": "old"}})
                })
                .collect();
            json!({"hub": {}, "api_key": "", "endpoints": list, "error": 0})
        })
    }

    proptest! {
        #[test]
        fn setup_is_idempotent_and_never_duplicates(
            cfg in endpoints_cfg(),
            url in prop_oneof![Just("http://a/1"), Just("http://c/3")],
            key in "[a-z0-9]{0,8}",
        ) {
            let p1 = plan_setup(&cfg, &key, url).unwrap();
            let c1 = apply(&cfg, &p1.body);
            prop_assert!(setup_in_effect(&c1, &key, url));
            let p2 = plan_setup(&c1, &key, url).unwrap();
            let updated = matches!(p2.change, SetupChange::Updated { .. });
            prop_assert!(updated);
            let c2 = apply(&c1, &p2.body);
            prop_assert_eq!(&c1, &c2);
            let before = cfg["endpoints"].as_array().unwrap().len();
            let after = c2["endpoints"].as_array().unwrap().len();
            prop_assert!(after == before || after == before + 1);
            if let SetupChange::Added { id } = p1.change {
                let max = cfg["endpoints"].as_array().unwrap().iter()
                    .filter_map(|e| e["id"].as_u64()).max().unwrap_or(0);
                prop_assert_eq!(id, max + 1);
            }
        }

        #[test]
        fn legacy_setup_sets_three_fields(key in "[A-Z0-9]{0,12}", url in "http://[a-z]{1,8}/[a-z]{0,8}") {
            let cfg = json!({"hub": {"name": "VegeHub", "server_url": "", "server_type": 0},
                             "api_key": "", "endpoints": null, "error": 0});
            let p = plan_setup(&cfg, &key, &url).unwrap();
            prop_assert_eq!(p.format, ConfigFormat::Legacy);
            let c = apply(&cfg, &p.body);
            prop_assert!(setup_in_effect(&c, &key, &url));
            prop_assert_eq!(&c["hub"]["name"], "VegeHub");
        }
    }
}
