//! Read-only access: [`StoreReader`] and its queries. Each list read is a
//! [`Query`] from [`rows`](super::rows) over some
//! [`Rows`], run by [`select`].

use super::connection;
use super::db::{Db, DbError, DbRow, vals};
use super::dialect::contains_pattern;
use super::error::{Context, Result};
use super::location::StoreLocation;
use super::query::{Query, Rows, select};
use super::rows::{
    ALIASES, DEVICE_IPS, DEVICES, INTERFACES, INTERFACES_WITHOUT_DESCRIPTIONS, LINKS, RUNS,
    STACK_MEMBERS, VLANS, device_from_row, interface_from_row, link_from_row, parse_status,
    run_from_row, stack_member_from_row, vlan_from_row, vlan_row,
};
use super::{Clock, system_clock};
use crate::identity::{Identifiers, IdentityIndex, normalize_hostname};
use crate::model::{
    Device, DeviceId, Interface, Link, Run, RunId, StackMember, StatusCounts, UnixTime, Vlan,
};
use std::cell::OnceCell;
use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::path::Path;

/// Read-only access. Several may be open at once, also while a walk writes.
pub struct StoreReader {
    /// This reader's own connection (WAL: it never blocks the writer); the
    /// writer's reader shares the writer's, so it sees its own writes.
    pub(super) conn: Db,
    /// The store, for messages and for [`location`](Self::location).
    pub(super) location: StoreLocation,
    /// "Now" for [`stale`](Self::stale) and the writer's timestamps;
    /// replaceable so tests can age the store.
    pub(super) clock: Clock,
    /// Whether the store's interfaces have descriptions (schema
    /// migration "interface descriptions" applied), read once: a reader
    /// does not migrate, so an older store is read without them.
    descriptions: OnceCell<bool>,
}

/// A software version a device reported, and when it was first seen running it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionChange {
    /// The version string as the device reported it.
    pub version: String,
    /// When the store first saw the device running it.
    pub seen: UnixTime,
    /// The run that saw it (`None` for commits outside any run).
    pub run: Option<RunId>,
}

impl StoreReader {
    /// Opens an existing store read-only (e.g. for reports while a walk runs).
    pub fn open(store: impl Into<StoreLocation>) -> Result<StoreReader> {
        let location = store.into();
        let conn = match &location {
            StoreLocation::Sqlite(path) => connection::open_reader(path)?,
            StoreLocation::Postgres(url) => connection::open_pg_reader(url)?,
        };
        Ok(StoreReader::over(conn, location))
    }

    /// A reader over an open connection, with the system clock.
    pub(super) fn over(conn: Db, location: StoreLocation) -> StoreReader {
        StoreReader {
            conn,
            location,
            clock: system_clock(),
            descriptions: OnceCell::new(),
        }
    }

    /// Replaces the clock used by [`stale`](Self::stale).
    pub fn with_clock(mut self, clock: Clock) -> StoreReader {
        self.clock = clock;
        self
    }

    /// A handle that aborts this reader's running query from another
    /// thread (the query fails with an interrupted error): how a server
    /// bounds a read that outlives its request's deadline.
    pub fn interrupt_handle(&self) -> Interrupter {
        match &self.conn {
            Db::Sqlite(c) => Interrupter(Interrupt::Sqlite(c.get_interrupt_handle())),
            Db::Pg(c) => Interrupter(Interrupt::Pg(c.canceller())),
        }
    }

    /// The store this reader reads.
    pub fn location(&self) -> &StoreLocation {
        &self.location
    }

    /// The store file this reader reads, when it is an SQLite store.
    pub fn path(&self) -> Option<&Path> {
        self.location.sqlite_path()
    }

    /// Every device, walked or not, by id.
    pub fn devices(&self) -> Result<Vec<Device>> {
        self.devices_matching(Rows::All)
    }

    /// One device, `None` if the store has no such id.
    pub fn device(&self, id: DeviceId) -> Result<Option<Device>> {
        Ok(self
            .devices_matching(Rows::WhereArg("id = ?1", id.0))?
            .pop())
    }

    /// Walked devices whose last successful walk is older than `days` days:
    /// the seeds of `--rewalk-stale DAYS`.
    pub fn stale(&self, days: u32) -> Result<Vec<Device>> {
        let cutoff = (self.clock)() - i64::from(days) * 86_400;
        self.devices_matching(Rows::WhereArg(
            "last_walked IS NOT NULL AND last_walked < ?1",
            cutoff,
        ))
    }

    /// Devices heard of but never successfully walked (placeholders, skipped,
    /// failed): the candidates for `--walk-unwalked`. Filtered ones are
    /// included so a changed filter can let them through; the engine re-applies
    /// filters and the failure threshold.
    pub fn unwalked(&self) -> Result<Vec<Device>> {
        self.devices_matching(Rows::Where("last_walked IS NULL AND status != 'duplicate'"))
    }

    /// Devices of `rows`, by id, each with its addresses and aliases.
    pub(super) fn devices_matching(&self, rows: Rows) -> Result<Vec<Device>> {
        // Rows, addresses and aliases from one state of the store.
        let _snap = self.snapshot()?;
        let mut out = select(&self.conn, &DEVICES, rows, device_from_row)?;
        self.attach_ips_aliases(&mut out)?;
        Ok(out)
    }

    fn attach_ips_aliases(&self, devices: &mut [Device]) -> Result<()> {
        if devices.is_empty() {
            return Ok(());
        }
        let pos: HashMap<i64, usize> = devices
            .iter()
            .enumerate()
            .map(|(i, d)| (d.id.0, i))
            .collect();
        let ctx = || "reading device IPs and aliases".to_string();
        // Whole-inventory reads (reports) take one pass over each side table;
        // a single-device read (merges, seed lookups) uses the index.
        let rows = Rows::of_device(match devices {
            [one] => Some(one.id),
            _ => None,
        });
        select(&self.conn, &DEVICE_IPS, rows, |r| {
            let id: i64 = r.get(0).ctx(ctx)?;
            if let Some(&i) = pos.get(&id) {
                let text: String = r.get(1).ctx(ctx)?;
                let ip = text.parse().map_err(|e| super::StoreError::Corrupt {
                    what: "device IP",
                    detail: format!("device #{id}: {text:?}: {e}"),
                })?;
                devices[i].ips.insert(ip);
            }
            Ok::<_, super::StoreError>(())
        })?;
        select(&self.conn, &ALIASES, rows, |r| {
            let id: i64 = r.get(0)?;
            if let Some(&i) = pos.get(&id) {
                devices[i].aliases.insert(r.get(1)?);
            }
            Ok::<_, DbError>(())
        })?;
        Ok(())
    }

    /// Every link, one per physical link, in canonical order.
    pub fn links(&self) -> Result<Vec<Link>> {
        select(&self.conn, &LINKS, Rows::All, link_from_row)
    }

    /// The links with `id` at either end (both ends are indexed): a device
    /// page's, without reading every link of the store.
    pub fn links_of(&self, id: DeviceId) -> Result<Vec<Link>> {
        select(
            &self.conn,
            &LINKS,
            Rows::WhereArg("a = ?1 OR b = ?1", id.0),
            link_from_row,
        )
    }

    /// Interfaces of one device, by name.
    pub fn interfaces(&self, id: DeviceId) -> Result<Vec<Interface>> {
        let query = self.interfaces_query()?;
        of_one(self.by_device(query, Some(id), interface_from_row), id)
    }

    /// Interfaces of every device.
    pub fn all_interfaces(&self) -> Result<BTreeMap<DeviceId, Vec<Interface>>> {
        self.by_device(self.interfaces_query()?, None, interface_from_row)
    }

    /// Interfaces whose name, address or description contains `needle`
    /// (ASCII case ignored), by device then name: a search by port, address
    /// or what a port connects that does not read every interface of a
    /// large store into memory (one scan of the table).
    pub fn interfaces_containing(&self, needle: &str) -> Result<Vec<(DeviceId, Interface)>> {
        let ctx = || format!("searching interfaces for {needle:?}");
        let dialect = self.conn.dialect();
        let query = self.interfaces_query()?;
        let mut fields = vec!["name", "ip"];
        if self.has_descriptions()? {
            fields.push("description");
        }
        let matches: Vec<String> = fields
            .iter()
            .map(|f| dialect.contains_ci(f, "?1"))
            .collect();
        let sql = format!(
            "SELECT {} FROM interfaces WHERE {} ORDER BY {}",
            query.columns,
            matches.join(" OR "),
            query.order
        );
        let pattern = contains_pattern(needle);
        self.conn
            .query(&sql, vals![pattern], |r| {
                Ok::<_, DbError>((DeviceId(r.get(0)?), interface_from_row(r)?))
            })
            .ctx(ctx)
    }

    /// The interfaces read this store's schema allows.
    fn interfaces_query(&self) -> Result<&'static Query> {
        Ok(match self.has_descriptions()? {
            true => &INTERFACES,
            false => &INTERFACES_WITHOUT_DESCRIPTIONS,
        })
    }

    /// Whether the store's interfaces have a `description` column.
    fn has_descriptions(&self) -> Result<bool> {
        if let Some(&known) = self.descriptions.get() {
            return Ok(known);
        }
        let version: Option<i64> = self
            .conn
            .query_opt("SELECT version FROM schema_version", &[], |r| r.get(0))
            .ctx(|| "reading the schema version".into())?;
        let first = super::schema::descriptions_version(self.conn.dialect().migrations());
        let has = first > 0 && version.unwrap_or(0) >= first;
        Ok(*self.descriptions.get_or_init(|| has))
    }

    /// Stack members of one device, by switch number.
    pub fn stack_members(&self, id: DeviceId) -> Result<Vec<StackMember>> {
        of_one(
            self.by_device(&STACK_MEMBERS, Some(id), stack_member_from_row),
            id,
        )
    }

    /// Stack members of every device.
    pub fn all_stack_members(&self) -> Result<BTreeMap<DeviceId, Vec<StackMember>>> {
        self.by_device(&STACK_MEMBERS, None, stack_member_from_row)
    }

    /// VLANs of one device, by id.
    pub fn vlans(&self, id: DeviceId) -> Result<Vec<Vlan>> {
        of_one(self.vlans_of(Some(id)), id)
    }

    /// VLANs of every device.
    pub fn all_vlans(&self) -> Result<BTreeMap<DeviceId, Vec<Vlan>>> {
        self.vlans_of(None)
    }

    fn vlans_of(&self, one: Option<DeviceId>) -> Result<BTreeMap<DeviceId, Vec<Vlan>>> {
        let mut out = BTreeMap::new();
        for (id, rows) in self.by_device(&VLANS, one, vlan_row)? {
            let vlans = rows.into_iter().map(|v| vlan_from_row(id, v));
            out.insert(id, vlans.collect::<Result<_>>()?);
        }
        Ok(out)
    }

    /// Rows of a per-device table grouped by device (in the query's order);
    /// `one` limits the read to one device. `row` sees `device_id` as
    /// column 0 and the rest of the query's columns from column 1 on.
    fn by_device<T>(
        &self,
        query: &Query,
        one: Option<DeviceId>,
        mut row: impl FnMut(&DbRow<'_>) -> Result<T, DbError>,
    ) -> Result<BTreeMap<DeviceId, Vec<T>>> {
        let mut out: BTreeMap<DeviceId, Vec<T>> = BTreeMap::new();
        select(&self.conn, query, Rows::of_device(one), |r| {
            out.entry(DeviceId(r.get(0)?)).or_default().push(row(r)?);
            Ok::<_, DbError>(())
        })?;
        Ok(out)
    }

    /// Software versions a device has reported, oldest first.
    pub fn version_history(&self, id: DeviceId) -> Result<Vec<VersionChange>> {
        let ctx = || format!("reading the version history of device {id}");
        self.conn
            .query(
                "SELECT version, seen, run_id FROM version_history WHERE device_id = ?1 ORDER BY id",
                vals![id.0],
                |r| {
                    Ok::<_, DbError>(VersionChange {
                        version: r.get(0)?,
                        seen: r.get(1)?,
                        run: r.get::<Option<i64>>(2)?.map(RunId),
                    })
                },
            )
            .ctx(ctx)
    }

    /// Consecutive failed attempts of a device (0 if unknown).
    pub fn failure_count(&self, id: DeviceId) -> Result<u32> {
        self.conn
            .query_opt(
                "SELECT failure_count FROM devices WHERE id = ?1",
                vals![id.0],
                |r| r.get(0),
            )
            .ctx(|| format!("reading the failure count of device {id}"))
            .map(Option::unwrap_or_default)
    }

    /// The management address (else any known address) of a device known by
    /// this name or alias: how seeds without an IP are resolved before DNS.
    pub fn ip_for_hostname(&self, name: &str) -> Result<Option<IpAddr>> {
        // Every read below from one state of the store (the guard must live).
        let _snap = self.snapshot()?;
        let Some(norm) = normalize_hostname(name) else {
            return Ok(None);
        };
        let ctx = || format!("looking up {name:?} in the store");
        let mut ids: Vec<i64> = self
            .conn
            .query::<_, DbError>(
                "SELECT id FROM devices WHERE norm_hostname = ?1 ORDER BY id",
                vals![norm],
                |r| r.get(0),
            )
            .ctx(ctx)?;
        if ids.is_empty() {
            ids.extend(self.first_with_alias(&norm).ctx(ctx)?);
        }
        for id in ids {
            if let Some(d) = self.device(DeviceId(id))?
                && let Some(ip) = d.mgmt_ip.or_else(|| d.ips.iter().next().copied())
            {
                return Ok(Some(ip));
            }
        }
        Ok(None)
    }

    /// The lowest device id with an alias that normalises to `norm`.
    fn first_with_alias(&self, norm: &str) -> Result<Option<i64>, DbError> {
        // Aliases are stored in display form; compare normalised.
        let rows = self.conn.query(
            "SELECT device_id, alias FROM aliases ORDER BY device_id",
            &[],
            |r| Ok::<_, DbError>((r.get::<i64>(0)?, r.get::<String>(1)?)),
        )?;
        Ok(rows
            .into_iter()
            .find(|(_, alias)| normalize_hostname(alias).as_deref() == Some(norm))
            .map(|(id, _)| id))
    }

    /// Device counts by status over the whole store.
    pub fn status_counts(&self) -> Result<StatusCounts> {
        let ctx = || "counting devices by status".to_string();
        let rows = self
            .conn
            .query(
                "SELECT status, COUNT(*) FROM devices GROUP BY status",
                &[],
                |r| Ok::<_, DbError>((r.get::<String>(0)?, r.get::<i64>(1)?)),
            )
            .ctx(ctx)?;
        let mut counts = StatusCounts::default();
        for (status, n) in rows {
            counts.add(parse_status(&status, "")?, n as u64);
        }
        Ok(counts)
    }

    /// Every run, oldest first.
    pub fn runs(&self) -> Result<Vec<Run>> {
        select(&self.conn, &RUNS, Rows::All, run_from_row)
    }

    /// One run, `None` if the store has no such id.
    pub fn run(&self, id: RunId) -> Result<Option<Run>> {
        Ok(select(
            &self.conn,
            &RUNS,
            Rows::WhereArg("id = ?1", id.0),
            run_from_row,
        )?
        .pop())
    }

    /// Rebuilds the identity index from the store, so a new run recognises
    /// every device earlier runs saw (stack member serials included).
    pub fn identity_index(&self) -> Result<IdentityIndex> {
        // Every read below from one state of the store (the guard must live).
        let _snap = self.snapshot()?;
        let stacks = self.all_stack_members()?;
        let mut idx = IdentityIndex::new();
        for d in self.devices()? {
            let members = stacks.get(&d.id).map(Vec::as_slice).unwrap_or_default();
            idx.insert_with_id(d.id, &Identifiers::of_device(&d, members));
        }
        Ok(idx)
    }
}

/// Stops a reader's running query from another thread (see
/// [`StoreReader::interrupt_handle`]).
pub struct Interrupter(Interrupt);

/// How each engine is interrupted.
enum Interrupt {
    /// SQLite's own handle: the query fails with "interrupted".
    Sqlite(rusqlite::InterruptHandle),
    /// A PostgreSQL cancel request, sent on a thread of its own.
    Pg(super::pg::PgCancel),
}

impl Interrupter {
    /// Interrupts the query running now, if any; returns at once.
    pub fn interrupt(&self) {
        match &self.0 {
            Interrupt::Sqlite(h) => h.interrupt(),
            Interrupt::Pg(c) => c.cancel(),
        }
    }
}

/// One device's group of a [`StoreReader::by_device`] read.
fn of_one<T>(groups: Result<BTreeMap<DeviceId, Vec<T>>>, id: DeviceId) -> Result<Vec<T>> {
    Ok(groups?.remove(&id).unwrap_or_default())
}
