//! One sync: the inventory read from the store (one read transaction),
//! the desired state, NetBox's current state, the plan, and (unless a dry
//! run) the writes. The tag is ensured first: everything created carries it.

use super::apply::{ApplyError, apply};
use super::client::{NetboxClient, NetboxError};
use super::current;
use super::desired::{DesiredOptions, desired};
use super::failure::Failure;
use super::plan::{Plan, plan};
use super::token::Token;
use crate::site::{SitePatternError, assign_sites};
use crate::snapshot::Snapshot;
use crate::store::{StoreError, StoreReader};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Everything a sync needs.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// NetBox's base URL (`http://host:port`).
    pub url: String,
    /// The API token.
    pub token: Token,
    /// The inventory store to read.
    pub store: crate::store::StoreLocation,
    /// Plan only: nothing is written.
    pub dry_run: bool,
    /// Also delete tagged objects the inventory no longer has.
    pub prune: bool,
    /// Sites from hostnames (as for `report`); else `desired.default_site`.
    pub site_pattern: Option<String>,
    /// The tag (slug) that marks netwalker's objects.
    pub tag: String,
    /// Default site and interface scope.
    pub desired: DesiredOptions,
    /// Each request's deadline.
    pub timeout: Duration,
}

/// What a sync did.
#[derive(Debug, Clone)]
pub struct SyncReport {
    /// NetBox's version, from /api/status/.
    pub netbox_version: String,
    /// The plan (applied unless a dry run).
    pub plan: Plan,
    /// Whether the plan was written.
    pub applied: bool,
    /// Writes made.
    pub writes: usize,
    /// Inventory facts not synced, and why.
    pub notes: Vec<String>,
    /// Time reading NetBox, planning and writing.
    pub read_time: Duration,
    /// Time writing.
    pub write_time: Duration,
}

/// A sync that could not run or finish.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("cannot read the inventory store: {0}")]
    Store(#[from] StoreError),
    #[error(transparent)]
    SitePattern(#[from] SitePatternError),
    /// The URL cannot be used (no request was made).
    #[error(transparent)]
    Url(NetboxError),
    /// NetBox failed before any inventory object was written.
    #[error(
        "NetBox at {url} {} while {step}: {error}. No inventory object was written. To finish: {}, then rerun the same `netwalker sync netbox`",
        Failure::of(error).happened(),
        Failure::of(error).remedy()
    )]
    Netbox {
        /// NetBox's base URL (no credentials), so the message says which NetBox.
        url: String,
        /// What the sync was doing.
        step: &'static str,
        /// NetBox's (or the transport's) error; in the message, not a
        /// `source`, so a chain printer does not repeat it.
        error: NetboxError,
    },
    #[error(transparent)]
    Apply(#[from] ApplyError),
}

/// The error of `step` against `client`'s NetBox.
fn nb<'a>(
    client: &'a NetboxClient,
    step: &'static str,
) -> impl FnOnce(NetboxError) -> SyncError + 'a {
    move |error| SyncError::Netbox {
        url: client.url().to_string(),
        step,
        error,
    }
}

/// Runs one sync; `progress` hears each phase (for stderr).
pub async fn sync(
    opts: &SyncOptions,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<SyncReport, SyncError> {
    let snap = {
        let reader = StoreReader::open(opts.store.clone())?;
        Snapshot::read(&reader)?
    };
    let sites = assign_sites(opts.site_pattern.as_deref(), &snap.devices)?;
    let want = desired(&snap, sites.as_ref(), &opts.desired);
    drop(snap);
    let client =
        NetboxClient::new(&opts.url, opts.token.clone(), opts.timeout).map_err(SyncError::Url)?;
    let t0 = Instant::now();
    let status = client
        .status()
        .await
        .map_err(nb(&client, "checking NetBox"))?;
    let netbox_version = status
        .get("netbox-version")
        .and_then(Value::as_str)
        .unwrap_or("?")
        .to_string();
    if !opts.dry_run {
        ensure_tag(&client, &opts.tag).await?;
    }
    progress("reading NetBox");
    let have = current::read(&client, &opts.tag)
        .await
        .map_err(nb(&client, "reading NetBox"))?;
    let plan = plan(&want.records, &have, opts.prune);
    let read_time = t0.elapsed();
    let t1 = Instant::now();
    let mut writes = 0;
    if !opts.dry_run && plan.totals().changes() > 0 {
        writes = apply(&client, &plan, &opts.tag, progress).await?;
    }
    Ok(SyncReport {
        netbox_version,
        applied: !opts.dry_run,
        plan,
        writes,
        notes: want.notes,
        read_time,
        write_time: t1.elapsed(),
    })
}

/// Creates the tag unless it exists.
async fn ensure_tag(client: &NetboxClient, tag: &str) -> Result<(), SyncError> {
    let found = client
        .get_path(&format!("extras/tags/?slug={tag}"), "reading the tag")
        .await
        .map_err(nb(client, "reading the tag"))?;
    if found.get("count").and_then(Value::as_u64).unwrap_or(0) > 0 {
        return Ok(());
    }
    client
        .post_path(
            "extras/tags/",
            &json!({"name": tag, "slug": tag, "color": "2196f3",
                    "description": "created and kept up to date by netwalker sync netbox"}),
            "creating the tag",
        )
        .await
        .map_err(nb(client, "creating the tag"))?;
    Ok(())
}
