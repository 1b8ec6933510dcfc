//! Filters applied to a neighbour before any connection is opened.
//!
//! Filtering before connecting is the point: a campus walk meets thousands of
//! phones, access points and cameras, and logging in to each (or waiting for
//! each to time out) would dominate the run. A filtered neighbour is still
//! recorded, with the decision's reason, so the inventory shows what was left
//! out and why.
//!
//! Rules, in order (the first that filters wins):
//! 1. hostname exclude globs, 2. hostname include globs,
//! 3. CIDR excludes, 4. CIDR includes, 5. public addresses,
//! 6. platform substrings, 7. capability words.
//!
//! Public addresses: anyone on an access port can advertise a CDP/LLDP
//! management address, and walking it would offer our credentials to
//! whoever answers there. So a neighbour whose address is public (outside
//! RFC 1918, RFC 6598, ULA, link-local and loopback) is filtered unless a
//! `cidr_include` range names it explicitly.
//!
//! An include rule only judges values that are known: a neighbour without a
//! hostname passes hostname includes, one without an IP passes CIDR includes.
//! Otherwise a seed given by IP alone would be filtered by a hostname include.
//!
//! The phone rule: Nexus and Catalyst switches advertise capabilities such as
//! `phone port` (they can power one), so a capability word never filters a
//! neighbour that also reports `Router`, `Switch` or `Bridge` (or the codes
//! `R`/`B`) — unless the excluded word itself names one of those.

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::IpAddr;

/// Filter settings, as written in the config file's `[filters]` table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FilterConfig {
    /// Walk only hostnames matching one of these globs (case-insensitive).
    pub hostname_include: Vec<String>,
    /// Never walk hostnames matching these globs (case-insensitive).
    pub hostname_exclude: Vec<String>,
    /// Walk only addresses inside these ranges.
    pub cidr_include: Vec<IpNet>,
    /// Never walk addresses inside these ranges.
    pub cidr_exclude: Vec<IpNet>,
    /// Never walk neighbours whose platform text contains one of these
    /// (case-insensitive), e.g. `Polycom`, `AIR-`, `Cisco IP Phone`.
    pub platform_exclude: Vec<String>,
    /// Never walk neighbours reporting one of these capability words
    /// (case-insensitive), e.g. `Phone`, `Host`; see the phone rule.
    pub capability_exclude: Vec<String>,
}

impl FilterConfig {
    /// True when no rule is configured (everything passes).
    pub fn is_empty(&self) -> bool {
        *self == FilterConfig::default()
    }
}

/// A filter configuration that cannot be compiled.
#[derive(Debug, thiserror::Error)]
pub enum FilterError {
    #[error("invalid hostname glob {glob:?} in filters.{field}: {source}")]
    Glob {
        field: &'static str,
        glob: String,
        source: globset::Error,
    },
    #[error("empty {field} entry in filters; remove it or give a value")]
    Empty { field: &'static str },
}

/// What a neighbour looks like before we connect to it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Candidate<'a> {
    /// The name the device is known by, for the hostname globs.
    pub hostname: Option<&'a str>,
    /// The address it would be dialled at, for the CIDR rules.
    pub ip: Option<IpAddr>,
    /// Platform text as the neighbour table reports it (`cisco WS-C3850`,
    /// `Polycom VVX 411`), not the detected [`device_parsers::Platform`].
    pub platform: Option<&'a str>,
    /// Capability words or phrases as reported (`Router`, `Switch`, `phone port`).
    pub capabilities: &'a [String],
}

impl<'a> Candidate<'a> {
    /// What a (placeholder) device record says about itself: its name, the
    /// address we would connect to (else any known one), the neighbour-reported
    /// platform text and capabilities.
    pub fn of_device(d: &'a crate::model::Device) -> Candidate<'a> {
        Candidate {
            hostname: Some(d.hostname.as_str()).filter(|h| !h.is_empty()),
            ip: d.mgmt_ip.or_else(|| d.ips.iter().next().copied()),
            platform: d.platform_text.as_deref(),
            capabilities: &d.capabilities,
        }
    }
}

/// Which kind of rule filtered a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FilterRule {
    HostnameExclude,
    HostnameInclude,
    CidrExclude,
    CidrInclude,
    PublicAddress,
    Platform,
    Capability,
}

/// The verdict on one candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// `reason` is the human text without the `filtered: ` prefix; the
    /// `Display` form adds it (`filtered: platform matched "Polycom"`).
    Filtered {
        rule: FilterRule,
        reason: String,
    },
}

impl Decision {
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allow)
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Decision::Allow => f.write_str("allowed"),
            Decision::Filtered { reason, .. } => write!(f, "filtered: {reason}"),
        }
    }
}

struct Globs {
    /// The compiled globs, matched in one pass.
    set: GlobSet,
    /// The globs as written, to name the one that matched.
    patterns: Vec<String>,
}

impl Globs {
    fn new(field: &'static str, patterns: &[String]) -> Result<Globs, FilterError> {
        let mut b = GlobSetBuilder::new();
        for p in patterns {
            if p.trim().is_empty() {
                return Err(FilterError::Empty { field });
            }
            let glob: Glob = GlobBuilder::new(p.trim())
                .case_insensitive(true)
                .build()
                .map_err(|source| FilterError::Glob {
                    field,
                    glob: p.clone(),
                    source,
                })?;
            b.add(glob);
        }
        Ok(Globs {
            set: b.build().map_err(|source| FilterError::Glob {
                field,
                glob: patterns.join(", "),
                source,
            })?,
            patterns: patterns.iter().map(|p| p.trim().to_string()).collect(),
        })
    }

    /// The first pattern matching the name as reported or its short form
    /// (so `*.lab.example.com` and `sep*` both work).
    fn first_match(&self, name: &str) -> Option<&str> {
        let short = crate::identity::display_hostname(name);
        let mut hits = self.set.matches(name);
        hits.extend(self.set.matches(&short));
        hits.into_iter().min().map(|i| self.patterns[i].as_str())
    }
}

/// Compiled filters; cheap to evaluate, shared by all device tasks.
pub struct Filter {
    /// Only these names are walked (empty: all).
    hostname_include: Globs,
    /// These names never are.
    hostname_exclude: Globs,
    /// Only these addresses are walked (empty: all private ones).
    cidr_include: Vec<IpNet>,
    /// These addresses never are.
    cidr_exclude: Vec<IpNet>,
    /// Platform texts whose devices are not walked: as written (for the
    /// reason) and lower-cased (to match case-insensitively).
    platform_exclude: Vec<(String, String)>,
    /// Capability sets whose devices are not walked: as written (for the
    /// reason) and as words (to match).
    capability_exclude: Vec<(String, Vec<String>)>,
}

impl fmt::Debug for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Filter")
            .field("hostname_include", &self.hostname_include.patterns)
            .field("hostname_exclude", &self.hostname_exclude.patterns)
            .field("cidr_include", &self.cidr_include)
            .field("cidr_exclude", &self.cidr_exclude)
            .field("platform_exclude", &self.platform_exclude)
            .field("capability_exclude", &self.capability_exclude)
            .finish()
    }
}

/// Capability words that mean "this box forwards traffic": never a leaf.
const INFRASTRUCTURE: &[&str] = &["router", "switch", "bridge"];

/// Single-letter capability codes with the same meaning in both CDP's and
/// LLDP's code tables (`R` Router, `B` Bridge). Case matters: CDP's `r` is a
/// repeater, and `S` is Switch in CDP but Station (a host) in LLDP.
const INFRASTRUCTURE_CODES: &[&str] = &["R", "B"];

fn is_infrastructure(capability: &str) -> bool {
    capability.split(|c: char| !c.is_alphanumeric()).any(|t| {
        INFRASTRUCTURE_CODES.contains(&t) || INFRASTRUCTURE.contains(&t.to_lowercase().as_str())
    })
}

/// Splits capability text into lower-case words: `VoIP-Phone` -> `voip`,
/// `phone`; `phone port` -> `phone`, `port`.
fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// True when `needle` (a word sequence) occurs contiguously in `hay`.
fn contains_words(hay: &[String], needle: &[String]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

impl Filter {
    pub fn new(cfg: &FilterConfig) -> Result<Filter, FilterError> {
        let platform_exclude = cfg
            .platform_exclude
            .iter()
            .map(|p| {
                let t = p.trim();
                if t.is_empty() {
                    Err(FilterError::Empty {
                        field: "platform_exclude",
                    })
                } else {
                    Ok((t.to_string(), t.to_lowercase()))
                }
            })
            .collect::<Result<_, _>>()?;
        let capability_exclude = cfg
            .capability_exclude
            .iter()
            .map(|c| {
                let w = words(c);
                if w.is_empty() {
                    Err(FilterError::Empty {
                        field: "capability_exclude",
                    })
                } else {
                    Ok((c.trim().to_string(), w))
                }
            })
            .collect::<Result<_, _>>()?;
        Ok(Filter {
            hostname_include: Globs::new("hostname_include", &cfg.hostname_include)?,
            hostname_exclude: Globs::new("hostname_exclude", &cfg.hostname_exclude)?,
            cidr_include: cfg.cidr_include.clone(),
            cidr_exclude: cfg.cidr_exclude.clone(),
            platform_exclude,
            capability_exclude,
        })
    }

    /// Decides whether to walk a candidate. Pure: no I/O.
    pub fn decide(&self, c: &Candidate<'_>) -> Decision {
        let filtered = |rule, reason: String| Decision::Filtered { rule, reason };
        if let Some(name) = c.hostname.map(str::trim).filter(|n| !n.is_empty()) {
            if let Some(p) = self.hostname_exclude.first_match(name) {
                return filtered(
                    FilterRule::HostnameExclude,
                    format!("hostname {name:?} matched exclude glob {p:?}"),
                );
            }
            if !self.hostname_include.patterns.is_empty()
                && self.hostname_include.first_match(name).is_none()
            {
                return filtered(
                    FilterRule::HostnameInclude,
                    format!(
                        "hostname {name:?} matched no include glob ({})",
                        self.hostname_include.patterns.join(", ")
                    ),
                );
            }
        }
        if let Some(ip) = c.ip {
            if let Some(net) = self.cidr_exclude.iter().find(|n| n.contains(&ip)) {
                return filtered(
                    FilterRule::CidrExclude,
                    format!("address {ip} is in excluded range {net}"),
                );
            }
            if !self.cidr_include.is_empty() && !self.cidr_include.iter().any(|n| n.contains(&ip)) {
                let nets: Vec<String> = self.cidr_include.iter().map(|n| n.to_string()).collect();
                return filtered(
                    FilterRule::CidrInclude,
                    format!("address {ip} is in no included range ({})", nets.join(", ")),
                );
            }
            if !crate::addr::is_private(ip) && !self.cidr_include.iter().any(|n| n.contains(&ip)) {
                return filtered(
                    FilterRule::PublicAddress,
                    format!(
                        "public address {ip}: neighbours may advertise any address, so public ones are walked only when a [filters] cidr_include range names them"
                    ),
                );
            }
        }
        if let Some(platform) = c.platform {
            let lower = platform.to_lowercase();
            if let Some((shown, _)) = self
                .platform_exclude
                .iter()
                .find(|(_, needle)| lower.contains(needle.as_str()))
            {
                return filtered(FilterRule::Platform, format!("platform matched {shown:?}"));
            }
        }
        if !self.capability_exclude.is_empty() && !c.capabilities.is_empty() {
            let caps: Vec<Vec<String>> = c.capabilities.iter().map(|s| words(s)).collect();
            let infrastructure = c.capabilities.iter().any(|s| is_infrastructure(s));
            for (shown, needle) in &self.capability_exclude {
                let names_infrastructure =
                    needle.iter().any(|w| INFRASTRUCTURE.contains(&w.as_str()));
                if infrastructure && !names_infrastructure {
                    continue;
                }
                if caps.iter().any(|cap| contains_words(cap, needle)) {
                    return filtered(
                        FilterRule::Capability,
                        format!("capability matched {shown:?}"),
                    );
                }
            }
        }
        Decision::Allow
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(f: impl FnOnce(&mut FilterConfig)) -> Filter {
        let mut cfg = FilterConfig::default();
        f(&mut cfg);
        Filter::new(&cfg).unwrap()
    }

    fn caps(c: &[&str]) -> Vec<String> {
        c.iter().map(|s| s.to_string()).collect()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn empty_filter_allows_everything() {
        let f = filter(|_| {});
        let cap = caps(&["Phone"]);
        let c = Candidate {
            hostname: Some("SEP001122334455"),
            ip: Some(ip("10.0.0.1")),
            platform: Some("Cisco IP Phone 7945"),
            capabilities: &cap,
        };
        assert_eq!(f.decide(&c), Decision::Allow);
        assert!(FilterConfig::default().is_empty());
    }

    #[test]
    fn hostname_globs_exclude_and_include() {
        let f = filter(|c| {
            c.hostname_exclude = vec!["SEP*".into(), "*.lab.example.com".into()];
            c.hostname_include = vec!["core*".into(), "dist-??".into()];
        });
        let d = |h: &str| {
            f.decide(&Candidate {
                hostname: Some(h),
                ..Default::default()
            })
        };
        let sep = d("sep001122334455");
        assert_eq!(
            sep.to_string(),
            r#"filtered: hostname "sep001122334455" matched exclude glob "SEP*""#
        );
        assert!(matches!(
            d("core9.lab.example.com"),
            Decision::Filtered {
                rule: FilterRule::HostnameExclude,
                ..
            }
        ));
        assert!(d("CORE1").is_allowed());
        assert!(d("core1.example.com").is_allowed(), "short form matches");
        assert!(d("dist-01").is_allowed());
        assert!(
            d("n9k-1(FDO123)")
                .to_string()
                .contains("no include glob (core*, dist-??)")
        );
        // Unknown hostname: include rules cannot judge it.
        assert!(f.decide(&Candidate::default()).is_allowed());
    }

    #[test]
    fn public_addresses_are_filtered_unless_an_include_range_names_them() {
        let at = |f: &Filter, a: &str| {
            f.decide(&Candidate {
                hostname: Some("rogue"),
                ip: Some(ip(a)),
                ..Default::default()
            })
        };
        let f = filter(|_| {});
        let d = at(&f, "203.0.113.7");
        assert!(
            matches!(
                d,
                Decision::Filtered {
                    rule: FilterRule::PublicAddress,
                    ..
                }
            ),
            "{d}"
        );
        assert!(
            d.to_string()
                .starts_with("filtered: public address 203.0.113.7"),
            "{d}"
        );
        assert!(!at(&f, "2a00:1450::1").is_allowed());
        for private in [
            "10.9.8.7",
            "172.20.0.1",
            "192.168.0.1",
            "100.64.1.1",
            "fd12::1",
            "127.0.0.1",
        ] {
            assert!(at(&f, private).is_allowed(), "{private}");
        }
        let f = filter(|c| {
            c.cidr_include = vec![
                "203.0.113.0/24".parse().unwrap(),
                "10.0.0.0/8".parse().unwrap(),
            ]
        });
        assert!(at(&f, "203.0.113.7").is_allowed());
        assert!(!at(&f, "198.51.100.1").is_allowed());
        // No address, no public-address verdict.
        assert!(
            f.decide(&Candidate {
                hostname: Some("x"),
                ..Default::default()
            })
            .is_allowed()
        );
    }

    #[test]
    fn cidr_ranges_exclude_then_include() {
        let f = filter(|c| {
            c.cidr_include = vec![
                "10.0.0.0/8".parse().unwrap(),
                "2001:db8::/32".parse().unwrap(),
            ];
            c.cidr_exclude = vec!["10.99.0.0/16".parse().unwrap()];
        });
        let d = |a: &str| {
            f.decide(&Candidate {
                ip: Some(ip(a)),
                ..Default::default()
            })
        };
        assert!(d("10.1.2.3").is_allowed());
        assert!(d("2001:db8::1").is_allowed());
        assert_eq!(
            d("10.99.1.1").to_string(),
            "filtered: address 10.99.1.1 is in excluded range 10.99.0.0/16"
        );
        assert_eq!(
            d("192.168.1.1"),
            Decision::Filtered {
                rule: FilterRule::CidrInclude,
                reason: "address 192.168.1.1 is in no included range (10.0.0.0/8, 2001:db8::/32)"
                    .into()
            }
        );
    }

    #[test]
    fn platform_substrings_are_case_insensitive() {
        let f = filter(|c| c.platform_exclude = vec!["Polycom".into(), "AIR-".into()]);
        let d = |p: &str| {
            f.decide(&Candidate {
                hostname: Some("x"),
                platform: Some(p),
                ..Default::default()
            })
        };
        assert_eq!(
            d("POLYCOM VVX 411").to_string(),
            r#"filtered: platform matched "Polycom""#
        );
        assert!(!d("cisco AIR-AP2802I-B-K9").is_allowed());
        assert!(d("cisco WS-C3850-48P").is_allowed());
    }

    #[test]
    fn capability_words_filter_leaves() {
        let f = filter(|c| c.capability_exclude = vec!["Phone".into(), "Host".into()]);
        let d = |c: &[&str]| {
            let c = caps(c);
            f.decide(&Candidate {
                capabilities: &c,
                ..Default::default()
            })
        };
        assert_eq!(
            d(&["Host", "Phone"]).to_string(),
            r#"filtered: capability matched "Phone""#
        );
        assert!(!d(&["VoIP-Phone"]).is_allowed(), "word inside a token");
        assert!(d(&["Telephony-gateway"]).is_allowed(), "whole words only");
        assert!(d(&[]).is_allowed());
    }

    #[test]
    fn switches_advertising_phone_port_are_not_phones() {
        let f = filter(|c| c.capability_exclude = vec!["phone".into()]);
        for caps_seen in [
            // Catalyst / ISR CDP
            vec!["Router", "Switch", "IGMP", "CVTA", "phone port"],
            // Nexus CDP
            vec![
                "Router",
                "Switch",
                "IGMP",
                "Filtering",
                "Supports-STP-Dispute",
                "phone port",
            ],
            // LLDP system capabilities
            vec!["Bridge", "Telephone"],
            vec!["B", "R", "phone"],
        ] {
            let c = caps(&caps_seen);
            let dec = f.decide(&Candidate {
                hostname: Some("n9k"),
                capabilities: &c,
                ..Default::default()
            });
            assert!(dec.is_allowed(), "{caps_seen:?}: {dec}");
        }
        // A real phone (LLDP "Telephone", CDP "Host Phone") is still filtered,
        // and lower-case "r" (CDP: Repeater) is not a router.
        for caps_seen in [
            vec!["Telephone", "phone"],
            vec!["Host", "Phone"],
            vec!["r", "phone"],
        ] {
            let c = caps(&caps_seen);
            let dec = f.decide(&Candidate {
                capabilities: &c,
                ..Default::default()
            });
            assert!(!dec.is_allowed(), "{caps_seen:?}");
        }
        // Excluding an infrastructure word explicitly still works.
        let f = filter(|c| c.capability_exclude = vec!["Router".into()]);
        let c = caps(&["Router", "Switch"]);
        assert!(
            !f.decide(&Candidate {
                capabilities: &c,
                ..Default::default()
            })
            .is_allowed()
        );
    }

    #[test]
    fn device_records_are_candidates() {
        use crate::model::{Device, DeviceId, DeviceStatus};
        let f = filter(|c| {
            c.platform_exclude = vec!["Polycom".into()];
            c.cidr_exclude = vec!["10.9.0.0/16".parse().unwrap()];
        });
        let mut d = Device::new(DeviceId(1), "conf-room", DeviceStatus::NeighborOnly);
        d.platform_text = Some("Polycom Trio 8800".into());
        assert_eq!(
            f.decide(&Candidate::of_device(&d)).to_string(),
            r#"filtered: platform matched "Polycom""#
        );
        let mut d = Device::new(DeviceId(2), "sw", DeviceStatus::NeighborOnly);
        d.ips.insert(ip("10.9.1.1"));
        assert!(
            f.decide(&Candidate::of_device(&d))
                .to_string()
                .contains("10.9.1.1")
        );
    }

    #[test]
    fn rule_order_first_match_wins() {
        let f = filter(|c| {
            c.hostname_exclude = vec!["sep*".into()];
            c.platform_exclude = vec!["Cisco IP Phone".into()];
        });
        let dec = f.decide(&Candidate {
            hostname: Some("SEP1"),
            platform: Some("Cisco IP Phone 8845"),
            ..Default::default()
        });
        assert!(matches!(
            dec,
            Decision::Filtered {
                rule: FilterRule::HostnameExclude,
                ..
            }
        ));
    }

    #[test]
    fn bad_configuration_is_reported_with_the_field() {
        let cfg = FilterConfig {
            hostname_exclude: vec!["core[".into()],
            ..Default::default()
        };
        let err = Filter::new(&cfg).unwrap_err().to_string();
        assert!(
            err.contains("core[") && err.contains("filters.hostname_exclude"),
            "{err}"
        );
        let cfg = FilterConfig {
            platform_exclude: vec![" ".into()],
            ..Default::default()
        };
        let err = Filter::new(&cfg).unwrap_err().to_string();
        assert!(err.contains("platform_exclude"), "{err}");
    }

    #[test]
    fn config_table_parses_from_toml() {
        let cfg: FilterConfig = toml::from_str(
            r#"
            hostname_exclude = ["SEP*"]
            cidr_include = ["10.0.0.0/8"]
            capability_exclude = ["Phone"]
            "#,
        )
        .unwrap();
        assert_eq!(cfg.cidr_include[0].to_string(), "10.0.0.0/8");
        let err = toml::from_str::<FilterConfig>("hostname_exlude = []")
            .unwrap_err()
            .to_string();
        assert!(err.contains("hostname_exlude"), "{err}");
        let err = toml::from_str::<FilterConfig>("cidr_include = [\"10.0.0.0/33\"]")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("cidr_include") || err.contains("invalid"),
            "{err}"
        );
    }
}
