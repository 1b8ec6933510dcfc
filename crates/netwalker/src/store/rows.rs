//! Mapping between SQL rows and model types: each table's read (a
//! [`Query`]) next to the function that turns its rows into a model value,
//! and the text encodings of the columns SQLite has no type for (JSON lists,
//! the protocol set of a link).
//!
//! Values that do not parse are [`StoreError::Corrupt`] naming the row,
//! except where a newer netwalker may have written a word this build does not
//! know (platform, via, method, link protocols): those read leniently.

use super::db::{DbError, DbRow, Value};
use super::error::{Result, StoreError};
use super::query::Query;
use crate::identity::normalize_hostname;
use crate::model::{
    ConnectionMethod, Device, DeviceId, DeviceStatus, Interface, Link, LinkProtocol, Run, RunId,
    StackMember, Via, Vlan,
};
use std::collections::BTreeSet;
use std::net::IpAddr;

/// Device rows, by id; mapped by [`device_from_row`].
pub(super) const DEVICES: Query = Query {
    what: "devices",
    table: "devices",
    columns: "id, hostname, hostname_raw, serial, platform, model, version, uptime, mgmt_ip, status, reason, error_class, depth, parent, via, method, capabilities, platform_text, first_seen, last_seen, failure_count, warnings, legacy_crypto",
    order: "id",
};

/// Every devices column but `id`, for copying a row under a new id.
pub(super) const DEVICE_STORED_COLUMNS: &str = "hostname, norm_hostname, hostname_raw, serial, platform, model, version, uptime, mgmt_ip, status, reason, error_class, depth, parent, via, method, capabilities, platform_text, first_seen, last_seen, last_walked, failure_count, seen_run, attempt_run, warnings, legacy_crypto";

/// Runs, oldest first; mapped by [`run_from_row`].
pub(super) const RUNS: Query = Query {
    what: "runs",
    table: "runs",
    columns: "id, started, finished, options, counts",
    order: "id",
};

/// Links in canonical order; mapped by [`link_from_row`].
pub(super) const LINKS: Query = Query {
    what: "links",
    table: "links",
    columns: "a, a_interface, b, b_interface, protocols",
    order: "a, a_interface, b, b_interface",
};

/// A device's addresses (`device_id, ip`), unordered: they fill a set.
pub(super) const DEVICE_IPS: Query = Query {
    what: "device IPs and aliases",
    table: "device_ips",
    columns: "device_id, ip",
    order: "",
};

/// A device's other names (`device_id, alias`), unordered: they fill a set.
pub(super) const ALIASES: Query = Query {
    what: "device IPs and aliases",
    table: "aliases",
    columns: "device_id, alias",
    order: "",
};

/// Interfaces by device, then name; mapped by [`interface_from_row`].
pub(super) const INTERFACES: Query = Query {
    what: "interfaces",
    table: "interfaces",
    columns: "device_id, name, status, vlan, duplex, speed, type, ip, description",
    order: "device_id, name",
};

/// [`INTERFACES`] of a store from before descriptions (a reader does not
/// migrate): none is known.
pub(super) const INTERFACES_WITHOUT_DESCRIPTIONS: Query = Query {
    columns: "device_id, name, status, vlan, duplex, speed, type, ip, CAST(NULL AS TEXT)",
    ..INTERFACES
};

/// Stack members by device, then switch number; mapped by
/// [`stack_member_from_row`].
pub(super) const STACK_MEMBERS: Query = Query {
    what: "stack members",
    table: "stack_members",
    columns: "device_id, switch, role, priority, model, serial, mac, hw_version, version, state",
    order: "device_id, switch",
};

/// VLANs by device, then id; mapped by [`vlan_row`] and [`vlan_from_row`].
pub(super) const VLANS: Query = Query {
    what: "VLANs",
    table: "vlans",
    columns: "device_id, vlan_id, name, ports, port_channels",
    order: "device_id, vlan_id",
};

/// A device's own columns as bound parameters, in the order every device
/// write uses them (`?1` id to `?19` platform_text), so the upsert of a
/// walk and the rewrite of a merge cannot drift apart; each appends its
/// bookkeeping columns after them.
pub(super) fn device_values(d: &Device) -> Vec<Value<'static>> {
    let text = |s: Option<&str>| s.map_or(Value::Null, |s| Value::Text(s.to_string().into()));
    vec![
        Value::Int(d.id.0),
        Value::Text(d.hostname.clone().into()),
        normalize_hostname(&d.hostname).map_or(Value::Null, |n| Value::Text(n.into())),
        text(d.hostname_raw.as_deref()),
        text(d.serial.as_deref()),
        text(d.platform.map(|p| p.as_str())),
        text(d.model.as_deref()),
        text(d.version.as_deref()),
        text(d.uptime.as_deref()),
        d.mgmt_ip
            .map_or(Value::Null, |ip| Value::Text(ip.to_string().into())),
        Value::Text(d.status.as_str().into()),
        text(d.reason.as_deref()),
        text(d.error_class.as_deref()),
        Value::Int(i64::from(d.depth)),
        d.parent.map_or(Value::Null, |p| Value::Int(p.0)),
        text(d.via.map(|v| v.as_str())),
        text(d.method.map(|m| m.as_str())),
        Value::Text(json_list(&d.capabilities).into()),
        text(d.platform_text.as_deref()),
    ]
}

/// A list column (capabilities, warnings, VLAN ports) as stored: JSON.
pub(super) fn json_list(v: &[String]) -> String {
    serde_json::to_string(v).expect("string list serialises")
}

/// A JSON column read back; `whose` names the row for the error.
fn json_column<T: serde::de::DeserializeOwned>(
    text: &str,
    what: &'static str,
    whose: impl std::fmt::Display,
) -> Result<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt {
        what,
        detail: format!("{whose}: {e}"),
    })
}

/// A link's protocols as stored: their names, comma-separated.
pub(super) fn protocols_text(p: &BTreeSet<LinkProtocol>) -> String {
    p.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(",")
}

pub(super) fn parse_protocols(text: &str) -> BTreeSet<LinkProtocol> {
    // Unknown words are ignored rather than failing a read: a newer writer may
    // know more protocols.
    text.split(',')
        .filter_map(|p| p.trim().parse::<LinkProtocol>().ok())
        .collect()
}

/// A device status column read back; `prefix` starts the error's detail
/// (which row, if any).
pub(super) fn parse_status(text: &str, prefix: &str) -> Result<DeviceStatus> {
    text.parse()
        .map_err(|e: crate::model::UnknownName| StoreError::Corrupt {
            what: "device status",
            detail: format!("{prefix}{e}"),
        })
}

/// A row of [`DEVICES`], before its IPs and aliases are attached.
pub(super) fn device_from_row(r: &DbRow<'_>) -> Result<Device> {
    let sql_err = |source| StoreError::Database {
        context: "reading a device row".into(),
        source,
    };
    let get_s = |i: usize| r.get::<Option<String>>(i).map_err(sql_err);
    let id = DeviceId(r.get(0).map_err(sql_err)?);
    let whose = format!("device {id}");
    let status = parse_status(&r.get::<String>(9).map_err(sql_err)?, &format!("{whose}: "))?;
    let mgmt_ip = match get_s(8)? {
        None => None,
        Some(t) => Some(t.parse::<IpAddr>().map_err(|e| StoreError::Corrupt {
            what: "management IP",
            detail: format!("{whose}: {t:?}: {e}"),
        })?),
    };
    let json = |i: usize, what| {
        json_column::<Vec<String>>(&r.get::<String>(i).map_err(sql_err)?, what, &whose)
    };
    let capabilities = json(16, "capability list")?;
    Ok(Device {
        id,
        hostname: r.get(1).map_err(sql_err)?,
        hostname_raw: get_s(2)?,
        serial: get_s(3)?,
        // Lenient: a platform this build doesn't know reads as "unknown".
        platform: get_s(4)?.and_then(|p| p.parse().ok()),
        model: get_s(5)?,
        version: get_s(6)?,
        uptime: get_s(7)?,
        mgmt_ip,
        ips: BTreeSet::new(),
        aliases: BTreeSet::new(),
        status,
        reason: get_s(10)?,
        error_class: get_s(11)?,
        depth: r.get(12).map_err(sql_err)?,
        parent: r.get::<Option<i64>>(13).map_err(sql_err)?.map(DeviceId),
        via: get_s(14)?.and_then(|v| v.parse::<Via>().ok()),
        method: get_s(15)?.and_then(|m| m.parse::<ConnectionMethod>().ok()),
        capabilities,
        platform_text: get_s(17)?,
        first_seen: r.get(18).map_err(sql_err)?,
        last_seen: r.get(19).map_err(sql_err)?,
        failure_count: r.get(20).map_err(sql_err)?,
        warnings: json(21, "warning list")?,
        legacy_crypto: r.get(22).map_err(sql_err)?,
    })
}

/// A row of [`RUNS`].
pub(super) fn run_from_row(r: &DbRow<'_>) -> Result<Run> {
    let sql_err = |source| StoreError::Database {
        context: "reading a run row".into(),
        source,
    };
    let id = RunId(r.get(0).map_err(sql_err)?);
    let options: String = r.get(3).map_err(sql_err)?;
    let counts: Option<String> = r.get(4).map_err(sql_err)?;
    Ok(Run {
        id,
        started: r.get(1).map_err(sql_err)?,
        finished: r.get(2).map_err(sql_err)?,
        options: json_column(&options, "run options", id)?,
        counts: counts
            .map(|c| json_column(&c, "run counts", id))
            .transpose()?,
    })
}

/// A row of [`LINKS`].
pub(super) fn link_from_row(r: &DbRow<'_>) -> Result<Link, DbError> {
    Ok(Link {
        a: DeviceId(r.get(0)?),
        a_interface: r.get(1)?,
        b: DeviceId(r.get(2)?),
        b_interface: r.get(3)?,
        protocols: parse_protocols(&r.get::<String>(4)?),
    })
}

/// A row of [`INTERFACES`] (column 0, the device, is read by the caller).
pub(super) fn interface_from_row(r: &DbRow<'_>) -> Result<Interface, DbError> {
    Ok(Interface {
        name: r.get(1)?,
        status: r.get(2)?,
        vlan: r.get(3)?,
        duplex: r.get(4)?,
        speed: r.get(5)?,
        kind: r.get(6)?,
        ip: r.get(7)?,
        description: r.get(8)?,
    })
}

/// A row of [`STACK_MEMBERS`] (column 0, the device, is read by the caller).
pub(super) fn stack_member_from_row(r: &DbRow<'_>) -> Result<StackMember, DbError> {
    Ok(StackMember {
        switch: r.get(1)?,
        role: r.get(2)?,
        priority: r.get(3)?,
        model: r.get(4)?,
        serial: r.get(5)?,
        mac: r.get(6)?,
        hw_version: r.get(7)?,
        version: r.get(8)?,
        state: r.get(9)?,
    })
}

/// A row of [`VLANS`] as stored, its port lists still JSON text: reading
/// them is [`vlan_from_row`]'s job, which can name the device.
pub(super) type VlanRow = (u16, String, String, String);

/// A row of [`VLANS`] read as text (column 0, the device, is read by the caller).
pub(super) fn vlan_row(r: &DbRow<'_>) -> Result<VlanRow, DbError> {
    Ok((r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

/// A VLAN of device `id` from its stored row.
pub(super) fn vlan_from_row(id: DeviceId, (vid, name, ports, pcs): VlanRow) -> Result<Vlan> {
    let whose = format!("device {id} vlan {vid}");
    Ok(Vlan {
        id: vid,
        name,
        ports: json_column(&ports, "VLAN port list", &whose)?,
        port_channels: json_column(&pcs, "VLAN port list", &whose)?,
    })
}
