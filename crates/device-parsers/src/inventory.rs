//! `show inventory` (IOS, IOS-XE, NX-OS, IOS-XR).

use crate::text::{non_empty, quoted_after};
use serde::{Deserialize, Serialize};

/// One `NAME:/DESCR:` + `PID:/VID:/SN:` pair.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct InventoryItem {
    /// `NAME:`, which part of the device this is (`Chassis`, `Slot 1`...).
    pub name: String,
    /// `DESCR:`, the part's description.
    pub description: Option<String>,
    /// `PID:`, the orderable product id (the model).
    pub pid: Option<String>,
    /// `VID:`, the hardware version.
    pub vid: Option<String>,
    /// `SN:`, the part's serial: ties modules and stack members to their box.
    pub serial: Option<String>,
}

pub fn parse_inventory(text: &str) -> Vec<InventoryItem> {
    let mut out: Vec<InventoryItem> = Vec::new();
    for line in crate::text::lines(text) {
        let t = line.trim();
        if t.starts_with("NAME:") {
            let name = quoted_after(t, "NAME:")
                .map(str::to_string)
                .unwrap_or_else(|| {
                    t["NAME:".len()..]
                        .split(',')
                        .next()
                        .unwrap_or("")
                        .trim()
                        .to_string()
                });
            // DESCR may hold commas; take it from its quotes.
            let description = match quoted_after(t, "DESCR:") {
                Some(q) => non_empty(q),
                // NX-OS transceivers: `NAME: Ethernet1/46,  DESCR: CISCO-AVAGO`.
                None => t
                    .find("DESCR:")
                    .and_then(|i| non_empty(&t[i + "DESCR:".len()..])),
            };
            out.push(InventoryItem {
                name,
                description,
                ..Default::default()
            });
        } else if t.starts_with("PID:")
            && let Some(item) = out.last_mut()
        {
            for part in t.split(',') {
                let Some((k, v)) = part.split_once(':') else {
                    continue;
                };
                let v = non_empty(v.trim().trim_matches('"'));
                match k.trim() {
                    "PID" => item.pid = v,
                    "VID" => item.vid = v,
                    "SN" => item.serial = v,
                    _ => {}
                }
            }
        }
    }
    out
}
