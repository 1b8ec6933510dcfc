//! IOS / IOS-XE `show interfaces switchport`: each port's access/trunk
//! state, which tells end-host tracking whether a MAC learnt on a port is a
//! host on it (access) or somewhere behind it (trunk).

use crate::text::{kv, lines};
use serde::{Deserialize, Serialize};

/// One port's switchport state.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Switchport {
    /// The port as written after `Name:` (`Gi1/0/1`).
    pub interface: String,
    /// `Switchport: Enabled`; a routed port (`Disabled`) carries no VLANs.
    pub enabled: bool,
    /// Configured mode (`static access`, `trunk`, `dynamic auto`...).
    pub admin_mode: Option<String>,
    /// Running mode (`static access`, `trunk`, `down`, `trunk (member of
    /// bundle Po1)`): what the port does now.
    pub oper_mode: Option<String>,
    /// `Negotiation of Trunking: On` (DTP), when printed.
    pub negotiation: Option<bool>,
    /// `Access Mode VLAN` number (its name dropped).
    pub access_vlan: Option<u16>,
    /// `Trunking Native Mode VLAN` number: untagged traffic on a trunk.
    pub native_vlan: Option<u16>,
    /// `Voice VLAN` number; `None` for `none`.
    pub voice_vlan: Option<u16>,
    /// `Trunking VLANs Enabled`, split at commas, ranges kept as written
    /// (`ALL`, `1-99`, `101`); wrapped lines are joined.
    pub trunking_vlans: Vec<String>,
}

impl Switchport {
    /// True when the port trunks: its running mode says `trunk`, or it is
    /// down and configured as a trunk. MACs learnt on a trunk are not
    /// hosts on that port.
    pub fn is_trunk(&self) -> bool {
        let starts = |m: &Option<String>, w: &str| m.as_deref().is_some_and(|m| m.starts_with(w));
        starts(&self.oper_mode, "trunk")
            || (self.oper_mode.is_none() || starts(&self.oper_mode, "down"))
                && self.admin_mode.as_deref() == Some("trunk")
    }

    /// The port-channel this port is bundled into (`Po1` of `trunk (member
    /// of bundle Po1)`, also when suspended): MACs are learnt on the
    /// port-channel, while CDP/LLDP sees the neighbour on the member.
    pub fn bundle(&self) -> Option<&str> {
        let m = self.oper_mode.as_deref()?;
        let rest = &m[m.find("member of bundle ")? + "member of bundle ".len()..];
        let name = rest.split([')', ' ']).next()?;
        (!name.is_empty()).then_some(name)
    }
}

/// The leading VLAN number of `100 (data)`; `None` for `none` and the like.
fn vlan_number(v: &str) -> Option<u16> {
    v.split_whitespace().next()?.parse().ok()
}

/// Parses every `Name:` block. Unknown lines are ignored, so the many
/// private-VLAN, capture and protection lines of newer releases do not
/// matter; a trunking VLAN list wrapped onto indented lines is joined.
pub fn parse_interfaces_switchport(text: &str) -> Vec<Switchport> {
    let mut out: Vec<Switchport> = Vec::new();
    // True while the previous line was `Trunking VLANs Enabled:` (or its
    // continuation) and ended in a comma.
    let mut in_vlans = false;
    for line in lines(text) {
        if in_vlans
            && line.starts_with([' ', '\t'])
            && let Some(p) = out.last_mut()
        {
            let t = line.trim();
            push_vlans(&mut p.trunking_vlans, t);
            in_vlans = t.ends_with(',');
            continue;
        }
        in_vlans = false;
        if let Some(name) = kv(line, "Name") {
            out.push(Switchport {
                interface: name.to_string(),
                ..Default::default()
            });
            continue;
        }
        let Some(p) = out.last_mut() else { continue };
        let field = |key: &str| kv(line, key).filter(|v| !v.is_empty());
        if let Some(v) = field("Switchport") {
            p.enabled = v.eq_ignore_ascii_case("enabled");
        } else if let Some(v) = field("Administrative Mode") {
            p.admin_mode = Some(v.to_string());
        } else if let Some(v) = field("Operational Mode") {
            p.oper_mode = Some(v.to_string());
        } else if let Some(v) = field("Negotiation of Trunking") {
            p.negotiation = Some(v.eq_ignore_ascii_case("on"));
        } else if let Some(v) = field("Access Mode VLAN") {
            p.access_vlan = vlan_number(v);
        } else if let Some(v) = field("Trunking Native Mode VLAN") {
            p.native_vlan = vlan_number(v);
        } else if let Some(v) = field("Voice VLAN") {
            p.voice_vlan = vlan_number(v);
        } else if let Some(v) = field("Trunking VLANs Enabled") {
            push_vlans(&mut p.trunking_vlans, v);
            in_vlans = v.ends_with(',');
        }
    }
    out
}

fn push_vlans(list: &mut Vec<String>, text: &str) {
    list.extend(
        text.split(',')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO: &str = "Name: Gi0/1\n\
Switchport: Enabled\n\
Administrative Mode: trunk\n\
Operational Mode: trunk (member of bundle Po1)\n\
Negotiation of Trunking: Off\n\
Access Mode VLAN: 1 (default)\n\
Trunking Native Mode VLAN: 999 (DUMMY_VLAN)\n\
Voice VLAN: none\n\
Trunking VLANs Enabled: 1,12,15,31-36,40-42,80,85,101,201,240,410,420,602,604,\n     \
900,910,920\n\
Pruning VLANs Enabled: 2-1001\n\
\n\
Name: Gi0/2\n\
Switchport: Enabled\n\
Administrative Mode: static access\n\
Operational Mode: static access\n\
Negotiation of Trunking: On\n\
Access Mode VLAN: 100 (data)\n\
Trunking Native Mode VLAN: 1 (default)\n\
Voice VLAN: 200 (Voice)\n\
Trunking VLANs Enabled: ALL\n\
\n\
Name: Gi0/3\n\
Switchport: Disabled\n";

    #[test]
    fn trunk_access_and_routed() {
        let p = parse_interfaces_switchport(TWO);
        assert_eq!(p.len(), 3);
        assert!(p[0].is_trunk());
        assert_eq!(p[0].native_vlan, Some(999));
        assert_eq!(p[0].voice_vlan, None);
        assert_eq!(p[0].negotiation, Some(false));
        assert_eq!(p[0].trunking_vlans.len(), 17);
        assert_eq!(p[0].trunking_vlans[3], "31-36");
        assert_eq!(p[0].trunking_vlans.last().map(String::as_str), Some("920"));
        assert!(!p[1].is_trunk());
        assert_eq!(p[1].access_vlan, Some(100));
        assert_eq!(p[1].voice_vlan, Some(200));
        assert_eq!(p[1].trunking_vlans, ["ALL"]);
        assert!(!p[2].enabled);
        assert!(!p[2].is_trunk());
    }

    /// NX-OS `show interface switchport`: the same keys, indented, its
    /// access mode plain `access`, its VLAN list `Allowed`.
    #[test]
    fn nxos_layout_reads_through_dispatch() {
        let text = "Name: Ethernet1/1\n  Switchport: Enabled\n  Switchport Monitor: Not enabled \n  Operational Mode: trunk\n  Access Mode VLAN: 1 (default)\n  Trunking Native Mode VLAN: 1 (default)\n  Trunking VLANs Allowed: 1-4094\n  Voice VLAN: none\n\nName: Ethernet1/5\n  Switchport: Enabled\n  Operational Mode: access\n  Access Mode VLAN: 10 (SERVERS)\n\nName: Ethernet1/48\n  Switchport: Disabled\n";
        let crate::Parsed::Switchports(p) = crate::parse(
            crate::Platform::CiscoNxos,
            "show interface switchport",
            text,
        )
        .unwrap() else {
            panic!("not switchports");
        };
        assert_eq!(p.len(), 3);
        assert_eq!(p[0].interface, "Ethernet1/1");
        assert!(p[0].enabled && p[0].is_trunk());
        assert!(!p[1].is_trunk());
        assert_eq!(p[1].access_vlan, Some(10));
        assert!(!p[2].enabled);
    }

    #[test]
    fn down_trunk_is_a_trunk() {
        let p = Switchport {
            admin_mode: Some("trunk".into()),
            oper_mode: Some("down".into()),
            ..Default::default()
        };
        assert!(p.is_trunk());
        let p = Switchport {
            admin_mode: Some("dynamic auto".into()),
            oper_mode: Some("down".into()),
            ..Default::default()
        };
        assert!(!p.is_trunk());
    }

    #[test]
    fn bundle_members_name_their_port_channel() {
        let p = parse_interfaces_switchport(TWO);
        assert_eq!(p[0].bundle(), Some("Po1"));
        assert_eq!(p[1].bundle(), None);
        let suspended = Switchport {
            oper_mode: Some("down (suspended member of bundle Po2)".into()),
            ..Default::default()
        };
        assert_eq!(suspended.bundle(), Some("Po2"));
        let cut = Switchport {
            oper_mode: Some("trunk (member of bundle ".into()),
            ..Default::default()
        };
        assert_eq!(cut.bundle(), None);
    }
}
