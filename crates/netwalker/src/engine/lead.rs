//! A device's neighbours, queued before the rest of its plan is answered.
//!
//! On a real network a device takes seconds: half a second before its SSH
//! server speaks, then 50-500 ms per `show` command. A walk is as deep as
//! the network, and each level waits for the level above; if a device's
//! neighbours waited for its whole plan (inventory, VLANs, interfaces,
//! end-host tables), every level would cost a whole device. So a local
//! walk's device task hands over each neighbour table as soon as it is
//! answered ([`super::device::LeadSender`]), and the coordinator decides
//! those neighbours at once, exactly as the device's final answers would:
//! same identity index, same filters, same frontier. The final answers
//! then find every neighbour decided and only record it. Measured on the
//! 10,000-device lab at real-world delays, this took the best walk from
//! 31 s to 18 s (BENCHMARKS.md, walk-latency).
//!
//! Distributed walks do not do this: a worker's answers reach the
//! submitter through the database, once per device.

use super::Coordinator;
use super::device::{Job, RawWalk, Walked};
use crate::model::DeviceId;

/// What a device's lead answers proved, kept until its final outcome.
pub(super) struct Lead {
    /// Its id in the identity index by then.
    pub id: DeviceId,
    /// The name it gave itself (see [`own_name`]).
    pub name: String,
    /// Ids proved to be it; merged when its outcome is recorded (the
    /// index reports a merge once, when it happens).
    pub merges: Vec<DeviceId>,
}

/// The name a walked device goes by: its own word for it, else its
/// prompt's, else the name it was heard of by, else its address.
pub(super) fn own_name(job: &Job, w: &Walked) -> String {
    w.facts
        .hostname_raw
        .clone()
        .or(w.prompt_name.clone())
        .or(job.name.clone())
        .unwrap_or_else(|| job.ip.to_string())
}

impl Coordinator<'_> {
    /// A device's neighbour table, before the rest of its plan (the first
    /// time with the answers that say who it is). The neighbours are
    /// decided (and queued) now; its final answers find each one already
    /// decided and only record it (see [`Coordinator::walked`]).
    pub(super) fn lead(&mut self, job: &Job, raw: RawWalk) {
        let w = raw.interpret();
        let (id, name, mut merges) = match self.leads.remove(&job.id) {
            Some(l) => (self.index.canonical(l.id), l.name, l.merges),
            // Nothing it said parses: its final answers fail it.
            None if w.facts.is_unrecognisable() => return,
            None => {
                let name = own_name(job, &w);
                let (id, merges) = self.identify(job, &name, &w.facts);
                (id, name, merges)
            }
        };
        let mut around = self.neighbourhood(id, job, &w.facts.sightings, &mut merges);
        for d in around.neighbours.values_mut() {
            self.decide(d, job);
        }
        self.leads.insert(job.id, Lead { id, name, merges });
    }
}
