//! `show vlan brief` / `show vlan` (IOS, IOS-XE, NX-OS).

use regex::Regex;
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Vlan {
    /// The VLAN number: the row's key.
    pub vlan_id: u32,
    /// The VLAN's name as configured.
    pub name: String,
    /// `active`, `act/unsup`, `suspended`, `act/lshut`...
    pub status: String,
    /// Access ports as printed (`Gi1/0/1`, `Twe1/0/2`, `Po1`).
    pub interfaces: Vec<String>,
}

static RE_ROW: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\d{1,4})\s+(\S.*?)\s+(active|suspended?|act/\S+|sus/\S+|inactive)(?:\s+(.*))?$")
        .expect("static regex")
});

/// Parses the `VLAN Name Status Ports` table. VLANs with no ports are kept;
/// continuation lines (ports wrapped under the Ports column) are appended;
/// the later `VLAN Type` / Remote SPAN / private-VLAN tables are ignored, so
/// they cannot create duplicate VLANs.
pub fn parse_show_vlan(text: &str) -> Vec<Vlan> {
    let mut out: Vec<Vlan> = Vec::new();
    let mut in_table = false;
    for line in crate::text::lines(text) {
        let t = line.trim_end();
        let tt = t.trim_start();
        if tt.starts_with("VLAN") && tt.contains("Name") && tt.contains("Status") {
            in_table = true;
            continue;
        }
        if tt.starts_with("VLAN") || tt.starts_with("Primary") || tt.starts_with("Remote SPAN") {
            in_table = false;
            continue;
        }
        if !in_table || tt.is_empty() || crate::text::is_rule(tt) {
            continue;
        }
        if let Some(c) = RE_ROW
            .captures(t.trim_start())
            .filter(|_| !t.starts_with(' '))
        {
            let Ok(id) = c[1].parse() else { continue };
            let mut v = Vlan {
                vlan_id: id,
                name: c[2].to_string(),
                status: c[3].to_string(),
                interfaces: Vec::new(),
            };
            if let Some(p) = c.get(4) {
                push_ports(&mut v.interfaces, p.as_str());
            }
            out.push(v);
        } else if t.starts_with([' ', '\t'])
            && let Some(v) = out.last_mut()
        {
            push_ports(&mut v.interfaces, tt);
        }
    }
    out
}

fn push_ports(list: &mut Vec<String>, s: &str) {
    for p in s.split([',', ' ', '\t']) {
        let p = p.trim();
        if !p.is_empty() {
            list.push(p.to_string());
        }
    }
}
