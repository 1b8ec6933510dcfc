//! What each interface's configured description says, for `show interfaces
//! description` and the status tables' Name column alike: one list, so
//! the two commands never disagree.
//!
//! A `[[device.interface]]` with a `description` says it as written (the
//! topology may hold any text a device might: quotes, markup, Unicode);
//! otherwise a link end names where it leads (`uplink to dist1 Gi1/0/1`,
//! `phone SEP001122334455`) and about one access port in three names its
//! VLAN (`USERS access`), as people configure them.

use super::{short_ifname, stable_hash};
use crate::topology::{DeviceKind, DeviceSpec, LinkEnd, TopologyIndex};

/// Every interface of device `idx` (long name) and its description, in
/// the order the tables list them: configured interfaces, link ends,
/// access ports; each name once.
pub(super) fn descriptions(topo: &TopologyIndex, idx: usize) -> Vec<(String, Option<String>)> {
    let d = topo.device(idx);
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    let mut add = |name: &str, text: Option<String>| {
        if !out.iter().any(|(n, _)| n == name) {
            out.push((name.to_string(), text));
        }
    };
    for i in &d.interfaces {
        add(&i.name, i.description.clone());
    }
    for e in topo.link_ends(idx) {
        add(e.local_interface, Some(link_description(&e)));
    }
    for v in &d.vlans {
        for p in &v.ports {
            let described = stable_hash(&format!("{}/{p}", d.hostname)).is_multiple_of(3);
            add(p, described.then(|| format!("{} access", v.name)));
        }
    }
    out
}

/// Where a link end leads: up or down the hierarchy, or to a leaf.
fn link_description(e: &LinkEnd<'_>) -> String {
    let remote = &e.remote.hostname;
    if let Some(kind) = leaf_word(e.remote.kind) {
        return format!("{kind} {remote}");
    }
    let direction = match rank(e.remote).cmp(&rank(e.local)) {
        std::cmp::Ordering::Less => "uplink to",
        std::cmp::Ordering::Greater => "downlink to",
        std::cmp::Ordering::Equal => "link to",
    };
    format!("{direction} {remote} {}", short_ifname(e.remote_interface))
}

/// How near the core a device's role is (lower is nearer).
fn rank(d: &DeviceSpec) -> u8 {
    match d.role.as_deref() {
        Some("core") => 0,
        Some("distribution") => 1,
        Some("access") => 2,
        _ => 3,
    }
}

fn leaf_word(kind: DeviceKind) -> Option<&'static str> {
    match kind {
        DeviceKind::Phone => Some("phone"),
        DeviceKind::AccessPoint => Some("AP"),
        DeviceKind::Camera => Some("camera"),
        DeviceKind::Printer => Some("printer"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::render::tests::lab;
    use crate::render::{Command, match_command, render};
    use crate::topology::{InterfaceSpec, TopologyIndex};
    use device_platform::Platform;

    const ODD: &str = "<script>alert(\"x\")</script> 'Ünïcode' & more";

    /// The shared lab, with acc1's SVI described by device text that must
    /// be escaped wherever it is shown.
    fn odd_lab() -> TopologyIndex {
        let mut t = lab().topology.clone();
        let acc1 = t.devices.iter_mut().find(|d| d.hostname == "acc1").unwrap();
        acc1.interfaces.push(InterfaceSpec {
            name: "Vlan10".into(),
            ip: Some("10.0.10.2".parse().unwrap()),
            description: Some(ODD.into()),
        });
        TopologyIndex::new(t)
    }

    #[test]
    fn ios_lists_every_interface_with_its_whole_description() {
        let t = odd_lab();
        let acc = t.index_of("acc1").unwrap();
        let cmd = match_command(Platform::CiscoIos, "sh int desc").unwrap();
        assert_eq!(cmd, Command::ShowInterfacesDescription);
        let out = render(&t, acc, cmd).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[0],
            "Interface                      Status         Protocol Description"
        );
        assert!(
            lines.contains(&"Vl1                            up             up"),
            "{out}"
        );
        assert!(
            lines.contains(
                &format!("Vl10                           up             up       {ODD}").as_str()
            ),
            "{out}"
        );
        // A link end says where it leads (the lab gives no roles, so
        // neither end is up or down); the phone port names the phone.
        assert!(
            out.contains(
                "Gi1/0/49                       up             up       link to core1 Eth1/1\n"
            ),
            "{out}"
        );
        assert!(
            out.contains(
                "Gi1/0/1                        up             up       phone SEP001122334455"
            ),
            "{out}"
        );
        // The status table's Name column is the same text, cut at 18.
        let status = render(&t, acc, Command::ShowInterfacesStatus).unwrap();
        assert!(
            status.contains("Gi1/0/1   phone SEP001122334 connected"),
            "{status}"
        );
    }

    #[test]
    fn nxos_has_port_and_interface_sections_with_dashes_for_none() {
        let t = odd_lab();
        let core = t.index_of("core1").unwrap();
        let cmd = match_command(Platform::CiscoNxos, "show interface description").unwrap();
        let out = render(&t, core, cmd).unwrap();
        assert!(
            out.contains("Port          Type   Speed   Description\n"),
            "{out}"
        );
        assert!(out.contains("\nEth1/1        eth    10G     "), "{out}");
        assert!(
            out.contains("\nEth1/1        eth    10G     link to acc1 Gi1/0/49\n"),
            "{out}"
        );
        assert!(
            out.contains("Interface                Description\n"),
            "{out}"
        );
        assert!(out.contains("mgmt0                    --\n"), "{out}");
        assert!(match_command(Platform::PaloaltoPanos, "show interface description").is_none());
    }
}
