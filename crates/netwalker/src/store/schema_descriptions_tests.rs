//! A store from before interface descriptions: a reader (which never
//! migrates) reads it without them, and a writer upgrades it in place.
//! Built at exactly the version before the descriptions migration, by
//! applying the earlier migrations, so the test holds wherever that
//! migration is numbered.

use super::schema::{MIGRATIONS, descriptions_version};
use super::{StoreReader, StoreWriter};
use crate::model::DeviceId;

/// An SQLite store at the schema version before descriptions, with one
/// device and two interfaces.
fn store_before_descriptions(path: &std::path::Path) {
    let before = descriptions_version(MIGRATIONS) - 1;
    assert!(before >= 1, "the descriptions migration is missing");
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch("CREATE TABLE schema_version (version INTEGER NOT NULL);")
        .unwrap();
    for sql in &MIGRATIONS[..before as usize] {
        conn.execute_batch(sql).unwrap();
    }
    conn.execute("INSERT INTO schema_version (version) VALUES (?1)", [before])
        .unwrap();
    conn.execute_batch(
        "INSERT INTO devices (id, hostname, status, first_seen, last_seen) VALUES (1, 'acc1', 'walked', 1, 1);
         INSERT INTO interfaces (device_id, name, status, ip) VALUES (1, 'GigabitEthernet1/0/1', 'connected', NULL);
         INSERT INTO interfaces (device_id, name, status, ip) VALUES (1, 'Vlan10', 'up', '10.0.10.1');",
    )
    .unwrap();
}

#[test]
fn an_older_store_is_read_without_descriptions_and_upgraded_by_a_writer() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    store_before_descriptions(&path);

    let r = StoreReader::open(&path).unwrap();
    let ifaces = r.interfaces(DeviceId(1)).unwrap();
    assert_eq!(ifaces.len(), 2);
    assert!(ifaces.iter().all(|i| i.description.is_none()));
    assert_eq!(r.all_interfaces().unwrap()[&DeviceId(1)].len(), 2);
    let hits = r.interfaces_containing("vlan").unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].1.name, "Vlan10");
    drop(r);

    let w = StoreWriter::open(&path).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute(
        "UPDATE interfaces SET description = 'uplink to dist1' WHERE name = 'GigabitEthernet1/0/1'",
        [],
    )
    .unwrap();
    let ifaces = w.read().interfaces(DeviceId(1)).unwrap();
    assert_eq!(ifaces[0].description.as_deref(), Some("uplink to dist1"));
    let hits = StoreReader::open(&path)
        .unwrap()
        .interfaces_containing("DIST1")
        .unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].1.name, "GigabitEthernet1/0/1");
}
