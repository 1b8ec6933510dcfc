//! Linux lldpd: `lldpcli show neighbors details` (text) and
//! `lldpcli -f json show neighbors details`, in the shapes lldpd 1.0.x prints.

use device_parsers::*;

const TEXT: &str = "\
-------------------------------------------------------------------------------
LLDP neighbors:
-------------------------------------------------------------------------------
Interface:    eth0, via: LLDP, RID: 1, Time: 0 day, 00:01:02
  Chassis:
    ChassisID:    mac 52:54:00:12:34:56
    SysName:      acc-sw-01.corp.example.com
    SysDescr:     Cisco IOS Software, C3750E Software (C3750E-UNIVERSALK9-M), Version 15.0(2)SE11, RELEASE SOFTWARE (fc3)
                  Technical Support: http://www.cisco.com/techsupport
                  Copyright (c) 1986-2017 by Cisco Systems, Inc.
    MgmtIP:       192.0.2.10
    MgmtIface:    1
    MgmtIP:       2001:db8::10
    Capability:   Bridge, on
    Capability:   Router, off
  Port:
    PortID:       ifname Gi1/0/10
    PortDescr:    GigabitEthernet1/0/10
    TTL:          120
    PMD autoneg:  supported: yes, enabled: yes
      Adv:          10Base-T, HD: yes, FD: yes
      MAU oper type: 1000BaseTFD - Four-pair Category 5 UTP, full duplex mode
  VLAN:         10, pvid: yes
-------------------------------------------------------------------------------
Interface:    eth1, via: LLDP, RID: 2, Time: 0 day, 00:00:31
  Chassis:
    ChassisID:    mac 0c:c4:7a:00:00:01
    SysName:      db-02
    SysDescr:     Debian GNU/Linux 12 (bookworm) Linux 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01) x86_64
    MgmtIP:       198.51.100.7
    Capability:   Bridge, off
    Capability:   Router, off
    Capability:   Wlan, off
    Capability:   Station, on
  Port:
    PortID:       mac 0c:c4:7a:00:00:02
    PortDescr:    eno1
    TTL:          120
-------------------------------------------------------------------------------
";

#[test]
fn lldpd_text_two_neighbours() {
    let n = parse_lldpd_text(TEXT);
    assert_eq!(n.len(), 2, "{n:#?}");
    let a = &n[0];
    assert_eq!(a.local_interface.as_deref(), Some("eth0"));
    assert_eq!(a.chassis_id.as_deref(), Some("52:54:00:12:34:56"));
    assert_eq!(a.system_name.as_deref(), Some("acc-sw-01.corp.example.com"));
    assert_eq!(a.name.as_deref(), Some("acc-sw-01"));
    assert_eq!(
        a.management_addresses,
        vec!["192.0.2.10".to_string(), "2001:db8::10".to_string()]
    );
    assert_eq!(
        a.system_capabilities,
        vec![Capability::Router, Capability::Bridge]
    );
    assert_eq!(a.capabilities, vec![Capability::Bridge]);
    assert_eq!(a.port_id.as_deref(), Some("Gi1/0/10"));
    assert_eq!(a.remote_interface(), Some("Gi1/0/10"));
    assert_eq!(a.time_remaining, Some(120));
    assert_eq!(a.vlan_id, Some(10));
    let d = a.system_description.as_deref().unwrap_or("");
    assert_eq!(d.lines().count(), 3, "{d}");
    assert!(
        d.lines()
            .nth(1)
            .unwrap_or("")
            .starts_with("Technical Support:")
    );

    let b = &n[1];
    assert_eq!(b.local_interface.as_deref(), Some("eth1"));
    assert_eq!(b.capabilities, vec![Capability::Host]);
    // A MAC port id is not an interface name: the description is better.
    assert_eq!(b.remote_interface(), Some("eno1"));
}

const JSON_ONE: &str = r#"{
  "lldp": {
    "interface": {
      "eth0": {
        "via": "LLDP",
        "rid": "1",
        "age": "0 day, 00:01:02",
        "chassis": {
          "acc-sw-01.corp.example.com": {
            "id": {"type": "mac", "value": "52:54:00:12:34:56"},
            "descr": "Cisco IOS Software, C3750E Software (C3750E-UNIVERSALK9-M), Version 15.0(2)SE11, RELEASE SOFTWARE (fc3)",
            "mgmt-ip": ["192.0.2.10", "2001:db8::10"],
            "mgmt-iface": ["1", "1"],
            "capability": [
              {"type": "Bridge", "enabled": true},
              {"type": "Router", "enabled": false}
            ]
          }
        },
        "port": {
          "id": {"type": "ifname", "value": "Gi1/0/10"},
          "descr": "GigabitEthernet1/0/10",
          "ttl": "120"
        },
        "vlan": {"vlan-id": "10", "pvid": true}
      }
    }
  }
}"#;

const JSON_MANY: &str = r#"{
  "lldp": {
    "interface": [
      {"eth0": {
        "via": "LLDP",
        "chassis": {
          "core-1": {
            "id": {"type": "mac", "value": "00:11:22:33:44:55"},
            "mgmt-ip": "10.0.0.1",
            "capability": {"type": "Router", "enabled": true}
          }
        },
        "port": {"id": {"type": "ifname", "value": "Ethernet1/1"}, "descr": "to-linux"}
      }},
      {"eth1": {
        "via": "LLDP",
        "chassis": {
          "id": {"type": "mac", "value": "00:aa:bb:cc:dd:ee"},
          "descr": "AXIS P3225-LV Mk II Network Camera"
        },
        "port": {"id": {"type": "mac", "value": "00:aa:bb:cc:dd:ee"}},
        "lldp-med": {"inventory": {"manufacturer": "AXIS", "model": "P3225-LV Mk II", "serial": "ACCC8E000001"}}
      }}
    ]
  }
}"#;

#[test]
fn lldpd_json_single_interface_object() {
    let n = parse_lldpd_json(JSON_ONE);
    assert_eq!(n.len(), 1);
    let text = parse_lldpd_text(TEXT);
    // The JSON and text forms of the same neighbour agree on what matters.
    let (j, t) = (&n[0], &text[0]);
    assert_eq!(j.local_interface, t.local_interface);
    assert_eq!(j.chassis_id, t.chassis_id);
    assert_eq!(j.name, t.name);
    assert_eq!(j.management_addresses, t.management_addresses);
    assert_eq!(j.capabilities, t.capabilities);
    assert_eq!(j.system_capabilities, t.system_capabilities);
    assert_eq!(j.port_id, t.port_id);
    assert_eq!(j.port_description, t.port_description);
    assert_eq!(j.vlan_id, Some(10));
    assert_eq!(j.time_remaining, Some(120));
}

#[test]
fn lldpd_json_array_of_interfaces_and_unwrapped_values() {
    let n = parse_lldpd_json(JSON_MANY);
    assert_eq!(n.len(), 2, "{n:#?}");
    assert_eq!(n[0].system_name.as_deref(), Some("core-1"));
    assert_eq!(n[0].management_addresses, vec!["10.0.0.1".to_string()]);
    assert_eq!(n[0].capabilities, vec![Capability::Router]);
    // No SysName: the chassis object is not keyed by a name.
    assert_eq!(n[1].system_name, None);
    assert_eq!(n[1].chassis_id.as_deref(), Some("00:aa:bb:cc:dd:ee"));
    assert_eq!(n[1].name.as_deref(), Some("00:aa:bb:cc:dd:ee"));
    assert_eq!(n[1].serial.as_deref(), Some("ACCC8E000001"));
    let p = normalize_platform(n[1].system_description.as_deref().unwrap_or(""));
    assert_eq!(p.vendor.as_deref(), Some("Axis"));
    assert_eq!(p.model.as_deref(), Some("P3225-LV"));
}

#[test]
fn lldpd_json_garbage_and_empty() {
    assert!(parse_lldpd_json("").is_empty());
    assert!(parse_lldpd_json("{not json").is_empty());
    assert!(parse_lldpd_json(r#"{"lldp": {}}"#).is_empty());
    assert!(parse_lldpd_json(r#"{"lldp": {"interface": 5}}"#).is_empty());
    assert!(parse_lldpd_json("[1,2,3]").is_empty());
}

#[test]
fn dispatch_reaches_lldpd_parsers() {
    let p = parse(
        Platform::Linux,
        "lldpcli -f json show neighbors details",
        JSON_MANY,
    )
    .unwrap();
    assert_eq!(p.len(), 2);
    let p = parse(Platform::Linux, "lldpcli show neighbors details", TEXT).unwrap();
    assert_eq!(p.len(), 2);
}
