//! The one-line-per-neighbour tables: `show cdp neighbors` and `show lldp
//! neighbors` (IOS, NX-OS, IOS-XR, and EOS's LLDP layout). The walker reads
//! the detail forms; these serve ad-hoc commands and quick checks.

use crate::normalize::{Capability, normalize_hostname, parse_capabilities};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NeighborSummary {
    /// Device ID as printed (may be truncated by the device on LLDP).
    pub device_id: String,
    /// Normalised name, for identity matching against the detail output.
    pub name: String,
    /// Our port as printed (`Gig 1/0/10`, `Eth1/1`, `Gi1/0/7`).
    pub local_interface: String,
    /// Holdtime in seconds: how fresh the entry is.
    pub holdtime: Option<u32>,
    /// Capability letters as printed (`R S I`, `B,R`, `BR`).
    pub capabilities_raw: Option<String>,
    /// Capabilities parsed from the letters.
    pub capabilities: Vec<Capability>,
    /// CDP only.
    pub platform: Option<String>,
    /// Their port as printed (`Fas 0/0`, `Port 1`, `Ethernet1/1`).
    pub remote_interface: Option<String>,
}

const CDP_CAP_LETTERS: &[&str] = &[
    "R", "T", "B", "S", "H", "I", "r", "P", "D", "C", "M", "V", "s", "d",
];

fn cdp_caps(letters: &[&str]) -> Vec<Capability> {
    // Summary letters differ from LLDP's: S is Switch, P/V are phones, s is
    // STP dispute support (not a capability we track).
    let mut v: Vec<Capability> = letters
        .iter()
        .filter_map(|l| match *l {
            "R" => Some(Capability::Router),
            "T" => Some(Capability::TransBridge),
            "B" => Some(Capability::SourceRouteBridge),
            "S" => Some(Capability::Switch),
            "H" => Some(Capability::Host),
            "I" => Some(Capability::Igmp),
            "r" => Some(Capability::Repeater),
            "P" | "V" => Some(Capability::Phone),
            "D" => Some(Capability::Remote),
            "C" => Some(Capability::Cvta),
            "M" => Some(Capability::TwoPortMacRelay),
            _ => None,
        })
        .collect();
    v.sort();
    v.dedup();
    v
}

fn is_word(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphabetic())
}

/// Parses `show cdp neighbors`. Long device IDs wrap onto their own line;
/// the interface names may be split (`Gig 1/0/10`), the platform may hold
/// spaces (`IP Phone`).
pub fn parse_cdp_neighbors(text: &str) -> Vec<NeighborSummary> {
    let mut out = Vec::new();
    let mut in_table = false;
    let mut pending: Option<String> = None;
    for line in crate::text::lines(text) {
        let t = line.trim();
        if (t.starts_with("Device ID") || t.starts_with("Device-ID")) && t.contains("Local") {
            in_table = true;
            continue;
        }
        if !in_table || t.is_empty() {
            continue;
        }
        if t.starts_with("Total ") {
            in_table = false;
            continue;
        }
        let toks: Vec<&str> = t.split_whitespace().collect();
        let (id, rest): (String, &[&str]) = match pending.take() {
            Some(id)
                if line.starts_with([' ', '\t'])
                    || toks.len() >= 3 && toks[1].parse::<u32>().is_ok()
                    || toks.get(2).is_some_and(|x| x.parse::<u32>().is_ok()) =>
            {
                (id, &toks[..])
            }
            _ => {
                if toks.len() == 1 {
                    pending = Some(toks[0].to_string());
                    continue;
                }
                (toks[0].to_string(), &toks[1..])
            }
        };
        let mut i = 0;
        let mut local = rest.first().map_or(String::new(), |s| s.to_string());
        i += 1;
        if is_word(&local)
            && rest
                .get(1)
                .is_some_and(|s| s.starts_with(|c: char| c.is_ascii_digit()))
        {
            local = format!("{local} {}", rest[1]);
            i += 1;
        }
        let holdtime = rest.get(i).and_then(|h| h.parse().ok());
        if holdtime.is_some() {
            i += 1;
        }
        let cap_start = i;
        while rest.get(i).is_some_and(|c| CDP_CAP_LETTERS.contains(c)) {
            i += 1;
        }
        let caps = &rest[cap_start.min(rest.len())..i.min(rest.len())];
        let tail = rest.get(i..).unwrap_or(&[]);
        let (platform, port) = match tail.len() {
            0 => (None, None),
            1 => (None, Some(tail[0].to_string())),
            n => {
                let last = tail[n - 1];
                let prev = tail[n - 2];
                if n >= 3 && is_word(prev) && last.starts_with(|c: char| c.is_ascii_digit()) {
                    (
                        Some(tail[..n - 2].join(" ")),
                        Some(format!("{prev} {last}")),
                    )
                } else {
                    (Some(tail[..n - 1].join(" ")), Some(last.to_string()))
                }
            }
        };
        out.push(NeighborSummary {
            name: normalize_hostname(&id),
            device_id: id,
            local_interface: local,
            holdtime,
            capabilities_raw: (!caps.is_empty()).then(|| caps.join(" ")),
            capabilities: cdp_caps(caps),
            platform,
            remote_interface: port,
        });
    }
    out
}

/// Parses `show lldp neighbors` (IOS / NX-OS / IOS-XR column layout, cut by
/// the header's column positions because IDs may contain spaces or run into
/// the next column) and Arista EOS's `Port  Neighbor Device ID ...` layout.
pub fn parse_lldp_neighbors(text: &str) -> Vec<NeighborSummary> {
    let mut out = Vec::new();
    // Column starts: local, hold, capability, port.
    let mut cols: Option<[usize; 4]> = None;
    let mut eos = false;
    let mut pending: Option<String> = None;
    let cut = |line: &str, a: usize, b: usize| -> String {
        let s: String = line.chars().skip(a).take(b.saturating_sub(a)).collect();
        s.trim().to_string()
    };
    for line in crate::text::lines(text) {
        let t = line.trim();
        if t.starts_with("Device ID") && t.contains("Local Intf") {
            let pos = |k: &str| line.find(k);
            cols = match (
                pos("Local Intf"),
                pos("Hold-time"),
                pos("Capability"),
                pos("Port ID"),
            ) {
                (Some(a), Some(b), Some(c), Some(d)) if a < b && b < c && c < d => {
                    Some([a, b, c, d])
                }
                _ => None,
            };
            eos = false;
            continue;
        }
        if t.starts_with("Port") && t.contains("Neighbor Device ID") {
            eos = true;
            cols = None;
            continue;
        }
        if t.is_empty() || t.starts_with("Total entries") || crate::text::is_rule(t) {
            continue;
        }
        if eos {
            let toks: Vec<&str> = t.split_whitespace().collect();
            if toks.len() >= 4 {
                let n = toks.len();
                let id = toks[1..n - 2].join(" ");
                out.push(NeighborSummary {
                    name: normalize_hostname(&id),
                    device_id: id,
                    local_interface: toks[0].to_string(),
                    holdtime: toks[n - 1].parse().ok(),
                    remote_interface: Some(toks[n - 2].to_string()),
                    ..Default::default()
                });
            }
            continue;
        }
        let Some([lc, hc, cc, pc]) = cols else {
            continue;
        };
        let toks: Vec<&str> = t.split_whitespace().collect();
        if !line.starts_with([' ', '\t']) && toks.len() == 1 {
            // Long ID on its own line; the rest follows on the next line.
            pending = Some(t.to_string());
            continue;
        }
        let wrapped = line.starts_with([' ', '\t']);
        let id_from_pending = if wrapped { pending.take() } else { None };
        pending = None;
        // Column cut first: it copes with IDs that contain spaces or run
        // into the next column ("long_name_swt.josh-vGi0/2").
        let mut id = id_from_pending.clone().unwrap_or_else(|| cut(line, 0, lc));
        let mut local = cut(line, lc, hc);
        let mut hold: Option<u32> = cut(line, hc, cc).parse().ok();
        let mut caps = cut(line, cc, pc);
        let mut port = cut(line, pc, usize::MAX);
        let iface_like =
            |s: &str| !s.is_empty() && !s.contains(' ') && s.chars().any(|c| c.is_ascii_digit());
        if !iface_like(&local) || hold.is_none() {
            // Misaligned row (an ID longer than its column shifts the rest):
            // find "<interface> <holdtime>" in the tokens instead.
            let start = usize::from(id_from_pending.is_none());
            let Some(k) = (start..toks.len().saturating_sub(1))
                .find(|&k| iface_like(toks[k]) && toks[k + 1].parse::<u32>().is_ok())
            else {
                continue;
            };
            if id_from_pending.is_none() {
                id = toks[..k].join(" ");
            }
            local = toks[k].to_string();
            hold = toks[k + 1].parse().ok();
            let rest = &toks[k + 2..];
            let is_caps = |c: &str| c.len() <= 9 && c.chars().all(|ch| "RBTCWPSO,".contains(ch));
            let (c, p) = match rest {
                [c, p @ ..] if is_caps(c) && !p.is_empty() => (c.to_string(), p.join(" ")),
                p => (String::new(), p.join(" ")),
            };
            caps = c;
            port = p;
        }
        if id.is_empty() || local.is_empty() {
            continue;
        }
        out.push(NeighborSummary {
            name: normalize_hostname(&id),
            device_id: id,
            local_interface: local,
            holdtime: hold,
            capabilities: if caps.contains(',') || caps.len() <= 1 {
                parse_capabilities(&caps)
            } else {
                // NX-OS packs letters: "BR".
                let spaced: String = caps.chars().map(|c| format!("{c} ")).collect();
                parse_capabilities(&spaced)
            },
            capabilities_raw: (!caps.is_empty()).then_some(caps),
            platform: None,
            remote_interface: (!port.is_empty()).then_some(port),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cdp_wrapped_and_split_names() {
        let t = "\
Device ID        Local Intrfce     Holdtme    Capability  Platform  Port ID
asr1002-2.some.example.com
                 Ten 1/1/3         173              R I   ASR1002-H Ten 0/1/0
SEP04FE7F689D33   Gig 1/0/2     125          H P        IP Phone   Port 1
";
        let n = parse_cdp_neighbors(t);
        assert_eq!(n.len(), 2);
        assert_eq!(n[0].name, "asr1002-2");
        assert_eq!(n[0].local_interface, "Ten 1/1/3");
        assert_eq!(n[0].remote_interface.as_deref(), Some("Ten 0/1/0"));
        assert_eq!(
            n[0].capabilities,
            vec![Capability::Router, Capability::Igmp]
        );
        assert_eq!(n[1].platform.as_deref(), Some("IP Phone"));
        assert_eq!(n[1].remote_interface.as_deref(), Some("Port 1"));
    }
}
