//! IOS / IOS-XE `show etherchannel summary` and NX-OS `show port-channel
//! summary`: which ports are bundled into which port-channel. A switch
//! learns MACs on the port-channel while CDP/LLDP sees the neighbour on a
//! member, so end-host tracking needs the membership to tell that a
//! port-channel is an uplink.
//!
//! ```text
//! Group  Port-channel  Protocol    Ports
//! ------+-------------+-----------+------------------------------------
//! 1      Po1(SU)         LACP      Gi1/0/49(P) Gi1/0/50(P)
//! 10     Po10(SU)    Eth      LACP      Eth1/1(P)
//!                                       Eth1/2(s)
//! ```

use crate::text::lines;
use serde::{Deserialize, Serialize};

/// One port-channel and its member ports, as printed (`Po1`, `Gi1/0/49`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PortChannel {
    /// The port-channel (`Po1`) without its flags.
    pub name: String,
    /// Its members without their flags, in printed order; whatever their
    /// state (bundled, suspended, down): they are cabled to the same peer.
    pub members: Vec<String>,
}

/// Parses either summary. A row starts with the group number and the
/// port-channel with its flags; members follow, and continue on indented
/// lines of members only. Legends, headers and counts are skipped.
pub fn parse_port_channel_summary(text: &str) -> Vec<PortChannel> {
    let mut out: Vec<PortChannel> = Vec::new();
    // True while the previous line was a group row (or its continuation).
    let mut in_group = false;
    for line in lines(text) {
        let tokens: Vec<&str> = line.split_whitespace().collect();
        if let [group, channel, rest @ ..] = tokens.as_slice()
            && group.bytes().all(|b| b.is_ascii_digit())
            && let Some(name) = flagged(channel).filter(|n| is_port_channel(n))
        {
            out.push(PortChannel {
                name: name.to_string(),
                members: rest
                    .iter()
                    .filter_map(|t| flagged(t))
                    .map(str::to_string)
                    .collect(),
            });
            in_group = true;
            continue;
        }
        let continues = in_group
            && line.starts_with([' ', '\t'])
            && !tokens.is_empty()
            && tokens.iter().all(|t| flagged(t).is_some());
        match (continues, out.last_mut()) {
            (true, Some(pc)) => pc
                .members
                .extend(tokens.iter().filter_map(|t| flagged(t)).map(str::to_string)),
            _ => in_group = false,
        }
    }
    out
}

/// `Gi1/0/49` of `Gi1/0/49(P)`: an interface name (letters, then a digit)
/// followed by its flags in parentheses; `None` for anything else.
fn flagged(t: &str) -> Option<&str> {
    let (name, flags) = t.split_once('(')?;
    let ok = flags.ends_with(')')
        && !flags[..flags.len() - 1].contains(['(', ')'])
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.contains(|c: char| c.is_ascii_digit());
    ok.then_some(name)
}

/// `Po1`, `Port-channel1`, `port-channel10`.
fn is_port_channel(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("po")
        && lower
            .trim_start_matches(|c: char| c.is_ascii_alphabetic() || c == '-')
            .starts_with(|c: char| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    const IOS: &str = "Flags:  D - down        P - bundled in port-channel
        I - stand-alone s - suspended
        H - Hot-standby (LACP only)
        R - Layer3      S - Layer2
        U - in use      f - failed to allocate aggregator

        M - not in use, minimum links not met
        u - unsuitable for bundling
        w - waiting to be aggregated
        d - default port

        A - formed by Auto LAG


Number of channel-groups in use: 2
Number of aggregators:           2

Group  Port-channel  Protocol    Ports
------+-------------+-----------+-----------------------------------------------
1      Po1(SU)         LACP      Gi1/0/49(P) Gi1/0/50(P)
2      Po2(SD)          -        Te1/1/1(D)  Te1/1/2(s)
                                 Te1/1/3(P)
";

    const NXOS: &str = "Flags:  D - Down        P - Up in port-channel (members)
        I - Individual  H - Hot-standby (LACP only)
        s - Suspended   r - Module-removed
        b - BFD Session Wait
        S - Switched    R - Routed
        U - Up (port-channel)
        p - Up in delay-lacp mode (member)
        M - Not in use. Min-links not met
--------------------------------------------------------------------------------
Group Port-       Type     Protocol  Member Ports
      Channel
--------------------------------------------------------------------------------
1     Po1(SU)     Eth      LACP      Eth1/49(P)   Eth1/50(P)
10    Po10(SU)    Eth      LACP      Eth1/1(P)
                                     Eth1/2(P)
";

    fn pc(name: &str, members: &[&str]) -> PortChannel {
        PortChannel {
            name: name.into(),
            members: members.iter().map(|m| m.to_string()).collect(),
        }
    }

    #[test]
    fn ios_groups_with_wrapped_members() {
        assert_eq!(
            parse_port_channel_summary(IOS),
            [
                pc("Po1", &["Gi1/0/49", "Gi1/0/50"]),
                pc("Po2", &["Te1/1/1", "Te1/1/2", "Te1/1/3"]),
            ]
        );
    }

    #[test]
    fn nxos_groups_with_wrapped_members() {
        assert_eq!(
            parse_port_channel_summary(NXOS),
            [
                pc("Po1", &["Eth1/49", "Eth1/50"]),
                pc("Po10", &["Eth1/1", "Eth1/2"]),
            ]
        );
    }

    #[test]
    fn legends_and_empty_summaries_have_no_groups() {
        let empty = IOS.split("Group").next().unwrap();
        assert!(parse_port_channel_summary(empty).is_empty());
        assert!(parse_port_channel_summary("").is_empty());
        // A legend line with parentheses is not a continuation.
        assert_eq!(flagged("(LACP"), None);
        assert_eq!(flagged("Po1(SU)"), Some("Po1"));
        assert_eq!(flagged("Po1(S(U)"), None);
        assert!(!is_port_channel("Port"));
        assert!(is_port_channel("port-channel10"));
    }
}
