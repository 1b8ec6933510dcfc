//! MAC vendors from the IEEE registries (MA-L, MA-M, MA-S, CID, IAB) as
//! compiled into the `oui-data` crate: no file to ship, no network access
//! at run time. The most specific registration wins (36, then 28, then 24
//! bits).

use crate::model::MacAddr;

/// The organisation registered for `mac`'s prefix; `None` for a locally
/// administered address (randomised phone and laptop MACs, VMs with
/// made-up addresses), which no registration covers.
pub fn vendor(mac: MacAddr) -> Option<&'static str> {
    if mac.0[0] & 0b10 != 0 {
        return None;
    }
    let hex: String = mac.0.iter().map(|b| format!("{b:02X}")).collect();
    oui_data::lookup(&hex).map(|r| r.organization())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mac(s: &str) -> MacAddr {
        device_parsers::parse_mac(s).unwrap()
    }

    #[test]
    fn registered_prefixes_name_their_owner() {
        assert_eq!(vendor(mac("0000.0c07.ac01")), Some("Cisco Systems, Inc"));
        assert_eq!(vendor(mac("00:50:56:00:00:01")), Some("VMware, Inc."));
        // A locally administered address has no vendor, whatever its bits.
        assert_eq!(vendor(mac("02:00:0c:07:ac:01")), None);
    }
}
