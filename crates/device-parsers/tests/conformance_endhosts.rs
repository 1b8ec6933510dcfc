//! Conformance against the end-host corpus in testdata/ntc-templates-endhosts
//! (MAC address tables, ARP and IPv6 neighbour caches, switchport state).
//!
//! Same rules as `conformance.rs`: every `<platform>/<command>/*.raw` is
//! parsed and compared, field for field through a name map, with the
//! fixture's `parsed_sample`; each command directory is claimed (with a pass
//! floor) or listed as not claimed with a reason. Differences we keep on
//! purpose are normalised in the comparators, each with its reason.

mod common;

use common::{Claim, Diff, Rec, l, on, run_corpus, s};
use device_parsers::*;
use std::net::IpAddr;
use std::path::Path;

const ROOT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../testdata/ntc-templates-endhosts"
);

// ------------------------------------------------------------------ MAC table

/// Our VLAN as ntc prints it: IOS prints `All` for entries valid in every
/// VLAN (CPU addresses); we have no VLAN number for them (`None`).
fn vlan_text(v: Option<u16>, ntc: &str) -> String {
    match v {
        Some(v) => v.to_string(),
        None if ntc == "All" => ntc.to_string(),
        None => String::new(),
    }
}

fn check_ios_mac(raw: &str, exp: &[Rec]) -> Result<(), String> {
    // ntc's IOS template skips the Catalyst 4500 `Multicast Entries` table
    // (system entries for group addresses, with flood lists); we keep them.
    // Compare without them.
    let got: Vec<MacEntry> = parse_mac_address_table(raw)
        .into_iter()
        .filter(|e| !(e.kind == MacKind::System && e.mac.0[0] & 1 == 1))
        .collect();
    let mut d = Diff::new();
    if d.len(got.len(), exp.len()) {
        for (i, (n, e)) in got.iter().zip(exp).enumerate() {
            // ntc copies the address as printed; every IOS capture prints
            // the dotted Cisco form.
            d.eq(
                i,
                "destination_address",
                n.mac.to_cisco(),
                s(e, "destination_address"),
            );
            d.eq(
                i,
                "vlan_id",
                vlan_text(n.vlan, &s(e, "vlan_id")),
                s(e, "vlan_id"),
            );
            // ntc keeps the type word as printed (`DYNAMIC`, `static`); we
            // keep the kind.
            if n.kind != MacKind::from_type(&s(e, "type")) {
                d.0.push(format!(
                    "record {i} type: ours {:?} ntc {:?}",
                    n.kind,
                    s(e, "type")
                ));
            }
            d.eq_list(i, "destination_port", &n.ports, &l(e, "destination_port"));
        }
    }
    d.done()
}

fn check_nxos_mac(raw: &str, exp: &[Rec]) -> Result<(), String> {
    let got = parse_mac_address_table(raw);
    let mut d = Diff::new();
    if d.len(got.len(), exp.len()) {
        for (i, (n, e)) in got.iter().zip(exp).enumerate() {
            d.eq(i, "mac_address", n.mac.to_cisco(), s(e, "mac_address"));
            d.eq(
                i,
                "vlan_id",
                vlan_text(n.vlan, &s(e, "vlan_id")),
                s(e, "vlan_id"),
            );
            if n.kind != MacKind::from_type(&s(e, "type")) {
                d.0.push(format!(
                    "record {i} type: ours {:?} ntc {:?}",
                    n.kind,
                    s(e, "type")
                ));
            }
            // `-` (no age, static entries) is `None` for us.
            let age = on(&n.age_seconds);
            d.eq(
                i,
                "age",
                if age.is_empty() { "-" } else { &age },
                s(e, "age"),
            );
            d.eq(
                i,
                "secure",
                if n.secure { "T" } else { "F" },
                s(e, "secure"),
            );
            // ntc's `ports` is the column text; ours is the list.
            d.eq(i, "ports", n.ports.join(","), s(e, "ports"));
            // NTFY (MAC notification) is not kept: nothing in end-host
            // tracking reads it.
        }
    }
    d.done()
}

// ------------------------------------------------------------------ ARP / ND

/// Our value as ntc prints it where it prints `-` for "none" (age of the
/// device's own entries, a missing interface): `None` for us.
fn dash(v: &Option<String>, ntc: &str) -> String {
    match v {
        Some(x) => x.clone(),
        None if ntc == "-" => "-".to_string(),
        None => String::new(),
    }
}

/// ntc copies the MAC cell as printed; ours is `None` for the "not resolved"
/// words (`Incomplete`, `INCOMPLETE`, `(incomplete)` -> ntc `incomplete`,
/// `-`), which must then be what ntc holds.
fn check_mac(d: &mut Diff, i: usize, field: &str, ours: Option<MacAddr>, ntc: &str) {
    match ours {
        Some(m) => {
            let mine = if ntc.contains(':') {
                m.to_string()
            } else {
                m.to_cisco()
            };
            d.eq(i, field, mine, ntc);
        }
        None if ntc.eq_ignore_ascii_case("incomplete") || ntc == "-" => {}
        None => d.eq(i, field, "", ntc),
    }
}

/// ntc keeps the address as printed (IOS upper-case IPv6); ours is an
/// `IpAddr`, compared by value.
fn check_ip(d: &mut Diff, i: usize, field: &str, ours: IpAddr, ntc: &str) {
    if ntc.parse::<IpAddr>().ok() != Some(ours) {
        d.eq(i, field, ours.to_string(), ntc);
    }
}

fn check_ios_arp(raw: &str, exp: &[Rec]) -> Result<(), String> {
    let got = parse_ios_arp(raw);
    let mut d = Diff::new();
    if d.len(got.len(), exp.len()) {
        for (i, (n, e)) in got.iter().zip(exp).enumerate() {
            // `show ip arp` and `show arp` templates name the fields apart.
            let (ip_k, age_k, mac_k) = if e.contains_key("address") {
                ("address", "age_min", "hardware_address")
            } else {
                ("ip_address", "age", "mac_address")
            };
            check_ip(&mut d, i, ip_k, n.ip, &s(e, ip_k));
            d.eq(i, age_k, dash(&n.age, &s(e, age_k)), s(e, age_k));
            check_mac(&mut d, i, mac_k, n.mac, &s(e, mac_k));
            d.eq(i, "type", on(&n.encapsulation), s(e, "type"));
            d.eq(i, "interface", on(&n.interface), s(e, "interface"));
            // `protocol` is always `Internet`: we read only those rows.
            d.eq(i, "protocol", "Internet", s(e, "protocol"));
        }
    }
    d.done()
}

fn check_ios_nd(raw: &str, exp: &[Rec]) -> Result<(), String> {
    let got = parse_ios_ipv6_neighbors(raw);
    let mut d = Diff::new();
    if d.len(got.len(), exp.len()) {
        for (i, (n, e)) in got.iter().zip(exp).enumerate() {
            check_ip(&mut d, i, "address", n.ip, &s(e, "address"));
            d.eq(i, "age", dash(&n.age, &s(e, "age")), s(e, "age"));
            check_mac(&mut d, i, "mac_address", n.mac, &s(e, "mac_address"));
            d.eq(i, "type", on(&n.state), s(e, "type"));
            d.eq(i, "interface", on(&n.interface), s(e, "interface"));
        }
    }
    d.done()
}

fn check_nxos_arp(raw: &str, exp: &[Rec]) -> Result<(), String> {
    let got = parse_nxos_arp(raw);
    let mut d = Diff::new();
    if d.len(got.len(), exp.len()) {
        for (i, (n, e)) in got.iter().zip(exp).enumerate() {
            check_ip(&mut d, i, "ip_address", n.ip, &s(e, "ip_address"));
            d.eq(i, "age", dash(&n.age, &s(e, "age")), s(e, "age"));
            check_mac(&mut d, i, "mac_address", n.mac, &s(e, "mac_address"));
            d.eq(
                i,
                "interface",
                dash(&n.interface, &s(e, "interface")),
                s(e, "interface"),
            );
            if e.contains_key("physical_interface") {
                d.eq(
                    i,
                    "physical_interface",
                    dash(&n.physical_interface, &s(e, "physical_interface")),
                    s(e, "physical_interface"),
                );
            }
            // The `detail` template (no VRF column) does not capture the
            // trailing flags nor the context title's VRF; we keep both.
            // Compare them where ntc has the column.
            if e.contains_key("flags") {
                d.eq(i, "flags", on(&n.flags), s(e, "flags"));
            }
            if e.contains_key("vrf") {
                d.eq(i, "vrf", on(&n.vrf), s(e, "vrf"));
            }
        }
    }
    d.done()
}

fn check_panos_arp(raw: &str, exp: &[Rec]) -> Result<(), String> {
    let got = parse_panos_arp(raw);
    let mut d = Diff::new();
    if d.len(got.len(), exp.len()) {
        for (i, (n, e)) in got.iter().zip(exp).enumerate() {
            check_ip(&mut d, i, "ip_address", n.ip, &s(e, "ip_address"));
            d.eq(i, "interface", on(&n.interface), s(e, "interface"));
            check_mac(&mut d, i, "mac_address", n.mac, &s(e, "mac_address"));
            d.eq(i, "port", on(&n.physical_interface), s(e, "port"));
            d.eq(i, "status", on(&n.state), s(e, "status"));
            d.eq(i, "ttl", on(&n.ttl_seconds), s(e, "ttl"));
        }
    }
    d.done()
}

// ------------------------------------------------------------------ switchport

/// A VLAN number as ntc prints it. Where there is none, ntc keeps the word
/// printed (`Voice VLAN: none`, `Access Mode VLAN: unassigned`) or leaves
/// the field empty; both are `None` for us.
fn vlan_or_word(v: Option<u16>, ntc: &str) -> String {
    match v {
        Some(v) => v.to_string(),
        None if matches!(ntc, "none" | "unassigned") => ntc.to_string(),
        None => String::new(),
    }
}

fn check_switchport(raw: &str, exp: &[Rec]) -> Result<(), String> {
    let got = parse_interfaces_switchport(raw);
    let mut d = Diff::new();
    if d.len(got.len(), exp.len()) {
        for (i, (n, e)) in got.iter().zip(exp).enumerate() {
            d.eq(i, "interface", &n.interface, s(e, "interface"));
            let enabled = if n.enabled { "Enabled" } else { "Disabled" };
            d.eq(i, "switchport", enabled, s(e, "switchport"));
            let nego = n.negotiation.map(|on| if on { "On" } else { "Off" });
            d.eq(
                i,
                "switchport_negotiation",
                nego.unwrap_or_default(),
                s(e, "switchport_negotiation"),
            );
            d.eq(i, "admin_mode", on(&n.admin_mode), s(e, "admin_mode"));
            d.eq(i, "mode", on(&n.oper_mode), s(e, "mode"));
            for (field, ours) in [
                ("access_vlan", n.access_vlan),
                ("native_vlan", n.native_vlan),
                ("voice_vlan", n.voice_vlan),
            ] {
                d.eq(i, field, vlan_or_word(ours, &s(e, field)), s(e, field));
            }
            d.eq_list(
                i,
                "trunking_vlans",
                &n.trunking_vlans,
                &l(e, "trunking_vlans"),
            );
            // `switchport_monitor` is empty in every fixture; we do not
            // keep SPAN state.
            d.eq(i, "switchport_monitor", "", s(e, "switchport_monitor"));
        }
    }
    d.done()
}

// ------------------------------------------------------------------ registry

const CLAIMED: &[Claim] = &[
    ("cisco_ios", "show_mac-address-table", check_ios_mac, 11),
    ("cisco_nxos", "show_mac_address-table", check_nxos_mac, 1),
    ("cisco_ios", "show_ip_arp", check_ios_arp, 1),
    ("cisco_ios", "show_arp", check_ios_arp, 1),
    ("cisco_ios", "show_ipv6_neighbors", check_ios_nd, 1),
    ("cisco_nxos", "show_ip_arp", check_nxos_arp, 1),
    ("cisco_nxos", "show_ip_arp_detail", check_nxos_arp, 3),
    (
        "cisco_nxos",
        "show_ip_arp_detail_vrf_all",
        check_nxos_arp,
        1,
    ),
    ("paloalto_panos", "show_arp_all", check_panos_arp, 1),
    (
        "cisco_ios",
        "show_interfaces_switchport",
        check_switchport,
        8,
    ),
];

/// Command directories we do not claim, and why.
const NOT_CLAIMED: &[(&str, &str, &str)] = &[
    (
        "arista_eos",
        "show_mac_address-table",
        "EOS is not a platform the product walks (no Platform variant)",
    ),
    (
        "arista_eos",
        "show_ip_arp",
        "EOS is not a platform the product walks (no Platform variant)",
    ),
];

#[test]
fn ntc_templates_endhost_conformance() {
    run_corpus(Path::new(ROOT), CLAIMED, NOT_CLAIMED, &[]);
}
