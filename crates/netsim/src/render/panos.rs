//! PAN-OS: `show system info` and the few other commands a firewall
//! answers.

use super::{chassis_mac, colon_mac, uptime_parts};
use crate::topology::DeviceSpec;

pub(super) fn system_info(d: &DeviceSpec) -> String {
    let (w, dd, h, m) = uptime_parts(d);
    let o = d.mgmt_ip.octets();
    format!(
        "hostname: {host}
ip-address: {ip}
public-ip-address: unknown
netmask: 255.255.255.0
default-gateway: {o0}.{o1}.{o2}.254
ip-assignment: static
ipv6-address: unknown
ipv6-link-local-address: fe80::21b:17ff:fe00:{o3:x}/64
mac-address: {mac}
time: Mon Nov 23 16:00:00 2026
uptime: {days} days, {h}:{m:02}:07
family: {family}
model: {model}
serial: {serial}
sw-version: {v}
global-protect-client-package-version: 0.0.0
device-dictionary-version: 121-502
app-version: 8791-8589
app-release-date: 2026/11/17 19:21:43 PST
av-version: 0
threat-version: 8791-8589
url-db: paloaltonetworks
wildfire-version: 0
logdb-version: 10.2.1
platform-family: {family}
vpn-disable-mode: off
multi-vsys: off
ZTP: Disabled
operational-mode: normal
advanced-routing: off
device-certificate-status: Valid
",
        host = d.hostname,
        ip = d.mgmt_ip,
        o0 = o[0],
        o1 = o[1],
        o2 = o[2],
        o3 = o[3],
        mac = colon_mac(&chassis_mac(d)),
        days = w * 7 + dd,
        family = d
            .model
            .trim_start_matches("PA-")
            .chars()
            .take(2)
            .collect::<String>()
            + "00",
        model = d.model,
        serial = d.serial,
        v = d.version,
    )
}

/// `show clock` (the same fixed time as the Cisco devices).
pub(super) fn clock() -> String {
    "Mon Nov 23 16:00:00 UTC 2026\n".to_string()
}

/// `show high-availability state` of a standalone firewall.
pub(super) fn ha_state() -> String {
    "HA not enabled\n".to_string()
}
