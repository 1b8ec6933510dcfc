//! Prometheus metrics: per hub and channel the value, the raw value and the
//! last push time; actuator states; the bridge's own counters. Rendering is
//! pure (OpenMetrics text from prometheus-client); `/metrics` serves it on the
//! same hardened server the push receiver uses.
//!
//! Labels are the hub's normalised MAC and the bridge's channel names, and the
//! number of hubs the bridge tracks is bounded, so no device can grow the
//! label space without limit; prometheus-client escapes label values.

use crate::listen::ListenStats;
use crate::readings::{Quantity, Reading};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::registry::Registry;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

/// The content type of [`Metrics::render`]'s output.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Labels of a channel's gauges.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ChannelLabels {
    /// The hub's normalised MAC.
    hub: String,
    /// `analog_0`, `battery`, `slot_7`...
    channel: String,
}

/// Labels of an actuator's state.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ActuatorLabels {
    /// The hub's normalised MAC.
    hub: String,
    /// The actuator's index (0-based), as its channel name `actuator_N` says.
    actuator: String,
}

/// The bridge's own counts, kept by the parts that do the counting and read
/// at each scrape.
#[derive(Debug, Default)]
pub struct BridgeCounters {
    /// The receiver's counts (set once it is listening).
    pub(crate) listen: OnceLock<Arc<ListenStats>>,
    /// Pushes the receiver took that the bridge could not use (no valid MAC,
    /// too many hubs), added to the receiver's refusals.
    pub(crate) unusable: AtomicU64,
    /// MQTT messages the broker acknowledged.
    pub(crate) published: AtomicU64,
    /// MQTT messages dropped: queue full, or still undelivered at exit.
    pub(crate) dropped: AtomicU64,
    /// MQTT messages waiting or in flight now.
    pub(crate) queued: AtomicU64,
    /// 1 while connected to the broker.
    pub(crate) connected: AtomicU64,
}

impl BridgeCounters {
    /// Pushes taken by the receiver.
    pub fn received(&self) -> u64 {
        self.listen.get().map_or(0, |l| l.received())
    }

    /// Pushes refused by the receiver or unusable to the bridge.
    pub fn rejected(&self) -> u64 {
        self.listen.get().map_or(0, |l| l.rejected()) + self.unusable.load(Ordering::Relaxed)
    }

    /// MQTT messages acknowledged by the broker.
    pub fn published(&self) -> u64 {
        self.published.load(Ordering::Relaxed)
    }

    /// MQTT messages dropped.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

/// Encodes [`BridgeCounters`] at scrape time.
#[derive(Debug)]
struct CountersCollector(Arc<BridgeCounters>);

impl Collector for CountersCollector {
    fn encode(&self, mut enc: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let c = &self.0;
        let counters = [
            (
                "bridge_pushes_received",
                "Hub pushes taken by the receiver.",
                c.received(),
            ),
            (
                "bridge_pushes_rejected",
                "Hub pushes refused (key, body, JSON, busy) or unusable (no MAC, too many hubs).",
                c.rejected(),
            ),
            (
                "bridge_mqtt_published",
                "MQTT messages the broker acknowledged.",
                c.published(),
            ),
            (
                "bridge_mqtt_dropped",
                "MQTT messages dropped: queue full while the broker was away, or undelivered at exit.",
                c.dropped(),
            ),
        ];
        for (name, help, v) in counters {
            let m = ConstCounter::new(v);
            m.encode(enc.encode_descriptor(name, help, None, m.metric_type())?)?;
        }
        let gauges = [
            (
                "bridge_mqtt_queued",
                "MQTT messages waiting for the broker or its acknowledgement.",
                c.queued.load(Ordering::Relaxed),
            ),
            (
                "bridge_mqtt_connected",
                "1 while the bridge is connected to the MQTT broker.",
                c.connected.load(Ordering::Relaxed),
            ),
        ];
        for (name, help, v) in gauges {
            let m = ConstGauge::new(i64::try_from(v).unwrap_or(i64::MAX));
            m.encode(enc.encode_descriptor(name, help, None, m.metric_type())?)?;
        }
        Ok(())
    }
}

/// Every metric the bridge exports.
#[derive(Debug)]
pub struct Metrics {
    /// What `/metrics` renders.
    registry: Registry,
    /// A channel's value in its unit (after the transform).
    value: Family<ChannelLabels, Gauge<f64, AtomicU64>>,
    /// A channel's value as the hub sent it.
    raw: Family<ChannelLabels, Gauge<f64, AtomicU64>>,
    /// When the bridge last received a push carrying the channel (unix s).
    last_push: Family<ChannelLabels, Gauge<f64, AtomicU64>>,
    /// 1 on, 0 off.
    actuator: Family<ActuatorLabels, Gauge<i64, AtomicI64>>,
    /// The bridge's own counts.
    counters: Arc<BridgeCounters>,
}

impl Metrics {
    /// Metrics named `vegehub_*`, counting into `counters`.
    pub fn new(counters: Arc<BridgeCounters>) -> Self {
        let mut registry = Registry::with_prefix("vegehub");
        let (value, raw, last_push) = (Family::default(), Family::default(), Family::default());
        let actuator = Family::default();
        // prometheus-client ends each HELP of a registered metric with a period.
        registry.register(
            "channel_value",
            "Latest value of a hub channel in its unit (%, °C or V; actuators 0/1)",
            Family::clone(&value),
        );
        registry.register(
            "channel_raw",
            "Latest value of a hub channel as the hub sent it (volts; actuators 0/1)",
            Family::clone(&raw),
        );
        registry.register(
            "channel_last_push_timestamp_seconds",
            "When the bridge last received a push carrying the channel (unix seconds)",
            Family::clone(&last_push),
        );
        registry.register(
            "actuator_state",
            "Actuator state: 1 on, 0 off",
            Family::clone(&actuator),
        );
        registry.register_collector(Box::new(CountersCollector(Arc::clone(&counters))));
        Metrics {
            registry,
            value,
            raw,
            last_push,
            actuator,
            counters,
        }
    }

    /// The counters these metrics read.
    pub fn counters(&self) -> &Arc<BridgeCounters> {
        &self.counters
    }

    /// Records one reading of hub `mac`, received at `now` (unix seconds).
    pub fn record(&self, mac: &str, r: &Reading, now: f64) {
        let labels = ChannelLabels {
            hub: mac.to_string(),
            channel: r.channel.clone(),
        };
        self.value.get_or_create(&labels).set(r.value);
        self.raw.get_or_create(&labels).set(r.raw);
        self.last_push.get_or_create(&labels).set(now);
        if r.quantity == Quantity::Switch
            && let Some(k) = r.channel.strip_prefix("actuator_")
        {
            self.set_actuator(mac, k, r.raw != 0.0);
        }
    }

    /// Records an actuator's state (`index` as in `actuator_N`).
    pub fn set_actuator(&self, mac: &str, index: &str, on: bool) {
        let labels = ActuatorLabels {
            hub: mac.to_string(),
            actuator: index.to_string(),
        };
        self.actuator.get_or_create(&labels).set(i64::from(on));
    }

    /// The OpenMetrics text of every metric.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail; an encoder error would be a bug
        // in a metric, and an empty scrape says so.
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(channel: &str, quantity: Quantity, raw: f64, value: f64) -> Reading {
        Reading {
            channel: channel.into(),
            slot: 1,
            quantity,
            raw,
            value,
            time: None,
        }
    }

    #[test]
    fn renders_channels_actuators_and_counters() {
        let counters = Arc::new(BridgeCounters::default());
        let m = Metrics::new(Arc::clone(&counters));
        m.record(
            "7C9EBD4B49D8",
            &reading("analog_0", Quantity::Moisture, 1.5, 20.5),
            1000.0,
        );
        m.record(
            "7C9EBD4B49D8",
            &reading("actuator_1", Quantity::Switch, 1.0, 1.0),
            1000.0,
        );
        counters.published.store(7, Ordering::Relaxed);
        counters.unusable.store(2, Ordering::Relaxed);
        let text = m.render();
        for line in [
            r#"vegehub_channel_value{hub="7C9EBD4B49D8",channel="analog_0"} 20.5"#,
            r#"vegehub_channel_raw{hub="7C9EBD4B49D8",channel="analog_0"} 1.5"#,
            r#"vegehub_channel_last_push_timestamp_seconds{hub="7C9EBD4B49D8",channel="analog_0"} 1000.0"#,
            r#"vegehub_actuator_state{hub="7C9EBD4B49D8",actuator="1"} 1"#,
            "vegehub_bridge_mqtt_published_total 7",
            "vegehub_bridge_pushes_rejected_total 2",
            "vegehub_bridge_pushes_received_total 0",
            "vegehub_bridge_mqtt_dropped_total 0",
            "vegehub_bridge_mqtt_connected 0",
            "# EOF",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "no line {line:?} in\n{text}"
            );
        }
    }

    #[test]
    fn hostile_label_values_are_escaped() {
        let m = Metrics::new(Arc::default());
        m.record(
            "A\"B\\C\nD",
            &reading("x", Quantity::Voltage, 1.0, 1.0),
            0.0,
        );
        let text = m.render();
        assert!(
            text.contains(r#"hub="A\"B\\C\nD""#),
            "label value not escaped:\n{text}"
        );
        assert_eq!(
            text.lines()
                .filter(|l| l.starts_with("vegehub_channel_raw{"))
                .count(),
            1
        );
    }
}
