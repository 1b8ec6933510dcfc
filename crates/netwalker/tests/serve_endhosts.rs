//! End hosts in `netwalker serve`: a MAC (any notation) or an address in
//! the search box finds the host with its switch, port and addresses; a
//! switch's page lists the hosts on its ports; the API's search carries
//! them as `netwalker find --json` does.
#![cfg(feature = "serve")]

#[path = "common/endhosts.rs"]
mod endhosts;
#[path = "common/serve_fixture.rs"]
mod fixture;

use axum::http::StatusCode;
use endhosts::{PC, VM, walks};
use fixture::{app, get};
use netwalker::store::StoreWriter;

fn store() -> (tempfile::TempDir, axum::Router) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hosts.db");
    drop(walks(StoreWriter::open(&path).unwrap()));
    let app = app(&path);
    (dir, app)
}

/// The `<tr>` of the hosts table that holds `mac`.
fn row<'a>(body: &'a str, mac: &str) -> &'a str {
    body.split("<tr>")
        .find(|r| r.contains(&format!("<td>{mac}</td>")))
        .unwrap_or_else(|| panic!("no row for {mac} in {body}"))
}

#[tokio::test]
async fn a_mac_or_an_address_in_the_search_box_finds_the_host() {
    let (_dir, app) = store();
    for q in ["0014.2200.0001", "00-14-22-00-00-01", "10.0.100.10"] {
        let got = get(&app, &format!("/search?q={q}")).await;
        assert_eq!(got.status, StatusCode::OK, "{q}: not a redirect");
        assert!(got.body.contains("<h2>End hosts</h2>"), "{q}");
        let r = row(&got.body, PC);
        for cell in [
            "<td>Dell Inc.</td>",
            "<td>located</td>",
            "<a href=\"/devices/sw1\">sw1</a>",
            "<td>GigabitEthernet1/0/5</td>",
            "<td>100</td>",
            "<td>10.0.100.10, fd00::a</td>",
        ] {
            assert!(r.contains(cell), "{q}: {cell} in {r}");
        }
        assert!(!got.body.contains("Nothing found"), "{q}");
    }
    let vm = get(&app, "/search?q=10.0.100.11").await;
    let r = row(&vm.body, VM);
    assert!(r.contains("<td>ambiguous</td>"), "{r}");
    assert!(
        r.contains("sw1 GigabitEthernet1/0/7; sw2 GigabitEthernet1/0/9"),
        "{r}"
    );
    // Not a host: the usual nothing-found page.
    let none = get(&app, "/search?q=00:99:99:00:00:01").await;
    assert!(none.body.contains("Nothing found"), "{}", none.body);
}

#[tokio::test]
async fn a_switch_page_lists_the_hosts_on_its_ports() {
    let (_dir, app) = store();
    let got = get(&app, "/devices/sw1").await;
    assert_eq!(got.status, StatusCode::OK);
    assert!(got.body.contains("<h2>End hosts on its ports</h2>"));
    assert!(row(&got.body, PC).contains("<td>GigabitEthernet1/0/5</td>"));
    assert!(row(&got.body, VM).contains("<td>ambiguous</td>"));
    // dist has no host on its ports: no section.
    let dist = get(&app, "/devices/sw3").await;
    assert_eq!(dist.status, StatusCode::OK);
    assert!(
        !dist.body.contains("End hosts on its ports"),
        "{}",
        dist.body
    );
}

#[tokio::test]
async fn the_api_search_carries_the_hosts() {
    let (_dir, app) = store();
    let got = get(&app, "/api/v1/search?q=0014.2200.0001").await;
    assert_eq!(got.status, StatusCode::OK);
    let v = got.json();
    assert_eq!(v["endhosts"][0]["mac"], PC);
    assert_eq!(v["endhosts"][0]["switch"], "sw1");
    assert_eq!(v["endhosts"][0]["port"], "GigabitEthernet1/0/5");
    assert_eq!(v["endhosts"][0]["history"], serde_json::json!([]));
    let name = get(&app, "/api/v1/search?q=sw1").await.json();
    assert_eq!(name["endhosts"], serde_json::json!([]));
}
