//! Pure functions from raw CLI text to typed records.
//!
//! Every parser here is total: it takes any `&str` (truncated, garbage, another
//! platform's output) and returns records, possibly empty, never a panic. The
//! walker treats "nothing parsed" as data, not as a crash.

pub mod platform;

pub use platform::Platform;
