//! `show interfaces status` (IOS) / `show interface status` (NX-OS) and
//! `show ip interface brief` (IOS, NX-OS, IOS-XR, EOS layouts).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct InterfaceStatus {
    /// The interface as printed (`Gi1/0/1`, `Eth1/1`): the row's key.
    pub port: String,
    /// Description column (may be empty; NX-OS prints `--`).
    pub name: Option<String>,
    /// `connected`, `notconnect`, `disabled`, `err-disabled`, `xcvrAbsen`...
    pub status: String,
    /// Access VLAN number, `trunk`, `routed`, `pvlan prom`, `123,1234`...
    pub vlan: String,
    /// Duplex column (`a-full`, `full`, `auto`...), as printed.
    pub duplex: String,
    /// Speed column (`a-1000`, `10G`, `auto`...), as printed.
    pub speed: String,
    /// Type column (`10/100/1000BaseTX`, `SFP-10GBase-SR`...), when printed.
    pub media_type: Option<String>,
    /// Fibre-channel port mode (`NP`, `F`) from `fc2/1 is up  Port mode is NP`.
    pub fc_mode: Option<String>,
}

fn is_duplex(s: &str) -> bool {
    matches!(
        s.strip_prefix("a-").unwrap_or(s),
        "full" | "half" | "auto" | "unconf"
    )
}

fn is_speed(s: &str) -> bool {
    let b = s.strip_prefix("a-").unwrap_or(s);
    b == "auto"
        || b == "unconf"
        || b.bytes().next().is_some_and(|c| c.is_ascii_digit())
            && b.trim_end_matches(['G', 'M', 'g', 'm'])
                .bytes()
                .all(|c| c.is_ascii_digit() || c == b'.')
}

fn looks_like_port(s: &str) -> bool {
    s.bytes().next().is_some_and(|c| c.is_ascii_alphabetic())
        && s.bytes().any(|c| c.is_ascii_digit())
}

/// Parses the status table. Columns are found from the right (duplex and
/// speed are easy to recognise), so descriptions containing spaces, status
/// words, or overflowing their column do not shift the other fields.
pub fn parse_interfaces_status(text: &str) -> Vec<InterfaceStatus> {
    let mut out = Vec::new();
    // NX-OS appends a tunnel table: "Interface  Name  Status  Reason ...".
    let mut reason_cols: Option<(usize, usize, usize)> = None;
    for line in crate::text::lines(text) {
        let t = line.trim_end();
        if t.starts_with(' ') || t.starts_with('\t') {
            continue;
        }
        if t.starts_with("Interface") && t.contains("Reason") {
            let name = t.find("Name");
            let status = t.find("Status");
            let reason = t.find("Reason");
            reason_cols = match (name, status, reason) {
                (Some(a), Some(b), Some(c)) if a < b && b < c => Some((a, b, c)),
                _ => None,
            };
            continue;
        }
        if t.starts_with("Port") {
            reason_cols = None;
            continue;
        }
        // Token spans.
        let mut toks: Vec<(usize, &str)> = Vec::new();
        let mut pos = 0;
        for tok in t.split_whitespace() {
            let Some(i) = t.get(pos..).and_then(|s| s.find(tok)) else {
                break;
            };
            toks.push((pos + i, tok));
            pos += i + tok.len();
        }
        if toks.len() < 2 || !looks_like_port(toks[0].1) {
            continue;
        }
        if let Some((nc, sc, rc)) = reason_cols {
            let name = t.get(nc..sc).unwrap_or("").trim();
            let status = t
                .get(sc..rc)
                .unwrap_or("")
                .split_whitespace()
                .next()
                .unwrap_or("");
            out.push(InterfaceStatus {
                port: toks[0].1.to_string(),
                name: (!name.is_empty()).then(|| name.to_string()),
                status: status.to_string(),
                ..Default::default()
            });
            continue;
        }
        // Fibre channel: "fc2/1 is up    Port mode is NP".
        if toks[1].1 == "is" && toks.len() >= 3 {
            let fc_mode = t
                .find("Port mode is")
                .map(|i| t[i + "Port mode is".len()..].trim().to_string());
            // "fc2/5 is down (SFP not present)"
            let media_type = match (t.find('('), t.rfind(')')) {
                (Some(a), Some(b)) if a < b => Some(t[a + 1..b].trim().to_string()),
                _ => None,
            };
            out.push(InterfaceStatus {
                port: toks[0].1.to_string(),
                status: toks[2].1.to_string(),
                fc_mode,
                media_type,
                ..Default::default()
            });
            continue;
        }
        if toks.len() < 5 {
            continue;
        }
        // Rightmost duplex+speed pair.
        let Some(d) = (1..toks.len() - 1)
            .rev()
            .find(|&i| is_duplex(toks[i].1) && is_speed(toks[i + 1].1))
        else {
            continue;
        };
        if d < 3 {
            continue;
        }
        let mut vlan_start = d - 1;
        // Two-word VLAN cells: IOS "pvlan prom", EOS "in Po49".
        if d >= 4 && matches!(toks[d - 2].1, "pvlan" | "in") {
            vlan_start = d - 2;
        }
        let mut status_i = vlan_start - 1;
        // "notconnect: TD" (IOS with a status detail after the colon).
        if status_i >= 2 && toks[status_i - 1].1.ends_with(':') {
            status_i -= 1;
        }
        if status_i < 1 {
            continue;
        }
        let name_text = t
            .get(toks[0].0 + toks[0].1.len()..toks[status_i].0)
            .unwrap_or("")
            .trim();
        let vlan = toks[vlan_start..d]
            .iter()
            .map(|x| x.1)
            .collect::<Vec<_>>()
            .join(" ");
        let media = toks
            .get(d + 2)
            .map(|x| t[x.0..].trim().to_string())
            .filter(|s| !s.is_empty());
        out.push(InterfaceStatus {
            port: toks[0].1.to_string(),
            name: (!name_text.is_empty()).then(|| name_text.to_string()),
            status: toks[status_i].1.trim_end_matches(':').to_string(),
            vlan,
            duplex: toks[d].1.to_string(),
            speed: toks[d + 1].1.to_string(),
            media_type: media,
            fc_mode: None,
        });
    }
    out
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct IpInterface {
    /// The interface as printed: the row's key.
    pub interface: String,
    /// As printed: an address, `unassigned`, `unnumbered`, or `a.b.c.d/nn` (EOS).
    pub ip_address: String,
    /// Admin/line status (`up`, `administratively down`, NX-OS `admin-up`).
    pub status: String,
    /// Line protocol (`up`, `down`, NX-OS `protocol-up`).
    pub protocol: String,
    /// NX-OS link state (`link-up`).
    pub link: Option<String>,
    /// VRF the interface is in, where printed (NX-OS per-VRF tables, the XR column).
    pub vrf: Option<String>,
    /// IOS `OK?` and `Method` columns.
    pub ok: Option<String>,
    /// How the address was set (`manual`, `DHCP`, `NVRAM`, `unset`).
    pub method: Option<String>,
    /// MTU, where the output carries it (EOS).
    pub mtu: Option<u32>,
}

#[derive(Clone, Copy, PartialEq)]
enum Layout {
    Unknown,
    Ios,
    Nxos,
    Xr,
    Eos,
}

/// Parses `show ip interface brief` in the IOS, NX-OS, IOS-XR and EOS
/// layouts, chosen from the header line.
pub fn parse_ip_interface_brief(text: &str) -> Vec<IpInterface> {
    let mut out: Vec<IpInterface> = Vec::new();
    let mut layout = Layout::Unknown;
    let mut vrf: Option<String> = None;
    for line in crate::text::lines(text) {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if let Some(rest) = t.strip_prefix("IP Interface Status for VRF") {
            vrf = crate::text::quoted_after(rest, "").map(str::to_string);
            layout = Layout::Nxos;
            continue;
        }
        if t.starts_with("Interface") {
            layout = if t.contains("OK?") {
                Layout::Ios
            } else if t.contains("Interface Status") {
                Layout::Nxos
            } else if t.contains("Vrf-Name") {
                Layout::Xr
            } else if t.contains("MTU") {
                Layout::Eos
            } else if t.contains("IP-Address") {
                Layout::Ios
            } else {
                layout
            };
            continue;
        }
        let toks: Vec<&str> = t.split_whitespace().collect();
        if !looks_like_port(toks[0]) && !toks[0].starts_with('(') {
            continue;
        }
        match layout {
            Layout::Ios | Layout::Unknown if toks.len() >= 6 => out.push(IpInterface {
                interface: toks[0].into(),
                ip_address: toks[1].into(),
                ok: Some(toks[2].into()),
                method: Some(toks[3].into()),
                status: toks[4..toks.len() - 1].join(" "),
                protocol: toks[toks.len() - 1].into(),
                ..Default::default()
            }),
            Layout::Nxos if toks.len() >= 3 => {
                let mut parts = toks[2].split('/');
                let proto = parts.next().unwrap_or("").to_string();
                let link = parts.next().map(str::to_string);
                let admin = parts.next().unwrap_or("").to_string();
                out.push(IpInterface {
                    interface: toks[0].into(),
                    ip_address: toks[1].into(),
                    status: admin,
                    protocol: proto,
                    link,
                    vrf: vrf.clone(),
                    ..Default::default()
                });
            }
            Layout::Xr if toks.len() >= 4 => out.push(IpInterface {
                interface: toks[0].into(),
                ip_address: toks[1].into(),
                status: toks[2].into(),
                protocol: toks[3].into(),
                vrf: toks.get(4).map(|s| s.to_string()),
                ..Default::default()
            }),
            Layout::Eos if toks.len() >= 4 => {
                let mtu = toks.last().and_then(|m| m.parse().ok());
                let end = if mtu.is_some() {
                    toks.len() - 1
                } else {
                    toks.len()
                };
                out.push(IpInterface {
                    interface: toks[0].into(),
                    ip_address: toks[1].into(),
                    status: toks[2..end - 1].join(" "),
                    protocol: toks[end - 1].into(),
                    mtu,
                    ..Default::default()
                });
            }
            _ => {}
        }
    }
    out
}
