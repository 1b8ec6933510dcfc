//! Schema and migrations.
//!
//! Migrations are append-only: a store written by an older netwalker is
//! upgraded in place on open, and a store written by a newer one is refused
//! (rather than silently mis-read). The entries a store lacks are applied in
//! one transaction together with the version bump.

/// Ordered migrations; `MIGRATIONS[i]` takes the store from version `i` to `i + 1`.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: initial schema.
    r#"
CREATE TABLE runs (
    id        INTEGER PRIMARY KEY,
    started   INTEGER NOT NULL,
    finished  INTEGER,
    options   TEXT NOT NULL,
    counts    TEXT
);

-- Walked devices and neighbour placeholders alike: the status says which.
CREATE TABLE devices (
    id            INTEGER PRIMARY KEY,
    hostname      TEXT NOT NULL,
    norm_hostname TEXT,
    hostname_raw  TEXT,
    serial        TEXT,
    platform      TEXT,
    model         TEXT,
    version       TEXT,
    uptime        TEXT,
    mgmt_ip       TEXT,
    status        TEXT NOT NULL,
    reason        TEXT,
    error_class   TEXT,
    depth         INTEGER NOT NULL DEFAULT 0,
    parent        INTEGER,
    via           TEXT,
    method        TEXT,
    capabilities  TEXT NOT NULL DEFAULT '[]',
    platform_text TEXT,
    first_seen    INTEGER NOT NULL,
    last_seen     INTEGER NOT NULL,
    last_walked   INTEGER,
    -- consecutive failed attempts across runs; a successful walk resets it
    failure_count INTEGER NOT NULL DEFAULT 0,
    -- last run that mentioned the device / last run that tried to connect
    seen_run      INTEGER,
    attempt_run   INTEGER
);
CREATE INDEX devices_norm_hostname ON devices(norm_hostname);
CREATE INDEX devices_seen_run ON devices(seen_run);

CREATE TABLE device_ips (
    device_id INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    ip        TEXT NOT NULL,
    PRIMARY KEY (device_id, ip)
) WITHOUT ROWID;
CREATE INDEX device_ips_ip ON device_ips(ip);

CREATE TABLE aliases (
    device_id INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    alias     TEXT NOT NULL,
    PRIMARY KEY (device_id, alias)
) WITHOUT ROWID;

CREATE TABLE interfaces (
    device_id INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    name      TEXT NOT NULL,
    status    TEXT,
    vlan      TEXT,
    duplex    TEXT,
    speed     TEXT,
    type      TEXT,
    ip        TEXT,
    PRIMARY KEY (device_id, name)
) WITHOUT ROWID;

-- Rowid order is insertion order: two changes within one second stay ordered.
CREATE TABLE version_history (
    id        INTEGER PRIMARY KEY,
    device_id INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    version   TEXT NOT NULL,
    seen      INTEGER NOT NULL,
    run_id    INTEGER
);
CREATE INDEX version_history_device ON version_history(device_id);

CREATE TABLE stack_members (
    device_id  INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    switch     INTEGER NOT NULL,
    role       TEXT,
    priority   INTEGER,
    model      TEXT,
    serial     TEXT,
    mac        TEXT,
    hw_version TEXT,
    version    TEXT,
    state      TEXT,
    PRIMARY KEY (device_id, switch)
) WITHOUT ROWID;

CREATE TABLE vlans (
    device_id     INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    vlan_id       INTEGER NOT NULL,
    name          TEXT NOT NULL,
    ports         TEXT NOT NULL,
    port_channels TEXT NOT NULL,
    PRIMARY KEY (device_id, vlan_id)
) WITHOUT ROWID;

-- One row per physical link: endpoints are stored in canonical order
-- (see model::Link::canonical), protocols as a sorted comma list.
CREATE TABLE links (
    a           INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    a_interface TEXT NOT NULL,
    b           INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    b_interface TEXT NOT NULL,
    protocols   TEXT NOT NULL,
    first_seen  INTEGER NOT NULL,
    last_seen   INTEGER NOT NULL,
    PRIMARY KEY (a, a_interface, b, b_interface)
) WITHOUT ROWID;
CREATE INDEX links_b ON links(b);
"#,
    // 2: what a walked device could not answer, and whether it needed
    // legacy SSH algorithms.
    r#"
ALTER TABLE devices ADD COLUMN warnings TEXT NOT NULL DEFAULT '[]';
ALTER TABLE devices ADD COLUMN legacy_crypto INTEGER NOT NULL DEFAULT 0;
"#,
    // 3: end hosts (MACs as 48-bit integers). Where each MAC was learnt (switch, port, VLAN; 0: none
    // printed) and whether that port trunked, and which addresses each MAC
    // answered for, with first/last seen across walks. No index on
    // last_seen: every walk writes it, only the pruning at a run's start
    // reads it (one scan). Sightings are keyed switch first: a walked
    // switch's rows are written together, into neighbouring pages.
    r#"
CREATE TABLE mac_sightings (
    mac        INTEGER NOT NULL,
    device_id  INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    port       TEXT NOT NULL,
    vlan       INTEGER NOT NULL,
    trunk      INTEGER NOT NULL DEFAULT 0,
    first_seen INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    PRIMARY KEY (device_id, port, vlan, mac)
) WITHOUT ROWID;
CREATE INDEX mac_sightings_mac ON mac_sightings(mac);

CREATE TABLE mac_ips (
    mac        INTEGER NOT NULL,
    ip         TEXT NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    PRIMARY KEY (mac, ip)
) WITHOUT ROWID;
CREATE INDEX mac_ips_ip ON mac_ips(ip);

-- Which port-channel each port of a walked switch was bundled into at its
-- latest walk (state, not history: replaced per walk).
CREATE TABLE port_bundles (
    device_id    INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    port         TEXT NOT NULL,
    port_channel TEXT NOT NULL,
    PRIMARY KEY (device_id, port)
) WITHOUT ROWID;
"#,
    // 4: who may use `netwalker serve` when it asks for a login: users
    // (an argon2id PHC string, never the password) and API tokens (the
    // SHA-256 of the token, hex; the token itself is shown once). Plain
    // INTEGER/TEXT so the same statements suit PostgreSQL.
    r#"
CREATE TABLE users (
    name          TEXT NOT NULL PRIMARY KEY,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created       INTEGER NOT NULL,
    updated       INTEGER NOT NULL
);

CREATE TABLE api_tokens (
    name       TEXT NOT NULL PRIMARY KEY,
    user_name  TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created    INTEGER NOT NULL
);
CREATE INDEX api_tokens_user ON api_tokens(user_name);
"#,
    // 5: distributed walks' queue (see schema_pg.rs and store/queue.rs).
    // Distributed walks run on PostgreSQL only; SQLite keeps the same
    // tables, empty, so the two engines' versions mean the same schema.
    r#"
CREATE TABLE walk_queue (
    id        INTEGER PRIMARY KEY,
    run_id    INTEGER NOT NULL,
    state     TEXT NOT NULL,
    params    TEXT NOT NULL,
    submitter TEXT NOT NULL,
    created   INTEGER NOT NULL
);

CREATE TABLE walk_jobs (
    walk_id     INTEGER NOT NULL REFERENCES walk_queue(id) ON DELETE CASCADE,
    device_id   INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    ip          TEXT NOT NULL,
    name        TEXT,
    depth       INTEGER NOT NULL,
    zone        TEXT,
    state       TEXT NOT NULL,
    claimer     TEXT,
    claims      INTEGER NOT NULL DEFAULT 0,
    lease_until INTEGER,
    outcome     TEXT,
    done_at     INTEGER,
    PRIMARY KEY (walk_id, device_id)
);
CREATE INDEX walk_jobs_open ON walk_jobs(depth, seq) WHERE state IN ('queued', 'claimed');
CREATE INDEX walk_jobs_done ON walk_jobs(walk_id, done_at) WHERE state = 'done';
"#,
    // 6: each interface's configured description (`show interfaces
    // description`), searched by `netwalker serve`. No index: search is a
    // substring match, which no B-tree index serves; it scans the table.
    r#"
ALTER TABLE interfaces ADD COLUMN description TEXT;
"#,
];

/// The schema version this build writes.
pub(crate) const CURRENT_VERSION: i64 = MIGRATIONS.len() as i64;

/// How the migration that adds interface descriptions begins, on both
/// engines.
pub(crate) const ADDS_DESCRIPTIONS: &str = "ALTER TABLE interfaces ADD COLUMN description";

/// The first schema version of `migrations` whose interfaces have a
/// `description` column (0 if none has). Found by the migration's text,
/// not a number, so a renumbering cannot leave the reader asking an older
/// store for a column it lacks (readers do not migrate).
pub(crate) fn descriptions_version(migrations: &[&str]) -> i64 {
    migrations
        .iter()
        .position(|m| m.trim_start().starts_with(ADDS_DESCRIPTIONS))
        .map_or(0, |i| i as i64 + 1)
}
