//! Push (webhook) data: what the hub POSTs to its server, and how slots map to
//! analog inputs, battery and actuators.
//!
//! Parsing is total: any JSON value gives a (possibly empty) [`Push`]; bad
//! entries are skipped, never fatal, because one odd sample must not lose the
//! rest of a report.

use crate::transforms::number;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// The hub layout that decides what each slot means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct HubLayout {
    /// Sensor slots, numbered first.
    pub num_channels: u32,
    /// Actuator slots, after the sensors.
    pub num_actuators: u32,
    /// AC-powered hubs have no battery slot.
    pub is_ac: bool,
}

/// One sample: value and time, either possibly absent.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Sample {
    /// The value; absent when the hub sent none or a non-number.
    pub v: Option<f64>,
    /// Unix seconds, from either `...Z` ISO-8601 or `YYYY-MM-DD HH:MM:SS` (UTC).
    pub t: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SlotSamples {
    /// The slot the samples belong to (meaning from a [`HubLayout`]).
    pub slot: u32,
    /// The slot's samples, in the order sent.
    pub samples: Vec<Sample>,
}

/// A parsed push.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Push {
    /// Normalised: upper-case hex, no separators.
    pub mac: Option<String>,
    /// Samples per slot, in the order sent.
    pub sensors: Vec<SlotSamples>,
    /// When the hub sent the push (unix seconds), if it said.
    pub send_time: Option<i64>,
    /// The hub's error code, if it reported one.
    pub error_code: Option<i64>,
    /// Wi-Fi signal strength the hub reported, for diagnosing lost pushes.
    pub wifi_str: Option<f64>,
}

/// `A1:B2:c3-d4...` -> `A1B2C3D4E5F6`.
pub fn normalize_mac(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_hexdigit)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => {
            let s = s.trim();
            s.parse::<i64>().ok().or_else(|| {
                s.parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite())
                    .map(|f| f as i64)
            })
        }
        _ => None,
    }
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `2025-01-15T16:51:23Z` or `2025-01-15 16:51:23` (both UTC) to Unix seconds.
pub fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim();
    let s = s.strip_suffix('Z').unwrap_or(s);
    let b = s.as_bytes();
    if b.len() < 19 || !(b[10] == b'T' || b[10] == b' ') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())
            .flatten()
    };
    if b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    // Fractional seconds may follow; anything else may not.
    let rest = &s[19..];
    if !(rest.is_empty()
        || (rest.starts_with('.') && rest[1..].bytes().all(|c| c.is_ascii_digit())))
    {
        return None;
    }
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + se)
}

impl Push {
    /// Parses any JSON value; never fails and never panics.
    pub fn from_value(v: &Value) -> Push {
        let mac = v.get("mac").and_then(Value::as_str).map(normalize_mac);
        let mut sensors = Vec::new();
        if let Some(list) = v.get("sensors").and_then(Value::as_array) {
            for entry in list {
                let Some(slot) = entry.get("slot").and_then(int) else {
                    continue;
                };
                let Ok(slot) = u32::try_from(slot) else {
                    continue;
                };
                let samples = entry
                    .get("samples")
                    .and_then(Value::as_array)
                    .map(|ss| {
                        ss.iter()
                            .map(|s| Sample {
                                v: s.get("v").and_then(number),
                                t: s.get("t").and_then(|t| match t {
                                    Value::String(t) => parse_time(t),
                                    other => int(other),
                                }),
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                sensors.push(SlotSamples { slot, samples });
            }
        }
        Push {
            mac,
            sensors,
            send_time: v.get("send_time").and_then(int),
            error_code: v.get("error_code").and_then(int),
            wifi_str: v.get("wifi_str").and_then(number),
        }
    }

    /// The latest value of each slot: the last sample's `v`. A slot listed twice
    /// takes its later entry; a last sample without a value gives no value.
    pub fn latest_by_slot(&self) -> BTreeMap<u32, f64> {
        let mut out = BTreeMap::new();
        for s in &self.sensors {
            match s.samples.last().and_then(|x| x.v) {
                Some(v) => {
                    out.insert(s.slot, v);
                }
                None => {
                    // A later, empty entry does not erase an earlier value.
                }
            }
        }
        out
    }

    /// `{mac_lowercase}_{slot}` -> latest value, as Home Assistant keys entities.
    pub fn latest_by_mac_slot(&self) -> BTreeMap<String, f64> {
        let mac = self.mac.clone().unwrap_or_default().to_ascii_lowercase();
        self.latest_by_slot()
            .into_iter()
            .map(|(slot, v)| (format!("{mac}_{slot}"), v))
            .collect()
    }

    /// Slot -> `analog_i` / `battery` / `actuator_k` by the hub's layout.
    pub fn mapped(&self, layout: &HubLayout) -> BTreeMap<String, f64> {
        map_slots(&self.latest_by_slot(), layout)
    }
}

/// What a 1-based slot means on a hub with this layout.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum SlotKind {
    Analog(u32),
    Battery,
    Actuator(u32),
}

pub fn slot_kind(slot: u32, layout: &HubLayout) -> Option<SlotKind> {
    let n = layout.num_channels;
    let battery = u32::from(!layout.is_ac);
    if slot >= 1 && slot <= n {
        return Some(SlotKind::Analog(slot - 1));
    }
    if battery == 1 && slot == n.checked_add(1)? {
        return Some(SlotKind::Battery);
    }
    let first_act = n.checked_add(battery)?.checked_add(1)?;
    let last_act = n.checked_add(battery)?.checked_add(layout.num_actuators)?;
    if slot >= first_act && slot <= last_act {
        return Some(SlotKind::Actuator(slot - first_act));
    }
    None
}

pub fn map_slots(latest: &BTreeMap<u32, f64>, layout: &HubLayout) -> BTreeMap<String, f64> {
    latest
        .iter()
        .filter_map(|(slot, v)| {
            let name = match slot_kind(*slot, layout)? {
                SlotKind::Analog(i) => format!("analog_{i}"),
                SlotKind::Battery => "battery".to_string(),
                SlotKind::Actuator(k) => format!("actuator_{k}"),
            };
            Some((name, *v))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn both_time_formats() {
        assert_eq!(parse_time("2025-01-15T16:51:23Z"), Some(1_736_959_883));
        assert_eq!(parse_time("2025-01-15 16:51:23"), Some(1_736_959_883));
        assert_eq!(parse_time("2025-01-15X16:51:23"), None);
        assert_eq!(parse_time("2025-13-15 16:51:23"), None);
        assert_eq!(parse_time(""), None);
    }

    #[test]
    fn tolerant_of_odd_payloads() {
        let v = json!({"mac": "aa:bb:cc:dd:ee:ff", "send_time": "1736959883",
        "sensors": [
            {"slot": "2", "samples": [{"v": "1.25", "t": "2025-01-15 16:51:23"}]},
            {"slot": 1, "samples": []},
            {"slot": 3, "samples": [{"t": "2025-01-15T16:51:23Z"}]},
            {"slot": 2, "samples": [{"v": 2.5}]},
            {"samples": [{"v": 1}]},
            "junk"
        ]});
        let p = Push::from_value(&v);
        assert_eq!(p.mac.as_deref(), Some("AABBCCDDEEFF"));
        assert_eq!(p.send_time, Some(1_736_959_883));
        let latest = p.latest_by_slot();
        assert_eq!(latest.len(), 1);
        assert_eq!(latest[&2], 2.5);
        assert_eq!(p.sensors[0].samples[0].t, Some(1_736_959_883));
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|i| json!(i)),
            any::<f64>().prop_map(|f| json!(f)),
            ".*".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
                prop::collection::btree_map(
                    prop_oneof![
                        Just("mac".to_string()),
                        Just("sensors".to_string()),
                        Just("slot".to_string()),
                        Just("samples".to_string()),
                        Just("v".to_string()),
                        Just("t".to_string()),
                        Just("send_time".to_string()),
                        ".*"
                    ],
                    inner,
                    0..6
                )
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn never_panics_on_any_json(v in json_value()) {
            let p = Push::from_value(&v);
            let layout = HubLayout { num_channels: 4, num_actuators: 2, is_ac: false };
            let _ = p.mapped(&layout);
            let _ = p.latest_by_mac_slot();
        }

        #[test]
        fn every_slot_maps_to_at_most_one_name_and_names_are_unique(
            n in 0u32..16, a in 0u32..8, is_ac: bool,
        ) {
            let layout = HubLayout { num_channels: n, num_actuators: a, is_ac };
            let total = n + a + u32::from(!is_ac);
            let latest: BTreeMap<u32, f64> = (0..=total + 2).map(|s| (s, f64::from(s))).collect();
            let mapped = map_slots(&latest, &layout);
            // Exactly the slots 1..=total are mapped, each once.
            prop_assert_eq!(mapped.len() as u32, total);
            prop_assert_eq!(mapped.keys().filter(|k| k.starts_with("analog_")).count() as u32, n);
            prop_assert_eq!(mapped.keys().filter(|k| k.starts_with("actuator_")).count() as u32, a);
            prop_assert_eq!(mapped.contains_key("battery"), !is_ac);
            if !is_ac {
                prop_assert_eq!(mapped["battery"], f64::from(n + 1));
            }
            for k in 0..a {
                prop_assert_eq!(mapped[&format!("actuator_{k}")], f64::from(n + u32::from(!is_ac) + 1 + k));
            }
        }

        #[test]
        fn latest_is_the_last_sample(vals in prop::collection::vec(-1e6f64..1e6, 1..10), slot in 1u32..100) {
            let samples: Vec<Value> = vals.iter().map(|v| json!({"v": v})).collect();
            let p = Push::from_value(&json!({"mac": "AA", "sensors": [{"slot": slot, "samples": samples}]}));
            prop_assert_eq!(p.latest_by_slot()[&slot], *vals.last().unwrap());
            prop_assert_eq!(p.latest_by_mac_slot()[&format!("aa_{slot}")], *vals.last().unwrap());
        }
    }
}
