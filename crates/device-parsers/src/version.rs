//! `show version` for IOS, IOS-XE and NX-OS, plus platform detection.

use crate::normalize::normalize_mac;
use crate::text::{kv, non_empty, uptime_seconds};
use device_platform::{Platform, detect_platform};
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

/// What the walker needs to know about a device from `show version`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ShowVersion {
    /// Detected OS family (see [`detect_platform`]).
    pub platform: Option<Platform>,
    /// The device's own name (`<name> uptime is`, `Device name:`).
    pub hostname: Option<String>,
    /// Software version, e.g. `15.2(4)E7`, `16.9.3`, `9.3(9)`.
    pub version: Option<String>,
    /// Chassis model of the (first) unit.
    pub model: Option<String>,
    /// Model of every stack member, in order (one entry on a single box).
    pub hardware: Vec<String>,
    /// Serial (processor board ID / system serial) of the first unit.
    pub serial: Option<String>,
    /// Serial of every stack member, in order.
    pub serials: Vec<String>,
    /// Base MAC address of every stack member (canonical colon form).
    pub mac_addresses: Vec<String>,
    /// Uptime as printed.
    pub uptime: Option<String>,
    /// Uptime in seconds, for sorting and comparing.
    pub uptime_seconds: Option<u64>,
    /// `System image file is "..."` / NX-OS `image file is:` value.
    pub image: Option<String>,
    /// Image name in parentheses on the banner, e.g. `C2960-LANBASEK9-M`.
    pub software_image: Option<String>,
    /// Why it last reloaded, as printed.
    pub reload_reason: Option<String>,
    /// When it last restarted, as printed.
    pub restarted: Option<String>,
    /// Configuration register (IOS), e.g. `0x2102`.
    pub config_register: Option<String>,
    /// ROM monitor / bootstrap version.
    pub rommon: Option<String>,
    /// BIOS version (NX-OS).
    pub bios: Option<String>,
    /// `fc1` style release tag from the banner.
    pub release: Option<String>,
}

static RE_VERSION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"Version\s+([^\s,]+)").expect("static regex"));
static RE_PAREN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\(([A-Za-z0-9_]+-[A-Za-z0-9_-]+|[A-Z0-9_]{4,})\)").expect("static regex")
});
static RE_FC: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\((fc\d+)\)|CUST-SPECIAL:(\S+)").expect("static regex"));
static RE_PROCESSOR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[Cc]isco\s+(\S+)\s+\(.*\)\s+(?:processor|with)").expect("static regex")
});

/// Parses IOS / IOS-XE / NX-OS `show version`. Total: unknown lines are
/// ignored, missing facts stay `None`.
pub fn parse_show_version(text: &str) -> ShowVersion {
    let mut v = ShowVersion {
        platform: detect_platform(text),
        ..Default::default()
    };
    let nxos = v.platform == Some(Platform::CiscoNxos);
    let mut device_name: Option<String> = None;
    let mut proc_model: Option<String> = None;
    let mut board_id: Option<String> = None;
    let mut model_numbers: Vec<String> = Vec::new();
    let mut system_serials: Vec<String> = Vec::new();
    let mut returned_by: Option<String> = None;
    let mut in_last_reset = false;
    let mut xe_version: Option<String> = None;

    for line in crate::text::lines(text) {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        // Banner: version, image, release.
        if t.starts_with("Cisco IOS Software")
            || t.starts_with("Cisco IOS XE Software")
            || t.starts_with("IOS (tm)")
            || t.starts_with("Cisco Internetwork")
        {
            if let Some(c) = RE_VERSION.captures(t) {
                // "Cisco IOS XE Software, Version 16.09.03" (zero-padded, or a
                // special-build tag) is only a fallback for the main banner.
                if t.starts_with("Cisco IOS XE Software") {
                    if xe_version.is_none() {
                        xe_version = Some(c[1].to_string());
                    }
                } else if v.version.is_none() {
                    v.version = Some(c[1].to_string());
                }
            }
            if v.software_image.is_none()
                && let Some(c) = RE_PAREN.captures(t)
            {
                v.software_image = Some(c[1].to_string());
            }
            if v.release.is_none()
                && let Some(c) = RE_FC.captures(t)
            {
                v.release = c.get(1).or(c.get(2)).map(|m| m.as_str().to_string());
            }
            continue;
        }
        // NX-OS software block.
        if nxos {
            for key in ["NXOS", "system"] {
                if let Some(val) = kv(t, key)
                    && let Some(rest) = val.strip_prefix("version")
                    && v.version.is_none()
                {
                    v.version = rest.split_whitespace().next().map(str::to_string);
                }
            }
            if let Some(val) = kv(t, "BIOS")
                && let Some(rest) = val.strip_prefix("version")
            {
                v.bios = non_empty(rest);
            }
            if v.image.is_none()
                && let Some(i) = t.find("image file is:")
            {
                v.image = non_empty(&t[i + "image file is:".len()..]);
            }
            if let Some(name) = kv(t, "Device name") {
                device_name = non_empty(name);
            }
            if let Some(rest) = t.strip_prefix("Kernel uptime is") {
                v.uptime = non_empty(rest);
            }
            if t.starts_with("Last reset") {
                in_last_reset = true;
                continue;
            }
            if in_last_reset && let Some(r) = kv(t, "Reason") {
                v.reload_reason = non_empty(r);
                in_last_reset = false;
            }
            // ACI leaf: `cisco N9K-C9396PX ("supervisor")`.
            if proc_model.is_none()
                && let Some(rest) = t.strip_prefix("cisco N")
                && t.contains("(\"supervisor\")")
            {
                proc_model = rest.split_whitespace().next().map(|m| format!("N{m}"));
            }
            if t.starts_with("cisco") && (t.contains(" Chassis") || t.contains(" chassis")) {
                let end = t
                    .find(" Chassis")
                    .or_else(|| t.find(" chassis"))
                    .unwrap_or(t.len());
                proc_model = t[..end]
                    .split_whitespace()
                    .last()
                    .filter(|m| *m != "cisco")
                    .map(str::to_string);
            }
        }
        if let Some(rest) = t.strip_prefix("ROM:") {
            v.rommon = rest.split_whitespace().next().map(str::to_string);
        }
        if !nxos
            && v.hostname.is_none()
            && let Some(i) = t.find(" uptime is ")
        {
            let who = &t[..i];
            if v.hostname.is_none() && !who.contains(' ') && !who.eq_ignore_ascii_case("kernel") {
                v.hostname = Some(who.to_string());
                v.uptime = non_empty(&t[i + " uptime is ".len()..]);
            }
        }
        if let Some(rest) = t.strip_prefix("System restarted at") {
            v.restarted = non_empty(rest);
        }
        if let Some(rest) = t.strip_prefix("System returned to ROM by") {
            let r = rest.split(" at ").next().unwrap_or(rest);
            returned_by = non_empty(r);
        }
        if let Some(r) = kv(t, "Last reload reason") {
            v.reload_reason = non_empty(r);
        }
        if let Some(rest) = t.strip_prefix("System image file is") {
            v.image = non_empty(rest.trim().trim_matches('"'));
        }
        if let Some(rest) = t.strip_prefix("Configuration register is") {
            v.config_register = rest.split_whitespace().next().map(str::to_string);
        }
        if proc_model.is_none()
            && let Some(c) = RE_PROCESSOR.captures(t)
        {
            proc_model = Some(c[1].to_string());
        }
        if board_id.is_none()
            && let Some(rest) = strip_prefix_ci(t, "Processor board ID")
        {
            board_id = rest
                .split_whitespace()
                .next()
                .map(|s| s.trim_end_matches(',').to_string());
        }
        if let Some(m) = kv(t, "Model Number")
            && let Some(m) = non_empty(m)
        {
            model_numbers.push(m);
        }
        if let Some(s) = kv(t, "System Serial Number")
            && let Some(s) = non_empty(s)
        {
            system_serials.push(s);
        }
        if let Some(m) = kv(t, "Base Ethernet MAC Address")
            && let Some(m) = normalize_mac(m)
        {
            v.mac_addresses.push(m);
        }
    }
    if v.version.is_none() {
        v.version = xe_version;
    }
    if device_name.is_some() {
        v.hostname = device_name;
    }
    if v.reload_reason.is_none() {
        v.reload_reason = returned_by;
    }
    // Stack "Model Number" lines are the truth on switches; the processor
    // line is the fallback (routers print no Model Number).
    v.hardware = if model_numbers.is_empty() {
        proc_model.into_iter().collect()
    } else {
        model_numbers
    };
    v.model = v.hardware.first().cloned();
    v.serials = if system_serials.is_empty() {
        board_id.into_iter().collect()
    } else {
        system_serials
    };
    v.serial = v.serials.first().cloned();
    v.uptime_seconds = v.uptime.as_deref().and_then(uptime_seconds);
    v
}

fn strip_prefix_ci<'a>(s: &'a str, p: &str) -> Option<&'a str> {
    let h = s.get(..p.len())?;
    h.eq_ignore_ascii_case(p).then(|| &s[p.len()..])
}
