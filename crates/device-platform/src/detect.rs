//! Which platform printed a `show version` (or PAN-OS `show system info`).

use crate::platform::Platform;
use crate::text::{kv, starts_with_ci};
use regex::Regex;
use std::sync::LazyLock;

static RE_IOS_WORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\bIOS\b").expect("static regex"));

/// Which OS printed this `show version` (or PAN-OS `show system info`).
///
/// Rules learned the hard way: `BIOS` is not `IOS` (NX-OS prints `BIOS:
/// version`), a module called `SPA-...` is not PAN-OS, and IOS-XE prints
/// "Cisco IOS Software" too, so XE is checked before plain IOS. IOS-XR and
/// Arista EOS are not platforms we walk: they give `None`.
pub fn detect_platform(text: &str) -> Option<Platform> {
    let mut ios = false;
    let mut xe = false;
    let mut nxos = false;
    let mut pan_model = false;
    let mut pan_version = false;
    for (i, line) in crate::text::lines(text).enumerate() {
        let t = line.trim();
        if t.contains("IOS XR") || t.contains("IOS-XR") || t.starts_with("Arista") {
            return None;
        }
        if t.contains("Cisco Nexus Operating System")
            || t.contains("NX-OS")
            || starts_with_ci(t, "NXOS:")
            || (t.starts_with("cisco Nexus") && t.contains("hassis"))
        {
            nxos = true;
        }
        if t.contains("IOS-XE") || t.contains("IOS XE") || t.contains("IOSXE") {
            xe = true;
        }
        // "Cisco IOS Software, ...", and IOS 12.x's two-line banner
        // "Cisco Internetwork Operating System Software" / "IOS (tm) ...".
        if (RE_IOS_WORD.is_match(t) && (t.contains("Cisco") || t.contains("cisco")))
            || t.starts_with("IOS (tm)")
            || t.starts_with("Cisco Internetwork Operating System")
        {
            ios = true;
        }
        if let Some(v) = kv(t, "model")
            && v.starts_with("PA-")
        {
            pan_model = true;
        }
        if kv(t, "sw-version").is_some() {
            pan_version = true;
        }
        if i == 0 && t.starts_with("Linux ") {
            return Some(Platform::Linux);
        }
    }
    if nxos {
        Some(Platform::CiscoNxos)
    } else if xe {
        Some(Platform::CiscoXe)
    } else if ios {
        Some(Platform::CiscoIos)
    } else if pan_model || pan_version {
        Some(Platform::PaloaltoPanos)
    } else {
        None
    }
}
