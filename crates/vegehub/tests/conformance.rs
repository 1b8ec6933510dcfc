//! Agreement with the VegeHub protocol samples and expected results in testdata/vegehub.

use serde_json::Value;
use vegehub::config::{ConfigFormat, detect_format};
use vegehub::push::{HubLayout, Push};
use vegehub::transforms::Transform;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/vegehub");

fn read(name: &str) -> String {
    std::fs::read_to_string(format!("{DIR}/{name}"))
        .unwrap_or_else(|e| panic!("cannot read {DIR}/{name}: {e}"))
}

fn json(name: &str) -> Value {
    serde_json::from_str(&read(name)).unwrap()
}

/// Splits a CSV line honouring double quotes (the corpus quotes string inputs).
fn fields(line: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut was_quoted = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                was_quoted = true;
            }
            ',' if !quoted => {
                out.push((std::mem::take(&mut cur), was_quoted));
                was_quoted = false;
            }
            c => cur.push(c),
        }
    }
    out.push((cur, was_quoted));
    out
}

#[test]
fn transforms_match_the_csv() {
    let mut checked = 0;
    for line in read("transforms.csv").lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let f = fields(line);
        assert_eq!(f.len(), 3, "bad line {line:?}");
        let t: Transform = f[0].0.parse().unwrap();
        // A quoted input is a JSON string; unquoted, a number.
        let input = if f[1].1 {
            Value::String(f[1].0.clone())
        } else {
            serde_json::from_str(&f[1].0).unwrap()
        };
        let got = t.apply_value(&input);
        match f[2].0.as_str() {
            "None" => assert_eq!(got, None, "{line}"),
            exp => {
                let exp: f64 = exp.parse().unwrap();
                let got = got.unwrap_or_else(|| panic!("{line}: no value"));
                assert!((got - exp).abs() < 1e-3, "{line}: got {got}");
            }
        }
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} rows");
}

#[test]
fn push_mapping_matches_expected() {
    let payload = json("push_payload.json");
    let expected = json("push_payload_expected.json");
    let push = Push::from_value(&payload);
    let latest: serde_json::Map<String, Value> = push
        .latest_by_mac_slot()
        .into_iter()
        .map(|(k, v)| (k, serde_json::json!(v)))
        .collect();
    let exp_latest = expected["latest_by_mac_slot"].as_object().unwrap();
    assert_eq!(latest.len(), exp_latest.len());
    for (k, v) in exp_latest {
        assert_eq!(latest[k].as_f64(), v.as_f64(), "{k}");
    }
    let hub = &expected["hub"];
    let layout = HubLayout {
        num_channels: hub["num_channels"].as_u64().unwrap() as u32,
        num_actuators: hub["num_actuators"].as_u64().unwrap() as u32,
        is_ac: hub["is_ac"].as_bool().unwrap(),
    };
    let mapped = push.mapped(&layout);
    let exp_mapped = expected["mapped"].as_object().unwrap();
    assert_eq!(mapped.len(), exp_mapped.len(), "{mapped:?}");
    for (k, v) in exp_mapped {
        assert_eq!(Some(mapped[k]), v.as_f64(), "{k}");
    }
}

#[test]
fn config_samples_detect_their_format() {
    assert_eq!(
        detect_format(&json("config_get_endpoints.json")),
        Some(ConfigFormat::Endpoints)
    );
    assert_eq!(
        detect_format(&json("config_get_legacy.json")),
        Some(ConfigFormat::Legacy)
    );
}

#[test]
fn endpoints_sample_setup_appends_max_plus_one_then_updates() {
    let cfg = json("config_get_endpoints.json");
    let plan =
        vegehub::config::plan_setup(&cfg, "K", "http://127.0.0.1:8123/api/webhook/x").unwrap();
    assert_eq!(plan.change, vegehub::SetupChange::Added { id: 3 });
    let legacy = json("config_get_legacy.json");
    let plan = vegehub::config::plan_setup(&legacy, "K", "http://h/u").unwrap();
    assert_eq!(plan.body["api_key"], "K");
    assert_eq!(plan.body["hub"]["server_type"], 3);
    assert_eq!(
        plan.body["hub"]["utc_offset"], -21600,
        "other hub fields kept"
    );
}
