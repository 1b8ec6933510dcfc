//! This run's knowledge of every device it has met, and the status counts
//! the progress bar reads after every finished device.
//!
//! The counts are kept as the nodes change, not recounted: a walk publishes
//! progress once per finished device, and recounting every node each time
//! made a walk quadratic in the size of the network.

use crate::model::{DeviceId, DeviceStatus, StatusCounts};
use std::collections::HashMap;

/// This run's knowledge of a device.
#[derive(Debug, Clone)]
struct Node {
    /// Its fate so far; `NeighborOnly` while it waits in the frontier.
    status: DeviceStatus,
    /// Hops from the nearest seed; a shallower path found while queued
    /// improves it, so the recorded depth is the breadth-first one.
    depth: u32,
    /// Queued or in flight: not decided yet, so not counted.
    pending: bool,
    /// Why it was not walked, shown on every later sighting this run.
    reason: Option<String>,
}

/// Every device this run has met, by id, with the counts of the decided ones.
#[derive(Debug, Default)]
pub(super) struct Nodes {
    /// The nodes themselves.
    map: HashMap<DeviceId, Node>,
    /// Decided nodes by status, kept equal to a recount of `map` by every
    /// method that changes a node (checked by the tests below).
    decided: StatusCounts,
}

impl Nodes {
    /// Devices met so far, decided or not.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn contains(&self, id: DeviceId) -> bool {
        self.map.contains_key(&id)
    }

    /// Decided devices by status, in constant time.
    pub fn counts(&self) -> StatusCounts {
        self.decided
    }

    /// A device enters the frontier at `depth`, undecided.
    pub fn queue(&mut self, id: DeviceId, depth: u32) {
        self.put(
            id,
            Node {
                status: DeviceStatus::NeighborOnly,
                depth,
                pending: true,
                reason: None,
            },
        );
    }

    /// A device decided without being queued (filtered, skipped, no
    /// address), at `depth`.
    pub fn decide(
        &mut self,
        id: DeviceId,
        status: DeviceStatus,
        depth: u32,
        reason: Option<String>,
    ) {
        self.put(
            id,
            Node {
                status,
                depth,
                pending: false,
                reason,
            },
        );
    }

    /// A queued device's fate is known (walked, failed, filtered); a device
    /// never met is recorded at depth 0.
    pub fn settle(&mut self, id: DeviceId, status: DeviceStatus, reason: Option<String>) {
        let depth = self.map.get(&id).map_or(0, |n| n.depth);
        self.decide(id, status, depth, reason);
    }

    /// A known device turned out to be another one: its fate is the
    /// survivor's. Unknown ids are left alone.
    pub fn mark_duplicate(&mut self, id: DeviceId) {
        if let Some(n) = self.map.get(&id) {
            let (depth, reason) = (n.depth, n.reason.clone());
            self.decide(id, DeviceStatus::Duplicate, depth, reason);
        }
    }

    /// A device met again at `depth`: its status and reason so far, and a
    /// shallower depth recorded if it is still waiting.
    pub fn sighted(&mut self, id: DeviceId, depth: u32) -> Option<(DeviceStatus, Option<String>)> {
        let n = self.map.get_mut(&id)?;
        if n.pending && depth < n.depth {
            n.depth = depth;
        }
        Some((n.status, n.reason.clone()))
    }

    /// Replaces a node, moving its count from its old status to its new one.
    fn put(&mut self, id: DeviceId, node: Node) {
        if !node.pending {
            self.decided.add(node.status, 1);
        }
        if let Some(old) = self.map.insert(id, node)
            && !old.pending
        {
            self.decided.remove(old.status, 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn recount(n: &Nodes) -> StatusCounts {
        let mut c = StatusCounts::default();
        for node in n.map.values().filter(|node| !node.pending) {
            c.add(node.status, 1);
        }
        c
    }

    #[derive(Debug, Clone)]
    enum Op {
        Queue(i64, u32),
        Decide(i64, usize, u32),
        Settle(i64, usize),
        Duplicate(i64),
        Sighted(i64, u32),
    }

    fn op() -> impl Strategy<Value = Op> {
        let id = 1i64..12;
        let st = 0..DeviceStatus::ALL.len();
        prop_oneof![
            (id.clone(), 0u32..5).prop_map(|(i, d)| Op::Queue(i, d)),
            (id.clone(), st.clone(), 0u32..5).prop_map(|(i, s, d)| Op::Decide(i, s, d)),
            (id.clone(), st).prop_map(|(i, s)| Op::Settle(i, s)),
            id.clone().prop_map(Op::Duplicate),
            (id, 0u32..5).prop_map(|(i, d)| Op::Sighted(i, d)),
        ]
    }

    proptest! {
        #[test]
        fn counts_always_equal_a_recount(ops in prop::collection::vec(op(), 0..80)) {
            let mut n = Nodes::default();
            for o in ops {
                match o {
                    Op::Queue(i, d) => n.queue(DeviceId(i), d),
                    Op::Decide(i, s, d) => n.decide(DeviceId(i), DeviceStatus::ALL[s], d, None),
                    Op::Settle(i, s) => n.settle(DeviceId(i), DeviceStatus::ALL[s], None),
                    Op::Duplicate(i) => n.mark_duplicate(DeviceId(i)),
                    Op::Sighted(i, d) => {
                        n.sighted(DeviceId(i), d);
                    }
                }
                prop_assert_eq!(n.counts(), recount(&n));
            }
        }
    }

    #[test]
    fn a_queued_device_counts_once_settled_and_moves_when_merged() {
        let mut n = Nodes::default();
        n.queue(DeviceId(1), 1);
        assert_eq!(n.counts().total(), 0, "pending devices are not counted");
        n.settle(DeviceId(1), DeviceStatus::Walked, None);
        assert_eq!(n.counts().walked, 1);
        n.mark_duplicate(DeviceId(1));
        assert_eq!((n.counts().walked, n.counts().duplicate), (0, 1));
        n.mark_duplicate(DeviceId(9));
        assert_eq!(n.len(), 1, "an unknown id is not invented");
    }

    #[test]
    fn a_shallower_path_improves_a_waiting_device_only() {
        let mut n = Nodes::default();
        n.queue(DeviceId(1), 3);
        n.sighted(DeviceId(1), 1);
        n.settle(DeviceId(1), DeviceStatus::Walked, None);
        assert_eq!(n.map[&DeviceId(1)].depth, 1);
        n.sighted(DeviceId(1), 0);
        assert_eq!(
            n.map[&DeviceId(1)].depth,
            1,
            "a decided device keeps its depth"
        );
    }
}
