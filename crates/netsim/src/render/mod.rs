//! What a simulated device prints for each command.
//!
//! Outputs are rendered on demand from the topology (nothing is cached per
//! device), which keeps a 1,000-device lab small in memory and guarantees that
//! both ends of a link tell the same story. Formats follow the raw captures in
//! the ntc-templates corpus, including the quirks real tools trip on (NX-OS GPL
//! text, IOS-XE licence blocks, NX-OS `Device ID` with the serial in
//! parentheses, lldpd's JSON that is an object for one interface and an array
//! for several).
//!
//! This file matches commands and dispatches them; each platform's outputs
//! live in its own file (`ios`, `xe`, `nxos`, `panos`, `linux`), tables the
//! Cisco platforms share in `cisco`, and what a device advertises to its
//! neighbours in `neighbor`; what end hosts put in MAC tables, switchport
//! state and ARP/neighbour caches in `endhosts`.

mod cisco;
mod descriptions;
mod endhosts;
mod ios;
mod linux;
mod neighbor;
mod nxos;
mod panos;
mod xe;

use crate::topology::{DeviceSpec, Protocol, TopologyIndex};
use device_platform::Platform;

/// A command a simulated device understands, after abbreviation matching.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    ShowVersion,
    ShowCdpNeighborsDetail,
    ShowCdpNeighbors,
    ShowLldpNeighborsDetail,
    ShowLldpNeighbors,
    ShowInventory,
    ShowSwitch,
    ShowSwitchDetail,
    ShowModule,
    ShowVlanBrief,
    ShowVlan,
    ShowInterfacesStatus,
    ShowIpInterfaceBrief,
    ShowInterfacesDescription,
    ShowClock,
    ShowSystemInfo,
    ShowHaState,
    LldpcliJson,
    LldpcliText,
    Hostname,
    Uname,
    OsRelease,
    ProductSerial,
    ShowMacAddressTable,
    ShowMacAddressTableDynamic,
    ShowInterfacesSwitchport,
    ShowPortChannelSummary,
    ShowIpArp,
    ShowIpv6Neighbors,
    ShowArpAll,
    IpNeigh,
}

/// Full words of each command per platform. Input is matched word by word
/// against these with Cisco-style unique-prefix abbreviation (`sh cdp nei det`).
pub fn command_table(platform: Platform) -> &'static [(&'static str, Command)] {
    use Command::*;
    match platform {
        Platform::CiscoIos | Platform::CiscoXe => &[
            ("show version", ShowVersion),
            ("show cdp neighbors detail", ShowCdpNeighborsDetail),
            ("show cdp neighbors", ShowCdpNeighbors),
            ("show lldp neighbors detail", ShowLldpNeighborsDetail),
            ("show lldp neighbors", ShowLldpNeighbors),
            ("show inventory", ShowInventory),
            ("show switch detail", ShowSwitchDetail),
            ("show switch", ShowSwitch),
            ("show module", ShowModule),
            ("show vlan brief", ShowVlanBrief),
            ("show vlan", ShowVlan),
            ("show interfaces status", ShowInterfacesStatus),
            ("show interfaces description", ShowInterfacesDescription),
            ("show ip interface brief", ShowIpInterfaceBrief),
            ("show clock", ShowClock),
            ("show mac address-table dynamic", ShowMacAddressTableDynamic),
            ("show mac address-table", ShowMacAddressTable),
            ("show interfaces switchport", ShowInterfacesSwitchport),
            ("show etherchannel summary", ShowPortChannelSummary),
            ("show ip arp", ShowIpArp),
            ("show ipv6 neighbors", ShowIpv6Neighbors),
        ],
        Platform::CiscoNxos => &[
            ("show version", ShowVersion),
            ("show cdp neighbors detail", ShowCdpNeighborsDetail),
            ("show cdp neighbors", ShowCdpNeighbors),
            ("show lldp neighbors detail", ShowLldpNeighborsDetail),
            ("show lldp neighbors", ShowLldpNeighbors),
            ("show inventory", ShowInventory),
            ("show module", ShowModule),
            ("show vlan brief", ShowVlanBrief),
            ("show vlan", ShowVlan),
            ("show interface status", ShowInterfacesStatus),
            ("show interfaces status", ShowInterfacesStatus),
            ("show interface description", ShowInterfacesDescription),
            ("show interfaces description", ShowInterfacesDescription),
            ("show ip interface brief", ShowIpInterfaceBrief),
            ("show clock", ShowClock),
            ("show mac address-table dynamic", ShowMacAddressTableDynamic),
            ("show mac address-table", ShowMacAddressTable),
            ("show interface switchport", ShowInterfacesSwitchport),
            ("show interfaces switchport", ShowInterfacesSwitchport),
            ("show port-channel summary", ShowPortChannelSummary),
            ("show ip arp vrf all", ShowIpArp),
            ("show ip arp", ShowIpArp),
            ("show ipv6 neighbor vrf all", ShowIpv6Neighbors),
            ("show ipv6 neighbor", ShowIpv6Neighbors),
        ],
        Platform::PaloaltoPanos => &[
            ("show system info", ShowSystemInfo),
            ("show high-availability state", ShowHaState),
            ("show clock", ShowClock),
            ("show arp all", ShowArpAll),
        ],
        Platform::Linux => &[
            ("lldpcli -f json show neighbors details", LldpcliJson),
            ("lldpcli -f json show neighbors detail", LldpcliJson),
            ("lldpcli show neighbors details", LldpcliText),
            ("lldpcli show neighbors detail", LldpcliText),
            ("hostname", Hostname),
            ("uname -a", Uname),
            ("cat /etc/os-release", OsRelease),
            ("cat /sys/class/dmi/id/product_serial", ProductSerial),
            ("ip -j neigh", IpNeigh),
            ("ip -j neigh show", IpNeigh),
            ("ip -j neighbor", IpNeigh),
            ("ip -j neighbor show", IpNeigh),
        ],
    }
}

/// Matches typed input against the platform's commands. Cisco platforms accept
/// unique prefixes of each word; PAN-OS and Linux need whole words, as they do.
pub fn match_command(platform: Platform, input: &str) -> Option<Command> {
    let words: Vec<&str> = input.split_whitespace().collect();
    if words.is_empty() {
        return None;
    }
    let abbreviate = matches!(
        platform,
        Platform::CiscoIos | Platform::CiscoXe | Platform::CiscoNxos
    );
    command_table(platform).iter().find_map(|(full, cmd)| {
        let full_words: Vec<&str> = full.split(' ').collect();
        if full_words.len() != words.len() {
            return None;
        }
        let ok = words.iter().zip(&full_words).all(|(w, f)| {
            if abbreviate {
                !w.is_empty() && f.len() >= w.len() && f[..w.len()].eq_ignore_ascii_case(w)
            } else {
                w == f
            }
        });
        ok.then_some(*cmd)
    })
}

/// Renders `cmd` for device `idx`. `None` when the platform does not have it.
pub fn render(topo: &TopologyIndex, idx: usize, cmd: Command) -> Option<String> {
    let d = topo.device(idx);
    let p = d.platform;
    use Command::*;
    if let Some(answer) = switched_off(d, cmd) {
        return answer;
    }
    let text = match (cmd, p) {
        (ShowVersion, Platform::CiscoIos) => ios::version(d),
        (ShowVersion, Platform::CiscoXe) => xe::version(d),
        (ShowVersion, Platform::CiscoNxos) => nxos::version(d),
        (ShowCdpNeighborsDetail, Platform::CiscoNxos) => nxos::cdp_detail(topo, idx),
        (ShowCdpNeighborsDetail, _) => ios::cdp_detail(topo, idx),
        (ShowCdpNeighbors, _) => cisco::cdp_brief(topo, idx),
        (ShowLldpNeighborsDetail, Platform::CiscoNxos) => nxos::lldp_detail(topo, idx),
        (ShowLldpNeighborsDetail, _) => ios::lldp_detail(topo, idx),
        (ShowLldpNeighbors, _) => cisco::lldp_brief(topo, idx),
        (ShowInventory, Platform::CiscoNxos) => nxos::inventory(d),
        (ShowInventory, _) => ios::inventory(d),
        (ShowSwitch, _) => ios::switch(d),
        (ShowSwitchDetail, _) => ios::switch_detail(d),
        (ShowModule, Platform::CiscoNxos) => nxos::module(d),
        (ShowModule, _) => ios::module(d),
        (ShowVlanBrief, _) => cisco::vlans(topo, idx, false),
        (ShowVlan, _) => cisco::vlans(topo, idx, p == Platform::CiscoNxos),
        (ShowInterfacesStatus, Platform::CiscoNxos) => nxos::interfaces_status(topo, idx),
        (ShowInterfacesStatus, _) => ios::interfaces_status(topo, idx),
        (ShowIpInterfaceBrief, Platform::CiscoNxos) => nxos::ip_brief(topo, idx),
        (ShowIpInterfaceBrief, _) => ios::ip_brief(topo, idx),
        (ShowInterfacesDescription, Platform::CiscoNxos) => nxos::descriptions(topo, idx),
        (ShowInterfacesDescription, _) => ios::descriptions(topo, idx),
        (ShowClock, Platform::PaloaltoPanos) => panos::clock(),
        (ShowClock, _) => cisco::clock(),
        (ShowSystemInfo, _) => panos::system_info(d),
        (ShowHaState, _) => panos::ha_state(),
        (LldpcliJson, _) => linux::lldpcli_json(topo, idx),
        (LldpcliText, _) => linux::lldpcli_text(topo, idx),
        (Hostname, _) => linux::hostname(d),
        (Uname, _) => linux::uname(d),
        (OsRelease, _) => linux::os_release(d),
        (ProductSerial, _) => linux::product_serial(d),
        (ShowMacAddressTable, Platform::CiscoNxos) => endhosts::nxos_mac_table(topo, idx, false),
        (ShowMacAddressTable, _) => endhosts::ios_mac_table(topo, idx, false),
        (ShowMacAddressTableDynamic, Platform::CiscoNxos) => {
            endhosts::nxos_mac_table(topo, idx, true)
        }
        (ShowMacAddressTableDynamic, _) => endhosts::ios_mac_table(topo, idx, true),
        (ShowInterfacesSwitchport, Platform::CiscoNxos) => endhosts::nxos_switchport(topo, idx),
        (ShowInterfacesSwitchport, _) => endhosts::ios_switchport(topo, idx),
        (ShowPortChannelSummary, Platform::CiscoNxos) => endhosts::NXOS_PORT_CHANNEL_SUMMARY.into(),
        (ShowPortChannelSummary, _) => endhosts::IOS_ETHERCHANNEL_SUMMARY.into(),
        (ShowIpArp, Platform::CiscoNxos) => endhosts::nxos_arp(topo, idx),
        (ShowIpArp, _) => endhosts::ios_arp(topo, idx),
        (ShowIpv6Neighbors, Platform::CiscoNxos) => endhosts::nxos_ipv6_neighbors(topo, idx),
        (ShowIpv6Neighbors, _) => endhosts::ios_ipv6_neighbors(topo, idx),
        (ShowArpAll, _) => endhosts::panos_arp(topo, idx),
        (IpNeigh, _) => endhosts::linux_neigh(topo, idx),
        _ => return None,
    };
    Some(text)
}

/// What a device whose configuration switched a protocol off answers to
/// that protocol's commands, as the real ones do: IOS and IOS-XE say so,
/// NX-OS without `feature lldp` does not know the command at all.
/// `None`: the quirks do not concern this command.
fn switched_off(d: &DeviceSpec, cmd: Command) -> Option<Option<String>> {
    use Command::*;
    let proto = match cmd {
        ShowCdpNeighborsDetail | ShowCdpNeighbors => Protocol::Cdp,
        ShowLldpNeighborsDetail | ShowLldpNeighbors => Protocol::Lldp,
        _ => return None,
    };
    if !crate::topology::silenced(d, proto) {
        return None;
    }
    Some(match (proto, d.platform) {
        (Protocol::Lldp, Platform::CiscoNxos) => None,
        (Protocol::Lldp, _) => Some("% LLDP is not enabled\n".to_string()),
        (Protocol::Cdp, _) => Some("% CDP is not enabled\n".to_string()),
    })
}

/// A stable pseudo-random number from a string, so uptimes and MACs differ
/// per device but never between runs.
fn stable_hash(s: &str) -> u64 {
    // FNV-1a: tiny, stable across Rust versions (unlike DefaultHasher).
    let mut h: u64 = 0xcbf29ce484222325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

/// Cisco dotted MAC (`5087.89a1.d8d6`) derived from the device's identity.
pub fn chassis_mac(d: &DeviceSpec) -> String {
    let o = d.mgmt_ip.octets();
    let h = stable_hash(&d.serial);
    format!(
        "{:02x}{:02x}.{:02x}{:02x}.{:02x}{:02x}",
        0x50 | (h as u8 & 0x0c),
        (h >> 8) as u8,
        o[1],
        (h >> 16) as u8,
        o[2],
        o[3]
    )
}

fn colon_mac(dotted: &str) -> String {
    let hex: String = dotted.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    hex.as_bytes()
        .chunks(2)
        .map(|c| std::str::from_utf8(c).unwrap_or("00"))
        .collect::<Vec<_>>()
        .join(":")
}

fn uptime_parts(d: &DeviceSpec) -> (u64, u64, u64, u64) {
    let h = stable_hash(&d.hostname);
    let weeks = h % 80;
    let days = (h >> 8) % 7;
    let hours = (h >> 16) % 24;
    let minutes = (h >> 24) % 60;
    (weeks, days, hours, minutes)
}

/// Long interface name -> the short form IOS prints in tables (`Gi1/0/1`).
pub fn short_ifname(name: &str) -> String {
    const MAP: &[(&str, &str)] = &[
        ("TwentyFiveGigE", "Twe"),
        ("TwoGigabitEthernet", "Tw"),
        ("HundredGigE", "Hu"),
        ("FortyGigabitEthernet", "Fo"),
        ("TenGigabitEthernet", "Te"),
        ("GigabitEthernet", "Gi"),
        ("FastEthernet", "Fa"),
        ("Port-channel", "Po"),
        ("port-channel", "Po"),
        ("Ethernet", "Eth"),
    ];
    for (long, short) in MAP {
        if let Some(rest) = name.strip_prefix(long) {
            return format!("{short}{rest}");
        }
    }
    name.to_string()
}

fn members_or_self(d: &DeviceSpec) -> Vec<(u32, String, String)> {
    if d.stack.is_empty() {
        vec![(1, d.model.clone(), d.serial.clone())]
    } else {
        d.stack
            .iter()
            .map(|m| (m.switch, m.model.clone(), m.serial.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::Topology;

    /// A core (NX-OS), an access switch (IOS) and a phone, linked; the
    /// platform files' tests use it too.
    pub(super) fn lab() -> TopologyIndex {
        TopologyIndex::new(
            Topology::from_toml_str(
                r#"
domain = "lab.example"
[[device]]
hostname = "core1"
platform = "cisco_nxos"
mgmt_ip = "127.1.0.1"
serial = "SAL1819S6LU"
model = "C9396PX"
version = "9.3(9)"
[[device]]
hostname = "acc1"
platform = "cisco_ios"
mgmt_ip = "127.1.0.2"
serial = "FOC1234X0AB"
model = "WS-C2960X-48FPD-L"
version = "15.2(7)E4"
[[device.vlan]]
id = 10
name = "USERS"
ports = ["GigabitEthernet1/0/1", "GigabitEthernet1/0/2"]
[[device]]
hostname = "SEP001122334455"
platform = "cisco_ios"
kind = "phone"
transports = "none"
mgmt_ip = "127.1.0.3"
serial = "PHONE1"
model = "CP-8845"
version = "sip88xx.14-1-1"
cdp_platform = "Cisco IP Phone 8845"
[[link]]
a = "core1"
a_interface = "Ethernet1/1"
b = "acc1"
b_interface = "GigabitEthernet1/0/49"
[[link]]
a = "acc1"
a_interface = "GigabitEthernet1/0/1"
b = "SEP001122334455"
b_interface = "Port 1"
protocols = ["cdp"]
"#,
            )
            .unwrap(),
        )
    }

    #[test]
    fn abbreviations_match_like_ios() {
        let p = Platform::CiscoIos;
        assert_eq!(
            match_command(p, "sh cdp nei det"),
            Some(Command::ShowCdpNeighborsDetail)
        );
        assert_eq!(
            match_command(p, "show cdp neighbors"),
            Some(Command::ShowCdpNeighbors)
        );
        assert_eq!(match_command(p, "SHOW VER"), Some(Command::ShowVersion));
        assert_eq!(match_command(p, "show bogus"), None);
        assert_eq!(match_command(p, "show version extra"), None);
        assert_eq!(
            match_command(Platform::Linux, "lldpcli -f json show neighbors details"),
            Some(Command::LldpcliJson)
        );
        assert_eq!(
            match_command(Platform::Linux, "lldpcli -f json sh nei det"),
            None
        );
    }

    #[test]
    fn both_ends_of_a_link_agree() {
        let t = lab();
        let core = t.index_of("core1").unwrap();
        let acc = t.index_of("acc1").unwrap();
        let core_cdp = render(&t, core, Command::ShowCdpNeighborsDetail).unwrap();
        assert!(
            core_cdp.contains("Device ID:acc1.lab.example"),
            "{core_cdp}"
        );
        assert!(
            core_cdp
                .contains("Interface: Ethernet1/1, Port ID (outgoing port): GigabitEthernet1/0/49")
        );
        assert!(core_cdp.contains("IPv4 Address: 127.1.0.2"));
        let acc_cdp = render(&t, acc, Command::ShowCdpNeighborsDetail).unwrap();
        assert!(
            acc_cdp.contains("Device ID: core1.lab.example"),
            "{acc_cdp}"
        );
        assert!(
            acc_cdp.contains(
                "Interface: GigabitEthernet1/0/49,  Port ID (outgoing port): Ethernet1/1"
            )
        );
        assert!(acc_cdp.contains("Platform: Cisco IP Phone 8845,  Capabilities: Host Phone"));
        assert!(acc_cdp.contains("Total cdp entries displayed : 2"));
        // The phone link is CDP-only, so LLDP shows just the core.
        let acc_lldp = render(&t, acc, Command::ShowLldpNeighborsDetail).unwrap();
        assert!(acc_lldp.contains("Local Intf: Gi1/0/49"));
        assert!(acc_lldp.contains("Port id: Ethernet1/1"));
        assert!(acc_lldp.contains("Total entries displayed: 1"));
        let core_lldp = render(&t, core, Command::ShowLldpNeighborsDetail).unwrap();
        assert!(core_lldp.contains("Port id: Gi1/0/49"));
        assert!(core_lldp.contains("Local Port id: Eth1/1"));
        assert!(core_lldp.contains("Management Address: 127.1.0.2"));
    }
}
