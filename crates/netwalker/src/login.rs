//! Logging in to one device: the credential sets tried in order, each one
//! only where its scope allows. Shared by the walk and `exec`.
//!
//! Why scopes: anyone on an access port can advertise a CDP/LLDP
//! management address. A walk that offered every credential set to every
//! advertised address would hand the network's passwords to whoever
//! answers there. A set with `scope = ["10.0.0.0/8"]` is offered to
//! addresses inside it and nowhere else; a set without a scope goes
//! anywhere (the walk's public-address filter still keeps it to private
//! ranges unless told otherwise).

use device_session::{Credentials, OpenOptions, Registry, Session, SessionError, Target};
use ipnet::IpNet;
use std::net::IpAddr;

/// A credential set and the addresses it may be offered to.
#[derive(Debug, Clone)]
pub struct ScopedCredentials {
    /// What is offered: user, password or key, enable secret.
    pub credentials: Credentials,
    /// Where it may be offered; empty means any address.
    pub scope: Vec<IpNet>,
}

impl From<Credentials> for ScopedCredentials {
    /// A set without a scope: offered to any address.
    fn from(credentials: Credentials) -> Self {
        ScopedCredentials {
            credentials,
            scope: Vec::new(),
        }
    }
}

impl ScopedCredentials {
    /// Whether this set may be offered to `ip`.
    pub fn in_scope(&self, ip: IpAddr) -> bool {
        crate::config::scope_contains(&self.scope, ip)
    }
}

/// The sets that may be offered to `ip`, in the configured order.
pub fn offered_to(sets: &[ScopedCredentials], ip: IpAddr) -> impl Iterator<Item = &Credentials> {
    sets.iter()
        .filter(move |s| s.in_scope(ip))
        .map(|s| &s.credentials)
}

/// Why a device is never connected to: no set is scoped to its address.
/// `None` when at least one set may be offered there.
pub fn out_of_scope(sets: &[ScopedCredentials], ip: IpAddr) -> Option<String> {
    if offered_to(sets, ip).next().is_some() {
        return None;
    }
    let scopes: Vec<String> = sets
        .iter()
        .flat_map(|s| s.scope.iter().map(IpNet::to_string))
        .collect();
    Some(format!(
        "no credential set is scoped to {ip} (scopes: {}); add its range to a set's scope to log in there",
        scopes.join(", ")
    ))
}

/// Opens a session to `target` (whose address is `ip`), offering the sets
/// in scope for `ip` in order. A rejected set moves on to the next; any
/// other failure ends the attempt (and device-session never falls back to
/// telnet after an authentication failure). The caller has checked with
/// [`out_of_scope`] that some set may be offered; if none may, the result
/// is the authentication failure nothing was offered for.
pub async fn open_session(
    registry: &Registry,
    target: &Target,
    ip: IpAddr,
    sets: &[ScopedCredentials],
    opts: &OpenOptions,
) -> Result<Session, SessionError> {
    let offered: Vec<&Credentials> = offered_to(sets, ip).collect();
    let mut last_err = None;
    for (i, creds) in offered.iter().enumerate() {
        match registry.open(target, creds, opts).await {
            Ok(s) => return Ok(s),
            Err(e @ SessionError::AuthFailed { .. }) if i + 1 < offered.len() => {
                tracing::debug!(device = %ip, "credential set {} rejected, trying the next", i + 1);
                last_err = Some(e);
            }
            Err(e) => return Err(e),
        }
    }
    Err(last_err.unwrap_or_else(|| SessionError::AuthFailed {
        device: device_session::DeviceLabel::new(ip.to_string()),
        user: "(no credential set in scope)".into(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(user: &str, scope: &[&str]) -> ScopedCredentials {
        ScopedCredentials {
            credentials: Credentials::password(user, "pw"),
            scope: scope.iter().map(|s| s.parse().unwrap()).collect(),
        }
    }

    #[test]
    fn sets_are_offered_only_inside_their_scope_in_order() {
        let sets = [
            set("campus", &["10.0.0.0/8"]),
            set("dc", &["172.16.0.0/12", "10.9.0.0/16"]),
            set("anywhere", &[]),
        ];
        let users = |ip: &str| -> Vec<String> {
            offered_to(&sets, ip.parse().unwrap())
                .map(|c| c.username.clone())
                .collect()
        };
        assert_eq!(users("10.9.1.1"), ["campus", "dc", "anywhere"]);
        assert_eq!(users("10.1.1.1"), ["campus", "anywhere"]);
        assert_eq!(users("172.20.0.1"), ["dc", "anywhere"]);
        assert_eq!(users("192.168.1.1"), ["anywhere"]);
        assert_eq!(users("::ffff:10.1.1.1"), ["campus", "anywhere"]);
    }

    #[test]
    fn an_address_no_set_covers_is_out_of_scope_with_a_reason() {
        let sets = [set("campus", &["10.0.0.0/8"])];
        assert_eq!(out_of_scope(&sets, "10.1.2.3".parse().unwrap()), None);
        let why = out_of_scope(&sets, "192.168.7.7".parse().unwrap()).unwrap();
        assert!(
            why.contains("192.168.7.7") && why.contains("10.0.0.0/8"),
            "{why}"
        );
        assert_eq!(
            out_of_scope(&[set("x", &[])], "8.8.8.8".parse().unwrap()),
            None
        );
    }
}
