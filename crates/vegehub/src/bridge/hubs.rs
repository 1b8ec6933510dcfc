//! Hubs the bridge was told about (`--hub`): their layout and actuators,
//! read once at start through the shared client, and the worker that carries
//! Home Assistant's switch commands to their API.

use super::discovery::state_payload;
use super::link::LinkCmd;
use super::metrics::Metrics;
use super::outbox::Message;
use super::topics::Topics;
use super::{BridgeError, HubSpec};
use crate::client::{ActuatorStatus, Hub, HubOptions};
use crate::push::HubLayout;
use crate::readings::{Quantity, Transforms};
use crate::transforms::Transform;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Bound on handing a message to the link (it reads its channel at once).
pub(crate) const HAND_OVER: Duration = Duration::from_secs(1);

/// A hub read at start.
#[derive(Debug)]
pub(crate) struct KnownHub {
    /// Its API, on the bridge's one HTTP client.
    pub hub: Hub,
    /// Its normalised MAC, which its pushes carry.
    pub mac: String,
    /// What its slots mean.
    pub layout: HubLayout,
    /// Its analog inputs' transforms.
    pub transforms: Transforms,
    /// Firmware version, for the device registry.
    pub sw_version: Option<String>,
    /// Actuator states as read at start (slot numbers for commands).
    pub actuators: Vec<ActuatorStatus>,
}

impl KnownHub {
    /// Reads `spec`'s info and, if it has actuators, their states.
    pub async fn read(
        spec: &HubSpec,
        http: &reqwest::Client,
        opts: HubOptions,
        default: &Transforms,
    ) -> Result<Self, BridgeError> {
        let failed = |source| BridgeError::Hub {
            host: spec.host.clone(),
            source,
        };
        let hub = Hub::with_client(&spec.host, http.clone(), opts).map_err(failed)?;
        let info = hub.info().await.map_err(failed)?;
        let mac = match info.mac.clone() {
            Some(m) => m,
            None => hub.mac().await.map_err(failed)?,
        };
        let actuators = if info.num_actuators > 0 {
            hub.actuators().await.map_err(failed)?
        } else {
            Vec::new()
        };
        Ok(KnownHub {
            hub,
            mac,
            layout: info.layout(),
            transforms: spec.transforms.clone().unwrap_or_else(|| default.clone()),
            sw_version: info.version,
            actuators,
        })
    }

    /// Every entity the layout gives: `(channel, quantity)`.
    pub fn entities(&self) -> Vec<(String, Quantity)> {
        entities(&self.layout, &self.transforms)
    }

    /// The slot number the hub's API takes for actuator `index`.
    pub fn actuator_slot(&self, index: u32) -> u32 {
        self.actuators.get(index as usize).map_or(index, |a| a.slot)
    }
}

/// The entities of a hub with `layout`, in slot order.
pub(crate) fn entities(layout: &HubLayout, transforms: &Transforms) -> Vec<(String, Quantity)> {
    let mut out = Vec::new();
    for i in 0..layout.num_channels {
        let q = match transforms.for_analog(i) {
            Some(Transform::Vh400) => Quantity::Moisture,
            Some(Transform::Therm200) => Quantity::Temperature,
            None => Quantity::Voltage,
        };
        out.push((format!("analog_{i}"), q));
    }
    if !layout.is_ac {
        out.push(("battery".to_string(), Quantity::Battery));
    }
    for k in 0..layout.num_actuators {
        out.push((format!("actuator_{k}"), Quantity::Switch));
    }
    out
}

/// A switch command from Home Assistant.
#[derive(Debug)]
pub(crate) struct Command {
    /// The hub it is for.
    pub hub: Arc<KnownHub>,
    /// Actuator index (`actuator_N`).
    pub index: u32,
    /// On or off.
    pub on: bool,
}

/// Where the worker reports what the hub then says.
pub(crate) struct Reporter {
    /// Actuator state gauges.
    pub metrics: Arc<Metrics>,
    /// The state topics, when MQTT is on.
    pub topics: Option<Topics>,
    /// The link, when MQTT is on.
    pub link: Option<mpsc::Sender<LinkCmd>>,
}

impl Reporter {
    /// Records and publishes each actuator's state as the hub reports it.
    pub async fn actuators(&self, hub: &KnownHub, states: &[ActuatorStatus]) {
        for (k, a) in states.iter().enumerate() {
            let on = a.state != 0;
            self.metrics.set_actuator(&hub.mac, &k.to_string(), on);
            if let (Some(t), Some(link)) = (&self.topics, &self.link) {
                let topic = t.state(&hub.mac, &format!("actuator_{k}"));
                let payload = state_payload(Quantity::Switch, f64::from(u8::from(on)));
                let m = LinkCmd::Publish(Message::new(topic, payload, false));
                if tokio::time::timeout(HAND_OVER, link.send(m)).await.is_err() {
                    tracing::warn!("vegehub bridge: the MQTT link did not take an actuator state");
                }
            }
        }
    }
}

/// Carries commands to the hubs one at a time (each call bounded by the
/// client's request timeout) until `stop`; then reports back the states.
pub(crate) async fn command_worker(
    mut rx: mpsc::Receiver<Command>,
    stop: CancellationToken,
    report: Reporter,
) {
    loop {
        let cmd = tokio::select! {
            _ = stop.cancelled() => return,
            c = rx.recv() => match c { Some(c) => c, None => return },
        };
        let run = async {
            let h = &cmd.hub;
            let slot = h.actuator_slot(cmd.index);
            h.hub.set_actuator(slot, cmd.on, Duration::ZERO).await?;
            h.hub.actuators().await
        };
        let states = tokio::select! {
            _ = stop.cancelled() => return,
            r = run => r,
        };
        match states {
            Ok(states) => report.actuators(&cmd.hub, &states).await,
            Err(e) => tracing::warn!("vegehub bridge: actuator command failed: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn entities_follow_the_layout() {
        let layout = HubLayout {
            num_channels: 2,
            num_actuators: 1,
            is_ac: false,
        };
        let t = Transforms {
            default: None,
            per_channel: BTreeMap::from([(1, Transform::Therm200)]),
        };
        assert_eq!(
            entities(&layout, &t),
            [
                ("analog_0".to_string(), Quantity::Voltage),
                ("analog_1".to_string(), Quantity::Temperature),
                ("battery".to_string(), Quantity::Battery),
                ("actuator_0".to_string(), Quantity::Switch),
            ]
        );
    }
}
