//! The inventory sheets built from a [`Snapshot`]: Summary, Devices,
//! Stack Members, Connections, VLANs, Failures, then End Hosts and End
//! Host Ports (`super::endhosts`). Each sheet has its own builder;
//! [`inventory_tables`] runs them in order.

use crate::model::{
    Device, DeviceId, DeviceStatus, Link, Run, StackMember, UnixTime, normalize_interface,
};
use crate::site::SiteMap;
use crate::snapshot::Snapshot;
use crate::stamp::format_time;
use crate::table::{Cell, Table};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Which devices a set of tables covers.
pub struct Scope<'a> {
    /// The site the tables are about; `None`: the whole network.
    pub site: Option<&'a str>,
    /// Every device's site, when a site pattern is used: it decides which
    /// devices are in `site`, and adds the site columns.
    pub sites: Option<&'a SiteMap>,
}

impl Scope<'_> {
    /// The whole network, without site columns.
    pub const WHOLE: Scope<'static> = Scope {
        site: None,
        sites: None,
    };

    /// Whether device `id` is in the scope.
    pub(super) fn contains(&self, id: DeviceId) -> bool {
        match (self.site, self.sites) {
            (Some(site), Some(map)) => map.site(id) == Some(site),
            _ => true,
        }
    }
}

/// The inventory sheets: Summary, Devices, Stack Members, Connections,
/// VLANs, Failures, End Hosts, End Host Ports. With a site map, Devices gains a Site column and
/// Connections gain Neighbor Site and Scope (intra-site / external).
pub fn inventory_tables(snap: &Snapshot, scope: &Scope<'_>, generated: UnixTime) -> Vec<Table> {
    let cx = Sheets::new(snap, scope);
    let devices = devices_table(&cx);
    let stack = stack_table(&cx);
    let connections = connections_table(&cx);
    let vlans = vlans_table(&cx);
    let failures = failures_table(&cx);
    let [hosts, host_ports] = super::endhosts::endhost_tables(snap, scope);
    let mut summary = summary_table(&cx, &connections, &stack, &vlans, generated);
    summary_endhosts(&mut summary, &hosts);
    vec![
        summary,
        devices,
        stack,
        connections,
        vlans,
        failures,
        hosts,
        host_ports,
    ]
}

/// What every sheet builder reads: the snapshot, the scope and the lookups
/// built from them once.
struct Sheets<'a> {
    /// The inventory the sheets describe.
    snap: &'a Snapshot,
    /// Which devices they cover and whether they show sites.
    scope: &'a Scope<'a>,
    /// Every device by id (in scope or not): names of parents and neighbours.
    by_id: HashMap<DeviceId, &'a Device>,
    /// The devices the sheets list, in the snapshot's order.
    in_scope: Vec<&'a Device>,
}

impl<'a> Sheets<'a> {
    fn new(snap: &'a Snapshot, scope: &'a Scope<'a>) -> Sheets<'a> {
        Sheets {
            snap,
            scope,
            by_id: snap.devices.iter().map(|d| (d.id, d)).collect(),
            in_scope: snap
                .devices
                .iter()
                .filter(|d| scope.contains(d.id))
                .collect(),
        }
    }

    /// A device's hostname, else its id (a link to a device the store lacks).
    fn name(&self, id: DeviceId) -> String {
        self.by_id
            .get(&id)
            .map(|d| d.hostname.clone())
            .unwrap_or_else(|| id.to_string())
    }

    fn site_of(&self, id: DeviceId) -> Option<String> {
        self.scope
            .sites
            .and_then(|m| m.site(id))
            .map(str::to_string)
    }

    fn with_sites(&self) -> bool {
        self.scope.sites.is_some()
    }

    fn stack_of(&self, id: DeviceId) -> &'a [StackMember] {
        self.snap.stacks.get(&id).map(Vec::as_slice).unwrap_or(&[])
    }
}

fn platform_text(d: &Device) -> Option<String> {
    d.platform
        .map(|p| p.as_str().to_string())
        .or_else(|| d.platform_text.clone())
}

/// The management address, else any address the device is known by.
fn device_ip(d: &Device) -> Cell {
    Cell::opt(d.mgmt_ip.or_else(|| d.ips.iter().next().copied()))
}

const DEVICE_COLUMNS: [&str; 20] = [
    "Hostname",
    "IP",
    "Platform",
    "Model",
    "Serial",
    "Software Version",
    "Uptime",
    "Stack",
    "Stack Role",
    "Stack Members",
    "Depth",
    "Discovered Via",
    "Parent",
    "Connection Method",
    "First Seen",
    "Last Seen",
    "Status",
    "Reason",
    "Warnings",
    "Legacy Crypto",
];

/// Devices: one row per in-scope device with its facts.
fn devices_table(cx: &Sheets<'_>) -> Table {
    let mut cols = DEVICE_COLUMNS.to_vec();
    if cx.with_sites() {
        cols.push("Site");
    }
    let mut t = Table::new("Devices", &cols);
    for d in &cx.in_scope {
        let mut row = device_row(cx, d);
        if cx.with_sites() {
            row.push(Cell::opt(cx.site_of(d.id)));
        }
        t.rows.push(row);
    }
    t
}

/// A device's cells in [`DEVICE_COLUMNS`] order.
fn device_row(cx: &Sheets<'_>, d: &Device) -> Vec<Cell> {
    let members = cx.stack_of(d.id);
    let is_stack = members.len() > 1;
    vec![
        Cell::text(&d.hostname),
        device_ip(d),
        Cell::opt(platform_text(d)),
        Cell::opt(d.model.as_ref()),
        Cell::opt(d.serial.as_ref()),
        Cell::opt(d.version.as_ref()),
        Cell::opt(d.uptime.as_ref()),
        Cell::Bool(is_stack),
        if is_stack {
            Cell::opt(stack_role(d, members))
        } else {
            Cell::Empty
        },
        Cell::int(if is_stack { members.len() as i64 } else { 0 }),
        Cell::int(d.depth),
        Cell::opt(d.via),
        Cell::opt(d.parent.map(|p| cx.name(p))),
        Cell::opt(d.method),
        Cell::text(format_time(d.first_seen)),
        Cell::text(format_time(d.last_seen)),
        Cell::text(d.status.as_str()),
        Cell::opt(d.reason.as_ref()),
        Cell::text(d.warnings.join("\n")),
        Cell::Bool(d.legacy_crypto),
    ]
}

/// The role of the member the device answers as (its serial), else the
/// active/master member's number: "which box am I logged into".
fn stack_role(d: &Device, members: &[StackMember]) -> Option<String> {
    members
        .iter()
        .find(|m| m.serial.is_some() && m.serial == d.serial)
        .and_then(|m| m.role.clone())
        .or_else(|| {
            members
                .iter()
                .find(|m| {
                    m.role.as_deref().is_some_and(|r| {
                        let r = r.to_ascii_lowercase();
                        r == "active" || r == "master"
                    })
                })
                .map(|m| format!("active is switch {}", m.switch))
        })
}

/// Stack Members: every member of every in-scope device's stack.
fn stack_table(cx: &Sheets<'_>) -> Table {
    let mut t = Table::new(
        "Stack Members",
        &[
            "Device", "Switch", "Role", "Priority", "Model", "Serial", "MAC", "Version", "State",
        ],
    );
    for d in &cx.in_scope {
        for m in cx.stack_of(d.id) {
            t.rows.push(vec![
                Cell::text(&d.hostname),
                Cell::int(m.switch),
                Cell::opt(m.role.as_ref()),
                m.priority.map_or(Cell::Empty, Cell::int),
                Cell::opt(m.model.as_ref()),
                Cell::opt(m.serial.as_ref()),
                Cell::opt(m.mac.as_ref()),
                Cell::opt(m.version.as_ref()),
                Cell::opt(m.state.as_ref()),
            ]);
        }
    }
    t
}

/// One end of a link seen from its device: (device, its interface,
/// neighbour, the neighbour's interface).
type LinkEnd<'l> = (DeviceId, &'l String, DeviceId, &'l String);

/// Connections: one row per link end whose device read it (walked), so
/// each device's neighbour view is complete; a link no in-scope walked
/// device reported is listed once, from its first in-scope end. Sorted by
/// device name, then local interface.
fn connections_table(cx: &Sheets<'_>) -> Table {
    let mut cols = vec![
        "Device",
        "Local Interface",
        "Neighbor",
        "Neighbor Interface",
        "Protocols",
        "Neighbor Platform",
        "Neighbor Capabilities",
    ];
    if cx.with_sites() {
        cols.extend(["Neighbor Site", "Scope"]);
    }
    let mut t = Table::new("Connections", &cols);
    let mut rows: Vec<(String, String, Vec<Cell>)> = Vec::new();
    for l in &cx.snap.links {
        for end in listed_ends(cx, l) {
            let (dev, dev_if, ..) = end;
            rows.push((
                cx.name(dev).to_lowercase(),
                dev_if.clone(),
                connection_row(cx, l, end),
            ));
        }
    }
    rows.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    t.rows = rows.into_iter().map(|(_, _, r)| r).collect();
    t
}

/// The ends of `l` the Connections sheet lists: its in-scope walked ends,
/// else its first in-scope end (a loop on one device counts once).
fn listed_ends<'l>(cx: &Sheets<'_>, l: &'l Link) -> Vec<LinkEnd<'l>> {
    let ends = [
        (l.a, &l.a_interface, l.b, &l.b_interface),
        (l.b, &l.b_interface, l.a, &l.a_interface),
    ];
    let in_ends: Vec<LinkEnd<'l>> = ends
        .into_iter()
        .filter(|e| cx.scope.contains(e.0))
        .take(if l.a == l.b { 1 } else { 2 })
        .collect();
    let walked: Vec<LinkEnd<'l>> = in_ends
        .iter()
        .filter(|e| {
            cx.by_id
                .get(&e.0)
                .is_some_and(|d| d.status == DeviceStatus::Walked)
        })
        .copied()
        .collect();
    if walked.is_empty() {
        in_ends.into_iter().take(1).collect()
    } else {
        walked
    }
}

/// One Connections row: `end` of `l` with what we know of the neighbour.
fn connection_row(cx: &Sheets<'_>, l: &Link, end: LinkEnd<'_>) -> Vec<Cell> {
    let (dev, dev_if, nb, nb_if) = end;
    let nbd = cx.by_id.get(&nb);
    let protocols: Vec<&str> = l.protocols.iter().map(|p| p.as_str()).collect();
    let mut row = vec![
        Cell::text(cx.name(dev)),
        Cell::text(dev_if.as_str()),
        Cell::text(cx.name(nb)),
        Cell::text(nb_if.as_str()),
        Cell::text(protocols.join(", ")),
        Cell::opt(nbd.and_then(|d| platform_text(d).or_else(|| d.model.clone()))),
        Cell::text(nbd.map(|d| d.capabilities.join(", ")).unwrap_or_default()),
    ];
    if cx.with_sites() {
        let (s1, s2) = (cx.site_of(dev), cx.site_of(nb));
        row.push(Cell::opt(s2.clone()));
        row.push(Cell::text(if s1 == s2 { "intra-site" } else { "external" }));
    }
    row
}

/// VLANs: every VLAN of every in-scope device, with how many of its ports
/// are up according to the interface table.
fn vlans_table(cx: &Sheets<'_>) -> Table {
    let mut t = Table::new(
        "VLANs",
        &[
            "Device",
            "VLAN",
            "Name",
            "Port Count",
            "Connected Ports",
            "Port-Channels",
            "Ports",
        ],
    );
    for d in &cx.in_scope {
        let up = up_ports(cx, d.id);
        for v in cx.snap.vlans.get(&d.id).into_iter().flatten() {
            let connected = v
                .ports
                .iter()
                .filter(|p| up.contains(&normalize_interface(p)))
                .count();
            t.rows.push(vec![
                Cell::text(&d.hostname),
                Cell::int(v.id),
                Cell::text(&v.name),
                Cell::int(v.ports.len() as i64),
                Cell::int(connected as i64),
                Cell::text(v.port_channels.join(", ")),
                Cell::text(v.ports.join(", ")),
            ]);
        }
    }
    t
}

/// A device's interfaces that are up (`connected` or `up`), normalised.
fn up_ports(cx: &Sheets<'_>, id: DeviceId) -> BTreeSet<String> {
    cx.snap
        .interfaces
        .get(&id)
        .into_iter()
        .flatten()
        .filter(|i| {
            i.status.as_deref().is_some_and(|s| {
                let s = s.to_ascii_lowercase();
                s == "connected" || s == "up"
            })
        })
        .map(|i| normalize_interface(&i.name))
        .collect()
}

/// The Failures sheet for the whole network.
pub fn failures(snap: &Snapshot) -> Table {
    failures_table(&Sheets::new(snap, &Scope::WHOLE))
}

/// Failures: the in-scope devices we could not walk, and why.
fn failures_table(cx: &Sheets<'_>) -> Table {
    let mut t = Table::new(
        "Failures",
        &["Device", "IP", "Error Class", "Message", "Attempts"],
    );
    for d in cx
        .in_scope
        .iter()
        .filter(|d| d.status == DeviceStatus::Failed)
    {
        t.rows.push(vec![
            Cell::text(&d.hostname),
            device_ip(d),
            Cell::opt(d.error_class.as_ref()),
            Cell::opt(d.reason.as_ref()),
            Cell::int(d.failure_count),
        ]);
    }
    t
}

/// Summary: when, what scope, the last run, then counts.
fn summary_table(
    cx: &Sheets<'_>,
    connections: &Table,
    stack: &Table,
    vlans: &Table,
    generated: UnixTime,
) -> Table {
    let mut t = Table::new("Summary", &["Item", "Value"]);
    kv(
        &mut t,
        "Report generated",
        Cell::text(format_time(generated)),
    );
    let scope = match cx.scope.site {
        Some(s) => format!("site {s}"),
        None => "whole network".into(),
    };
    kv(&mut t, "Scope", Cell::text(scope));
    summary_runs(&mut t, &cx.snap.runs);
    summary_counts(&mut t, cx);
    kv(&mut t, "Connection rows", count(connections.rows.len()));
    kv(&mut t, "Stack members", count(stack.rows.len()));
    kv(&mut t, "VLAN entries", count(vlans.rows.len()));
    summary_platforms(&mut t, &cx.in_scope);
    t
}

/// One Summary row.
fn kv(t: &mut Table, k: &str, v: Cell) {
    t.rows.push(vec![Cell::text(k), v]);
}

fn count(n: usize) -> Cell {
    Cell::int(n as i64)
}

/// How many runs, and when the last one started, finished and from where.
fn summary_runs(t: &mut Table, runs: &[Run]) {
    kv(t, "Runs recorded", count(runs.len()));
    let Some(run) = runs.last() else { return };
    kv(t, "Last run started", Cell::text(format_time(run.started)));
    match run.finished {
        Some(f) => {
            kv(t, "Last run finished", Cell::text(format_time(f)));
            let took = Cell::text(format_duration(f - run.started));
            kv(t, "Last run duration", took);
        }
        None => kv(
            t,
            "Last run finished",
            Cell::text("not finished (interrupted or still running)"),
        ),
    }
    kv(t, "Seeds", Cell::text(seeds_of(run).join(", ")));
}

fn format_duration(secs: i64) -> String {
    let secs = secs.max(0);
    format!("{}h {:02}m {:02}s", secs / 3600, secs / 60 % 60, secs % 60)
}

/// Devices by status, links touching them, warnings, legacy crypto.
fn summary_counts(t: &mut Table, cx: &Sheets<'_>) {
    let in_scope = &cx.in_scope;
    kv(t, "Devices", count(in_scope.len()));
    for s in DeviceStatus::ALL {
        let n = in_scope.iter().filter(|d| d.status == s).count();
        kv(t, &format!("Devices {}", s.as_str()), count(n));
    }
    let ids: BTreeSet<DeviceId> = in_scope.iter().map(|d| d.id).collect();
    let links = cx
        .snap
        .links
        .iter()
        .filter(|l| ids.contains(&l.a) || ids.contains(&l.b))
        .count();
    kv(t, "Links", count(links));
    let warned = in_scope.iter().filter(|d| !d.warnings.is_empty()).count();
    kv(t, "Devices with warnings", count(warned));
    let legacy = in_scope.iter().filter(|d| d.legacy_crypto).count();
    kv(t, "Devices on legacy SSH crypto", count(legacy));
}

/// How many end hosts, and how many of them are located, ambiguous, unknown.
fn summary_endhosts(t: &mut Table, hosts: &Table) {
    kv(t, "End hosts", count(hosts.rows.len()));
    let Some(col) = hosts.column("Status") else {
        return;
    };
    for status in ["located", "ambiguous", "unknown"] {
        let n = hosts
            .rows
            .iter()
            .filter(|r| r[col].to_plain() == status)
            .count();
        kv(t, &format!("End hosts {status}"), count(n));
    }
}

/// How many devices of each platform, then of each model.
fn summary_platforms(t: &mut Table, in_scope: &[&Device]) {
    let mut platforms: BTreeMap<String, i64> = BTreeMap::new();
    let mut models: BTreeMap<String, i64> = BTreeMap::new();
    for d in in_scope {
        if let Some(p) = platform_text(d) {
            *platforms.entry(p).or_default() += 1;
        }
        if let Some(m) = &d.model {
            *models.entry(m.clone()).or_default() += 1;
        }
    }
    for (p, n) in platforms {
        kv(t, &format!("Platform: {p}"), Cell::int(n));
    }
    for (m, n) in models {
        kv(t, &format!("Model: {m}"), Cell::int(n));
    }
}

/// Seeds as the engine recorded them in the run's options (`"seeds"`: a list
/// of strings or objects).
fn seeds_of(run: &Run) -> Vec<String> {
    match run.options.get("seeds") {
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect(),
        Some(serde_json::Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}
