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
