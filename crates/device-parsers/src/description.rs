//! `show interfaces description` (IOS, IOS-XE) and `show interface
//! description` (NX-OS): every interface's configured description.
//!
//! The status table's Name column holds the same text cut to 18
//! characters, and only for switch ports; this command prints it whole, for
//! every interface (SVIs, loopbacks, routed ports, sub-interfaces).
//!
//! Layouts, chosen by their header lines:
//! - IOS: `Interface  Status  Protocol Description`, the status one word or
//!   `admin down`, the description everything after the protocol;
//! - NX-OS: `Port  Type  Speed  Description` sections (Ethernet,
//!   port-channels) and `Interface  Description` sections (mgmt0, SVIs,
//!   loopbacks); `--` is "no description". NX-OS prints no status.

use crate::normalize::interface_long;
use crate::text::{is_rule, lines, offset_in};
use serde::{Deserialize, Serialize};

/// One interface and its description.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct InterfaceDescription {
    /// Long form (`GigabitEthernet1/0/1`, `Vlan99`, `Ethernet4/1`): the key
    /// the walk merges it under with the status and address tables.
    pub interface: String,
    /// Admin status as printed (`up`, `down`, `admin down`, `deleted`,
    /// `reset`); `None` on NX-OS, which does not print it here.
    pub status: Option<String>,
    /// Line protocol as printed (`up`, `down`); `None` on NX-OS.
    pub protocol: Option<String>,
    /// The configured description, whole; `None` when none is configured
    /// (IOS: an empty cell, NX-OS: `--`).
    pub description: Option<String>,
}

/// Which table the lines being read belong to.
#[derive(Clone, Copy, PartialEq)]
enum Layout {
    /// No header seen yet: nothing is a row (`Load for five secs` lines,
    /// the command's echo).
    None,
    /// IOS `Interface Status Protocol Description`.
    Ios,
    /// NX-OS `Port Type Speed Description`.
    NxosPort,
    /// NX-OS `Interface Description`.
    NxosInterface,
}

/// IOS admin states printed in one word (`admin down` is two).
const IOS_STATES: &[&str] = &["up", "down", "deleted", "reset"];

/// Parses either platform's table; lines that are not rows of a table
/// whose header was seen are skipped.
pub fn parse_interfaces_description(text: &str) -> Vec<InterfaceDescription> {
    let mut out = Vec::new();
    let mut layout = Layout::None;
    for line in lines(text) {
        if line.trim().is_empty() || is_rule(line) {
            continue;
        }
        if let Some(l) = header(line) {
            layout = l;
            continue;
        }
        let row = match layout {
            Layout::None => None,
            Layout::Ios => ios_row(line),
            Layout::NxosPort => nxos_port_row(line),
            Layout::NxosInterface => nxos_interface_row(line),
        };
        out.extend(row);
    }
    out
}

/// The layout a header line starts, if it is one.
fn header(line: &str) -> Option<Layout> {
    let words: Vec<&str> = line.split_whitespace().collect();
    match words.as_slice() {
        ["Interface", "Status", "Protocol", "Description"] => Some(Layout::Ios),
        ["Port", "Type", "Speed", "Description"] => Some(Layout::NxosPort),
        ["Interface", "Description"] => Some(Layout::NxosInterface),
        _ => None,
    }
}

/// `Gi0/10  admin down  down  UPLINK TO CORE`.
fn ios_row(line: &str) -> Option<InterfaceDescription> {
    let mut toks = line.split_whitespace();
    let port = port(toks.next()?)?;
    let first = toks.next()?;
    let status = if first == "admin" {
        match toks.next()? {
            "down" => "admin down",
            _ => return None,
        }
    } else {
        IOS_STATES.iter().find(|s| **s == first)?
    };
    let protocol = toks.next()?;
    if !protocol.bytes().all(|b| b.is_ascii_lowercase()) {
        return None;
    }
    Some(InterfaceDescription {
        interface: interface_long(port),
        status: Some(status.to_string()),
        protocol: Some(protocol.to_string()),
        description: rest_after(line, protocol).and_then(described),
    })
}

/// `Eth4/3  eth  10G  This is a test description`. A speed cell that is
/// not a speed is taken as the description's first word.
fn nxos_port_row(line: &str) -> Option<InterfaceDescription> {
    let mut toks = line.split_whitespace();
    let port = port(toks.next()?)?;
    let kind = toks.next()?;
    let after = match toks.next() {
        Some(speed) if is_speed(speed) => speed,
        _ => kind,
    };
    Some(nxos(port, rest_after(line, after)))
}

/// `Vlan10  USERS gateway`.
fn nxos_interface_row(line: &str) -> Option<InterfaceDescription> {
    let port = port(line.split_whitespace().next()?)?;
    Some(nxos(port, rest_after(line, port)))
}

fn nxos(port: &str, description: Option<&str>) -> InterfaceDescription {
    InterfaceDescription {
        interface: interface_long(port),
        status: None,
        protocol: None,
        description: description.filter(|d| *d != "--").and_then(described),
    }
}

/// A port name starts with a letter and has a digit (`Gi0/1`, `mgmt0`).
fn port(tok: &str) -> Option<&str> {
    let ok = tok.bytes().next().is_some_and(|c| c.is_ascii_alphabetic())
        && tok.bytes().any(|c| c.is_ascii_digit());
    ok.then_some(tok)
}

/// NX-OS speed cells: `10G`, `1000`, `100G`, `auto`.
fn is_speed(tok: &str) -> bool {
    tok == "auto"
        || tok.bytes().next().is_some_and(|c| c.is_ascii_digit())
            && tok
                .trim_end_matches(['G', 'M'])
                .bytes()
                .all(|c| c.is_ascii_digit())
}

/// The line after the token `tok` (a sub-slice of `line`), trimmed.
fn rest_after<'a>(line: &'a str, tok: &str) -> Option<&'a str> {
    let end = offset_in(line, tok)? + tok.len();
    line.get(end..).map(str::trim)
}

/// `Some` unless nothing is left.
fn described(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(
        interface: &str,
        status: Option<&str>,
        protocol: Option<&str>,
        description: Option<&str>,
    ) -> InterfaceDescription {
        InterfaceDescription {
            interface: interface.into(),
            status: status.map(Into::into),
            protocol: protocol.map(Into::into),
            description: description.map(Into::into),
        }
    }

    #[test]
    fn ios_rows_keep_the_whole_description() {
        let text = "Load for five secs: 1%/0%; one minute: 1%; five minutes: 1%\n\
Interface                      Status         Protocol Description\n\
Vl1                            admin down     down\n\
Gi1/0/49                       up             up       uplink to dist1 Gi1/0/1 (a \"quoted\" <b>long</b> description, ünïcode)\n\
Gi1/0/2                        down           down     down  up   admin down\n\
Po1                            up             up       \n";
        assert_eq!(
            parse_interfaces_description(text),
            [
                row("Vlan1", Some("admin down"), Some("down"), None),
                row(
                    "GigabitEthernet1/0/49",
                    Some("up"),
                    Some("up"),
                    Some("uplink to dist1 Gi1/0/1 (a \"quoted\" <b>long</b> description, ünïcode)")
                ),
                row(
                    "GigabitEthernet1/0/2",
                    Some("down"),
                    Some("down"),
                    Some("down  up   admin down")
                ),
                row("Port-channel1", Some("up"), Some("up"), None),
            ]
        );
    }

    #[test]
    fn nxos_sections_and_dashes() {
        let text = "\r\n-------------------------------------------------------------------------------\r\n\
Port          Type   Speed   Description\r\n\
-------------------------------------------------------------------------------\r\n\
Eth1/1        eth    10G     --\r\n\
Eth1/2        eth    auto    to acc1 Gi1/0/49\r\n\
Po10          eth    40G     vPC peer-link\r\n\
Eth1/3        eth    uplink without a speed\r\n\
\r\n\
-------------------------------------------------------------------------------\r\n\
Interface                Description\r\n\
-------------------------------------------------------------------------------\r\n\
mgmt0                    --\r\n\
Vlan10                   USERS gateway\r\n\
Lo0\r\n";
        assert_eq!(
            parse_interfaces_description(text),
            [
                row("Ethernet1/1", None, None, None),
                row("Ethernet1/2", None, None, Some("to acc1 Gi1/0/49")),
                row("Port-channel10", None, None, Some("vPC peer-link")),
                row("Ethernet1/3", None, None, Some("uplink without a speed")),
                row("mgmt0", None, None, None),
                row("Vlan10", None, None, Some("USERS gateway")),
                row("Loopback0", None, None, None),
            ]
        );
    }

    #[test]
    fn no_header_no_rows() {
        assert!(parse_interfaces_description("Gi0/1   up   up   x\n").is_empty());
        assert!(
            parse_interfaces_description("% Invalid input detected at '^' marker.\n").is_empty()
        );
        assert!(parse_interfaces_description("").is_empty());
    }

    #[test]
    fn unknown_status_words_are_not_rows() {
        let text = "Interface Status Protocol Description\nGi0/1 sleeping up x\nGi0/2 admin up up\nGi0/3 up UP x\n";
        assert!(parse_interfaces_description(text).is_empty());
    }

    proptest::proptest! {
        /// Whatever a description holds (quotes, markup, status words,
        /// any Unicode but line breaks), it comes back whole, trimmed, on
        /// both layouts; and no input makes the parser panic.
        #[test]
        fn descriptions_round_trip(
            desc in "[^\r\n]{0,80}",
            admin_down in proptest::bool::ANY,
            noise in ".{0,200}",
        ) {
            let status = if admin_down { "admin down" } else { "up" };
            let want = described(desc.trim_matches(|c: char| c.is_whitespace()));
            let ios = format!("Interface  Status  Protocol Description\nGi1/0/7  {status}  down  {desc}\n");
            let got = parse_interfaces_description(&ios);
            proptest::prop_assert_eq!(got.len(), 1);
            proptest::prop_assert_eq!(&got[0].description, &want);
            let nxos = format!("Port  Type  Speed  Description\nEth1/7  eth  10G  {desc}\n");
            let got = parse_interfaces_description(&nxos);
            proptest::prop_assert_eq!(got.len(), 1);
            let want_nx = want.filter(|d| d != "--");
            proptest::prop_assert_eq!(&got[0].description, &want_nx);
            let _ = parse_interfaces_description(&noise);
            let _ = parse_interfaces_description(&format!("{ios}{noise}{nxos}{noise}"));
        }
    }
}
