//! Cisco NX-OS: `show version` with its GPL text, CDP detail with
//! `name(SERIAL)` device IDs, LLDP detail, inventory, modules, interfaces.

use super::cisco::interface_rows;
use super::neighbor::{
    cdp_capabilities, cdp_platform, ends_with, fqdn, lldp_capabilities, lldp_port_id, software_text,
};
use super::{chassis_mac, short_ifname, uptime_parts};
use crate::topology::{DeviceSpec, Protocol, TopologyIndex};
use device_platform::Platform;
use std::fmt::Write as _;

pub(super) fn version(d: &DeviceSpec) -> String {
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

pub(super) fn cdp_detail(topo: &TopologyIndex, idx: usize) -> String {
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

pub(super) fn lldp_detail(topo: &TopologyIndex, idx: usize) -> String {
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

/// The chassis and its one line card.
pub(super) fn inventory(d: &DeviceSpec) -> String {
    format!(
        "NAME: \"Chassis\",  DESCR: \"Nexus9000 {m} Chassis\"      \nPID: N9K-{m:<15} ,  VID: V02 ,  SN: {sn}          \n\nNAME: \"Slot 1\",  DESCR: \"1/10G SFP+ Ethernet Module\"      \nPID: N9K-{m:<15} ,  VID: V02 ,  SN: {sn}          \n\n",
        m = d.model,
        sn = d.serial
    )
}

pub(super) fn module(d: &DeviceSpec) -> String {
    format!(
        "Mod Ports             Module-Type                      Model           Status\n--- ----- ------------------------------------- --------------------- ---------\n1    48   48x1/10G SFP+ 6x40G Ethernet Module   N9K-{m}       active *\n\nMod  Sw                       Hw    Slot\n---  -----------------------  ------  ----\n1    {v:<24} 2.0     NA\n\nMod  MAC-Address(es)                         Serial-Num\n---  --------------------------------------  ----------\n1    {mac} to {mac}  {sn}\n",
        m = d.model,
        v = d.version,
        mac = chassis_mac(d),
        sn = d.serial
    )
}

pub(super) fn interfaces_status(topo: &TopologyIndex, idx: usize) -> String {
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

/// `show interface description`: Ethernet ports and port-channels with
/// type and speed, then mgmt0, SVIs and loopbacks; `--` for none.
pub(super) fn descriptions(topo: &TopologyIndex, idx: usize) -> String {
    let rule = "-------------------------------------------------------------------------------\n";
    let listed = super::descriptions::descriptions(topo, idx);
    let (ports, others): (Vec<_>, Vec<_>) = listed.iter().partition(|(n, _)| {
        let n = n.to_ascii_lowercase();
        n.starts_with("ethernet") || n.starts_with("port-channel")
    });
    let text = |t: &Option<String>| t.clone().unwrap_or_else(|| "--".into());
    let mut s = format!("\n{rule}Port          Type   Speed   Description\n{rule}");
    for (name, t) in ports {
        let _ = writeln!(s, "{:<13} eth    10G     {}", short_ifname(name), text(t));
    }
    let _ = write!(s, "\n{rule}Interface                Description\n{rule}");
    let _ = writeln!(s, "{:<24} --", "mgmt0");
    for (name, t) in others.into_iter().filter(|(n, _)| n != "mgmt0") {
        let _ = writeln!(s, "{name:<24} {}", text(t));
    }
    s
}

pub(super) fn ip_brief(topo: &TopologyIndex, idx: usize) -> String {
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

#[cfg(test)]
mod tests {
    use crate::render::tests::lab;
    use crate::render::{Command, render};

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
}
