//! How inventory facts are named in NetBox: slugs, manufacturers,
//! platforms, roles and interface types. Pure lookups.

use device_parsers::Platform;

/// A NetBox slug (`[-a-z0-9_]`, at most 100 characters): lower case,
/// anything else becomes `-`, runs collapsed, ends trimmed; `x` when
/// nothing is left.
pub fn slugify(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        let c = if c.is_ascii_alphanumeric() || c == '_' {
            c
        } else {
            '-'
        };
        if !(c == '-' && (out.is_empty() || out.ends_with('-'))) {
            out.push(c);
        }
        if out.len() >= 100 {
            break;
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() { "x".into() } else { out }
}

/// The manufacturer of a device on `platform`.
pub fn manufacturer(platform: Option<Platform>) -> &'static str {
    match platform {
        Some(Platform::CiscoIos | Platform::CiscoXe | Platform::CiscoNxos) => "Cisco",
        Some(Platform::PaloaltoPanos) => "Palo Alto Networks",
        Some(Platform::Linux) => "Generic",
        None => "Unknown",
    }
}

/// The NetBox platform's name for ours (its slug is [`slugify`] of it).
pub fn platform_name(p: Platform) -> &'static str {
    match p {
        Platform::CiscoIos => "Cisco IOS",
        Platform::CiscoXe => "Cisco IOS-XE",
        Platform::CiscoNxos => "Cisco NX-OS",
        Platform::PaloaltoPanos => "PAN-OS",
        Platform::Linux => "Linux",
    }
}

/// A device role from what the device is and says it can do: a PAN-OS box
/// is a firewall, a Linux host a server; otherwise its CDP/LLDP
/// capabilities (a switch that routes is a switch).
pub fn role(platform: Option<Platform>, capabilities: &[String]) -> (&'static str, &'static str) {
    let has = |w: &str| capabilities.iter().any(|c| c.eq_ignore_ascii_case(w));
    match platform {
        Some(Platform::PaloaltoPanos) => ("Firewall", "f44336"),
        Some(Platform::Linux) => ("Server", "9e9e9e"),
        _ if has("switch") || has("bridge") => ("Switch", "4caf50"),
        _ if has("router") => ("Router", "2196f3"),
        Some(Platform::CiscoNxos) => ("Switch", "4caf50"),
        _ => ("Network Device", "607d8b"),
    }
}

/// NetBox's interface type for an interface name (long form): the speed
/// its name says, `lag` for a port-channel, `virtual` for SVIs, loopbacks
/// and tunnels, else `other`.
pub fn interface_type(name: &str) -> &'static str {
    const BY_PREFIX: &[(&str, &str)] = &[
        ("hundredgig", "100gbase-x-qsfp28"),
        ("fortygig", "40gbase-x-qsfpp"),
        ("twentyfivegig", "25gbase-x-sfp28"),
        ("tengig", "10gbase-x-sfpp"),
        ("fivegig", "5gbase-t"),
        ("twogig", "2.5gbase-t"),
        ("gigabitethernet", "1000base-t"),
        ("fastethernet", "100base-tx"),
        ("port-channel", "lag"),
        ("ae", "lag"),
        ("vlan", "virtual"),
        ("loopback", "virtual"),
        ("tunnel", "virtual"),
        ("lo", "virtual"),
        ("ethernet", "10gbase-x-sfpp"),
        ("eth", "1000base-t"),
        ("ens", "1000base-t"),
        ("enp", "1000base-t"),
        ("mgmt", "1000base-t"),
    ];
    let lower = name.to_ascii_lowercase();
    BY_PREFIX
        .iter()
        .find(|(p, _)| lower.starts_with(p))
        .map_or("other", |(_, t)| t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_netbox_slugs() {
        assert_eq!(slugify("WS-C3750G-24PS"), "ws-c3750g-24ps");
        assert_eq!(slugify("Cisco IOS-XE"), "cisco-ios-xe");
        assert_eq!(slugify("  NYC / core  "), "nyc-core");
        assert_eq!(slugify("\u{1b}[2J"), "2j");
        assert_eq!(slugify("***"), "x");
        assert_eq!(slugify(&"a".repeat(300)).len(), 100);
        assert!(
            slugify("Zürich_1")
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
    }

    #[test]
    fn roles_and_types() {
        let caps = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            role(Some(Platform::CiscoIos), &caps(&["Router", "Switch"])).0,
            "Switch"
        );
        assert_eq!(
            role(Some(Platform::CiscoXe), &caps(&["Router"])).0,
            "Router"
        );
        assert_eq!(role(Some(Platform::PaloaltoPanos), &[]).0, "Firewall");
        assert_eq!(interface_type("GigabitEthernet1/0/1"), "1000base-t");
        assert_eq!(interface_type("TenGigabitEthernet1/1/1"), "10gbase-x-sfpp");
        assert_eq!(interface_type("Port-channel10"), "lag");
        assert_eq!(interface_type("Vlan10"), "virtual");
        assert_eq!(interface_type("Ethernet1/49"), "10gbase-x-sfpp");
        assert_eq!(interface_type("weird0"), "other");
    }
}
