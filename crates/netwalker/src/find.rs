//! `netwalker find`: where is this MAC or address? The MACs a query
//! names (itself, or those that answered for an address), each located by
//! the edge-port rule over the whole stored network ([`EndHostMap`]), with
//! its addresses, vendor and where it was seen before.

use crate::endhosts::{EndHost, EndHostMap};
use crate::model::{DeviceId, DeviceNames, InventoryEndHost, MacAddr, UnixTime};
use crate::store::{StoreError, StoreReader};
use serde::Serialize;
use std::collections::BTreeSet;
use std::net::IpAddr;

/// What a user asked for, as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// A MAC in any common notation (`aabb.ccdd.eeff`, `AA:BB:..`, `aa-bb-..`).
    Mac(MacAddr),
    /// An IPv4 or IPv6 address.
    Ip(IpAddr),
    /// Anything else: a host name, for the caller to resolve to addresses.
    Name(String),
}

impl Query {
    /// A MAC if it reads as one, else an address, else a name.
    pub fn parse(s: &str) -> Query {
        let s = s.trim();
        if let Some(m) = device_parsers::parse_mac(s) {
            Query::Mac(m)
        } else if let Ok(ip) = s.trim_matches(['[', ']']).parse() {
            Query::Ip(ip)
        } else {
            Query::Name(s.to_string())
        }
    }
}

/// One host found: its inventory record and its past places.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
pub struct FoundHost {
    /// As in inventory.json's `endhosts`.
    #[serde(flatten)]
    pub host: InventoryEndHost,
    /// Where it was learnt before its switches' latest walks: "where was
    /// it last week". Most recent first.
    pub history: Vec<PastSighting>,
}

/// A place a host was learnt at an earlier walk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
pub struct PastSighting {
    /// Hostname of the switch.
    pub switch: String,
    /// The port, long form.
    pub port: String,
    /// Its VLAN there.
    pub vlan: Option<u16>,
    /// Whether the port trunked (then it was behind another switch).
    pub trunk: bool,
    /// The first walk that saw it there, Unix seconds.
    pub first_seen: UnixTime,
    /// The last walk that saw it there, Unix seconds.
    pub last_seen: UnixTime,
}

/// Every host the MACs in `macs` and the addresses in `ips` lead to, by MAC.
/// Empty when the store has never seen any of them.
pub fn find(
    store: &StoreReader,
    macs: &[MacAddr],
    ips: &[IpAddr],
) -> Result<Vec<FoundHost>, StoreError> {
    let store = &store.snapshot()?;
    let devices = store.devices()?;
    let links = store.links()?;
    let rows = store.endhost_rows()?;
    let ip_set: BTreeSet<IpAddr> = ips.iter().copied().collect();
    let wanted: BTreeSet<MacAddr> = macs
        .iter()
        .copied()
        .chain(
            rows.ip_macs
                .iter()
                .filter(|p| ip_set.contains(&p.ip))
                .map(|p| p.mac),
        )
        .collect();
    let map = EndHostMap::new(&devices, &links, &rows);
    let names = DeviceNames::of(&devices);
    let name_of = |id: DeviceId| names.name(id);
    let mut out = Vec::new();
    for mac in wanted {
        let seen: Vec<_> = rows
            .sightings
            .iter()
            .filter(|s| s.mac == mac)
            .cloned()
            .collect();
        let cached: Vec<_> = rows
            .ip_macs
            .iter()
            .filter(|p| p.mac == mac)
            .cloned()
            .collect();
        if seen.is_empty() && cached.is_empty() {
            continue;
        }
        let host = EndHost::new(mac, &seen, cached, &map);
        let history = seen
            .iter()
            .filter(|s| !map.is_current(s))
            .map(|s| PastSighting {
                switch: name_of(s.device),
                port: s.port.clone(),
                vlan: s.vlan,
                trunk: s.trunk,
                first_seen: s.first_seen,
                last_seen: s.last_seen,
            })
            .collect();
        out.push(FoundHost {
            host: host.to_inventory(&name_of),
            history,
        });
    }
    Ok(out)
}

/// The hosts as a person reads them; device-controlled strings made safe
/// for a terminal.
pub fn render_text(hosts: &[FoundHost]) -> String {
    use crate::model::EndHostStatus;
    use crate::stamp::format_time;
    use crate::term::safe;
    use std::fmt::Write as _;
    let mut o = String::new();
    for f in hosts {
        let h = &f.host;
        let vendor = h.vendor.as_deref().map(|v| format!(" ({})", safe(v)));
        let _ = writeln!(o, "{}{}", h.mac, vendor.unwrap_or_default());
        let vlan = |v: Option<u16>| v.map(|v| format!(", VLAN {v}")).unwrap_or_default();
        match h.status {
            EndHostStatus::Located => {
                let switch = h.switch.as_deref().unwrap_or_default();
                let port = h.port.as_deref().unwrap_or_default();
                let _ = writeln!(
                    o,
                    "  located:   {} {}{}",
                    safe(switch),
                    safe(port),
                    vlan(h.vlan)
                );
                if let Some(r) = &h.reason {
                    let _ = writeln!(o, "             {}", safe(r));
                }
            }
            EndHostStatus::Ambiguous | EndHostStatus::Unknown => {
                let word = match h.status {
                    EndHostStatus::Ambiguous => "ambiguous",
                    _ => "not placed",
                };
                let reason = h.reason.as_deref().unwrap_or_default();
                let _ = writeln!(o, "  {word}: {}", safe(reason));
                for c in &h.candidates {
                    let vlans: Vec<String> = c.vlans.iter().map(u16::to_string).collect();
                    let _ = writeln!(
                        o,
                        "    {} {} VLAN {}, last seen {}",
                        safe(&c.switch),
                        safe(&c.port),
                        vlans.join(","),
                        format_time(c.last_seen)
                    );
                }
            }
        }
        let ips: Vec<String> = h.ips.iter().map(IpAddr::to_string).collect();
        let ips = if ips.is_empty() {
            "none cached".to_string()
        } else {
            ips.join(", ")
        };
        let _ = writeln!(o, "  addresses: {ips}");
        if let (Some(a), Some(b)) = (h.first_seen, h.last_seen) {
            let _ = writeln!(o, "  seen:      {} to {}", format_time(a), format_time(b));
        }
        for p in &f.history {
            let _ = writeln!(
                o,
                "  earlier:   {} {}{}{}, last seen {}",
                safe(&p.switch),
                safe(&p.port),
                vlan(p.vlan),
                if p.trunk { " (trunk)" } else { "" },
                format_time(p.last_seen)
            );
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_read_as_mac_then_address_then_name() {
        let m = MacAddr([0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]);
        for s in [
            "aabb.ccdd.eeff",
            "AA:BB:CC:DD:EE:FF",
            "aa-bb-cc-dd-ee-ff",
            " aabbccddeeff ",
        ] {
            assert_eq!(Query::parse(s), Query::Mac(m), "{s}");
        }
        assert_eq!(
            Query::parse("10.0.0.1"),
            Query::Ip("10.0.0.1".parse().unwrap())
        );
        assert_eq!(
            Query::parse("[fd00::a]"),
            Query::Ip("fd00::a".parse().unwrap())
        );
        assert_eq!(
            Query::parse("printer-3.example"),
            Query::Name("printer-3.example".into())
        );
        // Twelve hex digits that are also a word stay a MAC; "cafe" is a name.
        assert_eq!(Query::parse("cafe"), Query::Name("cafe".into()));
    }
}
