//! The platforms the product knows. Shared by the parsers, the session layer
//! (prompt and paging profiles) and the simulator, so that one name means one
//! thing everywhere.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A device operating system family.
///
/// The serde and `Display` names are the netmiko / ntc-templates names, so a
/// user who knows those tools can type what they already know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    CiscoIos,
    CiscoXe,
    CiscoNxos,
    PaloaltoPanos,
    Linux,
}

impl Platform {
    pub const ALL: [Platform; 5] = [
        Platform::CiscoIos,
        Platform::CiscoXe,
        Platform::CiscoNxos,
        Platform::PaloaltoPanos,
        Platform::Linux,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Platform::CiscoIos => "cisco_ios",
            Platform::CiscoXe => "cisco_xe",
            Platform::CiscoNxos => "cisco_nxos",
            Platform::PaloaltoPanos => "paloalto_panos",
            Platform::Linux => "linux",
        }
    }

    /// IOS and IOS-XE share a CLI and (for our commands) output formats.
    pub fn is_ios_family(self) -> bool {
        matches!(self, Platform::CiscoIos | Platform::CiscoXe)
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error for an unknown platform name; lists the ones we know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownPlatform(pub String);

impl fmt::Display for UnknownPlatform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let known: Vec<&str> = Platform::ALL.iter().map(|p| p.as_str()).collect();
        write!(
            f,
            "unknown platform {:?}; supported: {}",
            self.0,
            known.join(", ")
        )
    }
}

impl std::error::Error for UnknownPlatform {}

impl FromStr for Platform {
    type Err = UnknownPlatform;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Ok(match norm.as_str() {
            "cisco_ios" | "ios" => Platform::CiscoIos,
            "cisco_xe" | "cisco_iosxe" | "ios_xe" | "iosxe" => Platform::CiscoXe,
            "cisco_nxos" | "nxos" | "nx_os" => Platform::CiscoNxos,
            "paloalto_panos" | "panos" | "pan_os" => Platform::PaloaltoPanos,
            "linux" | "lldpd" => Platform::Linux,
            _ => return Err(UnknownPlatform(s.to_string())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for p in Platform::ALL {
            assert_eq!(p.as_str().parse::<Platform>().unwrap(), p);
            let json = serde_json::to_string(&p).unwrap();
            assert_eq!(json, format!("\"{}\"", p.as_str()));
        }
        assert_eq!("IOS-XE".parse::<Platform>().unwrap(), Platform::CiscoXe);
        let err = "junos".parse::<Platform>().unwrap_err().to_string();
        assert!(err.contains("junos") && err.contains("cisco_nxos"), "{err}");
    }
}
