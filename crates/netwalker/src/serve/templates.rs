//! The pages' templates (askama, compiled into the binary from
//! `templates/serve/`): every value is HTML-escaped unless a template marks
//! it safe, and none does; hostnames in links also go through
//! `urlencode_strict`. The structs hold display-ready text, so the
//! templates only lay it out.

use askama::Template;

/// The stylesheet every page links (`/static/style.css`), embedded.
pub(super) const STYLE_CSS: &str = include_str!("../../templates/serve/style.css");

/// An `<option>` of a filter's `<select>`.
pub(super) struct Choice {
    /// The value sent (and shown).
    pub value: String,
    /// Whether it is the current filter.
    pub selected: bool,
}

/// A sortable column header.
pub(super) struct Column {
    /// The header text.
    pub label: &'static str,
    /// The list sorted by this column (the other way when it already is).
    pub href: String,
    /// `▲`/`▼` on the column sorted by, else empty.
    pub arrow: &'static str,
}

/// One row of the device table.
pub(super) struct DeviceRow {
    /// Links to the device page.
    pub hostname: String,
    /// Management address, or empty.
    pub mgmt_ip: String,
    /// Platform name, or empty.
    pub platform: String,
    /// Hardware model, or empty.
    pub model: String,
    /// Software version, or empty.
    pub version: String,
    /// Chassis serial, or empty.
    pub serial: String,
    /// Status name.
    pub status: String,
    /// When a walk last saw it.
    pub last_seen: String,
    /// Its site (shown only with a site pattern).
    pub site: String,
}

/// `/` and `/devices`: the filterable, sortable, paged device table.
#[derive(Template)]
#[template(path = "serve/devices.html")]
pub(super) struct DevicesPage {
    /// The header search box's text.
    pub search_q: String,
    /// The text filter's current value.
    pub q: String,
    /// Platform choices.
    pub platforms: Vec<Choice>,
    /// Status choices.
    pub statuses: Vec<Choice>,
    /// Site choices; empty without a site pattern (no site filter or column).
    pub sites: Vec<Choice>,
    /// The current page size, kept by the filter form.
    pub limit: usize,
    /// The table's headers.
    pub columns: Vec<Column>,
    /// This page's rows.
    pub rows: Vec<DeviceRow>,
    /// Devices the filters keep, over all pages.
    pub total: usize,
    /// 1-based number of the first row shown (0 when none).
    pub first: usize,
    /// Number of the last row shown.
    pub last: usize,
    /// The previous page, when there is one.
    pub prev: Option<String>,
    /// The next page, when there is one.
    pub next: Option<String>,
}

/// A fact of the device page: label and value.
pub(super) struct Fact {
    /// What it is.
    pub label: &'static str,
    /// Its value, as text.
    pub value: String,
}

/// `/devices/{hostname}`: one device.
#[derive(Template)]
#[template(path = "serve/device.html")]
pub(super) struct DevicePage {
    /// The header search box's text.
    pub search_q: String,
    /// The device's name (the heading).
    pub hostname: String,
    /// Its status name, and why when it was not walked.
    pub status: String,
    /// Why it has that status (failure reason, filter rule), if recorded.
    pub reason: Option<String>,
    /// The device whose neighbour table led to it.
    pub parent: Option<String>,
    /// Facts in display order.
    pub facts: Vec<Fact>,
    /// Commands it could not answer.
    pub warnings: Vec<String>,
    /// Its interfaces: name, status, VLAN, duplex, speed, type, IP.
    pub interfaces: Vec<[String; 7]>,
    /// Its links: own port, neighbour, neighbour's port, protocols.
    pub links: Vec<[String; 4]>,
    /// Stack members: switch, role, model, serial, version, state.
    pub stack: Vec<[String; 6]>,
    /// VLANs: id, name, ports.
    pub vlans: Vec<[String; 3]>,
    /// End hosts located on its ports (and ambiguous ones it is a
    /// candidate for).
    pub hosts: Vec<super::hosts::HostRow>,
}

/// One line of the search results.
pub(super) struct SearchRow {
    /// The device (links to its page).
    pub hostname: String,
    /// Its management address, or empty.
    pub mgmt_ip: String,
    /// Its status name.
    pub status: String,
    /// The field that matched.
    pub matched: &'static str,
    /// That field's value.
    pub value: String,
}

/// `/search?q=`: several hits, or none.
#[derive(Template)]
#[template(path = "serve/search.html")]
pub(super) struct SearchPage {
    /// The query, also in the header box.
    pub search_q: String,
    /// The hits shown.
    pub rows: Vec<SearchRow>,
    /// Every hit, also those not shown.
    pub total: usize,
    /// End hosts the query names (a MAC or an address).
    pub hosts: Vec<super::hosts::HostRow>,
}

/// An error page (unknown device, bad filter, store problem).
#[derive(Template)]
#[template(path = "serve/error.html")]
pub(super) struct ErrorPage {
    /// The header search box's text.
    pub search_q: String,
    /// The status line, e.g. `404 Not Found`.
    pub title: String,
    /// What went wrong, in words.
    pub message: String,
}

/// `/login`: the login form.
#[derive(Template)]
#[template(path = "serve/login.html")]
pub(super) struct LoginPage {
    /// The header search box's text (empty).
    pub search_q: String,
    /// The name typed last time (kept after a failure), never the password.
    pub user: String,
    /// Where to go after logging in (a local path).
    pub next: String,
    /// The form's CSRF token.
    pub csrf: String,
    /// Why the last attempt failed, or empty.
    pub error: String,
}

/// `/logout`: the log-out button.
#[derive(Template)]
#[template(path = "serve/logout.html")]
pub(super) struct LogoutPage {
    /// The header search box's text (empty).
    pub search_q: String,
    /// Who is logged in; `None` when authentication is off.
    pub user: Option<String>,
    /// The form's CSRF token.
    pub csrf: String,
}

/// `/admin/users`: users and API tokens.
#[derive(Template)]
#[template(path = "serve/users.html")]
pub(super) struct UsersPage {
    /// The header search box's text (empty).
    pub search_q: String,
    /// Name, role, created, updated.
    pub users: Vec<[String; 4]>,
    /// Name, user, created.
    pub tokens: Vec<[String; 3]>,
}
