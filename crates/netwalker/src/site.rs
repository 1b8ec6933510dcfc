//! Sites from hostnames: `--site-pattern`.
//!
//! Campus naming schemes put the site first (`NYC-CORE-01`, `NYC-ACC-12`), but
//! only some device names say unambiguously where the site part ends. So the
//! pattern names those anchor devices (`*-CORE-*`), its first `*` captures the
//! site, and every other device belongs to the longest site its name starts
//! with (`NYC-ACC-12` -> `NYC`), else the site of the device that led us
//! to them (a phone named `SEP…` belongs where its switch is). Devices that
//! fit no site are grouped under [`UNASSIGNED_SITE`] rather than dropped.

use crate::model::{Device, DeviceId};
use regex::Regex;
use std::collections::{BTreeSet, HashMap};

/// Site name for devices whose hostname fits no site.
pub const UNASSIGNED_SITE: &str = "unassigned";

/// A compiled `--site-pattern`.
#[derive(Debug, Clone)]
pub struct SitePattern {
    glob: String,
    regex: Regex,
}

/// A `--site-pattern` that cannot be used; says what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid --site-pattern {pattern:?}: {detail}; write a glob whose first `*` is the site, e.g. \"*-CORE-*\""
)]
pub struct SitePatternError {
    pub pattern: String,
    pub detail: String,
}

impl SitePattern {
    /// Compiles a glob (`*` any text, `?` one character, case-insensitive)
    /// whose first `*` captures the site name.
    pub fn new(glob: &str) -> Result<SitePattern, SitePatternError> {
        let err = |detail: &str| SitePatternError {
            pattern: glob.to_string(),
            detail: detail.to_string(),
        };
        if !glob.contains('*') {
            return Err(err("it has no `*` to capture the site"));
        }
        let mut re = String::from("(?i)^");
        let mut captured = false;
        for c in glob.chars() {
            match c {
                '*' if !captured => {
                    re.push_str("(.+?)");
                    captured = true;
                }
                '*' => re.push_str(".*"),
                '?' => re.push('.'),
                c => re.push_str(&regex::escape(&c.to_string())),
            }
        }
        re.push('$');
        let regex = Regex::new(&re).map_err(|e| err(&e.to_string()))?;
        Ok(SitePattern {
            glob: glob.to_string(),
            regex,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.glob
    }

    /// The site captured from a hostname the pattern matches (an anchor device).
    pub fn capture(&self, hostname: &str) -> Option<String> {
        let c = self.regex.captures(hostname)?;
        let site = c.get(1)?.as_str().trim();
        (!site.is_empty()).then(|| site.to_string())
    }

    /// Assigns every device a site: anchors by capture, the rest by the longest
    /// known site their name starts with (followed by a non-alphanumeric
    /// character), else their parent's site, else [`UNASSIGNED_SITE`].
    pub fn assign(&self, devices: &[Device]) -> SiteMap {
        let mut sites: BTreeSet<String> = BTreeSet::new();
        let mut of: HashMap<DeviceId, String> = HashMap::new();
        for d in devices {
            if let Some(site) = self.capture(&d.hostname) {
                sites.insert(site.clone());
                of.insert(d.id, site);
            }
        }
        // Longest first, so `NYC-2` wins over `NYC` for `NYC-2-ACC-1`.
        let mut by_len: Vec<&String> = sites.iter().collect();
        by_len.sort_by_key(|s| std::cmp::Reverse(s.len()));
        for d in devices {
            if of.contains_key(&d.id) {
                continue;
            }
            let name = d.hostname.to_lowercase();
            let site = by_len
                .iter()
                .find(|s| {
                    let s = s.to_lowercase();
                    name.starts_with(&s)
                        && name[s.len()..]
                            .chars()
                            .next()
                            .is_none_or(|c| !c.is_alphanumeric())
                })
                .map(|s| s.to_string());
            if let Some(site) = site {
                of.insert(d.id, site);
            }
        }
        // Phones, APs and other neighbours named by their vendor belong
        // where they hang: the site of the device that led us to them.
        let parent: HashMap<DeviceId, DeviceId> = devices
            .iter()
            .filter_map(|d| d.parent.map(|p| (d.id, p)))
            .collect();
        for d in devices {
            if of.contains_key(&d.id) {
                continue;
            }
            let mut cur = d.id;
            let mut site = None;
            // Bounded walk up the parent chain (a corrupt store may loop).
            for _ in 0..devices.len() {
                let Some(&p) = parent.get(&cur) else { break };
                if let Some(s) = of.get(&p) {
                    site = Some(s.clone());
                    break;
                }
                cur = p;
            }
            of.insert(d.id, site.unwrap_or_else(|| UNASSIGNED_SITE.to_string()));
        }
        SiteMap { of }
    }
}

/// Device -> site, from [`SitePattern::assign`].
#[derive(Debug, Clone, Default)]
pub struct SiteMap {
    of: HashMap<DeviceId, String>,
}

impl SiteMap {
    pub fn site(&self, id: DeviceId) -> Option<&str> {
        self.of.get(&id).map(String::as_str)
    }

    /// Every site, sorted, [`UNASSIGNED_SITE`] included when used.
    pub fn sites(&self) -> Vec<String> {
        let set: BTreeSet<&String> = self.of.values().collect();
        set.into_iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DeviceStatus;

    fn dev(id: i64, name: &str) -> Device {
        Device::new(DeviceId(id), name, DeviceStatus::Walked)
    }

    #[test]
    fn anchors_capture_and_others_follow_prefix() {
        let p = SitePattern::new("*-CORE-*").unwrap();
        assert_eq!(p.capture("NYC-CORE-01").as_deref(), Some("NYC"));
        assert_eq!(p.capture("nyc-core-02").as_deref(), Some("nyc"));
        assert_eq!(p.capture("NYC-ACC-01"), None);
        let devices = [
            dev(1, "NYC-CORE-01"),
            dev(2, "NYC-ACC-01"),
            dev(3, "LON-CORE-1"),
            dev(4, "LONDON-ACC-1"),
            dev(5, "lon_ap_3"),
            dev(6, "SEP001122334455"),
            {
                let mut phone = dev(7, "SEPAABBCCDDEEFF");
                phone.parent = Some(DeviceId(2));
                phone
            },
        ];
        let m = p.assign(&devices);
        assert_eq!(m.site(DeviceId(2)), Some("NYC"));
        assert_eq!(
            m.site(DeviceId(4)),
            Some(UNASSIGNED_SITE),
            "LONDON is not LON"
        );
        assert_eq!(m.site(DeviceId(5)), Some("LON"));
        assert_eq!(m.site(DeviceId(6)), Some(UNASSIGNED_SITE));
        assert_eq!(
            m.site(DeviceId(7)),
            Some("NYC"),
            "inherits its parent's site"
        );
        assert_eq!(m.sites(), vec!["LON", "NYC", UNASSIGNED_SITE]);
    }

    #[test]
    fn pattern_without_star_is_refused() {
        let e = SitePattern::new("CORE").unwrap_err().to_string();
        assert!(e.contains("no `*`"), "{e}");
    }
}
