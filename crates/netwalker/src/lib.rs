//! netwalker
//!
//! Data side: [`model`] (typed inventory), [`identity`] (dedup index).

pub mod filter;
pub mod identity;
pub mod model;
pub mod seeds;
pub mod store;
