//! The plan written to NetBox: deletions first (cables before the
//! interfaces and devices they join), then creations and updates kind by
//! kind in dependency order, each kind in bulk. A virtual chassis is
//! created before its members (who name it) and gets its master after
//! them; a device gets its primary IP after its addresses exist.
//!
//! Every write is tagged or touches only tagged objects (the plan decided
//! which), so a sync cut short by an outage leaves objects a rerun
//! recognises as its own: the rerun finishes the job.

use super::client::{BulkError, NetboxClient, NetboxError};
use super::failure::Failure;
use super::plan::{Action, Plan, Step};
use super::record::{Key, Kind};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// A write that failed: where, which phase, how much was written, and
/// NetBox's error. Its message names NetBox and its URL (never the
/// token), what failed, and what to do: rerun.
#[derive(Debug)]
pub struct ApplyError {
    /// NetBox's base URL (no credentials), so the message says which NetBox.
    pub url: String,
    /// The phase that failed ("creating 1200 interface(s)").
    pub phase: String,
    /// Writes NetBox confirmed before the failure (earlier phases, and
    /// earlier chunks of this one).
    pub done: usize,
    /// What NetBox (or the transport) said.
    pub error: NetboxError,
}

impl std::fmt::Display for ApplyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let failure = Failure::of(&self.error);
        write!(
            f,
            "NetBox at {} {} while {}: {}. {} change(s) were written before that",
            self.url,
            failure.happened(),
            self.phase,
            self.error,
            self.done
        )?;
        if failure == Failure::Unreachable {
            f.write_str("; the request in flight may or may not have been")?;
        }
        write!(
            f,
            ". To finish: {}, then rerun the same `netwalker sync netbox`: it recognises what this run wrote by its tag and finishes the job",
            failure.remedy()
        )
    }
}

// The message includes the NetBox error: no `source`, so a chain printer
// does not repeat it.
impl std::error::Error for ApplyError {}

/// The order of deletions: whatever refers to an object before it, which
/// is [`Kind::ALL`] backwards but for a virtual chassis, deleted before the
/// devices: NetBox protects a chassis's master from deletion (HTTP 409),
/// and releases the members (their chassis set to null) when the chassis
/// goes.
const DELETE_ORDER: [Kind; 11] = [
    Kind::Cable,
    Kind::Vlan,
    Kind::IpAddress,
    Kind::Interface,
    Kind::VirtualChassis,
    Kind::Device,
    Kind::Site,
    Kind::Role,
    Kind::Platform,
    Kind::DeviceType,
    Kind::Manufacturer,
];

/// Fields written in a later phase, not in the create/update of their own kind.
fn deferred(kind: Kind, field: &str) -> bool {
    matches!(
        (kind, field),
        (Kind::VirtualChassis, "master") | (Kind::Device, "primary_ip4" | "primary_ip6")
    )
}

/// An address netwalker owns that moves to another interface: applied as
/// delete and create.
fn moves(s: &Step) -> bool {
    s.kind == Kind::IpAddress
        && matches!(&s.action, Action::Update(f) if f.contains(&"assigned_object_id"))
}

/// Writes the plan; `progress` hears each phase. Returns the writes made.
pub async fn apply(
    client: &NetboxClient,
    plan: &Plan,
    tag: &str,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<usize, ApplyError> {
    let mut a = Applier {
        client,
        tag,
        ids: HashMap::new(),
        done: 0,
    };
    for s in &plan.steps {
        if let Some(id) = s.id {
            a.ids.insert((s.kind, s.key.clone()), id);
        }
    }
    for kind in DELETE_ORDER {
        a.delete(plan, kind, progress).await?;
    }
    for kind in Kind::ALL {
        a.write(plan, kind, progress).await?;
        match kind {
            Kind::Device => a.deferred(plan, Kind::VirtualChassis, progress).await?,
            Kind::IpAddress => a.deferred(plan, Kind::Device, progress).await?,
            _ => {}
        }
    }
    Ok(a.done)
}

/// Apply state: the NetBox id of every key matched or created so far.
struct Applier<'a> {
    /// The API.
    client: &'a NetboxClient,
    /// netwalker's tag slug, put on every object created.
    tag: &'a str,
    /// (kind, key) -> NetBox id.
    ids: HashMap<(Kind, Key), u64>,
    /// Writes made so far (for the error message).
    done: usize,
}

impl Applier<'_> {
    fn fail(&self, phase: String, error: NetboxError) -> ApplyError {
        ApplyError {
            url: self.client.url().to_string(),
            phase,
            done: self.done,
            error,
        }
    }

    /// A bulk write's failure: the chunks written before it count.
    fn bulk_fail(&self, phase: String, e: BulkError) -> ApplyError {
        let mut err = self.fail(phase, e.error);
        err.done += e.written;
        err
    }

    async fn delete(
        &mut self,
        plan: &Plan,
        kind: Kind,
        progress: &(dyn Fn(&str) + Sync),
    ) -> Result<(), ApplyError> {
        let steps: Vec<&Step> = plan
            .of(kind)
            .filter(|s| s.action == Action::Delete)
            .collect();
        if steps.is_empty() {
            return Ok(());
        }
        let phase = format!("deleting {} {}(s)", steps.len(), kind);
        progress(&phase);
        let ids: Vec<u64> = steps.iter().filter_map(|s| s.id).collect();
        let labels: Vec<String> = steps.iter().map(|s| s.label.clone()).collect();
        self.client
            .delete(kind, &ids, &labels)
            .await
            .map_err(|e| self.bulk_fail(phase, e))?;
        self.done += ids.len();
        Ok(())
    }

    /// Creates and updates of one kind (deferred fields left out).
    async fn write(
        &mut self,
        plan: &Plan,
        kind: Kind,
        progress: &(dyn Fn(&str) + Sync),
    ) -> Result<(), ApplyError> {
        let recreate: Vec<&Step> = plan.of(kind).filter(|s| moves(s)).collect();
        if !recreate.is_empty() {
            // NetBox refuses to move an address that is some device's
            // primary IP; netwalker's own address is deleted (which clears
            // that primary) and created on its new interface.
            let phase = format!("moving {} {}(es) to other interfaces", recreate.len(), kind);
            progress(&phase);
            let ids: Vec<u64> = recreate.iter().filter_map(|s| s.id).collect();
            let labels: Vec<String> = recreate.iter().map(|s| s.label.clone()).collect();
            self.client
                .delete(kind, &ids, &labels)
                .await
                .map_err(|e| self.bulk_fail(phase, e))?;
            self.done += ids.len();
        }
        let updates: Vec<&Step> = plan
            .of(kind)
            .filter(|s| !moves(s))
            .filter(|s| match &s.action {
                Action::Update(f) => f.iter().any(|f| !deferred(kind, f)),
                _ => false,
            })
            .collect();
        if !updates.is_empty() {
            let phase = format!("updating {} {}(s)", updates.len(), kind);
            progress(&phase);
            let bodies = updates
                .iter()
                .map(|s| self.body(s, false))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| self.fail(phase.clone(), e))?;
            let labels: Vec<String> = updates.iter().map(|s| s.label.clone()).collect();
            self.client
                .update(kind, bodies, &labels)
                .await
                .map_err(|e| self.bulk_fail(phase, e))?;
            self.done += updates.len();
        }
        let creates: Vec<&Step> = plan
            .of(kind)
            .filter(|s| s.action == Action::Create || moves(s))
            .collect();
        if creates.is_empty() {
            return Ok(());
        }
        let phase = format!("creating {} {}(s)", creates.len(), kind);
        progress(&phase);
        let bodies = creates
            .iter()
            .map(|s| self.body(s, true))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.fail(phase.clone(), e))?;
        let labels: Vec<String> = creates.iter().map(|s| s.label.clone()).collect();
        let ids = self
            .client
            .create(kind, bodies, &labels)
            .await
            .map_err(|e| self.bulk_fail(phase, e))?;
        for (s, id) in creates.iter().zip(ids) {
            self.ids.insert((kind, s.key.clone()), id);
        }
        self.done += creates.len();
        Ok(())
    }

    /// The deferred fields of `kind` (a chassis's master, a device's
    /// primary IPs) for the steps created or updated with them.
    async fn deferred(
        &mut self,
        plan: &Plan,
        kind: Kind,
        progress: &(dyn Fn(&str) + Sync),
    ) -> Result<(), ApplyError> {
        let mut bodies = Vec::new();
        let mut labels = Vec::new();
        for s in plan.of(kind) {
            let fields: Vec<&'static str> = match &s.action {
                Action::Create => s.fields.keys().copied().collect(),
                Action::Update(f) => f.clone(),
                _ => continue,
            };
            let fields: Vec<&'static str> =
                fields.into_iter().filter(|f| deferred(kind, f)).collect();
            if fields.is_empty() {
                continue;
            }
            let Some(id) = self.ids.get(&(kind, s.key.clone())).copied() else {
                continue;
            };
            let mut body = Map::new();
            body.insert("id".into(), json!(id));
            for f in fields {
                let v = self
                    .value(kind, f, &s.fields[f])
                    .map_err(|e| self.fail(format!("linking {kind} {}", s.label), e))?;
                body.insert(f.into(), v);
            }
            bodies.push(Value::Object(body));
            labels.push(s.label.clone());
        }
        if bodies.is_empty() {
            return Ok(());
        }
        let what = if kind == Kind::Device {
            "primary IP"
        } else {
            "virtual chassis master"
        };
        let phase = format!("setting {} {what}(s)", bodies.len());
        progress(&phase);
        let n = bodies.len();
        self.client
            .update(kind, bodies, &labels)
            .await
            .map_err(|e| self.bulk_fail(phase, e))?;
        self.done += n;
        Ok(())
    }

    /// The JSON body of a create (every field, tagged) or an update (the
    /// changed fields and the id); references resolved to ids.
    fn body(&self, s: &Step, create: bool) -> Result<Value, NetboxError> {
        let mut body = Map::new();
        let fields: Vec<&'static str> = match (&s.action, create) {
            (Action::Update(f), false) => f.clone(),
            _ => s.fields.keys().copied().collect(),
        };
        for f in fields.into_iter().filter(|f| !deferred(s.kind, f)) {
            let v = self.value(s.kind, f, &s.fields[f])?;
            if s.kind == Kind::Cable && matches!(f, "a" | "b") {
                let side = if f == "a" {
                    "a_terminations"
                } else {
                    "b_terminations"
                };
                body.insert(
                    side.into(),
                    json!([{"object_type": "dcim.interface", "object_id": v}]),
                );
            } else {
                body.insert(f.into(), v);
            }
        }
        if create {
            body.insert("tags".into(), json!([{ "slug": self.tag }]));
        } else if let Some(id) = s.id {
            body.insert("id".into(), json!(id));
        }
        Ok(Value::Object(body))
    }

    /// A field's value for NetBox: a reference as the referred id.
    fn value(&self, kind: Kind, field: &str, v: &Value) -> Result<Value, NetboxError> {
        let (Some(to), Some(key)) = (kind.reference(field), v.as_str()) else {
            return Ok(v.clone());
        };
        self.ids
            .get(&(to, key.to_string()))
            .map(|id| json!(id))
            .ok_or_else(|| NetboxError::Decode {
                what: format!("{kind} field {field}"),
                detail: format!(
                    "the {to} {} it refers to is not in NetBox",
                    super::record::display_key(key)
                ),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deletions_cover_every_kind_once_with_a_chassis_before_its_master() {
        let mut sorted = DELETE_ORDER.to_vec();
        sorted.sort();
        let mut all = Kind::ALL.to_vec();
        all.sort();
        assert_eq!(sorted, all);
        let at = |k: Kind| DELETE_ORDER.iter().position(|&x| x == k).unwrap();
        assert!(at(Kind::VirtualChassis) < at(Kind::Device));
        // Every reference: the referring kind goes first, but where NetBox
        // sets the reference to null when its target goes (a device's
        // primary IPs and chassis).
        let fields = [
            "manufacturer",
            "device_type",
            "role",
            "platform",
            "site",
            "virtual_chassis",
            "primary_ip4",
            "primary_ip6",
            "master",
            "device",
            "assigned_object_id",
            "a",
            "b",
        ];
        let nulled = [
            (Kind::Device, "primary_ip4"),
            (Kind::Device, "primary_ip6"),
            (Kind::Device, "virtual_chassis"),
        ];
        let mut checked = 0;
        for kind in Kind::ALL {
            for field in fields {
                let Some(to) = kind.reference(field) else {
                    continue;
                };
                checked += 1;
                if !nulled.contains(&(kind, field)) {
                    assert!(at(kind) < at(to), "{kind} ({field}) deleted after {to}");
                }
            }
        }
        assert_eq!(checked, 14);
    }
}
