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
    /// The glob as the user wrote it, for messages ([`SitePattern::as_str`]).
    glob: String,
    /// The glob compiled: anchored, case-insensitive, first `*` as group 1.
    regex: Regex,
}

/// A `--site-pattern` that cannot be used; says what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid --site-pattern {pattern:?}: {detail}; write a glob whose first `*` is the site, e.g. \"*-CORE-*\""
)]
pub struct SitePatternError {
    /// The pattern as given, so the user sees what was refused.
    pub pattern: String,
    /// What is wrong with it.
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
    /// known site their name starts with (see [`hostname_in_site`]), else
    /// their parent's site, else [`UNASSIGNED_SITE`].
    pub fn assign(&self, devices: &[Device]) -> SiteMap {
        let mut of = self.anchor_sites(devices);
        let sites: BTreeSet<String> = of.values().cloned().collect();
        assign_by_prefix(devices, &sites, &mut of);
        assign_by_parent(devices, &mut of);
        SiteMap { of }
    }

    /// The anchors: devices whose name the pattern matches, by captured site.
    fn anchor_sites(&self, devices: &[Device]) -> HashMap<DeviceId, String> {
        devices
            .iter()
            .filter_map(|d| Some((d.id, self.capture(&d.hostname)?)))
            .collect()
    }
}

/// Sites for `devices` from an optional `--site-pattern` (`None` without
/// one): the one way reports, diagrams and `exec` assign sites, always over
/// the whole store so anchors count even when they are not shown themselves.
pub fn assign_sites(
    pattern: Option<&str>,
    devices: &[Device],
) -> Result<Option<SiteMap>, SitePatternError> {
    Ok(match pattern {
        Some(p) => Some(SitePattern::new(p)?.assign(devices)),
        None => None,
    })
}

/// `site` is where `hostname` belongs by name: the name starts with it
/// (case-insensitive) followed by the end or a non-alphanumeric character,
/// so `NYC-ACC-1` is in `NYC` but `LONDON-ACC-1` is not in `LON`. An empty
/// site holds nothing.
pub fn hostname_in_site(hostname: &str, site: &str) -> bool {
    let (n, s) = (hostname.to_lowercase(), site.to_lowercase());
    !s.is_empty()
        && n.starts_with(&s)
        && n[s.len()..]
            .chars()
            .next()
            .is_none_or(|c| !c.is_alphanumeric())
}

/// Devices not yet assigned get the longest known site their name is in.
fn assign_by_prefix(
    devices: &[Device],
    sites: &BTreeSet<String>,
    of: &mut HashMap<DeviceId, String>,
) {
    // Longest first, so `NYC-2` wins over `NYC` for `NYC-2-ACC-1`.
    let mut by_len: Vec<&String> = sites.iter().collect();
    by_len.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for d in devices {
        if of.contains_key(&d.id) {
            continue;
        }
        if let Some(site) = by_len.iter().find(|s| hostname_in_site(&d.hostname, s)) {
            of.insert(d.id, site.to_string());
        }
    }
}

/// Phones, APs and other neighbours named by their vendor belong where they
/// hang: the site of the device that led us to them, else [`UNASSIGNED_SITE`].
fn assign_by_parent(devices: &[Device], of: &mut HashMap<DeviceId, String>) {
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
}

/// Device -> site, from [`SitePattern::assign`].
#[derive(Debug, Clone, Default)]
pub struct SiteMap {
    /// Every device's site ([`UNASSIGNED_SITE`] when none fits).
    of: HashMap<DeviceId, String>,
}

impl SiteMap {
    /// The site of a device; `None` only for a device the map was not built from.
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
    fn a_site_holds_names_that_start_with_it_then_a_separator() {
        assert!(hostname_in_site("NYC-ACC-1", "nyc"));
        assert!(hostname_in_site("nyc", "NYC"));
        assert!(hostname_in_site("lon_ap_3", "LON"));
        assert!(!hostname_in_site("LONDON-ACC-1", "LON"));
        assert!(!hostname_in_site("NYC-ACC-1", ""));
        assert!(!hostname_in_site("NY", "NYC"));
    }

    #[test]
    fn no_pattern_assigns_no_sites() {
        assert!(
            assign_sites(None, &[dev(1, "NYC-CORE-1")])
                .unwrap()
                .is_none()
        );
        let m = assign_sites(Some("*-CORE-*"), &[dev(1, "NYC-CORE-1")]).unwrap();
        assert_eq!(m.unwrap().site(DeviceId(1)), Some("NYC"));
        assert!(assign_sites(Some("CORE"), &[]).is_err());
    }

    #[test]
    fn pattern_without_star_is_refused() {
        let e = SitePattern::new("CORE").unwrap_err().to_string();
        assert!(e.contains("no `*`"), "{e}");
    }
}
