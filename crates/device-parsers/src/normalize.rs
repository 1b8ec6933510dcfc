//! Normalisers: one spelling for names that devices print many ways.
//!
//! Discovery compares names across devices (the CDP name of a neighbour must
//! match the hostname it reports itself), so every comparison goes through
//! these functions. Raw forms are always kept next to the normalised ones in
//! the records.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::IpAddr;

// ---------------------------------------------------------------- hostnames

/// Hostname as the walker compares it: trailing `(SERIAL)` removed (NX-OS
/// and some IOS CDP IDs), domain stripped (but never from an IP address),
/// surrounding whitespace removed. Case is kept; compare with
/// `eq_ignore_ascii_case`.
pub fn normalize_hostname(raw: &str) -> String {
    let mut s = raw.trim();
    if s.ends_with(')')
        && let Some(open) = s.rfind('(')
        && open > 0
    {
        s = s[..open].trim_end();
    }
    // Names that cannot be an address or a MAC (any byte outside hex digits
    // and separators) skip both parsers; this runs for every neighbour.
    let maybe_addr = s
        .bytes()
        .all(|b| b.is_ascii_hexdigit() || matches!(b, b'.' | b':' | b'-'));
    if maybe_addr && (s.parse::<IpAddr>().is_ok() || parse_mac(s).is_some()) {
        return s.to_string();
    }
    match s.find('.') {
        Some(i) if i > 0 => s[..i].to_string(),
        _ => s.to_string(),
    }
}

// ---------------------------------------------------------------- interfaces

/// (long form, short form, other accepted abbreviations). Order matters for
/// prefix matching: longer/more specific names come first.
const IFACE_NAMES: &[(&str, &str, &[&str])] = &[
    ("TwentyFiveGigE", "Twe", &["TwentyFiveGigabitEthernet"]),
    ("TwoGigabitEthernet", "Tw", &[]),
    ("FourHundredGigE", "FH", &["Fou"]),
    ("HundredGigE", "Hu", &["HundredGigabitEthernet"]),
    ("FortyGigabitEthernet", "Fo", &["FortyGigE"]),
    ("TenGigabitEthernet", "Te", &["TenGigE", "Ten"]),
    ("FiveGigabitEthernet", "Fi", &[]),
    ("AppGigabitEthernet", "Ap", &[]),
    ("GigabitEthernet", "Gi", &["Gig", "GE"]),
    ("FastEthernet", "Fa", &[]),
    ("Ethernet", "Eth", &["Et"]),
    ("Port-channel", "Po", &["Port-Channel", "PortChannel"]),
    ("Loopback", "Lo", &[]),
    ("Vlan", "Vl", &[]),
    ("Tunnel", "Tu", &[]),
    ("Serial", "Se", &[]),
    ("MgmtEth", "Mg", &[]),
    ("Management", "Ma", &[]),
    ("mgmt", "mgmt", &[]),
];

fn split_iface(name: &str) -> (&str, &str) {
    let t = name.trim();
    let idx = t
        .char_indices()
        .find(|(_, c)| c.is_ascii_digit() || *c == '/' || *c == ' ')
        .map(|(i, _)| i)
        .unwrap_or(t.len());
    (&t[..idx], t[idx..].trim_start())
}

fn lookup_iface(prefix: &str) -> Option<(&'static str, &'static str)> {
    if prefix.is_empty() {
        return None;
    }
    // Exact (case-insensitive) match on long, short or alias first.
    for (long, short, aliases) in IFACE_NAMES {
        if prefix.eq_ignore_ascii_case(long)
            || prefix.eq_ignore_ascii_case(short)
            || aliases.iter().any(|a| prefix.eq_ignore_ascii_case(a))
        {
            return Some((long, short));
        }
    }
    // Then an unambiguous abbreviation of the long form ("Gigabit", "Ether").
    let lower = prefix.to_ascii_lowercase();
    let mut hit = None;
    for (long, short, _) in IFACE_NAMES {
        if prefix.len() >= 2 && long.to_ascii_lowercase().starts_with(&lower) {
            if hit.is_some() {
                return None;
            }
            hit = Some((*long, *short));
        }
    }
    hit
}

/// `Gi1/0/1` -> `GigabitEthernet1/0/1`, `Eth1/1` -> `Ethernet1/1`. Unknown
/// names come back unchanged.
pub fn interface_long(name: &str) -> String {
    let (p, rest) = split_iface(name);
    match lookup_iface(p) {
        Some((long, _)) => format!("{long}{rest}"),
        None => name.trim().to_string(),
    }
}

/// `GigabitEthernet1/0/1` -> `Gi1/0/1`, `Ethernet1/1` -> `Eth1/1`.
pub fn interface_short(name: &str) -> String {
    let (p, rest) = split_iface(name);
    match lookup_iface(p) {
        Some((_, short)) => format!("{short}{rest}"),
        None => name.trim().to_string(),
    }
}

/// True when two spellings name the same port (`Gi1/0/1` vs
/// `GigabitEthernet1/0/1`).
pub fn same_interface(a: &str, b: &str) -> bool {
    interface_long(a).eq_ignore_ascii_case(&interface_long(b))
}

// ---------------------------------------------------------------- MACs

/// A MAC address. Displays in the canonical lower-case colon form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MacAddr(pub [u8; 6]);

impl MacAddr {
    /// `aabb.ccdd.eeff` (Cisco).
    pub fn to_cisco(&self) -> String {
        let b = self.0;
        format!(
            "{:02x}{:02x}.{:02x}{:02x}.{:02x}{:02x}",
            b[0], b[1], b[2], b[3], b[4], b[5]
        )
    }
    /// `aa-bb-cc-dd-ee-ff` (NX-OS module tables, Windows).
    pub fn to_dashed(&self) -> String {
        self.to_string().replace(':', "-")
    }
    /// `aabbccddeeff`.
    pub fn to_bare(&self) -> String {
        self.to_string().replace(':', "")
    }
}

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            b[0], b[1], b[2], b[3], b[4], b[5]
        )
    }
}

impl Serialize for MacAddr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for MacAddr {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse_mac(&s).ok_or_else(|| serde::de::Error::custom(format!("not a MAC address: {s:?}")))
    }
}

/// Accepts `aabb.ccdd.eeff`, `aa:bb:cc:dd:ee:ff`, `aa-bb-cc-dd-ee-ff`,
/// `aabbccddeeff`, any case, surrounding whitespace.
pub fn parse_mac(s: &str) -> Option<MacAddr> {
    let t = s.trim();
    if t.len() > 17 {
        return None;
    }
    // At most 12 hex digits fit in 17 bytes with separators; a fixed buffer
    // keeps this allocation-free (it runs on every CDP device name).
    let mut hex = [0u8; 12];
    let mut n = 0usize;
    for b in t.bytes().filter(|b| !matches!(b, b'.' | b':' | b'-')) {
        let digit = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            b'A'..=b'F' => b - b'A' + 10,
            _ => return None,
        };
        *hex.get_mut(n)? = digit;
        n += 1;
    }
    if n != 12 {
        return None;
    }
    // Separators must sit where a known layout puts them.
    let b = t.as_bytes();
    let ok = match b.len() {
        12 => true,
        14 => b[4] == b'.' && b[9] == b'.',
        17 => {
            let sep = b[2];
            (sep == b':' || sep == b'-') && [2, 5, 8, 11, 14].iter().all(|&i| b[i] == sep)
        }
        _ => false,
    };
    if !ok {
        return None;
    }
    let mut out = [0u8; 6];
    for (i, pair) in hex.chunks_exact(2).enumerate() {
        out[i] = pair[0] << 4 | pair[1];
    }
    Some(MacAddr(out))
}

/// Canonical colon form, or `None` if `s` is not a MAC address.
pub fn normalize_mac(s: &str) -> Option<String> {
    parse_mac(s).map(|m| m.to_string())
}

/// The canonical text of an IP address, or `None` when `s` is not one.
/// IPv4 text that parses is already canonical and is copied as is; IPv6 is
/// re-printed in RFC 5952 form (lower case, longest zero run compressed), the
/// same text `Ipv6Addr`'s `Display` gives, without the formatting machinery
/// that was a seventh of the CDP parser's instructions.
pub fn canonical_ip(s: &str) -> Option<String> {
    if is_dotted_quad(s) {
        return Some(s.to_string());
    }
    match s.parse::<IpAddr>().ok()? {
        IpAddr::V4(_) => Some(s.to_string()),
        IpAddr::V6(v6) => Some(format_ipv6(v6)),
    }
}

/// Strict `a.b.c.d` (each 0-255, no leading zeros): exactly the IPv4 text
/// the standard parser accepts, checked without its general machinery.
fn is_dotted_quad(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 7 || b.len() > 15 {
        return false;
    }
    let mut parts = 0;
    for part in b.split(|&c| c == b'.') {
        parts += 1;
        let ok = match part {
            [d] => d.is_ascii_digit(),
            [b'1'..=b'9', d] => d.is_ascii_digit(),
            [b'1', d, e] => d.is_ascii_digit() && e.is_ascii_digit(),
            [b'2', b'0'..=b'4', e] => e.is_ascii_digit(),
            [b'2', b'5', b'0'..=b'5'] => true,
            _ => false,
        };
        if !ok || parts > 4 {
            return false;
        }
    }
    parts == 4
}

fn format_ipv6(ip: std::net::Ipv6Addr) -> String {
    let seg = ip.segments();
    // IPv4-mapped and other special forms print dotted quads: leave those
    // to the standard library.
    if seg[..5] == [0; 5] && (seg[5] == 0xffff || (seg[5] == 0 && seg[6] != 0)) {
        return ip.to_string();
    }
    // Longest run of zero segments, at least two long; the first wins ties.
    let (mut best, mut best_len, mut i) = (0usize, 0usize, 0usize);
    while i < 8 {
        if seg[i] == 0 {
            let start = i;
            while i < 8 && seg[i] == 0 {
                i += 1;
            }
            if i - start > best_len {
                (best, best_len) = (start, i - start);
            }
        } else {
            i += 1;
        }
    }
    let mut out = String::with_capacity(39);
    let hex = |out: &mut String, v: u16| {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut started = false;
        for shift in [12, 8, 4, 0] {
            let d = (v >> shift) & 0xf;
            if d != 0 || started || shift == 0 {
                started = true;
                out.push(DIGITS[d as usize] as char);
            }
        }
    };
    if best_len < 2 {
        for (k, v) in seg.iter().enumerate() {
            if k > 0 {
                out.push(':');
            }
            hex(&mut out, *v);
        }
        return out;
    }
    for (k, v) in seg[..best].iter().enumerate() {
        if k > 0 {
            out.push(':');
        }
        hex(&mut out, *v);
    }
    out.push_str("::");
    for (k, v) in seg[best + best_len..].iter().enumerate() {
        if k > 0 {
            out.push(':');
        }
        hex(&mut out, *v);
    }
    out
}

// ---------------------------------------------------------------- platforms

/// Vendor and model pulled out of a CDP `Platform:` or LLDP system
/// description string.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PlatformInfo {
    /// The string as given, kept for display when vendor or model is unknown.
    pub raw: String,
    /// Vendor name, normalised (`Cisco`, `Arista`...).
    pub vendor: Option<String>,
    /// Model, as far as the string names one.
    pub model: Option<String>,
}

/// Recognises the platform strings the old tool mangled:
/// Aruba `AOS-10 (MODEL: 655)` / `ArubaOS (MODEL: 225), Version ...`,
/// Polycom `Polycom;VVX-VVX_410;3111-46162-001,7;`, Axis `AXIS P3225-LV Network Camera`,
/// Cisco small business `Cisco SG300-28P (PID:SRW2024P-K9-NA)-VSD`, and the
/// plain Cisco `cisco WS-C2960-8TC-L` / `N9K-C9372TX` forms.
pub fn normalize_platform(raw: &str) -> PlatformInfo {
    let t = raw.trim();
    let mut info = PlatformInfo {
        raw: t.to_string(),
        vendor: None,
        model: None,
    };
    if t.is_empty() {
        return info;
    }
    let lower = t.to_ascii_lowercase();
    // "(MODEL: 655)" or "(PID:SRW2024P-K9-NA)"
    let tagged = |tag: &str| -> Option<String> {
        let i = lower.find(tag)? + tag.len();
        let rest = &t[i..];
        let end = rest.find(')').unwrap_or(rest.len());
        let v = rest[..end].trim();
        (!v.is_empty()).then(|| v.to_string())
    };
    if lower.starts_with("aos") || lower.starts_with("arubaos") || lower.contains("aruba") {
        info.vendor = Some("Aruba".into());
        info.model = tagged("(model:");
        return info;
    }
    if lower.starts_with("polycom") {
        info.vendor = Some("Polycom".into());
        let mut parts = t.split(';').map(str::trim).filter(|p| !p.is_empty());
        parts.next();
        if let Some(m) = parts.next() {
            // "VVX-VVX_410" repeats the family; keep the specific half.
            let m = m
                .rsplit_once('-')
                .map_or(m, |(a, b)| if b.starts_with(a) { b } else { m });
            info.model = Some(m.replace('_', " "));
        }
        return info;
    }
    if lower.starts_with("axis") {
        info.vendor = Some("Axis".into());
        info.model = t
            .split_whitespace()
            .skip(1)
            .find(|w| w.chars().any(|c| c.is_ascii_digit()))
            .map(str::to_string);
        return info;
    }
    if let Some(pid) = tagged("(pid:") {
        info.vendor = t.split_whitespace().next().map(vendor_case);
        info.model = Some(pid);
        return info;
    }
    let mut words = t.split_whitespace();
    let first = words.next().unwrap_or_default();
    if first.eq_ignore_ascii_case("cisco") {
        info.vendor = Some("Cisco".into());
        let rest: Vec<&str> = words.collect();
        if !rest.is_empty() {
            info.model = Some(rest.join(" "));
        }
    } else if t.split_whitespace().count() == 1 {
        // "N9K-C9372TX", "MikroTik": a bare model or vendor word.
        if t.starts_with("N") && t.contains('-') || t.starts_with("WS-") || t.starts_with("C9") {
            info.vendor = Some("Cisco".into());
        }
        info.model = Some(t.to_string());
    } else {
        info.vendor = Some(vendor_case(first));
        info.model = Some(t[first.len()..].trim().to_string());
    }
    info
}

fn vendor_case(w: &str) -> String {
    match w.to_ascii_lowercase().as_str() {
        "cisco" => "Cisco".into(),
        _ => w.to_string(),
    }
}

// ---------------------------------------------------------------- capabilities

/// One capability vocabulary for CDP words, CDP summary letters and LLDP
/// letter codes / lldpd names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    Router,
    Switch,
    Bridge,
    TransBridge,
    SourceRouteBridge,
    Phone,
    Host,
    AccessPoint,
    Repeater,
    DocsisCable,
    Igmp,
    Remote,
    Cvta,
    TwoPortMacRelay,
    CVlan,
    SVlan,
    Other,
}

impl Capability {
    /// Every variant, in `Ord` order.
    pub const ALL: [Capability; 17] = [
        Capability::Router,
        Capability::Switch,
        Capability::Bridge,
        Capability::TransBridge,
        Capability::SourceRouteBridge,
        Capability::Phone,
        Capability::Host,
        Capability::AccessPoint,
        Capability::Repeater,
        Capability::DocsisCable,
        Capability::Igmp,
        Capability::Remote,
        Capability::Cvta,
        Capability::TwoPortMacRelay,
        Capability::CVlan,
        Capability::SVlan,
        Capability::Other,
    ];

    /// Maps one CDP word (`Router`, `Trans-Bridge`, `IGMP`...), LLDP letter
    /// (`R`, `B`, `W`...) or lldpd name (`Bridge`, `Wlan`, `Station`...).
    pub fn from_token(tok: &str) -> Option<Capability> {
        Self::from_bytes(tok.trim().as_bytes())
    }

    fn from_bytes(tok: &[u8]) -> Option<Capability> {
        let mut t = tok.trim_ascii();
        while let [b',' | b'(' | b')', rest @ ..] = t {
            t = rest;
        }
        while let [rest @ .., b',' | b'(' | b')'] = t {
            t = rest;
        }
        // Lower-case into a small buffer and match on bytes: the compiler
        // turns this into a length-then-bytes decision tree instead of a
        // scan of every word.
        let mut buf = [0u8; 20];
        let lower = match buf.get_mut(..t.len()) {
            Some(b) => {
                b.copy_from_slice(t);
                b.make_ascii_lowercase();
                &*b
            }
            None => return None,
        };
        Some(match (t, lower) {
            (b"R", _) | (b"r", _) => Capability::Router,
            (b"B", _) => Capability::Bridge,
            (b"T", _) => Capability::Phone,
            (b"C", _) => Capability::DocsisCable,
            (b"W", _) => Capability::AccessPoint,
            (b"P", _) => Capability::Repeater,
            (b"S", _) | (b"H", _) => Capability::Host,
            (b"O", _) => Capability::Other,
            (b"I", _) => Capability::Igmp,
            (b"D", _) => Capability::Remote,
            (b"M", _) => Capability::TwoPortMacRelay,
            (_, b"router") => Capability::Router,
            (_, b"switch") => Capability::Switch,
            (_, b"bridge") => Capability::Bridge,
            (_, b"trans-bridge") => Capability::TransBridge,
            (_, b"source-route-bridge") => Capability::SourceRouteBridge,
            (_, b"phone" | b"telephone" | b"tel") => Capability::Phone,
            (_, b"host" | b"station") => Capability::Host,
            (_, b"wlan" | b"wlanap" | b"ap") => Capability::AccessPoint,
            (_, b"repeater") => Capability::Repeater,
            (_, b"docsis") => Capability::DocsisCable,
            (_, b"igmp") => Capability::Igmp,
            (_, b"remote") => Capability::Remote,
            (_, b"cvta") => Capability::Cvta,
            (_, b"two-port") => Capability::TwoPortMacRelay,
            (_, b"c-vlan" | b"cvlan") => Capability::CVlan,
            (_, b"s-vlan" | b"svlan") => Capability::SVlan,
            (_, b"other") => Capability::Other,
            _ => return None,
        })
    }
}

/// Parses a capability list in any of the forms devices print: `B,R`,
/// `B, R`, `Router Switch IGMP`, `R S I`, `Bridge, Router`. Result is sorted
/// and de-duplicated; unknown words (`Filtering`, `Supports-STP-Dispute`) are
/// dropped.
pub fn parse_capabilities(text: &str) -> Vec<Capability> {
    // Multi-word names ("Two-port Mac Relay", "WLAN Access Point", "DOCSIS
    // Cable Device") are recognised by their first word; the rest of their
    // words map to nothing.
    // A bit set keeps the result sorted and de-duplicated without sorting
    // (the enum's declaration order is its `Ord`).
    let mut seen: u32 = 0;
    let mut add = |tok: &[u8]| {
        if let Some(c) = Capability::from_bytes(tok) {
            seen |= 1 << c as u32;
        }
    };
    if text.is_ascii() {
        // Byte tokenizer: same tokens as the `char` split below, without
        // decoding UTF-8.
        for tok in text
            .as_bytes()
            .split(|&b| b == b',' || b.is_ascii_whitespace())
            .filter(|t| !t.is_empty())
        {
            add(tok);
        }
    } else {
        text.split(|c: char| c == ',' || c.is_whitespace())
            .filter(|t| !t.is_empty())
            .for_each(|t| add(t.as_bytes()));
    }
    Capability::ALL
        .iter()
        .copied()
        .filter(|c| seen & (1 << *c as u32) != 0)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostnames() {
        assert_eq!(normalize_hostname("dc-lf03(SAL19069XXX)"), "dc-lf03");
        assert_eq!(
            normalize_hostname("nyc-dc-d02.ntc.com(FXS182XXXXX)"),
            "nyc-dc-d02"
        );
        assert_eq!(normalize_hostname(" core1.example.com "), "core1");
        assert_eq!(normalize_hostname("10.1.1.1"), "10.1.1.1");
        assert_eq!(normalize_hostname("44:48:c1:c4:dd:dd"), "44:48:c1:c4:dd:dd");
        assert_eq!(normalize_hostname("SEP001122334455"), "SEP001122334455");
    }

    #[test]
    fn interfaces_both_ways() {
        let pairs = [
            ("GigabitEthernet1/0/1", "Gi1/0/1"),
            ("TenGigabitEthernet1/1/7", "Te1/1/7"),
            ("FortyGigabitEthernet1/0/49", "Fo1/0/49"),
            ("HundredGigE1/0/1", "Hu1/0/1"),
            ("TwentyFiveGigE1/0/1", "Twe1/0/1"),
            ("TwoGigabitEthernet1/0/1", "Tw1/0/1"),
            ("Ethernet1/1", "Eth1/1"),
            ("Port-channel10", "Po10"),
            ("FastEthernet0/1", "Fa0/1"),
            ("mgmt0", "mgmt0"),
        ];
        for (long, short) in pairs {
            assert_eq!(interface_short(long), short, "{long}");
            assert_eq!(interface_long(short), long, "{short}");
            assert_eq!(interface_long(long), long);
            assert_eq!(interface_short(short), short);
        }
        assert_eq!(interface_long("Gig0/1"), "GigabitEthernet0/1");
        assert_eq!(interface_long("Twe1/0/1"), "TwentyFiveGigE1/0/1");
        assert_eq!(interface_long("Tw1/0/1"), "TwoGigabitEthernet1/0/1");
        assert_eq!(interface_long("eth0"), "Ethernet0");
        assert_eq!(interface_long("ge-0/0/0.0"), "ge-0/0/0.0");
        assert!(same_interface("Gi1/0/1", "GigabitEthernet1/0/1"));
        assert!(!same_interface("Gi1/0/1", "Gi1/0/10"));
    }

    #[test]
    fn macs() {
        let m = parse_mac("7c25.86C9.aaaa").unwrap();
        assert_eq!(m.to_string(), "7c:25:86:c9:aa:aa");
        assert_eq!(m.to_cisco(), "7c25.86c9.aaaa");
        assert_eq!(m.to_dashed(), "7c-25-86-c9-aa-aa");
        assert_eq!(m.to_bare(), "7c2586c9aaaa");
        assert_eq!(
            normalize_mac("2C-C2-60-17-D7-60").as_deref(),
            Some("2c:c2:60:17:d7:60")
        );
        assert_eq!(
            normalize_mac("aabbccddeeff").as_deref(),
            Some("aa:bb:cc:dd:ee:ff")
        );
        assert_eq!(normalize_mac("aa:bb:cc:dd:ee"), None);
        assert_eq!(normalize_mac("aab.bccd.deeff"), None);
        assert_eq!(normalize_mac("not-a-mac"), None);
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(serde_json::from_str::<MacAddr>(&json).unwrap(), m);
    }

    #[test]
    fn platform_strings() {
        let a = normalize_platform("AOS-10 (MODEL: 655)");
        assert_eq!(
            (a.vendor.as_deref(), a.model.as_deref()),
            (Some("Aruba"), Some("655"))
        );
        let a = normalize_platform("ArubaOS (MODEL: 225), Version 6.4.2.6-4.1.1.6 (50009)");
        assert_eq!(a.model.as_deref(), Some("225"));
        let p = normalize_platform("Polycom;VVX-VVX_410;3111-46162-001,7;");
        assert_eq!(
            (p.vendor.as_deref(), p.model.as_deref()),
            (Some("Polycom"), Some("VVX 410"))
        );
        let x = normalize_platform("AXIS P3225-LV Mk II Network Camera");
        assert_eq!(
            (x.vendor.as_deref(), x.model.as_deref()),
            (Some("Axis"), Some("P3225-LV"))
        );
        let s = normalize_platform("Cisco SG300-28P (PID:SRW2024P-K9-NA)-VSD");
        assert_eq!(
            (s.vendor.as_deref(), s.model.as_deref()),
            (Some("Cisco"), Some("SRW2024P-K9-NA"))
        );
        let c = normalize_platform("cisco WS-C2960-8TC-L");
        assert_eq!(
            (c.vendor.as_deref(), c.model.as_deref()),
            (Some("Cisco"), Some("WS-C2960-8TC-L"))
        );
        let n = normalize_platform("N9K-C9372TX");
        assert_eq!(
            (n.vendor.as_deref(), n.model.as_deref()),
            (Some("Cisco"), Some("N9K-C9372TX"))
        );
        assert_eq!(normalize_platform("").model, None);
    }

    #[test]
    fn capabilities_unify() {
        use Capability::*;
        assert_eq!(parse_capabilities("B,R"), vec![Router, Bridge]);
        assert_eq!(
            parse_capabilities("B, W, R, S"),
            vec![Router, Bridge, Host, AccessPoint]
        );
        assert_eq!(
            parse_capabilities("Router Switch IGMP Filtering Supports-STP-Dispute"),
            vec![Router, Switch, Igmp]
        );
        assert_eq!(
            parse_capabilities("Host Phone Two-port Mac Relay"),
            vec![Phone, Host, TwoPortMacRelay]
        );
        assert_eq!(parse_capabilities("Bridge, Router"), vec![Router, Bridge]);
        assert_eq!(
            parse_capabilities("Trans-Bridge Source-Route-Bridge"),
            vec![TransBridge, SourceRouteBridge]
        );
        assert!(parse_capabilities("").is_empty());
    }
}
