//! Writing one device result: its record, its neighbours as placeholders,
//! its tables, its version history and its links. [`write_result`] runs
//! inside the savepoint [`StoreWriter::commit_devices`](super::StoreWriter::commit_devices)
//! gives each device, so a device is written whole or not at all.

use super::bulk::Upsert;
use super::db::{Db, DbError, ToValue, Value, vals};
use super::error::{Context, Result};
use super::rows::{device_values, json_list, parse_protocols, protocols_text};
use crate::identity::normalize_hostname;
use crate::model::{Device, DeviceId, DeviceResult, DeviceStatus, Link, RunId, UnixTime};

/// Everything one device task produced (see
/// [`StoreWriter::commit_device`](super::StoreWriter::commit_device)), on the
/// device's savepoint `tx`.
pub(super) fn write_result(
    tx: &Db,
    result: &DeviceResult,
    now: UnixTime,
    run: Option<RunId>,
) -> Result<()> {
    let dev = &result.device;
    let ctx = |what: &str| format!("committing {what} of device {} ({})", dev.id, dev.hostname);
    upsert_device(tx, dev, now, run, true).ctx(|| ctx("the record"))?;
    for n in &result.neighbors {
        upsert_device(tx, n, now, run, false)
            .ctx(|| ctx(&format!("neighbour {} ({})", n.id, n.hostname)))?;
    }
    if dev.status == DeviceStatus::Walked {
        replace_tables(tx, result).ctx(|| ctx("interfaces/stack/VLAN tables"))?;
    }
    if dev.status == DeviceStatus::Walked && result.endhosts.collected {
        super::endhosts::upsert(tx, dev.id, &result.endhosts, now)
            .ctx(|| ctx("MAC sightings and ARP/ND entries"))?;
    }
    if let Some(version) = &dev.version {
        record_version(tx, dev.id, version, now, run).ctx(|| ctx("version history"))?;
    }
    for link in &result.links {
        upsert_link(tx, link, now).ctx(|| {
            ctx(&format!(
                "link {} {} - {} {} (are both endpoints in the result or the store?)",
                link.a, link.a_interface, link.b, link.b_interface
            ))
        })?;
    }
    Ok(())
}

/// The insert half of both device upserts (the conflict clauses differ).
macro_rules! insert_device {
    () => {
        "INSERT INTO devices (id, hostname, norm_hostname, hostname_raw, serial, platform, model, version, uptime, mgmt_ip, status, reason, error_class, depth, parent, via, method, capabilities, platform_text, first_seen, last_seen, last_walked, failure_count, seen_run, attempt_run, warnings, legacy_crypto)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?20, ?21, ?22, ?23, ?24, ?25, ?26) "
    };
}

/// The device's own record: its status and error replace the stored ones,
/// optional facts it lacks keep their stored values. (Stored values are
/// named `devices.x`: PostgreSQL finds a bare `x` ambiguous beside
/// `excluded.x`.)
const UPSERT_OWN: &str = concat!(
    insert_device!(),
    "ON CONFLICT(id) DO UPDATE SET
        hostname = excluded.hostname,
        norm_hostname = excluded.norm_hostname,
        hostname_raw = COALESCE(excluded.hostname_raw, devices.hostname_raw),
        serial = COALESCE(excluded.serial, devices.serial),
        platform = COALESCE(excluded.platform, devices.platform),
        model = COALESCE(excluded.model, devices.model),
        version = COALESCE(excluded.version, devices.version),
        uptime = COALESCE(excluded.uptime, devices.uptime),
        mgmt_ip = COALESCE(excluded.mgmt_ip, devices.mgmt_ip),
        status = excluded.status,
        reason = excluded.reason,
        error_class = excluded.error_class,
        depth = excluded.depth,
        parent = COALESCE(excluded.parent, devices.parent),
        via = COALESCE(excluded.via, devices.via),
        method = COALESCE(excluded.method, devices.method),
        capabilities = CASE WHEN excluded.capabilities = '[]' THEN devices.capabilities ELSE excluded.capabilities END,
        platform_text = COALESCE(excluded.platform_text, devices.platform_text),
        last_seen = excluded.last_seen,
        last_walked = COALESCE(excluded.last_walked, devices.last_walked),
        failure_count = CASE excluded.status WHEN 'walked' THEN 0 WHEN 'failed' THEN devices.failure_count + 1 ELSE devices.failure_count END,
        seen_run = COALESCE(excluded.seen_run, devices.seen_run),
        attempt_run = COALESCE(excluded.attempt_run, devices.attempt_run),
        warnings = excluded.warnings,
        legacy_crypto = excluded.legacy_crypto"
);

/// A neighbour's view of a device. `status IN ('walked','failed')` refers to
/// the stored row: such a row came from the device itself and only gains
/// gap-filling facts.
const UPSERT_PLACEHOLDER: &str = concat!(
    insert_device!(),
    "ON CONFLICT(id) DO UPDATE SET
        hostname = CASE WHEN devices.status IN ('walked','failed') THEN devices.hostname ELSE excluded.hostname END,
        norm_hostname = CASE WHEN devices.status IN ('walked','failed') THEN devices.norm_hostname ELSE excluded.norm_hostname END,
        hostname_raw = COALESCE(devices.hostname_raw, excluded.hostname_raw),
        serial = COALESCE(devices.serial, excluded.serial),
        platform = COALESCE(devices.platform, excluded.platform),
        model = COALESCE(devices.model, excluded.model),
        version = COALESCE(devices.version, excluded.version),
        uptime = COALESCE(devices.uptime, excluded.uptime),
        mgmt_ip = COALESCE(devices.mgmt_ip, excluded.mgmt_ip),
        reason = CASE WHEN devices.status IN ('walked','failed') THEN devices.reason ELSE excluded.reason END,
        error_class = CASE WHEN devices.status IN ('walked','failed') THEN devices.error_class ELSE excluded.error_class END,
        depth = CASE WHEN devices.status IN ('walked','failed') OR devices.depth <= excluded.depth THEN devices.depth ELSE excluded.depth END,
        parent = CASE WHEN devices.status IN ('walked','failed') THEN devices.parent ELSE COALESCE(devices.parent, excluded.parent) END,
        via = CASE WHEN devices.status IN ('walked','failed') THEN devices.via ELSE COALESCE(devices.via, excluded.via) END,
        capabilities = CASE WHEN devices.capabilities = '[]' THEN excluded.capabilities ELSE devices.capabilities END,
        platform_text = COALESCE(devices.platform_text, excluded.platform_text),
        last_seen = excluded.last_seen,
        seen_run = COALESCE(excluded.seen_run, devices.seen_run),
        status = CASE WHEN devices.status IN ('walked','failed') THEN devices.status ELSE excluded.status END"
);

/// Writes a device row. `authoritative`: the device's own result (status and
/// error replace the stored ones). Otherwise a placeholder from a neighbour
/// table: fills gaps, never overrides a record that came from the device.
pub(super) fn upsert_device(
    tx: &Db,
    d: &Device,
    now: UnixTime,
    run: Option<RunId>,
    authoritative: bool,
) -> Result<(), DbError> {
    let walked = d.status == DeviceStatus::Walked;
    let failed = d.status == DeviceStatus::Failed;
    let run = run.map(|r| r.0);
    let attempt_run = if authoritative && d.status.is_attempted() {
        run
    } else {
        None
    };
    let mut values = device_values(d);
    values.extend([
        Value::Int(now),
        if authoritative && walked {
            Value::Int(now)
        } else {
            Value::Null
        },
        Value::Int(i64::from(authoritative && failed)),
        run.map_or(Value::Null, Value::Int),
        attempt_run.map_or(Value::Null, Value::Int),
        Value::Text(json_list(&d.warnings).into()),
        Value::Int(i64::from(d.legacy_crypto)),
    ]);
    if authoritative {
        remember_old_name(tx, d)?;
    }
    let sql = if authoritative {
        UPSERT_OWN
    } else {
        UPSERT_PLACEHOLDER
    };
    tx.execute(sql, &values)?;
    add_ips_aliases(tx, d)
}

/// Adds an alias unless the device has it already.
const INSERT_ALIAS: &str =
    "INSERT INTO aliases (device_id, alias) VALUES (?1, ?2) ON CONFLICT DO NOTHING";

/// When a device's own record renames it (a neighbour called it `CORE1-LLDP`,
/// its prompt says `core1`), the old name becomes an alias so lookups by it
/// still work. IP-literal placeholder names are not names and are dropped.
fn remember_old_name(tx: &Db, d: &Device) -> Result<(), DbError> {
    let old: Option<String> = tx.query_opt(
        "SELECT hostname FROM devices WHERE id = ?1",
        vals![d.id.0],
        |r| r.get(0),
    )?;
    if let Some(old) = old
        && let Some(norm) = normalize_hostname(&old)
        && normalize_hostname(&d.hostname).as_deref() != Some(norm.as_str())
    {
        tx.execute(INSERT_ALIAS, vals![d.id.0, old])?;
    }
    Ok(())
}

/// Adds the device's addresses (the management one included) and aliases;
/// ones already stored stay.
pub(super) fn add_ips_aliases(tx: &Db, d: &Device) -> Result<(), DbError> {
    for ip in d.ips.iter().chain(d.mgmt_ip.iter()) {
        tx.execute(
            "INSERT INTO device_ips (device_id, ip) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            vals![d.id.0, ip.to_string()],
        )?;
    }
    for a in &d.aliases {
        tx.execute(INSERT_ALIAS, vals![d.id.0, a])?;
    }
    Ok(())
}

/// A walked device's interface, stack and VLAN tables replace the stored ones.
fn replace_tables(tx: &Db, r: &DeviceResult) -> Result<(), DbError> {
    let id = r.device.id.0;
    for sql in [
        "DELETE FROM interfaces WHERE device_id = ?1",
        "DELETE FROM stack_members WHERE device_id = ?1",
        "DELETE FROM vlans WHERE device_id = ?1",
    ] {
        tx.execute(sql, vals![id])?;
    }
    // A parser that reports one interface twice must not abort the whole
    // device's commit: the last report wins.
    INTERFACES.write(
        tx,
        &r.interfaces,
        |i| i.name.as_str(),
        |i| {
            [
                Value::Int(id),
                i.name.value(),
                i.status.value(),
                i.vlan.value(),
                i.duplex.value(),
                i.speed.value(),
                i.kind.value(),
                i.ip.value(),
                i.description.value(),
            ]
        },
    )?;
    STACK_MEMBERS.write(
        tx,
        &r.stack_members,
        |m| m.switch,
        |m| {
            [
                Value::Int(id),
                m.switch.value(),
                m.role.value(),
                m.priority.value(),
                m.model.value(),
                m.serial.value(),
                m.mac.value(),
                m.hw_version.value(),
                m.version.value(),
                m.state.value(),
            ]
        },
    )?;
    VLANS.write(
        tx,
        &r.vlans,
        |v| v.id,
        |v| {
            [
                Value::Int(id),
                v.id.value(),
                v.name.value(),
                Value::Text(json_list(&v.ports).into()),
                Value::Text(json_list(&v.port_channels).into()),
            ]
        },
    )
}

/// A walked device's interface (its table is replaced per walk).
const INTERFACES: Upsert = Upsert {
    head: "INSERT INTO interfaces (device_id, name, status, vlan, duplex, speed, type, ip, description) VALUES",
    row: "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    width: 9,
    tail: "ON CONFLICT (device_id, name) DO UPDATE SET status = excluded.status,
           vlan = excluded.vlan, duplex = excluded.duplex, speed = excluded.speed,
           type = excluded.type, ip = excluded.ip, description = excluded.description",
};

/// A member of a walked device's stack.
const STACK_MEMBERS: Upsert = Upsert {
    head: "INSERT INTO stack_members (device_id, switch, role, priority, model, serial, mac, hw_version, version, state) VALUES",
    row: "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    width: 10,
    tail: "ON CONFLICT (device_id, switch) DO UPDATE SET role = excluded.role,
           priority = excluded.priority, model = excluded.model, serial = excluded.serial,
           mac = excluded.mac, hw_version = excluded.hw_version, version = excluded.version,
           state = excluded.state",
};

/// A VLAN of a walked device, with its ports.
const VLANS: Upsert = Upsert {
    head: "INSERT INTO vlans (device_id, vlan_id, name, ports, port_channels) VALUES",
    row: "(?1, ?2, ?3, ?4, ?5)",
    width: 5,
    tail: "ON CONFLICT (device_id, vlan_id) DO UPDATE SET name = excluded.name,
           ports = excluded.ports, port_channels = excluded.port_channels",
};

/// Appends to the version history when the version differs from the latest.
fn record_version(
    tx: &Db,
    id: DeviceId,
    version: &str,
    now: UnixTime,
    run: Option<RunId>,
) -> Result<(), DbError> {
    let last: Option<String> = tx.query_opt(
        "SELECT version FROM version_history WHERE device_id = ?1 ORDER BY id DESC LIMIT 1",
        vals![id.0],
        |r| r.get(0),
    )?;
    if last.as_deref() != Some(version) {
        tx.execute(
            "INSERT INTO version_history (device_id, version, seen, run_id) VALUES (?1, ?2, ?3, ?4)",
            vals![id.0, version, now, run.map(|r| r.0)],
        )?;
    }
    Ok(())
}

/// Adds a link, or merges its protocols into the stored row of the same
/// physical link (rows are keyed by the link's canonical orientation).
pub(super) fn upsert_link(tx: &Db, link: &Link, now: UnixTime) -> Result<(), DbError> {
    let c = link.canonical();
    let existing: Option<String> = tx.query_opt(
        "SELECT protocols FROM links WHERE a = ?1 AND a_interface = ?2 AND b = ?3 AND b_interface = ?4",
        vals![c.a.0, c.a_interface, c.b.0, c.b_interface],
        |r| r.get(0),
    )?;
    let mut protocols = c.protocols.clone();
    if let Some(text) = existing {
        protocols.extend(parse_protocols(&text));
    }
    tx.execute(
        "INSERT INTO links (a, a_interface, b, b_interface, protocols, first_seen, last_seen)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
         ON CONFLICT(a, a_interface, b, b_interface) DO UPDATE SET
            protocols = excluded.protocols, last_seen = excluded.last_seen",
        vals![
            c.a.0,
            c.a_interface,
            c.b.0,
            c.b_interface,
            protocols_text(&protocols),
            now
        ],
    )?;
    Ok(())
}
