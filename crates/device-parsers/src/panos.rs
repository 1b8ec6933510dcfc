//! PAN-OS `show system info` and `show high-availability state`.

use crate::text::{kv, non_empty, uptime_seconds};
use serde::{Deserialize, Serialize};

/// PAN-OS `show system info`: `key: value` lines.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PanosSystemInfo {
    /// `hostname:`, the device's name.
    pub hostname: Option<String>,
    /// `ip-address:`, the management address.
    pub ip_address: Option<String>,
    /// `netmask:` of the management address.
    pub netmask: Option<String>,
    /// `default-gateway:` of the management interface.
    pub default_gateway: Option<String>,
    /// `ipv6-address:` of the management interface.
    pub ipv6_address: Option<String>,
    /// `mac-address:` of the management interface.
    pub mac_address: Option<String>,
    /// `uptime:` as printed.
    pub uptime: Option<String>,
    /// `uptime:` in seconds, for sorting and comparing.
    pub uptime_seconds: Option<u64>,
    /// `family:` (e.g. `vm`, `3200`).
    pub family: Option<String>,
    /// `model:`, e.g. `PA-3220`.
    pub model: Option<String>,
    /// `serial:`, the device's unique id.
    pub serial: Option<String>,
    /// `sw-version:`, PAN-OS release.
    pub sw_version: Option<String>,
    /// `app-version:`, the App-ID content version.
    pub app_version: Option<String>,
    /// `threat-version:`, the threat content version.
    pub threat_version: Option<String>,
    /// `vm-mode:`, the hypervisor of a VM-Series.
    pub vm_mode: Option<String>,
    /// `vm-license:` of a VM-Series.
    pub vm_license: Option<String>,
    /// `platform-family:`.
    pub platform_family: Option<String>,
    /// `multi-vsys:` (`on`/`off`).
    pub multi_vsys: Option<String>,
    /// `operational-mode:` (`normal`, `FIPS-CC`...).
    pub operational_mode: Option<String>,
    /// `vpn-disable-mode:`.
    pub vpn_disable_mode: Option<String>,
}

/// Parses `show system info`. `unknown` values are kept as printed except
/// for addresses, where `unknown` means "none".
pub fn parse_panos_system_info(text: &str) -> PanosSystemInfo {
    let mut s = PanosSystemInfo::default();
    for line in crate::text::lines(text) {
        let Some((k, val)) = line.split_once(':') else {
            continue;
        };
        let key = k.trim();
        if key.contains(' ') {
            continue;
        }
        let val = val.trim();
        let opt = || non_empty(val);
        let addr = || non_empty(val).filter(|v| v != "unknown");
        match key {
            "hostname" => s.hostname = opt(),
            "ip-address" => s.ip_address = addr(),
            "netmask" => s.netmask = addr(),
            "default-gateway" => s.default_gateway = addr(),
            "ipv6-address" => s.ipv6_address = addr(),
            "mac-address" => s.mac_address = opt(),
            "uptime" => s.uptime = opt(),
            "family" => s.family = opt(),
            "model" => s.model = opt(),
            "serial" => s.serial = opt(),
            "sw-version" => s.sw_version = opt(),
            "app-version" => s.app_version = opt(),
            "threat-version" => s.threat_version = opt(),
            "vm-mode" => s.vm_mode = opt(),
            "vm-license" => s.vm_license = opt(),
            "platform-family" => s.platform_family = opt(),
            "multi-vsys" => s.multi_vsys = opt(),
            "operational-mode" => s.operational_mode = opt(),
            "vpn-disable-mode" => s.vpn_disable_mode = opt(),
            _ => {}
        }
    }
    s.uptime_seconds = s.uptime.as_deref().and_then(uptime_seconds);
    s
}

/// One side of an HA pair.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PanosHaMember {
    /// `active`, `passive`, `active-primary`, `suspended`, `non-functional`...
    pub state: Option<String>,
    /// HA mode this member reports (`Active-Passive`...).
    pub mode: Option<String>,
    /// Election priority.
    pub priority: Option<String>,
    /// Management address: where to reach this member.
    pub management_ip: Option<String>,
    /// Serial: ties the member to its device record.
    pub serial: Option<String>,
    /// Model.
    pub model: Option<String>,
    /// Software version, to spot members out of step.
    pub version: Option<String>,
}

/// PAN-OS `show high-availability state`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PanosHaState {
    /// HA is configured (`Enabled: yes`); false means a standalone firewall.
    pub enabled: bool,
    /// HA mode (`Active-Passive`, `Active-Active`).
    pub mode: Option<String>,
    /// This firewall's side.
    pub local: PanosHaMember,
    /// The other firewall's side.
    pub peer: PanosHaMember,
    /// Peer `Connection status` (`up` / `down`).
    pub peer_connection: Option<String>,
    /// Running-config sync state (`synchronized`...).
    pub running_sync: Option<String>,
}

pub fn parse_panos_ha_state(text: &str) -> PanosHaState {
    #[derive(PartialEq)]
    enum Sec {
        Top,
        Local,
        Peer,
    }
    let mut ha = PanosHaState::default();
    let mut sec = Sec::Top;
    let mut saw_group = false;
    let mut disabled = false;
    for line in crate::text::lines(text) {
        let t = line.trim();
        if t.starts_with("HA not enabled") || t.eq_ignore_ascii_case("ha not enabled") {
            disabled = true;
        }
        if t.starts_with("Group ") && t.ends_with(':') {
            saw_group = true;
            sec = Sec::Top;
            continue;
        }
        if t.starts_with("Local Information") {
            sec = Sec::Local;
            continue;
        }
        if t.starts_with("Peer Information") {
            sec = Sec::Peer;
            continue;
        }
        if let Some(m) = kv(t, "Enabled") {
            saw_group |= m.eq_ignore_ascii_case("yes");
            disabled |= m.eq_ignore_ascii_case("no");
        }
        let member = match sec {
            Sec::Local => Some(&mut ha.local),
            Sec::Peer => Some(&mut ha.peer),
            Sec::Top => None,
        };
        if let Some(m) = kv(t, "Mode") {
            match member {
                Some(mem) => {
                    if mem.mode.is_none() {
                        mem.mode = non_empty(m);
                    }
                }
                None => ha.mode = non_empty(m),
            }
            continue;
        }
        if let Some(mem) = member {
            if let Some(s) = kv(t, "State") {
                if mem.state.is_none() {
                    mem.state = s.split_whitespace().next().map(str::to_string);
                }
            } else if let Some(p) = kv(t, "Priority") {
                mem.priority = non_empty(p);
            } else if let Some(ip) =
                kv(t, "Management IPv4 Address").or_else(|| kv(t, "Management IP Address"))
            {
                mem.management_ip = non_empty(ip);
            } else if let Some(s) = kv(t, "Serial Number") {
                mem.serial = non_empty(s);
            } else if let Some(s) = kv(t, "Model") {
                mem.model = non_empty(s);
            } else if let Some(s) = kv(t, "Build Release") {
                mem.version = non_empty(s);
            } else if let Some(s) = kv(t, "Connection status")
                && sec == Sec::Peer
            {
                ha.peer_connection = non_empty(s);
            }
        }
        if let Some(s) = kv(t, "Running Sync") {
            ha.running_sync = non_empty(s);
        }
    }
    ha.enabled = saw_group && !disabled;
    if ha.mode.is_none() {
        ha.mode = ha.local.mode.clone();
    }
    ha
}

#[cfg(test)]
mod tests {
    use super::*;

    const HA: &str = "
Group 1:
  Mode: Active-Passive
  Local Information:
    Version: 1
    Mode: Active-Passive
    State: active (last 20 days)
    Device Information:
      Management IPv4 Address: 10.1.1.1/24
      Management IPv6 Address:
    Priority: 100
    Preemptive: no
  Peer Information:
    Connection status: up
    Version: 1
    Mode: Active-Passive
    State: passive (last 20 days)
    Device Information:
      Management IPv4 Address: 10.1.1.2/24
    Priority: 110
  Configuration Synchronization:
    Enabled: yes
    Running Configuration: synchronized
";

    #[test]
    fn ha_pair() {
        let ha = parse_panos_ha_state(HA);
        assert!(ha.enabled);
        assert_eq!(ha.mode.as_deref(), Some("Active-Passive"));
        assert_eq!(ha.local.state.as_deref(), Some("active"));
        assert_eq!(ha.peer.state.as_deref(), Some("passive"));
        assert_eq!(ha.local.management_ip.as_deref(), Some("10.1.1.1/24"));
        assert_eq!(ha.peer.management_ip.as_deref(), Some("10.1.1.2/24"));
        assert_eq!(ha.peer.priority.as_deref(), Some("110"));
        assert_eq!(ha.peer_connection.as_deref(), Some("up"));
    }

    #[test]
    fn ha_disabled() {
        let ha = parse_panos_ha_state("HA not enabled\n");
        assert!(!ha.enabled);
        assert_eq!(ha.local.state, None);
    }
}
