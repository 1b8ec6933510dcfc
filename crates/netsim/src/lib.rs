//! netsim: a simulated network of CLI devices on loopback.
//!
//! A [`Topology`] (TOML) names devices, links, stacks, VLANs and faults. A
//! [`Lab`] serves it: every device listens for SSH (russh) and/or telnet on its
//! own 127.x.y.z address (its own sockets, or one shared pair of sockets
//! routing by the address dialled: [`Listen`]), speaks its platform's prompts and paging, and prints
//! CDP/LLDP neighbours consistent with the topology on both ends of each link.
//! The lab counts every session it sees ([`Stats`]), which is how the rest of
//! the product proves it closes what it opens.
//!
//! Module map: `topology` (file format, validation, per-device link index),
//! `render` (what each command prints, one platform per file), `shell` (the
//! device shell: prompts, paging, faults as a pure state machine), `server`
//! (listeners, SSH and telnet drivers, shutdown), `delays` (real-world
//! slowness: round trip, handshake, per-command time, jitter; seeded),
//! `stats` (accounting),
//! `generate` (campus generator, multi-site beyond one campus, and ground
//! truth), `endhosts` (the end-host table and the MAC/ARP tables it fills).

pub mod delays;
pub mod endhosts;
pub mod generate;
mod host_keys;
pub mod render;
pub mod server;
pub mod shell;
pub mod stats;
pub mod topology;

pub use delays::{Delays, Span};
pub use generate::{DelayOptions, GenerateOptions, Truth, generate, truth};
pub use server::{DeviceAddrs, Lab, LabConfig, LabError, Listen};
pub use stats::{DeviceStats, Stats};
pub use topology::{
    DeviceKind, DeviceSpec, Fault, LinkSpec, Protocol, Quirk, ServedTransports, Topology,
};
