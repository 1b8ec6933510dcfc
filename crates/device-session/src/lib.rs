//! device-session
