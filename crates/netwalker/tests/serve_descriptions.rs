//! Interface descriptions in `netwalker serve`: search finds a device by
//! what its ports are described as, names the port that matched, and the
//! device page and the API show each interface's description; device text
//! is escaped wherever it is shown.
#![cfg(feature = "serve")]

#[path = "common/serve_fixture.rs"]
mod fixture;

use axum::http::StatusCode;
use device_parsers::Platform;
use fixture::*;
use netwalker::model::*;

/// Device text a description may hold: markup, quotes, non-ASCII.
const ODD: &str = "<script>alert(\"x\")</script> 'Ünïcode' & more";

fn port(name: &str, description: Option<&str>) -> Interface {
    let mut i = iface(name, "connected");
    i.description = description.map(str::to_string);
    i
}

/// core1, acc1 and acc2, their ports described as people do, and two
/// descriptions with markup in them.
fn store() -> (tempfile::TempDir, axum::Router) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("serve.db");
    let mut w = writer(&path);
    let devices = [
        (
            1,
            "core1",
            vec![
                port(
                    "GigabitEthernet1/0/1",
                    Some("backup of TenGigabitEthernet1/1/1"),
                ),
                port("TenGigabitEthernet1/1/1", Some("downlink to acc2")),
                port("Vlan10", None),
            ],
        ),
        (
            2,
            "acc1",
            vec![
                port("GigabitEthernet0/1", Some("Uplink to CORE1 Gi1/0/1")),
                port("GigabitEthernet0/5", Some(ODD)),
            ],
        ),
        (
            3,
            "acc2",
            vec![
                port(
                    "GigabitEthernet0/1",
                    Some("uplink to core1 TenGigabitEthernet1/1/1"),
                ),
                port("GigabitEthernet0/9", Some("<script>printer</script>")),
            ],
        ),
    ];
    for (id, name, interfaces) in devices {
        let d = walked(id, name, &format!("10.0.0.{id}"), Platform::CiscoIos);
        let mut r = DeviceResult::bare(d);
        r.interfaces = interfaces;
        w.commit_device(&r).unwrap();
    }
    drop(w);
    let app = app(&path);
    (dir, app)
}

/// The search results' rows: (device, matched, value cell).
fn rows(html: &str) -> Vec<(String, String, String)> {
    html.split("<tr><td><a href=\"/devices/")
        .skip(1)
        .map(|row| {
            let cells: Vec<String> = row
                .split("<td>")
                .skip(3)
                .map(|c| c.split("</td>").next().unwrap_or("").to_string())
                .collect();
            let name = row.split('"').next().unwrap_or("").to_string();
            (name, cells[0].clone(), cells[1].clone())
        })
        .collect()
}

#[tokio::test]
async fn a_description_finds_its_device_and_names_the_port() {
    let (_dir, app) = store();
    // One device: its page opens.
    let got = get(&app, "/search?q=%C3%9Cn%C3%AFcode").await;
    assert_eq!(got.status, StatusCode::SEE_OTHER, "{}", got.body);
    assert_eq!(got.location(), Some("/devices/acc1"));
    // Several: listed, each with the description and the port it is on.
    let got = get(&app, "/search?q=uplink+to").await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(
        rows(&got.body),
        [
            (
                "acc1".to_string(),
                "interface description".to_string(),
                "Uplink to CORE1 Gi1/0/1 (on GigabitEthernet0/1)".to_string()
            ),
            (
                "acc2".to_string(),
                "interface description".to_string(),
                "uplink to core1 TenGigabitEthernet1/1/1 (on GigabitEthernet0/1)".to_string()
            ),
        ]
    );
    // A port's name beats a description, also one of an earlier port.
    let got = get(&app, "/search?q=tengigabitethernet1/1/1").await;
    assert_eq!(
        got.status,
        StatusCode::OK,
        "{:?} {}",
        got.location(),
        got.body
    );
    let found: Vec<(String, String)> = rows(&got.body)
        .into_iter()
        .map(|(d, m, _)| (d, m))
        .collect();
    assert_eq!(
        found,
        [
            ("acc2".to_string(), "interface description".to_string()),
            ("core1".to_string(), "interface".to_string()),
        ]
    );
}

#[tokio::test]
async fn descriptions_are_escaped_on_the_device_page_and_in_search() {
    let (_dir, app) = store();
    let page = get(&app, "/devices/acc1").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<th scope=\"col\">Description</th>"));
    assert!(
        page.body.contains("<td>Uplink to CORE1 Gi1/0/1</td>"),
        "{}",
        page.body
    );
    assert!(!page.body.contains(ODD));
    assert!(!page.body.contains("<script"), "{}", page.body);
    assert!(
        page.body.contains(
            "&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#39;Ünïcode&#39; &#38; more"
        ),
        "{}",
        page.body
    );
    let found = get(&app, "/search?q=%3Cscript%3E").await;
    assert_eq!(found.status, StatusCode::OK);
    assert_eq!(rows(&found.body).len(), 2);
    assert!(!found.body.contains("<script"), "{}", found.body);
    assert!(
        found
            .body
            .contains("&#60;script&#62;printer&#60;/script&#62; (on GigabitEthernet0/9)")
    );
}

#[tokio::test]
async fn the_api_has_each_description_and_the_matching_port() {
    let (_dir, app) = store();
    let v = get(&app, "/api/v1/devices/acc1").await.json();
    let described: Vec<(&str, &serde_json::Value)> = v["interfaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["name"].as_str().unwrap(), &i["description"]))
        .collect();
    assert_eq!(
        described,
        [
            (
                "GigabitEthernet0/1",
                &serde_json::json!("Uplink to CORE1 Gi1/0/1")
            ),
            ("GigabitEthernet0/5", &serde_json::json!(ODD)),
        ]
    );
    let core = get(&app, "/api/v1/devices/core1").await.json();
    assert!(core["interfaces"][2]["description"].is_null());
    let v = get(&app, "/api/v1/search?q=UPLINK").await.json();
    assert_eq!(v["total"], 2);
    assert_eq!(v["hits"][0]["matched"], "interface_description");
    assert_eq!(v["hits"][0]["interface"], "GigabitEthernet0/1");
    assert_eq!(v["hits"][0]["value"], "Uplink to CORE1 Gi1/0/1");
    assert_eq!(v["hits"][0]["exact"], false);
    // Its own name beats core1's ports; other devices' descriptions
    // name it too.
    let v = get(&app, "/api/v1/search?q=core1").await.json();
    let hits: Vec<(&str, &str, &serde_json::Value)> = v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["device"]["hostname"].as_str().unwrap(),
                h["matched"].as_str().unwrap(),
                &h["interface"],
            )
        })
        .collect();
    let port = serde_json::json!("GigabitEthernet0/1");
    assert_eq!(
        hits,
        [
            ("acc1", "interface_description", &port),
            ("acc2", "interface_description", &port),
            ("core1", "hostname", &serde_json::Value::Null),
        ]
    );
}
