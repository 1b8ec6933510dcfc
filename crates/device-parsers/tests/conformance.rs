//! Conformance against the ntc-templates corpus in testdata/ntc-templates.
//!
//! Every `<platform>/<command>/*.raw` fixture is parsed by our parser and
//! compared, field for field through a name map, with the fixture's
//! `parsed_sample`. Each command directory is either claimed (with a pass
//! floor) or listed as not claimed with a reason; a directory that is neither
//! fails the test, so new fixtures cannot be ignored silently. Differences we
//! keep on purpose are normalised in the comparators below, each with its
//! reason next to it.

mod common;

use common::{Checker, Diff, Rec, l, on, s};
use device_parsers::*;
use std::path::Path;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/ntc-templates");

fn o(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

fn first_line(v: &str) -> String {
    v.lines().next().unwrap_or("").trim().to_string()
}

fn running_image(image: &Option<String>) -> String {
    // ntc keeps only the part after the device prefix ("flash:"); we keep the
    // whole path, which is what a user copies into a boot command.
    let i = o(image);
    match i.split_once(':') {
        Some((_, rest)) => rest.to_string(),
        None => i,
    }
}

fn check_ios_version(raw: &str, exp: &[Rec]) -> Result<(), String> {
    let v = parse_show_version(raw);
    let mut d = Diff::new();
    let Some(e) = exp.first() else {
        return Err("no ntc record".into());
    };
    d.eq(0, "hostname", o(&v.hostname), s(e, "hostname"));
    d.eq(0, "version", o(&v.version), s(e, "version"));
    d.eq(0, "uptime", o(&v.uptime), s(e, "uptime"));
    d.eq(
        0,
        "reload_reason",
        o(&v.reload_reason),
        s(e, "reload_reason"),
    );
    d.eq(
        0,
        "running_image",
        running_image(&v.image),
        s(e, "running_image"),
    );
    d.eq(
        0,
        "config_register",
        o(&v.config_register),
        s(e, "config_register"),
    );
    d.eq(0, "rommon", o(&v.rommon), s(e, "rommon"));
    d.eq(
        0,
        "software_image",
        o(&v.software_image),
        s(e, "software_image"),
    );
    d.eq(0, "restarted", o(&v.restarted), s(e, "restarted"));
    d.eq(0, "release", o(&v.release), s(e, "release"));
    d.eq_list(0, "hardware", &v.hardware, &l(e, "hardware"));
    d.eq_list(0, "serial", &v.serials, &l(e, "serial"));
    d.eq_list(0, "mac_address", &v.mac_addresses, &l(e, "mac_address"));
    if v.platform.is_none() {
        d.0.push("platform not detected".into());
    }
    d.done()
}

fn check_nxos_version(raw: &str, exp: &[Rec]) -> Result<(), String> {
    let v = parse_show_version(raw);
    let mut d = Diff::new();
    let Some(e) = exp.first() else {
        return Err("no ntc record".into());
    };
    d.eq(0, "hostname", o(&v.hostname), s(e, "hostname"));
    // ntc keeps "10.4(5) [Maintenance Release]"; our version is the version
    // itself, the first word, so it compares with other devices' versions.
    d.eq(
        0,
        "os",
        o(&v.version),
        s(e, "os").split_whitespace().next().unwrap_or(""),
    );
    // ACI leaves print `cisco N9K-C9396PX ("supervisor")`; ntc drops the
    // `N9K-` of the PID, we keep the PID whole.
    let model = o(&v.model);
    d.eq(
        0,
        "platform",
        model.strip_prefix("N9K-").unwrap_or(&model),
        s(e, "platform"),
    );
    d.eq(0, "serial", o(&v.serial), s(e, "serial"));
    d.eq(0, "uptime", o(&v.uptime), s(e, "uptime"));
    d.eq(
        0,
        "last_reboot_reason",
        o(&v.reload_reason),
        s(e, "last_reboot_reason"),
    );
    d.eq(0, "boot_image", o(&v.image), s(e, "boot_image"));
    d.eq(0, "bios", o(&v.bios), s(e, "bios"));
    if v.platform != Some(Platform::CiscoNxos) {
        d.0.push(format!("platform detected as {:?}", v.platform));
    }
    d.done()
}

fn check_panos_info(raw: &str, exp: &[Rec]) -> Result<(), String> {
    let v = parse_panos_system_info(raw);
    let mut d = Diff::new();
    let Some(e) = exp.first() else {
        return Err("no ntc record".into());
    };
    d.eq(0, "hostname", o(&v.hostname), s(e, "hostname"));
    d.eq(0, "ip_address", o(&v.ip_address), s(e, "ip_address"));
    d.eq(0, "netmask", o(&v.netmask), s(e, "netmask"));
    d.eq(0, "gateway", o(&v.default_gateway), s(e, "gateway"));
    d.eq(0, "mac_address", o(&v.mac_address), s(e, "mac_address"));
    d.eq(0, "model", o(&v.model), s(e, "model"));
    d.eq(0, "serial", o(&v.serial), s(e, "serial"));
    d.eq(0, "os", o(&v.sw_version), s(e, "os"));
    d.eq(0, "uptime", o(&v.uptime), s(e, "uptime"));
    d.eq(0, "family", o(&v.family), s(e, "family"));
    d.eq(
        0,
        "platform_family",
        o(&v.platform_family),
        s(e, "platform_family"),
    );
    d.eq(0, "vm_mode", o(&v.vm_mode), s(e, "vm_mode"));
    d.eq(0, "vm_license", o(&v.vm_license), s(e, "vm_license"));
    d.eq(0, "multi_vsys", o(&v.multi_vsys), s(e, "multi_vsys"));
    d.eq(
        0,
        "operational_mode",
        o(&v.operational_mode),
        s(e, "operational_mode"),
    );
    d.eq(
        0,
        "vpn_disable_mode",
        o(&v.vpn_disable_mode),
        s(e, "vpn_disable_mode"),
    );
    d.done()
}

// ------------------------------------------------------------------ CDP

fn cdp_common(d: &mut Diff, i: usize, n: &CdpNeighbor, e: &Rec) {
    // ntc keeps the trailing space of "Platform: Cisco ,"; we trim.
    d.eq(i, "platform", o(&n.platform), s(e, "platform"));
    d.eq(
        i,
        "capabilities",
        o(&n.capabilities_raw),
        s(e, "capabilities"),
    );
    d.eq(
        i,
        "local_interface",
        o(&n.local_interface),
        s(e, "local_interface"),
    );
    d.eq(
        i,
        "neighbor_interface",
        o(&n.remote_interface),
        s(e, "neighbor_interface"),
    );
    // ntc keeps the first line of the Version block; we keep the block.
    d.eq(
        i,
        "neighbor_description",
        first_line(&o(&n.software_version)),
        s(e, "neighbor_description"),
    );
}

fn check_ios_cdp(raw: &str, exp: &[Rec]) -> Result<(), String> {
    let got = parse_cdp_neighbors_detail(raw);
    let mut d = Diff::new();
    if d.len(got.len(), exp.len()) {
        for (i, (n, e)) in got.iter().zip(exp).enumerate() {
            d.eq(i, "neighbor_name", &n.device_id, s(e, "neighbor_name"));
            // ntc's IOS template takes the first address printed (Entry
            // address first, then Management address).
            let first = n
                .entry_addresses
                .first()
                .or(n.management_addresses.first())
                .cloned();
            d.eq(i, "mgmt_address", o(&first), s(e, "mgmt_address"));
            cdp_common(&mut d, i, n, e);
        }
    }
    d.done()
}

fn check_nxos_cdp(raw: &str, exp: &[Rec]) -> Result<(), String> {
    let got = parse_cdp_neighbors_detail(raw);
    let mut d = Diff::new();
    if d.len(got.len(), exp.len()) {
        for (i, (n, e)) in got.iter().zip(exp).enumerate() {
            d.eq(i, "chassis_id", &n.device_id, s(e, "chassis_id"));
            d.eq(i, "neighbor_name", o(&n.system_name), s(e, "neighbor_name"));
            d.eq(
                i,
                "interface_ip",
                o(&n.entry_addresses.first().cloned()),
                s(e, "interface_ip"),
            );
            d.eq(
                i,
                "mgmt_address",
                o(&n.management_addresses.first().cloned()),
                s(e, "mgmt_address"),
            );
            cdp_common(&mut d, i, n, e);
        }
    }
    d.done()
}

fn check_xr_cdp(raw: &str, exp: &[Rec]) -> Result<(), String> {
    let got = parse_cdp_neighbors_detail(raw);
    let mut d = Diff::new();
    if d.len(got.len(), exp.len()) {
        for (i, (n, e)) in got.iter().zip(exp).enumerate() {
            d.eq(i, "chassis_id", &n.device_id, s(e, "chassis_id"));
            d.eq(i, "neighbor_name", o(&n.system_name), s(e, "neighbor_name"));
            let first = n
                .entry_addresses
                .first()
                .or(n.management_addresses.first())
                .cloned();
            d.eq(i, "mgmt_address", o(&first), s(e, "mgmt_address"));
            cdp_common(&mut d, i, n, e);
        }
    }
    d.done()
}

// ------------------------------------------------------------------ LLDP

fn check_ios_lldp(raw: &str, exp: &[Rec]) -> Result<(), String> {
    let got = parse_lldp_neighbors_detail(raw);
    let mut d = Diff::new();
    if d.len(got.len(), exp.len()) {
        for (i, (n, e)) in got.iter().zip(exp).enumerate() {
            d.eq(
                i,
                "local_interface",
                o(&n.local_interface),
                s(e, "local_interface"),
            );
            d.eq(i, "chassis_id", o(&n.chassis_id), s(e, "chassis_id"));
            d.eq(
                i,
                "neighbor_port_id",
                o(&n.port_id),
                s(e, "neighbor_port_id"),
            );
            d.eq(
                i,
                "neighbor_interface",
                o(&n.port_description),
                s(e, "neighbor_interface"),
            );
            d.eq(i, "neighbor_name", o(&n.system_name), s(e, "neighbor_name"));
            // ntc keeps the first description line; we keep all of them.
            d.eq(
                i,
                "neighbor_description",
                first_line(&o(&n.system_description)),
                s(e, "neighbor_description"),
            );
            d.eq(
                i,
                "capabilities",
                o(&n.capabilities_raw),
                s(e, "capabilities"),
            );
            d.eq(
                i,
                "mgmt_address",
                o(&n.management_addresses.first().cloned()),
                s(e, "mgmt_address"),
            );
            d.eq(i, "vlan_id", on(&n.vlan_id), s(e, "vlan_id"));
            d.eq(i, "serial", o(&n.serial), s(e, "serial"));
            d.eq(i, "manufacturer", o(&n.manufacturer), s(e, "manufacturer"));
        }
    }
    d.done()
}

fn check_nxos_lldp(raw: &str, exp: &[Rec]) -> Result<(), String> {
    let got = parse_lldp_neighbors_detail(raw);
    let mut d = Diff::new();
    if d.len(got.len(), exp.len()) {
        for (i, (n, e)) in got.iter().zip(exp).enumerate() {
            d.eq(
                i,
                "local_interface",
                o(&n.local_interface),
                s(e, "local_interface"),
            );
            d.eq(i, "chassis_id", o(&n.chassis_id), s(e, "chassis_id"));
            d.eq(
                i,
                "neighbor_interface",
                o(&n.port_id),
                s(e, "neighbor_interface"),
            );
            d.eq(i, "neighbor_name", o(&n.system_name), s(e, "neighbor_name"));
            d.eq(
                i,
                "neighbor_description",
                first_line(&o(&n.system_description)),
                s(e, "neighbor_description"),
            );
            d.eq(
                i,
                "capabilities",
                o(&n.capabilities_raw),
                s(e, "capabilities"),
            );
            d.eq(
                i,
                "mgmt_address",
                o(&n.management_addresses.first().cloned()),
                s(e, "mgmt_address"),
            );
            d.eq(i, "vlan_id", on(&n.vlan_id), s(e, "vlan_id"));
        }
    }
    d.done()
}

fn check_xr_lldp(raw: &str, exp: &[Rec]) -> Result<(), String> {
    let got = parse_lldp_neighbors_detail(raw);
    let mut d = Diff::new();
    if d.len(got.len(), exp.len()) {
        for (i, (n, e)) in got.iter().zip(exp).enumerate() {
            d.eq(
                i,
                "local_interface",
                o(&n.local_interface),
                s(e, "local_interface"),
            );
            d.eq(i, "chassis_id", o(&n.chassis_id), s(e, "chassis_id"));
            d.eq(
                i,
                "neighbor_port_id",
                o(&n.port_id),
                s(e, "neighbor_port_id"),
            );
            d.eq(
                i,
                "neighbor_port_description",
                o(&n.port_description),
                s(e, "neighbor_port_description"),
            );
            d.eq(i, "neighbor", o(&n.system_name), s(e, "neighbor"));
            d.eq(
                i,
                "capabilities",
                o(&n.capabilities_raw),
                s(e, "capabilities"),
            );
            // ntc joins the description lines with a space (YAML folding).
            d.eq(
                i,
                "system_description",
                first_line(&o(&n.system_description)),
                s(e, "system_description"),
            );
            let v4 = n
                .management_addresses
                .iter()
                .find(|a| a.contains('.'))
                .cloned();
            d.eq(i, "management_ip", o(&v4), s(e, "management_ip"));
        }
    }
    d.done()
}

// ------------------------------------------------------------------ tables

/// ntc keeps `N/A`; we read it as "no value" (a serial of "N/A" must not
/// become a device identity).
fn na(v: String) -> String {
    if v == "N/A" { String::new() } else { v }
}

fn check_inventory(raw: &str, exp: &[Rec]) -> Result<(), String> {
    let got = parse_inventory(raw);
    let mut d = Diff::new();
    if d.len(got.len(), exp.len()) {
        for (i, (n, e)) in got.iter().zip(exp).enumerate() {
            d.eq(i, "name", &n.name, s(e, "name"));
            d.eq(i, "descr", o(&n.description), s(e, "descr"));
            d.eq(i, "pid", o(&n.pid), na(s(e, "pid")));
            d.eq(i, "vid", o(&n.vid), na(s(e, "vid")));
            d.eq(i, "sn", o(&n.serial), na(s(e, "sn")));
        }
    }
    d.done()
}

fn check_switch(raw: &str, exp: &[Rec]) -> Result<(), String> {
    let got = parse_show_switch(raw);
    let mut d = Diff::new();
    if d.len(got.len(), exp.len()) {
        for (i, (n, e)) in got.iter().zip(exp).enumerate() {
            d.eq(i, "switch", n.switch.to_string(), s(e, "switch"));
            d.eq(i, "role", &n.role, s(e, "role"));
            d.eq(i, "mac_address", &n.mac_address, s(e, "mac_address"));
            d.eq(i, "priority", on(&n.priority), s(e, "priority"));
            d.eq(i, "version", o(&n.hw_version), s(e, "version"));
            d.eq(i, "state", &n.state, s(e, "state"));
            if e.contains_key("status1") {
                d.eq(i, "status1", o(&n.stack_port1), s(e, "status1"));
                d.eq(i, "status2", o(&n.stack_port2), s(e, "status2"));
                d.eq(i, "neighbor1", o(&n.neighbor1), s(e, "neighbor1"));
                d.eq(i, "neighbor2", o(&n.neighbor2), s(e, "neighbor2"));
            }
        }
    }
    d.done()
}

fn check_ios_module(raw: &str, exp: &[Rec]) -> Result<(), String> {
    let got = parse_show_module(raw);
    // ntc repeats a module once per sub-module; we nest sub-modules. Compare
    // against ntc's first row per (switch, module).
    let mut seen = std::collections::HashSet::new();
    let exp: Vec<&Rec> = exp
        .iter()
        .filter(|e| seen.insert((s(e, "switch_number"), s(e, "module"))))
        .collect();
    let mut d = Diff::new();
    if d.len(got.len(), exp.len()) {
        for (i, (n, e)) in got.iter().zip(exp).enumerate() {
            d.eq(i, "module", n.module.to_string(), s(e, "module"));
            d.eq(i, "port", on(&n.ports), s(e, "port"));
            // "4   0    Unknown Module": ntc splits it into cardtype "Unknown"
            // and model "Module"; we keep the card type whole and no model.
            if s(e, "model") == "Module" {
                d.eq(
                    i,
                    "cardtype",
                    o(&n.card_type),
                    format!("{} Module", s(e, "cardtype")),
                );
            } else {
                d.eq(i, "cardtype", o(&n.card_type), s(e, "cardtype"));
                d.eq(i, "model", o(&n.model), s(e, "model"));
            }
            d.eq(i, "serial", o(&n.serial), s(e, "serial"));
            // ntc's template does not read the Catalyst 4500 " M MAC
            // addresses" table (ruled with `--+---`) and leaves these empty;
            // we read it. Compare only where ntc has a value.
            for (field, ours) in [
                ("mac_address", &n.mac_range),
                ("mod_hw", &n.hw),
                ("mod_fw", &n.fw),
                ("mod_sw", &n.sw),
                ("status", &n.status),
            ] {
                if !s(e, field).is_empty() {
                    d.eq(i, field, o(ours), s(e, field));
                }
            }
            d.eq(i, "online_diag", o(&n.online_diag), s(e, "online_diag"));
            d.eq(
                i,
                "switch_number",
                on(&n.switch_number),
                s(e, "switch_number"),
            );
        }
    }
    d.done()
}

fn check_nxos_module(raw: &str, exp: &[Rec]) -> Result<(), String> {
    let got = parse_show_module(raw);
    let mut d = Diff::new();
    if d.len(got.len(), exp.len()) {
        for (i, (n, e)) in got.iter().zip(exp).enumerate() {
            d.eq(i, "module", n.module.to_string(), s(e, "module"));
            d.eq(i, "ports", on(&n.ports), s(e, "ports"));
            // "24   0    Unknown Module" with no model: same split as on IOS.
            if s(e, "model") == "Module" {
                d.eq(
                    i,
                    "type",
                    o(&n.card_type),
                    format!("{} Module", s(e, "type")),
                );
            } else {
                d.eq(i, "type", o(&n.card_type), s(e, "type"));
                d.eq(i, "model", o(&n.model), s(e, "model"));
            }
            d.eq(i, "status", o(&n.status), s(e, "status"));
        }
    }
    d.done()
}

fn check_vlan(raw: &str, exp: &[Rec]) -> Result<(), String> {
    let got = parse_show_vlan(raw);
    let mut d = Diff::new();
    if d.len(got.len(), exp.len()) {
        for (i, (n, e)) in got.iter().zip(exp).enumerate() {
            d.eq(i, "vlan_id", n.vlan_id.to_string(), s(e, "vlan_id"));
            d.eq(i, "vlan_name", &n.name, s(e, "vlan_name"));
            d.eq(i, "status", &n.status, s(e, "status"));
            d.eq_list(i, "interfaces", &n.interfaces, &l(e, "interfaces"));
        }
    }
    d.done()
}

fn check_int_status(raw: &str, exp: &[Rec]) -> Result<(), String> {
    let got = parse_interfaces_status(raw);
    let mut d = Diff::new();
    if d.len(got.len(), exp.len()) {
        for (i, (n, e)) in got.iter().zip(exp).enumerate() {
            d.eq(i, "port", &n.port, s(e, "port"));
            d.eq(i, "name", o(&n.name), s(e, "name"));
            d.eq(i, "status", &n.status, s(e, "status"));
            // EOS prints "in Po49" for a port-channel member; ntc keeps
            // "Po49", we keep the words, which cannot be mistaken for a VLAN.
            let vlan = n.vlan.strip_prefix("in ").unwrap_or(&n.vlan);
            d.eq(i, "vlan_id", vlan, s(e, "vlan_id"));
            d.eq(i, "duplex", &n.duplex, s(e, "duplex"));
            d.eq(i, "speed", &n.speed, s(e, "speed"));
            d.eq(i, "type", o(&n.media_type), s(e, "type"));
        }
    }
    d.done()
}

/// ntc keeps the port as printed (`Gi0/1`, `Eth4/1`); ours is the long
/// form, compared through the same normaliser. ntc keeps NX-OS's `--` (no
/// description) and IOS's empty cell; both are `None` for us.
fn check_int_description(raw: &str, exp: &[Rec]) -> Result<(), String> {
    let got = parse_interfaces_description(raw);
    let mut d = Diff::new();
    if d.len(got.len(), exp.len()) {
        for (i, (n, e)) in got.iter().zip(exp).enumerate() {
            d.eq(i, "port", &n.interface, interface_long(&s(e, "port")));
            let ntc = s(e, "description");
            let none = ntc.is_empty() || ntc == "--";
            match &n.description {
                None if none => {}
                ours => d.eq(i, "description", o(ours), ntc),
            }
            // NX-OS prints no status: ntc has no field, we have `None`.
            d.eq(i, "status", o(&n.status), s(e, "status"));
            d.eq(i, "protocol", o(&n.protocol), s(e, "protocol"));
            // NX-OS `type` and `speed` are not kept: the status table the
            // walk also asks has both.
        }
    }
    d.done()
}

fn check_ip_brief(raw: &str, exp: &[Rec]) -> Result<(), String> {
    let got = parse_ip_interface_brief(raw);
    let mut d = Diff::new();
    if d.len(got.len(), exp.len()) {
        for (i, (n, e)) in got.iter().zip(exp).enumerate() {
            d.eq(i, "interface", &n.interface, s(e, "interface"));
            d.eq(i, "ip_address", &n.ip_address, s(e, "ip_address"));
            d.eq(i, "status", &n.status, s(e, "status"));
            let proto_key = if e.contains_key("proto") {
                "proto"
            } else {
                "protocol"
            };
            d.eq(i, proto_key, &n.protocol, s(e, proto_key));
            if e.contains_key("vrf") {
                d.eq(i, "vrf", o(&n.vrf), s(e, "vrf"));
            }
            if e.contains_key("link") {
                d.eq(i, "link", o(&n.link), s(e, "link"));
            }
            if e.contains_key("mtu") {
                d.eq(i, "mtu", on(&n.mtu), s(e, "mtu"));
            }
        }
    }
    d.done()
}

fn check_cdp_summary(raw: &str, exp: &[Rec]) -> Result<(), String> {
    let got = parse_cdp_neighbors(raw);
    let mut d = Diff::new();
    if d.len(got.len(), exp.len()) {
        for (i, (n, e)) in got.iter().zip(exp).enumerate() {
            d.eq(i, "neighbor_name", &n.device_id, s(e, "neighbor_name"));
            d.eq(
                i,
                "local_interface",
                &n.local_interface,
                s(e, "local_interface"),
            );
            d.eq(
                i,
                "neighbor_interface",
                o(&n.remote_interface),
                s(e, "neighbor_interface"),
            );
            d.eq(i, "platform", o(&n.platform), s(e, "platform"));
            d.eq(
                i,
                "capabilities",
                o(&n.capabilities_raw),
                s(e, "capabilities"),
            );
            if e.contains_key("holdtime") {
                d.eq(i, "holdtime", on(&n.holdtime), s(e, "holdtime"));
            }
        }
    }
    d.done()
}

fn check_lldp_summary(raw: &str, exp: &[Rec]) -> Result<(), String> {
    let got = parse_lldp_neighbors(raw);
    let mut d = Diff::new();
    if d.len(got.len(), exp.len()) {
        for (i, (n, e)) in got.iter().zip(exp).enumerate() {
            // ntc loses the ID of a wrapped entry whose ID line ends in a
            // space ("fw1-clinical-partner "); we keep it. Compare names only
            // where ntc has one.
            if !s(e, "neighbor_name").is_empty() {
                d.eq(i, "neighbor_name", &n.device_id, s(e, "neighbor_name"));
            }
            d.eq(
                i,
                "local_interface",
                &n.local_interface,
                s(e, "local_interface"),
            );
            d.eq(
                i,
                "neighbor_interface",
                o(&n.remote_interface),
                s(e, "neighbor_interface"),
            );
            if e.contains_key("capabilities") {
                d.eq(
                    i,
                    "capabilities",
                    o(&n.capabilities_raw),
                    s(e, "capabilities"),
                );
            }
        }
    }
    d.done()
}

// ------------------------------------------------------------------ registry

/// (platform dir, command dir, checker, floor: passes that must not drop).
const CLAIMED: &[(&str, &str, Checker, usize)] = &[
    ("cisco_ios", "show_version", check_ios_version, 9),
    ("cisco_nxos", "show_version", check_nxos_version, 8),
    ("paloalto_panos", "show_system_info", check_panos_info, 1),
    ("cisco_ios", "show_cdp_neighbors_detail", check_ios_cdp, 2),
    ("cisco_nxos", "show_cdp_neighbors_detail", check_nxos_cdp, 4),
    ("cisco_xr", "show_cdp_neighbors_detail", check_xr_cdp, 1),
    ("cisco_ios", "show_lldp_neighbors_detail", check_ios_lldp, 9),
    (
        "cisco_nxos",
        "show_lldp_neighbors_detail",
        check_nxos_lldp,
        2,
    ),
    ("cisco_xr", "show_lldp_neighbors_detail", check_xr_lldp, 1),
    ("cisco_ios", "show_cdp_neighbors", check_cdp_summary, 4),
    ("cisco_nxos", "show_cdp_neighbors", check_cdp_summary, 2),
    ("cisco_ios", "show_lldp_neighbors", check_lldp_summary, 3),
    ("cisco_nxos", "show_lldp_neighbors", check_lldp_summary, 2),
    ("cisco_xr", "show_lldp_neighbors", check_lldp_summary, 1),
    ("arista_eos", "show_lldp_neighbors", check_lldp_summary, 2),
    ("cisco_ios", "show_inventory", check_inventory, 1),
    ("cisco_nxos", "show_inventory", check_inventory, 4),
    ("cisco_xr", "show_inventory", check_inventory, 1),
    ("cisco_ios", "show_switch_detail", check_switch, 6),
    ("cisco_ios", "show_module", check_ios_module, 7),
    ("cisco_nxos", "show_module", check_nxos_module, 4),
    ("cisco_ios", "show_vlan", check_vlan, 1),
    ("cisco_nxos", "show_vlan", check_vlan, 2),
    ("arista_eos", "show_vlan", check_vlan, 1),
    ("cisco_ios", "show_interfaces_status", check_int_status, 4),
    ("cisco_nxos", "show_interface_status", check_int_status, 7),
    ("arista_eos", "show_interfaces_status", check_int_status, 4),
    (
        "cisco_ios",
        "show_interfaces_description",
        check_int_description,
        1,
    ),
    (
        "cisco_nxos",
        "show_interface_description",
        check_int_description,
        2,
    ),
    ("cisco_ios", "show_ip_interface_brief", check_ip_brief, 1),
    ("cisco_nxos", "show_ip_interface_brief", check_ip_brief, 3),
    ("cisco_xr", "show_ip_interface_brief", check_ip_brief, 1),
    ("arista_eos", "show_ip_interface_brief", check_ip_brief, 1),
];

/// Command directories we do not claim, and why.
const NOT_CLAIMED: &[(&str, &str, &str)] = &[
    (
        "cisco_ios",
        "show_cdp_neighbors",
        "summary table; the walker reads the detail form only",
    ),
    (
        "cisco_nxos",
        "show_cdp_neighbors",
        "summary table; the walker reads the detail form only",
    ),
    (
        "cisco_ios",
        "show_lldp_neighbors",
        "summary table; the walker reads the detail form only",
    ),
    (
        "cisco_nxos",
        "show_lldp_neighbors",
        "summary table; the walker reads the detail form only",
    ),
    (
        "cisco_xr",
        "show_lldp_neighbors",
        "summary table; the walker reads the detail form only",
    ),
    (
        "arista_eos",
        "show_lldp_neighbors",
        "summary table; the walker reads the detail form only",
    ),
    (
        "cisco_xr",
        "show_version",
        "IOS-XR is not a platform the product walks (no Platform variant)",
    ),
    (
        "arista_eos",
        "show_version",
        "EOS is not a platform the product walks; its show version shares no layout with IOS/NX-OS",
    ),
    (
        "arista_eos",
        "show_inventory",
        "EOS prints inventory as column tables, not NAME:/PID: pairs",
    ),
    (
        "arista_eos",
        "show_module",
        "EOS module tables differ in columns from IOS/NX-OS (no mapping yet)",
    ),
    (
        "arista_eos",
        "show_lldp_neighbors_detail",
        "EOS `- Key: value` LLDP layout, not the Cisco one (no mapping yet)",
    ),
];

/// Fixtures whose difference from ntc we keep on purpose (stem, reason).
const KNOWN: &[(&str, &str)] = &[(
    "cisco_nxos_show_ip_interface_brief_vrf_all_01",
    "ntc drops the unnumbered `mti6 unnumbered (loopback0)` row; we keep it (an interface with an unnumbered address is still an L3 interface)",
)];

#[test]
fn ntc_templates_conformance() {
    common::run_corpus(Path::new(ROOT), CLAIMED, NOT_CLAIMED, KNOWN);
}
