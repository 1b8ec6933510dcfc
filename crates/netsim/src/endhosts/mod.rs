//! End hosts: the PCs, phones, printers and VMs behind access ports, which
//! no walk logs in to but whose MAC addresses fill the switches' MAC tables
//! and the gateways' ARP and neighbour caches.
//!
//! The topology file keeps them as one text table (`endhosts = """..."""`),
//! a line per host, so a lab of 200,000 hosts is one string to parse rather
//! than 200,000 TOML tables:
//!
//! ```text
//! # mac           ipv4       ipv6|-          vlan kind    switch port                 gateways     also|-
//! 0014.2200.0001  10.0.0.10  fd00:0:0:64::a  100  pc      acc1   GigabitEthernet1/0/5 dist1,dist2  -
//! 0050.5600.0001  10.0.8.10  -               10   vm      acc3   GigabitEthernet1/0/2 core1,core2  acc5@GigabitEthernet1/0/9
//! ```
//!
//! `switch port` is where the host is; `also` lists other edge ports the
//! same MAC is still learnt on (a VM that moved: its old port keeps the
//! entry until it ages out), which makes its location ambiguous. The
//! gateways route its VLAN: they hold it in their ARP (and, with an IPv6
//! address, neighbour) caches, and every switch on the path from `switch`
//! to each gateway learns its MAC (`tables`). Served labs keep only the
//! compact tables built from this text, never a string per host.

pub mod tables;

use serde::{Deserialize, Serialize};
use std::fmt::{self, Write as _};
use std::net::{Ipv4Addr, Ipv6Addr};

/// The topology's end-host table: one line per host (see the module doc).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EndHostTable(pub String);

/// What an end host is; it decides its VLAN and its MAC's vendor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndHostKind {
    /// A desktop or laptop in the user VLAN.
    Pc,
    /// An IP phone in the voice VLAN (a PC may sit behind it on the same port).
    Phone,
    /// A network printer.
    Printer,
    /// A virtual machine in the server VLAN; some are learnt on two ports.
    Vm,
    /// A PC behind a small unmanaged desk switch: several MACs on one port.
    DeskSwitchPc,
}

impl EndHostKind {
    fn as_str(self) -> &'static str {
        match self {
            EndHostKind::Pc => "pc",
            EndHostKind::Phone => "phone",
            EndHostKind::Printer => "printer",
            EndHostKind::Vm => "vm",
            EndHostKind::DeskSwitchPc => "desk_switch_pc",
        }
    }

    fn parse(s: &str) -> Option<EndHostKind> {
        [
            EndHostKind::Pc,
            EndHostKind::Phone,
            EndHostKind::Printer,
            EndHostKind::Vm,
            EndHostKind::DeskSwitchPc,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// A switch port, by device name and long interface name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortRef<'a> {
    /// The switch's hostname.
    pub switch: &'a str,
    /// The port's long interface name.
    pub port: &'a str,
}

/// One line of the table, borrowing its names from the text.
#[derive(Debug, Clone, PartialEq)]
pub struct EndHost<'a> {
    /// The host's MAC address.
    pub mac: [u8; 6],
    /// Its IPv4 address (what the gateways' ARP caches hold).
    pub ip: Ipv4Addr,
    /// Its IPv6 address, for hosts the gateways also hold in their
    /// neighbour caches.
    pub ipv6: Option<Ipv6Addr>,
    /// Its VLAN.
    pub vlan: u16,
    /// What it is.
    pub kind: EndHostKind,
    /// Where it is: the edge port it is plugged into.
    pub at: PortRef<'a>,
    /// The devices that route its VLAN.
    pub gateways: Vec<&'a str>,
    /// Other edge ports its MAC is still learnt on (stale entries).
    pub also: Vec<PortRef<'a>>,
}

/// Why a line of the end-host table is not one.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("end-host line {line}: {reason}")]
pub struct EndHostLineError {
    /// 1-based line number in the table.
    pub line: usize,
    /// What is wrong with it, naming the field.
    pub reason: String,
}

impl EndHostTable {
    /// Every host line (blank and `#` lines skipped) with its 1-based line
    /// number, each parsed or its error.
    pub fn hosts(
        &self,
    ) -> impl Iterator<Item = Result<(usize, EndHost<'_>), EndHostLineError>> + '_ {
        self.0
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .map(|(n, l)| {
                parse_line(l)
                    .map(|h| (n + 1, h))
                    .map_err(|reason| EndHostLineError {
                        line: n + 1,
                        reason,
                    })
            })
    }

    /// Appends `host` as a line.
    pub fn push(&mut self, host: &EndHost<'_>) {
        let _ = writeln!(self.0, "{host}");
    }

    /// True when the lab has no end hosts.
    pub fn is_empty(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl fmt::Display for EndHost<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ipv6 = self.ipv6.map_or("-".to_string(), |a| a.to_string());
        write!(
            f,
            "{} {} {ipv6} {} {} {} {} {}",
            cisco_mac(self.mac),
            self.ip,
            self.vlan,
            self.kind.as_str(),
            self.at.switch,
            self.at.port,
            self.gateways.join(",")
        )?;
        if self.also.is_empty() {
            return f.write_str(" -");
        }
        for (k, p) in self.also.iter().enumerate() {
            let sep = if k == 0 { ' ' } else { ',' };
            write!(f, "{sep}{}@{}", p.switch, p.port)?;
        }
        Ok(())
    }
}

/// `aabb.ccdd.eeff`.
pub fn cisco_mac(m: [u8; 6]) -> String {
    format!(
        "{:02x}{:02x}.{:02x}{:02x}.{:02x}{:02x}",
        m[0], m[1], m[2], m[3], m[4], m[5]
    )
}

/// `aa:bb:cc:dd:ee:ff`.
pub fn colon_mac(m: [u8; 6]) -> String {
    format!(
        "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        m[0], m[1], m[2], m[3], m[4], m[5]
    )
}

/// Reads `aabb.ccdd.eeff` (the table's and the Cisco renderers' form).
pub fn parse_cisco_mac(s: &str) -> Option<[u8; 6]> {
    let b = s.as_bytes();
    if b.len() != 14 || b[4] != b'.' || b[9] != b'.' {
        return None;
    }
    let hex: String = s.chars().filter(|c| *c != '.').collect();
    let mut out = [0u8; 6];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(hex.get(i * 2..i * 2 + 2)?, 16).ok()?;
    }
    Some(out)
}

fn parse_line(line: &str) -> Result<EndHost<'_>, String> {
    let f: Vec<&str> = line.split_whitespace().collect();
    let [mac, ip, ipv6, vlan, kind, switch, port, gateways, also] = f[..] else {
        return Err(format!(
            "expected 9 fields (mac ipv4 ipv6 vlan kind switch port gateways also), found {}",
            f.len()
        ));
    };
    let bad = |what: &str, v: &str| format!("{what} {v:?} is not valid");
    Ok(EndHost {
        mac: parse_cisco_mac(mac).ok_or_else(|| bad("MAC (aabb.ccdd.eeff)", mac))?,
        ip: ip.parse().map_err(|_| bad("IPv4 address", ip))?,
        ipv6: match ipv6 {
            "-" => None,
            v => Some(v.parse().map_err(|_| bad("IPv6 address", v))?),
        },
        vlan: vlan
            .parse()
            .ok()
            .filter(|v| (1..=4094).contains(v))
            .ok_or_else(|| bad("VLAN", vlan))?,
        kind: EndHostKind::parse(kind).ok_or_else(|| bad("kind", kind))?,
        at: PortRef { switch, port },
        gateways: gateways.split(',').filter(|g| !g.is_empty()).collect(),
        also: match also {
            "-" => Vec::new(),
            list => list
                .split(',')
                .map(|p| {
                    let (switch, port) = p.split_once('@').ok_or_else(|| bad("switch@port", p))?;
                    Ok(PortRef { switch, port })
                })
                .collect::<Result<_, String>>()?,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip_and_errors_name_the_line() {
        let host = EndHost {
            mac: [0x00, 0x50, 0x56, 0, 0, 1],
            ip: Ipv4Addr::new(10, 0, 8, 10),
            ipv6: Some("fd00::a".parse().unwrap()),
            vlan: 10,
            kind: EndHostKind::Vm,
            at: PortRef {
                switch: "acc3",
                port: "GigabitEthernet1/0/2",
            },
            gateways: vec!["core1", "core2"],
            also: vec![PortRef {
                switch: "acc5",
                port: "GigabitEthernet1/0/9",
            }],
        };
        let mut t = EndHostTable::default();
        t.push(&host);
        t.0.push_str("# a comment\n\n0050.5600.0002 10.0.8.11 - 10 vm acc3 Gi1 core1 -\n");
        let hosts: Vec<_> = t.hosts().collect();
        assert_eq!(hosts[0], Ok((1, host)));
        assert_eq!(hosts[1].as_ref().unwrap().1.also, Vec::new());
        t.0.push_str("0050.5600.0003 10.0.8.300 - 10 vm acc3 Gi1 core1 -\n");
        let err = t.hosts().nth(2).unwrap().unwrap_err();
        assert_eq!(err.line, 5);
        assert!(err.to_string().contains("10.0.8.300"), "{err}");
    }
}
