//! The bridge's TOML config file. Every key is optional; the command line
//! overrides what it sets. Unknown keys are errors, so a typo is not a
//! silently ignored setting.
//!
//! ```toml
//! listen = "0.0.0.0:8123"          # where hubs push
//! key_env = "VEGEHUB_API_KEY"      # variable holding the hubs' API key
//! prometheus = "127.0.0.1:9108"    # serve /metrics here
//! transform = "vh400"              # analog inputs of every hub
//!
//! [mqtt]
//! url = "mqtt://127.0.0.1:1883"
//! username = "vegehub"
//! password_env = "VEGEHUB_MQTT_PASSWORD"
//! topic_prefix = "vegehub"
//! discovery_prefix = "homeassistant"
//! queue = 10000
//!
//! [[hub]]
//! host = "192.168.0.123"
//! transforms = { analog_0 = "vh400", analog_1 = "therm200" }
//! ```

use super::{BridgeError, HubSpec, MqttConfig};
use crate::readings::Transforms;
use crate::transforms::Transform;
use secrecy::SecretString;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::SocketAddr;

/// The file as written.
#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BridgeFile {
    /// Where hubs push.
    pub listen: Option<SocketAddr>,
    /// Environment variable holding the key pushes must carry.
    pub key_env: Option<String>,
    /// Where `/metrics` is served.
    pub prometheus: Option<SocketAddr>,
    /// Transform of every analog input without its own.
    pub transform: Option<Transform>,
    /// The broker.
    pub mqtt: Option<MqttSection>,
    /// Hubs read at start (`[[hub]]` tables).
    #[serde(default)]
    pub hub: Vec<HubSection>,
}

/// `[mqtt]`.
#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MqttSection {
    /// `mqtt://host[:port]`.
    pub url: Option<String>,
    /// The MQTT client id.
    pub client_id: Option<String>,
    /// User name for the broker.
    pub username: Option<String>,
    /// Environment variable holding the broker password (never the
    /// password itself: the file may be readable by others).
    pub password_env: Option<String>,
    /// Root of the bridge's topics.
    pub topic_prefix: Option<String>,
    /// Home Assistant's discovery prefix.
    pub discovery_prefix: Option<String>,
    /// Messages kept while the broker is away.
    pub queue: Option<usize>,
}

/// One `[[hub]]`.
#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HubSection {
    /// The hub's address.
    pub host: String,
    /// `analog_N = "vh400" | "therm200"` per input.
    #[serde(default)]
    pub transforms: BTreeMap<String, Transform>,
}

impl BridgeFile {
    /// Reads the file's text; `path` only names it in errors.
    pub fn parse(text: &str, path: &str) -> Result<Self, BridgeError> {
        toml::from_str(text).map_err(|e| BridgeError::File {
            path: path.to_string(),
            why: e.to_string(),
        })
    }

    /// The `[[hub]]` entries as hub specs.
    pub fn hubs(&self, path: &str) -> Result<Vec<HubSpec>, BridgeError> {
        self.hub
            .iter()
            .map(|h| {
                let transforms = if h.transforms.is_empty() {
                    None
                } else {
                    Some(per_channel(&h.transforms, self.transform).map_err(|why| {
                        BridgeError::File {
                            path: path.to_string(),
                            why: format!("hub {}: {why}", h.host),
                        }
                    })?)
                };
                Ok(HubSpec {
                    host: h.host.clone(),
                    transforms,
                })
            })
            .collect()
    }
}

/// `{analog_N: transform}` as [`Transforms`] over `default`.
fn per_channel(
    map: &BTreeMap<String, Transform>,
    default: Option<Transform>,
) -> Result<Transforms, String> {
    let mut t = Transforms::all(default);
    for (k, v) in map {
        let i = k
            .strip_prefix("analog_")
            .and_then(|n| n.parse::<u32>().ok())
            .ok_or_else(|| format!("transforms key {k:?} is not analog_N (N from 0)"))?;
        t.per_channel.insert(i, *v);
    }
    Ok(t)
}

impl MqttSection {
    /// The broker config: `url` (the command line's, else the file's) with
    /// this section's settings; the password is read from `password_env`.
    pub fn config(&self, url: Option<&str>) -> Result<Option<MqttConfig>, BridgeError> {
        let Some(url) = url.or(self.url.as_deref()) else {
            return Ok(None);
        };
        let mut c = MqttConfig::from_url(url)?;
        if let Some(id) = &self.client_id {
            c.client_id = id.clone();
        }
        c.username = self.username.clone();
        if let Some(var) = &self.password_env {
            match std::env::var(var) {
                Ok(p) if !p.is_empty() => c.password = Some(SecretString::from(p)),
                _ => {
                    return Err(BridgeError::MqttUrl {
                        url: url.to_string(),
                        why: format!(
                            "mqtt.password_env names {var}, which holds no password; export it"
                        ),
                    });
                }
            }
        }
        if let Some(p) = &self.topic_prefix {
            c.topic_prefix = p.clone();
        }
        if let Some(p) = &self.discovery_prefix {
            c.discovery_prefix = p.clone();
        }
        if let Some(q) = self.queue {
            c.queue_limit = q;
        }
        Ok(Some(c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_example_parses() {
        let doc: String = include_str!("file.rs")
            .lines()
            .skip_while(|l| !l.starts_with("//! ```toml"))
            .skip(1)
            .take_while(|l| !l.starts_with("//! ```"))
            .map(|l| format!("{}\n", l.trim_start_matches("//!").trim_start()))
            .collect();
        let f = BridgeFile::parse(&doc, "doc").unwrap();
        assert_eq!(f.listen, Some("0.0.0.0:8123".parse().unwrap()));
        assert_eq!(f.transform, Some(Transform::Vh400));
        let hubs = f.hubs("doc").unwrap();
        let t = hubs[0].transforms.as_ref().unwrap();
        assert_eq!(t.for_analog(1), Some(Transform::Therm200));
        assert_eq!(t.for_analog(3), Some(Transform::Vh400));
        let m = f.mqtt.as_ref().unwrap();
        assert_eq!(m.queue, Some(10000));
    }

    #[test]
    fn typos_and_bad_values_are_errors() {
        for bad in [
            "lisen = \"127.0.0.1:1\"",
            "[mqtt]\nurl = \"mqtt://h\"\nqeue = 1",
            "[[hub]]\nhost = \"h\"\ntransforms = { channel_0 = \"vh400\" }",
            "transform = \"vh500\"",
        ] {
            let r = BridgeFile::parse(bad, "f").and_then(|f| f.hubs("f"));
            assert!(r.is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn broker_urls() {
        let c = MqttConfig::from_url("mqtt://127.0.0.1").unwrap();
        assert_eq!((c.host.as_str(), c.port), ("127.0.0.1", 1883));
        assert_eq!(
            MqttConfig::from_url("tcp://[::1]:1884").unwrap().host,
            "::1"
        );
        for bad in ["http://h", "mqtts://h", "mqtt://u:p@h", "nonsense"] {
            assert!(MqttConfig::from_url(bad).is_err(), "{bad}");
        }
        let s = MqttSection {
            url: Some("mqtt://file".into()),
            queue: Some(5),
            ..MqttSection::default()
        };
        let c = s.config(Some("mqtt://cli:1")).unwrap().unwrap();
        assert_eq!((c.host.as_str(), c.queue_limit), ("cli", 5));
        assert!(MqttSection::default().config(None).unwrap().is_none());
    }
}
