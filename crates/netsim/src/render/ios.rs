//! Cisco IOS (and what IOS-XE shares with it): `show version`, CDP/LLDP
//! detail, inventory, stacks, modules, interface tables.

use super::cisco::interface_rows;
use super::neighbor::{
    cdp_capabilities, cdp_platform, ends_with, fqdn, lldp_capabilities, lldp_port_id, software_text,
};
use super::{chassis_mac, colon_mac, members_or_self, short_ifname, uptime_parts};
use crate::topology::{DeviceKind, DeviceSpec, Protocol, TopologyIndex};
use device_platform::Platform;
use std::fmt::Write as _;

pub(super) fn family(model: &str) -> String {
    // WS-C2960X-48FPD-L -> C2960X
    let m = model.strip_prefix("WS-").unwrap_or(model);
    m.split('-').next().unwrap_or(m).to_string()
}

pub(super) fn image(model: &str) -> String {
    format!("{}-UNIVERSALK9-M", family(model))
}

pub(super) fn uptime(d: &DeviceSpec) -> String {
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

pub(super) const CRYPTO_NOTICE: &str = "\
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

fn mgmt_interface(d: &DeviceSpec) -> &'static str {
    match d.platform {
        Platform::CiscoNxos => "mgmt0",
        Platform::CiscoXe if d.kind == DeviceKind::Router => "GigabitEthernet0",
        Platform::CiscoXe | Platform::CiscoIos => "Vlan1",
        Platform::PaloaltoPanos => "management",
        Platform::Linux => "eth0",
    }
}

pub(super) fn version(d: &DeviceSpec) -> String {
    let fam = family(&d.model);
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
        img = image(&d.model),
        v = d.version,
        lfam = fam.to_ascii_lowercase(),
        host = d.hostname,
        up = uptime(d),
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
            img = image(model)
        );
    }
    for (n, model, serial) in members.iter().skip(1) {
        let _ = write!(
            s,
            "\n\nSwitch {n:02}\n---------\nSwitch uptime                   : {up}\nBase ethernet MAC Address       : {mac}\nMotherboard assembly number     : 73-15757-04\nModel number                    : {model}\nSystem serial number            : {serial}\n",
            up = uptime(d),
            mac = colon_mac(&chassis_mac(d)).to_ascii_uppercase(),
        );
    }
    s.push_str("\n\nConfiguration register is 0xF\n");
    s
}

pub(super) fn cdp_detail(topo: &TopologyIndex, idx: usize) -> String {
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

pub(super) fn lldp_detail(topo: &TopologyIndex, idx: usize) -> String {
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

/// One entry per stack member, or one for a standalone switch.
pub(super) fn inventory(d: &DeviceSpec) -> String {
    let mut s = String::new();
    if d.stack.is_empty() {
        let _ = write!(
            s,
            "NAME: \"1\", DESCR: \"{m}\"\nPID: {m:<18}, VID: V04  , SN: {sn}\n\n",
            m = d.model,
            sn = d.serial
        );
    }
    for m in &d.stack {
        let _ = write!(
            s,
            "NAME: \"Switch {n}\", DESCR: \"{model}\"\nPID: {model:<18}, VID: V04  , SN: {sn}\n\n",
            n = m.switch,
            model = m.model,
            sn = m.serial
        );
    }
    s
}

pub(super) fn switch(d: &DeviceSpec) -> String {
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

pub(super) fn switch_detail(d: &DeviceSpec) -> String {
    let mut s = switch(d);
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

/// One row per stack member (or the switch itself).
pub(super) fn module(d: &DeviceSpec) -> String {
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

pub(super) fn interfaces_status(topo: &TopologyIndex, idx: usize) -> String {
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

/// `show interfaces description`: short names, admin status and protocol,
/// the description whole (IOS does not cut it here).
pub(super) fn descriptions(topo: &TopologyIndex, idx: usize) -> String {
    let d = topo.device(idx);
    let mut s =
        String::from("Interface                      Status         Protocol Description\n");
    let mut row = |name: &str, text: &str| {
        let line = format!("{:<30} up             up       {text}", ios_short(name));
        let _ = writeln!(s, "{}", line.trim_end());
    };
    let listed = super::descriptions::descriptions(topo, idx);
    if !listed.iter().any(|(n, _)| n == mgmt_interface(d)) {
        row(mgmt_interface(d), "");
    }
    for (name, text) in &listed {
        row(name, text.as_deref().unwrap_or(""));
    }
    s
}

/// The short name IOS prints in interface tables, SVIs and loopbacks too.
fn ios_short(name: &str) -> String {
    for (long, short) in [("Vlan", "Vl"), ("Loopback", "Lo")] {
        if let Some(rest) = name.strip_prefix(long)
            && rest.starts_with(|c: char| c.is_ascii_digit())
        {
            return format!("{short}{rest}");
        }
    }
    short_ifname(name)
}

pub(super) fn ip_brief(topo: &TopologyIndex, idx: usize) -> String {
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
