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
    /// `?<filters and sort>` (no paging) for the view's downloads, or empty.
    pub export_query: String,
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
    /// What "walk again" seeds (its address), when the server can walk
    /// and the user may.
    pub walk_seed: Option<String>,
    /// The "walk again" form's CSRF token.
    pub csrf: String,
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
    /// Its interfaces: name, status, VLAN, duplex, speed, type, IP,
    /// description.
    pub interfaces: Vec<[String; 8]>,
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
    /// The interface whose description matched (empty otherwise): a
    /// description alone does not say which port it is on.
    pub on: String,
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

/// One report on the Reports page.
pub(super) struct ReportLink {
    /// Its path segment (`/reports/<slug>`) and download stem.
    pub slug: &'static str,
    /// Its title.
    pub title: &'static str,
    /// The question it answers.
    pub about: &'static str,
}

/// `/reports`: the reports, and the whole-inventory downloads.
#[derive(Template)]
#[template(path = "serve/reports.html")]
pub(super) struct ReportsPage {
    /// The header search box's text.
    pub search_q: String,
    /// Every report, in order.
    pub reports: Vec<ReportLink>,
}

/// One cell of a report page.
pub(super) struct ReportCell {
    /// The cell as text.
    pub text: String,
    /// A device page it links to (device-name columns).
    pub href: Option<String>,
}

/// `/reports/<slug>`: one report as a table, with its downloads.
#[derive(Template)]
#[template(path = "serve/report.html")]
pub(super) struct ReportPage {
    /// The header search box's text.
    pub search_q: String,
    /// The report's path segment, for its download links.
    pub slug: &'static str,
    /// Its title.
    pub title: String,
    /// The question it answers.
    pub about: &'static str,
    /// The header row.
    pub columns: Vec<String>,
    /// The rows shown (at most `MAX_PAGE_ROWS`).
    pub rows: Vec<Vec<ReportCell>>,
    /// Rows shown.
    pub shown: usize,
    /// Rows in the report (the downloads have all of them).
    pub total: usize,
}

/// One row of the runs table.
pub(super) struct RunRow {
    /// The run number.
    pub id: i64,
    /// `finished` or `unfinished`.
    pub state: &'static str,
    /// When it began.
    pub started: String,
    /// `m:ss`, or empty while unfinished.
    pub duration: String,
    /// Its seeds.
    pub seeds: String,
    /// Devices walked (empty while unfinished).
    pub walked: String,
    /// Devices that failed.
    pub failed: String,
    /// Devices filtered, skipped or only seen as neighbours.
    pub other: String,
}

/// `/runs`: the walk started here, the start form, every walk recorded.
#[derive(Template)]
#[template(path = "serve/runs.html")]
pub(super) struct RunsPage {
    /// The header search box's text.
    pub search_q: String,
    /// The runs, newest first.
    pub rows: Vec<RunRow>,
    /// Whether this server can start walks (it has credentials).
    pub walks_enabled: bool,
    /// Walks go to `netwalker worker`s through the store's queue (the
    /// page says so: without a worker running they do not progress).
    pub through_workers: bool,
    /// Whether this user may start and cancel them (admins; everyone
    /// without authentication).
    pub may_walk: bool,
    /// The forms' CSRF token.
    pub csrf: String,
    /// The depth field's default (the server's setting), or empty.
    pub default_depth: String,
    /// The walk started here last, if any.
    pub live: Option<LiveView>,
    /// The page's script (a constant, allowed by hash; the one value the
    /// template does not escape).
    pub live_js: &'static str,
}

/// The walk started here last, for the Runs page.
pub(super) struct LiveView {
    /// `running`, `finished` or `failed`.
    pub state: &'static str,
    /// Whether it is still running (the live script and Cancel show).
    pub running: bool,
    /// Its seeds.
    pub seeds: String,
    /// When it started.
    pub started: String,
    /// Its counters.
    pub walked: u64,
    pub failed: u64,
    pub queued: u64,
    pub in_flight: u64,
    pub discovered: u64,
    /// How it ended (summary or error), once it has.
    pub message: String,
}

impl LiveView {
    pub(super) fn of(w: &super::walks::LiveWalk) -> LiveView {
        LiveView {
            state: w.state,
            running: w.end.is_none(),
            seeds: w.seeds.join(", "),
            started: crate::stamp::format_time(w.started),
            walked: w.progress.walked,
            failed: w.progress.failed,
            queued: w.progress.queued,
            in_flight: w.progress.in_flight,
            discovered: w.progress.discovered,
            message: w
                .end
                .as_ref()
                .map(|e| e.message.clone())
                .unwrap_or_default(),
        }
    }
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
