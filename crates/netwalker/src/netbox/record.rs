//! The vocabulary the desired state, the current state and the plan share:
//! one [`Record`] per NetBox object, its fields normalised to plain JSON
//! values and its references to other objects written as their [`Key`]s
//! (the desired side) or NetBox ids (the current side, until the plan maps
//! them to keys), so that "unchanged" is a plain equality.

use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

/// The kinds of object a sync manages, in the order they are created (each
/// refers only to kinds before it); deletions run in the reverse order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Manufacturer,
    DeviceType,
    Platform,
    Role,
    Site,
    VirtualChassis,
    Device,
    Interface,
    IpAddress,
    Vlan,
    Cable,
}

impl Kind {
    /// Every kind, in creation order.
    pub const ALL: [Kind; 11] = [
        Kind::Manufacturer,
        Kind::DeviceType,
        Kind::Platform,
        Kind::Role,
        Kind::Site,
        Kind::VirtualChassis,
        Kind::Device,
        Kind::Interface,
        Kind::IpAddress,
        Kind::Vlan,
        Kind::Cable,
    ];

    /// The name in the dry-run table and in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Manufacturer => "manufacturer",
            Kind::DeviceType => "device type",
            Kind::Platform => "platform",
            Kind::Role => "role",
            Kind::Site => "site",
            Kind::VirtualChassis => "virtual chassis",
            Kind::Device => "device",
            Kind::Interface => "interface",
            Kind::IpAddress => "ip address",
            Kind::Vlan => "vlan",
            Kind::Cable => "cable",
        }
    }

    /// The REST endpoint under `/api/`.
    pub fn endpoint(self) -> &'static str {
        match self {
            Kind::Manufacturer => "dcim/manufacturers/",
            Kind::DeviceType => "dcim/device-types/",
            Kind::Platform => "dcim/platforms/",
            Kind::Role => "dcim/device-roles/",
            Kind::Site => "dcim/sites/",
            Kind::VirtualChassis => "dcim/virtual-chassis/",
            Kind::Device => "dcim/devices/",
            Kind::Interface => "dcim/interfaces/",
            Kind::IpAddress => "ipam/ip-addresses/",
            Kind::Vlan => "ipam/vlans/",
            Kind::Cable => "dcim/cables/",
        }
    }

    /// Shared reference data (manufacturers, types, platforms, roles,
    /// sites): an existing one is used as it is, whoever made it, and never
    /// updated or deleted. The other kinds are owned: netwalker changes
    /// only those carrying its tag, and an untagged one in the way is a
    /// conflict.
    pub fn is_reference(self) -> bool {
        matches!(
            self,
            Kind::Manufacturer | Kind::DeviceType | Kind::Platform | Kind::Role | Kind::Site
        )
    }

    /// The kind a field of this kind refers to, when it is a reference.
    pub fn reference(self, field: &str) -> Option<Kind> {
        Some(match (self, field) {
            (Kind::DeviceType, "manufacturer") => Kind::Manufacturer,
            (Kind::Device, "device_type") => Kind::DeviceType,
            (Kind::Device, "role") => Kind::Role,
            (Kind::Device, "platform") => Kind::Platform,
            (Kind::Device, "site") => Kind::Site,
            (Kind::Device, "virtual_chassis") => Kind::VirtualChassis,
            (Kind::Device, "primary_ip4" | "primary_ip6") => Kind::IpAddress,
            (Kind::VirtualChassis, "master") => Kind::Device,
            (Kind::Interface, "device") => Kind::Device,
            (Kind::IpAddress, "assigned_object_id") => Kind::Interface,
            (Kind::Vlan, "site") => Kind::Site,
            (Kind::Cable, "a" | "b") => Kind::Interface,
            _ => return None,
        })
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An object's identity within its kind: lower-cased name for named
/// objects, `parent` + [`SEP`] + name for objects inside another (an
/// interface in its device, a VLAN in its site), the two interface keys in
/// order for a cable.
pub type Key = String;

/// Separates the parts of a composite [`Key`]; shown as a space.
pub const SEP: char = '\u{1f}';

/// A composite key from its parts.
pub fn key_of(parts: &[&str]) -> Key {
    let mut k = String::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            k.push(SEP);
        }
        k.push_str(p);
    }
    k
}

/// A key for people: parts separated by a space.
pub fn display_key(k: &str) -> String {
    k.replace(SEP, " ")
}

/// Normalised fields: name -> value. References hold the referred
/// object's [`Key`] as a string (desired side) or its NetBox id as a
/// number (current side, before the plan maps it).
pub type Fields = BTreeMap<&'static str, Value>;

/// One object netwalker wants in NetBox.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Which kind, hence which endpoint and which rules.
    pub kind: Kind,
    /// Identity within the kind (see [`Key`]); what references name.
    pub key: Key,
    /// A stronger identity tried before the key: a device's serial, a
    /// virtual chassis's master serial, a reference object's slug.
    pub alt: Option<String>,
    /// The fields netwalker sets, normalised; only these are compared.
    pub fields: Fields,
    /// How it is shown in the dry-run table (the key is for machines).
    pub label: String,
}

impl Record {
    /// The objects this one cannot exist without (its device, its
    /// interfaces): when one of them is a conflict this one is skipped.
    pub fn deps(&self) -> Vec<(Kind, Key)> {
        let mut out = Vec::new();
        for (field, value) in &self.fields {
            if let (Some(kind), Some(k)) = (self.kind.reference(field), value.as_str())
                && !kind.is_reference()
                && !matches!(*field, "primary_ip4" | "primary_ip6" | "master")
                && !(self.kind == Kind::Device && *field == "virtual_chassis")
            {
                out.push((kind, k.to_string()));
            }
        }
        out
    }
}

/// One object as NetBox has it now.
#[derive(Debug, Clone, PartialEq)]
pub struct Current {
    /// NetBox's id: what updates, deletes and references use.
    pub id: u64,
    /// Whether it carries netwalker's tag, i.e. netwalker may change it.
    pub tagged: bool,
    /// The stronger identity, as for [`Record::alt`] (non-empty serial, slug...).
    pub alt: Option<String>,
    /// Fields as for [`Record::fields`], references as NetBox ids.
    pub fields: Fields,
    /// For an interface: the id of the cable on it, if any (a cable
    /// netwalker wants elsewhere on it is a conflict).
    pub cable: Option<u64>,
    /// How it is shown (its name in NetBox).
    pub label: String,
}
