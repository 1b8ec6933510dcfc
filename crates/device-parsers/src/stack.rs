//! `show switch` and `show switch detail` (Catalyst stacks).

use crate::text::non_empty;
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

/// One stack member.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StackMember {
    /// Member number (`Switch#`): the member's key in the stack.
    pub switch: u32,
    /// `Active`, `Standby`, `Member`, `Master`...
    pub role: String,
    /// MAC as printed (`04bd.9715.5140`).
    pub mac_address: String,
    /// Election priority.
    pub priority: Option<u32>,
    /// Hardware version (`H/W Version`).
    pub hw_version: Option<String>,
    /// `Ready`, `Provisioned`, `Unprovisioned`, `V-Mismatch`...
    pub state: String,
    /// True for the member marked `*` (the one we are logged in to).
    pub current: bool,
    /// Stack port 1/2 status and neighbour (detail only).
    pub stack_port1: Option<String>,
    /// Stack port 2 status (detail only).
    pub stack_port2: Option<String>,
    /// Member on stack port 1 (detail only).
    pub neighbor1: Option<String>,
    /// Member on stack port 2 (detail only).
    pub neighbor2: Option<String>,
}

static RE_MEMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\s*(\*)?\s*(\d+)\s+(\S+)\s+([0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4})\s+(\d+)\s+(\S.*?)\s*$",
    )
    .expect("static regex")
});
static RE_PORTS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(\d+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s*$").expect("static regex")
});

/// Parses `show switch` / `show switch detail`.
pub fn parse_show_switch(text: &str) -> Vec<StackMember> {
    let mut out: Vec<StackMember> = Vec::new();
    let mut in_ports = false;
    let mut by_switch: std::collections::HashMap<u32, usize> = std::collections::HashMap::new();
    for line in crate::text::lines(text) {
        if line.contains("Stack Port Status") {
            in_ports = true;
            continue;
        }
        if line.trim_start().starts_with("Switch#") && line.contains("Role") {
            in_ports = false;
            continue;
        }
        if !in_ports {
            if let Some(c) = RE_MEMBER.captures(line) {
                let Ok(switch) = c[2].parse() else { continue };
                // Without H/W version the state lands in group 7 alone; a
                // two-token state ("Version Mismatch") also ends up there.
                // "V03     Ready", or just "Unprovisioned" when the H/W
                // column is blank.
                let rest = &c[6];
                let (hw, state) = match rest.split_once(char::is_whitespace) {
                    Some((a, b)) if looks_like_hw(a) => (non_empty(a), b.trim().to_string()),
                    _ => (None, rest.to_string()),
                };
                by_switch.insert(switch, out.len());
                out.push(StackMember {
                    switch,
                    role: c[3].to_string(),
                    mac_address: c[4].to_string(),
                    priority: c[5].parse().ok(),
                    hw_version: hw,
                    state,
                    current: c.get(1).is_some(),
                    ..Default::default()
                });
            }
        } else if let Some(c) = RE_PORTS.captures(line)
            && let Ok(sw) = c[1].parse::<u32>()
            && let Some(&i) = by_switch.get(&sw)
            && let Some(m) = out.get_mut(i)
        {
            m.stack_port1 = Some(c[2].to_string());
            m.stack_port2 = Some(c[3].to_string());
            m.neighbor1 = Some(c[4].to_string());
            m.neighbor2 = Some(c[5].to_string());
        }
    }
    out
}

fn looks_like_hw(s: &str) -> bool {
    s.len() <= 4 && (s.starts_with('V') || s.bytes().all(|b| b.is_ascii_digit()))
}
