//! The diff: desired records against NetBox's current objects, into one
//! [`Step`] per object (create, update, unchanged, conflict, skip, delete).
//! Pure: the safety rules live here and are unit-tested here.
//!
//! Per kind, in creation order: each desired record is matched first by
//! its `alt` identity (a device's serial), then by its key (name); a match
//! that does not carry netwalker's tag is a conflict (reference data
//! excepted: an existing manufacturer, type, platform, role or site is
//! used as it is), a tagged match is compared field by field. References
//! in NetBox's objects are mapped to keys through the matches of the kinds
//! before, so a renamed device's interfaces still match. A record whose
//! device or interface is a conflict is skipped; a cable whose interface
//! already holds another cable is a conflict. Tagged objects nothing
//! desired matched are deleted with `prune`, else left alone.

use super::record::{Current, Fields, Key, Kind, Record, display_key, key_of};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};

/// What the sync does to one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Not in NetBox: created, tagged.
    Create,
    /// Netwalker's and different: these fields are set.
    Update(Vec<&'static str>),
    /// Already as wanted (or reference data used as it is).
    Unchanged,
    /// In the way and not netwalker's: reported, never touched.
    Conflict,
    /// Depends on a conflict (its device, its interface): not synced.
    Skip,
    /// Netwalker's and no longer in the inventory (`--prune`).
    Delete,
}

impl Action {
    pub fn as_str(&self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update(_) => "update",
            Action::Unchanged => "unchanged",
            Action::Conflict => "conflict",
            Action::Skip => "skip",
            Action::Delete => "delete",
        }
    }

    /// Whether applying it writes to NetBox.
    pub fn is_change(&self) -> bool {
        matches!(self, Action::Create | Action::Update(_) | Action::Delete)
    }
}

/// One object's line of the plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// Its kind (the table's first column, the apply phase).
    pub kind: Kind,
    /// Its key: what later steps' references resolve through.
    pub key: Key,
    /// The name shown (device-controlled: render through `term::safe`).
    pub label: String,
    /// What happens to it.
    pub action: Action,
    /// The NetBox id of the matched object (update, unchanged, delete).
    pub id: Option<u64>,
    /// The wanted fields, references as keys (create, update).
    pub fields: Fields,
    /// Why: the fields changed, the conflicting object, the dependency.
    pub detail: String,
}

/// The whole plan, in creation order (deletions are applied in reverse).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    /// Every step.
    pub steps: Vec<Step>,
}

/// Counts by action, for the totals line and the exit code.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub create: usize,
    pub update: usize,
    pub unchanged: usize,
    pub conflict: usize,
    pub skip: usize,
    pub delete: usize,
}

impl Totals {
    /// Writes to NetBox (creates, updates, deletes).
    pub fn changes(&self) -> usize {
        self.create + self.update + self.delete
    }
}

impl Plan {
    /// Counts by action.
    pub fn totals(&self) -> Totals {
        let mut t = Totals::default();
        for s in &self.steps {
            match s.action {
                Action::Create => t.create += 1,
                Action::Update(_) => t.update += 1,
                Action::Unchanged => t.unchanged += 1,
                Action::Conflict => t.conflict += 1,
                Action::Skip => t.skip += 1,
                Action::Delete => t.delete += 1,
            }
        }
        t
    }

    /// The steps of one kind.
    pub fn of(&self, kind: Kind) -> impl Iterator<Item = &Step> {
        self.steps.iter().filter(move |s| s.kind == kind)
    }
}

/// The key of a record of `kind` from its normalised fields (references
/// already keys). Desired and current records are keyed by this one rule.
pub fn record_key(kind: Kind, fields: &Fields) -> Key {
    let s = |f: &str| match fields.get(f) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(v) => v.to_string(),
    };
    match kind {
        Kind::Manufacturer | Kind::Platform | Kind::Role | Kind::Site => s("name").to_lowercase(),
        Kind::VirtualChassis | Kind::Device => s("name").to_lowercase(),
        Kind::DeviceType => key_of(&[&s("manufacturer"), &s("model").to_lowercase()]),
        Kind::Interface => key_of(&[&s("device"), &s("name")]),
        Kind::IpAddress => s("address"),
        Kind::Vlan => key_of(&[&s("site"), &s("vid")]),
        Kind::Cable => {
            let (a, b) = (s("a"), s("b"));
            if a <= b {
                key_of(&[&a, &b])
            } else {
                key_of(&[&b, &a])
            }
        }
    }
}

/// NetBox ids matched to desired keys, per kind: how current references
/// become keys.
#[derive(Default)]
struct Matches {
    /// kind -> NetBox id -> the desired key it matched.
    by_id: HashMap<Kind, HashMap<u64, Key>>,
}

impl Matches {
    /// A current reference as a key: the matched desired key, else `#id`
    /// (never equal to a desired key, so a reference to an unmatched
    /// object always reads as a difference).
    fn key(&self, kind: Kind, id: u64) -> Key {
        self.by_id
            .get(&kind)
            .and_then(|m| m.get(&id))
            .cloned()
            .unwrap_or_else(|| format!("#{id}"))
    }

    /// `fields` with every reference id replaced by its key.
    fn map_refs(&self, kind: Kind, fields: &Fields) -> Fields {
        fields
            .iter()
            .map(|(f, v)| {
                let v = match (kind.reference(f), v.as_u64()) {
                    (Some(to), Some(id)) => Value::String(self.key(to, id)),
                    _ => v.clone(),
                };
                (*f, v)
            })
            .collect()
    }
}

/// The plan for `desired` against `current` (both by kind).
pub fn plan(
    desired: &BTreeMap<Kind, Vec<Record>>,
    current: &BTreeMap<Kind, Vec<Current>>,
    prune: bool,
) -> Plan {
    let mut matches = Matches::default();
    let mut blocked: HashSet<(Kind, Key)> = HashSet::new();
    let mut steps = Vec::new();
    // Tagged matches: (step index, NetBox's fields with ids), compared
    // once every kind is matched (a device refers to its primary IP,
    // matched later).
    let mut compare: Vec<(usize, Fields)> = Vec::new();
    // For each interface key with a cable on it: the cable and whether it stays.
    let mut cable_on: HashMap<Key, (u64, bool)> = HashMap::new();
    for kind in Kind::ALL {
        let want = desired.get(&kind).map(Vec::as_slice).unwrap_or_default();
        let have: Vec<(Key, &Current, Fields)> = current
            .get(&kind)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|c| {
                let f = matches.map_refs(kind, &c.fields);
                (record_key(kind, &f), c, f)
            })
            .collect();
        let mut ctx = KindPlan::new(kind, &have);
        for r in want {
            let (step, raw) = ctx.step(r, &blocked, &cable_on);
            if let Some(raw) = raw {
                compare.push((steps.len(), raw));
            }
            if matches!(step.action, Action::Conflict | Action::Skip) {
                blocked.insert((kind, r.key.clone()));
            }
            if let Some(id) = step.id {
                matches
                    .by_id
                    .entry(kind)
                    .or_default()
                    .insert(id, r.key.clone());
            }
            steps.push(step);
        }
        for (k, c, _) in ctx.unused() {
            if c.tagged && !kind.is_reference() && prune {
                steps.push(Step {
                    kind,
                    key: k.clone(),
                    label: c.label.clone(),
                    action: Action::Delete,
                    id: Some(c.id),
                    fields: Fields::new(),
                    detail: "netwalker's, no longer in the inventory".into(),
                });
            }
        }
        if kind == Kind::Interface {
            cable_on = occupied_interfaces(&have, current, prune);
        }
    }
    for (i, raw) in compare {
        let step = &mut steps[i];
        let have = matches.map_refs(step.kind, &raw);
        let changed = changed_fields(&step.fields, &have);
        if !changed.is_empty() {
            step.detail = changed
                .iter()
                .map(|f| format!("{f}: {} -> {}", show(have.get(f)), show(step.fields.get(f))))
                .collect::<Vec<_>>()
                .join(", ");
            step.action = Action::Update(changed);
        }
    }
    Plan { steps }
}

/// For every interface key with a cable on it: the cable's id and whether
/// it stays (not deleted by this plan).
fn occupied_interfaces(
    have: &[(Key, &Current, Fields)],
    current: &BTreeMap<Kind, Vec<Current>>,
    prune: bool,
) -> HashMap<Key, (u64, bool)> {
    let ours: HashSet<u64> = current
        .get(&Kind::Cable)
        .into_iter()
        .flatten()
        .filter(|c| c.tagged)
        .map(|c| c.id)
        .collect();
    have.iter()
        .filter_map(|(k, c, _)| {
            let cable = c.cable?;
            // A tagged cable goes with --prune unless a desired cable
            // matches it (then it is the same cable, not in the way).
            Some((k.clone(), (cable, !(prune && ours.contains(&cable)))))
        })
        .collect()
}

/// Matching state of one kind: which current objects are taken.
struct KindPlan<'a> {
    kind: Kind,
    /// The current objects, key, mapped fields.
    have: &'a [(Key, &'a Current, Fields)],
    /// key -> index into `have`.
    by_key: HashMap<&'a str, usize>,
    /// alt -> index into `have`.
    by_alt: HashMap<&'a str, usize>,
    /// Indexes matched so far.
    used: HashSet<usize>,
}

impl<'a> KindPlan<'a> {
    fn new(kind: Kind, have: &'a [(Key, &'a Current, Fields)]) -> KindPlan<'a> {
        let mut by_key = HashMap::new();
        let mut by_alt = HashMap::new();
        for (i, (k, c, _)) in have.iter().enumerate() {
            // First wins: NetBox's order (ascending id) is stable.
            by_key.entry(k.as_str()).or_insert(i);
            if let Some(a) = c.alt.as_deref().filter(|a| !a.is_empty()) {
                by_alt.entry(a).or_insert(i);
            }
        }
        KindPlan {
            kind,
            have,
            by_key,
            by_alt,
            used: HashSet::new(),
        }
    }

    /// The current object `r` is: by alt, then by key, not taken yet.
    fn find(&mut self, r: &Record) -> Option<usize> {
        let alt = r
            .alt
            .as_deref()
            .filter(|a| !a.is_empty())
            .and_then(|a| self.by_alt.get(a).copied())
            .filter(|i| !self.used.contains(i));
        let i = alt.or_else(|| {
            self.by_key
                .get(r.key.as_str())
                .copied()
                .filter(|i| !self.used.contains(i))
        })?;
        self.used.insert(i);
        Some(i)
    }

    fn step(
        &mut self,
        r: &Record,
        blocked: &HashSet<(Kind, Key)>,
        cable_on: &HashMap<Key, (u64, bool)>,
    ) -> (Step, Option<Fields>) {
        let mut step = Step {
            kind: self.kind,
            key: r.key.clone(),
            label: r.label.clone(),
            action: Action::Create,
            id: None,
            fields: r.fields.clone(),
            detail: String::new(),
        };
        if let Some((k, key)) = r.deps().into_iter().find(|d| blocked.contains(d)) {
            step.action = Action::Skip;
            step.detail = format!("its {k} {} is not synced", display_key(&key));
            return (step, None);
        }
        let Some(i) = self.find(r) else {
            if self.kind == Kind::Cable {
                return (cable_conflict(step, cable_on), None);
            }
            return (step, None);
        };
        let (_, c, _) = &self.have[i];
        step.id = Some(c.id);
        if self.kind.is_reference() {
            step.action = Action::Unchanged;
            if !c.tagged {
                step.detail = "exists, used as it is".into();
            }
            return (step, None);
        }
        if !c.tagged {
            step.action = Action::Conflict;
            step.detail = format!(
                "NetBox {} {:?} (id {}) has the same {} and no netwalker tag: left alone",
                self.kind,
                c.label,
                c.id,
                if r.alt.is_some() && r.alt == c.alt {
                    "serial"
                } else {
                    "name"
                }
            );
            return (step, None);
        }
        step.action = Action::Unchanged;
        (step, Some(c.fields.clone()))
    }

    fn unused(&self) -> impl Iterator<Item = &(Key, &'a Current, Fields)> {
        self.have
            .iter()
            .enumerate()
            .filter(|(i, _)| !self.used.contains(i))
            .map(|(_, x)| x)
    }
}

/// A new cable: a conflict when either interface already holds a cable
/// that stays.
fn cable_conflict(mut step: Step, cable_on: &HashMap<Key, (u64, bool)>) -> Step {
    for end in ["a", "b"] {
        let Some(iface) = step.fields.get(end).and_then(Value::as_str) else {
            continue;
        };
        if let Some((cable, true)) = cable_on.get(iface) {
            step.action = Action::Conflict;
            step.detail = format!(
                "{} already has cable {cable}: not replaced (when it is netwalker's and stale, --prune removes it)",
                display_key(iface),
            );
            return step;
        }
    }
    step
}

/// The fields whose wanted value differs from NetBox's.
fn changed_fields(want: &Fields, have: &Fields) -> Vec<&'static str> {
    want.iter()
        .filter(|(f, v)| have.get(*f).unwrap_or(&Value::Null) != *v)
        .map(|(f, _)| *f)
        .collect()
}

/// A value for the detail column (keys shown with spaces).
fn show(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "-".into(),
        Some(Value::String(s)) => display_key(s),
        Some(v) => v.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rec(kind: Kind, alt: Option<&str>, pairs: &[(&'static str, Value)]) -> Record {
        let fields: Fields = pairs.iter().cloned().collect();
        Record {
            kind,
            key: record_key(kind, &fields),
            alt: alt.map(str::to_string),
            label: record_key(kind, &fields),
            fields,
        }
    }

    fn cur(id: u64, tagged: bool, alt: Option<&str>, pairs: &[(&'static str, Value)]) -> Current {
        Current {
            id,
            tagged,
            alt: alt.map(str::to_string),
            fields: pairs.iter().cloned().collect(),
            cable: None,
            label: format!("#{id}"),
        }
    }

    fn site() -> Record {
        rec(
            Kind::Site,
            Some("lab"),
            &[("name", json!("Lab")), ("slug", json!("lab"))],
        )
    }

    fn device(name: &str, serial: &str) -> Record {
        rec(
            Kind::Device,
            Some(serial),
            &[
                ("name", json!(name)),
                ("serial", json!(serial)),
                ("site", json!("lab")),
                ("status", json!("active")),
            ],
        )
    }

    fn iface(dev: &str, name: &str) -> Record {
        rec(
            Kind::Interface,
            None,
            &[
                ("device", json!(dev)),
                ("name", json!(name)),
                ("type", json!("1000base-t")),
            ],
        )
    }

    fn cable(a: (&str, &str), b: (&str, &str)) -> Record {
        rec(
            Kind::Cable,
            None,
            &[
                ("a", json!(key_of(&[a.0, a.1]))),
                ("b", json!(key_of(&[b.0, b.1]))),
                ("status", json!("connected")),
            ],
        )
    }

    fn desired(records: Vec<Record>) -> BTreeMap<Kind, Vec<Record>> {
        let mut m: BTreeMap<Kind, Vec<Record>> = BTreeMap::new();
        for r in records {
            m.entry(r.kind).or_default().push(r);
        }
        m
    }

    fn current(records: Vec<(Kind, Current)>) -> BTreeMap<Kind, Vec<Current>> {
        let mut m: BTreeMap<Kind, Vec<Current>> = BTreeMap::new();
        for (k, c) in records {
            m.entry(k).or_default().push(c);
        }
        m
    }

    fn action(p: &Plan, kind: Kind, label_part: &str) -> Action {
        p.of(kind)
            .find(|s| s.label.contains(label_part) || s.key.contains(label_part))
            .unwrap_or_else(|| panic!("no {kind} {label_part} in {p:#?}"))
            .action
            .clone()
    }

    /// NetBox as a first sync leaves it for `want`: every record tagged,
    /// ids from 1, references as ids.
    fn as_synced(want: &BTreeMap<Kind, Vec<Record>>) -> BTreeMap<Kind, Vec<Current>> {
        let mut ids: HashMap<(Kind, Key), u64> = HashMap::new();
        let mut out: BTreeMap<Kind, Vec<Current>> = BTreeMap::new();
        let mut next = 1;
        for kind in Kind::ALL {
            for r in want.get(&kind).into_iter().flatten() {
                ids.insert((kind, r.key.clone()), next);
                next += 1;
            }
        }
        for kind in Kind::ALL {
            for r in want.get(&kind).into_iter().flatten() {
                let fields = r
                    .fields
                    .iter()
                    .map(|(f, v)| {
                        let v = match (kind.reference(f), v.as_str()) {
                            (Some(to), Some(k)) if !matches!(*f, "primary_ip4" | "primary_ip6") => {
                                json!(ids[&(to, k.to_string())])
                            }
                            _ => v.clone(),
                        };
                        (*f, v)
                    })
                    .collect();
                out.entry(kind).or_default().push(Current {
                    id: ids[&(kind, r.key.clone())],
                    tagged: true,
                    alt: r.alt.clone(),
                    fields,
                    cable: None,
                    label: r.label.clone(),
                });
            }
        }
        out
    }

    fn lab() -> BTreeMap<Kind, Vec<Record>> {
        desired(vec![
            site(),
            device("sw-a", "S1"),
            device("sw-b", "S2"),
            iface("sw-a", "Gi1"),
            iface("sw-b", "Gi1"),
            cable(("sw-a", "Gi1"), ("sw-b", "Gi1")),
        ])
    }

    #[test]
    fn empty_netbox_creates_everything() {
        let p = plan(&lab(), &BTreeMap::new(), false);
        let t = p.totals();
        assert_eq!((t.create, t.changes(), t.conflict), (6, 6, 0));
    }

    #[test]
    fn second_sync_changes_nothing() {
        let want = lab();
        let p = plan(&want, &as_synced(&want), true);
        assert_eq!(p.totals().changes(), 0, "{p:#?}");
        assert_eq!(p.totals().unchanged, 6);
    }

    #[test]
    fn renamed_device_is_one_update_matched_by_serial() {
        let before = lab();
        let now = as_synced(&before);
        let after = desired(vec![
            site(),
            device("sw-a2", "S1"),
            device("sw-b", "S2"),
            iface("sw-a2", "Gi1"),
            iface("sw-b", "Gi1"),
            cable(("sw-a2", "Gi1"), ("sw-b", "Gi1")),
        ]);
        let p = plan(&after, &now, true);
        let t = p.totals();
        assert_eq!((t.update, t.create, t.delete), (1, 0, 0), "{p:#?}");
        assert_eq!(
            action(&p, Kind::Device, "sw-a2"),
            Action::Update(vec!["name"])
        );
    }

    #[test]
    fn untagged_device_with_same_name_or_serial_is_a_conflict_and_its_children_skipped() {
        let now = current(vec![
            (
                Kind::Site,
                cur(1, false, Some("lab"), &[("name", json!("Lab"))]),
            ),
            (
                Kind::Device,
                cur(10, false, Some("S1"), &[("name", json!("other-name"))]),
            ),
            (
                Kind::Device,
                cur(11, false, None, &[("name", json!("sw-b"))]),
            ),
        ]);
        for prune in [false, true] {
            let p = plan(&lab(), &now, prune);
            assert_eq!(
                action(&p, Kind::Site, "lab"),
                Action::Unchanged,
                "reference reused"
            );
            assert_eq!(action(&p, Kind::Device, "sw-a"), Action::Conflict);
            assert_eq!(action(&p, Kind::Device, "sw-b"), Action::Conflict);
            assert_eq!(action(&p, Kind::Interface, "sw-a"), Action::Skip);
            assert_eq!(action(&p, Kind::Cable, "sw-a"), Action::Skip);
            assert!(
                p.steps
                    .iter()
                    .all(|s| s.id != Some(10) && s.id != Some(11) || s.action == Action::Conflict),
                "untagged objects are never updated or deleted: {p:#?}"
            );
            assert_eq!(p.totals().delete, 0);
        }
    }

    #[test]
    fn untagged_objects_outside_the_inventory_are_never_deleted() {
        let mut now = as_synced(&lab());
        now.get_mut(&Kind::Device).unwrap().push(cur(
            99,
            false,
            Some("X"),
            &[("name", json!("theirs"))],
        ));
        now.get_mut(&Kind::Device).unwrap().push(cur(
            98,
            true,
            Some("Y"),
            &[("name", json!("gone"))],
        ));
        let p = plan(&lab(), &now, true);
        assert!(p.steps.iter().all(|s| s.id != Some(99)));
        let deleted: Vec<u64> = p
            .steps
            .iter()
            .filter(|s| s.action == Action::Delete)
            .filter_map(|s| s.id)
            .collect();
        assert_eq!(deleted, vec![98], "prune removes only tagged objects");
        let p = plan(&lab(), &now, false);
        assert_eq!(p.totals().delete, 0, "no prune, no delete");
    }

    #[test]
    fn a_cable_already_on_an_interface_is_a_conflict_not_replaced() {
        let want = lab();
        let mut now = as_synced(&want);
        now.remove(&Kind::Cable);
        // sw-a Gi1 holds someone else's cable 500.
        now.get_mut(&Kind::Interface).unwrap()[0].cable = Some(500);
        now.insert(
            Kind::Cable,
            vec![cur(500, false, None, &[("a", json!(4)), ("b", json!(77))])],
        );
        let p = plan(&want, &now, true);
        assert_eq!(action(&p, Kind::Cable, "sw-a"), Action::Conflict);
        assert!(
            p.steps.iter().all(|s| s.id != Some(500)),
            "never deleted: {p:#?}"
        );
        // Netwalker's own stale cable: a conflict without --prune, replaced with it.
        now.get_mut(&Kind::Cable).unwrap()[0].tagged = true;
        assert_eq!(
            action(&plan(&want, &now, false), Kind::Cable, "sw-a"),
            Action::Conflict
        );
        let p = plan(&want, &now, true);
        assert_eq!(action(&p, Kind::Cable, "sw-a"), Action::Create);
        assert!(
            p.steps
                .iter()
                .any(|s| s.id == Some(500) && s.action == Action::Delete)
        );
    }

    #[test]
    fn changed_fields_are_named_and_only_they_update() {
        let want = lab();
        let mut now = as_synced(&want);
        now.get_mut(&Kind::Device).unwrap()[1]
            .fields
            .insert("status", json!("offline"));
        let p = plan(&want, &now, false);
        assert_eq!(p.totals().changes(), 1);
        let s = p.steps.iter().find(|s| s.action.is_change()).unwrap();
        assert_eq!(s.action, Action::Update(vec!["status"]));
        assert!(s.detail.contains("offline -> active"), "{}", s.detail);
    }

    #[test]
    fn a_reference_to_an_unmatched_object_reads_as_a_change() {
        let want = lab();
        let mut now = as_synced(&want);
        // sw-b's interface sits on a device netwalker does not know.
        now.get_mut(&Kind::Interface).unwrap()[1]
            .fields
            .insert("device", json!(12345));
        let p = plan(&want, &now, false);
        assert_eq!(action(&p, Kind::Interface, "sw-b"), Action::Create);
    }
}
