//! `/api/v1/openapi.json`: an OpenAPI 3.1 document naming every API path,
//! whose schemas describe exactly the fields the API really sends.
#![cfg(feature = "serve")]

#[path = "common/serve_fixture.rs"]
mod fixture;

use axum::http::StatusCode;
use fixture::*;
use serde_json::Value;
use std::collections::BTreeSet;

/// The property names a schema declares (following `$ref` and `allOf`).
fn properties(doc: &Value, schema: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.rsplit('/').next().unwrap();
        return properties(doc, &doc["components"]["schemas"][name]);
    }
    for part in schema["allOf"].as_array().into_iter().flatten() {
        out.extend(properties(doc, part));
    }
    if let Some(p) = schema["properties"].as_object() {
        out.extend(p.keys().cloned());
    }
    out
}

/// The schema of `path`'s `method` answer with `status`.
fn response<'a>(doc: &'a Value, path: &str, method: &str, status: &str) -> &'a Value {
    &doc["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

#[tokio::test]
async fn the_document_names_every_api_path() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(campus(dir.path()));
    let got = get(&app, "/api/v1/openapi.json").await;
    assert_eq!(got.status, StatusCode::OK);
    let doc = got.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{doc}");
    let paths: BTreeSet<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let want = BTreeSet::from([
        "/api/v1/devices",
        "/api/v1/devices/{hostname}",
        "/api/v1/links",
        "/api/v1/search",
        "/api/v1/vlans",
        "/api/v1/runs",
        "/api/v1/runs/live",
        "/api/v1/runs/live/events",
        "/api/v1/reports",
        "/api/v1/reports/{name}",
    ]);
    assert_eq!(paths, want);
    // Each documented GET answers (no documented path the router lacks).
    for p in &want {
        let uri = p.replace("{hostname}", "core1").replace("{name}", "models")
            + if *p == "/api/v1/search" {
                "?q=core"
            } else {
                ""
            };
        let status = get(&app, &uri).await.status;
        assert_eq!(status, StatusCode::OK, "{uri}");
    }
    assert!(doc["components"]["securitySchemes"]["token"].is_object());
}

#[tokio::test]
async fn schemas_declare_exactly_the_fields_sent() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(campus(dir.path()));
    let doc = get(&app, "/api/v1/openapi.json").await.json();
    let list = get(&app, "/api/v1/devices").await.json();
    let schema = response(&doc, "/api/v1/devices", "get", "200");
    assert_eq!(properties(&doc, schema), keys(&list));
    let device_schema = &doc["components"]["schemas"]["ApiDevice"];
    let core = list["devices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["hostname"] == "core1")
        .unwrap();
    assert_eq!(properties(&doc, device_schema), keys(core));
    let one = get(&app, "/api/v1/devices/core1").await.json();
    let schema = response(&doc, "/api/v1/devices/{hostname}", "get", "200");
    assert_eq!(properties(&doc, schema), keys(&one));
    let link = &one["links"][0];
    assert_eq!(
        properties(&doc, &doc["components"]["schemas"]["InventoryLink"]),
        keys(link)
    );
    let runs = get(&app, "/api/v1/runs").await.json();
    let schema = response(&doc, "/api/v1/runs", "get", "200");
    assert_eq!(properties(&doc, schema), keys(&runs));
    let report = get(&app, "/api/v1/reports/models").await.json();
    let schema = response(&doc, "/api/v1/reports/{name}", "get", "200");
    assert_eq!(properties(&doc, schema), keys(&report));
    let bad = get(&app, "/api/v1/devices?sort=nope").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let schema = response(&doc, "/api/v1/devices", "get", "400");
    assert_eq!(properties(&doc, schema), keys(&bad.json()));
}
