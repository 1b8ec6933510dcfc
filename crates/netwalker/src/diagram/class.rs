//! Device classes: what kind of box a device is, from what its neighbours
//! and its own answers said.

use crate::model::Device;
use device_parsers::Platform;
use std::collections::BTreeSet;

/// What kind of box a device is, from its capabilities, platform text, model
/// and name (neighbour tables are often all we know).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DeviceClass {
    Router,
    Switch,
    Firewall,
    AccessPoint,
    Phone,
    Camera,
    Printer,
    Server,
    Other,
}

impl DeviceClass {
    pub const ALL: [DeviceClass; 9] = [
        DeviceClass::Router,
        DeviceClass::Switch,
        DeviceClass::Firewall,
        DeviceClass::AccessPoint,
        DeviceClass::Phone,
        DeviceClass::Camera,
        DeviceClass::Printer,
        DeviceClass::Server,
        DeviceClass::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeviceClass::Router => "router",
            DeviceClass::Switch => "switch",
            DeviceClass::Firewall => "firewall",
            DeviceClass::AccessPoint => "access_point",
            DeviceClass::Phone => "phone",
            DeviceClass::Camera => "camera",
            DeviceClass::Printer => "printer",
            DeviceClass::Server => "server",
            DeviceClass::Other => "other",
        }
    }

    /// Endpoints hang below the access layer as leaves.
    pub fn is_endpoint(self) -> bool {
        matches!(
            self,
            DeviceClass::AccessPoint
                | DeviceClass::Phone
                | DeviceClass::Camera
                | DeviceClass::Printer
                | DeviceClass::Server
        )
    }

    /// The classes left out unless asked for: phones, cameras, printers.
    pub fn default_excluded() -> BTreeSet<DeviceClass> {
        BTreeSet::from([
            DeviceClass::Phone,
            DeviceClass::Camera,
            DeviceClass::Printer,
        ])
    }
}

impl std::str::FromStr for DeviceClass {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_lowercase().replace('-', "_");
        let s = s.strip_suffix('s').unwrap_or(&s);
        DeviceClass::ALL
            .into_iter()
            .find(|c| c.as_str() == s || (s == "ap" && *c == DeviceClass::AccessPoint))
            .ok_or_else(|| {
                format!(
                    "unknown device class {s:?}; expected one of: router, switch, firewall, access_point, phone, camera, printer, server, other"
                )
            })
    }
}

/// Classifies a device from everything we know about it. The first class
/// whose clues fit wins, most specific first: a phone also says "switch"
/// in its capabilities, an access point "router".
pub fn classify(d: &Device) -> DeviceClass {
    let c = Clues::of(d);
    let platform = d.platform;
    if c.cap("phone") || is_sep_name(&d.hostname) || c.says(PHONE_WORDS) {
        DeviceClass::Phone
    } else if c.says(CAMERA_WORDS) {
        DeviceClass::Camera
    } else if c.cap("printer") || c.says(PRINTER_WORDS) {
        DeviceClass::Printer
    } else if platform == Some(Platform::PaloaltoPanos) || c.says(FIREWALL_WORDS) {
        DeviceClass::Firewall
    } else if c.cap("wlan") || c.cap("trans-bridge") || c.says(AP_WORDS) {
        DeviceClass::AccessPoint
    } else if platform == Some(Platform::Linux) || c.cap("station") || c.says(SERVER_WORDS) {
        DeviceClass::Server
    } else if c.cap("switch") || c.says(SWITCH_WORDS) || platform == Some(Platform::CiscoNxos) {
        DeviceClass::Switch
    } else if c.cap("router") || c.says(ROUTER_WORDS) {
        DeviceClass::Router
    } else if matches!(platform, Some(Platform::CiscoIos | Platform::CiscoXe)) {
        DeviceClass::Switch
    } else {
        DeviceClass::Other
    }
}

const PHONE_WORDS: &[&str] = &["ip phone", "polycom", "cisco cp-", "yealink", "avaya"];
const CAMERA_WORDS: &[&str] = &["camera", "axis ", "hikvision", "mobotix"];
const PRINTER_WORDS: &[&str] = &[
    "printer",
    "laserjet",
    "officejet",
    "xerox",
    "lexmark",
    "ricoh",
];
const FIREWALL_WORDS: &[&str] = &["palo alto", "pa-", "firewall", "asa", "fortigate"];
const AP_WORDS: &[&str] = &["air-", "aironet", "access point", "c9120", "c9130", "-ap"];
const SERVER_WORDS: &[&str] = &["linux", "server", "vmware", "esxi"];
const SWITCH_WORDS: &[&str] = &[
    "ws-c", "c9300", "c9200", "c9400", "c9500", "n9k", "nexus", "catalyst", "switch",
];
const ROUTER_WORDS: &[&str] = &["isr", "asr", "router", "c8"];

/// What [`classify`] reads, lower-cased once.
struct Clues {
    /// Platform text and model only: hostnames are free text (`kansas-1`
    /// is not an ASA), except Cisco phones' `SEP<MAC>` convention.
    text: String,
    /// The capabilities the neighbour advertised (CDP/LLDP).
    caps: Vec<String>,
}

impl Clues {
    fn of(d: &Device) -> Clues {
        let text = format!(
            "{} {}",
            d.platform_text.as_deref().unwrap_or(""),
            d.model.as_deref().unwrap_or(""),
        )
        .to_ascii_lowercase();
        let caps = d
            .capabilities
            .iter()
            .map(|c| c.to_ascii_lowercase())
            .collect();
        Clues { text, caps }
    }

    /// A capability containing `word`.
    fn cap(&self, word: &str) -> bool {
        self.caps.iter().any(|c| c.contains(word))
    }

    /// Platform text or model containing any of `words`.
    fn says(&self, words: &[&str]) -> bool {
        words.iter().any(|w| self.text.contains(w))
    }
}

/// Cisco phones are named `SEP` and their 12-hex-digit MAC.
fn is_sep_name(hostname: &str) -> bool {
    hostname.len() == 15
        && hostname.is_ascii()
        && hostname[..3].eq_ignore_ascii_case("sep")
        && hostname[3..].chars().all(|c| c.is_ascii_hexdigit())
}
