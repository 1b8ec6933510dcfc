//! Folding two records that identity proved to be one device into one:
//! [`merge_records`] chooses the facts, [`StoreWriter::merge_devices`]
//! moves the rows.

use super::StoreWriter;
use super::commit::{add_ips_aliases, upsert_link};
use super::db::{Db, DbError, Value, vals};
use super::error::{Context, Result};
use super::query::{Rows, select};
use super::rows::{DEVICE_STORED_COLUMNS, LINKS, device_values, json_list, link_from_row};
use crate::model::{Device, DeviceId, UnixTime};

impl StoreWriter {
    /// Folds device `gone` into `keep` after identity proved them one device
    /// (see [`crate::identity::Observation::merged`]): IPs, aliases (including
    /// `gone`'s hostname), tables, links and parent references move to
    /// `keep`; facts `keep` lacks are taken from `gone`; `gone` is deleted.
    /// If `keep` is not stored yet, `gone`'s record moves to the `keep` id;
    /// if `gone` is not stored, there is nothing to do.
    pub fn merge_devices(&mut self, keep: DeviceId, gone: DeviceId) -> Result<()> {
        if keep == gone {
            return Ok(());
        }
        let now = self.now();
        let Some(plan) = self.plan_merge(keep, gone)? else {
            // Already merged (e.g. a replayed message), or never stored:
            // nothing to do.
            return Ok(());
        };
        let ctx = || format!("merging device {gone} into {keep}");
        let tx = self.tx("a merge")?;
        if plan.copy_first {
            tx.execute(
                &format!(
                    "INSERT INTO devices (id, {DEVICE_STORED_COLUMNS}) SELECT CAST(?1 AS BIGINT), {DEVICE_STORED_COLUMNS} FROM devices WHERE id = ?2"
                ),
                vals![keep.0, gone.0],
            )
            .ctx(ctx)?;
        }
        write_full_row(&tx, &plan.merged, &plan.meta).ctx(ctx)?;
        move_rows(&tx, keep, gone).ctx(ctx)?;
        rekey_links(&tx, keep, gone, now, &ctx)?;
        tx.execute("DELETE FROM devices WHERE id = ?1", vals![gone.0])
            .ctx(ctx)?;
        tx.commit().ctx(ctx)
    }

    /// The merged record of `keep` and `gone`, or `None` if `gone` is not
    /// stored.
    fn plan_merge(&self, keep: DeviceId, gone: DeviceId) -> Result<Option<MergePlan>> {
        let reader = &self.reader;
        let Some(g) = reader.device(gone)? else {
            return Ok(None);
        };
        let meta_g = row_meta(&reader.conn, gone)?;
        // The identity index keeps the oldest id, which may belong to a
        // sighting not committed yet; then `gone`'s row simply moves to it.
        let (k, meta_k, copy_first) = match reader.device(keep)? {
            Some(k) => (k, row_meta(&reader.conn, keep)?, false),
            None => {
                let mut k = g.clone();
                k.id = keep;
                (k, meta_g, true)
            }
        };
        let (merged, meta) = merge_records(k, meta_k, g, meta_g);
        Ok(Some(MergePlan {
            merged,
            meta,
            copy_first,
        }))
    }
}

/// What a merge writes, decided before its transaction starts.
struct MergePlan {
    /// The one record the two become, under `keep`'s id.
    merged: Device,
    /// Its store-only columns.
    meta: RowMeta,
    /// `keep` has no row yet: `gone`'s row is copied to `keep`'s id first.
    copy_first: bool,
}

/// Moves `gone`'s addresses, aliases, tables, version history and children
/// to `keep` (the merged record's own aliases were written with its row).
fn move_rows(tx: &Db, keep: DeviceId, gone: DeviceId) -> Result<(), DbError> {
    for sql in [
        "INSERT INTO device_ips (device_id, ip) SELECT CAST(?1 AS BIGINT), ip FROM device_ips WHERE device_id = ?2 ON CONFLICT DO NOTHING",
        "INSERT INTO aliases (device_id, alias) SELECT CAST(?1 AS BIGINT), alias FROM aliases WHERE device_id = ?2 ON CONFLICT DO NOTHING",
    ] {
        tx.execute(sql, vals![keep.0, gone.0])?;
    }
    // Rows `keep` has under the same key stay as they are; `gone`'s copies
    // go with its row (ON DELETE CASCADE).
    for (table, key) in [
        ("interfaces", &["name"][..]),
        ("stack_members", &["switch"]),
        ("vlans", &["vlan_id"]),
        ("mac_sightings", &["port", "vlan", "mac"]),
        ("port_bundles", &["port"]),
    ] {
        tx.execute(&move_unless_taken(table, key), vals![keep.0, gone.0])?;
    }
    for sql in [
        "UPDATE version_history SET device_id = ?1 WHERE device_id = ?2",
        "UPDATE devices SET parent = ?1 WHERE parent = ?2",
    ] {
        tx.execute(sql, vals![keep.0, gone.0])?;
    }
    Ok(())
}

/// Moves `table`'s rows of device `?2` to device `?1`, except those whose
/// `key` (the rest of the primary key after `device_id`) `?1` already has:
/// SQLite's `UPDATE OR IGNORE`, in SQL both engines speak.
fn move_unless_taken(table: &str, key: &[&str]) -> String {
    let same: Vec<String> = key.iter().map(|k| format!("k.{k} = {table}.{k}")).collect();
    format!(
        "UPDATE {table} SET device_id = ?1 WHERE device_id = ?2 AND NOT EXISTS \
         (SELECT 1 FROM {table} k WHERE k.device_id = ?1 AND {})",
        same.join(" AND ")
    )
}

/// Re-keys `gone`'s links onto `keep`, merging with rows that become equal.
/// A link between the two records of the one device was an artefact of not
/// knowing they were one, so it is dropped.
fn rekey_links(
    tx: &Db,
    keep: DeviceId,
    gone: DeviceId,
    now: UnixTime,
    ctx: &dyn Fn() -> String,
) -> Result<()> {
    let moved = select(
        tx,
        &LINKS,
        Rows::WhereArg("a = ?1 OR b = ?1", gone.0),
        link_from_row,
    )?;
    tx.execute("DELETE FROM links WHERE a = ?1 OR b = ?1", vals![gone.0])
        .ctx(ctx)?;
    for mut l in moved {
        let was_internal = (l.a == gone || l.a == keep) && (l.b == gone || l.b == keep);
        if was_internal {
            continue;
        }
        if l.a == gone {
            l.a = keep;
        }
        if l.b == gone {
            l.b = keep;
        }
        upsert_link(tx, &l, now).ctx(ctx)?;
    }
    Ok(())
}

/// Store-only columns of a device row that the model doesn't carry; a
/// merge must combine them too, or the merged device would lose its walk
/// time and its runs.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct RowMeta {
    /// Last successful walk: ranks the records and keeps `--rewalk-stale` right.
    last_walked: Option<UnixTime>,
    /// The latest run that heard of the device (the `--resume` frontier).
    seen_run: Option<i64>,
    /// The run that attempted the device (`--resume`'s "done").
    attempt_run: Option<i64>,
}

/// A device's [`RowMeta`] (all `None` if it has no row).
fn row_meta(conn: &Db, id: DeviceId) -> Result<RowMeta> {
    conn.query_opt(
        "SELECT last_walked, seen_run, attempt_run FROM devices WHERE id = ?1",
        vals![id.0],
        |r| {
            Ok(RowMeta {
                last_walked: r.get(0)?,
                seen_run: r.get(1)?,
                attempt_run: r.get(2)?,
            })
        },
    )
    .ctx(|| format!("reading device {id}"))
    .map(Option::unwrap_or_default)
}

/// Chooses the better record of two that are one device: the one that was
/// attempted (and most recently walked) supplies status and facts, the other
/// fills gaps.
fn merge_records(k: Device, mk: RowMeta, g: Device, mg: RowMeta) -> (Device, RowMeta) {
    let rank =
        |d: &Device, m: &RowMeta| (d.status.is_attempted(), m.last_walked.unwrap_or(i64::MIN));
    let keep_id = k.id;
    let keep_name = k.hostname.clone();
    let (mut best, other, mut meta, ometa) = if rank(&g, &mg) > rank(&k, &mk) {
        (g, k, mg, mk)
    } else {
        (k, g, mk, mg)
    };
    best.id = keep_id;
    macro_rules! fill {
        ($($f:ident),*) => { $( if best.$f.is_none() { best.$f = other.$f.clone(); } )* };
    }
    fill!(
        hostname_raw,
        serial,
        platform,
        model,
        version,
        uptime,
        mgmt_ip,
        parent,
        via,
        method,
        platform_text
    );
    if best.capabilities.is_empty() {
        best.capabilities = other.capabilities.clone();
    }
    best.ips.extend(other.ips.iter().copied());
    best.aliases.extend(other.aliases.iter().cloned());
    for name in [&keep_name, &other.hostname, &best.hostname] {
        best.aliases.insert(name.clone());
    }
    best.hostname = keep_name;
    best.aliases.remove(&best.hostname);
    best.depth = best.depth.min(other.depth);
    best.first_seen = best.first_seen.min(other.first_seen);
    best.last_seen = best.last_seen.max(other.last_seen);
    if best.parent == Some(best.id) {
        best.parent = None;
    }
    meta.seen_run = meta.seen_run.max(ometa.seen_run);
    meta.attempt_run = meta.attempt_run.or(ometa.attempt_run);
    meta.last_walked = meta.last_walked.or(ometa.last_walked);
    (best, meta)
}

/// Every column of a device row: its own, then the bookkeeping a merge
/// computed (`?20` first_seen to `?27` legacy_crypto).
fn full_row_values(d: &Device, m: &RowMeta) -> Vec<Value<'static>> {
    let mut values = device_values(d);
    values.extend([
        Value::Int(d.first_seen),
        Value::Int(d.last_seen),
        m.last_walked.map_or(Value::Null, Value::Int),
        Value::Int(i64::from(d.failure_count)),
        m.seen_run.map_or(Value::Null, Value::Int),
        m.attempt_run.map_or(Value::Null, Value::Int),
        Value::Text(json_list(&d.warnings).into()),
        Value::Int(i64::from(d.legacy_crypto)),
    ]);
    values
}

/// Overwrites every column of a device row (used by merges, where the merged
/// record was computed in Rust).
fn write_full_row(tx: &Db, d: &Device, m: &RowMeta) -> Result<(), DbError> {
    tx.execute(
        "UPDATE devices SET hostname = ?2, norm_hostname = ?3, hostname_raw = ?4, serial = ?5,
            platform = ?6, model = ?7, version = ?8, uptime = ?9, mgmt_ip = ?10, status = ?11,
            reason = ?12, error_class = ?13, depth = ?14, parent = ?15, via = ?16, method = ?17,
            capabilities = ?18, platform_text = ?19, first_seen = ?20, last_seen = ?21,
            last_walked = ?22, failure_count = ?23, seen_run = ?24, attempt_run = ?25,
            warnings = ?26, legacy_crypto = ?27
         WHERE id = ?1",
        &full_row_values(d, m),
    )?;
    add_ips_aliases(tx, d)
}
