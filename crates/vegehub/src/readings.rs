//! Readings: a push's latest value per slot, named by the hub's layout and
//! passed through the channel's transform. The one mapping `vegehub listen`
//! prints and `vegehub bridge` publishes, so both say the same thing.

use crate::push::{HubLayout, Push, SlotKind, slot_kind};
use crate::transforms::Transform;
use serde::Serialize;
use std::collections::BTreeMap;

/// What a reading measures, which decides its unit and how Home Assistant
/// and Prometheus present it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Quantity {
    /// Soil moisture in % VWC (an analog input through the VH400 transform).
    Moisture,
    /// Degrees Celsius (an analog input through the THERM200 transform).
    Temperature,
    /// Volts: an analog input without a transform, or a slot of unknown meaning.
    Voltage,
    /// The battery hub's battery, in volts.
    Battery,
    /// An actuator: 1 on, 0 off.
    Switch,
}

/// One channel's latest value from one push.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reading {
    /// `analog_0`, `battery`, `actuator_0`, or `slot_7` when no layout says
    /// what the slot is: a stable name for topics, entity ids and labels.
    pub channel: String,
    /// The slot as the hub numbers it (1-based), for people matching wires.
    pub slot: u32,
    /// What it measures.
    pub quantity: Quantity,
    /// The value as the hub sent it (volts, or 0/1 for an actuator).
    pub raw: f64,
    /// The value in the quantity's unit (`raw` unless a transform applies).
    pub value: f64,
    /// When it was sampled (unix seconds): the sample's time, else the push's.
    pub time: Option<i64>,
}

/// Which transform each analog input goes through.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Transforms {
    /// For every analog input not listed in `per_channel`.
    pub default: Option<Transform>,
    /// Analog input index (0-based) -> its transform.
    pub per_channel: BTreeMap<u32, Transform>,
}

impl Transforms {
    /// The same transform for every analog input (listen's `--transform`).
    pub fn all(t: Option<Transform>) -> Self {
        Transforms {
            default: t,
            per_channel: BTreeMap::new(),
        }
    }

    /// The transform of analog input `i`, if any.
    pub fn for_analog(&self, i: u32) -> Option<Transform> {
        self.per_channel.get(&i).copied().or(self.default)
    }
}

/// Every slot's latest value in `push`, named by `layout` (without one, each
/// slot is a `slot_N` voltage) and transformed per `transforms`. A value a
/// transform cannot map is left out; order is by slot.
pub fn readings(push: &Push, layout: Option<&HubLayout>, transforms: &Transforms) -> Vec<Reading> {
    let times = latest_times(push);
    push.latest_by_slot()
        .into_iter()
        .filter_map(|(slot, raw)| {
            let time = times.get(&slot).copied().flatten().or(push.send_time);
            let (channel, quantity, value) = match layout {
                Some(l) => name(slot_kind(slot, l)?, raw, transforms)?,
                None => (format!("slot_{slot}"), Quantity::Voltage, raw),
            };
            Some(Reading {
                channel,
                slot,
                quantity,
                raw,
                value,
                time,
            })
        })
        .collect()
}

/// The channel name, quantity and value of a slot of known kind.
fn name(kind: SlotKind, raw: f64, transforms: &Transforms) -> Option<(String, Quantity, f64)> {
    Some(match kind {
        SlotKind::Analog(i) => {
            let (quantity, value) = match transforms.for_analog(i) {
                Some(t @ Transform::Vh400) => (Quantity::Moisture, t.apply(raw)?),
                Some(t @ Transform::Therm200) => (Quantity::Temperature, t.apply(raw)?),
                None => (Quantity::Voltage, raw),
            };
            (format!("analog_{i}"), quantity, value)
        }
        SlotKind::Battery => ("battery".to_string(), Quantity::Battery, raw),
        SlotKind::Actuator(k) => (format!("actuator_{k}"), Quantity::Switch, raw),
    })
}

/// The time of each slot's last sample, as `latest_by_slot` picks it.
fn latest_times(push: &Push) -> BTreeMap<u32, Option<i64>> {
    let mut out = BTreeMap::new();
    for s in &push.sensors {
        if let Some(last) = s.samples.last().filter(|x| x.v.is_some()) {
            out.insert(s.slot, last.t);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample_push() -> Push {
        Push::from_value(&json!({"mac": "7C9EBD4B49D8", "send_time": 100,
        "sensors": [
            {"slot": 1, "samples": [{"v": 1.5, "t": 90}]},
            {"slot": 2, "samples": [{"v": 1.0}]},
            {"slot": 3, "samples": [{"v": 2.0}]},
            {"slot": 5, "samples": [{"v": 9.3}]},
            {"slot": 6, "samples": [{"v": 1}]},
            {"slot": 99, "samples": [{"v": 1}]}
        ]}))
    }

    #[test]
    fn named_by_layout_and_transformed_per_channel() {
        let layout = HubLayout {
            num_channels: 4,
            num_actuators: 1,
            is_ac: false,
        };
        let t = Transforms {
            default: Some(Transform::Vh400),
            per_channel: BTreeMap::from([(1, Transform::Therm200)]),
        };
        let r = readings(&sample_push(), Some(&layout), &t);
        let names: Vec<&str> = r.iter().map(|x| x.channel.as_str()).collect();
        assert_eq!(
            names,
            ["analog_0", "analog_1", "analog_2", "battery", "actuator_0"]
        );
        assert_eq!(r[0].quantity, Quantity::Moisture);
        assert_eq!(r[0].value, crate::vh400(1.5).unwrap());
        assert_eq!(r[0].time, Some(90));
        assert_eq!(r[1].quantity, Quantity::Temperature);
        assert_eq!(r[1].value, crate::therm200(1.0).unwrap());
        assert_eq!(r[1].time, Some(100), "no sample time: the push's");
        assert_eq!((r[3].quantity, r[3].value), (Quantity::Battery, 9.3));
        assert_eq!((r[4].quantity, r[4].raw), (Quantity::Switch, 1.0));
    }

    #[test]
    fn without_a_layout_every_slot_is_a_voltage() {
        let r = readings(
            &sample_push(),
            None,
            &Transforms::all(Some(Transform::Vh400)),
        );
        assert_eq!(r.len(), 6);
        assert!(
            r.iter()
                .all(|x| x.quantity == Quantity::Voltage && x.value == x.raw)
        );
        assert_eq!(r[5].channel, "slot_99");
    }
}
