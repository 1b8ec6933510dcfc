//! `show mac address-table` (IOS, IOS-XE, NX-OS) and the older IOS
//! `show mac-address-table`: which port each MAC address was learnt on.
//!
//! One parser reads every layout: the row is anchored on its MAC address;
//! what stands before it is markers and the VLAN, what follows is the type,
//! the layout's extra columns (known from the header) and the ports. Ports
//! such as `CPU`, `Router`, `Switch`, `sup-eth1(R)` or `vPC Peer-Link` are
//! kept as written: the caller decides which ports are edge ports.

use crate::normalize::{MacAddr, parse_mac};
use crate::text::{lines, offset_in};
use serde::{Deserialize, Serialize};

/// One MAC address table entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MacEntry {
    /// The learnt (or configured) address: the key end-host tracking looks up.
    pub mac: MacAddr,
    /// VLAN the entry belongs to; `None` when the device prints `All` (IOS
    /// CPU entries valid in every VLAN), `-`, `N/A` or something that is not a
    /// VLAN number.
    pub vlan: Option<u16>,
    /// Dynamic (learnt), static, secure or the switch's own: only dynamic
    /// entries say where a host is.
    pub kind: MacKind,
    /// Ports as written (`Gi1/0/1`, `Po10`, `CPU`, `vPC Peer-Link`); several
    /// for flooded/multicast entries, none when the device printed none.
    pub ports: Vec<String>,
    /// Seconds since the address was last seen, where the layout has an age
    /// column and the entry has a number (`-` for static entries: `None`).
    pub age_seconds: Option<u32>,
    /// Markers printed before the VLAN, as written and space-separated: `*`
    /// primary, `+` primary via the vPC peer link, `G` gateway (own) MAC, `R`
    /// router MAC, `S` secure, `C`/`O`/`#`...; empty when none. They say
    /// whether an entry is the switch's own or learnt through a peer.
    pub flags: String,
    /// Learnt under port security: NX-OS `Secure` column `T`, the IOS `S`
    /// marker, or a secure type; such a MAC is pinned to its port.
    pub secure: bool,
}

/// What kind of entry the `Type` column says this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MacKind {
    /// Learnt from traffic: the host is behind this port.
    Dynamic,
    /// Configured (`static`, `permanent`).
    Static,
    /// Learnt or configured by port security (`secure`, `secure-*`).
    Secure,
    /// The switch's own or reserved addresses (`system`, `self`).
    System,
    /// Any other type word (`igmp`, `drop`, ...).
    Other,
}

impl MacKind {
    /// Maps a type word, any case.
    pub fn from_type(word: &str) -> MacKind {
        let w = word.to_ascii_lowercase();
        match w.as_str() {
            "dynamic" => MacKind::Dynamic,
            "static" | "permanent" => MacKind::Static,
            "system" | "self" => MacKind::System,
            _ if w.starts_with("secure") => MacKind::Secure,
            _ => MacKind::Other,
        }
    }
}

impl MacEntry {
    /// True for the switch's own addresses: a `G`/`R` marker or a system
    /// type. Such entries never locate an end host.
    pub fn is_own(&self) -> bool {
        self.kind == MacKind::System || self.flags.split(' ').any(|f| f == "G" || f == "R")
    }
}

/// Columns between the type and the ports, as the header announces them.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Layout {
    /// `vlan mac type ports` (IOS 2960/3750, multicast tables) or unknown.
    Plain,
    /// `Destination Address  Address Type  VLAN  Destination Port` (old IOS).
    MacFirst,
    /// `vlan mac type protocols port` (Catalyst 4500 unicast).
    Protocols,
    /// `vlan mac type learn age ports` (Catalyst 6500).
    LearnAge,
    /// `VLAN MAC Type age Secure NTFY Ports` (NX-OS).
    Nxos,
}

fn header_layout(line: &str) -> Option<Layout> {
    let l = line.to_ascii_lowercase();
    if l.contains("destination address") && l.contains("destination port") {
        return Some(Layout::MacFirst);
    }
    if !(l.contains("mac address") && l.contains("vlan") && l.contains("type")) {
        return None;
    }
    Some(if l.contains("ntfy") || l.contains("secure") {
        Layout::Nxos
    } else if l.contains("learn") {
        Layout::LearnAge
    } else if l.contains("protocols") {
        Layout::Protocols
    } else {
        Layout::Plain
    })
}

/// Parses any `show mac address-table` / `show mac-address-table` output.
/// Counts, legends and section titles are skipped; port lists wrapped onto
/// the next lines (multicast entries) are joined to their entry.
pub fn parse_mac_address_table(text: &str) -> Vec<MacEntry> {
    let mut out: Vec<MacEntry> = Vec::new();
    let mut layout = Layout::Plain;
    // True while the previous line was an entry whose ports may continue.
    let mut may_continue = false;
    for line in lines(text) {
        if let Some(l) = header_layout(line) {
            layout = l;
            may_continue = false;
            continue;
        }
        let toks: Vec<&str> = line.split_whitespace().collect();
        let Some(m) = toks
            .iter()
            .position(|t| t.len() >= 12 && parse_mac(t).is_some())
        else {
            may_continue = may_continue && continue_ports(line, out.last_mut());
            continue;
        };
        let entry = if m == 0 {
            mac_first_row(&toks)
        } else {
            row(line, &toks, m, layout)
        };
        may_continue = entry.is_some();
        out.extend(entry);
    }
    out
}

/// Appends a wrapped port list (`   Gi0/13,Gi0/14`) to the last entry;
/// false when the line is not one.
fn continue_ports(line: &str, last: Option<&mut MacEntry>) -> bool {
    let t = line.trim();
    let Some(last) = last else { return false };
    let wrapped = line.starts_with([' ', '\t'])
        && !t.is_empty()
        && !t.contains(char::is_whitespace)
        && t.split(',')
            .filter(|p| !p.is_empty())
            .all(|p| p.starts_with(|c: char| c.is_ascii_alphabetic()));
    if wrapped {
        push_ports(&mut last.ports, t);
    }
    wrapped
}

fn push_ports(ports: &mut Vec<String>, text: &str) {
    ports.extend(
        text.split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_string),
    );
}

fn vlan_of(tok: &str) -> Option<u16> {
    tok.parse().ok().filter(|v| (1..=4095).contains(v))
}

fn age_of(tok: &str) -> Option<u32> {
    tok.parse().ok()
}

/// `0010.0de0.e289  Dynamic  1  FastEthernet0/1` (old IOS layout).
fn mac_first_row(toks: &[&str]) -> Option<MacEntry> {
    let mac = parse_mac(toks.first()?)?;
    let kind = MacKind::from_type(toks.get(1)?);
    let mut ports = Vec::new();
    for p in toks.get(3..).unwrap_or_default() {
        push_ports(&mut ports, p);
    }
    Some(MacEntry {
        mac,
        vlan: toks.get(2).and_then(|v| vlan_of(v)),
        kind,
        ports,
        age_seconds: None,
        flags: String::new(),
        secure: kind == MacKind::Secure,
    })
}

/// `[markers] vlan mac type [extra columns] ports`.
fn row(line: &str, toks: &[&str], m: usize, layout: Layout) -> Option<MacEntry> {
    let mac = parse_mac(toks[m])?;
    let kind = MacKind::from_type(toks.get(m + 1)?);
    let before = &toks[..m];
    // A marker is a short non-numeric word (`*`, `G`, `R`, `+`); `-` and
    // anything else before the MAC is the VLAN column.
    let is_marker = |t: &str| t != "-" && t.len() <= 2 && !t.bytes().any(|b| b.is_ascii_digit());
    let (markers, vlan_tok) = match before.split_last() {
        Some((last, rest)) if !is_marker(last) => (rest, Some(*last)),
        _ => (before, None),
    };
    let flags = markers.join(" ");
    let rest = toks.get(m + 2..).unwrap_or_default();
    let layout = match layout {
        // No header seen (a cut capture): NX-OS rows announce themselves
        // with their T/F Secure and NTFY columns.
        Layout::Plain if rest.len() >= 3 && [rest[1], rest[2]].iter().all(|t| is_tf(t)) => {
            Layout::Nxos
        }
        l => l,
    };
    let (skip, age_at, secure_at) = match layout {
        Layout::Nxos => (3, Some(0), Some(1)),
        Layout::LearnAge => (2, Some(1), None),
        Layout::Protocols => (1, None, None),
        Layout::Plain | Layout::MacFirst => (0, None, None),
    };
    let mut ports = Vec::new();
    if let Some(first) = rest.get(skip)
        && let Some(at) = offset_in(line, first)
    {
        let text = line[at..].trim();
        if layout == Layout::Nxos {
            // `vPC Peer-Link` is one port with a space in it.
            push_ports(&mut ports, text);
        } else {
            for p in text.split_whitespace() {
                push_ports(&mut ports, p);
            }
        }
    }
    let secure = kind == MacKind::Secure
        || markers.contains(&"S")
        || secure_at
            .and_then(|i| rest.get(i))
            .is_some_and(|t| *t == "T");
    Some(MacEntry {
        mac,
        vlan: vlan_tok.and_then(vlan_of),
        kind,
        ports,
        age_seconds: age_at.and_then(|i| rest.get(i)).and_then(|t| age_of(t)),
        flags,
        secure,
    })
}

fn is_tf(t: &str) -> bool {
    matches!(t, "T" | "F")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mac(s: &str) -> MacAddr {
        parse_mac(s).unwrap()
    }

    #[test]
    fn ios_plain_layout_with_all_vlan() {
        let t = "Vlan    Mac Address       Type        Ports\n\
                 ----    -----------       --------    -----\n \
                 All    0100.0ccc.cccc    STATIC      CPU\n   \
                 2    c869.cd54.1f71    DYNAMIC     Gi1/0/7\n\
                 Total Mac Addresses for this criterion: 2\n";
        let e = parse_mac_address_table(t);
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].vlan, None);
        assert_eq!(e[0].kind, MacKind::Static);
        assert_eq!(e[0].ports, ["CPU"]);
        assert_eq!(e[1].mac, mac("c8:69:cd:54:1f:71"));
        assert_eq!(e[1].vlan, Some(2));
        assert_eq!(e[1].kind, MacKind::Dynamic);
        assert_eq!(e[1].ports, ["Gi1/0/7"]);
    }

    #[test]
    fn multicast_ports_wrap() {
        let t = "Multicast Entries\n vlan     mac address     type    ports\n\
                 ---------+---------------+-------+------\n  \
                 10      ffff.ffff.ffff   system Gi0/2,Gi0/3\n                                  \
                 Gi0/13,Gi0/14\n                                  Switch,Po100\n   \
                 1      ffff.ffff.ffff   system\n";
        let e = parse_mac_address_table(t);
        assert_eq!(e.len(), 2);
        assert_eq!(
            e[0].ports,
            ["Gi0/2", "Gi0/3", "Gi0/13", "Gi0/14", "Switch", "Po100"]
        );
        assert_eq!(e[0].kind, MacKind::System);
        assert!(e[0].is_own());
        assert!(e[1].ports.is_empty());
    }

    #[test]
    fn catalyst_6500_markers_and_age() {
        let t = "      vlan   mac address    type   learn    age                 ports\n\
                 -----+----+---------------+-------+-----+----------+-------\n \
                 *       40 a099.9b05.ffaf  dynamic  Yes       20     Te1/8\n \
                 * R     51 006c.bc1c.a865   static   No       -      Router\n   \
                 S     67 0000.0000.0004   static   No       -      Te1/5/11\n";
        let e = parse_mac_address_table(t);
        assert_eq!(e.len(), 3);
        assert_eq!((e[0].flags.as_str(), e[0].vlan), ("*", Some(40)));
        assert_eq!(e[0].age_seconds, Some(20));
        assert_eq!(e[0].ports, ["Te1/8"]);
        assert_eq!(e[1].flags, "* R");
        assert!(e[1].is_own());
        assert_eq!(e[1].ports, ["Router"]);
        assert_eq!(e[1].age_seconds, None);
        assert!(e[2].secure);
        assert_eq!(e[2].kind, MacKind::Static);
    }

    #[test]
    fn nxos_markers_and_peer_link() {
        let t = "     VLAN       MAC Address       Type     age    Secure  NTFY     Ports\n\
                 ------------+-----------------+----------+-------+------+------+--------\n\
                 G    100      5087.89a1.de75     static     -        F      F    sup-eth1(R)\n\
                 +     10      0011.2233.4455    dynamic     0        F      F    vPC Peer-Link\n\
                 *     10      0011.2233.4466    dynamic   120        T      F    Eth1/1\n";
        let e = parse_mac_address_table(t);
        assert_eq!(e.len(), 3);
        assert_eq!(e[0].flags, "G");
        assert!(e[0].is_own());
        assert_eq!(e[0].ports, ["sup-eth1(R)"]);
        assert_eq!(e[1].ports, ["vPC Peer-Link"]);
        assert_eq!(e[1].flags, "+");
        assert_eq!(e[1].age_seconds, Some(0));
        assert!(!e[1].secure);
        assert!(e[2].secure);
        assert_eq!(e[2].age_seconds, Some(120));
        // Without the header the T/F columns still give the layout away.
        let rows: String = t.lines().skip(2).collect::<Vec<_>>().join("\n");
        assert_eq!(parse_mac_address_table(&rows), e);
    }

    #[test]
    fn old_mac_first_layout() {
        let t = "Destination Address  Address Type  VLAN  Destination Port\n\
                 -------------------  ------------  ----  --------------------\n\
                 0010.0de0.e289       Dynamic          1  FastEthernet0/1\n\
                 0010.7b00.1540       Secure           2  FastEthernet0/5\n";
        let e = parse_mac_address_table(t);
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].vlan, Some(1));
        assert_eq!(e[0].ports, ["FastEthernet0/1"]);
        assert_eq!(e[1].kind, MacKind::Secure);
        assert!(e[1].secure);
    }

    #[test]
    fn other_mac_notations() {
        for m in ["00:11:22:33:44:55", "00-11-22-33-44-55", "001122334455"] {
            let t = format!("Vlan Mac Address Type Ports\n 5  {m}  dynamic  Gi1/0/1\n");
            let e = parse_mac_address_table(&t);
            assert_eq!(e.len(), 1, "{m}");
            assert_eq!(e[0].mac, mac("0011.2233.4455"));
        }
    }
}
