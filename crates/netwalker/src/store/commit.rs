//! Writing one device result: its record, its neighbours as placeholders,
//! its tables, its version history and its links. [`write_result`] runs
//! inside the savepoint [`StoreWriter::commit_devices`](super::StoreWriter::commit_devices)
//! gives each device, so a device is written whole or not at all.

use super::error::{Context, Result};
use super::rows::{device_values, json_list, parse_protocols, protocols_text};
use crate::identity::normalize_hostname;
use crate::model::{Device, DeviceId, DeviceResult, DeviceStatus, Link, RunId, UnixTime};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params};

/// Everything one device task produced (see
/// [`StoreWriter::commit_device`](super::StoreWriter::commit_device)), on the
/// device's savepoint `tx`.
pub(super) fn write_result(
    tx: &Connection,
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
/// optional facts it lacks keep their stored values.
const UPSERT_OWN: &str = concat!(
    insert_device!(),
    "ON CONFLICT(id) DO UPDATE SET
        hostname = excluded.hostname,
        norm_hostname = excluded.norm_hostname,
        hostname_raw = COALESCE(excluded.hostname_raw, hostname_raw),
        serial = COALESCE(excluded.serial, serial),
        platform = COALESCE(excluded.platform, platform),
        model = COALESCE(excluded.model, model),
        version = COALESCE(excluded.version, version),
        uptime = COALESCE(excluded.uptime, uptime),
        mgmt_ip = COALESCE(excluded.mgmt_ip, mgmt_ip),
        status = excluded.status,
        reason = excluded.reason,
        error_class = excluded.error_class,
        depth = excluded.depth,
        parent = COALESCE(excluded.parent, parent),
        via = COALESCE(excluded.via, via),
        method = COALESCE(excluded.method, method),
        capabilities = CASE WHEN excluded.capabilities = '[]' THEN capabilities ELSE excluded.capabilities END,
        platform_text = COALESCE(excluded.platform_text, platform_text),
        last_seen = excluded.last_seen,
        last_walked = COALESCE(excluded.last_walked, last_walked),
        failure_count = CASE excluded.status WHEN 'walked' THEN 0 WHEN 'failed' THEN failure_count + 1 ELSE failure_count END,
        seen_run = COALESCE(excluded.seen_run, seen_run),
        attempt_run = COALESCE(excluded.attempt_run, attempt_run),
        warnings = excluded.warnings,
        legacy_crypto = excluded.legacy_crypto"
);

/// A neighbour's view of a device. `status IN ('walked','failed')` refers to
/// the stored row: such a row came from the device itself and only gains
/// gap-filling facts.
const UPSERT_PLACEHOLDER: &str = concat!(
    insert_device!(),
    "ON CONFLICT(id) DO UPDATE SET
        hostname = CASE WHEN status IN ('walked','failed') THEN hostname ELSE excluded.hostname END,
        norm_hostname = CASE WHEN status IN ('walked','failed') THEN norm_hostname ELSE excluded.norm_hostname END,
        hostname_raw = COALESCE(hostname_raw, excluded.hostname_raw),
        serial = COALESCE(serial, excluded.serial),
        platform = COALESCE(platform, excluded.platform),
        model = COALESCE(model, excluded.model),
        version = COALESCE(version, excluded.version),
        uptime = COALESCE(uptime, excluded.uptime),
        mgmt_ip = COALESCE(mgmt_ip, excluded.mgmt_ip),
        reason = CASE WHEN status IN ('walked','failed') THEN reason ELSE excluded.reason END,
        error_class = CASE WHEN status IN ('walked','failed') THEN error_class ELSE excluded.error_class END,
        depth = CASE WHEN status IN ('walked','failed') THEN depth ELSE MIN(depth, excluded.depth) END,
        parent = CASE WHEN status IN ('walked','failed') THEN parent ELSE COALESCE(parent, excluded.parent) END,
        via = CASE WHEN status IN ('walked','failed') THEN via ELSE COALESCE(via, excluded.via) END,
        capabilities = CASE WHEN capabilities = '[]' THEN excluded.capabilities ELSE capabilities END,
        platform_text = COALESCE(platform_text, excluded.platform_text),
        last_seen = excluded.last_seen,
        seen_run = COALESCE(excluded.seen_run, seen_run),
        status = CASE WHEN status IN ('walked','failed') THEN status ELSE excluded.status END"
);

/// Writes a device row. `authoritative`: the device's own result (status and
/// error replace the stored ones). Otherwise a placeholder from a neighbour
/// table: fills gaps, never overrides a record that came from the device.
pub(super) fn upsert_device(
    tx: &Connection,
    d: &Device,
    now: UnixTime,
    run: Option<RunId>,
    authoritative: bool,
) -> rusqlite::Result<()> {
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
        Value::Integer(now),
        if authoritative && walked {
            Value::Integer(now)
        } else {
            Value::Null
        },
        Value::Integer(i64::from(authoritative && failed)),
        run.map_or(Value::Null, Value::Integer),
        attempt_run.map_or(Value::Null, Value::Integer),
        Value::Text(json_list(&d.warnings)),
        Value::Integer(i64::from(d.legacy_crypto)),
    ]);
    if authoritative {
        remember_old_name(tx, d)?;
    }
    let sql = if authoritative {
        UPSERT_OWN
    } else {
        UPSERT_PLACEHOLDER
    };
    tx.prepare_cached(sql)?
        .execute(rusqlite::params_from_iter(values))?;
    add_ips_aliases(tx, d)
}

/// When a device's own record renames it (a neighbour called it `CORE1-LLDP`,
/// its prompt says `core1`), the old name becomes an alias so lookups by it
/// still work. IP-literal placeholder names are not names and are dropped.
fn remember_old_name(tx: &Connection, d: &Device) -> rusqlite::Result<()> {
    let old: Option<String> = tx
        .prepare_cached("SELECT hostname FROM devices WHERE id = ?1")?
        .query_row([d.id.0], |r| r.get(0))
        .optional()?;
    if let Some(old) = old
        && let Some(norm) = normalize_hostname(&old)
        && normalize_hostname(&d.hostname).as_deref() != Some(norm.as_str())
    {
        tx.prepare_cached("INSERT OR IGNORE INTO aliases (device_id, alias) VALUES (?1, ?2)")?
            .execute(params![d.id.0, old])?;
    }
    Ok(())
}

/// Adds the device's addresses (the management one included) and aliases;
/// ones already stored stay.
pub(super) fn add_ips_aliases(tx: &Connection, d: &Device) -> rusqlite::Result<()> {
    let mut ip_stmt =
        tx.prepare_cached("INSERT OR IGNORE INTO device_ips (device_id, ip) VALUES (?1, ?2)")?;
    for ip in d.ips.iter().chain(d.mgmt_ip.iter()) {
        ip_stmt.execute(params![d.id.0, ip.to_string()])?;
    }
    let mut alias_stmt =
        tx.prepare_cached("INSERT OR IGNORE INTO aliases (device_id, alias) VALUES (?1, ?2)")?;
    for a in &d.aliases {
        alias_stmt.execute(params![d.id.0, a])?;
    }
    Ok(())
}

/// A walked device's interface, stack and VLAN tables replace the stored ones.
fn replace_tables(tx: &Connection, r: &DeviceResult) -> rusqlite::Result<()> {
    let id = r.device.id.0;
    for sql in [
        "DELETE FROM interfaces WHERE device_id = ?1",
        "DELETE FROM stack_members WHERE device_id = ?1",
        "DELETE FROM vlans WHERE device_id = ?1",
    ] {
        tx.prepare_cached(sql)?.execute([id])?;
    }
    // OR REPLACE: a parser that reports one interface twice must not abort the
    // whole device's commit; the last report wins.
    let mut st = tx.prepare_cached(
        "INSERT OR REPLACE INTO interfaces (device_id, name, status, vlan, duplex, speed, type, ip)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for i in &r.interfaces {
        st.execute(params![
            id, i.name, i.status, i.vlan, i.duplex, i.speed, i.kind, i.ip
        ])?;
    }
    let mut st = tx.prepare_cached(
        "INSERT OR REPLACE INTO stack_members (device_id, switch, role, priority, model, serial, mac, hw_version, version, state)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    for m in &r.stack_members {
        st.execute(params![
            id,
            m.switch,
            m.role,
            m.priority,
            m.model,
            m.serial,
            m.mac,
            m.hw_version,
            m.version,
            m.state
        ])?;
    }
    let mut st = tx.prepare_cached(
        "INSERT OR REPLACE INTO vlans (device_id, vlan_id, name, ports, port_channels)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for v in &r.vlans {
        st.execute(params![
            id,
            v.id,
            v.name,
            json_list(&v.ports),
            json_list(&v.port_channels)
        ])?;
    }
    Ok(())
}

/// Appends to the version history when the version differs from the latest.
fn record_version(
    tx: &Connection,
    id: DeviceId,
    version: &str,
    now: UnixTime,
    run: Option<RunId>,
) -> rusqlite::Result<()> {
    let last: Option<String> = tx
        .prepare_cached(
            "SELECT version FROM version_history WHERE device_id = ?1 ORDER BY id DESC LIMIT 1",
        )?
        .query_row([id.0], |r| r.get(0))
        .optional()?;
    if last.as_deref() != Some(version) {
        tx.prepare_cached(
            "INSERT INTO version_history (device_id, version, seen, run_id) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![id.0, version, now, run.map(|r| r.0)])?;
    }
    Ok(())
}

/// Adds a link, or merges its protocols into the stored row of the same
/// physical link (rows are keyed by the link's canonical orientation).
pub(super) fn upsert_link(tx: &Connection, link: &Link, now: UnixTime) -> rusqlite::Result<()> {
    let c = link.canonical();
    let existing: Option<String> = tx
        .prepare_cached(
            "SELECT protocols FROM links WHERE a = ?1 AND a_interface = ?2 AND b = ?3 AND b_interface = ?4",
        )?
        .query_row(params![c.a.0, c.a_interface, c.b.0, c.b_interface], |r| r.get(0))
        .optional()?;
    let mut protocols = c.protocols.clone();
    if let Some(text) = existing {
        protocols.extend(parse_protocols(&text));
    }
    tx.prepare_cached(
        "INSERT INTO links (a, a_interface, b, b_interface, protocols, first_seen, last_seen)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
         ON CONFLICT(a, a_interface, b, b_interface) DO UPDATE SET
            protocols = excluded.protocols, last_seen = excluded.last_seen",
    )?
    .execute(params![
        c.a.0,
        c.a_interface,
        c.b.0,
        c.b_interface,
        protocols_text(&protocols),
        now
    ])?;
    Ok(())
}
