//! The dedup index: decides whether a sighting is a device we already know.
//!
//! A walk hears about the same box many times, under different names: the
//! prompt says `core1`, CDP says `core1.example.com(FOC1234X)`, LLDP says
//! `CORE1`, and its neighbours reach it on three different IPs. Walking it
//! once per name would double the work and break the inventory, so every
//! sighting goes through [`IdentityIndex::observe`] first.
//!
//! A device is the same device when
//! - a serial matches (stack/VSS member serials count as the stack's serials,
//!   so members never become devices of their own), or
//! - the normalised hostname matches ([`normalize_hostname`]), or
//! - it answers on an IP already known.
//!
//! The weaker keys (hostname, IP) are vetoed by the strong one: two records
//! that both have serials and share none are different devices even if they
//! share a name. Factory-default switches are all called `Switch`, and private
//! management ranges get reused; merging those would lose real devices.
//!
//! The index is pure and in-memory (hash maps): the engine consults it for
//! every neighbour of every device, so it must be fast and never touch I/O. It
//! is rebuilt from the store at the start of a run.

use crate::model::{Device, DeviceId, StackMember};
use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;

/// The identity key of a hostname: domain and a trailing `(SERIAL)` removed,
/// lower-cased. `None` for names that identify nothing (empty, IP literals).
///
/// NX-OS CDP device-ids look like `n9k-1(FDO12345)`; LLDP system names are
/// often fully qualified; IOS prompts are neither. All must compare equal.
///
/// Factory-default names (`Switch`, `Router`, `localhost`...) are not
/// identities either: every unconfigured switch in a campus is called
/// `Switch`, and CDP carries no serial to tell them apart, so treating the
/// name as a key would merge them and leave all but one unwalked. Such
/// devices are still matched by serial and IP.
pub fn normalize_hostname(raw: &str) -> Option<String> {
    let short = display_hostname(raw);
    if short.is_empty() || short.parse::<IpAddr>().is_ok() {
        return None;
    }
    let key = short.to_lowercase();
    if FACTORY_NAMES.contains(&key.as_str()) {
        return None;
    }
    Some(key)
}

/// Hostnames devices ship with (lower-case).
const FACTORY_NAMES: &[&str] = &[
    "switch",
    "router",
    "localhost",
    "ap",
    "cisco",
    "default",
    "pa-vm",
    "pa-220",
    "pa-440",
];

/// The name to show for a raw hostname: domain and `(SERIAL)` suffix removed,
/// case kept. IP literals and dotted MAC addresses are kept whole, since
/// "everything before the first dot" of those is meaningless.
pub fn display_hostname(raw: &str) -> String {
    let mut s = raw.trim();
    if s.ends_with(')')
        && let Some(open) = s.rfind('(')
    {
        s = s[..open].trim_end();
    }
    if s.parse::<IpAddr>().is_ok() || is_dotted_mac(s) {
        return s.to_string();
    }
    s.split('.').next().unwrap_or("").trim().to_string()
}

/// `0011.2233.4455`: LLDP neighbours without a system name are often reported
/// by chassis MAC in Cisco's dotted form.
fn is_dotted_mac(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| p.len() == 4 && p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// The identity key of a serial number, or `None` for placeholder values that
/// devices print when they don't know (`N/A`, `unknown`, all zeros...), which
/// would otherwise make unrelated devices "the same".
pub fn normalize_serial(raw: &str) -> Option<String> {
    let s = raw.trim().to_uppercase();
    const JUNK: &[&str] = &[
        "",
        "N/A",
        "NA",
        "NONE",
        "UNKNOWN",
        "NOT AVAILABLE",
        "NULL",
        "-",
        "DEFAULT",
    ];
    if JUNK.contains(&s.as_str()) || s.chars().all(|c| c == '0') {
        return None;
    }
    Some(s)
}

/// The identifiers one sighting carries. Raw values: the index normalises.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identifiers {
    /// Chassis serial plus stack/VSS member serials.
    pub serials: Vec<String>,
    /// Hostnames as reported (raw forms are kept for aliases).
    pub hostnames: Vec<String>,
    /// Addresses the device was seen with.
    pub ips: Vec<IpAddr>,
}

impl Identifiers {
    pub fn new() -> Identifiers {
        Identifiers::default()
    }

    pub fn serial(mut self, s: impl Into<String>) -> Identifiers {
        self.serials.push(s.into());
        self
    }

    pub fn hostname(mut self, h: impl Into<String>) -> Identifiers {
        self.hostnames.push(h.into());
        self
    }

    pub fn ip(mut self, ip: IpAddr) -> Identifiers {
        self.ips.push(ip);
        self
    }

    pub fn ips(mut self, ips: impl IntoIterator<Item = IpAddr>) -> Identifiers {
        self.ips.extend(ips);
        self
    }

    /// Everything that identifies a device record: its hostname, raw name,
    /// aliases, serial, every IP, and its stack members' serials (so a
    /// member reported on its own resolves to the stack).
    pub fn of_device(d: &Device, stack: &[StackMember]) -> Identifiers {
        let mut ids = Identifiers::new().hostname(d.hostname.clone());
        ids.hostnames.extend(d.hostname_raw.iter().cloned());
        ids.hostnames.extend(d.aliases.iter().cloned());
        ids.serials.extend(d.serial.iter().cloned());
        ids.serials
            .extend(stack.iter().filter_map(|m| m.serial.clone()));
        ids.ips.extend(d.mgmt_ip);
        ids.ips.extend(d.ips.iter().copied());
        ids
    }

    /// True when nothing here can identify a device (after normalisation).
    pub fn is_empty(&self) -> bool {
        self.serials.iter().all(|s| normalize_serial(s).is_none())
            && self
                .hostnames
                .iter()
                .all(|h| normalize_hostname(h).is_none())
            && self.ips.is_empty()
    }

    fn normalized_serials(&self) -> BTreeSet<String> {
        self.serials
            .iter()
            .filter_map(|s| normalize_serial(s))
            .collect()
    }
}

/// What the index knows about one device.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    /// Normalised serials (chassis and stack members): the strong keys.
    pub serials: BTreeSet<String>,
    /// Normalised hostnames (identity keys).
    pub names: BTreeSet<String>,
    /// Display forms of every name seen, for aliases.
    pub display_names: BTreeSet<String>,
    /// Every address seen: a weak key.
    pub ips: BTreeSet<IpAddr>,
}

impl Entry {
    /// Both have serials and none is shared: provably different devices.
    fn serial_conflict(&self, serials: &BTreeSet<String>) -> bool {
        !self.serials.is_empty() && !serials.is_empty() && self.serials.is_disjoint(serials)
    }
}

/// Result of [`IdentityIndex::observe`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// The device this sighting belongs to.
    pub id: DeviceId,
    /// True when no known device matched and `id` was just allocated: the
    /// engine queues it. False: link it, don't queue it again.
    pub is_new: bool,
    /// Devices that this sighting proved to be the same as `id` and that were
    /// folded into it; the store must merge them too
    /// ([`crate::store::StoreWriter::merge_devices`]).
    pub merged: Vec<DeviceId>,
}

/// Result of [`IdentityIndex::merge`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Merged {
    /// Display names the removed device was known by, to record as aliases.
    pub aliases: Vec<String>,
}

/// In-memory identity index. See the module docs for the rules.
#[derive(Debug, Clone)]
pub struct IdentityIndex {
    /// Serial -> device: the strong key.
    by_serial: HashMap<String, DeviceId>,
    /// Normalised hostname -> device.
    by_name: HashMap<String, DeviceId>,
    /// Address -> device.
    by_ip: HashMap<IpAddr, DeviceId>,
    /// What is known about each device, to check a match against.
    entries: HashMap<DeviceId, Entry>,
    /// Merged-away id -> surviving id, so ids handed out earlier stay usable.
    redirects: HashMap<DeviceId, DeviceId>,
    /// The id the next new device gets (above every stored one).
    next_id: i64,
}

impl Default for IdentityIndex {
    fn default() -> Self {
        IdentityIndex::new()
    }
}

impl IdentityIndex {
    pub fn new() -> IdentityIndex {
        IdentityIndex {
            by_serial: HashMap::new(),
            by_name: HashMap::new(),
            by_ip: HashMap::new(),
            entries: HashMap::new(),
            redirects: HashMap::new(),
            next_id: 1,
        }
    }

    /// Number of distinct devices.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The surviving id for an id that may have been merged away.
    pub fn canonical(&self, mut id: DeviceId) -> DeviceId {
        while let Some(next) = self.redirects.get(&id) {
            id = *next;
        }
        id
    }

    /// What is known about a device (after following merges).
    pub fn entry(&self, id: DeviceId) -> Option<&Entry> {
        self.entries.get(&self.canonical(id))
    }

    /// The known device for these identifiers, by precedence serial, hostname,
    /// IP; `None` if none matches. Pure lookup: nothing is recorded.
    pub fn lookup(
        &self,
        serial: Option<&str>,
        hostname: Option<&str>,
        ips: &[IpAddr],
    ) -> Option<DeviceId> {
        let mut ids = Identifiers::new();
        ids.serials.extend(serial.map(str::to_string));
        ids.hostnames.extend(hostname.map(str::to_string));
        ids.ips.extend_from_slice(ips);
        self.matches(&ids).into_iter().next()
    }

    /// Every known device these identifiers point at, best match first, with
    /// serial-vetoed candidates removed. More than one means the sighting
    /// proves those devices are one.
    pub fn matches(&self, ids: &Identifiers) -> Vec<DeviceId> {
        // Serials proven to belong to the device being looked up; grows as
        // candidates are accepted so that a later weak key cannot glue on a
        // device whose serials contradict an earlier, better match.
        let mut serials = ids.normalized_serials();
        let mut out: Vec<DeviceId> = Vec::new();
        let strong: Vec<DeviceId> = serials
            .iter()
            .filter_map(|s| self.by_serial.get(s).copied())
            .collect();
        for id in strong {
            if !out.contains(&id) {
                serials.extend(self.entries[&id].serials.iter().cloned());
                out.push(id);
            }
        }
        let weak = ids
            .hostnames
            .iter()
            .filter_map(|h| normalize_hostname(h))
            .filter_map(|n| self.by_name.get(&n).copied())
            .chain(ids.ips.iter().filter_map(|ip| self.by_ip.get(ip).copied()));
        for id in weak {
            let entry = &self.entries[&id];
            if out.contains(&id) || entry.serial_conflict(&serials) {
                continue;
            }
            serials.extend(entry.serials.iter().cloned());
            out.push(id);
        }
        out
    }

    /// Registers a new device and returns its freshly allocated id. Keys that
    /// already belong to another device stay with that device (use
    /// [`observe`](Self::observe) to get matching and merging).
    pub fn insert(&mut self, ids: &Identifiers) -> DeviceId {
        let id = DeviceId(self.next_id);
        self.insert_with_id(id, ids);
        id
    }

    /// Registers a device under a known id, used when rebuilding the index
    /// from the store. Later [`insert`](Self::insert)s allocate above it.
    pub fn insert_with_id(&mut self, id: DeviceId, ids: &Identifiers) {
        self.entries.entry(id).or_default();
        self.next_id = self.next_id.max(id.0 + 1);
        self.add(id, ids);
    }

    /// Records more identifiers for a known device (e.g. the serial and all
    /// IPs learned once it is walked). Keys already owned by a different
    /// device are left with it.
    pub fn add(&mut self, id: DeviceId, ids: &Identifiers) {
        let id = self.canonical(id);
        let entry = self.entries.entry(id).or_default();
        for s in ids.normalized_serials() {
            self.by_serial.entry(s.clone()).or_insert(id);
            entry.serials.insert(s);
        }
        for h in &ids.hostnames {
            if let Some(n) = normalize_hostname(h) {
                self.by_name.entry(n.clone()).or_insert(id);
                entry.names.insert(n);
                entry.display_names.insert(display_hostname(h));
            }
        }
        for ip in &ids.ips {
            self.by_ip.entry(*ip).or_insert(id);
            entry.ips.insert(*ip);
        }
    }

    /// Folds `gone` into `keep`: every key of `gone` now maps to `keep`, and
    /// `gone` redirects to `keep`. Returns the names to record as aliases.
    /// Merging a device into itself (after redirects) is a no-op.
    pub fn merge(&mut self, keep: DeviceId, gone: DeviceId) -> Merged {
        let keep = self.canonical(keep);
        let gone = self.canonical(gone);
        if keep == gone {
            return Merged::default();
        }
        let Some(old) = self.entries.remove(&gone) else {
            return Merged::default();
        };
        // Only keys `gone` owned move: an entry also lists keys that were
        // already taken by a third device when it was seen, and those stay put.
        for s in &old.serials {
            if let Some(owner) = self.by_serial.get_mut(s).filter(|o| **o == gone) {
                *owner = keep;
            }
        }
        for n in &old.names {
            if let Some(owner) = self.by_name.get_mut(n).filter(|o| **o == gone) {
                *owner = keep;
            }
        }
        for ip in &old.ips {
            if let Some(owner) = self.by_ip.get_mut(ip).filter(|o| **o == gone) {
                *owner = keep;
            }
        }
        let target = self.entries.entry(keep).or_default();
        let aliases = old
            .display_names
            .iter()
            .filter(|n| !target.display_names.contains(*n))
            .cloned()
            .collect();
        target.serials.extend(old.serials);
        target.names.extend(old.names);
        target.display_names.extend(old.display_names);
        target.ips.extend(old.ips);
        self.redirects.insert(gone, keep);
        Merged { aliases }
    }

    /// The one call the engine makes per sighting: find the device (merging
    /// any devices the sighting proves to be one), or allocate a new one, and
    /// record all identifiers on it.
    pub fn observe(&mut self, ids: &Identifiers) -> Observation {
        let found = self.matches(ids);
        match found.split_first() {
            None => {
                let id = self.insert(ids);
                Observation {
                    id,
                    is_new: true,
                    merged: Vec::new(),
                }
            }
            Some((&keep, rest)) => {
                // Keep the oldest id: it is the one already in the store and in
                // other devices' links, so fewer rows need rewriting.
                let keep_id = rest.iter().copied().chain([keep]).min().unwrap_or(keep);
                let mut merged = Vec::new();
                for &other in found.iter().filter(|i| **i != keep_id) {
                    self.merge(keep_id, other);
                    merged.push(other);
                }
                self.add(keep_id, ids);
                Observation {
                    id: keep_id,
                    is_new: false,
                    merged,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn hostname_normalisation() {
        assert_eq!(normalize_hostname("core1").as_deref(), Some("core1"));
        assert_eq!(
            normalize_hostname("CORE1.example.com").as_deref(),
            Some("core1")
        );
        assert_eq!(
            normalize_hostname("n9k-1(FDO12345AB)").as_deref(),
            Some("n9k-1")
        );
        assert_eq!(
            normalize_hostname(" n9k-1.dc.example.com(FDO12345AB) ").as_deref(),
            Some("n9k-1")
        );
        assert_eq!(normalize_hostname("10.1.1.1"), None);
        assert_eq!(normalize_hostname("fe80::1"), None);
        assert_eq!(normalize_hostname(""), None);
        assert_eq!(normalize_hostname("(FOC1)"), None);
        assert_eq!(
            normalize_hostname("0011.2233.AABB").as_deref(),
            Some("0011.2233.aabb")
        );
        assert_eq!(display_hostname("Core1.example.com(X)"), "Core1");
        assert_eq!(display_hostname("10.1.1.1"), "10.1.1.1");
    }

    #[test]
    fn factory_default_names_do_not_merge_devices() {
        assert_eq!(normalize_hostname("Switch"), None);
        assert_eq!(normalize_hostname("Router.example.com"), None);
        assert_eq!(normalize_hostname("Switch2").as_deref(), Some("switch2"));
        let mut idx = IdentityIndex::new();
        let a = idx.observe(&Identifiers::new().hostname("Switch").ip(ip("10.0.0.5")));
        let b = idx.observe(&Identifiers::new().hostname("Switch").ip(ip("10.0.0.6")));
        assert!(a.is_new && b.is_new, "two unconfigured switches stay two");
        assert_ne!(a.id, b.id);
        // Each is still found again by its address.
        let again = idx.observe(&Identifiers::new().hostname("Switch").ip(ip("10.0.0.6")));
        assert_eq!(again.id, b.id);
    }

    #[test]
    fn serial_normalisation_rejects_placeholders() {
        assert_eq!(normalize_serial(" foc1234x ").as_deref(), Some("FOC1234X"));
        for junk in ["", "N/A", "unknown", "0", "0000000", "none"] {
            assert_eq!(normalize_serial(junk), None, "{junk}");
        }
    }

    #[test]
    fn same_device_by_each_key() {
        let mut idx = IdentityIndex::new();
        let a = idx
            .observe(
                &Identifiers::new()
                    .serial("FOC1")
                    .hostname("core1.example.com")
                    .ip(ip("10.0.0.1")),
            )
            .id;
        assert_eq!(idx.lookup(Some("foc1"), None, &[]), Some(a));
        assert_eq!(idx.lookup(None, Some("CORE1(FOC1)"), &[]), Some(a));
        assert_eq!(idx.lookup(None, None, &[ip("10.0.0.1")]), Some(a));
        assert_eq!(idx.lookup(None, Some("core2"), &[ip("10.0.0.2")]), None);
        let again = idx.observe(&Identifiers::new().hostname("Core1").ip(ip("10.9.9.9")));
        assert_eq!(again.id, a);
        assert!(!again.is_new);
        // The new IP is now an identity of the same device.
        assert_eq!(idx.lookup(None, None, &[ip("10.9.9.9")]), Some(a));
        assert_eq!(idx.len(), 1);
    }

    #[test]
    fn sighting_that_bridges_two_records_merges_them() {
        let mut idx = IdentityIndex::new();
        let by_name = idx.observe(&Identifiers::new().hostname("dist1")).id;
        let by_ip = idx.observe(&Identifiers::new().ip(ip("10.0.0.7"))).id;
        assert_ne!(by_name, by_ip);
        let obs = idx.observe(
            &Identifiers::new()
                .hostname("dist1.corp")
                .ip(ip("10.0.0.7"))
                .serial("S1"),
        );
        assert_eq!(obs.id, by_name, "oldest id survives");
        assert_eq!(obs.merged, vec![by_ip]);
        assert_eq!(idx.canonical(by_ip), by_name);
        assert_eq!(idx.len(), 1);
        assert_eq!(idx.lookup(None, None, &[ip("10.0.0.7")]), Some(by_name));
    }

    #[test]
    fn explicit_merge_reports_aliases() {
        let mut idx = IdentityIndex::new();
        let a = idx.insert(&Identifiers::new().hostname("edge-a").ip(ip("10.0.0.1")));
        let b = idx.insert(
            &Identifiers::new()
                .hostname("edge-a-old.corp")
                .ip(ip("10.0.0.2")),
        );
        let m = idx.merge(a, b);
        assert_eq!(m.aliases, vec!["edge-a-old".to_string()]);
        assert_eq!(idx.lookup(None, Some("edge-a-old"), &[]), Some(a));
        assert_eq!(idx.lookup(None, None, &[ip("10.0.0.2")]), Some(a));
        assert_eq!(
            idx.merge(a, b),
            Merged::default(),
            "second merge is a no-op"
        );
        assert_eq!(idx.len(), 1);
    }

    #[test]
    fn different_serials_veto_weak_matches() {
        let mut idx = IdentityIndex::new();
        let a = idx
            .observe(
                &Identifiers::new()
                    .serial("AAA")
                    .hostname("lab-sw")
                    .ip(ip("192.168.1.1")),
            )
            .id;
        let b = idx.observe(
            &Identifiers::new()
                .serial("BBB")
                .hostname("lab-sw")
                .ip(ip("192.168.1.1")),
        );
        assert!(b.is_new, "a reused name and IP must not merge two serials");
        assert_ne!(a, b.id);
        // A sighting without a serial still finds the first one.
        assert_eq!(idx.lookup(None, Some("LAB-SW"), &[]), Some(a));
        assert_eq!(idx.lookup(Some("BBB"), Some("LAB-SW"), &[]), Some(b.id));
    }

    #[test]
    fn weak_key_cannot_glue_two_serialled_devices() {
        let mut idx = IdentityIndex::new();
        let a = idx
            .observe(&Identifiers::new().serial("AAA").hostname("x"))
            .id;
        let b = idx
            .observe(&Identifiers::new().serial("BBB").ip(ip("10.0.0.2")))
            .id;
        // No serial: name says a, IP says b; they conflict, so only the best wins.
        let o = idx.observe(&Identifiers::new().hostname("x").ip(ip("10.0.0.2")));
        assert_eq!(o.id, a);
        assert!(o.merged.is_empty());
        assert_eq!(idx.canonical(b), b);
        assert_eq!(idx.len(), 2);
    }

    #[test]
    fn merge_does_not_steal_keys_owned_by_a_third_device() {
        let mut idx = IdentityIndex::new();
        let a = idx.insert(&Identifiers::new().serial("A").ip(ip("10.0.0.1")));
        let c = idx.insert(&Identifiers::new().serial("C").ip(ip("10.0.0.9")));
        // b also lists 10.0.0.9 (a shared/VIP address), but c owns that key.
        let b = idx.insert(&Identifiers::new().hostname("b").ip(ip("10.0.0.9")));
        idx.merge(a, b);
        assert_eq!(idx.lookup(None, None, &[ip("10.0.0.9")]), Some(c));
        assert_eq!(idx.lookup(None, Some("b"), &[]), Some(a));
    }

    #[test]
    fn sighting_with_two_member_serials_joins_both_records() {
        let mut idx = IdentityIndex::new();
        let m1 = idx.observe(&Identifiers::new().serial("M1")).id;
        let m2 = idx.observe(&Identifiers::new().serial("M2")).id;
        let o = idx.observe(&Identifiers::new().serial("M1").serial("M2").hostname("stk"));
        assert_eq!(o.id, m1);
        assert_eq!(o.merged, vec![m2]);
    }

    #[test]
    fn stack_member_serials_resolve_to_the_stack() {
        let mut idx = IdentityIndex::new();
        let stack = idx
            .observe(
                &Identifiers::new()
                    .serial("FOC-CHASSIS")
                    .serial("FOC-M2")
                    .serial("FOC-M3")
                    .hostname("stack1"),
            )
            .id;
        let o = idx.observe(&Identifiers::new().serial("foc-m3").ip(ip("10.1.1.3")));
        assert_eq!(o.id, stack);
        assert!(!o.is_new);
        assert_eq!(idx.len(), 1);
    }

    #[test]
    fn rebuilt_index_allocates_above_existing_ids() {
        let mut idx = IdentityIndex::new();
        idx.insert_with_id(DeviceId(41), &Identifiers::new().hostname("old"));
        let n = idx.insert(&Identifiers::new().hostname("new"));
        assert_eq!(n, DeviceId(42));
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        /// One generated device: a serial, a hostname and some IPs, all unique
        /// to it; plus the ways its name may be spelled in a sighting.
        fn spellings(name: &str, serial: &str) -> Vec<String> {
            vec![
                name.to_string(),
                name.to_uppercase(),
                format!("{name}.example.com"),
                format!("{name}({serial})"),
                format!("{}.corp.example({serial})", name.to_uppercase()),
            ]
        }

        #[derive(Debug, Clone)]
        struct Sighting {
            device: usize,
            serial: bool,
            spelling: Option<usize>,
            ip: Option<usize>,
        }

        fn sightings() -> impl Strategy<Value = (usize, Vec<Sighting>)> {
            (1usize..6).prop_flat_map(|n| {
                let one = (
                    0..n,
                    any::<bool>(),
                    proptest::option::of(0usize..5),
                    proptest::option::of(0usize..3),
                )
                    .prop_map(|(device, serial, spelling, ip)| Sighting {
                        device,
                        serial,
                        spelling,
                        ip,
                    });
                (Just(n), proptest::collection::vec(one, 0..30))
            })
        }

        fn ids_for(s: &Sighting, full: bool) -> Identifiers {
            let name = format!("dev{}", s.device);
            let serial = format!("SER{}", s.device);
            let mut ids = Identifiers::new();
            if s.serial || full {
                ids = ids.serial(&serial);
            }
            if let Some(sp) = s.spelling.or(full.then_some(0)) {
                ids = ids.hostname(spellings(&name, &serial)[sp].clone());
            }
            let ips: Vec<IpAddr> = (0..3)
                .map(|k| IpAddr::from([10, s.device as u8, k as u8, 1]))
                .collect();
            if full {
                ids = ids.ips(ips);
            } else if let Some(k) = s.ip {
                ids = ids.ip(ips[k]);
            }
            ids
        }

        proptest! {
            /// Whatever order and subset of identifiers a device is reached by,
            /// once one sighting ties them together every sighting of it maps to
            /// one id, and different devices never share an id.
            #[test]
            fn any_permutation_of_identifiers_maps_to_one_id(
                (n, mut seen) in sightings(),
                full_at in proptest::collection::vec(0usize..31, 6),
            ) {
                // Each device is fully seen once (as when it is walked), at a random point.
                for (d, at) in full_at.iter().enumerate().take(n) {
                    let at = (*at).min(seen.len());
                    seen.insert(at, Sighting { device: d, serial: true, spelling: Some(0), ip: None });
                }
                let mut idx = IdentityIndex::new();
                let mut got: Vec<(usize, DeviceId)> = Vec::new();
                for s in &seen {
                    let full = s.serial && s.spelling == Some(0) && s.ip.is_none();
                    let ids = ids_for(s, full);
                    if ids.is_empty() { continue; }
                    got.push((s.device, idx.observe(&ids).id));
                }
                prop_assert_eq!(idx.len(), n);
                let mut by_dev: HashMap<usize, DeviceId> = HashMap::new();
                for (d, id) in got {
                    let c = idx.canonical(id);
                    let prev = *by_dev.entry(d).or_insert(c);
                    prop_assert_eq!(prev, c, "device {} has two ids", d);
                }
                let distinct: BTreeSet<DeviceId> = by_dev.values().copied().collect();
                prop_assert_eq!(distinct.len(), n);
                // And every single identifier now looks up to the right device.
                for d in 0..n {
                    let want = by_dev[&d];
                    let serial = format!("ser{d}");
                    let name = format!("DEV{d}.x");
                    let ip = IpAddr::from([10, d as u8, 2, 1]);
                    prop_assert_eq!(idx.lookup(Some(&serial), None, &[]), Some(want));
                    prop_assert_eq!(idx.lookup(None, Some(&name), &[]), Some(want));
                    prop_assert_eq!(idx.lookup(None, None, &[ip]), Some(want));
                }
            }

            #[test]
            fn normalisers_never_panic(s in "\\PC*") {
                let _ = normalize_hostname(&s);
                let _ = display_hostname(&s);
                let _ = normalize_serial(&s);
            }
        }
    }
}
