//! netwalker: network topology discovery over CDP/LLDP.
//!
//! Data side (no sessions, no parsers):
//! - [`model`]: the typed inventory (devices, links, stacks, VLANs, runs) and
//!   the `inventory.json` contract ([`model::Inventory`]);
//! - [`identity`]: the dedup index that decides whether a sighting is a known device;
//! - [`store`]: the SQLite inventory store (one writer thread; up to 64 devices per
//!   transaction, a savepoint per device);
//! - [`filter`]: decisions made before any connection;
//! - [`locate`]: where a MAC is (the edge-port rule over MAC sightings);
//! - [`addr`]: address scope (private ranges);
//! - [`seeds`]: seed arguments, seed files and their resolution;
//! - [`config`]: TOML config, CLI overrides, effective settings, credentials.
//!
//! Output side: [`report`], [`diagram`], [`exec`], all built on
//! [`snapshot`] (the inventory read in one transaction), [`site`] (sites from
//! hostnames), [`table`] (format-neutral tables and their xlsx/CSV/JSON
//! writers) and [`stamp`] (times in file names and reports); [`fsname`]
//! turns device and site names into safe file names, [`term`] makes device
//! strings safe to print.

pub mod addr;
pub mod auth;
pub mod config;
pub mod diagram;
pub mod dns;
pub mod endhosts;
pub mod engine;
pub mod exec;
pub mod filter;
pub mod find;
pub mod fsname;
pub mod identity;
pub mod locate;
pub mod login;
pub mod model;
#[cfg(feature = "netbox")]
pub mod netbox;
pub mod oui;
pub mod pool;
pub mod remote;
pub mod report;
pub mod run;
pub mod seeds;
#[cfg(feature = "serve")]
pub mod serve;
pub mod signal;
pub mod site;
pub mod snapshot;
pub mod stamp;
pub mod store;
pub mod table;
pub mod term;
pub mod worker;
