//! Comparing two walks' inventory.json (test support, shared through
//! `#[path]`): what legitimately differs between two walks of one network
//! is normalised away, and a difference is named by its path instead of
//! dumping both documents.

// Each user takes what it needs.
#![allow(dead_code)]

use serde_json::Value;
use std::path::Path;

/// What may differ between two walks of one unchanged network.
#[derive(Clone, Copy)]
pub enum Keep {
    /// Parents are compared: both walks ran one device at a time, in the
    /// same order.
    Parents,
    /// Parents are dropped: of two neighbours at the same depth, whichever
    /// answered first is a device's parent (concurrent walks).
    NoParents,
}

/// inventory.json at `path` without the times (`first_seen`, `last_seen`:
/// each walk's or store's clock) and with an ambiguous end host's
/// candidates sorted by switch and port (the store orders them newest
/// first, by the second each switch's walk was committed, which two walks
/// need not share); under [`Keep::NoParents`] without `parent` either.
pub fn normalised(path: &Path, keep: Keep) -> Value {
    fn strip(v: &mut Value, keep: Keep) {
        match v {
            Value::Object(m) => {
                for key in ["first_seen", "last_seen"] {
                    m.remove(key);
                }
                if matches!(keep, Keep::NoParents) {
                    m.remove("parent");
                }
                if let Some(Value::Array(c)) = m.get_mut("candidates") {
                    c.sort_by_key(|x| (x["switch"].to_string(), x["port"].to_string()));
                }
                m.values_mut().for_each(|v| strip(v, keep));
            }
            Value::Array(a) => a.iter_mut().for_each(|v| strip(v, keep)),
            _ => {}
        }
    }
    let text = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut v: Value = serde_json::from_slice(&text).unwrap();
    strip(&mut v, keep);
    v
}

/// Where two JSON values first differ (a path and both sides), if they do.
pub fn first_difference(a: &Value, b: &Value, at: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys()) {
                match (x.get(k), y.get(k)) {
                    (Some(p), Some(q)) => {
                        if let Some(d) = first_difference(p, q, &format!("{at}.{k}")) {
                            return Some(d);
                        }
                    }
                    (p, q) => return Some(format!("{at}.{k}: {p:?} vs {q:?}")),
                }
            }
            None
        }
        (Value::Array(x), Value::Array(y)) => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                if let Some(d) = first_difference(p, q, &format!("{at}[{i}]")) {
                    return Some(d);
                }
            }
            (x.len() != y.len()).then(|| format!("{at}: {} vs {} items", x.len(), y.len()))
        }
        _ => (a != b).then(|| format!("{at}: {a} vs {b}")),
    }
}
