//! Cisco IOS-XE: its own `show version` (licences, GPL notice, install
//! mode); every other command answers as on IOS.

use super::{chassis_mac, colon_mac, ios, members_or_self};
use crate::topology::{DeviceKind, DeviceSpec};
use std::fmt::Write as _;

pub(super) fn version(d: &DeviceSpec) -> String {
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
        up = ios::uptime(d),
        crypto = ios::CRYPTO_NOTICE,
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
