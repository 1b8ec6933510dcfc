//! netwalker
//!
//! Data side: [`model`] (typed inventory), [`identity`] (dedup index).

pub mod identity;
pub mod model;
pub mod store;
