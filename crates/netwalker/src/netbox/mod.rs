//! `netwalker sync netbox`: the inventory into NetBox, safely.
//!
//! - [`desired`]: what NetBox should hold, a pure function of the inventory;
//! - [`current`]: what it holds, read through the API and normalised;
//! - [`plan`]: the diff, one step per object (create, update, unchanged,
//!   conflict, skip, delete), pure, with the safety rules;
//! - [`apply`]: the plan written in dependency order, in bulk;
//! - [`client`]: the API client (one reqwest client, a deadline on every
//!   request, pagination, bulk writes in chunks, typed errors);
//! - [`failure`]: how a request failed, in a user's terms, and what to do
//!   (every NetBox error names NetBox and its URL and ends with the rerun);
//! - [`token`]: the API token, v2 `Bearer nbt_...` or legacy `Token ...`;
//! - [`render`]: the plan as a table for `--dry-run`.
//!
//! Safe by construction: everything created carries the tag; only tagged
//! objects are updated or deleted; an untagged object in the way is a
//! conflict, reported and left alone; `prune` deletes only tagged objects
//! the inventory no longer has.

pub mod apply;
pub mod client;
pub mod current;
pub mod desired;
pub mod failure;
pub mod naming;
pub mod plan;
pub mod record;
pub mod render;
pub mod sync;
pub mod token;

pub use client::{NetboxClient, NetboxError};
pub use desired::{Desired, DesiredOptions, InterfaceScope, desired};
pub use plan::{Action, Plan, Step, Totals, plan};
pub use record::{Current, Kind, Record};
pub use sync::{SyncError, SyncOptions, SyncReport};
pub use token::Token;
