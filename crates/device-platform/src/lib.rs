//! The platform vocabulary: which device operating systems the product
//! knows ([`Platform`], with the netmiko / ntc-templates names), and
//! [`detect_platform`] from `show version` text.
//!
//! Its own small crate so the session layer and the simulator, which need
//! only these names and the detection, do not pull in the parsers.

pub mod detect;
pub mod platform;
pub mod text;

pub use detect::detect_platform;
pub use platform::{Platform, UnknownPlatform};
