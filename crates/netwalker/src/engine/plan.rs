//! What to ask each platform, and what the answers mean.
//!
//! Pure: command lists per platform and [`interpret`], which turns raw
//! outputs into [`DeviceFacts`] (the device's own record and tables) and
//! [`Sighting`]s (neighbours). No I/O here, so the whole mapping is tested on
//! captured text.

mod endhosts;

use crate::identity::{display_hostname, normalize_serial};
use crate::model::{
    EndHostTables, Interface, LinkProtocol, StackMember, Vlan, normalize_interface,
};
use device_parsers::{self as dp, Capability, Platform};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// One command of a plan and what it is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Ask {
    Version,
    Cdp,
    Lldp,
    Inventory,
    Stack,
    Vlans,
    InterfacesStatus,
    IpInterfaces,
    /// Every interface's description, whole: the status table's Name
    /// column cuts it to 18 characters and lists switch ports only.
    InterfaceDescriptions,
    PanosSystemInfo,
    PanosHa,
    LldpcliJson,
    LinuxHostname,
    LinuxSerial,
    LinuxOs,
    /// End hosts: the MAC address table.
    MacTable,
    /// End hosts: port-channel membership (MACs are learnt on the
    /// port-channel, CDP/LLDP sees the neighbour on a member). Which ports
    /// trunk comes from the interface status already asked (its VLAN
    /// column), not from `show interfaces switchport`: that is ten times
    /// the output of any other command on an access switch.
    Bundles,
    /// End hosts: the ARP cache (IP to MAC).
    Arp,
    /// End hosts: the IPv6 neighbour cache.
    Ipv6Neighbors,
}

impl Ask {
    /// A neighbour table: once it is answered, a local walk queues the
    /// neighbours it names while the device answers the rest of its plan.
    pub fn is_neighbour_table(self) -> bool {
        matches!(self, Ask::Cdp | Ask::Lldp | Ask::LldpcliJson)
    }

    /// Says who the device is (name, serial): asked before any neighbour
    /// table, so the neighbours are told from the device itself.
    pub fn is_identity(self) -> bool {
        matches!(
            self,
            Ask::Version | Ask::LinuxHostname | Ask::LinuxSerial | Ask::PanosSystemInfo
        )
    }

    /// The questions end-host tracking asks (left out with `--no-endhosts`).
    pub fn is_endhost(self) -> bool {
        matches!(
            self,
            Ask::MacTable | Ask::Bundles | Ask::Arp | Ask::Ipv6Neighbors
        )
    }
}

/// The commands a walk runs on `platform`, in order: who the device is,
/// then its neighbour tables, then the rest. `show version` is left out
/// when the session already read it to detect the platform.
pub fn plan(platform: Platform) -> &'static [(Ask, &'static str)] {
    use Ask::*;
    match platform {
        Platform::CiscoIos | Platform::CiscoXe => &[
            (Version, "show version"),
            (Cdp, "show cdp neighbors detail"),
            (Lldp, "show lldp neighbors detail"),
            (Inventory, "show inventory"),
            (Stack, "show switch"),
            (Vlans, "show vlan brief"),
            (InterfacesStatus, "show interfaces status"),
            (IpInterfaces, "show ip interface brief"),
            (InterfaceDescriptions, "show interfaces description"),
            (MacTable, "show mac address-table dynamic"),
            (Bundles, "show etherchannel summary"),
            (Arp, "show ip arp"),
            (Ipv6Neighbors, "show ipv6 neighbors"),
        ],
        Platform::CiscoNxos => &[
            (Version, "show version"),
            (Cdp, "show cdp neighbors detail"),
            (Lldp, "show lldp neighbors detail"),
            (Inventory, "show inventory"),
            (Vlans, "show vlan"),
            (InterfacesStatus, "show interface status"),
            (IpInterfaces, "show ip interface brief"),
            (InterfaceDescriptions, "show interface description"),
            (MacTable, "show mac address-table dynamic"),
            (Bundles, "show port-channel summary"),
            (Arp, "show ip arp vrf all"),
            (Ipv6Neighbors, "show ipv6 neighbor vrf all"),
        ],
        Platform::PaloaltoPanos => &[
            (PanosSystemInfo, "show system info"),
            (PanosHa, "show high-availability state"),
            (Arp, "show arp all"),
        ],
        Platform::Linux => &[
            (LinuxHostname, "hostname"),
            (LinuxSerial, "cat /sys/class/dmi/id/product_serial"),
            // lldpcli lives in /usr/sbin, which a user's login PATH lacks on
            // Debian; a command-local PATH finds it without `sudo`.
            (LldpcliJson, LLDPCLI_JSON),
            (LinuxOs, "cat /etc/os-release"),
            (Arp, "ip -j neigh"),
        ],
    }
}

/// Whether `ask` is not worth its round trip, given the answers so far:
/// port-channel membership classifies MAC table ports, so a table without
/// host entries makes it moot; a device that caches no IPv4 neighbour routes no
/// hosts, so its IPv6 neighbour cache is not asked for either.
pub fn moot(ask: Ask, platform: Platform, answers: &[Answer]) -> bool {
    let answer = |of: Ask| answers.iter().find(|a| a.ask == of);
    let nothing = |of: Ask| {
        answer(of).is_none_or(|a| unanswered(a).is_some() || !has_hosts(platform, of, &a.text))
    };
    match ask {
        Ask::Bundles => nothing(Ask::MacTable),
        Ask::Ipv6Neighbors => nothing(Ask::Arp),
        _ => false,
    }
}

/// Whether an end-host answer names any host. A table with hosts shows
/// one within its first lines, so those are parsed first; the whole text
/// only when they show none (a switch's full MAC table is parsed once, by
/// the interpretation, not twice).
fn has_hosts(platform: Platform, of: Ask, text: &str) -> bool {
    const HEAD: usize = 8 * 1024;
    let any = |text: &str| {
        let mut t = EndHostTables::default();
        endhosts::interpret(&mut t, platform, of, text);
        !(t.macs.is_empty() && t.ip_macs.is_empty())
    };
    if text.len() > HEAD
        && let Some(end) = text.as_bytes()[..HEAD].iter().rposition(|&b| b == b'\n')
        && any(&text[..=end])
    {
        return true;
    }
    any(text)
}

/// `lldpcli` with the PATH distributions install it on. A POSIX shell's
/// `NAME=VALUE command` sets PATH for this one command only.
pub const LLDPCLI_JSON: &str = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin lldpcli -f json show neighbors details";

/// A neighbour as one device reported it.
#[derive(Debug, Clone, PartialEq)]
pub struct Sighting {
    /// The name exactly as reported (CDP device-id, LLDP system name).
    pub name_raw: String,
    /// Display form: no domain, no `(SERIAL)`.
    pub name: String,
    /// From an NX-OS style `name(SERIAL)` device-id.
    pub serial: Option<String>,
    /// Addresses, management ones first.
    pub ips: Vec<IpAddr>,
    /// CDP platform, or the first line of the LLDP system description.
    pub platform_text: Option<String>,
    /// Capability words as reported (`Router`, `Switch`, `Phone`...): filters use them.
    pub capabilities: Vec<String>,
    /// The walked device's port, long form.
    pub local_interface: String,
    /// The neighbour's port, long form.
    pub remote_interface: String,
    /// CDP or LLDP: the same cable seen by both is one link.
    pub protocol: LinkProtocol,
}

/// What a walked device says about itself.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeviceFacts {
    /// The name the device gives itself (prompt or `show version`).
    pub hostname_raw: Option<String>,
    /// Chassis serial (member 1's for a stack).
    pub serial: Option<String>,
    /// Hardware model.
    pub model: Option<String>,
    /// Software version.
    pub version: Option<String>,
    /// As printed.
    pub uptime: Option<String>,
    /// The platform its `show version` proves (may refine the login's guess).
    pub platform: Option<Platform>,
    /// Its own addresses (interfaces), for identity.
    pub ips: Vec<IpAddr>,
    /// Interface status and addresses.
    pub interfaces: Vec<Interface>,
    /// Stack members (empty when not a stack).
    pub stack: Vec<StackMember>,
    /// Configured VLANs.
    pub vlans: Vec<Vlan>,
    /// Its CDP and LLDP neighbours, one per table row.
    pub sightings: Vec<Sighting>,
    /// Planned commands the device could not answer, each with why and
    /// what it costs (see [`unanswered`]).
    pub warnings: Vec<String>,
    /// Its MAC table, ARP/ND caches and trunks (end-host tracking).
    pub endhosts: EndHostTables,
}

impl DeviceFacts {
    /// Nothing identifying could be parsed: no version, model or serial.
    pub fn is_unrecognisable(&self) -> bool {
        self.version.is_none() && self.model.is_none() && self.serial.is_none()
    }
}

/// One command's output, as the session returned it (serialisable: a
/// distributed walk's worker sends it through the database).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Answer {
    /// Which question of the plan this answers.
    pub ask: Ask,
    /// The command as sent, for messages.
    pub command: String,
    /// The device's output.
    pub text: String,
    /// The device refused the command (an error marker): not data, a warning.
    pub rejected: bool,
}

fn cap_words(caps: &[Capability]) -> Vec<String> {
    caps.iter().map(|c| format!("{c:?}")).collect()
}

fn ips_of<'a>(addrs: impl IntoIterator<Item = &'a String>) -> Vec<IpAddr> {
    let mut out: Vec<IpAddr> = Vec::new();
    for a in addrs {
        if let Ok(ip) = a.trim().parse::<IpAddr>()
            && !out.contains(&ip)
        {
            out.push(ip);
        }
    }
    out
}

/// `name(SERIAL)` -> the serial, if the parenthesised part looks like one.
fn serial_in_name(raw: &str) -> Option<String> {
    let open = raw.rfind('(')?;
    let inner = raw[open + 1..].strip_suffix(')')?;
    clean_serial(inner)
}

/// The serial as printed, if it is a real one (not `unknown`, `N/A`...).
/// Identity compares normalised forms; records keep what the device said.
fn clean_serial(raw: &str) -> Option<String> {
    normalize_serial(raw).map(|_| raw.trim().to_string())
}

fn first_line(s: &str) -> Option<String> {
    s.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(str::to_string)
}

/// Turns a device's answers into facts and sightings.
pub fn interpret(platform: Platform, answers: &[Answer]) -> DeviceFacts {
    let mut f = DeviceFacts {
        platform: Some(platform),
        ..DeviceFacts::default()
    };
    let mut version: Option<dp::ShowVersion> = None;
    let mut switch_rows: Vec<dp::StackMember> = Vec::new();
    let mut status_rows: Vec<dp::InterfaceStatus> = Vec::new();
    let mut ip_rows: Vec<dp::IpInterface> = Vec::new();
    let mut descriptions: Vec<dp::InterfaceDescription> = Vec::new();
    let mut inventory: Vec<dp::InventoryItem> = Vec::new();
    for a in answers {
        if let Some(w) = unanswered(a) {
            f.warnings.push(w);
            continue;
        }
        match a.ask {
            Ask::Version => version = Some(dp::parse_show_version(&a.text)),
            Ask::Cdp => {
                for n in dp::parse_cdp_neighbors_detail(&a.text) {
                    if let Some(s) = cdp_sighting(&n) {
                        f.sightings.push(s);
                    }
                }
            }
            Ask::Lldp => {
                for n in dp::parse_lldp_neighbors_detail(&a.text) {
                    if let Some(s) = lldp_sighting(&n) {
                        f.sightings.push(s);
                    }
                }
            }
            Ask::LldpcliJson => {
                for n in dp::parse_lldpd_json(&a.text) {
                    if let Some(s) = lldp_sighting(&n) {
                        f.sightings.push(s);
                    }
                }
            }
            Ask::Inventory => inventory = dp::parse_inventory(&a.text),
            Ask::Stack => switch_rows = dp::parse_show_switch(&a.text),
            Ask::Vlans => f.vlans = vlans(&a.text),
            Ask::InterfacesStatus => status_rows = dp::parse_interfaces_status(&a.text),
            Ask::IpInterfaces => ip_rows = dp::parse_ip_interface_brief(&a.text),
            Ask::InterfaceDescriptions => descriptions = dp::parse_interfaces_description(&a.text),
            Ask::PanosSystemInfo => {
                let s = dp::parse_panos_system_info(&a.text);
                f.hostname_raw = s.hostname;
                f.serial = s.serial.as_deref().and_then(clean_serial);
                f.model = s.model;
                f.version = s.sw_version;
                f.uptime = s.uptime;
                f.ips
                    .extend(s.ip_address.and_then(|ip| ip.parse::<IpAddr>().ok()));
            }
            Ask::PanosHa => {}
            Ask::MacTable | Ask::Bundles | Ask::Arp | Ask::Ipv6Neighbors => {
                endhosts::interpret(&mut f.endhosts, platform, a.ask, &a.text)
            }
            Ask::LinuxHostname => f.hostname_raw = first_line(&a.text),
            Ask::LinuxSerial => f.serial = first_line(&a.text).as_deref().and_then(clean_serial),
            Ask::LinuxOs => {
                f.version = a.text.lines().find_map(|l| {
                    l.strip_prefix("PRETTY_NAME=")
                        .map(|v| v.trim_matches('"').to_string())
                });
                f.model.get_or_insert_with(|| "Linux".to_string());
            }
        }
    }
    if let Some(v) = version {
        f.hostname_raw = f.hostname_raw.or(v.hostname.clone());
        f.serial = v.serial.as_deref().and_then(clean_serial);
        f.model = v.model.clone();
        f.version = v.version.clone();
        f.uptime = v.uptime.clone();
        f.stack = stack_members(&v, &switch_rows, &inventory);
    }
    if f.serial.is_none() {
        // Chassis serial from `show inventory` when show version had none.
        f.serial = inventory
            .first()
            .and_then(|i| i.serial.as_deref())
            .and_then(clean_serial);
    }
    if f.endhosts.collected {
        f.endhosts.trunks = endhosts::trunks(&status_rows);
    }
    f.interfaces = interfaces(&status_rows, &ip_rows, &descriptions);
    for r in &ip_rows {
        if let Ok(ip) = r
            .ip_address
            .split('/')
            .next()
            .unwrap_or("")
            .parse::<IpAddr>()
            && !f.ips.contains(&ip)
        {
            f.ips.push(ip);
        }
    }
    f
}

/// Why a planned command gave the walk nothing to use, if it did not. A
/// device that cannot answer a command is a warning on that device, never
/// silence: an empty neighbour table and "LLDP is off" are different facts.
pub fn unanswered(a: &Answer) -> Option<String> {
    let cmd = command_name(&a.command);
    let has = |needle: &str| a.text.contains(needle);
    let lost = match a.ask {
        Ask::Cdp => "its CDP neighbours are unknown",
        Ask::Lldp | Ask::LldpcliJson => "its LLDP neighbours are unknown",
        Ask::MacTable | Ask::Bundles => "the end hosts on its ports are unknown",
        Ask::Arp | Ask::Ipv6Neighbors => "the addresses in its ARP/neighbour cache are unknown",
        _ => "that part of its record is missing",
    };
    if has("CDP is not enabled") || has("LLDP is not enabled") {
        let proto = if has("CDP") { "CDP" } else { "LLDP" };
        return Some(format!(
            "`{cmd}`: {proto} is not enabled on the device, so its {proto} neighbours are unknown"
        ));
    }
    if a.ask == Ask::LldpcliJson {
        // lldpcli names lldpd's socket when it cannot reach the daemon
        // ("unable to connect to socket /run/lldpd.socket: No such file or
        // directory"), so that is checked before "not found".
        let hint = if has("unable to connect") || has("Connection refused") {
            Some("lldpcli could not reach lldpd (is lldpd running?)")
        } else if has("command not found") || has("No such file or directory") {
            Some("lldpcli was not found (is lldpd installed?)")
        } else if has("Permission denied") {
            Some(
                "the login user may not run lldpcli or use lldpd's socket (Debian: add it to the `adm` group; elsewhere to `_lldpd`)",
            )
        } else {
            None
        };
        if let Some(hint) = hint {
            return Some(format!("`{cmd}`: {hint}, so {lost}"));
        }
        let text = a.text.trim_start();
        if !a.rejected && !text.is_empty() && !text.starts_with('{') {
            return Some(format!(
                "`{cmd}` did not answer JSON ({}), so {lost}",
                excerpt(text)
            ));
        }
    }
    a.rejected.then(|| {
        format!(
            "`{cmd}` was rejected by the device ({}), so {lost}",
            excerpt(&a.text)
        )
    })
}

/// The command as a person would type it: without leading `NAME=VALUE`
/// environment words.
fn command_name(command: &str) -> &str {
    let mut rest = command.trim_start();
    while let Some((word, after)) = rest.split_once(' ')
        && word.contains('=')
    {
        rest = after.trim_start();
    }
    rest
}

/// The device's own words for a warning: the first line that says
/// something, printable characters only, at most 120 of them.
fn excerpt(text: &str) -> String {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.chars().all(|c| c == '^' || c == ' '))
        .unwrap_or("no output");
    line.chars().filter(|c| !c.is_control()).take(120).collect()
}

fn cdp_sighting(n: &dp::CdpNeighbor) -> Option<Sighting> {
    let local = n.local_interface.as_deref()?;
    let name_raw = n.device_id.trim().to_string();
    if name_raw.is_empty() {
        return None;
    }
    Some(Sighting {
        name: display_hostname(n.system_name.as_deref().unwrap_or(&name_raw)),
        serial: serial_in_name(&name_raw),
        ips: ips_of(n.management_addresses.iter().chain(&n.entry_addresses)),
        platform_text: n.platform.clone(),
        capabilities: match &n.capabilities_raw {
            Some(raw) => raw.split_whitespace().map(str::to_string).collect(),
            None => cap_words(&n.capabilities),
        },
        local_interface: normalize_interface(local),
        remote_interface: n
            .remote_interface
            .as_deref()
            .map(normalize_interface)
            .unwrap_or_default(),
        protocol: LinkProtocol::Cdp,
        name_raw,
    })
}

fn lldp_sighting(n: &dp::LldpNeighbor) -> Option<Sighting> {
    let name_raw = n
        .system_name
        .clone()
        .or_else(|| n.chassis_id.clone())?
        .trim()
        .to_string();
    Some(Sighting {
        name: display_hostname(&name_raw),
        serial: n.serial.as_deref().and_then(clean_serial),
        ips: ips_of(&n.management_addresses),
        platform_text: n.system_description.as_deref().and_then(first_line),
        capabilities: cap_words(&n.capabilities),
        local_interface: n
            .local_interface
            .as_deref()
            .map(normalize_interface)
            .unwrap_or_default(),
        remote_interface: n
            .remote_interface()
            .map(normalize_interface)
            .unwrap_or_default(),
        protocol: LinkProtocol::Lldp,
        name_raw,
    })
}

/// The IOS legacy VLANs every switch prints; they say nothing about the network.
const LEGACY_VLANS: [u32; 4] = [1002, 1003, 1004, 1005];

fn vlans(text: &str) -> Vec<Vlan> {
    dp::parse_show_vlan(text)
        .into_iter()
        .filter(|v| !LEGACY_VLANS.contains(&v.vlan_id))
        .filter_map(|v| {
            let id = u16::try_from(v.vlan_id).ok()?;
            let (po, ports): (Vec<String>, Vec<String>) = v
                .interfaces
                .iter()
                .map(|p| normalize_interface(p))
                .partition(|p| p.to_ascii_lowercase().starts_with("port-channel"));
            Some(Vlan {
                id,
                name: v.name,
                ports,
                port_channels: po,
            })
        })
        .collect()
}

/// One record per interface, merged by long name from the status table,
/// the address table and the description table (which also lists SVIs,
/// loopbacks and routed ports the status table leaves out).
fn interfaces(
    status: &[dp::InterfaceStatus],
    ips: &[dp::IpInterface],
    descriptions: &[dp::InterfaceDescription],
) -> Vec<Interface> {
    let mut by_name: BTreeMap<String, Interface> = BTreeMap::new();
    for s in status {
        let i = entry(&mut by_name, &s.port);
        i.status = Some(s.status.clone());
        i.vlan = Some(s.vlan.clone());
        i.duplex = Some(s.duplex.clone());
        i.speed = Some(s.speed.clone());
        i.kind = s.media_type.clone();
    }
    for r in ips {
        let i = entry(&mut by_name, &r.interface);
        if r.ip_address.parse::<IpAddr>().is_ok() {
            i.ip = Some(r.ip_address.clone());
        }
        if i.status.is_none() {
            i.status = Some(r.status.clone());
        }
    }
    for d in descriptions {
        let i = entry(&mut by_name, &d.interface);
        i.description = d.description.clone();
        if i.status.is_none() {
            i.status = d.status.clone();
        }
    }
    by_name.into_values().collect()
}

/// The interface named `name` (any spelling), added if new.
fn entry<'a>(by_name: &'a mut BTreeMap<String, Interface>, name: &str) -> &'a mut Interface {
    let name = normalize_interface(name);
    by_name
        .entry(name.clone())
        .or_insert_with(|| Interface::new(name))
}

/// Stack members from `show switch` rows, with model and serial taken from
/// `show version`'s per-switch lists (or `show inventory`) in switch order.
fn stack_members(
    v: &dp::ShowVersion,
    rows: &[dp::StackMember],
    inventory: &[dp::InventoryItem],
) -> Vec<StackMember> {
    // A lone switch is not a stack: one row, one serial.
    if rows.len() < 2 && v.serials.len() < 2 {
        return Vec::new();
    }
    let mut sorted: Vec<&dp::StackMember> = rows.iter().collect();
    sorted.sort_by_key(|r| r.switch);
    let n = sorted.len().max(v.serials.len());
    (0..n)
        .map(|i| {
            let row = sorted.get(i);
            let switch = row.map(|r| r.switch).unwrap_or(i as u32 + 1);
            let inv = inventory.iter().find(|it| {
                it.name
                    .trim_matches('"')
                    .ends_with(&format!("Switch {switch}"))
            });
            StackMember {
                switch,
                role: row.map(|r| r.role.clone()),
                priority: row.and_then(|r| r.priority),
                model: v
                    .hardware
                    .get(i)
                    .cloned()
                    .or_else(|| inv.and_then(|it| it.pid.clone())),
                serial: v
                    .serials
                    .get(i)
                    .cloned()
                    .or_else(|| inv.and_then(|it| it.serial.clone())),
                mac: row
                    .map(|r| r.mac_address.clone())
                    .or_else(|| v.mac_addresses.get(i).cloned()),
                hw_version: row.and_then(|r| r.hw_version.clone()),
                version: v.version.clone(),
                state: row.map(|r| r.state.clone()),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_is_taken_from_nxos_device_ids() {
        assert_eq!(
            serial_in_name("core2(SAL21543C2W)").as_deref(),
            Some("SAL21543C2W")
        );
        assert_eq!(serial_in_name("core2.campus.example"), None);
    }

    fn answer(ask: Ask, command: &str, text: &str, rejected: bool) -> Answer {
        Answer {
            ask,
            command: command.into(),
            text: text.into(),
            rejected,
        }
    }

    #[test]
    fn an_unanswered_command_is_a_warning_never_silence() {
        let cases = [
            (
                answer(
                    Ask::Lldp,
                    "show lldp neighbors detail",
                    "% LLDP is not enabled\n",
                    false,
                ),
                "`show lldp neighbors detail`: LLDP is not enabled on the device, so its LLDP neighbours are unknown",
            ),
            (
                answer(
                    Ask::Cdp,
                    "show cdp neighbors detail",
                    "% CDP is not enabled\n",
                    false,
                ),
                "`show cdp neighbors detail`: CDP is not enabled on the device, so its CDP neighbours are unknown",
            ),
            (
                answer(
                    Ask::Lldp,
                    "show lldp neighbors detail",
                    "         ^\n% Invalid input detected at '^' marker.\n",
                    true,
                ),
                "`show lldp neighbors detail` was rejected by the device (% Invalid input detected at '^' marker.), so its LLDP neighbours are unknown",
            ),
            (
                answer(
                    Ask::LldpcliJson,
                    LLDPCLI_JSON,
                    "-bash: lldpcli: command not found\n",
                    true,
                ),
                "`lldpcli -f json show neighbors details`: lldpcli was not found (is lldpd installed?), so its LLDP neighbours are unknown",
            ),
            (
                answer(
                    Ask::LldpcliJson,
                    LLDPCLI_JSON,
                    "2026-12-04T10:00:00 [WARN/lldpctl] could not connect to socket /run/lldpd.socket: Permission denied\n",
                    false,
                ),
                "`lldpcli -f json show neighbors details`: the login user may not run lldpcli or use lldpd's socket (Debian: add it to the `adm` group; elsewhere to `_lldpd`), so its LLDP neighbours are unknown",
            ),
            (
                answer(
                    Ask::LldpcliJson,
                    LLDPCLI_JSON,
                    "2026-12-04T18:50:01 [WARN/lldpctl] unable to connect to socket /run/lldpd.socket: No such file or directory\n",
                    false,
                ),
                "`lldpcli -f json show neighbors details`: lldpcli could not reach lldpd (is lldpd running?), so its LLDP neighbours are unknown",
            ),
            (
                answer(
                    Ask::LldpcliJson,
                    LLDPCLI_JSON,
                    "\u{1b}[31mboom\u{7}\n",
                    false,
                ),
                "`lldpcli -f json show neighbors details` did not answer JSON ([31mboom), so its LLDP neighbours are unknown",
            ),
            (
                answer(
                    Ask::Stack,
                    "show switch",
                    "% Invalid input detected at '^' marker.",
                    true,
                ),
                "`show switch` was rejected by the device (% Invalid input detected at '^' marker.), so that part of its record is missing",
            ),
        ];
        for (a, want) in cases {
            assert_eq!(unanswered(&a).as_deref(), Some(want), "{:?}", a.text);
        }
        // Answers, even empty ones, are not warnings.
        for a in [
            answer(Ask::Cdp, "show cdp neighbors detail", "", false),
            answer(Ask::LldpcliJson, LLDPCLI_JSON, "{\"lldp\": {}}\n", false),
            answer(Ask::LldpcliJson, LLDPCLI_JSON, "", false),
            answer(
                Ask::Vlans,
                "show vlan brief",
                "VLAN Name Status Ports\n",
                false,
            ),
        ] {
            assert_eq!(unanswered(&a), None, "{:?}", a.text);
        }
        let facts = interpret(
            Platform::CiscoIos,
            &[answer(
                Ask::Lldp,
                "show lldp neighbors detail",
                "% LLDP is not enabled\n",
                false,
            )],
        );
        assert_eq!(facts.warnings.len(), 1);
    }

    /// Switches and routers read their MAC tables and port-channels (trunks
    /// come from the interface status), every platform its ARP cache; `is_endhost` names exactly those.
    #[test]
    fn plans_ask_for_end_hosts_where_the_platform_has_them() {
        let asks = |p: Platform| -> Vec<Ask> { plan(p).iter().map(|(a, _)| *a).collect() };
        for p in [Platform::CiscoIos, Platform::CiscoXe, Platform::CiscoNxos] {
            assert!(asks(p).contains(&Ask::MacTable), "{p}");
            assert!(asks(p).contains(&Ask::Bundles), "{p}");
        }
        for p in Platform::ALL {
            assert!(asks(p).contains(&Ask::Arp), "{p}");
            let endhost = asks(p).into_iter().filter(|a| a.is_endhost()).count();
            assert!(endhost < plan(p).len(), "{p}: only end-host questions");
        }
        let ios = |ask: Ask, command: &str, text: &str| answer(ask, command, text, false);
        let facts = interpret(
            Platform::CiscoIos,
            &[
                ios(
                    Ask::MacTable,
                    "show mac address-table dynamic",
                    "Vlan    Mac Address       Type        Ports\n 100    0014.2200.0001    DYNAMIC     Gi1/0/5\n",
                ),
                ios(
                    Ask::InterfacesStatus,
                    "show interfaces status",
                    "Port      Name   Status       Vlan       Duplex  Speed Type\nGi1/0/49  up     connected    trunk      a-full a-10G SFP-10GBase-SR\n",
                ),
                ios(
                    Ask::Bundles,
                    "show etherchannel summary",
                    "Group  Port-channel  Protocol    Ports\n1      Po1(SU)         LACP      Gi1/0/49(P)\n",
                ),
                ios(
                    Ask::Arp,
                    "show ip arp",
                    "Internet  10.0.0.10    3   0014.2200.0001  ARPA   Vlan100\n",
                ),
            ],
        );
        let e = &facts.endhosts;
        assert!(e.collected);
        assert_eq!(e.macs.len(), 1);
        assert_eq!(e.trunks, ["GigabitEthernet1/0/49"]);
        assert_eq!(e.bundles[0].port_channel, "Port-channel1");
        assert_eq!(e.ip_macs[0].mac, e.macs[0].mac);
        assert!(!interpret(Platform::CiscoIos, &[]).endhosts.collected);
        let refused = answer(
            Ask::MacTable,
            "show mac address-table dynamic",
            "% Invalid input",
            true,
        );
        assert_eq!(
            unanswered(&refused).as_deref(),
            Some(
                "`show mac address-table dynamic` was rejected by the device (% Invalid input), so the end hosts on its ports are unknown"
            )
        );
    }

    /// Port-channels only after a MAC table with hosts; IPv6
    /// neighbours only after an ARP cache with entries.
    #[test]
    fn end_host_questions_that_earlier_answers_make_moot() {
        let p = Platform::CiscoIos;
        let mac = |text: &str| answer(Ask::MacTable, "show mac address-table dynamic", text, false);
        let arp = |text: &str| answer(Ask::Arp, "show ip arp", text, false);
        let host_row = " 100    0014.2200.0001    DYNAMIC     Gi1/0/5\n";
        let arp_row = "Internet  10.0.0.10    3   0014.2200.0001  ARPA   Vlan100\n";
        assert!(moot(
            Ask::Bundles,
            p,
            &[mac("Vlan Mac Address Type Ports\n")]
        ));
        assert!(moot(Ask::Bundles, p, &[]));
        assert!(!moot(Ask::Bundles, p, &[mac(host_row)]));
        assert!(moot(Ask::Ipv6Neighbors, p, &[arp("Protocol  Address\n")]));
        assert!(!moot(Ask::Ipv6Neighbors, p, &[arp(arp_row)]));
        let refused = answer(Ask::Arp, "show ip arp", arp_row, true);
        assert!(moot(Ask::Ipv6Neighbors, p, &[refused]));
        for ask in [Ask::Version, Ask::Cdp, Ask::MacTable, Ask::Arp] {
            assert!(!moot(ask, p, &[]), "{ask:?}");
        }
        // Long tables: hosts near the top, only at the end, or none (only
        // the switch's own entries, over more than the first look's 8 KiB).
        let head = "Vlan    Mac Address       Type        Ports\n";
        let own = "All    0100.0ccc.cccc    STATIC      CPU\n".repeat(400);
        assert!(own.len() > 8 * 1024);
        let top = format!("{head}{host_row}{own}");
        let end = format!("{head}{own}{host_row}");
        let none = format!("{head}{own}");
        assert!(!moot(Ask::Bundles, p, &[mac(&top)]));
        assert!(!moot(Ask::Bundles, p, &[mac(&end)]));
        assert!(moot(Ask::Bundles, p, &[mac(&none)]));
    }

    /// The description comes whole from its own table (the status table's
    /// Name column is cut at 18 characters), also for interfaces the status
    /// table does not list, merged by long name with the other tables.
    #[test]
    fn descriptions_are_merged_whole_by_long_name() {
        for p in [Platform::CiscoIos, Platform::CiscoXe, Platform::CiscoNxos] {
            let asks: Vec<Ask> = plan(p).iter().map(|(a, _)| *a).collect();
            assert!(asks.contains(&Ask::InterfaceDescriptions), "{p}");
        }
        for p in [Platform::PaloaltoPanos, Platform::Linux] {
            assert!(
                plan(p)
                    .iter()
                    .all(|(a, _)| *a != Ask::InterfaceDescriptions),
                "{p}"
            );
        }
        let ios = |ask: Ask, command: &str, text: &str| answer(ask, command, text, false);
        let facts = interpret(
            Platform::CiscoIos,
            &[
                ios(
                    Ask::InterfacesStatus,
                    "show interfaces status",
                    "Port      Name               Status       Vlan       Duplex  Speed Type\nGi1/0/49  uplink to dist1 Gi connected    trunk      a-full a-1000 10/100/1000BaseTX\nGi1/0/2                      notconnect   10         auto   auto 10/100/1000BaseTX\n",
                ),
                ios(
                    Ask::IpInterfaces,
                    "show ip interface brief",
                    "Interface              IP-Address      OK? Method Status                Protocol\nVlan10                 10.0.10.1       YES NVRAM  up                    up\n",
                ),
                ios(
                    Ask::InterfaceDescriptions,
                    "show interfaces description",
                    "Interface                      Status         Protocol Description\nVl10                           up             up       USERS gateway\nGi1/0/2                        down           down\nGi1/0/49                       up             up       uplink to dist1 Gi1/0/1 <b>\"x\"</b>\nLo0                            admin down     down     router id\n",
                ),
            ],
        );
        let got: Vec<(&str, Option<&str>, Option<&str>)> = facts
            .interfaces
            .iter()
            .map(|i| {
                (
                    i.name.as_str(),
                    i.description.as_deref(),
                    i.status.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("GigabitEthernet1/0/2", None, Some("notconnect")),
                (
                    "GigabitEthernet1/0/49",
                    Some("uplink to dist1 Gi1/0/1 <b>\"x\"</b>"),
                    Some("connected")
                ),
                ("Loopback0", Some("router id"), Some("admin down")),
                ("Vlan10", Some("USERS gateway"), Some("up")),
            ]
        );
        assert_eq!(facts.interfaces[3].ip.as_deref(), Some("10.0.10.1"));
        let refused = answer(
            Ask::InterfaceDescriptions,
            "show interfaces description",
            "% Invalid input detected at '^' marker.",
            true,
        );
        let facts = interpret(Platform::CiscoIos, &[refused]);
        assert!(facts.interfaces.is_empty());
        assert_eq!(facts.warnings.len(), 1, "{:?}", facts.warnings);
    }

    #[test]
    fn plans_cover_neighbour_discovery_on_every_platform() {
        for p in Platform::ALL {
            let asks: Vec<Ask> = plan(p).iter().map(|(a, _)| *a).collect();
            let finds_neighbours = asks.contains(&Ask::Cdp)
                || asks.contains(&Ask::Lldp)
                || asks.contains(&Ask::LldpcliJson)
                || p == Platform::PaloaltoPanos;
            assert!(finds_neighbours, "{p}");
        }
    }

    /// A local walk queues a device's neighbours as each neighbour table is
    /// answered, identified by what it said before: so every plan asks who
    /// the device is first, then its neighbour tables one after another,
    /// before anything else.
    #[test]
    fn plans_ask_identity_then_neighbour_tables_first() {
        for p in Platform::ALL {
            let asks: Vec<Ask> = plan(p).iter().map(|(a, _)| *a).collect();
            let ids = asks.iter().take_while(|a| a.is_identity()).count();
            assert!(ids > 0, "{p}: identity first: {asks:?}");
            let tables = asks[ids..]
                .iter()
                .take_while(|a| a.is_neighbour_table())
                .count();
            assert!(
                asks[ids + tables..]
                    .iter()
                    .all(|a| !a.is_identity() && !a.is_neighbour_table()),
                "{p}: identity or a neighbour table asked late: {asks:?}"
            );
        }
    }
}
