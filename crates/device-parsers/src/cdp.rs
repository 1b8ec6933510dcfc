//! `show cdp neighbors detail` for IOS, IOS-XE and NX-OS (IOS-XR's layout
//! is close enough that the same scanner reads it).

use crate::normalize::{Capability, canonical_ip, normalize_hostname, parse_capabilities};
use crate::text::{is_rule, leading_u32, non_empty, starts_with_ci};
use serde::{Deserialize, Serialize};

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
    /// `Platform:` as printed: vendor and model for the inventory.
    pub platform: Option<String>,
    /// Capabilities text as printed (`Router Switch IGMP`).
    pub capabilities_raw: Option<String>,
    /// Capabilities parsed, to tell switches and routers from phones and hosts.
    pub capabilities: Vec<Capability>,
    /// Our port (`Interface:`).
    pub local_interface: Option<String>,
    /// Their port (`Port ID (outgoing port):`).
    pub remote_interface: Option<String>,
    /// `Holdtime` in seconds: how fresh the entry is.
    pub holdtime: Option<u32>,
    /// The `Version :` block (all lines, joined with `\n`).
    pub software_version: Option<String>,
    /// `advertisement version:` (1 or 2).
    pub advertisement_version: Option<u32>,
    /// `Native VLAN:` of the link, for native-VLAN mismatch checks.
    pub native_vlan: Option<u32>,
    /// `Duplex:` of their port, for duplex mismatch checks.
    pub duplex: Option<String>,
    /// `VTP Management Domain:`, when advertised.
    pub vtp_domain: Option<String>,
    /// `MTU:` of their port (NX-OS).
    pub mtu: Option<u32>,
    /// `Physical Location:`, when advertised.
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

/// The keys this parser acts on. A line is split once at its first `:` and
/// the key classified once; trying every key against every line with a
/// prefix match was the largest cost in the profile.
#[derive(Clone, Copy, PartialEq)]
enum Key {
    DeviceId,
    Address,
    EntryHeader,
    MgmtHeader,
    Version,
    VtpDomain,
    Platform,
    PortId,
    Location,
    Capabilities,
    Interface,
    Holdtime,
    AdvertisementVersion,
    NativeVlan,
    Duplex,
    SystemName,
    Mtu,
    Other,
}

fn classify(key: &str) -> Key {
    let k = key.as_bytes();
    let is = |s: &str| k.eq_ignore_ascii_case(s.as_bytes());
    let starts = |s: &str| {
        k.get(..s.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(s.as_bytes()))
    };
    match k.first().map(u8::to_ascii_lowercase) {
        Some(b'd') if is("Device ID") => Key::DeviceId,
        Some(b'd') if is("Duplex") => Key::Duplex,
        Some(b'i') if is("IP address") || is("IPv4 Address") || is("IPv6 Address") => Key::Address,
        Some(b'i') if is("Interface") => Key::Interface,
        Some(b'i') if starts("Interface address") => Key::EntryHeader,
        Some(b'e') if starts("Entry address") => Key::EntryHeader,
        Some(b'm') if starts("Management address") || starts("Mgmt address") => Key::MgmtHeader,
        Some(b'm') if is("MTU") => Key::Mtu,
        Some(b'v') if is("Version") => Key::Version,
        Some(b'v') if is("VTP Management Domain Name") || is("VTP Management Domain") => {
            Key::VtpDomain
        }
        Some(b'p') if is("Platform") => Key::Platform,
        Some(b'p') if is("Port ID (outgoing port)") => Key::PortId,
        Some(b'p') if is("Physical Location") => Key::Location,
        Some(b'c') if is("Capabilities") => Key::Capabilities,
        Some(b'h') if is("Holdtime") => Key::Holdtime,
        Some(b'a') if is("advertisement version") => Key::AdvertisementVersion,
        Some(b'n') if is("Native VLAN") => Key::NativeVlan,
        Some(b's') if is("System Name") || is("SysName") => Key::SystemName,
        _ => Key::Other,
    }
}

/// Splits `Key : value` at the first colon: (trimmed key, trimmed value).
/// A line without a colon is all key.
fn split_kv(t: &str) -> (&str, &str) {
    // A plain scan: the colon is within the first few dozen bytes of every
    // line that has one, where memchr's setup costs more than it saves.
    match t.bytes().position(|b| b == b':') {
        // ':' is ASCII, so both sides are char boundaries.
        Some(i) => (t[..i].trim_ascii_end(), t[i + 1..].trim_ascii()),
        None => (t, ""),
    }
}

/// Parses `show cdp neighbors detail`. One record per `Device ID:` line;
/// separator lines are optional (some NX-OS releases omit them).
pub fn parse_cdp_neighbors_detail(text: &str) -> Vec<CdpNeighbor> {
    // Records are built in place in `out` (the last one is open while
    // `open` is true): moving a finished record in was a measurable share of
    // the copying.
    let mut out: Vec<CdpNeighbor> = Vec::new();
    let mut open = false;
    let mut section = Section::None;
    let mut version_lines: Vec<&str> = Vec::new();

    fn finish(open: &mut bool, version_lines: &mut Vec<&str>, out: &mut [CdpNeighbor]) {
        if *open
            && let Some(n) = out.last_mut()
            && n.software_version.is_none()
            && !version_lines.is_empty()
        {
            n.software_version = Some(version_lines.join("\n"));
        }
        *open = false;
        version_lines.clear();
    }

    for line in crate::text::lines(text) {
        let t = line.trim_ascii();
        let (k, v) = split_kv(t);
        let key = classify(k);
        if key == Key::DeviceId {
            finish(&mut open, &mut version_lines, &mut out);
            out.push(CdpNeighbor {
                device_id: v.to_string(),
                name: normalize_hostname(v),
                ..Default::default()
            });
            open = true;
            section = Section::None;
            continue;
        }
        if !open {
            continue;
        }
        if t.as_bytes().first().is_some_and(|b| b"-=+".contains(b)) && is_rule(t) {
            finish(&mut open, &mut version_lines, &mut out);
            section = Section::None;
            continue;
        }
        let Some(n) = out.last_mut() else { continue };
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
        match key {
            // Blank lines end nothing but the version block (handled above).
            _ if t.is_empty() => {}
            // "IP address: x", "IPv4 Address: x", "IPv6 address: x (global unicast)".
            Key::Address => {
                let addr = v.split_whitespace().next().unwrap_or("");
                if let Some(s) = canonical_ip(addr) {
                    let list = if section == Section::Mgmt {
                        &mut n.management_addresses
                    } else {
                        // Outside any header (odd releases) an address is
                        // still an address the walker can use.
                        &mut n.entry_addresses
                    };
                    // Devices repeat an address in a handful of lines at
                    // most; the bound keeps hostile input from making this
                    // quadratic.
                    if list.len() >= 64 || !list.contains(&s) {
                        list.push(s);
                    }
                }
            }
            Key::EntryHeader => section = Section::Entry,
            Key::MgmtHeader => section = Section::Mgmt,
            key => {
                section = Section::None;
                apply(n, key, v, &mut section, &mut version_lines);
            }
        }
    }
    finish(&mut open, &mut version_lines, &mut out);
    out
}

/// One `key: value` line that is not an address or a section header.
fn apply<'a>(
    n: &mut CdpNeighbor,
    key: Key,
    v: &'a str,
    section: &mut Section,
    version_lines: &mut Vec<&'a str>,
) {
    match key {
        Key::Version => {
            *section = Section::Version;
            if !v.is_empty() {
                version_lines.push(v);
            }
        }
        Key::VtpDomain => n.vtp_domain = non_empty(v.trim_matches('\'')),
        Key::Platform => {
            let (plat, caps) = match memchr::memmem::rfind(v.as_bytes(), b"Capabilities:") {
                Some(i) => (&v[..i], Some(&v[i + "Capabilities:".len()..])),
                None => (v, None),
            };
            n.platform = non_empty(plat.trim_ascii().trim_end_matches(','));
            if let Some(c) = caps {
                n.capabilities_raw = non_empty(c);
                n.capabilities = parse_capabilities(c);
            }
        }
        // IOS-XR prints it on its own line.
        Key::PortId => n.remote_interface = non_empty(v),
        Key::Location => n.location = non_empty(v),
        Key::Capabilities => {
            n.capabilities_raw = non_empty(v);
            n.capabilities = parse_capabilities(v);
        }
        // "Interface: X,  Port ID (outgoing port): Y".
        Key::Interface => match PORT_ID.find(v.as_bytes()) {
            Some(i) => {
                n.remote_interface = non_empty(&v[i + "Port ID (outgoing port):".len()..]);
                n.local_interface = non_empty(v[..i].trim_ascii_end().trim_end_matches(','));
            }
            None => n.local_interface = non_empty(v.trim_end_matches(',')),
        },
        Key::Holdtime => n.holdtime = leading_u32(v),
        Key::AdvertisementVersion => n.advertisement_version = leading_u32(v),
        Key::NativeVlan => n.native_vlan = leading_u32(v),
        Key::Duplex => n.duplex = non_empty(v),
        Key::SystemName => n.system_name = non_empty(v),
        Key::Mtu => n.mtu = leading_u32(v),
        _ => {}
    }
}
