//! `netwalker serve`'s Runs and Reports, in-process: each report's rows
//! from the fixture inventory, its downloads (CSV, xlsx, JSON) carrying
//! the same rows, the device list's view as a download, runs and VLANs
//! in the API.
#![cfg(feature = "serve")]

#[path = "common/serve_fixture.rs"]
mod fixture;

use axum::http::StatusCode;
use calamine::Reader;
use fixture::*;
use netwalker::model::{DeviceId, DeviceResult, DeviceStatus, StatusCounts};
use serde_json::json;

fn store() -> (tempfile::TempDir, std::path::PathBuf, axum::Router) {
    let dir = tempfile::tempdir().unwrap();
    let path = campus(dir.path());
    let app = app(&path);
    (dir, path, app)
}

/// The rows of the first sheet of an xlsx download, as text.
fn xlsx_rows(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes.to_vec()))
        .expect("an xlsx workbook");
    let names = book.sheet_names();
    let range = book.worksheet_range(&names[0]).unwrap();
    let rows = range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    (names, rows)
}

#[tokio::test]
async fn the_index_links_every_report_and_its_downloads() {
    let (_dir, _path, app) = store();
    let got = get(&app, "/reports").await;
    assert_eq!(got.status, StatusCode::OK);
    for slug in ["models", "vlans", "unwalked", "failures", "identities"] {
        for href in [
            format!("/reports/{slug}\""),
            format!("/reports/{slug}.csv\""),
            format!("/reports/{slug}.xlsx\""),
            format!("/api/v1/reports/{slug}\""),
        ] {
            assert!(got.body.contains(&href), "{href} in {}", got.body);
        }
    }
    assert!(got.body.contains("href=\"/runs\""), "the header links Runs");
    let api = get(&app, "/api/v1/reports").await.json();
    assert_eq!(api.as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn models_count_walked_devices_by_platform_model_and_version() {
    let (_dir, _path, app) = store();
    let v = get(&app, "/api/v1/reports/models").await.json();
    assert_eq!(v["title"], "Models and Versions");
    assert_eq!(
        v["rows"],
        json!([
            {"Platform": "cisco_ios", "Model": "WS-C2960X-48FPD-L", "Software Version": "15.2(7)E4", "Devices": 1},
            {"Platform": "cisco_xe", "Model": "C9300-48P", "Software Version": "17.9.4", "Devices": 1},
            {"Platform": "linux", "Model": null, "Software Version": null, "Devices": EDGES},
        ])
    );
    let page = get(&app, "/reports/models").await;
    assert!(page.body.contains("<td>C9300-48P</td>"), "{}", page.body);
    assert!(page.body.contains("3 rows."), "{}", page.body);
}

#[tokio::test]
async fn unwalked_neighbours_name_who_saw_them_and_link_both() {
    let (_dir, _path, app) = store();
    let v = get(&app, "/api/v1/reports/unwalked").await.json();
    let rows = v["rows"].as_array().unwrap();
    let seen: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| {
            (
                r["Device"].as_str().unwrap(),
                r["Seen From"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(seen, [("acc10", "core1"), ("SEP001122334455", "acc1")]);
    let page = get(&app, "/reports/unwalked").await.body;
    assert!(
        page.contains("<a href=\"/devices/acc10\">acc10</a>"),
        "{page}"
    );
    assert!(
        page.contains("<a href=\"/devices/core1\">core1</a>"),
        "{page}"
    );
}

#[tokio::test]
async fn failures_and_vlan_usage_downloads_carry_the_rows() {
    let (_dir, _path, app) = store();
    let csv = get(&app, "/reports/vlans.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(
        csv.headers["content-disposition"],
        "attachment; filename=\"netwalker-vlans.csv\""
    );
    assert_eq!(
        csv.body,
        "VLAN,Names,Devices,Ports,Port-channels\n10,users,1,1,0\n"
    );
    let xlsx = get(&app, "/reports/failures.xlsx").await;
    let (sheets, rows) = xlsx_rows(&xlsx.bytes);
    assert_eq!(sheets, ["Failures"]);
    assert_eq!(
        rows[0],
        ["Device", "IP", "Error Class", "Message", "Attempts"]
    );
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[1][..3], ["acc2", "10.0.0.3", "auth"]);
}

#[tokio::test]
async fn the_inventory_workbook_and_diagram_download_whole() {
    let (_dir, _path, app) = store();
    let book = get(&app, "/reports/inventory.xlsx").await;
    assert_eq!(book.status, StatusCode::OK);
    let (sheets, _) = xlsx_rows(&book.bytes);
    assert_eq!(sheets[..2], ["Summary", "Devices"]);
    let drawio = get(&app, "/reports/topology.drawio").await;
    assert_eq!(drawio.status, StatusCode::OK);
    assert!(drawio.body.starts_with("<?xml") || drawio.body.starts_with("<mxfile"));
    assert!(drawio.body.contains("core1"));
    for bad in ["nope", "models.exe", "models.csv.csv", "inventory.csv"] {
        let got = get(&app, &format!("/reports/{bad}")).await;
        assert_eq!(got.status, StatusCode::NOT_FOUND, "{bad}");
    }
    let got = get(&app, "/api/v1/reports/nope").await;
    assert_eq!(got.status, StatusCode::NOT_FOUND);
    assert!(got.json()["error"].as_str().unwrap().contains("nope"));
}

#[tokio::test]
async fn the_device_view_downloads_with_its_filters_and_sort_and_every_page() {
    let (_dir, _path, app) = store();
    let page = get(&app, "/devices?platform=linux&dir=desc&limit=10&offset=10").await;
    let link = "/devices.csv?platform=linux&#38;dir=desc\"";
    assert!(page.body.contains(link), "{}", page.body);
    let csv = get(
        &app,
        "/devices.csv?platform=linux&dir=desc&limit=10&offset=10",
    )
    .await;
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(lines.len(), 1 + EDGES, "every page: {}", csv.body);
    assert!(lines[0].starts_with("Hostname,Mgmt IP,Platform"));
    assert!(
        lines[1].starts_with("edge-25,10.1.0.25,linux"),
        "{}",
        lines[1]
    );
    assert!(lines[EDGES].starts_with("edge-01,"));
    let xlsx = get(&app, "/devices.xlsx?status=failed").await;
    let (_, rows) = xlsx_rows(&xlsx.bytes);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1][0], "acc2");
    let bad = get(&app, "/devices.csv?status=sleepy").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn runs_list_newest_first_with_their_state_and_counts() {
    let (_dir, path, app) = store();
    {
        let mut w = writer(&path);
        let first = w
            .start_run(&json!({"seeds": ["10.0.0.1"], "max_depth": 3}))
            .unwrap();
        let counts = StatusCounts {
            walked: 27,
            failed: 1,
            neighbor_only: 2,
            ..StatusCounts::default()
        };
        w.finish_run(first, &counts).unwrap();
        w.start_run(&json!({"seeds": ["core1"]})).unwrap();
    }
    let v = get(&app, "/api/v1/runs").await.json();
    assert_eq!(v["total"], 2);
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs[0]["state"], "unfinished");
    assert_eq!(runs[0]["seeds"], json!(["core1"]));
    assert_eq!(runs[0]["counts"], serde_json::Value::Null);
    assert_eq!(runs[1]["state"], "finished");
    assert_eq!(runs[1]["max_depth"], 3);
    assert_eq!(runs[1]["counts"]["walked"], 27);
    assert_eq!(
        runs[1]["duration_seconds"], 0,
        "the fixture's clock stands still"
    );
    let page = get(&app, "/runs").await.body;
    assert!(page.contains("<td>unfinished</td>"), "{page}");
    assert!(page.contains("<td>27</td>"), "{page}");
}

#[tokio::test]
async fn vlans_list_each_device_s_vlans() {
    let (_dir, _path, app) = store();
    let v = get(&app, "/api/v1/vlans").await.json();
    assert_eq!(v["total"], 1);
    assert_eq!(
        v["vlans"][0],
        json!({"device": "core1", "id": 10, "name": "users",
               "ports": ["GigabitEthernet1/0/2"], "port_channels": []})
    );
}

#[tokio::test]
async fn a_hostile_neighbour_name_is_text_on_a_report_page() {
    let (_dir, path, app) = store();
    {
        let mut w = writer(&path);
        let mut evil = netwalker::model::Device::new(
            DeviceId(900),
            "<img src=x onerror=alert(1)>",
            DeviceStatus::NeighborOnly,
        );
        evil.reason = Some("</td><script>alert(2)</script>".into());
        w.commit_device(&DeviceResult::bare(evil)).unwrap();
    }
    let page = get(&app, "/reports/unwalked").await.body;
    assert!(!page.contains("<img"), "{page}");
    assert!(!page.contains("<script"), "{page}");
    assert!(page.contains("&#60;img src=x"), "{page}");
}

#[tokio::test]
async fn identities_list_devices_with_other_names_or_addresses() {
    let (_dir, path, app) = store();
    let v = get(&app, "/api/v1/reports/identities").await.json();
    assert_eq!(
        v["rows"],
        json!([]),
        "the fixture has one name and address each"
    );
    {
        let mut w = writer(&path);
        let mut d = walked(
            901,
            "dist1",
            "10.0.0.9",
            device_parsers::Platform::CiscoNxos,
        );
        d.ips.insert(ip("10.9.9.9"));
        d.aliases.insert("dist1-old".into());
        w.commit_device(&DeviceResult::bare(d)).unwrap();
    }
    let v = get(&app, "/api/v1/reports/identities").await.json();
    assert_eq!(
        v["rows"],
        json!([{"Device": "dist1", "Serial": null, "Status": "walked",
                "Other Names": "dist1-old", "Addresses": "10.0.0.9, 10.9.9.9"}])
    );
}

/// The one page with script: the diagram's, allowed by hash alone.
#[tokio::test]
async fn the_map_draws_a_neighbourhood_with_its_script_allowed_by_hash_only() {
    let (_dir, _path, app) = store();
    let got = get(&app, "/map?device=acc1&depth=1").await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    let csp = got.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'sha256-"), "{csp}");
    assert!(!csp.contains("script-src 'unsafe"), "{csp}");
    // acc1's neighbours: core1 and the phone -- but phones are left out
    // of diagrams by default; nothing two hops away.
    let drawn: Vec<&str> = got
        .body
        .split("data-device=\"")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .collect();
    let mut drawn = drawn;
    drawn.sort();
    assert_eq!(drawn, ["acc1", "core1"]);
    assert!(got.body.contains("href=\"/devices/acc1\""), "the way back");
    // A heading, and the search box named for screen readers.
    assert_eq!(got.body.matches("<h1>").count(), 1, "{}", got.body);
    assert!(got.body.contains("<h1>acc1 and 1 hop(s) around</h1>"));
    assert!(
        got.body
            .contains("id=\"nw-search\" type=\"search\" aria-label=\"")
    );
    assert!(got.body.contains("depth=2"), "one hop more");
    let two = get(&app, "/map?device=acc1&depth=2").await;
    assert!(
        two.body.contains("acc1 and 2 hop(s) around"),
        "{}",
        two.body
    );
    assert!(two.body.contains("depth=1\""), "one hop less");
    let whole = get(&app, "/map").await;
    assert_eq!(whole.status, StatusCode::OK);
    assert!(whole.body.contains("data-device=\"edge-25\""));
    assert_eq!(
        get(&app, "/map?device=nope").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&app, "/map?device=acc1&depth=9").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        get(&app, "/map?site=x").await.status,
        StatusCode::BAD_REQUEST,
        "no site pattern"
    );
    // Every other page still allows no script at all.
    let devices = get(&app, "/devices").await;
    let csp = devices.headers["content-security-policy"].to_str().unwrap();
    assert!(!csp.contains("script-src"), "{csp}");
}
