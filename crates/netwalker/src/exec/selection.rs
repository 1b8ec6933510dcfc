//! Which devices a run touches: store records and an [`ExecFilter`] become
//! [`ExecTarget`]s. Opens nothing, so `--dry-run` is just this step.

use super::ExecError;
use crate::model::{Device, DeviceStatus};
use crate::site::{self, SiteMap};
use crate::store::{StoreLocation, StoreReader};
use device_parsers::Platform;
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use ipnet::IpNet;
use serde::Serialize;
use std::collections::HashSet;
use std::net::IpAddr;

/// Which devices of the store a run touches. Every given criterion must hold;
/// within one criterion, any of its values may match.
#[derive(Debug, Clone, Default)]
pub struct ExecFilter {
    /// Hostname globs (case-insensitive, `*` and `?`), matched against the
    /// display name and the name as first reported. Empty: every device.
    pub names: Vec<String>,
    /// Empty: any platform. Devices whose platform is unknown never match a
    /// platform filter.
    pub platforms: Vec<Platform>,
    /// Site names (case-insensitive). With [`ExecFilter::site_pattern`] the
    /// sites are assigned exactly as in the reports ([`site::SitePattern`]);
    /// without it a device is in site `S` when its hostname starts with `S`
    /// followed by a non-alphanumeric character (`NYC` takes `NYC-ACC-1`,
    /// not `NYCX-1`).
    pub sites: Vec<String>,
    /// Glob whose first `*` captures the site (as `report --site-pattern`); see [`ExecFilter::sites`].
    pub site_pattern: Option<String>,
    /// The device's management address must be in one of these.
    pub cidrs: Vec<IpNet>,
    /// Also devices never logged in to (neighbour-only, skipped, filtered).
    /// By default only devices a walk tried (walked or failed) are targets:
    /// the others are phones, printers and the like, or out of scope.
    pub include_unwalked: bool,
}

/// One device to run commands on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExecTarget {
    /// The device's name in the store: what listings, rows and file names show.
    pub name: String,
    /// The address connected to: the management address, else the first known.
    pub ip: IpAddr,
    /// From the last walk; a hint for the session (skips detection) and the
    /// key for `--parse`.
    pub platform: Option<Platform>,
    /// The site [`ExecFilter::sites`] matched, carried into the results.
    pub site: Option<String>,
    /// The device's status in the store, for `--dry-run` listings.
    pub last_status: DeviceStatus,
}
fn compile_globs(patterns: &[String]) -> Result<Option<GlobSet>, ExecError> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        let glob = GlobBuilder::new(p.trim())
            .case_insensitive(true)
            .build()
            .map_err(|source| ExecError::Glob {
                glob: p.clone(),
                source,
            })?;
        b.add(glob);
    }
    b.build().map(Some).map_err(|source| ExecError::Glob {
        glob: patterns.join(", "),
        source,
    })
}

/// Parses `--ip`: a CIDR (`10.1.0.0/16`) or a bare address (one host).
pub fn parse_cidr(s: &str) -> Result<IpNet, String> {
    let s = s.trim();
    if let Ok(net) = s.parse::<IpNet>() {
        return Ok(net);
    }
    s.parse::<IpAddr>()
        .map(IpNet::from)
        .map_err(|_| format!("{s:?} is neither a CIDR (10.1.0.0/16) nor an IP address"))
}

/// The devices of `devices` (a store's records) that `filter` selects, sorted
/// by name, one per management address. Devices without an address and
/// duplicates (merged records) are never targets.
pub fn select_devices(
    devices: &[Device],
    filter: &ExecFilter,
) -> Result<Vec<ExecTarget>, ExecError> {
    let names = compile_globs(&filter.names)?;
    // Assigned over the whole store, so anchors count even when they are
    // not selected themselves.
    let site_map = site::assign_sites(filter.site_pattern.as_deref(), devices)?;
    let mut out: Vec<ExecTarget> = devices
        .iter()
        .filter_map(|d| select_one(d, filter, names.as_ref(), site_map.as_ref()))
        .collect();
    out.sort_by_key(|t| (t.name.to_lowercase(), t.ip));
    let mut seen = HashSet::new();
    out.retain(|t| seen.insert(t.ip));
    Ok(out)
}

/// Whether a device with this status is a target at all: devices a walk
/// tried always, the never-logged-in ones on request, duplicates never.
fn status_wanted(status: DeviceStatus, include_unwalked: bool) -> bool {
    match status {
        DeviceStatus::Walked | DeviceStatus::Failed => true,
        DeviceStatus::NeighborOnly | DeviceStatus::Skipped | DeviceStatus::Filtered => {
            include_unwalked
        }
        DeviceStatus::Duplicate => false,
    }
}

/// `d` as a target when every criterion of `filter` holds (`names` and
/// `site_map` compiled from it).
fn select_one(
    d: &Device,
    filter: &ExecFilter,
    names: Option<&GlobSet>,
    site_map: Option<&SiteMap>,
) -> Option<ExecTarget> {
    if !status_wanted(d.status, filter.include_unwalked) {
        return None;
    }
    let ip = d.mgmt_ip.or_else(|| d.ips.iter().next().copied())?;
    if let Some(g) = names
        && !g.is_match(&d.hostname)
        && !d.hostname_raw.as_deref().is_some_and(|r| g.is_match(r))
    {
        return None;
    }
    if !filter.platforms.is_empty() && !d.platform.is_some_and(|p| filter.platforms.contains(&p)) {
        return None;
    }
    if !filter.cidrs.is_empty() && !filter.cidrs.iter().any(|n| n.contains(&ip)) {
        return None;
    }
    let site = match site_map {
        Some(m) => m.site(d.id).map(str::to_string),
        None => filter
            .sites
            .iter()
            .find(|s| site::hostname_in_site(&d.hostname, s))
            .cloned(),
    };
    if !filter.sites.is_empty()
        && !site
            .as_deref()
            .is_some_and(|s| filter.sites.iter().any(|w| w.eq_ignore_ascii_case(s)))
    {
        return None;
    }
    Some(ExecTarget {
        name: d.hostname.clone(),
        ip,
        platform: d.platform,
        site,
        last_status: d.status,
    })
}

/// Reads the store (which must exist; an executor never creates an empty
/// inventory) and selects its devices.
pub fn select_from_store(
    store: &StoreLocation,
    filter: &ExecFilter,
) -> Result<Vec<ExecTarget>, ExecError> {
    if let Some(path) = store.sqlite_path()
        && !path.exists()
    {
        return Err(ExecError::NoStore(path.to_path_buf()));
    }
    let reader = StoreReader::open(store)?;
    select_devices(&reader.devices()?, filter)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DeviceId;

    fn dev(id: i64, name: &str, ip: &str, platform: Option<Platform>, st: DeviceStatus) -> Device {
        let mut d = Device::new(DeviceId(id), name, st);
        d.mgmt_ip = Some(ip.parse().unwrap());
        d.platform = platform;
        d
    }

    fn names(t: &[ExecTarget]) -> Vec<&str> {
        t.iter().map(|t| t.name.as_str()).collect()
    }

    fn store() -> Vec<Device> {
        use DeviceStatus::*;
        use Platform::*;
        let mut no_ip = Device::new(DeviceId(9), "NYC-ACC-9", Walked);
        no_ip.platform = Some(CiscoIos);
        vec![
            dev(1, "NYC-CORE-01", "10.1.0.1", Some(CiscoNxos), Walked),
            dev(2, "nyc-acc-02", "10.1.1.2", Some(CiscoIos), Walked),
            dev(3, "NYC-ACC-01", "10.1.1.1", Some(CiscoXe), Failed),
            dev(4, "LON-CORE-1", "10.2.0.1", Some(CiscoNxos), Walked),
            dev(5, "LON-ACC-1", "10.2.1.1", None, Failed),
            dev(6, "SEP001122334455", "10.1.9.9", None, Filtered),
            dev(7, "NYC-FW-1", "10.1.0.9", Some(PaloaltoPanos), NeighborOnly),
            dev(8, "nyc-acc-02-old", "10.1.1.2", Some(CiscoIos), Walked),
            dev(10, "NYC-ACC-01", "10.1.1.77", Some(CiscoXe), Duplicate),
            dev(11, "NYCX-ACC-1", "10.3.1.1", Some(CiscoIos), Walked),
            no_ip,
        ]
    }

    #[test]
    fn name_globs_are_case_insensitive_and_skip_unreachable_records() {
        let f = ExecFilter {
            names: vec!["nyc-acc-*".into()],
            ..Default::default()
        };
        let t = select_devices(&store(), &f).unwrap();
        // Sorted by name; the duplicate, the one without an address and the
        // second record on 10.1.1.2 are not targets.
        assert_eq!(names(&t), vec!["NYC-ACC-01", "nyc-acc-02"]);
        assert_eq!(t[0].ip, "10.1.1.1".parse::<IpAddr>().unwrap());
        assert_eq!(t[0].last_status, DeviceStatus::Failed);

        let all = select_devices(&store(), &ExecFilter::default()).unwrap();
        assert_eq!(all.len(), 6, "{:?}", names(&all));
        assert!(!names(&all).contains(&"SEP001122334455"));
        assert!(!names(&all).contains(&"NYC-FW-1"));
        let wide = select_devices(
            &store(),
            &ExecFilter {
                include_unwalked: true,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(wide.len(), 8);
        assert!(names(&wide).contains(&"NYC-FW-1"));
    }

    #[test]
    fn platform_and_cidr_filters_combine() {
        let f = ExecFilter {
            platforms: vec![Platform::CiscoNxos, Platform::CiscoXe],
            cidrs: vec![parse_cidr("10.1.0.0/16").unwrap()],
            ..Default::default()
        };
        let t = select_devices(&store(), &f).unwrap();
        assert_eq!(names(&t), vec!["NYC-ACC-01", "NYC-CORE-01"]);
        let one = ExecFilter {
            cidrs: vec![parse_cidr("10.2.1.1").unwrap()],
            ..Default::default()
        };
        assert_eq!(
            names(&select_devices(&store(), &one).unwrap()),
            vec!["LON-ACC-1"]
        );
        assert!(parse_cidr("10.1.0.0/33").is_err());
        assert!(parse_cidr("not-an-ip").is_err());
    }

    #[test]
    fn sites_by_pattern_or_by_prefix() {
        let by_pattern = ExecFilter {
            sites: vec!["nyc".into()],
            site_pattern: Some("*-CORE-*".into()),
            ..Default::default()
        };
        let t = select_devices(&store(), &by_pattern).unwrap();
        assert_eq!(names(&t), vec!["NYC-ACC-01", "nyc-acc-02", "NYC-CORE-01"]);
        assert!(t.iter().all(|t| t.site.as_deref() == Some("NYC")));
        let by_prefix = ExecFilter {
            sites: vec!["LON".into()],
            ..Default::default()
        };
        let t = select_devices(&store(), &by_prefix).unwrap();
        assert_eq!(names(&t), vec!["LON-ACC-1", "LON-CORE-1"]);
        // NYCX is not NYC.
        let nyc = ExecFilter {
            sites: vec!["NYC".into()],
            ..Default::default()
        };
        assert!(!names(&select_devices(&store(), &nyc).unwrap()).contains(&"NYCX-ACC-1"));
        let bad = ExecFilter {
            site_pattern: Some("CORE".into()),
            ..Default::default()
        };
        assert!(matches!(
            select_devices(&store(), &bad),
            Err(ExecError::SitePattern(_))
        ));
        let bad_glob = ExecFilter {
            names: vec!["nyc-[".into()],
            ..Default::default()
        };
        assert!(matches!(
            select_devices(&store(), &bad_glob),
            Err(ExecError::Glob { .. })
        ));
    }
}
