//! `netwalker serve`'s JSON API (`/api/v1/`), in-process: field names are
//! inventory.json's, lists carry their total, errors are JSON.
#![cfg(feature = "serve")]

#[path = "common/serve_fixture.rs"]
mod fixture;

#[path = "common/backends.rs"]
mod backends;

use axum::http::StatusCode;
use fixture::*;
use netwalker::store::StoreReader;
use serde_json::Value;
use std::collections::BTreeSet;

fn store() -> (tempfile::TempDir, std::path::PathBuf, axum::Router) {
    let dir = tempfile::tempdir().unwrap();
    let path = campus(dir.path());
    let app = app(&path);
    (dir, path, app)
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

/// inventory.json's device for `name`, as JSON.
fn exported(path: &std::path::Path, name: &str) -> Value {
    let inv = StoreReader::open(path).unwrap().export_inventory().unwrap();
    let d = inv.devices.iter().find(|d| d.hostname == name).unwrap();
    serde_json::to_value(d).unwrap()
}

#[tokio::test]
async fn devices_have_the_inventory_field_names_and_the_list_its_total() {
    let (_dir, path, app) = store();
    let got = get(&app, "/api/v1/devices").await;
    assert_eq!(got.status, StatusCode::OK);
    assert!(
        got.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let v = got.json();
    assert_eq!(v["total"], DEVICES);
    assert_eq!(
        (v["limit"].as_u64(), v["offset"].as_u64()),
        (Some(100), Some(0))
    );
    let devices = v["devices"].as_array().unwrap();
    assert_eq!(devices.len(), DEVICES);
    let core = devices.iter().find(|d| d["hostname"] == "core1").unwrap();
    let file = exported(&path, "core1");
    let mut want = keys(&file);
    want.extend(["site", "first_seen", "last_seen"].map(String::from));
    assert_eq!(keys(core), want);
    // Every field the file has, with the file's value.
    for (k, val) in file.as_object().unwrap() {
        assert_eq!(&core[k], val, "{k}");
    }
    assert_eq!(core["last_seen"], SEEN);
    assert_eq!(core["site"], Value::Null, "no site pattern");
    assert_eq!(core["stack_members"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn device_filters_and_paging_match_the_pages() {
    let (_dir, _path, app) = store();
    let v = get(&app, "/api/v1/devices?platform=linux&limit=10&offset=20")
        .await
        .json();
    assert_eq!(v["total"], EDGES);
    assert_eq!(v["offset"], 20);
    let names: Vec<&str> = v["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["hostname"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["edge-21", "edge-22", "edge-23", "edge-24", "edge-25"]
    );
    let v = get(&app, "/api/v1/devices?status=failed").await.json();
    assert_eq!(v["total"], 1);
    assert_eq!(
        v["devices"][0]["reason"],
        "authentication failed for every credential set"
    );
    // A limit above the maximum is lowered, and says so.
    let v = get(&app, "/api/v1/devices?limit=5000").await.json();
    assert_eq!(v["limit"], 1000);
}

#[tokio::test]
async fn a_device_has_its_interfaces_and_links_from_its_side() {
    let (_dir, path, app) = store();
    let v = get(&app, "/api/v1/devices/acc1").await.json();
    let file = exported(&path, "acc1");
    for (k, val) in file.as_object().unwrap() {
        assert_eq!(&v[k], val, "{k}");
    }
    let ifaces: Vec<&str> = v["interfaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(ifaces, ["GigabitEthernet0/1", "GigabitEthernet0/5"]);
    let links = v["links"].as_array().unwrap();
    assert_eq!(links.len(), 2);
    assert_eq!(
        links[0],
        serde_json::json!({"a": "acc1", "a_interface": "GigabitEthernet0/1", "b": "core1", "b_interface": "GigabitEthernet1/0/1", "protocols": ["cdp"]})
    );
    assert_eq!(links[1]["b"], "SEP001122334455");
}

#[tokio::test]
async fn links_are_the_inventory_files_links() {
    let (_dir, path, app) = store();
    let v = get(&app, "/api/v1/links").await.json();
    let inv = StoreReader::open(&path)
        .unwrap()
        .export_inventory()
        .unwrap();
    assert_eq!(v["total"], inv.links.len());
    assert_eq!(v["links"], serde_json::to_value(&inv.links).unwrap());
    let one = get(&app, "/api/v1/links?limit=1&offset=1").await.json();
    assert_eq!(one["links"].as_array().unwrap().len(), 1);
    assert_eq!(one["links"][0], v["links"][1]);
}

#[tokio::test]
async fn search_lists_every_hit_with_what_matched() {
    let (_dir, _path, app) = store();
    let v = get(&app, "/api/v1/search?q=acc1").await.json();
    assert_eq!(v["query"], "acc1");
    assert_eq!(v["total"], 2);
    let hits: Vec<(&str, &str, bool)> = v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["device"]["hostname"].as_str().unwrap(),
                h["matched"].as_str().unwrap(),
                h["exact"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        hits,
        [("acc1", "hostname", true), ("acc10", "hostname", false)]
    );
    let v = get(&app, "/api/v1/search?q=stack-nothing").await.json();
    assert_eq!(v["total"], 0);
    let v = get(&app, "/api/v1/search?q=vlan10").await.json();
    assert_eq!(v["hits"][0]["matched"], "interface");
    assert_eq!(v["hits"][0]["value"], "Vlan10");
}

#[tokio::test]
async fn api_errors_are_json_with_their_status() {
    let (_dir, _path, app) = store();
    for (uri, status) in [
        ("/api/v1/devices/core9", StatusCode::NOT_FOUND),
        ("/api/v1/devices?limit=abc", StatusCode::BAD_REQUEST),
        ("/api/v1/links?offset=-1", StatusCode::BAD_REQUEST),
        ("/api/v1/search?q=", StatusCode::BAD_REQUEST),
        ("/api/v1/nothing", StatusCode::NOT_FOUND),
    ] {
        let got = get(&app, uri).await;
        assert_eq!(got.status, status, "{uri}");
        assert!(
            got.json()["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{uri}"
        );
    }
}

#[tokio::test]
async fn a_store_that_is_missing_is_a_500_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path().join("absent.db"));
    let got = get(&app, "/api/v1/devices").await;
    assert_eq!(got.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(got.json()["error"].as_str().unwrap().contains("store"));
}

/// The same inventory served from SQLite and from PostgreSQL gives the
/// same answers (with `NETWALKER_TEST_PG_URL`; each request opens its own
/// PostgreSQL reader, as it opens an SQLite one).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_store_serves_what_an_sqlite_one_does() {
    let Some(admin) = backends::pg_url() else {
        eprintln!("NETWALKER_TEST_PG_URL is not set: nothing to test here");
        return;
    };
    let (_dir, _path, sqlite) = store();
    let db = backends::PgTestDb::create(&admin);
    let location = db.location.clone();
    let pg_location = location.clone();
    tokio::task::spawn_blocking(move || campus_at(&pg_location))
        .await
        .unwrap();
    eprintln!("backend: postgres");
    let pg = app(&location);
    for uri in [
        "/api/v1/devices",
        "/api/v1/devices/core1",
        "/api/v1/links",
        "/api/v1/search?q=acc",
    ] {
        let (a, b) = (get(&sqlite, uri).await, get(&pg, uri).await);
        assert_eq!(a.status, StatusCode::OK, "{uri}: {}", a.body);
        assert_eq!(a.json(), b.json(), "{uri}");
    }
    drop(pg);
    tokio::task::spawn_blocking(move || drop(db)).await.unwrap();
}
