//! What a simulated device prints for each command.
//!
//! Outputs are rendered on demand from the topology (nothing is cached per
//! device), which keeps a 1,000-device lab small in memory and guarantees that
//! both ends of a link tell the same story. Formats follow the raw captures in
//! the ntc-templates corpus, including the quirks real tools trip on (NX-OS GPL
//! text, IOS-XE licence blocks, NX-OS `Device ID` with the serial in
//! parentheses, lldpd's JSON that is an object for one interface and an array
//! for several).

use crate::topology::{DeviceKind, DeviceSpec, LinkEnd, Protocol, TopologyIndex};
use device_platform::Platform;
use std::fmt::Write as _;

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
    ShowClock,
    ShowSystemInfo,
    ShowHaState,
    LldpcliJson,
    LldpcliText,
    Hostname,
    Uname,
    OsRelease,
    ProductSerial,
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
            ("show ip interface brief", ShowIpInterfaceBrief),
            ("show clock", ShowClock),
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
            ("show ip interface brief", ShowIpInterfaceBrief),
            ("show clock", ShowClock),
        ],
        Platform::PaloaltoPanos => &[
            ("show system info", ShowSystemInfo),
            ("show high-availability state", ShowHaState),
            ("show clock", ShowClock),
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
        (ShowVersion, Platform::CiscoIos) => ios_version(d),
        (ShowVersion, Platform::CiscoXe) => xe_version(d),
        (ShowVersion, Platform::CiscoNxos) => nxos_version(d),
        (ShowCdpNeighborsDetail, Platform::CiscoNxos) => nxos_cdp_detail(topo, idx),
        (ShowCdpNeighborsDetail, _) => ios_cdp_detail(topo, idx),
        (ShowCdpNeighbors, _) => cdp_brief(topo, idx),
        (ShowLldpNeighborsDetail, Platform::CiscoNxos) => nxos_lldp_detail(topo, idx),
        (ShowLldpNeighborsDetail, _) => ios_lldp_detail(topo, idx),
        (ShowLldpNeighbors, _) => lldp_brief(topo, idx),
        (ShowInventory, _) => inventory(d),
        (ShowSwitch, _) => show_switch(d),
        (ShowSwitchDetail, _) => show_switch_detail(d),
        (ShowModule, _) => show_module(d),
        (ShowVlanBrief, _) => vlans(topo, idx, false),
        (ShowVlan, _) => vlans(topo, idx, p == Platform::CiscoNxos),
        (ShowInterfacesStatus, Platform::CiscoNxos) => nxos_interfaces_status(topo, idx),
        (ShowInterfacesStatus, _) => ios_interfaces_status(topo, idx),
        (ShowIpInterfaceBrief, Platform::CiscoNxos) => nxos_ip_brief(topo, idx),
        (ShowIpInterfaceBrief, _) => ios_ip_brief(topo, idx),
        (ShowClock, Platform::PaloaltoPanos) => "Mon Nov 23 16:00:00 UTC 2026\n".to_string(),
        (ShowClock, _) => "*16:00:00.000 UTC Mon Nov 23 2026\n".to_string(),
        (ShowSystemInfo, _) => panos_system_info(d),
        (ShowHaState, _) => "HA not enabled\n".to_string(),
        (LldpcliJson, _) => lldpcli_json(topo, idx),
        (LldpcliText, _) => lldpcli_text(topo, idx),
        (Hostname, _) => format!("{}\n", d.hostname),
        (Uname, _) => format!(
            "Linux {} 6.1.0-26-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.112-1 (2024-09-30) x86_64 GNU/Linux\n",
            d.hostname
        ),
        (OsRelease, _) => format!(
            "PRETTY_NAME=\"{v}\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nID=debian\n",
            v = d.version
        ),
        (ProductSerial, _) => format!("{}\n", d.serial),
        _ => return None,
    };
    Some(text)
}

// ---------------------------------------------------------------- helpers

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

fn ios_uptime(d: &DeviceSpec) -> String {
    let (w, dd, h, m) = uptime_parts(d);
    let years = w / 52;
    let w = w % 52;
    let mut s = String::new();
    if years > 0 {
        let _ = write!(s, "{years} year{}, ", if years == 1 { "" } else { "s" });
    }
    let _ = write!(
        s,
        "{w} week{}, {dd} day{}, {h} hour{}, {m} minute{}",
        if w == 1 { "" } else { "s" },
        if dd == 1 { "" } else { "s" },
        if h == 1 { "" } else { "s" },
        if m == 1 { "" } else { "s" }
    );
    s
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

fn fqdn(topo: &TopologyIndex, d: &DeviceSpec) -> String {
    match (topo.domain(), d.kind.is_leaf()) {
        (Some(dom), false) => format!("{}.{}", d.hostname, dom),
        _ => d.hostname.clone(),
    }
}

fn cdp_platform(d: &DeviceSpec) -> String {
    if let Some(p) = &d.cdp_platform {
        return p.clone();
    }
    match d.platform {
        Platform::CiscoNxos => format!("N9K-{}", d.model),
        Platform::Linux => "Linux".to_string(),
        Platform::PaloaltoPanos => format!("Palo Alto Networks {}", d.model),
        _ => format!("cisco {}", d.model),
    }
}

fn cdp_capabilities(d: &DeviceSpec) -> &'static str {
    match (d.kind, d.platform) {
        (DeviceKind::Phone, _) => "Host Phone Two-port Mac Relay",
        (DeviceKind::AccessPoint, _) => "Trans-Bridge Source-Route-Bridge IGMP",
        (DeviceKind::Camera | DeviceKind::Printer | DeviceKind::Host, _) => "Host",
        (DeviceKind::Router, _) => "Router Source-Route-Bridge",
        (DeviceKind::Firewall, _) => "Router",
        (_, Platform::CiscoNxos) => "Router Switch IGMP Filtering Supports-STP-Dispute",
        _ => "Router Switch IGMP",
    }
}

/// LLDP (supported, enabled) capability letters.
fn lldp_capabilities(d: &DeviceSpec) -> (&'static str, &'static str) {
    match d.kind {
        DeviceKind::Phone => ("B,T", "B,T"),
        DeviceKind::AccessPoint => ("B,W", "W"),
        DeviceKind::Camera | DeviceKind::Printer | DeviceKind::Host => ("S", "S"),
        DeviceKind::Router | DeviceKind::Firewall => ("R", "R"),
        _ => ("B,R", "B,R"),
    }
}

/// Software description a neighbour advertises (CDP `Version :`, LLDP system description).
fn software_text(d: &DeviceSpec) -> String {
    match d.platform {
        Platform::CiscoIos => format!(
            "Cisco IOS Software, {fam} Software ({img}), Version {v}, RELEASE SOFTWARE (fc1)\nTechnical Support: http://www.cisco.com/techsupport\nCopyright (c) 1986-2023 by Cisco Systems, Inc.\nCompiled Tue 14-Mar-23 10:11 by prod_rel_team",
            fam = ios_family(&d.model),
            img = ios_image(&d.model),
            v = d.version
        ),
        Platform::CiscoXe => format!(
            "Cisco IOS Software [Cupertino], Catalyst L3 Switch Software (CAT9K_IOSXE), Version {v}, RELEASE SOFTWARE (fc3)\nTechnical Support: http://www.cisco.com/techsupport\nCopyright (c) 1986-2023 by Cisco Systems, Inc.\nCompiled Fri 20-Oct-23 10:44 by mcpre",
            v = d.version
        ),
        Platform::CiscoNxos => format!(
            "Cisco Nexus Operating System (NX-OS) Software, Version {}",
            d.version
        ),
        Platform::PaloaltoPanos => format!(
            "Palo Alto Networks {} firewall, PAN-OS {}",
            d.model, d.version
        ),
        Platform::Linux if !d.kind.is_leaf() => format!(
            "{} Linux 6.1.0-26-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.112-1 x86_64",
            d.version
        ),
        Platform::Linux => d.version.clone(),
    }
}

fn ios_family(model: &str) -> String {
    // WS-C2960X-48FPD-L -> C2960X
    let m = model.strip_prefix("WS-").unwrap_or(model);
    m.split('-').next().unwrap_or(m).to_string()
}

fn ios_image(model: &str) -> String {
    format!("{}-UNIVERSALK9-M", ios_family(model))
}

/// How the neighbour names its own port in LLDP `Port id`.
fn lldp_port_id(d: &DeviceSpec, ifname: &str) -> String {
    match d.platform {
        Platform::CiscoIos | Platform::CiscoXe => short_ifname(ifname),
        _ => ifname.to_string(),
    }
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

fn ends_with(topo: &TopologyIndex, idx: usize, proto: Protocol) -> Vec<LinkEnd<'_>> {
    topo.link_ends(idx)
        .filter(|e| e.advertises(proto))
        .collect()
}

fn mgmt_interface(d: &DeviceSpec) -> &'static str {
    match d.platform {
        Platform::CiscoNxos => "mgmt0",
        Platform::CiscoXe if d.kind == DeviceKind::Router => "GigabitEthernet0",
        Platform::CiscoXe | Platform::CiscoIos => "Vlan1",
        Platform::PaloaltoPanos => "management",
        Platform::Linux => "eth0",
    }
}

const CRYPTO_NOTICE: &str = "\
This product contains cryptographic features and is subject to United
States and local country laws governing import, export, transfer and
use. Delivery of Cisco cryptographic products does not imply
third-party authority to import, export, distribute or use encryption.
Importers, exporters, distributors and users are responsible for
compliance with U.S. and local country laws. By using this product you
agree to comply with applicable laws and regulations. If you are unable
to comply with U.S. and local laws, return this product immediately.

A summary of U.S. laws governing Cisco cryptographic products may be found at:
http://www.cisco.com/wwl/export/crypto/tool/stqrg.html

If you require further assistance please contact us by sending email to
export@cisco.com.
";

// ---------------------------------------------------------------- show version

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

fn ios_version(d: &DeviceSpec) -> String {
    let fam = ios_family(&d.model);
    let mut s = format!(
        "Cisco IOS Software, {fam} Software ({img}), Version {v}, RELEASE SOFTWARE (fc1)
Technical Support: http://www.cisco.com/techsupport
Copyright (c) 1986-2023 by Cisco Systems, Inc.
Compiled Tue 14-Mar-23 10:11 by prod_rel_team

ROM: Bootstrap program is {fam} boot loader
BOOTLDR: {fam} Boot Loader ({fam}-HBOOT-M) Version 15.2(3r)E1, RELEASE SOFTWARE (fc1)

{host} uptime is {up}
System returned to ROM by power-on
System restarted at 09:14:02 UTC Mon Jun 1 2026
System image file is \"flash:{lfam}-universalk9-mz.{v}.bin\"
Last reload reason: power-on


{crypto}
cisco {model} (APM86XXX) processor (revision B0) with 524288K bytes of memory.
Processor board ID {serial}
Last reset from power-on
1 Virtual Ethernet interface
52 Gigabit Ethernet interfaces
4 Ten Gigabit Ethernet interfaces
The password-recovery mechanism is enabled.

512K bytes of flash-simulated non-volatile configuration memory.
Base ethernet MAC Address       : {mac}
Motherboard assembly number     : 73-15757-04
Model revision number           : B0
Motherboard revision number     : A0
Model number                    : {model}
System serial number            : {serial}
Top Assembly Part Number        : 68-101389-01
Top Assembly Revision Number    : A0
Version ID                      : V04
CLEI Code Number                : CMMPP00DRB
Hardware Board Revision Number  : 0x14


Switch Ports Model                     SW Version            SW Image
------ ----- -----                     ----------            ----------
",
        img = ios_image(&d.model),
        v = d.version,
        lfam = fam.to_ascii_lowercase(),
        host = d.hostname,
        up = ios_uptime(d),
        crypto = CRYPTO_NOTICE,
        model = d.model,
        serial = d.serial,
        mac = colon_mac(&chassis_mac(d)).to_ascii_uppercase(),
    );
    let members = members_or_self(d);
    for (i, (n, model, _)) in members.iter().enumerate() {
        let _ = writeln!(
            s,
            "{star}{n:>5} 52    {model:<25} {v:<21} {img}",
            star = if i == 0 { "*" } else { " " },
            v = d.version,
            img = ios_image(model)
        );
    }
    for (n, model, serial) in members.iter().skip(1) {
        let _ = write!(
            s,
            "\n\nSwitch {n:02}\n---------\nSwitch uptime                   : {up}\nBase ethernet MAC Address       : {mac}\nMotherboard assembly number     : 73-15757-04\nModel number                    : {model}\nSystem serial number            : {serial}\n",
            up = ios_uptime(d),
            mac = colon_mac(&chassis_mac(d)).to_ascii_uppercase(),
        );
    }
    s.push_str("\n\nConfiguration register is 0xF\n");
    s
}

fn xe_version(d: &DeviceSpec) -> String {
    let router = d.kind == DeviceKind::Router;
    let (sw, cpu) = if router {
        (
            "ISR Software (X86_64_LINUX_IOSD-UNIVERSALK9-M)",
            "(2RU) processor with 7086740K/6147K bytes of memory.",
        )
    } else {
        (
            "Catalyst L3 Switch Software (CAT9K_IOSXE)",
            "(X86) processor with 1419044K/6147K bytes of memory.",
        )
    };
    let mut s = format!(
        "Cisco IOS XE Software, Version {v}
Cisco IOS Software [Cupertino], {sw}, Version {v}, RELEASE SOFTWARE (fc3)
Technical Support: http://www.cisco.com/techsupport
Copyright (c) 1986-2023 by Cisco Systems, Inc.
Compiled Fri 20-Oct-23 10:44 by mcpre


Cisco IOS-XE software, Copyright (c) 2005-2023 by cisco Systems, Inc.
All rights reserved.  Certain components of Cisco IOS-XE software are
licensed under the GNU General Public License (\"GPL\") Version 2.0.  The
software code licensed under GPL Version 2.0 is free software that comes
with ABSOLUTELY NO WARRANTY.  You can redistribute and/or modify such
GPL code under the terms of GPL Version 2.0.  For more details, see the
documentation or \"License Notice\" file accompanying the IOS-XE software,
or the applicable URL provided on the flyer accompanying the IOS-XE
software.


ROM: IOS-XE ROMMON
BOOTLDR: System Bootstrap, Version 17.9.1r, RELEASE SOFTWARE (P)

{host} uptime is {up}
Uptime for this control processor is {up}
System returned to ROM by Reload Command
System image file is \"flash:packages.conf\"
Last reload reason: Reload Command



{crypto}

Technology Package License Information: 

------------------------------------------------------------------------------
Technology-package                                     Technology-package
Current                        Type                       Next reboot  
------------------------------------------------------------------------------
network-advantage       Smart License                 network-advantage   
dna-advantage           Subscription Smart License    dna-advantage                 
AIR License Level: AIR DNA Advantage
Next reload AIR license Level: AIR DNA Advantage


Smart Licensing Status: Smart Licensing Using Policy

cisco {model} {cpu}
Processor board ID {serial}
Router operating mode: Autonomous
1 Virtual Ethernet interface
48 Gigabit Ethernet interfaces
8 Ten Gigabit Ethernet interfaces
2048K bytes of non-volatile configuration memory.
16777216K bytes of physical memory.
1638400K bytes of Crash Files at crashinfo:.
11264000K bytes of Flash at flash:.

Base Ethernet MAC Address          : {mac}
Motherboard Assembly Number        : 73-18271-03
Motherboard Serial Number          : {serial}
Model Revision Number              : A0
Motherboard Revision Number        : A0
Model Number                       : {model}
System Serial Number               : {serial}
CLEI Code Number                   : INM1J10ARA

",
        v = d.version,
        host = d.hostname,
        up = ios_uptime(d),
        crypto = CRYPTO_NOTICE,
        model = d.model,
        serial = d.serial,
        mac = colon_mac(&chassis_mac(d)),
    );
    if !router {
        s.push_str(
            "\nSwitch Ports Model              SW Version        SW Image              Mode   \n------ ----- -----              ----------        ----------            ----   \n",
        );
        for (i, (n, model, _)) in members_or_self(d).iter().enumerate() {
            let _ = writeln!(
                s,
                "{star}{n:>5} 65    {model:<18} {v:<17} CAT9K_IOSXE           INSTALL",
                star = if i == 0 { "*" } else { " " },
                v = d.version
            );
        }
    }
    s.push_str("\n\nConfiguration register is 0x102\n");
    s
}

fn nxos_version(d: &DeviceSpec) -> String {
    let (w, dd, h, m) = uptime_parts(d);
    let days = w * 7 + dd;
    format!(
        "Cisco Nexus Operating System (NX-OS) Software
TAC support: http://www.cisco.com/tac
Copyright (C) 2002-2022, Cisco and/or its affiliates.
All rights reserved.
The copyrights to certain works contained in this software are
owned by other third parties and used and distributed under their own
licenses, such as open source.  This software is provided \"as is,\" and unless
otherwise stated, there is no warranty, express or implied, including but not
limited to warranties of merchantability and fitness for a particular purpose.
Certain components of this software are licensed under
the GNU General Public License (GPL) version 2.0 or 
GNU General Public License (GPL) version 3.0  or the GNU
Lesser General Public License (LGPL) Version 2.1 or 
Lesser General Public License (LGPL) Version 2.0. 
A copy of each such license is available at
http://www.opensource.org/licenses/gpl-2.0.php and
http://opensource.org/licenses/gpl-3.0.html and
http://www.opensource.org/licenses/lgpl-2.1.php and
http://www.gnu.org/licenses/old-licenses/library.txt.

Software
  BIOS: version 07.69
  NXOS: version {v}
  BIOS compile time:  04/08/2021
  NXOS image file is: bootflash:///nxos.{v}.bin
  NXOS compile time:  8/20/2022 23:00:00 [08/21/2022 06:58:41]


Hardware
  cisco Nexus9000 {model} Chassis
  Intel(R) Core(TM) i3- CPU @ 2.50GHz with 16400084 kB of memory.
  Processor Board ID {serial}

  Device name: {host}
  bootflash:   21693714 kB
Kernel uptime is {days} day(s), {h} hour(s), {m} minute(s), 19 second(s)

Last reset at 123456 usecs after Mon Jun  1 09:14:02 2026
  Reason: Reset Requested by CLI command reload
  System version: {v}
  Service: 

plugin
  Core Plugin, Ethernet Plugin

Active Package(s):

",
        v = d.version,
        model = d.model,
        serial = d.serial,
        host = d.hostname,
    )
}

// ---------------------------------------------------------------- CDP

fn ios_cdp_detail(topo: &TopologyIndex, idx: usize) -> String {
    let mut s = String::new();
    let ends = ends_with(topo, idx, Protocol::Cdp);
    for e in &ends {
        let r = e.remote;
        let ip = r.mgmt_ip;
        let _ = write!(
            s,
            "-------------------------
Device ID: {id}
Entry address(es): 
  IP address: {ip}
Platform: {plat},  Capabilities: {caps} 
Interface: {local},  Port ID (outgoing port): {remote}
Holdtime : 164 sec

Version :
{ver}

advertisement version: 2
VTP Management Domain: ''
Native VLAN: 1
Duplex: full
Management address(es): 
  IP address: {ip}

",
            id = fqdn(topo, r),
            plat = cdp_platform(r),
            caps = cdp_capabilities(r),
            local = e.local_interface,
            remote = e.remote_interface,
            ver = software_text(r),
        );
    }
    let _ = write!(s, "\nTotal cdp entries displayed : {}\n", ends.len());
    s
}

fn nxos_cdp_detail(topo: &TopologyIndex, idx: usize) -> String {
    let mut s = String::new();
    for e in ends_with(topo, idx, Protocol::Cdp) {
        let r = e.remote;
        // NX-OS peers advertise `name(SERIAL)`; others their plain name.
        let id = if r.platform == Platform::CiscoNxos {
            format!("{}({})", r.hostname, r.serial)
        } else {
            fqdn(topo, r)
        };
        let _ = write!(
            s,
            "----------------------------------------
Device ID:{id}
System Name: {sysname}

Interface address(es):
    IPv4 Address: {ip}
Platform: {plat}, Capabilities: {caps}
Interface: {local}, Port ID (outgoing port): {remote}
Holdtime: 157 sec

Version:
{ver}

Advertisement Version: 2

Native VLAN: 1
Duplex: full

MTU: 1500
Mgmt address(es):
    IPv4 Address: {ip}
",
            sysname = r.hostname,
            ip = r.mgmt_ip,
            plat = cdp_platform(r),
            caps = cdp_capabilities(r),
            local = e.local_interface,
            remote = e.remote_interface,
            ver = software_text(r),
        );
    }
    s
}

fn cdp_brief(topo: &TopologyIndex, idx: usize) -> String {
    let mut s = String::from(
        "Capability Codes: R - Router, T - Trans Bridge, B - Source Route Bridge
                  S - Switch, H - Host, I - IGMP, r - Repeater, P - Phone, 
                  D - Remote, C - CVTA, M - Two-port Mac Relay 

Device ID        Local Intrfce     Holdtme    Capability  Platform  Port ID
",
    );
    let ends = ends_with(topo, idx, Protocol::Cdp);
    for e in &ends {
        let _ = writeln!(
            s,
            "{}\n                 {:<17} 164             R S I {:<9} {}",
            fqdn(topo, e.remote),
            short_ifname(e.local_interface),
            e.remote.model,
            short_ifname(e.remote_interface)
        );
    }
    let _ = write!(s, "\nTotal cdp entries displayed : {}\n", ends.len());
    s
}

// ---------------------------------------------------------------- LLDP

fn ios_lldp_detail(topo: &TopologyIndex, idx: usize) -> String {
    let mut s = String::new();
    let ends = ends_with(topo, idx, Protocol::Lldp);
    for e in &ends {
        let r = e.remote;
        let (sup, en) = lldp_capabilities(r);
        let _ = write!(
            s,
            "------------------------------------------------
Local Intf: {local}
Chassis id: {chassis}
Port id: {port}
Port Description: {pdesc}
System Name: {name}

System Description: 
{descr}

Time remaining: 101 seconds
System Capabilities: {sup}
Enabled Capabilities: {en}
Management Addresses:
    IP: {ip}
Auto Negotiation - not supported
Physical media capabilities - not advertised
Media Attachment Unit type - not advertised
Vlan ID: - not advertised

",
            local = short_ifname(e.local_interface),
            chassis = chassis_mac(r),
            port = lldp_port_id(r, e.remote_interface),
            pdesc = e.remote_interface,
            name = fqdn(topo, r),
            descr = software_text(r),
            ip = r.mgmt_ip,
        );
    }
    let _ = write!(s, "\nTotal entries displayed: {}\n", ends.len());
    s
}

fn nxos_lldp_detail(topo: &TopologyIndex, idx: usize) -> String {
    let mut s = String::from(
        "Capability codes:
  (R) Router, (B) Bridge, (T) Telephone, (C) DOCSIS Cable Device
  (W) WLAN Access Point, (P) Repeater, (S) Station, (O) Other
Device ID            Local Intf      Hold-time  Capability  Port ID  

",
    );
    let ends = ends_with(topo, idx, Protocol::Lldp);
    for e in &ends {
        let r = e.remote;
        let (sup, en) = lldp_capabilities(r);
        let _ = write!(
            s,
            "Chassis id: {chassis}
Port id: {port}
Local Port id: {local}
Port Description: {pdesc}
System Name: {name}
System Description: {descr}
Time remaining: 93 seconds
System Capabilities: {sup}
Enabled Capabilities: {en}
Management Address: {ip}
Vlan ID: 1


",
            chassis = chassis_mac(r),
            port = lldp_port_id(r, e.remote_interface),
            local = short_ifname(e.local_interface),
            pdesc = e.remote_interface,
            name = fqdn(topo, r),
            descr = software_text(r),
            sup = sup.replace(',', ", "),
            en = en.replace(',', ", "),
            ip = r.mgmt_ip,
        );
    }
    let _ = writeln!(s, "Total entries displayed: {}", ends.len());
    s
}

fn lldp_brief(topo: &TopologyIndex, idx: usize) -> String {
    let mut s = String::from(
        "Capability codes:
    (R) Router, (B) Bridge, (T) Telephone, (C) DOCSIS Cable Device
    (W) WLAN Access Point, (P) Repeater, (S) Station, (O) Other

Device ID           Local Intf     Hold-time  Capability      Port ID
",
    );
    let ends = ends_with(topo, idx, Protocol::Lldp);
    for e in &ends {
        let name: String = e.remote.hostname.chars().take(20).collect();
        let _ = writeln!(
            s,
            "{:<20}{:<15}{:<11}{:<16}{}",
            name,
            short_ifname(e.local_interface),
            120,
            lldp_capabilities(e.remote).1,
            lldp_port_id(e.remote, e.remote_interface)
        );
    }
    let _ = write!(s, "\nTotal entries displayed: {}\n", ends.len());
    s
}

fn lldp_cap_words(letters: &str, enabled: &str) -> Vec<(&'static str, bool)> {
    let mut out = Vec::new();
    for (l, w) in [
        ("B", "Bridge"),
        ("R", "Router"),
        ("W", "Wlan"),
        ("T", "Tel"),
        ("S", "Station"),
    ] {
        if letters.split(',').any(|x| x == l) {
            out.push((w, enabled.split(',').any(|x| x == l)));
        }
    }
    out
}

fn lldpcli_json(topo: &TopologyIndex, idx: usize) -> String {
    use serde_json::{Map, Value, json};
    let ends = ends_with(topo, idx, Protocol::Lldp);
    let mut ifaces: Vec<Value> = Vec::new();
    for (i, e) in ends.iter().enumerate() {
        let r = e.remote;
        let (sup, en) = lldp_capabilities(r);
        let caps: Vec<Value> = lldp_cap_words(sup, en)
            .into_iter()
            .map(|(t, on)| json!({"type": t, "enabled": on}))
            .collect();
        let mut chassis = Map::new();
        chassis.insert(
            fqdn(topo, r),
            json!({
                "id": {"type": "mac", "value": colon_mac(&chassis_mac(r))},
                "descr": software_text(r),
                "mgmt-ip": r.mgmt_ip.to_string(),
                "capability": caps,
            }),
        );
        let mut entry = Map::new();
        entry.insert(
            e.local_interface.to_string(),
            json!({
                "via": "LLDP",
                "rid": (i + 1).to_string(),
                "age": "0 day, 01:02:03",
                "chassis": Value::Object(chassis),
                "port": {
                    "id": {"type": "ifname", "value": lldp_port_id(r, e.remote_interface)},
                    "descr": e.remote_interface,
                    "ttl": "120",
                },
            }),
        );
        ifaces.push(Value::Object(entry));
    }
    // lldpd's quirk: one neighbour is an object, several are an array.
    let interface = match ifaces.len() {
        0 => Value::Array(Vec::new()),
        1 => ifaces.pop().unwrap_or(Value::Null),
        _ => Value::Array(ifaces),
    };
    let doc = if ends.is_empty() {
        json!({"lldp": {}})
    } else {
        json!({"lldp": {"interface": interface}})
    };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

fn lldpcli_text(topo: &TopologyIndex, idx: usize) -> String {
    let rule = "-------------------------------------------------------------------------------\n";
    let mut s = format!("{rule}LLDP neighbors:\n{rule}");
    for (i, e) in ends_with(topo, idx, Protocol::Lldp).iter().enumerate() {
        let r = e.remote;
        let (sup, en) = lldp_capabilities(r);
        let _ = write!(
            s,
            "Interface:    {local}, via: LLDP, RID: {rid}, Time: 0 day, 01:02:03\n  Chassis:     \n    ChassisID:    mac {mac}\n    SysName:      {name}\n    SysDescr:     {descr}\n    MgmtIP:       {ip}\n",
            local = e.local_interface,
            rid = i + 1,
            mac = colon_mac(&chassis_mac(r)),
            name = fqdn(topo, r),
            descr = software_text(r).lines().next().unwrap_or(""),
            ip = r.mgmt_ip,
        );
        for (w, on) in lldp_cap_words(sup, en) {
            let _ = writeln!(
                s,
                "    Capability:   {w}, {}",
                if on { "on" } else { "off" }
            );
        }
        let _ = write!(
            s,
            "  Port:        \n    PortID:       ifname {pid}\n    PortDescr:    {pdesc}\n    TTL:          120\n{rule}",
            pid = lldp_port_id(r, e.remote_interface),
            pdesc = e.remote_interface,
        );
    }
    s
}

// ---------------------------------------------------------------- inventory, stack

fn inventory(d: &DeviceSpec) -> String {
    let mut s = String::new();
    match d.platform {
        Platform::CiscoNxos => {
            let _ = write!(
                s,
                "NAME: \"Chassis\",  DESCR: \"Nexus9000 {m} Chassis\"      \nPID: N9K-{m:<15} ,  VID: V02 ,  SN: {sn}          \n\nNAME: \"Slot 1\",  DESCR: \"1/10G SFP+ Ethernet Module\"      \nPID: N9K-{m:<15} ,  VID: V02 ,  SN: {sn}          \n\n",
                m = d.model,
                sn = d.serial
            );
        }
        _ if d.stack.is_empty() => {
            let _ = write!(
                s,
                "NAME: \"1\", DESCR: \"{m}\"\nPID: {m:<18}, VID: V04  , SN: {sn}\n\n",
                m = d.model,
                sn = d.serial
            );
        }
        _ => {
            for m in &d.stack {
                let _ = write!(
                    s,
                    "NAME: \"Switch {n}\", DESCR: \"{model}\"\nPID: {model:<18}, VID: V04  , SN: {sn}\n\n",
                    n = m.switch,
                    model = m.model,
                    sn = m.serial
                );
            }
        }
    }
    s
}

fn show_switch(d: &DeviceSpec) -> String {
    let mut s = format!(
        "Switch/Stack Mac Address : {} - Local Mac Address\nMac persistency wait time: Indefinite\n                                             H/W   Current\nSwitch#   Role    Mac Address     Priority Version  State \n-------------------------------------------------------------------------------------\n",
        chassis_mac(d)
    );
    if d.stack.is_empty() {
        let _ = writeln!(
            s,
            "*1       Active   {}     1      V04     Ready               ",
            chassis_mac(d)
        );
    }
    for (i, m) in d.stack.iter().enumerate() {
        let role = match m.role.to_ascii_lowercase().as_str() {
            "active" | "master" => "Active",
            "standby" => "Standby",
            _ => "Member",
        };
        let _ = writeln!(
            s,
            "{star}{n:<8}{role:<9}{mac}     {prio:<7}V04     Ready               ",
            star = if i == 0 { "*" } else { " " },
            n = m.switch,
            mac = m.mac,
            prio = m.priority,
        );
    }
    s
}

fn show_switch_detail(d: &DeviceSpec) -> String {
    let mut s = show_switch(d);
    s.push_str(
        "\n         Stack Port Status             Neighbors     \nSwitch#  Port 1     Port 2           Port 1   Port 2 \n--------------------------------------------------------\n",
    );
    let n = d.stack.len().max(1);
    for i in 0..n {
        let prev = if i == 0 { n } else { i };
        let next = if i + 1 == n { 1 } else { i + 2 };
        let _ = writeln!(
            s,
            "  {:<7}OK         OK               {:<9}{}",
            i + 1,
            next,
            prev
        );
    }
    s
}

fn show_module(d: &DeviceSpec) -> String {
    match d.platform {
        Platform::CiscoNxos => format!(
            "Mod Ports             Module-Type                      Model           Status\n--- ----- ------------------------------------- --------------------- ---------\n1    48   48x1/10G SFP+ 6x40G Ethernet Module   N9K-{m}       active *\n\nMod  Sw                       Hw    Slot\n---  -----------------------  ------  ----\n1    {v:<24} 2.0     NA\n\nMod  MAC-Address(es)                         Serial-Num\n---  --------------------------------------  ----------\n1    {mac} to {mac}  {sn}\n",
            m = d.model,
            v = d.version,
            mac = chassis_mac(d),
            sn = d.serial
        ),
        _ => {
            let mut s = String::from(
                "Switch  Ports    Model                Serial No.   MAC address     Hw Ver.       Sw Ver. \n------  -----   ---------             -----------  --------------  -------       --------\n",
            );
            for (n, model, sn) in members_or_self(d) {
                let _ = writeln!(
                    s,
                    " {n:<6} 56      {model:<21} {sn:<12} {mac}  V04           {v}",
                    mac = chassis_mac(d),
                    v = d.version
                );
            }
            s
        }
    }
}

// ---------------------------------------------------------------- VLANs and interfaces

/// Access ports per VLAN, plus VLAN 1 holding the device's unused ports.
fn vlans(topo: &TopologyIndex, idx: usize, nxos_type_section: bool) -> String {
    let d = topo.device(idx);
    let mut s = String::from(
        "\nVLAN Name                             Status    Ports\n---- -------------------------------- --------- -------------------------------\n",
    );
    let mut all: Vec<(u16, String, Vec<String>)> = Vec::new();
    if !d.vlans.iter().any(|v| v.id == 1) {
        all.push((1, "default".to_string(), Vec::new()));
    }
    for v in &d.vlans {
        all.push((
            v.id,
            v.name.clone(),
            v.ports.iter().map(|p| short_ifname(p)).collect(),
        ));
    }
    let _ = topo;
    for (id, name, ports) in &all {
        let _ = write!(s, "{id:<4} {name:<32} active    ");
        // Real devices wrap the port list at ~4 ports per line with a deep indent.
        for (i, chunk) in ports.chunks(4).enumerate() {
            if i > 0 {
                s.push_str(&" ".repeat(48));
            }
            s.push_str(&chunk.join(", "));
            if (i + 1) * 4 < ports.len() {
                s.push(',');
            }
            s.push('\n');
        }
        if ports.is_empty() {
            s.push('\n');
        }
    }
    if !nxos_type_section && d.platform.is_ios_family() {
        for (id, name) in [
            (1002, "fddi-default"),
            (1003, "token-ring-default"),
            (1004, "fddinet-default"),
            (1005, "trnet-default"),
        ] {
            let _ = writeln!(s, "{id:<4} {name:<32} act/unsup ");
        }
    }
    if nxos_type_section {
        s.push_str("\nVLAN Type         Vlan-mode\n---- -----        ----------\n");
        for (id, _, _) in &all {
            let _ = writeln!(s, "{id:<4} enet         CE     ");
        }
    }
    s
}

/// Every interface the device has: link ends (trunks) and access ports.
fn interface_rows(topo: &TopologyIndex, idx: usize) -> Vec<(String, String, String)> {
    let d = topo.device(idx);
    let mut rows: Vec<(String, String, String)> = Vec::new();
    for e in topo.link_ends(idx) {
        rows.push((
            e.local_interface.to_string(),
            e.remote.hostname.clone(),
            "trunk".to_string(),
        ));
    }
    for v in &d.vlans {
        for p in &v.ports {
            if !rows.iter().any(|(n, _, _)| n == p) {
                rows.push((p.clone(), String::new(), v.id.to_string()));
            }
        }
    }
    rows
}

fn ios_interfaces_status(topo: &TopologyIndex, idx: usize) -> String {
    let mut s = String::from(
        "\nPort      Name               Status       Vlan       Duplex  Speed Type \n",
    );
    for (name, desc, vlan) in interface_rows(topo, idx) {
        let short = short_ifname(&name);
        let ty = if short.starts_with("Te") || short.starts_with("Twe") {
            "SFP-10GBase-SR"
        } else {
            "10/100/1000BaseTX"
        };
        let desc: String = desc.chars().take(18).collect();
        let _ = writeln!(
            s,
            "{short:<9} {desc:<18} connected    {vlan:<10} a-full a-1000 {ty}"
        );
    }
    s
}

fn nxos_interfaces_status(topo: &TopologyIndex, idx: usize) -> String {
    let rule = "--------------------------------------------------------------------------------\n";
    let mut s = format!(
        "\n{rule}Port          Name               Status    Vlan      Duplex  Speed   Type\n{rule}mgmt0         --                 connected routed    full    1000    --\n"
    );
    for (name, desc, vlan) in interface_rows(topo, idx) {
        let desc: String = if desc.is_empty() {
            "--".into()
        } else {
            desc.chars().take(18).collect()
        };
        let _ = writeln!(
            s,
            "{:<13} {desc:<18} connected {vlan:<9} full    10G     10Gbase-SR",
            short_ifname(&name)
        );
    }
    s
}

fn ios_ip_brief(topo: &TopologyIndex, idx: usize) -> String {
    let d = topo.device(idx);
    let mut s = String::from(
        "Interface              IP-Address      OK? Method Status                Protocol\n",
    );
    let _ = writeln!(
        s,
        "{:<22} {:<15} YES NVRAM  up                    up      ",
        mgmt_interface(d),
        d.mgmt_ip
    );
    for i in &d.interfaces {
        let ip = i.ip.map(|ip| ip.to_string()).unwrap_or("unassigned".into());
        let _ = writeln!(
            s,
            "{:<22} {ip:<15} YES NVRAM  up                    up      ",
            i.name
        );
    }
    for (name, _, _) in interface_rows(topo, idx) {
        let _ = writeln!(
            s,
            "{name:<22} unassigned      YES unset  up                    up      "
        );
    }
    s
}

fn nxos_ip_brief(topo: &TopologyIndex, idx: usize) -> String {
    let d = topo.device(idx);
    let mut s = String::from(
        "IP Interface Status for VRF \"default\"(1)\nInterface            IP Address      Interface Status\n",
    );
    for i in &d.interfaces {
        if let Some(ip) = i.ip {
            let _ = writeln!(
                s,
                "{:<20} {ip:<15} protocol-up/link-up/admin-up       ",
                i.name
            );
        }
    }
    let _ = write!(
        s,
        "\nIP Interface Status for VRF \"management\"(2)\nInterface            IP Address      Interface Status\nmgmt0                {:<15} protocol-up/link-up/admin-up       \n",
        d.mgmt_ip
    );
    s
}

// ---------------------------------------------------------------- PAN-OS

fn panos_system_info(d: &DeviceSpec) -> String {
    let (w, dd, h, m) = uptime_parts(d);
    let o = d.mgmt_ip.octets();
    format!(
        "hostname: {host}
ip-address: {ip}
public-ip-address: unknown
netmask: 255.255.255.0
default-gateway: {o0}.{o1}.{o2}.254
ip-assignment: static
ipv6-address: unknown
ipv6-link-local-address: fe80::21b:17ff:fe00:{o3:x}/64
mac-address: {mac}
time: Mon Nov 23 16:00:00 2026
uptime: {days} days, {h}:{m:02}:07
family: {family}
model: {model}
serial: {serial}
sw-version: {v}
global-protect-client-package-version: 0.0.0
device-dictionary-version: 121-502
app-version: 8791-8589
app-release-date: 2026/11/17 19:21:43 PST
av-version: 0
threat-version: 8791-8589
url-db: paloaltonetworks
wildfire-version: 0
logdb-version: 10.2.1
platform-family: {family}
vpn-disable-mode: off
multi-vsys: off
ZTP: Disabled
operational-mode: normal
advanced-routing: off
device-certificate-status: Valid
",
        host = d.hostname,
        ip = d.mgmt_ip,
        o0 = o[0],
        o1 = o[1],
        o2 = o[2],
        o3 = o[3],
        mac = colon_mac(&chassis_mac(d)),
        days = w * 7 + dd,
        family = d
            .model
            .trim_start_matches("PA-")
            .chars()
            .take(2)
            .collect::<String>()
            + "00",
        model = d.model,
        serial = d.serial,
        v = d.version,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::Topology;

    fn lab() -> TopologyIndex {
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

    #[test]
    fn nxos_version_has_the_traps_real_tools_fell_into() {
        let t = lab();
        let v = render(&t, t.index_of("core1").unwrap(), Command::ShowVersion).unwrap();
        assert!(v.contains("GNU General Public License (GPL) version 2.0"));
        assert!(v.contains("NXOS: version 9.3(9)"));
        assert!(v.contains("Kernel uptime is"));
        assert!(v.contains("Device name: core1"));
        assert!(v.contains("cisco Nexus9000 C9396PX Chassis"));
    }

    #[test]
    fn vlans_keep_empty_vlans_and_list_ports() {
        let t = lab();
        let v = render(&t, t.index_of("acc1").unwrap(), Command::ShowVlanBrief).unwrap();
        assert!(v.contains("10   USERS"), "{v}");
        assert!(v.contains("Gi1/0/1, Gi1/0/2"));
        assert!(v.lines().any(|l| l.starts_with("1    default")));
    }

    #[test]
    fn lldpcli_json_is_an_object_for_one_neighbour() {
        let mut topo = lab().topology;
        topo.devices.push(crate::topology::DeviceSpec {
            hostname: "srv1".into(),
            platform: Platform::Linux,
            kind: DeviceKind::Host,
            mgmt_ip: "127.1.0.4".parse().unwrap(),
            serial: "VMW-1".into(),
            model: "VMware".into(),
            version: "Debian GNU/Linux 12 (bookworm)".into(),
            ..topo.devices[1].clone()
        });
        topo.links.push(crate::topology::LinkSpec {
            a: "srv1".into(),
            a_interface: "eth0".into(),
            b: "acc1".into(),
            b_interface: "GigabitEthernet1/0/10".into(),
            protocols: [Protocol::Lldp].into_iter().collect(),
        });
        let t = TopologyIndex::new(topo);
        let j = render(&t, t.index_of("srv1").unwrap(), Command::LldpcliJson).unwrap();
        let v: serde_json::Value = serde_json::from_str(&j).unwrap();
        let iface = &v["lldp"]["interface"];
        assert!(iface.is_object(), "{j}");
        assert_eq!(
            iface["eth0"]["chassis"]["acc1.lab.example"]["mgmt-ip"],
            "127.1.0.2"
        );
        assert_eq!(iface["eth0"]["port"]["id"]["value"], "Gi1/0/10");
        let txt = render(&t, t.index_of("srv1").unwrap(), Command::LldpcliText).unwrap();
        assert!(txt.contains("SysName:      acc1.lab.example"));
    }
}
