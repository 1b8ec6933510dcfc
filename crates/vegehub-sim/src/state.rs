//! The simulated hub's device state: what a real hub would keep in flash and RAM.
//!
//! Kept behind a `std::sync::Mutex` because no lock is ever held across an await:
//! handlers take a snapshot or apply a change and release it at once.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::time::{SystemTime, UNIX_EPOCH};
use tokio_util::sync::CancellationToken;

/// Which of the two config formats the simulated firmware speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Firmware {
    /// `endpoints` is absent/`null`; the push target is `hub.server_url` + top-level `api_key`.
    Legacy,
    /// `endpoints` is an array of push targets.
    #[default]
    Endpoints,
}

impl std::str::FromStr for Firmware {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "legacy" => Ok(Firmware::Legacy),
            "endpoints" => Ok(Firmware::Endpoints),
            other => Err(format!(
                "unknown firmware {other:?}: expected `legacy` or `endpoints`"
            )),
        }
    }
}

/// The hardware layout: it decides slot numbering in pushes and what info reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layout {
    /// Sensor channels the hub reports.
    pub channels: u32,
    /// Actuator slots it can switch.
    pub actuators: u32,
    /// A battery hub (`is_ac` = 0) reports its battery volts as one extra slot.
    pub battery: bool,
}

impl Default for Layout {
    fn default() -> Self {
        Layout {
            channels: 4,
            actuators: 1,
            battery: false,
        }
    }
}

/// One actuator's runtime state.
#[derive(Debug, Default)]
pub(crate) struct Actuator {
    /// 0 off, 1 on, as the hub's API reports it.
    pub state: u8,
    /// When it last ran (the hub's own clock), as the API reports it.
    pub last_run: u64,
    /// The state an override reverts to when its timer fires.
    pub base: u8,
    /// Cancels the pending revert timer when a newer command supersedes it.
    pub revert: Option<CancellationToken>,
}

#[derive(Debug)]
pub(crate) struct HubState {
    /// Which API dialect the hub speaks (endpoint names, config format).
    pub firmware: Firmware,
    /// How many channels and actuators it has.
    pub layout: Layout,
    /// Its MAC address: the hub's identity in pushes and discovery.
    pub mac: [u8; 6],
    /// Firmware version string it reports.
    pub version: String,
    /// The config as last written, returned by the config endpoints.
    pub config: Map<String, Value>,
    /// Each actuator's state, with any override that reverts it.
    pub actuators: Vec<Actuator>,
    /// Current sensor readings, one per channel.
    pub analog: Vec<f64>,
    /// Battery voltage it reports.
    pub battery_volts: f64,
    /// Wi-Fi RSSI it reports.
    pub wifi_strength: i32,
}

pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `A1:B2:C3:D4:E5:F6`, the way the hub reports it in `wifi.mac_addr`.
pub fn mac_colon(mac: &[u8; 6]) -> String {
    mac.iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// `A1B2C3D4E5F6`, the way the hub puts it in pushes.
pub fn mac_plain(mac: &[u8; 6]) -> String {
    mac.iter().map(|b| format!("{b:02X}")).collect()
}

impl HubState {
    pub fn new(firmware: Firmware, layout: Layout, mac: [u8; 6]) -> Self {
        let version = "5.1.2".to_string();
        let config = default_config(firmware, &version);
        let analog = (0..layout.channels)
            .map(|i| 1.0 + 0.25 * f64::from(i))
            .collect();
        HubState {
            firmware,
            layout,
            mac,
            version,
            config,
            actuators: (0..layout.actuators).map(|_| Actuator::default()).collect(),
            analog,
            battery_volts: if layout.battery { 9.3148 } else { 0.0 },
            wifi_strength: -27,
        }
    }

    pub fn info_section(&self, section: &str) -> Option<Value> {
        match section {
            "hub" => Some(json!({
                "first_boot": false,
                "page_updated": false,
                "error_message": 0,
                "num_channels": self.layout.channels,
                "num_actuators": self.layout.actuators,
                "version": self.version,
                "agenda": 1,
                "batt_v": self.battery_volts,
                "num_vsens": 0,
                "is_ac": if self.layout.battery { 0 } else { 1 },
                "has_sd": 0,
                "on_ap": 0,
            })),
            "wifi" => Some(json!({
                "ssid": "SimulatedWiFi",
                "strength": self.wifi_strength.to_string(),
                "chan": "4",
                "ip": "127.0.0.1",
                "status": "3",
                "mac_addr": mac_colon(&self.mac),
            })),
            _ => None,
        }
    }

    pub fn config_section(&self, section: &str) -> Option<Value> {
        match section {
            "hub" | "api_key" => Some(self.config.get(section).cloned().unwrap_or(Value::Null)),
            "endpoints" => Some(match self.firmware {
                Firmware::Legacy => Value::Null,
                Firmware::Endpoints => self
                    .config
                    .get("endpoints")
                    .cloned()
                    .unwrap_or_else(|| Value::Array(vec![])),
            }),
            _ => None,
        }
    }

    /// Validates a `config/set` body and returns the changes to apply; applying is
    /// separate so the "reports success but does not persist" fault can skip it.
    pub fn validate_config_set(
        &self,
        body: &Map<String, Value>,
    ) -> Result<Vec<(String, Value)>, String> {
        let mut changes = Vec::new();
        for (key, value) in body {
            match key.as_str() {
                // Echoed from a previous `config/get`: tolerated, never stored.
                "error" => {}
                "hub" => {
                    if !value.is_object() {
                        return Err("`hub` must be an object".into());
                    }
                    changes.push((key.clone(), value.clone()));
                }
                "api_key" => {
                    if !value.is_string() {
                        return Err("`api_key` must be a string".into());
                    }
                    changes.push((key.clone(), value.clone()));
                }
                "endpoints" => match (self.firmware, value) {
                    // Legacy firmware has no endpoints; a client echoes the `null` it read.
                    (_, Value::Null) => {}
                    (Firmware::Legacy, _) => {
                        return Err("this firmware has no `endpoints`".into());
                    }
                    (Firmware::Endpoints, Value::Array(items)) => {
                        for item in items {
                            let ok = item.as_object().is_some_and(|o| {
                                o.get("id").is_some_and(Value::is_u64)
                                    && o.get("config").is_some_and(Value::is_object)
                            });
                            if !ok {
                                return Err(
                                    "each endpoint must be an object with a numeric `id` and a `config` object"
                                        .into(),
                                );
                            }
                        }
                        changes.push((key.clone(), value.clone()));
                    }
                    (Firmware::Endpoints, _) => {
                        return Err("`endpoints` must be an array".into());
                    }
                },
                // Unknown sections are ignored, as the hub does.
                _ => {}
            }
        }
        Ok(changes)
    }

    pub fn apply_config(&mut self, changes: Vec<(String, Value)>) {
        for (k, v) in changes {
            self.config.insert(k, v);
        }
    }

    pub fn actuator_status(&self) -> Value {
        let now = unix_now();
        let list: Vec<Value> = self
            .actuators
            .iter()
            .enumerate()
            .map(|(slot, a)| {
                json!({
                    "slot": slot,
                    "state": a.state,
                    "last_run": a.last_run,
                    "next_window_start": now + 3600,
                    "next_window_end": now + 4200,
                    "cur_ma": if a.state == 1 { 120 } else { 0 },
                    "typ_ma": 120,
                    "error": 0,
                })
            })
            .collect();
        json!({"actuators": list, "error": "success"})
    }

    /// Where pushes go: `(url, api_key)` pairs. Only plain-HTTP custom targets are
    /// pushed to; vendor-cloud endpoints are never contacted by a simulator.
    pub fn push_targets(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        match self.firmware {
            Firmware::Legacy => {
                let url = self
                    .config
                    .get("hub")
                    .and_then(|h| h.get("server_url"))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let key = self
                    .config
                    .get("api_key")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                if url.starts_with("http://") {
                    out.push((url.to_string(), key.to_string()));
                }
            }
            Firmware::Endpoints => {
                if let Some(Value::Array(eps)) = self.config.get("endpoints") {
                    for ep in eps {
                        let enabled = ep.get("enabled").and_then(Value::as_bool).unwrap_or(false);
                        let custom = ep.get("type").and_then(Value::as_str) == Some("custom");
                        let url = ep
                            .pointer("/config/url")
                            .and_then(Value::as_str)
                            .unwrap_or("");
                        let key = ep
                            .pointer("/config/api_key")
                            .and_then(Value::as_str)
                            .unwrap_or("");
                        if enabled && custom && url.starts_with("http://") {
                            out.push((url.to_string(), key.to_string()));
                        }
                    }
                }
            }
        }
        out
    }

    /// A push body shaped like the hub's: 1-based slots, analog first, then the
    /// battery (battery hubs only), then actuator states.
    pub fn push_payload(&self, api_key: &str) -> Value {
        let now = unix_now();
        let t = iso8601(now);
        let mut sensors = Vec::new();
        let mut slot = 1u32;
        for v in &self.analog {
            sensors.push(json!({"slot": slot, "samples": [{"v": v, "t": t}]}));
            slot += 1;
        }
        if self.layout.battery {
            sensors.push(json!({"slot": slot, "samples": [{"v": self.battery_volts, "t": t}]}));
            slot += 1;
        }
        for a in &self.actuators {
            sensors.push(json!({"slot": slot, "samples": [{"v": a.state, "t": t}]}));
            slot += 1;
        }
        json!({
            "api_key": api_key,
            "mac": mac_plain(&self.mac),
            "error_code": 0,
            "sensors": sensors,
            "send_time": now,
            "wifi_str": self.wifi_strength,
        })
    }
}

fn default_config(firmware: Firmware, version: &str) -> Map<String, Value> {
    let v = match firmware {
        Firmware::Legacy => json!({
            "hub": {
                "name": "VegeHub", "model": "Undefined", "firmware_version": version,
                "firmware_url": "", "utc_offset": 0, "sample_period": 10,
                "update_period": 60, "blink_update": 1, "report_voltage": 1,
                "server_url": "", "update_urls": [], "server_type": 0,
                "server_channel": "", "server_user": "", "static_ip_addr": "", "dns": "",
                "subnet": "", "gateway": "", "current_ip_addr": "127.0.0.1", "power_mode": 1,
                "agenda": 1, "onboard_sensor_poll_rate": 1800, "remote_sensor_poll_rate": 1800
            },
            "api_key": "",
        }),
        Firmware::Endpoints => json!({
            "hub": {"name": "VegeHub", "firmware_version": version, "power_mode": 1},
            "api_key": "",
            "endpoints": [
                {"id": 1, "name": "VegeCloud", "type": "vegecloud", "enabled": true,
                 "connection_method": "wifi",
                 "config": {"api_key": "0000000000000000", "route_key": "00000000",
                            "server_url": ""}}
            ],
        }),
    };
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` from Unix seconds (civil-from-days, proleptic Gregorian).
pub fn iso8601(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (h, m, s) = (rem / 3600, (rem % 3600) / 60, rem % 60);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(mo <= 2);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{m:02}:{s:02}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso8601_matches_known_instants() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        // The push sample's send_time and t agree on this instant.
        assert_eq!(iso8601(1_736_959_883), "2025-01-15T16:51:23Z");
        assert_eq!(iso8601(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn push_slots_follow_layout() {
        let s = HubState::new(
            Firmware::Legacy,
            Layout {
                channels: 4,
                actuators: 2,
                battery: true,
            },
            [0x7c, 0x9e, 0xbd, 0x4b, 0x49, 0xd8],
        );
        let p = s.push_payload("k");
        let slots: Vec<u64> = p["sensors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["slot"].as_u64().unwrap())
            .collect();
        assert_eq!(slots, vec![1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(p["sensors"][4]["samples"][0]["v"], json!(9.3148));
        assert_eq!(p["mac"], "7C9EBD4B49D8");
    }

    #[test]
    fn config_set_rejects_bad_types_and_tolerates_echoes() {
        let s = HubState::new(Firmware::Endpoints, Layout::default(), [0; 6]);
        let body = json!({"error": 0, "endpoints": null, "api_key": "x"});
        let changes = s.validate_config_set(body.as_object().unwrap()).unwrap();
        assert_eq!(changes.len(), 1);
        let bad = json!({"hub": "nope"});
        assert!(s.validate_config_set(bad.as_object().unwrap()).is_err());
        let bad = json!({"endpoints": [{"name": "no id"}]});
        assert!(s.validate_config_set(bad.as_object().unwrap()).is_err());
        let legacy = HubState::new(Firmware::Legacy, Layout::default(), [0; 6]);
        let bad = json!({"endpoints": []});
        assert!(
            legacy
                .validate_config_set(bad.as_object().unwrap())
                .is_err()
        );
    }
}
