//! LLDP neighbours: IOS / IOS-XE / NX-OS (and IOS-XR) `show lldp neighbors
//! detail`, and Linux lldpd `lldpcli show neighbors details` in text and
//! JSON form. All produce the same record.

use crate::normalize::{Capability, normalize_hostname, parse_capabilities};
use crate::text::{is_rule, kv, leading_u32, non_empty, starts_with_ci};
use serde::{Deserialize, Serialize};

/// One LLDP neighbour.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LldpNeighbor {
    /// Our port. Some IOS releases do not print it (`None` then).
    pub local_interface: Option<String>,
    /// `Chassis id:` (often a MAC): identifies the neighbour without a name.
    pub chassis_id: Option<String>,
    /// `Port id:` (often the remote interface name, sometimes a MAC or number).
    pub port_id: Option<String>,
    /// `Port Description:`, the remote port's description.
    pub port_description: Option<String>,
    /// `System Name:` as printed.
    pub system_name: Option<String>,
    /// Normalised system name (or chassis id if no name was advertised).
    pub name: Option<String>,
    /// `System Description:`: vendor, model and software for the inventory.
    pub system_description: Option<String>,
    /// Supported capabilities.
    pub system_capabilities: Vec<Capability>,
    /// Enabled capabilities (what the device is doing).
    pub capabilities: Vec<Capability>,
    /// Enabled capabilities as printed.
    pub capabilities_raw: Option<String>,
    /// Advertised management addresses: where to walk next.
    pub management_addresses: Vec<String>,
    /// `Vlan ID:` (port VLAN), when advertised.
    pub vlan_id: Option<u32>,
    /// `Time remaining:` in seconds: how fresh the entry is.
    pub time_remaining: Option<u32>,
    /// LLDP-MED inventory (phones, APs).
    pub manufacturer: Option<String>,
    /// LLDP-MED model name.
    pub model: Option<String>,
    /// LLDP-MED serial number.
    pub serial: Option<String>,
    /// LLDP-MED software revision.
    pub software_revision: Option<String>,
}

impl LldpNeighbor {
    /// The neighbour's port as best we know it: the port id when it looks
    /// like an interface name, else the port description, else the id.
    pub fn remote_interface(&self) -> Option<&str> {
        let id = self.port_id.as_deref();
        let looks_like_if = id.is_some_and(|p| {
            p.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && p.chars().any(|c| c.is_ascii_digit())
                && crate::normalize::parse_mac(p).is_none()
        });
        if looks_like_if {
            id
        } else {
            self.port_description.as_deref().or(id)
        }
    }

    fn is_empty(&self) -> bool {
        self.chassis_id.is_none() && self.system_name.is_none() && self.port_id.is_none()
    }

    fn finish(mut self) -> Self {
        self.name = self
            .system_name
            .as_deref()
            .map(normalize_hostname)
            .or_else(|| self.chassis_id.clone());
        self
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Sec {
    None,
    Descr,
    Mgmt,
}

fn push_addr(list: &mut Vec<String>, v: &str) {
    let v = v.split_whitespace().next().unwrap_or("");
    let v = v.split('/').next().unwrap_or("");
    if let Some(s) = crate::normalize::canonical_ip(v) {
        // Bounded dedup: see cdp.rs.
        if list.len() >= 64 || !list.contains(&s) {
            list.push(s);
        }
    }
}

/// Keys that end a multi-line System Description.
const KEYS: &[&str] = &[
    "Time remaining",
    "System Capabilities",
    "Enabled Capabilities",
    "Management Address",
    "Vlan ID",
    "Auto Negotiation",
    "Hold Time",
    "Age",
    "Peer MAC",
    "Peer Source MAC",
    "Local Intf",
    "Local Interface",
    "Chassis id",
    "Port id",
    "Local Port id",
    "Port Description",
    "System Name",
];

/// Parses Cisco-style `show lldp neighbors detail` (IOS, IOS-XE, NX-OS,
/// IOS-XR). A new record starts at a separator line, at `Local Intf:` when
/// the current record already has data, or at a second `Chassis id:` — so
/// releases that omit `Local Intf:` still give one record per neighbour.
pub fn parse_lldp_neighbors_detail(text: &str) -> Vec<LldpNeighbor> {
    let mut out = Vec::new();
    let mut cur = LldpNeighbor::default();
    let mut sec = Sec::None;
    let mut descr: Vec<&str> = Vec::new();

    fn flush(cur: &mut LldpNeighbor, descr: &mut Vec<&str>, out: &mut Vec<LldpNeighbor>) {
        if !descr.is_empty() && cur.system_description.is_none() {
            cur.system_description = Some(descr.join("\n"));
        }
        descr.clear();
        let n = std::mem::take(cur);
        if !n.is_empty() {
            out.push(n.finish());
        }
    }

    for line in crate::text::lines(text) {
        let t = line.trim();
        if is_rule(t) {
            flush(&mut cur, &mut descr, &mut out);
            sec = Sec::None;
            continue;
        }
        let is_key = KEYS.iter().any(|k| starts_with_ci(t, k));
        if sec == Sec::Descr {
            if t.is_empty() || is_key {
                sec = Sec::None;
                if !descr.is_empty() {
                    cur.system_description = Some(descr.join("\n"));
                    descr.clear();
                }
            } else {
                descr.push(t);
                continue;
            }
        }
        if t.is_empty() {
            continue;
        }
        if sec == Sec::Mgmt {
            let indented = line.starts_with(' ') || line.starts_with('\t');
            if indented && !is_key {
                for key in ["IP", "IPV6", "IPv4 address", "IPv6 address"] {
                    if let Some(v) = kv(t, key) {
                        push_addr(&mut cur.management_addresses, v);
                    }
                }
                continue;
            }
            sec = Sec::None;
        }
        if let Some(v) = kv(t, "Local Intf").or_else(|| kv(t, "Local Interface")) {
            if !cur.is_empty() || cur.local_interface.is_some() {
                flush(&mut cur, &mut descr, &mut out);
            }
            cur.local_interface = non_empty(v);
            continue;
        }
        if let Some(v) = kv(t, "Chassis id") {
            if cur.chassis_id.is_some() {
                flush(&mut cur, &mut descr, &mut out);
            }
            cur.chassis_id = non_empty(v);
            continue;
        }
        if let Some(v) = kv(t, "Local Port id") {
            cur.local_interface = non_empty(v);
        } else if let Some(v) = kv(t, "Port id") {
            cur.port_id = non_empty(v);
        } else if let Some(v) = kv(t, "Port Description") {
            cur.port_description = non_empty(v);
        } else if let Some(v) = kv(t, "System Name") {
            cur.system_name = non_empty(v);
        } else if let Some(v) = kv(t, "System Description") {
            sec = Sec::Descr;
            if !v.is_empty() {
                descr.push(v);
            }
        } else if let Some(v) = kv(t, "System Capabilities") {
            cur.system_capabilities = parse_capabilities(v);
        } else if let Some(v) = kv(t, "Enabled Capabilities") {
            cur.capabilities_raw = non_empty(v);
            cur.capabilities = parse_capabilities(v);
        } else if kv(t, "Management Addresses").is_some() {
            sec = Sec::Mgmt;
        } else if let Some(v) = kv(t, "Management Address") {
            // NX-OS singular form, value on the same line.
            push_addr(&mut cur.management_addresses, v);
        } else if let Some(v) = kv(t, "Management Address IPV6") {
            push_addr(&mut cur.management_addresses, v);
        } else if let Some(v) = kv(t, "Vlan ID") {
            cur.vlan_id = leading_u32(v);
        } else if let Some(v) = kv(t, "Time remaining") {
            cur.time_remaining = leading_u32(v);
        } else if let Some(v) = kv(t, "Manufacturer") {
            cur.manufacturer = non_empty(v);
        } else if let Some(v) = kv(t, "Model") {
            cur.model = non_empty(v);
        } else if let Some(v) = kv(t, "Serial number") {
            cur.serial = non_empty(v);
        } else if let Some(v) = kv(t, "Software revision") {
            cur.software_revision = non_empty(v);
        }
    }
    flush(&mut cur, &mut descr, &mut out);
    out
}

/// Parses lldpd's `lldpcli show neighbors details` text output.
pub fn parse_lldpd_text(text: &str) -> Vec<LldpNeighbor> {
    let mut out = Vec::new();
    let mut cur: Option<LldpNeighbor> = None;
    let mut in_descr = false;
    for line in crate::text::lines(text) {
        let t = line.trim();
        if let Some(v) = kv(t, "Interface") {
            if let Some(n) = cur.take()
                && !n.is_empty()
            {
                out.push(n.finish());
            }
            let ifname = v.split(',').next().unwrap_or("");
            cur = Some(LldpNeighbor {
                local_interface: non_empty(ifname),
                ..Default::default()
            });
            in_descr = false;
            continue;
        }
        let Some(n) = cur.as_mut() else { continue };
        if is_rule(t) {
            if !n.is_empty() {
                out.push(cur.take().map(LldpNeighbor::finish).unwrap_or_default());
            } else {
                cur = None;
            }
            continue;
        }
        // SysDescr continuation lines are indented deeper and have no key.
        let has_key = t
            .split_once(':')
            .is_some_and(|(k, _)| !k.contains(' ') && k.len() < 20);
        if in_descr && !has_key && !t.is_empty() {
            if let Some(d) = n.system_description.as_mut() {
                d.push('\n');
                d.push_str(t);
            }
            continue;
        }
        in_descr = false;
        if let Some(v) = kv(t, "ChassisID") {
            n.chassis_id = non_empty(strip_subtype(v));
        } else if let Some(v) = kv(t, "SysName") {
            n.system_name = non_empty(v);
        } else if let Some(v) = kv(t, "SysDescr") {
            n.system_description = non_empty(v);
            in_descr = true;
        } else if let Some(v) = kv(t, "MgmtIP") {
            push_addr(&mut n.management_addresses, v);
        } else if let Some(v) = kv(t, "Capability") {
            let (name, state) = v.split_once(',').unwrap_or((v, ""));
            if let Some(c) = Capability::from_token(name) {
                if !n.system_capabilities.contains(&c) {
                    n.system_capabilities.push(c);
                    n.system_capabilities.sort();
                }
                if state.trim() == "on" && !n.capabilities.contains(&c) {
                    n.capabilities.push(c);
                    n.capabilities.sort();
                }
            }
        } else if let Some(v) = kv(t, "PortID") {
            n.port_id = non_empty(strip_subtype(v));
        } else if let Some(v) = kv(t, "PortDescr") {
            n.port_description = non_empty(v);
        } else if let Some(v) = kv(t, "TTL") {
            n.time_remaining = leading_u32(v);
        } else if let Some(v) = kv(t, "VLAN") {
            if v.contains("pvid: yes") || n.vlan_id.is_none() {
                n.vlan_id = leading_u32(v);
            }
        } else if let Some(v) = kv(t, "Manufacturer") {
            n.manufacturer = non_empty(v);
        } else if let Some(v) = kv(t, "Model") {
            n.model = non_empty(v);
        } else if let Some(v) = kv(t, "Serial") {
            n.serial = non_empty(v);
        } else if let Some(v) = kv(t, "Software") {
            n.software_revision = non_empty(v);
        }
    }
    if let Some(n) = cur
        && !n.is_empty()
    {
        out.push(n.finish());
    }
    out
}

/// lldpd prints `mac 00:11:..` / `ifname eth0` / `local 42`: drop the subtype word.
fn strip_subtype(v: &str) -> &str {
    match v.split_once(' ') {
        Some(("mac" | "ifname" | "ifalias" | "local" | "ip" | "agentid" | "name", rest)) => {
            rest.trim()
        }
        _ => v,
    }
}

/// Parses `lldpcli -f json show neighbors details`. lldpd's JSON changes
/// shape with cardinality (one interface is an object, several are an array
/// of one-key objects; a single capability or address is not wrapped in a
/// list; a chassis without a name is not keyed by name), so this walks a
/// `serde_json::Value` and accepts every shape. Invalid JSON gives no records.
pub fn parse_lldpd_json(text: &str) -> Vec<LldpNeighbor> {
    use serde_json::Value;
    let Ok(root) = serde_json::from_str::<Value>(text) else {
        return Vec::new();
    };
    let lldp = root.get("lldp").unwrap_or(&root);
    let mut ifaces: Vec<(String, &Value)> = Vec::new();
    match lldp.get("interface") {
        Some(Value::Object(m)) => {
            for (k, v) in m {
                for item in as_list(v) {
                    ifaces.push((k.clone(), item));
                }
            }
        }
        Some(Value::Array(a)) => {
            for item in a {
                if let Value::Object(m) = item {
                    for (k, v) in m {
                        ifaces.push((k.clone(), v));
                    }
                }
            }
        }
        _ => {}
    }
    let mut out = Vec::new();
    for (ifname, v) in ifaces {
        let mut n = LldpNeighbor {
            local_interface: Some(ifname),
            ..Default::default()
        };
        if let Some(ch) = v.get("chassis") {
            // Either {"<sysname>": {...}} or {...} directly.
            let (sysname, body) = match ch.as_object() {
                Some(m) if m.len() == 1 && !m.contains_key("id") => {
                    let (k, b) = m
                        .iter()
                        .next()
                        .map(|(k, b)| (Some(k.clone()), b))
                        .unwrap_or((None, ch));
                    (k, b)
                }
                _ => (None, ch),
            };
            n.system_name = sysname.or_else(|| body.get("name").and_then(json_str));
            n.chassis_id = body
                .get("id")
                .and_then(|id| id.get("value").or(Some(id)))
                .and_then(json_str);
            n.system_description = body.get("descr").and_then(json_str);
            for key in ["mgmt-ip", "mgmt-ip6"] {
                if let Some(ips) = body.get(key) {
                    for ip in as_list(ips) {
                        if let Some(s) = json_str(ip) {
                            push_addr(&mut n.management_addresses, &s);
                        }
                    }
                }
            }
            if let Some(caps) = body.get("capability") {
                for c in as_list(caps) {
                    let Some(ty) = c.get("type").and_then(json_str) else {
                        continue;
                    };
                    let Some(cap) = Capability::from_token(&ty) else {
                        continue;
                    };
                    n.system_capabilities.push(cap);
                    if c.get("enabled").and_then(Value::as_bool).unwrap_or(false) {
                        n.capabilities.push(cap);
                    }
                }
                n.system_capabilities.sort();
                n.system_capabilities.dedup();
                n.capabilities.sort();
                n.capabilities.dedup();
            }
        }
        if let Some(port) = v.get("port") {
            n.port_id = port
                .get("id")
                .and_then(|id| id.get("value").or(Some(id)))
                .and_then(json_str);
            n.port_description = port.get("descr").and_then(json_str);
            n.time_remaining = port
                .get("ttl")
                .and_then(json_str)
                .and_then(|s| leading_u32(&s));
        }
        if let Some(vlan) = v.get("vlan") {
            let first = as_list(vlan).into_iter().next();
            n.vlan_id = first
                .and_then(|f| f.get("vlan-id"))
                .and_then(json_str)
                .and_then(|s| leading_u32(&s));
        }
        if let Some(inv) = v.get("lldp-med").and_then(|m| m.get("inventory")) {
            n.manufacturer = inv.get("manufacturer").and_then(json_str);
            n.model = inv.get("model").and_then(json_str);
            n.serial = inv.get("serial").and_then(json_str);
            n.software_revision = inv.get("software").and_then(json_str);
        }
        if !n.is_empty() {
            out.push(n.finish());
        }
    }
    out
}

fn as_list(v: &serde_json::Value) -> Vec<&serde_json::Value> {
    match v {
        serde_json::Value::Array(a) => a.iter().collect(),
        other => vec![other],
    }
}

fn json_str(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => non_empty(s),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}
