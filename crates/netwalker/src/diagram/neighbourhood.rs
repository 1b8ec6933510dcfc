//! A device's neighbourhood: the devices within `depth` links of it and
//! the links among them, as a [`Snapshot`] the diagram code draws like any
//! other (the map of "what is around this switch").

use crate::model::DeviceId;
use crate::snapshot::Snapshot;
use std::collections::{HashMap, HashSet, VecDeque};

/// Most links a neighbourhood reaches out: beyond a few hops it is the
/// whole network, which the site maps draw better.
pub const MAX_DEPTH: u32 = 6;

/// The part of `snap` within `depth` (at most [`MAX_DEPTH`]) links of
/// `center`: those devices in `snap`'s order, every link between two of
/// them, and their tables. Empty when `center` is not in `snap`.
pub fn neighbourhood(snap: &Snapshot, center: DeviceId, depth: u32) -> Snapshot {
    let keep = within(snap, center, depth.min(MAX_DEPTH));
    let pick = |id: &DeviceId| keep.contains(id);
    Snapshot {
        devices: snap
            .devices
            .iter()
            .filter(|d| pick(&d.id))
            .cloned()
            .collect(),
        links: snap
            .links
            .iter()
            .filter(|l| pick(&l.a) && pick(&l.b))
            .cloned()
            .collect(),
        stacks: subset(&snap.stacks, &keep),
        vlans: subset(&snap.vlans, &keep),
        interfaces: subset(&snap.interfaces, &keep),
        runs: Vec::new(),
        endhosts: Vec::new(),
    }
}

/// Breadth-first over the links from `center`, `depth` hops.
fn within(snap: &Snapshot, center: DeviceId, depth: u32) -> HashSet<DeviceId> {
    let mut seen = HashSet::new();
    if !snap.devices.iter().any(|d| d.id == center) {
        return seen;
    }
    let mut adj: HashMap<DeviceId, Vec<DeviceId>> = HashMap::new();
    for l in &snap.links {
        adj.entry(l.a).or_default().push(l.b);
        adj.entry(l.b).or_default().push(l.a);
    }
    let mut queue = VecDeque::from([(center, 0)]);
    seen.insert(center);
    while let Some((id, d)) = queue.pop_front() {
        if d == depth {
            continue;
        }
        for &n in adj.get(&id).map(Vec::as_slice).unwrap_or(&[]) {
            if seen.insert(n) {
                queue.push_back((n, d + 1));
            }
        }
    }
    seen
}

fn subset<T: Clone>(
    map: &std::collections::BTreeMap<DeviceId, Vec<T>>,
    keep: &HashSet<DeviceId>,
) -> std::collections::BTreeMap<DeviceId, Vec<T>> {
    map.iter()
        .filter(|(id, _)| keep.contains(id))
        .map(|(id, v)| (*id, v.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Device, DeviceStatus, Link, LinkProtocol};

    /// A chain 1 - 2 - 3 - 4 - 5, and 6 alone.
    fn chain() -> Snapshot {
        let mut s = Snapshot::default();
        for i in 1..=6 {
            s.devices.push(Device::new(
                DeviceId(i),
                format!("d{i}"),
                DeviceStatus::Walked,
            ));
        }
        for i in 1..=4 {
            s.links.push(Link::new(
                DeviceId(i),
                "e0",
                DeviceId(i + 1),
                "e1",
                LinkProtocol::Cdp,
            ));
        }
        s
    }

    fn ids(s: &Snapshot) -> Vec<i64> {
        s.devices.iter().map(|d| d.id.0).collect()
    }

    #[test]
    fn depth_counts_links_out_from_the_centre() {
        let s = chain();
        assert_eq!(ids(&neighbourhood(&s, DeviceId(3), 0)), [3]);
        assert_eq!(ids(&neighbourhood(&s, DeviceId(3), 1)), [2, 3, 4]);
        let two = neighbourhood(&s, DeviceId(3), 2);
        assert_eq!(ids(&two), [1, 2, 3, 4, 5]);
        assert_eq!(two.links.len(), 4, "every link between kept devices");
        assert_eq!(neighbourhood(&s, DeviceId(1), 1).links.len(), 1);
        assert_eq!(ids(&neighbourhood(&s, DeviceId(6), 3)), [6]);
    }

    #[test]
    fn an_unknown_centre_is_empty_and_depth_is_bounded() {
        let s = chain();
        assert!(neighbourhood(&s, DeviceId(99), 2).devices.is_empty());
        let far = neighbourhood(&s, DeviceId(1), u32::MAX);
        assert_eq!(ids(&far), [1, 2, 3, 4, 5]);
    }
}
