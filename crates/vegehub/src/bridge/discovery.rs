//! Home Assistant MQTT discovery: the retained config that makes one device
//! per hub appear, with a sensor per input (moisture, temperature, voltage,
//! battery) and a switch per actuator. Pure: payloads are built here and
//! tested without a broker.
//!
//! Hub strings are untrusted: they reach topics only through
//! [`super::topics::segment`] and JSON only through serde_json (which escapes),
//! after [`display_text`] has dropped control characters and bounded length.

use super::topics::{Topics, segment};
use crate::readings::Quantity;
use serde_json::{Value, json};

/// Payloads of a switch's command and state topics.
pub const ON: &str = "ON";
/// See [`ON`].
pub const OFF: &str = "OFF";
/// Payloads of the availability topic.
pub const ONLINE: &str = "online";
/// See [`ONLINE`].
pub const OFFLINE: &str = "offline";

/// Longest hub-supplied text shown in Home Assistant (names, versions).
const MAX_TEXT: usize = 64;

/// Hub text made fit for display: no control characters, at most
/// [`MAX_TEXT`] characters.
pub fn display_text(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control())
        .take(MAX_TEXT)
        .collect()
}

/// What Home Assistant's device registry shows for a hub.
#[derive(Clone, Debug, PartialEq)]
pub struct Device {
    /// Normalised MAC (`7C9EBD4B49D8`): the hub's identity in every id and topic.
    pub mac: String,
    /// Firmware version, when the bridge read the hub's info (untrusted text).
    pub sw_version: Option<String>,
}

impl Device {
    /// The `device` object every entity of this hub carries, so Home
    /// Assistant groups them into one device.
    fn json(&self) -> Value {
        let mac = segment(&self.mac);
        let mut d = json!({
            "identifiers": [format!("vegehub_{mac}")],
            "name": format!("VegeHub {mac}"),
            "manufacturer": "Vegetronix",
            "model": "VegeHub",
        });
        if let Some(pretty) = colon_mac(&mac) {
            d["connections"] = json!([["mac", pretty]]);
        }
        if let Some(v) = &self.sw_version {
            d["sw_version"] = json!(display_text(v));
        }
        d
    }
}

/// `7C9EBD4B49D8` -> `7c:9e:bd:4b:49:d8` (Home Assistant's MAC form); `None`
/// unless it is 12 hex digits.
fn colon_mac(mac: &str) -> Option<String> {
    if mac.len() != 12 || !mac.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let lower = mac.to_ascii_lowercase();
    let pairs: Vec<&str> = (0..6).map(|i| &lower[2 * i..2 * i + 2]).collect();
    Some(pairs.join(":"))
}

/// The entity name shown under the device.
fn entity_name(channel: &str, quantity: Quantity) -> String {
    let (kind, n) = match channel.rsplit_once('_') {
        Some((k, n)) => (k, n.parse::<u32>().ok()),
        None => (channel, None),
    };
    let what = match quantity {
        Quantity::Moisture => "moisture",
        Quantity::Temperature => "temperature",
        Quantity::Voltage | Quantity::Battery | Quantity::Switch => "voltage",
    };
    match (kind, n, quantity) {
        (_, _, Quantity::Battery) => "Battery".to_string(),
        ("actuator", Some(k), _) => format!("Actuator {}", u64::from(k) + 1),
        ("analog", Some(i), _) => format!("Channel {} {what}", u64::from(i) + 1),
        ("slot", Some(s), _) => format!("Slot {s} {what}"),
        _ => format!("{} {what}", display_text(channel)),
    }
}

/// `(device_class, unit)` of a sensor.
fn sensor_class(q: Quantity) -> (&'static str, &'static str) {
    match q {
        Quantity::Moisture => ("moisture", "%"),
        Quantity::Temperature => ("temperature", "°C"),
        // Home Assistant's `battery` class means a percentage; the hub
        // reports volts, so its battery is a voltage sensor.
        Quantity::Voltage | Quantity::Battery | Quantity::Switch => ("voltage", "V"),
    }
}

/// One entity's discovery message: `(config topic, retained JSON payload)`.
/// An actuator (`Quantity::Switch`) is a switch with a command topic; every
/// other quantity a measurement sensor.
pub fn entity_config(
    topics: &Topics,
    device: &Device,
    channel: &str,
    quantity: Quantity,
) -> (String, Value) {
    let mac = segment(&device.mac);
    let ch = segment(channel);
    let mut c = json!({
        "name": entity_name(&ch, quantity),
        "unique_id": format!("vegehub_{mac}_{ch}"),
        "state_topic": topics.state(&mac, &ch),
        "availability_topic": topics.availability(),
        "payload_available": ONLINE,
        "payload_not_available": OFFLINE,
        "device": device.json(),
        "origin": {"name": "vegehub bridge", "sw": env!("CARGO_PKG_VERSION")},
    });
    let component = if quantity == Quantity::Switch {
        c["command_topic"] = json!(topics.command(&mac, &ch));
        c["payload_on"] = json!(ON);
        c["payload_off"] = json!(OFF);
        c["state_on"] = json!(ON);
        c["state_off"] = json!(OFF);
        c["optimistic"] = json!(false);
        "switch"
    } else {
        let (class, unit) = sensor_class(quantity);
        c["device_class"] = json!(class);
        c["unit_of_measurement"] = json!(unit);
        c["state_class"] = json!("measurement");
        if quantity == Quantity::Battery {
            c["entity_category"] = json!("diagnostic");
        }
        "sensor"
    };
    (topics.discovery(component, &mac, &ch), c)
}

/// A reading's state payload: the number as Rust prints it (shortest form
/// that reads back to the same value), or `ON`/`OFF` for an actuator.
pub fn state_payload(quantity: Quantity, value: f64) -> String {
    match quantity {
        Quantity::Switch if value != 0.0 => ON.to_string(),
        Quantity::Switch => OFF.to_string(),
        _ => format!("{value}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn topics() -> Topics {
        Topics::new("vegehub", "homeassistant").unwrap()
    }

    fn device() -> Device {
        Device {
            mac: "7C9EBD4B49D8".into(),
            sw_version: Some("5.1.2".into()),
        }
    }

    #[test]
    fn a_moisture_sensor() {
        let (topic, c) = entity_config(&topics(), &device(), "analog_0", Quantity::Moisture);
        assert_eq!(
            topic,
            "homeassistant/sensor/vegehub_7C9EBD4B49D8/analog_0/config"
        );
        assert_eq!(c["name"], "Channel 1 moisture");
        assert_eq!(c["unique_id"], "vegehub_7C9EBD4B49D8_analog_0");
        assert_eq!(c["state_topic"], "vegehub/7C9EBD4B49D8/analog_0/state");
        assert_eq!(c["device_class"], "moisture");
        assert_eq!(c["unit_of_measurement"], "%");
        assert_eq!(c["state_class"], "measurement");
        assert_eq!(c["availability_topic"], "vegehub/bridge/availability");
        assert_eq!(c["device"]["identifiers"], json!(["vegehub_7C9EBD4B49D8"]));
        assert_eq!(
            c["device"]["connections"],
            json!([["mac", "7c:9e:bd:4b:49:d8"]])
        );
        assert_eq!(c["device"]["sw_version"], "5.1.2");
        assert!(c.get("command_topic").is_none());
    }

    #[test]
    fn classes_and_units() {
        let t = topics();
        let d = device();
        let of = |ch: &str, q| {
            let (_, c) = entity_config(&t, &d, ch, q);
            (c["device_class"].clone(), c["unit_of_measurement"].clone())
        };
        assert_eq!(
            of("analog_1", Quantity::Temperature),
            (json!("temperature"), json!("°C"))
        );
        assert_eq!(
            of("analog_2", Quantity::Voltage),
            (json!("voltage"), json!("V"))
        );
        assert_eq!(
            of("battery", Quantity::Battery),
            (json!("voltage"), json!("V"))
        );
        let (_, b) = entity_config(&t, &d, "battery", Quantity::Battery);
        assert_eq!(
            (b["name"].as_str(), b["entity_category"].as_str()),
            (Some("Battery"), Some("diagnostic"))
        );
        let (_, s) = entity_config(&t, &d, "slot_7", Quantity::Voltage);
        assert_eq!(s["name"], "Slot 7 voltage");
    }

    #[test]
    fn an_actuator_is_a_switch_with_a_command_topic() {
        let (topic, c) = entity_config(&topics(), &device(), "actuator_1", Quantity::Switch);
        assert_eq!(
            topic,
            "homeassistant/switch/vegehub_7C9EBD4B49D8/actuator_1/config"
        );
        assert_eq!(c["name"], "Actuator 2");
        assert_eq!(c["command_topic"], "vegehub/7C9EBD4B49D8/actuator_1/set");
        assert_eq!(c["state_topic"], "vegehub/7C9EBD4B49D8/actuator_1/state");
        assert_eq!(
            (c["payload_on"].as_str(), c["payload_off"].as_str()),
            (Some(ON), Some(OFF))
        );
        assert!(c.get("device_class").is_none());
    }

    #[test]
    fn state_payloads() {
        assert_eq!(state_payload(Quantity::Voltage, 1.5), "1.5");
        assert_eq!(state_payload(Quantity::Moisture, 100.0), "100");
        assert_eq!(state_payload(Quantity::Battery, 9.314800262), "9.314800262");
        assert_eq!(state_payload(Quantity::Switch, 1.0), ON);
        assert_eq!(state_payload(Quantity::Switch, 0.0), OFF);
    }

    proptest! {
        #[test]
        fn hostile_hub_strings_stay_contained(mac in any::<String>(), ch in any::<String>(), v in any::<String>()) {
            let d = Device { mac: mac.clone(), sw_version: Some(v) };
            let (topic, c) = entity_config(&topics(), &d, &ch, Quantity::Voltage);
            prop_assert_eq!(topic.split('/').count(), 5);
            prop_assert!(!topic.contains(['+', '#', '\0']));
            // The payload is valid JSON that reads back to itself.
            let text = c.to_string();
            let back: Value = serde_json::from_str(&text).unwrap();
            prop_assert_eq!(&back, &c);
            let sw = c["device"]["sw_version"].as_str().unwrap();
            prop_assert!(sw.chars().count() <= MAX_TEXT && !sw.chars().any(char::is_control));
            let name = c["name"].as_str().unwrap();
            prop_assert!(!name.chars().any(char::is_control));
            for k in ["state_topic", "availability_topic"] {
                let t = c[k].as_str().unwrap();
                prop_assert!(!t.contains(['+', '#', '\0']));
            }
        }
    }
}
