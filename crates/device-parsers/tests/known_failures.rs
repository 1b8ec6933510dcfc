//! The known failures of the Python tool this project replaces. Each one lost
//! neighbours or mis-named devices in the field; each is a test here, on a
//! realistic capture.

use device_parsers::*;

// 1. NX-OS show version ------------------------------------------------------

const NXOS_N9K: &str = "\
Cisco Nexus Operating System (NX-OS) Software
TAC support: http://www.cisco.com/tac
Copyright (C) 2002-2021, Cisco and/or its affiliates.
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
 NXOS: version 9.3(9)
  BIOS compile time:  04/08/2021
  NXOS image file is: bootflash:///nxos.9.3.9.bin
  NXOS compile time:  12/22/2021 2:00:00 [12/22/2021 14:00:33]

Hardware
  cisco Nexus9000 C9396PX Chassis
  Intel(R) Core(TM) i3- CPU @ 2.50GHz with 16400084 kB of memory.
  Processor Board ID SAL1919S0AB

  Device name: dc1-leaf-07
  bootflash:   51496280 kB
Kernel uptime is 212 day(s), 3 hour(s), 41 minute(s), 9 second(s)

Last reset at 803113 usecs after Thu Apr 14 10:21:22 2022
  Reason: Reset Requested by CLI command reload
  System version: 9.3(8)
  Service:

plugin
  Core Plugin, Ethernet Plugin
";

#[test]
fn f1_nxos_version_hostname_and_model_come_from_the_right_lines() {
    let v = parse_show_version(NXOS_N9K);
    assert_eq!(v.platform, Some(Platform::CiscoNxos));
    assert_eq!(
        v.version.as_deref(),
        Some("9.3(9)"),
        "not 2.0 from the GPL text"
    );
    assert_eq!(
        v.hostname.as_deref(),
        Some("dc1-leaf-07"),
        "not `kernel` from `Kernel uptime is`"
    );
    assert_eq!(v.model.as_deref(), Some("C9396PX"));
    assert_eq!(v.serial.as_deref(), Some("SAL1919S0AB"));
    assert_eq!(v.uptime_seconds, Some(212 * 86400 + 3 * 3600 + 41 * 60 + 9));
    assert_eq!(
        v.reload_reason.as_deref(),
        Some("Reset Requested by CLI command reload")
    );
    assert_eq!(v.bios.as_deref(), Some("07.69"));

    let n5k = NXOS_N9K
        .replace(
            "cisco Nexus9000 C9396PX Chassis",
            "cisco Nexus 56128P Chassis",
        )
        .replace(" NXOS: version 9.3(9)", "  system:    version 7.3(8)N1(1)");
    let v = parse_show_version(&n5k);
    assert_eq!(v.model.as_deref(), Some("56128P"));
    assert_eq!(v.version.as_deref(), Some("7.3(8)N1(1)"));
}

// 2. IOS-XE models ------------------------------------------------------------

const ISR4451: &str = "\
Cisco IOS XE Software, Version 16.09.04
Cisco IOS Software [Fuji], ISR Software (X86_64_LINUX_IOSD-UNIVERSALK9-M), Version 16.9.4, RELEASE SOFTWARE (fc2)
Technical Support: http://www.cisco.com/techsupport
Copyright (c) 1986-2019 by Cisco Systems, Inc.
Compiled Thu 22-Aug-19 18:09 by mcpre

ROM: IOS-XE ROMMON

wan-rtr-01 uptime is 1 year, 2 weeks, 3 days, 4 hours, 5 minutes
Uptime for this control processor is 1 year, 2 weeks, 3 days, 4 hours, 7 minutes
System returned to ROM by reload
System image file is \"bootflash:isr4400-universalk9.16.09.04.SPA.bin\"
Last reload reason: Reload Command

cisco ISR4451-X/K9 (2RU) processor with 1795979K/6147K bytes of memory.
Processor board ID FOC21234XYZ
4 Gigabit Ethernet interfaces
32768K bytes of non-volatile configuration memory.

Configuration register is 0x2102
";

#[test]
fn f2_iosxe_router_model_from_processor_line() {
    let v = parse_show_version(ISR4451);
    assert_eq!(v.platform, Some(Platform::CiscoXe));
    assert_eq!(v.model.as_deref(), Some("ISR4451-X/K9"));
    assert_eq!(v.hostname.as_deref(), Some("wan-rtr-01"));
    assert_eq!(v.version.as_deref(), Some("16.9.4"));
    assert_eq!(v.serial.as_deref(), Some("FOC21234XYZ"));
    assert_eq!(
        v.image.as_deref(),
        Some("bootflash:isr4400-universalk9.16.09.04.SPA.bin")
    );

    let c4500x = "\
Cisco IOS Software, IOS-XE Software, Catalyst 4500 L3 Switch  Software (cat4500e-UNIVERSALK9-M), Version 03.08.05.E RELEASE SOFTWARE (fc2)
core-4500x uptime is 5 weeks, 1 day, 2 hours, 3 minutes
cisco WS-C4500X-16 (MPC8572) processor (revision 2) with 4194304K/20480K bytes of memory.
Processor board ID JAE1234ABCD
";
    let v = parse_show_version(c4500x);
    assert_eq!(v.model.as_deref(), Some("WS-C4500X-16"));
    assert_eq!(v.platform, Some(Platform::CiscoXe));
}

#[test]
fn f2_model_number_line_wins_over_processor_line() {
    let c3850 = "\
Cisco IOS Software, IOS-XE Software, Catalyst L3 Switch Software (CAT3K_CAA-UNIVERSALK9-M), Version 03.06.08E RELEASE SOFTWARE (fc1)
acc-sw-3 uptime is 3 days, 2 hours, 1 minute
cisco WS-C3850-24P (MIPS) processor with 4194304K bytes of physical memory.
Processor board ID FOC1234X0AB

Base Ethernet MAC Address          : 00:11:22:33:44:80
Model Number                       : WS-C3850-24P-E
System Serial Number               : FOC1234X0AB
";
    let v = parse_show_version(c3850);
    assert_eq!(v.model.as_deref(), Some("WS-C3850-24P-E"));
    assert_eq!(v.mac_addresses, vec!["00:11:22:33:44:80".to_string()]);
}

// 3. CDP address forms ----------------------------------------------------------

#[test]
fn f3_cdp_interface_address_only_still_gives_an_ip() {
    let nxos = "\
----------------------------------------
Device ID:dist-sw-2.corp.example.com(FDO2233A1BC)
System Name: dist-sw-2

Interface address(es):
    IPv4 Address: 10.20.0.2
Platform: cisco WS-C3850-48P, Capabilities: Router Switch IGMP Filtering
Interface: Ethernet1/49, Port ID (outgoing port): TenGigabitEthernet1/1/1
Holdtime: 151 sec

Version:
Cisco IOS Software, IOS-XE Software, Catalyst L3 Switch Software (CAT3K_CAA-UNIVERSALK9-M), Version 03.06.08E RELEASE SOFTWARE (fc1)

Advertisement Version: 2

Native VLAN: 1
Duplex: full
";
    let n = parse_cdp_neighbors_detail(nxos);
    assert_eq!(n.len(), 1);
    assert_eq!(
        n[0].mgmt_ip(),
        Some("10.20.0.2"),
        "the walk stopped at the seed when this was None"
    );
    assert_eq!(n[0].name, "dist-sw-2");
    assert_eq!(n[0].device_id, "dist-sw-2.corp.example.com(FDO2233A1BC)");
    assert_eq!(n[0].local_interface.as_deref(), Some("Ethernet1/49"));
    assert_eq!(
        n[0].remote_interface.as_deref(),
        Some("TenGigabitEthernet1/1/1")
    );
    assert_eq!(n[0].native_vlan, Some(1));

    // An IPv4 Address line with no section header at all, plus IPv6.
    let bare = "\
Device ID: ap-3f-12
  IPv4 Address: 10.30.12.40
  IPv6 address: FE80::1:2:3 (link-local)
Platform: cisco AIR-AP2802I-B-K9,  Capabilities: Trans-Bridge Source-Route-Bridge IGMP
Interface: GigabitEthernet1/0/12,  Port ID (outgoing port): GigabitEthernet0
";
    let n = parse_cdp_neighbors_detail(bare);
    assert_eq!(n.len(), 1);
    assert_eq!(
        n[0].all_addresses(),
        vec!["10.30.12.40".to_string(), "fe80::1:2:3".to_string()]
    );
    assert!(n[0].capabilities.contains(&Capability::TransBridge));
}

// 4. Paging groups ----------------------------------------------------------------

#[test]
fn f4_cdp_paginggroup_entry_is_kept() {
    let ios = "\
-------------------------
Device ID: SEP001122AABBCC
Entry address(es):
  IP address: 10.40.1.21
Platform: Cisco IP Phone 8845,  Capabilities: Host Phone Two-port Mac Relay
Interface: GigabitEthernet1/0/5,  Port ID (outgoing port): Port 1
Holdtime : 149 sec

Version :
sip8845_65.14-1-1MN-22

advertisement version: 2
Duplex: full
Management address(es):
  IP address: 10.40.1.21

-------------------------
Device ID: lobby-paginggroup-01
Entry address(es):
  IP address: 10.40.1.90
Platform: Cisco Paging Group,  Capabilities: Host Phone
Interface: GigabitEthernet1/0/6,  Port ID (outgoing port): Port 1
Holdtime : 170 sec

Version :
paginggroup 1.0

advertisement version: 2
Duplex: full

-------------------------
Device ID: acc-sw-02.corp.example.com
Entry address(es):
  IP address: 10.40.0.3
Platform: cisco C9300-48P,  Capabilities: Router Switch IGMP
Interface: TenGigabitEthernet1/1/1,  Port ID (outgoing port): TenGigabitEthernet1/1/2
Holdtime : 150 sec
";
    let n = parse_cdp_neighbors_detail(ios);
    let names: Vec<&str> = n.iter().map(|x| x.name.as_str()).collect();
    assert_eq!(
        names,
        vec!["SEP001122AABBCC", "lobby-paginggroup-01", "acc-sw-02"]
    );
    assert_eq!(n[1].mgmt_ip(), Some("10.40.1.90"));
    assert_eq!(n[1].software_version.as_deref(), Some("paginggroup 1.0"));
    assert_eq!(
        n[0].capabilities,
        vec![
            Capability::Phone,
            Capability::Host,
            Capability::TwoPortMacRelay
        ]
    );
}

// 5. LLDP without Local Intf ---------------------------------------------------------

#[test]
fn f5_lldp_without_local_intf_gives_one_record_per_neighbour() {
    let ios = "\
------------------------------------------------
Chassis id: 0011.2233.4401
Port id: Gi1/0/48
Port Description: GigabitEthernet1/0/48
System Name: idf2-sw1.corp.example.com

System Description:
Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version 15.2(7)E4, RELEASE SOFTWARE (fc2)
Technical Support: http://www.cisco.com/techsupport

Time remaining: 101 seconds
System Capabilities: B,R
Enabled Capabilities: B
Management Addresses:
    IP: 10.50.0.11
Auto Negotiation - not supported
Vlan ID: 1

Chassis id: 0011.2233.4402
Port id: Gi1/0/47
Port Description: GigabitEthernet1/0/47
System Name: idf2-sw2

System Description:
Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version 15.2(7)E4, RELEASE SOFTWARE (fc2)

Time remaining: 99 seconds
System Capabilities: B,R
Enabled Capabilities: B
Management Addresses:
    IP: 10.50.0.12
Vlan ID: 1

------------------------------------------------
Chassis id: 00a0.c9aa.bb01
Port id: 00a0.c9aa.bb01
Port Description - not advertised
System Name - not advertised

System Description:
Polycom;VVX-VVX_411;3111-48450-001,1;SIP/6.3.1.8427/08-Jul-20 10:10;UP/6.3.1.8427/08-Jul-20 10:10;

Time remaining: 160 seconds
System Capabilities: B,T
Enabled Capabilities: T
Management Addresses:
    IP: 10.60.3.45
Vlan ID: - not advertised

Total entries displayed: 3
";
    let n = parse_lldp_neighbors_detail(ios);
    assert_eq!(n.len(), 3, "{n:#?}");
    assert_eq!(n[0].name.as_deref(), Some("idf2-sw1"));
    assert_eq!(n[1].name.as_deref(), Some("idf2-sw2"));
    assert_eq!(n[1].management_addresses, vec!["10.50.0.12".to_string()]);
    assert_eq!(n[0].remote_interface(), Some("Gi1/0/48"));
    // The phone has no name: it is known by its chassis id.
    assert_eq!(n[2].name.as_deref(), Some("00a0.c9aa.bb01"));
    assert_eq!(n[2].capabilities, vec![Capability::Phone]);
    assert!(n.iter().all(|x| x.local_interface.is_none()));
    let p = normalize_platform(n[2].system_description.as_deref().unwrap_or(""));
    assert_eq!(p.vendor.as_deref(), Some("Polycom"));
}

// 6. VSS show module without Switch Number headers -----------------------------------

#[test]
fn f6_vss_show_module_without_switch_headers_keeps_both_members() {
    let vss = "\
Chassis Type : WS-C4507R+E

Power consumed by backplane : 40 Watts

Mod Ports Card Type                              Model              Serial No.
---+-----+--------------------------------------+------------------+-----------
 1    12  10GE SFP+                              WS-X4712-SFP+E     CAT1715L0SK
 3     4  Sup 7-E 10GE (SFP+), 1000BaseX (SFP)   WS-X45-SUP7-E      CAT1711L1U0

 M MAC addresses                    Hw  Fw           Sw               Status
--+--------------------------------+---+------------+----------------+---------
 1 bc16.65c6.8350 to bc16.65c6.835b 1.1                               Ok
 3 4c4e.35a0.7f40 to 4c4e.35a0.7f43 2.1 15.0(1r)SG5  03.07.02.E       Ok

Chassis Type : WS-C4507R+E

Power consumed by backplane : 40 Watts

Mod Ports Card Type                              Model              Serial No.
---+-----+--------------------------------------+------------------+-----------
 1    12  10GE SFP+                              WS-X4712-SFP+E     CAT1715L0ZZ
 3     4  Sup 7-E 10GE (SFP+), 1000BaseX (SFP)   WS-X45-SUP7-E      CAT1711L1YY

 M MAC addresses                    Hw  Fw           Sw               Status
--+--------------------------------+---+------------+----------------+---------
 1 bc16.65c6.9350 to bc16.65c6.935b 1.1                               Ok
 3 4c4e.35a0.8f40 to 4c4e.35a0.8f43 2.1 15.0(1r)SG5  03.07.02.E       Ok
";
    let m = parse_show_module(vss);
    assert_eq!(m.len(), 4, "{m:#?}");
    let members: Vec<Option<u32>> = m.iter().map(|x| x.switch_number).collect();
    assert_eq!(members, vec![Some(1), Some(1), Some(2), Some(2)]);
    assert_eq!(m[2].serial.as_deref(), Some("CAT1715L0ZZ"));
    assert_eq!(
        m[3].mac_range.as_deref(),
        Some("4c4e.35a0.8f40 to 4c4e.35a0.8f43")
    );
    assert_eq!(m[3].sw.as_deref(), Some("03.07.02.E"));

    // With headers, the numbers come from the headers (here 2 and 1).
    let halves: Vec<&str> = vss
        .split("Chassis Type")
        .filter(|h| !h.trim().is_empty())
        .collect();
    assert_eq!(halves.len(), 2);
    let with_headers = format!(
        "Switch Number:     2 Role:  Virtual Switch Standby\nChassis Type{}Switch Number:     1 Role:  Virtual Switch Active\nChassis Type{}",
        halves[0], halves[1]
    );
    let m = parse_show_module(&with_headers);
    let members: Vec<Option<u32>> = m.iter().map(|x| x.switch_number).collect();
    assert_eq!(members, vec![Some(2), Some(2), Some(1), Some(1)]);
}

// 7. VLANs ----------------------------------------------------------------------------

#[test]
fn f7_vlans_empty_kept_no_duplicates_all_port_names_counted() {
    let ios = "
VLAN Name                             Status    Ports
---- -------------------------------- --------- -------------------------------
1    default                          active    Twe1/0/1, Twe1/0/2, Tw1/0/3, Hu1/0/49
                                                Gi1/0/5, Gi1/0/6
20   VOICE                            active    Tw1/0/10, Tw1/0/11, Tw1/0/12, Tw1/0/13
                                                Tw1/0/14
30   UNUSED                           active
99   PARKING                          act/lshut
1002 fddi-default                     act/unsup

VLAN Type  SAID       MTU   Parent RingNo BridgeNo Stp  BrdgMode Trans1 Trans2
---- ----- ---------- ----- ------ ------ -------- ---- -------- ------ ------
1    enet  100001     1500  -      -      -        -    -        0      0
20   enet  100020     1500  -      -      -        -    -        0      0
30   enet  100030     1500  -      -      -        -    -        0      0
99   enet  100099     1500  -      -      -        -    -        0      0
1002 fddi  101002     1500  -      -      -        -    -        0      0
";
    let v = parse_show_vlan(ios);
    let ids: Vec<u32> = v.iter().map(|x| x.vlan_id).collect();
    assert_eq!(
        ids,
        vec![1, 20, 30, 99, 1002],
        "VLAN Type section must not add VLANs"
    );
    assert_eq!(v[0].interfaces.len(), 6);
    assert_eq!(v[0].interfaces[0], "Twe1/0/1");
    assert_eq!(v[0].interfaces[3], "Hu1/0/49");
    assert_eq!(v[1].interfaces.len(), 5);
    assert!(v[2].interfaces.is_empty() && v[2].name == "UNUSED");
    assert_eq!(v[3].status, "act/lshut");

    let nxos = "
VLAN Name                             Status    Ports
---- -------------------------------- --------- -------------------------------
1    default                          active    Po1, Eth1/1, Eth1/2
10   SERVERS                          active    Po10, Eth1/10
11   EMPTY                            active

VLAN Type         Vlan-mode
---- -----        ----------
1    enet         CE
10   enet         CE
11   enet         CE

Remote SPAN VLANs
-------------------------------------------------------------------------------

Primary  Secondary  Type             Ports
-------  ---------  ---------------  -------------------------------------------
";
    let v = parse_show_vlan(nxos);
    assert_eq!(
        v.iter().map(|x| x.vlan_id).collect::<Vec<_>>(),
        vec![1, 10, 11]
    );
    assert!(v[2].interfaces.is_empty());
}

// 8. Platform detection ---------------------------------------------------------------

#[test]
fn f8_bios_is_not_ios_and_spa_is_not_panos() {
    // NX-OS prints "BIOS:"; that must not make it IOS.
    assert_eq!(detect_platform(NXOS_N9K), Some(Platform::CiscoNxos));
    // A BIOS line alone is not IOS.
    assert_eq!(
        detect_platform("BIOS: version 5.0.1\nHostname: srv1\n"),
        None
    );
    // A 7600 with SPA modules is IOS, not PAN-OS.
    let c7600 = "\
Cisco IOS Software, c7600rsp72043_rp Software (c7600rsp72043_rp-ADVIPSERVICESK9-M), Version 15.3(3)S2, RELEASE SOFTWARE (fc3)
pe1 uptime is 2 years, 1 week, 3 days, 2 hours, 1 minute
cisco CISCO7606-S (M8572) processor (revision 1.1) with 1900544K/131072K bytes of memory.
Processor board ID FOX1234ABCD
2 SPA-1X10GE-L-V2 modules
1 SPA-4XT-SERIAL module
";
    assert_eq!(detect_platform(c7600), Some(Platform::CiscoIos));
    assert_eq!(
        parse_show_version(c7600).model.as_deref(),
        Some("CISCO7606-S")
    );
    assert_eq!(detect_platform("model: SPA-2X1GE\n"), None);
    assert_eq!(detect_platform(ISR4451), Some(Platform::CiscoXe));
    let pan = "hostname: fw1\nmodel: PA-3220\nserial: 0123456789\nsw-version: 10.1.6\n";
    assert_eq!(detect_platform(pan), Some(Platform::PaloaltoPanos));
    assert_eq!(
        detect_platform("Cisco IOS XR Software, Version 7.3.2\n"),
        None
    );
    assert_eq!(detect_platform(""), None);
    // IOS 12.x two-line banner: "IOS" and "Cisco" are on different lines.
    let c2950 = "\
Cisco Internetwork Operating System Software
IOS (tm) C2950 Software (C2950-I6Q4L2-M), Version 12.1(22)EA14, RELEASE SOFTWARE (fc1)
Copyright (c) 1986-2010 by cisco Systems, Inc.
old-sw uptime is 5 years, 2 weeks, 1 day, 3 hours, 4 minutes
cisco WS-C2950T-24 (RC32300) processor (revision R0) with 19911K bytes of memory.
Processor board ID FOC0910Z0AB
";
    assert_eq!(detect_platform(c2950), Some(Platform::CiscoIos));
    let v = parse_show_version(c2950);
    assert_eq!(v.version.as_deref(), Some("12.1(22)EA14"));
    assert_eq!(v.model.as_deref(), Some("WS-C2950T-24"));
    assert_eq!(v.hostname.as_deref(), Some("old-sw"));
}
