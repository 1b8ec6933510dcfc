//! MQTT topic names. Pure: every topic the bridge publishes or subscribes to is
//! built here, from segments made safe first.
//!
//! Hub data is untrusted, so nothing a hub sends reaches a topic unfiltered:
//! [`segment`] keeps `[A-Za-z0-9_-]` and replaces everything else (`/`, the
//! wildcards `+` and `#`, NUL, spaces, non-ASCII) with `_`, so one value is
//! exactly one topic level and matches Home Assistant's `object_id` rule.

/// Longest segment kept: a MAC is 12, a channel name about 10; a hub cannot
/// grow topics (and broker memory) by sending long names.
pub const MAX_SEGMENT: usize = 64;

/// `s` as one safe topic level: only `[A-Za-z0-9_-]`, at most
/// [`MAX_SEGMENT`] bytes, never empty (`_`).
pub fn segment(s: &str) -> String {
    let out: String = s
        .chars()
        .take(MAX_SEGMENT)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() { "_".to_string() } else { out }
}

/// Why a configured topic prefix cannot be used.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "topic prefix {0:?} is not usable: give one or more levels of letters, digits, `_` or `-` separated by `/` (no wildcards, no empty level)"
)]
pub struct BadPrefix(pub String);

/// A configured prefix (`vegehub`, `home/garden`): levels of safe segments.
fn check_prefix(p: &str) -> Result<String, BadPrefix> {
    let ok = !p.is_empty() && p.split('/').all(|l| !l.is_empty() && segment(l) == l);
    if ok {
        Ok(p.to_string())
    } else {
        Err(BadPrefix(p.to_string()))
    }
}

/// The bridge's topic scheme.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Topics {
    /// Root of the bridge's own topics (state, commands, availability).
    prefix: String,
    /// Home Assistant's discovery prefix (`homeassistant` unless changed there).
    discovery: String,
}

impl Topics {
    /// Checks both prefixes (see [`BadPrefix`]).
    pub fn new(prefix: &str, discovery: &str) -> Result<Self, BadPrefix> {
        Ok(Topics {
            prefix: check_prefix(prefix)?,
            discovery: check_prefix(discovery)?,
        })
    }

    /// `online`/`offline` for the whole bridge; the broker publishes
    /// `offline` (the last will) if the bridge vanishes.
    pub fn availability(&self) -> String {
        format!("{}/bridge/availability", self.prefix)
    }

    /// A channel's value: `PREFIX/MAC/CHANNEL/state`.
    pub fn state(&self, mac: &str, channel: &str) -> String {
        format!(
            "{}/{}/{}/state",
            self.prefix,
            segment(mac),
            segment(channel)
        )
    }

    /// Where Home Assistant sends `ON`/`OFF` for an actuator.
    pub fn command(&self, mac: &str, channel: &str) -> String {
        format!("{}/{}/{}/set", self.prefix, segment(mac), segment(channel))
    }

    /// The subscription that covers every [`Topics::command`] topic.
    pub fn command_filter(&self) -> String {
        format!("{}/+/+/set", self.prefix)
    }

    /// `DISCOVERY/COMPONENT/vegehub_MAC/CHANNEL/config`.
    pub fn discovery(&self, component: &str, mac: &str, channel: &str) -> String {
        format!(
            "{}/{}/vegehub_{}/{}/config",
            self.discovery,
            segment(component),
            segment(mac),
            segment(channel)
        )
    }

    /// Home Assistant's birth/last-will topic: `online` there means it has
    /// (re)started and wants discovery configs again.
    pub fn ha_status(&self) -> String {
        format!("{}/status", self.discovery)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn hostile_values_stay_one_level() {
        let t = Topics::new("vegehub", "homeassistant").unwrap();
        assert_eq!(t.state("AA/#/+", "x y\0é"), "vegehub/AA____/x_y__/state");
        assert_eq!(segment(""), "_");
        assert_eq!(segment(&"a".repeat(500)).len(), MAX_SEGMENT);
        assert_eq!(
            t.discovery("sensor", "7C9EBD4B49D8", "analog_0"),
            "homeassistant/sensor/vegehub_7C9EBD4B49D8/analog_0/config"
        );
        assert_eq!(t.command_filter(), "vegehub/+/+/set");
    }

    #[test]
    fn prefixes_are_checked() {
        assert!(Topics::new("home/garden", "ha").is_ok());
        for bad in ["", "/x", "x/", "a//b", "a/+", "#", "a b"] {
            assert_eq!(Topics::new(bad, "ha"), Err(BadPrefix(bad.to_string())));
            assert!(Topics::new("ok", bad).is_err());
        }
    }

    proptest! {
        #[test]
        fn a_segment_is_always_one_safe_level(s in any::<String>()) {
            let seg = segment(&s);
            prop_assert!(!seg.is_empty() && seg.len() <= MAX_SEGMENT);
            prop_assert!(seg.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'));
            let t = Topics::new("p", "d").unwrap();
            let topic = t.state(&s, &s);
            prop_assert_eq!(topic.split('/').count(), 4);
        }

        #[test]
        fn safe_values_pass_unchanged(s in "[A-Za-z0-9_-]{1,64}") {
            prop_assert_eq!(segment(&s), s);
        }
    }
}
