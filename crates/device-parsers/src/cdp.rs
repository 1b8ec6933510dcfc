//! `show cdp neighbors detail` for IOS, IOS-XE and NX-OS (IOS-XR's layout
//! is close enough that the same scanner reads it).

use crate::normalize::{Capability, normalize_hostname, parse_capabilities};
use crate::text::{is_rule, kv, leading_u32, non_empty, starts_with_ci};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// One CDP neighbour.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CdpNeighbor {
    /// `Device ID:` exactly as printed (may carry a domain and `(SERIAL)`).
    pub device_id: String,
    /// Normalised name for identity matching (see [`normalize_hostname`]).
    pub name: String,
    /// NX-OS / XR `System Name:` / `SysName :` when present.
    pub system_name: Option<String>,
    /// `Entry address(es):` / `Interface address(es):` addresses.
    pub entry_addresses: Vec<String>,
    /// `Management address(es):` / `Mgmt address(es):` addresses.
    pub management_addresses: Vec<String>,
    pub platform: Option<String>,
    /// Capabilities text as printed (`Router Switch IGMP`).
    pub capabilities_raw: Option<String>,
    pub capabilities: Vec<Capability>,
    /// Our port (`Interface:`).
    pub local_interface: Option<String>,
    /// Their port (`Port ID (outgoing port):`).
    pub remote_interface: Option<String>,
    pub holdtime: Option<u32>,
    /// The `Version :` block (all lines, joined with `\n`).
    pub software_version: Option<String>,
    pub advertisement_version: Option<u32>,
    pub native_vlan: Option<u32>,
    pub duplex: Option<String>,
    pub vtp_domain: Option<String>,
    pub mtu: Option<u32>,
    pub location: Option<String>,
}

impl CdpNeighbor {
    /// Every address the neighbour advertised, management ones first,
    /// without duplicates. The walker tries them in this order.
    pub fn all_addresses(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for a in self
            .management_addresses
            .iter()
            .chain(&self.entry_addresses)
        {
            if !out.contains(a) {
                out.push(a.clone());
            }
        }
        out
    }

    /// The best address to log in to: first management address, else first
    /// entry/interface address.
    pub fn mgmt_ip(&self) -> Option<&str> {
        self.management_addresses
            .first()
            .or(self.entry_addresses.first())
            .map(String::as_str)
    }
}

static PORT_ID: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new("Port ID (outgoing port):"));

#[derive(Clone, Copy, PartialEq)]
enum Section {
    None,
    Entry,
    Mgmt,
    Version,
}

/// Parses `show cdp neighbors detail`. One record per `Device ID:` line;
/// separator lines are optional (some NX-OS releases omit them).
pub fn parse_cdp_neighbors_detail(text: &str) -> Vec<CdpNeighbor> {
    let mut out = Vec::new();
    let mut cur: Option<CdpNeighbor> = None;
    let mut section = Section::None;
    let mut version_lines: Vec<&str> = Vec::new();

    fn finish(
        cur: &mut Option<CdpNeighbor>,
        version_lines: &mut Vec<&str>,
        out: &mut Vec<CdpNeighbor>,
    ) {
        if let Some(mut n) = cur.take() {
            if n.software_version.is_none() && !version_lines.is_empty() {
                n.software_version = Some(version_lines.join("\n"));
            }
            out.push(n);
        }
        version_lines.clear();
    }

    for line in crate::text::lines(text) {
        let t = line.trim_ascii();
        if let Some(id) = kv(t, "Device ID") {
            finish(&mut cur, &mut version_lines, &mut out);
            cur = Some(CdpNeighbor {
                device_id: id.to_string(),
                name: normalize_hostname(id),
                ..Default::default()
            });
            section = Section::None;
            continue;
        }
        let Some(n) = cur.as_mut() else { continue };
        if is_rule(t) {
            finish(&mut cur, &mut version_lines, &mut out);
            section = Section::None;
            continue;
        }
        if section == Section::Version {
            if t.is_empty() || starts_with_ci(t, "advertisement version") {
                if !version_lines.is_empty() {
                    n.software_version = Some(version_lines.join("\n"));
                    version_lines.clear();
                }
                section = Section::None;
                if t.is_empty() {
                    continue;
                }
            } else {
                version_lines.push(t);
                continue;
            }
        }
        if t.is_empty() {
            continue;
        }
        // Dispatch on the first letter: every line would otherwise be tried
        // against every key, which dominated the profile.
        let c0 = t.as_bytes().first().map_or(0, u8::to_ascii_lowercase);
        // Address lines: "IP address: x", "IPv4 Address: x", "IPv6 address: x (global unicast)".
        if c0 == b'i'
            && let Some(addr) = address_line(t)
        {
            if let Ok(ip) = addr.parse::<IpAddr>() {
                // IPv4 text that parses is already canonical; only IPv6 needs
                // re-printing (case, zero compression).
                let s = if ip.is_ipv4() {
                    addr.to_string()
                } else {
                    ip.to_string()
                };
                let list = if section == Section::Mgmt {
                    &mut n.management_addresses
                } else {
                    // Outside any header (odd releases) an address is still
                    // an address the walker can use.
                    &mut n.entry_addresses
                };
                // Devices repeat an address in a handful of lines at most;
                // the bound keeps hostile input from making this quadratic.
                if list.len() >= 64 || !list.contains(&s) {
                    list.push(s);
                }
            }
            continue;
        }
        if (c0 == b'e' && starts_with_ci(t, "Entry address"))
            || (c0 == b'i' && starts_with_ci(t, "Interface address"))
        {
            section = Section::Entry;
            continue;
        }
        if c0 == b'm'
            && (starts_with_ci(t, "Management address") || starts_with_ci(t, "Mgmt address"))
        {
            section = Section::Mgmt;
            continue;
        }
        section = Section::None;
        match c0 {
            b'v' => {
                if let Some(v) = kv(t, "Version") {
                    section = Section::Version;
                    if !v.is_empty() {
                        version_lines.push(v);
                    }
                } else if let Some(v) =
                    kv(t, "VTP Management Domain Name").or_else(|| kv(t, "VTP Management Domain"))
                {
                    n.vtp_domain = non_empty(v.trim_matches('\''));
                }
            }
            b'p' => {
                if let Some(rest) = kv(t, "Platform") {
                    let (plat, caps) = match rest.rfind("Capabilities:") {
                        Some(i) => (&rest[..i], Some(&rest[i + "Capabilities:".len()..])),
                        None => (rest, None),
                    };
                    n.platform = non_empty(plat.trim().trim_end_matches(','));
                    if let Some(c) = caps {
                        n.capabilities_raw = non_empty(c);
                        n.capabilities = parse_capabilities(c);
                    }
                } else if let Some(v) = t.strip_prefix("Port ID (outgoing port):") {
                    // IOS-XR prints it on its own line.
                    n.remote_interface = non_empty(v);
                } else if let Some(v) = kv(t, "Physical Location") {
                    n.location = non_empty(v);
                }
            }
            b'c' => {
                if let Some(c) = kv(t, "Capabilities") {
                    n.capabilities_raw = non_empty(c);
                    n.capabilities = parse_capabilities(c);
                }
            }
            b'i' => {
                // "Interface: X,  Port ID (outgoing port): Y".
                if let Some(i) = PORT_ID.find(t.as_bytes()) {
                    n.remote_interface = non_empty(&t[i + "Port ID (outgoing port):".len()..]);
                    if let Some(local) = kv(&t[..i], "Interface") {
                        n.local_interface = non_empty(local.trim_end_matches(','));
                    }
                } else if let Some(local) = kv(t, "Interface") {
                    n.local_interface = non_empty(local.trim_end_matches(','));
                }
            }
            b'h' => {
                if let Some(h) = kv(t, "Holdtime") {
                    n.holdtime = leading_u32(h);
                }
            }
            b'a' => {
                if let Some(v) = kv(t, "advertisement version") {
                    n.advertisement_version = leading_u32(v);
                }
            }
            b'n' => {
                if let Some(v) = kv(t, "Native VLAN") {
                    n.native_vlan = leading_u32(v);
                }
            }
            b'd' => {
                if let Some(v) = kv(t, "Duplex") {
                    n.duplex = non_empty(v);
                }
            }
            b's' => {
                if let Some(v) = kv(t, "System Name").or_else(|| kv(t, "SysName")) {
                    n.system_name = non_empty(v);
                }
            }
            b'm' => {
                if let Some(v) = kv(t, "MTU") {
                    n.mtu = leading_u32(v);
                }
            }
            _ => {}
        }
    }
    finish(&mut cur, &mut version_lines, &mut out);
    out
}

fn address_line(t: &str) -> Option<&str> {
    if !t
        .as_bytes()
        .get(..2)
        .is_some_and(|p| p.eq_ignore_ascii_case(b"ip"))
    {
        return None;
    }
    // kv() ignores case, so these also cover "IPv4 address" / "IPv6 Address".
    for key in ["IP address", "IPv4 Address", "IPv6 Address"] {
        if let Some(v) = kv(t, key) {
            return v.split_whitespace().next();
        }
    }
    None
}
