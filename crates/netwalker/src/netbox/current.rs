//! What NetBox holds: every object of the kinds a sync manages, read in
//! parallel (one paginated listing per kind), normalised to the fields
//! [`super::desired`] writes. GET and POST represent fields differently
//! (a status is `{"value","label"}`, a reference a nested object): the
//! normalisation makes them comparable ([`normalise`], unit-tested).

use super::client::{NetboxClient, NetboxError};
use super::record::{Current, Fields, Kind};
use futures::future::try_join_all;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// The fields read and compared, per kind (also the `fields=` of the listing).
fn fields_of(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Manufacturer | Kind::Platform | Kind::Role => &["name", "slug"],
        Kind::Site => &["name", "slug", "status"],
        Kind::DeviceType => &["manufacturer", "model", "slug"],
        Kind::VirtualChassis => &["name", "master"],
        Kind::Device => &[
            "name",
            "serial",
            "device_type",
            "role",
            "platform",
            "site",
            "status",
            "virtual_chassis",
            "vc_position",
            "primary_ip4",
            "primary_ip6",
        ],
        Kind::Interface => &["device", "name", "type", "enabled"],
        Kind::IpAddress => &[
            "address",
            "assigned_object_type",
            "assigned_object_id",
            "status",
        ],
        Kind::Vlan => &["site", "vid", "name", "status"],
        Kind::Cable => &["status"],
    }
}

/// One field of a GET answer in the form desired records use: a choice's
/// `value`, a reference's id (a primary IP's address: its key), a plain
/// value as it is.
fn field(kind: Kind, name: &str, v: &Value) -> Value {
    match v {
        Value::Object(o) if matches!(name, "primary_ip4" | "primary_ip6") => {
            o.get("address").cloned().unwrap_or(Value::Null)
        }
        Value::Object(o) if o.contains_key("value") && kind.reference(name).is_none() => {
            o.get("value").cloned().unwrap_or(Value::Null)
        }
        Value::Object(o) => o.get("id").cloned().unwrap_or(Value::Null),
        v => v.clone(),
    }
}

/// One NetBox object as a [`Current`]; `None` when it has no id.
pub fn normalise(kind: Kind, obj: &Value, tag: &str) -> Option<Current> {
    let id = obj.get("id")?.as_u64()?;
    let tagged = obj.get("tags").and_then(Value::as_array).is_some_and(|t| {
        t.iter()
            .any(|t| t.get("slug").and_then(Value::as_str) == Some(tag))
    });
    let mut fields: Fields = fields_of(kind)
        .iter()
        .map(|f| (*f, field(kind, f, obj.get(*f).unwrap_or(&Value::Null))))
        .collect();
    if kind == Kind::Cable {
        fields.insert("a", termination(obj.get("a_terminations")));
        fields.insert("b", termination(obj.get("b_terminations")));
    }
    let text = |f: &str| obj.get(f).and_then(Value::as_str).map(str::to_string);
    let alt = match kind {
        Kind::Device => text("serial").filter(|s| !s.is_empty()),
        Kind::Manufacturer | Kind::Platform | Kind::Role | Kind::Site => text("slug"),
        _ => None,
    };
    let label = text("name")
        .or_else(|| text("display"))
        .or_else(|| text("model"))
        .or_else(|| text("address"))
        .unwrap_or_else(|| format!("#{id}"));
    Some(Current {
        id,
        tagged,
        alt,
        fields,
        cable: obj
            .get("cable")
            .and_then(|c| c.get("id"))
            .and_then(Value::as_u64),
        label,
    })
}

/// The interface id of a cable end with exactly one interface
/// termination, else null (never equal to a desired end).
fn termination(v: Option<&Value>) -> Value {
    match v.and_then(Value::as_array).map(Vec::as_slice) {
        Some([t]) if t.get("object_type").and_then(Value::as_str) == Some("dcim.interface") => {
            t.get("object_id").cloned().unwrap_or(Value::Null)
        }
        _ => Value::Null,
    }
}

/// A virtual chassis's strongest identity is its master's serial.
fn chassis_alt(current: &mut BTreeMap<Kind, Vec<Current>>) {
    let serials: HashMap<u64, String> = current
        .get(&Kind::Device)
        .into_iter()
        .flatten()
        .filter_map(|d| Some((d.id, d.alt.clone()?)))
        .collect();
    for vc in current.get_mut(&Kind::VirtualChassis).into_iter().flatten() {
        vc.alt = vc
            .fields
            .get("master")
            .and_then(Value::as_u64)
            .and_then(|id| serials.get(&id).cloned());
    }
}

/// Reads every kind (in parallel) and normalises it.
pub async fn read(
    client: &NetboxClient,
    tag: &str,
) -> Result<BTreeMap<Kind, Vec<Current>>, NetboxError> {
    let lists = try_join_all(Kind::ALL.iter().map(|&kind| async move {
        let mut wanted: Vec<&str> = vec!["id", "tags"];
        wanted.extend(fields_of(kind));
        match kind {
            Kind::Interface => wanted.push("cable"),
            Kind::Cable => wanted.extend(["a_terminations", "b_terminations"]),
            _ => {}
        }
        let query = format!("fields={}", wanted.join(","));
        let objs = client.list(kind, &query).await?;
        Ok::<_, NetboxError>((
            kind,
            objs.iter()
                .filter_map(|o| normalise(kind, o, tag))
                .collect::<Vec<_>>(),
        ))
    }))
    .await?;
    let mut current: BTreeMap<Kind, Vec<Current>> = lists.into_iter().collect();
    chassis_alt(&mut current);
    Ok(current)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn get_representation_becomes_post_representation() {
        let dev = json!({
            "id": 7, "name": "sw1", "serial": "FOC1",
            "device_type": {"id": 3, "display": "x", "slug": "x"},
            "role": {"id": 4, "name": "Switch"}, "platform": null,
            "site": {"id": 1}, "status": {"value": "active", "label": "Active"},
            "virtual_chassis": null, "vc_position": null,
            "primary_ip4": {"id": 9, "address": "10.0.0.1/32", "family": {"value": 4}},
            "primary_ip6": null,
            "tags": [{"id": 1, "slug": "netwalker", "name": "netwalker"}]
        });
        let c = normalise(Kind::Device, &dev, "netwalker").unwrap();
        assert!(c.tagged);
        assert_eq!(c.alt.as_deref(), Some("FOC1"));
        assert_eq!(c.fields["status"], json!("active"));
        assert_eq!(c.fields["device_type"], json!(3));
        assert_eq!(c.fields["primary_ip4"], json!("10.0.0.1/32"));
        assert_eq!(c.fields["platform"], Value::Null);
        assert!(!normalise(Kind::Device, &dev, "other").unwrap().tagged);
        let no_serial = json!({"id": 8, "name": "x", "serial": "", "tags": []});
        assert_eq!(
            normalise(Kind::Device, &no_serial, "netwalker")
                .unwrap()
                .alt,
            None
        );
    }

    #[test]
    fn cables_and_interfaces() {
        let cable = json!({
            "id": 5, "status": {"value": "connected"}, "tags": [],
            "a_terminations": [{"object_type": "dcim.interface", "object_id": 11, "object": {}}],
            "b_terminations": [{"object_type": "dcim.interface", "object_id": 12}]
        });
        let c = normalise(Kind::Cable, &cable, "netwalker").unwrap();
        assert_eq!(
            (c.fields["a"].clone(), c.fields["b"].clone()),
            (json!(11), json!(12))
        );
        assert_eq!(c.fields["status"], json!("connected"));
        let iface = json!({"id": 11, "name": "Gi1", "device": {"id": 7}, "type": {"value": "1000base-t"},
                           "enabled": true, "cable": {"id": 5}, "tags": []});
        let i = normalise(Kind::Interface, &iface, "netwalker").unwrap();
        assert_eq!(i.cable, Some(5));
        assert_eq!(i.fields["type"], json!("1000base-t"));
        assert_eq!(i.fields["device"], json!(7));
    }
}
