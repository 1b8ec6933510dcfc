//! Property: however a set of physical links is reported — from either side,
//! by CDP and/or LLDP, with long or abbreviated interface names, in any order
//! — the store ends with exactly one row per physical link carrying the union
//! of the protocols that reported it.

use netwalker::model::*;
use netwalker::store::StoreWriter;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// A physical link between two ports: (device, port) pairs, ports by number.
type Physical = ((i64, u8), (i64, u8));

#[derive(Debug, Clone)]
struct Report {
    link: usize,
    from_b: bool,
    lldp: bool,
    short: bool,
}

fn port(n: u8, short: bool) -> String {
    if short {
        format!("Gi1/0/{n}")
    } else {
        format!("GigabitEthernet1/0/{n}")
    }
}

fn scenario() -> impl Strategy<Value = (Vec<Physical>, Vec<Report>)> {
    // Distinct ports, so each (device, port) is on one physical link.
    proptest::collection::btree_set((1i64..6, 1u8..6, 1i64..6, 1u8..6), 1..12)
        .prop_map(|set| {
            let mut used = BTreeSet::new();
            set.into_iter()
                .filter(|(a, pa, b, pb)| (a, pa) != (b, pb))
                .filter(|(a, pa, b, pb)| used.insert((*a, *pa)) & used.insert((*b, *pb)))
                .map(|(a, pa, b, pb)| ((a, pa), (b, pb)))
                .collect::<Vec<Physical>>()
        })
        .prop_filter("at least one link", |v| !v.is_empty())
        .prop_flat_map(|links| {
            let n = links.len();
            let report = (0..n, any::<bool>(), any::<bool>(), any::<bool>()).prop_map(
                |(link, from_b, lldp, short)| Report {
                    link,
                    from_b,
                    lldp,
                    short,
                },
            );
            (Just(links), proptest::collection::vec(report, 1..40))
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn one_row_per_physical_link(
        (links, reports) in scenario(),
        batch_size in 1usize..6,
    ) {
        let mut s = StoreWriter::open_in_memory().unwrap();
        let placeholders: Vec<Device> = (1..6)
            .map(|i| Device::new(DeviceId(i), format!("d{i}"), DeviceStatus::NeighborOnly))
            .collect();
        s.record_placeholders(&placeholders).unwrap();

        let mut want: BTreeMap<usize, BTreeSet<LinkProtocol>> = BTreeMap::new();
        let results: Vec<DeviceResult> = reports
            .iter()
            .map(|r| {
                let ((a, pa), (b, pb)) = links[r.link];
                let ((me, mp), (them, tp)) = if r.from_b { ((b, pb), (a, pa)) } else { ((a, pa), (b, pb)) };
                let proto = if r.lldp { LinkProtocol::Lldp } else { LinkProtocol::Cdp };
                want.entry(r.link).or_default().insert(proto);
                let mut res = DeviceResult::bare(Device::new(DeviceId(me), format!("d{me}"), DeviceStatus::Walked));
                res.links = vec![Link::new(DeviceId(me), port(mp, r.short), DeviceId(them), port(tp, !r.short), proto)];
                res
            })
            .collect();
        for chunk in results.chunks(batch_size) {
            prop_assert!(s.commit_devices(chunk).unwrap().is_empty());
        }

        let stored = s.read().links().unwrap();
        prop_assert_eq!(stored.len(), want.len(), "{:?}", stored);
        for (i, protos) in &want {
            let ((a, pa), (b, pb)) = links[*i];
            let key = Link::new(DeviceId(a), port(pa, false), DeviceId(b), port(pb, false), LinkProtocol::Cdp).canonical();
            let row = stored
                .iter()
                .find(|l| (l.a, &l.a_interface, l.b, &l.b_interface) == (key.a, &key.a_interface, key.b, &key.b_interface));
            prop_assert!(row.is_some(), "missing {:?} in {:?}", key, stored);
            prop_assert_eq!(&row.unwrap().protocols, protos);
        }
    }
}
