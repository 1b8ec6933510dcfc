//! What NetBox should hold, computed purely from the inventory: the walked
//! devices with their types, platforms, roles and sites; stacks as virtual
//! chassis (member 1 or the device's own serial is the master, the other
//! members devices named `HOST:N`); interfaces (from the interface status
//! and the links); their IP addresses and each device's primary IP; VLANs
//! per site; a cable per link whose two ends are walked devices.

use super::naming::{interface_type, manufacturer, platform_name, role, slugify};
use super::plan::record_key;
use super::record::{Fields, Key, Kind, Record, key_of};
use crate::model::{Device, DeviceId, DeviceStatus, StackMember, normalize_interface};
use crate::site::SiteMap;
use crate::snapshot::Snapshot;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;

/// Which interfaces are synced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InterfaceScope {
    /// Every interface the device reported, and every link end.
    #[default]
    All,
    /// Only link ends and interfaces holding an address: what cables and
    /// primary IPs need (a fraction of the writes on access switches).
    Linked,
}

/// The choices that shape the desired state.
#[derive(Debug, Clone)]
pub struct DesiredOptions {
    /// The site of devices when no `--site-pattern` assigns one.
    pub default_site: String,
    /// Which interfaces are synced.
    pub interfaces: InterfaceScope,
}

impl Default for DesiredOptions {
    fn default() -> Self {
        DesiredOptions {
            default_site: "netwalker".into(),
            interfaces: InterfaceScope::All,
        }
    }
}

/// The desired records by kind, plus what was left out and why.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Desired {
    /// Every record, by kind, in a stable order.
    pub records: BTreeMap<Kind, Vec<Record>>,
    /// Inventory facts not synced (duplicate names, unusable addresses).
    pub notes: Vec<String>,
}

impl Desired {
    /// Adds a record (first one per key wins; later ones are noted).
    fn add(&mut self, kind: Kind, alt: Option<String>, fields: Fields, label: String) -> Key {
        let key = record_key(kind, &fields);
        let list = self.records.entry(kind).or_default();
        if !list.iter().any(|r| r.key == key) {
            list.push(Record {
                kind,
                key: key.clone(),
                alt,
                fields,
                label,
            });
        }
        key
    }

    fn has(&self, kind: Kind, key: &str) -> bool {
        self.records
            .get(&kind)
            .is_some_and(|l| l.iter().any(|r| r.key == key))
    }
}

/// Fields from `(name, value)` pairs, leaving out nulls (an unknown fact
/// is not written, so NetBox keeps whatever an operator put there).
fn fields(pairs: &[(&'static str, Value)]) -> Fields {
    pairs
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| (*k, v.clone()))
        .collect()
}

/// NetBox's longest device name.
const MAX_NAME: usize = 64;
/// NetBox's longest serial.
const MAX_SERIAL: usize = 50;

/// A serial NetBox can store (at most [`MAX_SERIAL`] characters), else
/// none, noted (a VMware serial runs to 50+).
fn usable_serial(d: &mut Desired, who: &str, serial: Option<&String>) -> Option<String> {
    let s = serial?.trim();
    if s.is_empty() {
        return None;
    }
    if s.chars().count() > MAX_SERIAL {
        d.notes.push(format!(
            "{who}: serial {s:?} is longer than NetBox's {MAX_SERIAL} characters; left out (matched by name)"
        ));
        return None;
    }
    Some(s.to_string())
}

/// The desired state of `snap` (walked devices only: the others are names
/// in neighbour tables, not facts to put in a source of truth).
pub fn desired(snap: &Snapshot, sites: Option<&SiteMap>, opts: &DesiredOptions) -> Desired {
    let mut d = Desired::default();
    let mut keys: HashMap<DeviceId, Key> = HashMap::new();
    let mut site_of: HashMap<DeviceId, Key> = HashMap::new();
    for dev in snap
        .devices
        .iter()
        .filter(|x| x.status == DeviceStatus::Walked)
    {
        let site = sites
            .and_then(|m| m.site(dev.id))
            .unwrap_or(&opts.default_site);
        let site_key = add_site(&mut d, site);
        let name_key = dev.hostname.to_lowercase();
        if dev.hostname.chars().count() > MAX_NAME {
            d.notes.push(format!(
                "device {:?} left out: NetBox device names have at most {MAX_NAME} characters",
                dev.hostname
            ));
            continue;
        }
        if d.has(Kind::Device, &name_key) {
            d.notes.push(format!(
                "device {:?} ({}) left out: another walked device has the same name",
                dev.hostname, dev.id
            ));
            continue;
        }
        let members = snap.stacks.get(&dev.id).map(Vec::as_slice).unwrap_or(&[]);
        let key = add_device(&mut d, dev, &site_key, members);
        keys.insert(dev.id, key);
        site_of.insert(dev.id, site_key);
    }
    let linked = add_cables(&mut d, snap, &keys);
    for dev in snap.devices.iter() {
        let Some(key) = keys.get(&dev.id) else {
            continue;
        };
        add_interfaces(&mut d, snap, dev, key, linked.get(key), opts.interfaces);
        add_vlans(&mut d, snap, dev.id, &site_of[&dev.id]);
    }
    // Cables after the interfaces they join, in the record lists' order.
    if let Some(cables) = d.records.remove(&Kind::Cable) {
        d.records.insert(Kind::Cable, cables);
    }
    settle_primary_ips(&mut d);
    d
}

fn add_site(d: &mut Desired, site: &str) -> Key {
    d.add(
        Kind::Site,
        Some(slugify(site)),
        fields(&[
            ("name", json!(site)),
            ("slug", json!(slugify(site))),
            ("status", json!("active")),
        ]),
        site.to_string(),
    )
}

/// The reference objects a device of this platform and model needs; returns
/// (device type key, role key, platform key).
fn add_references(d: &mut Desired, dev: &Device, model: Option<&str>) -> (Key, Key, Option<Key>) {
    let mfr = manufacturer(dev.platform);
    let mfr_key = d.add(
        Kind::Manufacturer,
        Some(slugify(mfr)),
        fields(&[("name", json!(mfr)), ("slug", json!(slugify(mfr)))]),
        mfr.into(),
    );
    let model = model.filter(|m| !m.trim().is_empty()).unwrap_or("Unknown");
    let type_slug = slugify(&format!("{mfr}-{model}"));
    let type_key = d.add(
        Kind::DeviceType,
        None,
        fields(&[
            ("manufacturer", json!(mfr_key)),
            ("model", json!(model)),
            ("slug", json!(type_slug)),
        ]),
        format!("{mfr} {model}"),
    );
    let (role_name, color) = role(dev.platform, &dev.capabilities);
    let role_key = d.add(
        Kind::Role,
        Some(slugify(role_name)),
        fields(&[
            ("name", json!(role_name)),
            ("slug", json!(slugify(role_name))),
            ("color", json!(color)),
        ]),
        role_name.into(),
    );
    let platform_key = dev.platform.map(|p| {
        let name = platform_name(p);
        d.add(
            Kind::Platform,
            Some(slugify(name)),
            fields(&[("name", json!(name)), ("slug", json!(slugify(name)))]),
            name.into(),
        )
    });
    (type_key, role_key, platform_key)
}

/// The device (and, for a stack, its virtual chassis and member devices).
fn add_device(d: &mut Desired, dev: &Device, site: &str, members: &[StackMember]) -> Key {
    let (dtype, role, platform) = add_references(d, dev, dev.model.as_deref());
    let stack = members.len() > 1;
    let master_pos = master_position(dev, members);
    let key = dev.hostname.to_lowercase();
    let serial = usable_serial(d, &dev.hostname, dev.serial.as_ref());
    let vc = stack.then(|| {
        d.add(
            Kind::VirtualChassis,
            serial.clone(),
            fields(&[("name", json!(dev.hostname)), ("master", json!(key))]),
            dev.hostname.clone(),
        )
    });
    let primary = |ip: Option<IpAddr>, v4: bool| {
        ip.filter(|a| a.is_ipv4() == v4)
            .map_or(Value::Null, |a| json!(host_address(a)))
    };
    let key = d.add(
        Kind::Device,
        serial.clone(),
        fields(&[
            ("name", json!(dev.hostname)),
            ("serial", json!(serial)),
            ("device_type", json!(dtype)),
            ("role", json!(role)),
            ("platform", json!(platform)),
            ("site", json!(site)),
            ("status", json!("active")),
            ("virtual_chassis", json!(vc)),
            (
                "vc_position",
                if stack {
                    json!(master_pos)
                } else {
                    Value::Null
                },
            ),
            ("primary_ip4", primary(dev.mgmt_ip, true)),
            ("primary_ip6", primary(dev.mgmt_ip, false)),
        ]),
        dev.hostname.clone(),
    );
    for m in members.iter().filter(|m| stack && m.switch != master_pos) {
        let (mtype, _, _) = add_references(d, dev, m.model.as_deref().or(dev.model.as_deref()));
        let name = format!("{}:{}", dev.hostname, m.switch);
        let serial = usable_serial(d, &name, m.serial.as_ref());
        d.add(
            Kind::Device,
            serial.clone(),
            fields(&[
                ("name", json!(name)),
                ("serial", json!(serial)),
                ("device_type", json!(mtype)),
                ("role", json!(role)),
                ("platform", json!(platform)),
                ("site", json!(site)),
                ("status", json!("active")),
                ("virtual_chassis", json!(vc)),
                ("vc_position", json!(m.switch)),
            ]),
            name,
        );
    }
    key
}

/// The stack member that is the device itself: the one with its serial,
/// else the lowest member number.
fn master_position(dev: &Device, members: &[StackMember]) -> u32 {
    members
        .iter()
        .find(|m| m.serial.is_some() && m.serial == dev.serial)
        .or_else(|| members.iter().min_by_key(|m| m.switch))
        .map_or(1, |m| m.switch)
}

/// An address as a host prefix (`/32`, `/128`): NetBox wants a length and
/// the inventory has none.
pub fn host_address(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(_) => format!("{ip}/32"),
        IpAddr::V6(_) => format!("{ip}/128"),
    }
}

/// A cable per link whose two ends are synced devices; returns the
/// interface names each device key needs for them.
fn add_cables(
    d: &mut Desired,
    snap: &Snapshot,
    keys: &HashMap<DeviceId, Key>,
) -> HashMap<Key, BTreeSet<String>> {
    let mut linked: HashMap<Key, BTreeSet<String>> = HashMap::new();
    let mut used: BTreeSet<Key> = BTreeSet::new();
    let names: HashMap<DeviceId, &str> = snap
        .devices
        .iter()
        .map(|x| (x.id, x.hostname.as_str()))
        .collect();
    for link in &snap.links {
        let l = link.canonical();
        let (Some(a), Some(b)) = (keys.get(&l.a), keys.get(&l.b)) else {
            continue;
        };
        let ia = key_of(&[a, &l.a_interface]);
        let ib = key_of(&[b, &l.b_interface]);
        if ia == ib || used.contains(&ia) || used.contains(&ib) {
            d.notes.push(format!(
                "link {} {} - {} {} left out: an interface can hold one cable",
                names[&l.a], l.a_interface, names[&l.b], l.b_interface
            ));
            continue;
        }
        used.insert(ia.clone());
        used.insert(ib.clone());
        linked
            .entry(a.clone())
            .or_default()
            .insert(l.a_interface.clone());
        linked
            .entry(b.clone())
            .or_default()
            .insert(l.b_interface.clone());
        d.add(
            Kind::Cable,
            None,
            fields(&[
                ("a", json!(ia)),
                ("b", json!(ib)),
                ("status", json!("connected")),
            ]),
            format!(
                "{} {} <-> {} {}",
                names[&l.a], l.a_interface, names[&l.b], l.b_interface
            ),
        );
    }
    linked
}

/// The device's interfaces (per `scope`) and their IP addresses.
fn add_interfaces(
    d: &mut Desired,
    snap: &Snapshot,
    dev: &Device,
    key: &Key,
    linked: Option<&BTreeSet<String>>,
    scope: InterfaceScope,
) {
    let mut names: BTreeMap<String, Option<bool>> = BTreeMap::new();
    let mut ips: Vec<(String, IpAddr)> = Vec::new();
    for i in snap.interfaces.get(&dev.id).into_iter().flatten() {
        let name = normalize_interface(&i.name);
        let ip =
            i.ip.as_deref()
                .and_then(|t| t.trim().parse::<IpAddr>().ok());
        if let Some(ip) = ip {
            ips.push((name.clone(), ip));
        }
        let keep = scope == InterfaceScope::All
            || ip.is_some()
            || linked.is_some_and(|l| l.contains(&name));
        if keep {
            names.insert(name, i.status.as_deref().map(is_enabled));
        }
    }
    for n in linked.into_iter().flatten() {
        names.entry(n.clone()).or_insert(None);
    }
    for (name, enabled) in names {
        d.add(
            Kind::Interface,
            None,
            fields(&[
                ("device", json!(key)),
                ("name", json!(name)),
                ("type", json!(interface_type(&name))),
                ("enabled", json!(enabled)),
            ]),
            format!("{} {name}", dev.hostname),
        );
    }
    for (iface, ip) in ips {
        add_ip(d, dev, key, &iface, ip);
    }
}

/// Whether an interface status means administratively up.
fn is_enabled(status: &str) -> bool {
    let s = status.to_ascii_lowercase();
    !(s.contains("disabled") || s.contains("admin"))
}

fn add_ip(d: &mut Desired, dev: &Device, key: &Key, iface: &str, ip: IpAddr) {
    let address = host_address(ip);
    if d.has(Kind::IpAddress, &address) {
        d.notes.push(format!(
            "address {address} on {} {iface} left out: another device has it",
            dev.hostname
        ));
        return;
    }
    d.add(
        Kind::IpAddress,
        None,
        fields(&[
            ("address", json!(address)),
            ("assigned_object_type", json!("dcim.interface")),
            ("assigned_object_id", json!(key_of(&[key, iface]))),
            ("status", json!("active")),
        ]),
        format!("{address} ({} {iface})", dev.hostname),
    );
}

/// The device's VLANs in its site (the first name seen for a VID wins).
fn add_vlans(d: &mut Desired, snap: &Snapshot, id: DeviceId, site: &Key) {
    for v in snap.vlans.get(&id).into_iter().flatten() {
        if v.id == 0 || v.id > 4094 {
            continue;
        }
        d.add(
            Kind::Vlan,
            None,
            fields(&[
                ("site", json!(site)),
                ("vid", json!(v.id)),
                ("name", json!(v.name)),
                ("status", json!("active")),
            ]),
            format!("{} {}", v.id, v.name),
        );
    }
}

/// Drops a device's primary IP when no synced interface holds it (NetBox
/// refuses a primary address not assigned to the device).
fn settle_primary_ips(d: &mut Desired) {
    let assigned: HashMap<String, String> = d
        .records
        .get(&Kind::IpAddress)
        .into_iter()
        .flatten()
        .filter_map(|r| {
            let dev = r.fields.get("assigned_object_id")?.as_str()?;
            let dev = dev.split(super::record::SEP).next()?;
            Some((r.key.clone(), dev.to_string()))
        })
        .collect();
    let mut notes = Vec::new();
    for r in d.records.get_mut(&Kind::Device).into_iter().flatten() {
        for f in ["primary_ip4", "primary_ip6"] {
            let Some(addr) = r.fields.get(f).and_then(Value::as_str).map(str::to_string) else {
                continue;
            };
            if assigned.get(&addr) != Some(&r.key) {
                r.fields.remove(f);
                notes.push(format!(
                    "{}: management address {addr} is on no interface it reported; no primary IP set",
                    r.label
                ));
            }
        }
    }
    d.notes.extend(notes);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Interface, Link, LinkProtocol, Vlan};
    use device_parsers::Platform;

    fn dev(id: i64, name: &str, serial: &str, status: DeviceStatus) -> Device {
        let mut d = Device::new(DeviceId(id), name, status);
        d.serial = Some(serial.into());
        d.platform = Some(Platform::CiscoXe);
        d.model = Some("C9300-48P".into());
        d.capabilities = vec!["Switch".into(), "Router".into()];
        d.mgmt_ip = Some(format!("10.0.0.{id}").parse().unwrap());
        d
    }

    fn snap() -> Snapshot {
        let mut mgmt = Interface::new("Vlan1");
        mgmt.ip = Some("10.0.0.1".into());
        let mut up = Interface::new("GigabitEthernet1/0/1");
        up.status = Some("connected".into());
        let mut down = Interface::new("GigabitEthernet1/0/2");
        down.status = Some("disabled".into());
        let member = |n: u32, serial: &str| {
            let mut m = crate::model::StackMember::new(n);
            m.serial = Some(serial.into());
            m
        };
        Snapshot {
            devices: vec![
                dev(1, "core1", "S1", DeviceStatus::Walked),
                dev(2, "acc1", "S2", DeviceStatus::Walked),
                dev(3, "phone1", "S3", DeviceStatus::NeighborOnly),
            ],
            links: vec![
                Link::new(
                    DeviceId(1),
                    "Gi1/0/1",
                    DeviceId(2),
                    "Gi1/0/49",
                    LinkProtocol::Cdp,
                ),
                Link::new(
                    DeviceId(2),
                    "Gi1/0/3",
                    DeviceId(3),
                    "Port 1",
                    LinkProtocol::Lldp,
                ),
            ],
            stacks: BTreeMap::from([(DeviceId(2), vec![member(1, "S2"), member(2, "S2B")])]),
            vlans: BTreeMap::from([
                (
                    DeviceId(1),
                    vec![Vlan {
                        id: 10,
                        name: "users".into(),
                        ports: vec![],
                        port_channels: vec![],
                    }],
                ),
                (
                    DeviceId(2),
                    vec![Vlan {
                        id: 10,
                        name: "other".into(),
                        ports: vec![],
                        port_channels: vec![],
                    }],
                ),
            ]),
            interfaces: BTreeMap::from([(DeviceId(1), vec![mgmt, up, down])]),
            runs: vec![],
            endhosts: vec![],
        }
    }

    fn get<'a>(d: &'a Desired, kind: Kind, label: &str) -> &'a Record {
        d.records[&kind]
            .iter()
            .find(|r| r.label == label)
            .unwrap_or_else(|| panic!("no {kind} {label:?} in {:#?}", d.records.get(&kind)))
    }

    #[test]
    fn walked_devices_their_stack_cables_interfaces_ips_and_vlans() {
        let d = desired(&snap(), None, &DesiredOptions::default());
        let names: Vec<&str> = d.records[&Kind::Device]
            .iter()
            .map(|r| r.label.as_str())
            .collect();
        assert_eq!(
            names,
            ["core1", "acc1", "acc1:2"],
            "walked only; stack member 2 a device"
        );
        let core = get(&d, Kind::Device, "core1");
        assert_eq!(core.alt.as_deref(), Some("S1"));
        assert_eq!(core.fields["site"], json!("netwalker"));
        assert_eq!(core.fields["role"], json!("switch"));
        assert_eq!(
            core.fields["primary_ip4"],
            json!("10.0.0.1/32"),
            "mgmt IP is on Vlan1"
        );
        assert!(!core.fields.contains_key("virtual_chassis"));
        let acc = get(&d, Kind::Device, "acc1");
        assert!(
            !acc.fields.contains_key("primary_ip4"),
            "10.0.0.2 is on no interface"
        );
        assert_eq!(
            (
                acc.fields["virtual_chassis"].clone(),
                acc.fields["vc_position"].clone()
            ),
            (json!("acc1"), json!(1))
        );
        let m2 = get(&d, Kind::Device, "acc1:2");
        assert_eq!(
            (m2.alt.as_deref(), m2.fields["vc_position"].clone()),
            (Some("S2B"), json!(2))
        );
        let vc = get(&d, Kind::VirtualChassis, "acc1");
        assert_eq!(vc.fields["master"], json!("acc1"));
        // One cable: the phone is not walked.
        let cables = &d.records[&Kind::Cable];
        assert_eq!(cables.len(), 1);
        assert_eq!(
            cables[0].fields["a"],
            json!(key_of(&["core1", "GigabitEthernet1/0/1"]))
        );
        assert_eq!(
            cables[0].fields["b"],
            json!(key_of(&["acc1", "GigabitEthernet1/0/49"]))
        );
        let down = get(&d, Kind::Interface, "core1 GigabitEthernet1/0/2");
        assert_eq!(down.fields["enabled"], json!(false));
        assert!(
            d.records[&Kind::Interface]
                .iter()
                .any(|r| r.label == "acc1 GigabitEthernet1/0/49"),
            "link ends are interfaces"
        );
        let ip = &d.records[&Kind::IpAddress][0];
        assert_eq!(
            ip.fields["assigned_object_id"],
            json!(key_of(&["core1", "Vlan1"]))
        );
        let vlans = &d.records[&Kind::Vlan];
        assert_eq!(vlans.len(), 1, "one VLAN 10 per site");
        assert_eq!(
            vlans[0].fields["name"],
            json!("users"),
            "the first name seen wins"
        );
    }

    #[test]
    fn linked_scope_keeps_link_ends_and_addressed_interfaces() {
        let opts = DesiredOptions {
            interfaces: InterfaceScope::Linked,
            ..DesiredOptions::default()
        };
        let d = desired(&snap(), None, &opts);
        let mut names: Vec<&str> = d.records[&Kind::Interface]
            .iter()
            .map(|r| r.label.as_str())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "acc1 GigabitEthernet1/0/49",
                "core1 GigabitEthernet1/0/1",
                "core1 Vlan1"
            ]
        );
    }

    #[test]
    fn sites_from_the_pattern_and_overlong_facts_are_noted() {
        let mut s = snap();
        s.devices[0].hostname = "NYC-CORE-1".into();
        s.devices[1].serial = Some("x".repeat(51));
        let sites = crate::site::SitePattern::new("*-CORE-*")
            .unwrap()
            .assign(&s.devices);
        let d = desired(&s, Some(&sites), &DesiredOptions::default());
        assert_eq!(
            get(&d, Kind::Device, "NYC-CORE-1").fields["site"],
            json!("nyc")
        );
        assert!(!get(&d, Kind::Device, "acc1").fields.contains_key("serial"));
        assert!(
            d.notes.iter().any(|n| n.contains("longer than")),
            "{:?}",
            d.notes
        );
    }
}
