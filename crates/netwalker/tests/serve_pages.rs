//! `netwalker serve`'s pages, the router called in-process over a store
//! filled through the public store API: the device table (columns,
//! filters, sorting, paging), a device's page, search, unknown devices.
#![cfg(feature = "serve")]

#[path = "common/serve_fixture.rs"]
mod fixture;

use axum::http::StatusCode;
use fixture::*;

fn store() -> (tempfile::TempDir, axum::Router) {
    let dir = tempfile::tempdir().unwrap();
    let path = campus(dir.path());
    let app = app(&path);
    (dir, app)
}

#[tokio::test]
async fn the_device_table_lists_every_device_with_its_columns() {
    let (_dir, app) = store();
    for uri in ["/", "/devices"] {
        let got = get(&app, uri).await;
        assert_eq!(got.status, StatusCode::OK, "{uri}: {}", got.body);
        let names = listed(&got.body);
        assert_eq!(names.len(), DEVICES, "{uri}: {names:?}");
        assert_eq!(&names[..3], ["acc1", "acc10", "acc2"], "hostname order");
        assert!(
            got.body
                .contains(&format!("Devices 1–{DEVICES} of {DEVICES}"))
        );
        let row = got
            .body
            .split("<tr>")
            .find(|r| r.contains(">core1<"))
            .unwrap();
        for cell in [
            "10.0.0.1",
            "cisco_xe",
            "C9300-48P",
            "17.9.4",
            "SERCORE1",
            "walked",
            SEEN_TEXT,
        ] {
            assert!(row.contains(&format!(">{cell}<")), "{cell} in {row}");
        }
    }
}

#[tokio::test]
async fn filters_narrow_the_table_and_pages_count_from_the_filtered_total() {
    let (_dir, app) = store();
    let mut got = get(&app, "/devices?platform=linux&limit=10&offset=20").await;
    // askama writes `&` in attributes as `&#38;`.
    got.body = got.body.replace("&#38;", "&amp;");
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(
        listed(&got.body),
        ["edge-21", "edge-22", "edge-23", "edge-24", "edge-25"]
    );
    assert!(got.body.contains("Devices 21–25 of 25"), "{}", got.body);
    assert!(
        got.body
            .contains("rel=\"prev\" href=\"/devices?platform=linux&amp;limit=10&amp;offset=10\""),
        "{}",
        got.body
    );
    assert!(!got.body.contains("rel=\"next\""));

    let mut first = get(&app, "/devices?platform=linux&limit=10").await;
    first.body = first.body.replace("&#38;", "&amp;");
    assert_eq!(listed(&first.body).len(), 10);
    assert!(
        first
            .body
            .contains("rel=\"next\" href=\"/devices?platform=linux&amp;limit=10&amp;offset=10\"")
    );
    assert!(!first.body.contains("rel=\"prev\""));

    let failed = get(&app, "/devices?status=failed").await;
    assert_eq!(listed(&failed.body), ["acc2"]);
    let text = get(&app, "/devices?q=EDGE-0").await;
    assert_eq!(listed(&text.body).len(), 9, "edge-01..09, case ignored");
    let by_ip = get(&app, "/devices?q=10.0.0.2").await;
    assert_eq!(listed(&by_ip.body), ["acc1"]);
    let none = get(&app, "/devices?q=nothing-like-this").await;
    assert!(listed(&none.body).is_empty());
    assert!(none.body.contains("No device matches."));
    // A blank filter (a form's "any") filters nothing.
    let blank = get(&app, "/devices?platform=&status=&q=").await;
    assert_eq!(listed(&blank.body).len(), DEVICES);
}

#[tokio::test]
async fn bad_filters_are_400_naming_the_parameter() {
    let (_dir, app) = store();
    for (uri, says) in [
        ("/devices?platform=junos", "junos"),
        ("/devices?status=up", "device status"),
        ("/devices?sort=colour", "unknown sort"),
        ("/devices?limit=ten", "limit must be a whole number"),
        ("/devices?dir=up", "dir must be asc or desc"),
    ] {
        let got = get(&app, uri).await;
        assert_eq!(got.status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(got.body.contains(says), "{uri}: {}", got.body);
    }
}

#[tokio::test]
async fn columns_sort_both_ways_and_missing_values_sort_last() {
    let (_dir, app) = store();
    let desc = get(&app, "/devices?sort=mgmt_ip&dir=desc&limit=3").await;
    assert_eq!(listed(&desc.body), ["edge-25", "edge-24", "edge-23"]);
    let mut asc = get(&app, "/devices?sort=mgmt_ip").await;
    asc.body = asc.body.replace("&#38;", "&amp;");
    let names = listed(&asc.body);
    assert_eq!(&names[..3], ["core1", "acc1", "acc2"]);
    // acc10 and the phone have no address.
    assert_eq!(&names[DEVICES - 2..], ["acc10", "SEP001122334455"]);
    let desc_all = listed(&get(&app, "/devices?sort=mgmt_ip&dir=desc").await.body);
    assert_eq!(
        &desc_all[DEVICES - 2..],
        ["acc10", "SEP001122334455"],
        "missing last both ways"
    );
    let by_name = get(&app, "/devices?dir=desc&limit=1").await;
    assert_eq!(listed(&by_name.body), ["SEP001122334455"]);
    // The header of the current column turns the order round.
    assert!(
        asc.body
            .contains("href=\"/devices?sort=mgmt_ip&amp;dir=desc\">Mgmt IP</a> ▲")
    );
}

#[tokio::test]
async fn a_device_page_shows_facts_neighbours_with_ports_stack_vlans_and_warnings() {
    let (_dir, app) = store();
    let got = get(&app, "/devices/core1").await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    let b = &got.body;
    for want in [
        "<h1>core1",
        "C9300-48P",
        "SERCORE1",
        "17.9.4",
        // Interfaces.
        "GigabitEthernet1/0/2",
        "notconnect",
        "10.0.10.1",
        // The neighbour, linked, with the port on each side.
        "<tr><td>GigabitEthernet1/0/1</td><td><a href=\"/devices/acc1\">acc1</a></td><td>GigabitEthernet0/1</td><td>cdp</td></tr>",
        // Stack members and VLANs.
        "STACKSER2",
        "Standby",
        "<td>users</td>",
        // Warnings.
        "% LLDP is not enabled",
    ] {
        assert!(b.contains(want), "{want} missing from {b}");
    }
    // Seen from the other side, the ports swap.
    let acc1 = get(&app, "/devices/acc1").await;
    assert!(acc1.body.contains(
        "<tr><td>GigabitEthernet0/1</td><td><a href=\"/devices/core1\">core1</a></td><td>GigabitEthernet1/0/1</td>"
    ));
    assert!(acc1.body.contains(
        "<a href=\"/devices/SEP001122334455\">SEP001122334455</a></td><td>Port 1</td><td>lldp</td>"
    ));
    // A failed device says why; a placeholder says who led to it.
    let acc2 = get(&app, "/devices/acc2").await;
    assert!(
        acc2.body
            .contains("authentication failed for every credential set")
    );
    assert!(acc2.body.contains(">auth<"));
    let phone = get(&app, "/devices/SEP001122334455").await;
    assert!(
        phone
            .body
            .contains("found through</th><td><a href=\"/devices/acc1\">acc1</a>")
    );
    // The name ignoring case finds the device too.
    assert_eq!(get(&app, "/devices/CORE1").await.status, StatusCode::OK);
}

#[tokio::test]
async fn an_unknown_device_is_404() {
    let (_dir, app) = store();
    let got = get(&app, "/devices/core9").await;
    assert_eq!(got.status, StatusCode::NOT_FOUND);
    assert!(
        got.body.contains("no device named &#34;core9&#34;")
            || got.body.contains("no device named &quot;core9&quot;"),
        "{}",
        got.body
    );
    assert_eq!(
        get(&app, "/no/such/page").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn search_opens_one_device_lists_several_and_says_when_nothing_matched() {
    let (_dir, app) = store();
    for (q, device) in [
        ("SERACC1", "acc1"),    // serial
        ("10.0.0.3", "acc2"),   // address
        ("acc1", "acc1"),       // exact name, though acc10 matches too
        ("c9300", "core1"),     // model, case ignored
        ("Vlan10", "core1"),    // an interface name
        ("10.0.10.1", "core1"), // an interface address
        ("GigabitEthernet0/5", "acc1"),
    ] {
        let got = get(&app, &format!("/search?q={q}")).await;
        assert_eq!(got.status, StatusCode::SEE_OTHER, "{q}: {}", got.body);
        assert_eq!(
            got.location(),
            Some(format!("/devices/{device}").as_str()),
            "{q}"
        );
    }
    let several = get(&app, "/search?q=acc").await;
    assert_eq!(several.status, StatusCode::OK);
    assert_eq!(listed(&several.body), ["acc1", "acc10", "acc2"]);
    assert!(several.body.contains("3 devices match"));
    // Interface names of two devices.
    let ports = get(&app, "/search?q=GigabitEthernet").await;
    assert_eq!(listed(&ports.body), ["acc1", "core1"]);

    let none = get(&app, "/search?q=zzz-nothing").await;
    assert_eq!(none.status, StatusCode::OK);
    assert!(
        none.body.contains("Nothing found for “zzz-nothing”"),
        "{}",
        none.body
    );
    assert!(listed(&none.body).is_empty());
    let empty = get(&app, "/search?q=").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.body.contains("Type a hostname"));
}

#[tokio::test]
async fn every_page_has_the_search_box_and_the_embedded_stylesheet() {
    let (_dir, app) = store();
    for uri in [
        "/",
        "/devices/core1",
        "/search?q=acc",
        "/devices/core9",
        "/devices?limit=x",
    ] {
        let got = get(&app, uri).await;
        assert!(
            got.body
                .contains("<form class=\"search\" method=\"get\" action=\"/search\""),
            "{uri}"
        );
        assert!(got.body.contains("href=\"/static/style.css\""), "{uri}");
    }
    let css = get(&app, "/static/style.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(
        css.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert!(css.body.contains("table"));
}
