//! Failed logins, counted per client address and per user name: past
//! [`FREE_FAILURES`] a key is refused for a doubling time (1 s, 2 s, 4 s...
//! at most [`MAX_BLOCK`]) after each further failure, so passwords cannot be
//! tried fast from one address or against one user from many. A success
//! clears both keys. The table is bounded ([`MAX_KEYS`]): when full, the
//! entry failed longest ago is forgotten.
//!
//! The cost: someone who knows a user name can keep that user locked out
//! by failing logins for it (a few minutes at a time); an admin sees it in
//! the server's log.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// Failures a key may have before it is made to wait.
pub(super) const FREE_FAILURES: u32 = 5;
/// The longest wait.
pub(super) const MAX_BLOCK: Duration = Duration::from_secs(300);
/// Keys remembered at most.
pub(super) const MAX_KEYS: usize = 10_000;

/// One key's failures.
#[derive(Clone, Copy)]
struct Entry {
    /// Consecutive failures.
    failures: u32,
    /// When the last one happened (to forget the oldest when full).
    last: Instant,
    /// Refused until then.
    until: Instant,
}

/// The failed-login table.
#[derive(Default)]
pub(super) struct Backoff {
    /// `ip:...` and `user:...` keys.
    keys: Mutex<HashMap<String, Entry>>,
}

fn keys(ip: Option<IpAddr>, user: &str) -> impl Iterator<Item = String> {
    let ip = ip.map(|ip| format!("ip:{ip}"));
    let user = format!("user:{}", user.to_ascii_lowercase());
    ip.into_iter().chain(std::iter::once(user))
}

impl Backoff {
    /// Whether a login from `ip` for `user` must wait now.
    pub(super) fn blocked(&self, ip: Option<IpAddr>, user: &str, now: Instant) -> bool {
        let map = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        keys(ip, user).any(|k| map.get(&k).is_some_and(|e| now < e.until))
    }

    /// Counts a failed login.
    pub(super) fn failed(&self, ip: Option<IpAddr>, user: &str, now: Instant) {
        let mut map = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        for k in keys(ip, user) {
            if !map.contains_key(&k) && map.len() >= MAX_KEYS {
                forget_oldest(&mut map);
            }
            let e = map.entry(k).or_insert(Entry {
                failures: 0,
                last: now,
                until: now,
            });
            e.failures = e.failures.saturating_add(1);
            e.last = now;
            if e.failures > FREE_FAILURES {
                let exp = (e.failures - FREE_FAILURES - 1).min(16);
                e.until = now + Duration::from_secs(1 << exp).min(MAX_BLOCK);
            }
        }
    }

    /// A successful login clears its keys.
    pub(super) fn succeeded(&self, ip: Option<IpAddr>, user: &str) {
        let mut map = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        for k in keys(ip, user) {
            map.remove(&k);
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.keys.lock().unwrap().len()
    }
}

fn forget_oldest(map: &mut HashMap<String, Entry>) {
    if let Some(k) = map
        .iter()
        .min_by_key(|(_, e)| e.last)
        .map(|(k, _)| k.clone())
    {
        map.remove(&k);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_past_the_free_ones_wait_doubling() {
        let b = Backoff::default();
        let ip = Some("127.0.0.9".parse().unwrap());
        let t0 = Instant::now();
        for _ in 0..FREE_FAILURES {
            assert!(!b.blocked(ip, "alice", t0));
            b.failed(ip, "alice", t0);
        }
        assert!(!b.blocked(ip, "alice", t0));
        b.failed(ip, "alice", t0);
        assert!(b.blocked(ip, "alice", t0));
        // Another address for the same user waits too; another user from
        // that address as well.
        assert!(b.blocked(Some("127.0.0.10".parse().unwrap()), "ALICE", t0));
        assert!(b.blocked(ip, "bob", t0));
        assert!(!b.blocked(None, "bob", t0));
        assert!(!b.blocked(ip, "alice", t0 + Duration::from_secs(1)));
        b.failed(ip, "alice", t0 + Duration::from_secs(1));
        assert!(b.blocked(ip, "alice", t0 + Duration::from_millis(2999)));
        assert!(!b.blocked(ip, "alice", t0 + Duration::from_secs(3)));
        b.succeeded(ip, "alice");
        assert!(!b.blocked(ip, "alice", t0));
    }

    #[test]
    fn the_wait_is_capped_and_the_table_bounded() {
        let b = Backoff::default();
        let t0 = Instant::now();
        for _ in 0..100 {
            b.failed(None, "alice", t0);
        }
        assert!(b.blocked(None, "alice", t0 + MAX_BLOCK - Duration::from_secs(1)));
        assert!(!b.blocked(None, "alice", t0 + MAX_BLOCK));
        for i in 0..MAX_KEYS + 10 {
            b.failed(None, &format!("u{i}"), t0 + Duration::from_millis(i as u64));
        }
        assert_eq!(b.len(), MAX_KEYS);
    }
}
