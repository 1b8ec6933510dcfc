//! Linux hosts running lldpd: `lldpcli` in JSON (an object for one
//! neighbour, an array for several) and text, and the identity commands
//! (`hostname`, `uname -a`, os-release, DMI serial).

use super::neighbor::{
    ends_with, fqdn, lldp_cap_words, lldp_capabilities, lldp_port_id, software_text,
};
use super::{chassis_mac, colon_mac};
use crate::topology::{DeviceSpec, Protocol, TopologyIndex};
use std::fmt::Write as _;

pub(super) fn lldpcli_json(topo: &TopologyIndex, idx: usize) -> String {
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

pub(super) fn lldpcli_text(topo: &TopologyIndex, idx: usize) -> String {
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

pub(super) fn hostname(d: &DeviceSpec) -> String {
    format!("{}\n", d.hostname)
}

pub(super) fn uname(d: &DeviceSpec) -> String {
    format!(
        "Linux {} 6.1.0-26-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.112-1 (2024-09-30) x86_64 GNU/Linux\n",
        d.hostname
    )
}

/// `cat /etc/os-release`: the topology's version is the pretty name.
pub(super) fn os_release(d: &DeviceSpec) -> String {
    format!(
        "PRETTY_NAME=\"{v}\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nID=debian\n",
        v = d.version
    )
}

/// `cat /sys/class/dmi/id/product_serial`.
pub(super) fn product_serial(d: &DeviceSpec) -> String {
    format!("{}\n", d.serial)
}

#[cfg(test)]
mod tests {
    use crate::render::tests::lab;
    use crate::render::{Command, render};
    use crate::topology::{DeviceKind, Protocol, TopologyIndex};
    use device_platform::Platform;

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
