//! Interface descriptions through the store, on every backend: written
//! whole, read back, replaced by the next walk, and found by the
//! interface search (ASCII case ignored) that `netwalker serve` runs.

#[path = "common/backends.rs"]
mod backends;

use netwalker::model::*;

/// Device text a description may hold: quotes, markup, non-ASCII.
const ODD: &str = "<script>alert(\"x\")</script> 'Ünïcode' & more";

fn port(name: &str, description: Option<&str>) -> Interface {
    let mut i = Interface::new(name);
    i.status = Some("connected".into());
    i.description = description.map(str::to_string);
    i
}

fn walked(id: i64, name: &str, interfaces: Vec<Interface>) -> DeviceResult {
    let mut r = DeviceResult::bare(Device::new(DeviceId(id), name, DeviceStatus::Walked));
    r.interfaces = interfaces;
    r
}

#[test]
fn descriptions_round_trip_and_are_searched() {
    for mut s in backends::writers() {
        eprintln!("backend: {}", s.name);
        let acc1 = vec![
            port("GigabitEthernet1/0/2", Some(ODD)),
            port("GigabitEthernet1/0/49", Some("Uplink to DIST1 Gi1/0/1")),
            port("Vlan10", None),
        ];
        s.commit_device(&walked(1, "acc1", acc1.clone())).unwrap();
        s.commit_device(&walked(
            2,
            "acc2",
            vec![port(
                "GigabitEthernet1/0/49",
                Some("uplink to dist2 Gi1/0/1"),
            )],
        ))
        .unwrap();
        let read = s.read();
        assert_eq!(read.interfaces(DeviceId(1)).unwrap(), acc1);
        let found = |q: &str| -> Vec<(i64, String)> {
            read.interfaces_containing(q)
                .unwrap()
                .into_iter()
                .map(|(id, i)| (id.0, i.name))
                .collect()
        };
        assert_eq!(found("dist1"), [(1, "GigabitEthernet1/0/49".to_string())]);
        assert_eq!(
            found("UPLINK TO"),
            [
                (1, "GigabitEthernet1/0/49".to_string()),
                (2, "GigabitEthernet1/0/49".to_string())
            ]
        );
        assert_eq!(found("<SCRIPT>"), [(1, "GigabitEthernet1/0/2".to_string())]);
        assert_eq!(
            found("'Ünïcode'"),
            [(1, "GigabitEthernet1/0/2".to_string())]
        );
        assert!(found("core9").is_empty());
        // LIKE's wildcards in a query are plain text.
        s.commit_device(&walked(
            3,
            "acc3",
            vec![port("GigabitEthernet1/0/1", Some("100% busy_port \\ here"))],
        ))
        .unwrap();
        let read = s.read();
        let found = |q: &str| read.interfaces_containing(q).unwrap().len();
        assert_eq!(found("0% b"), 1);
        assert_eq!(found("y_p"), 1);
        assert_eq!(found("_"), 1, "`_` is not any one character");
        assert_eq!(found("%"), 1, "`%` is not anything");
        assert_eq!(found("\\ h"), 1);
        assert_eq!(found("0_ "), 0);
        // The next walk's table replaces the stored one, descriptions too.
        s.commit_device(&walked(
            1,
            "acc1",
            vec![port("GigabitEthernet1/0/49", None)],
        ))
        .unwrap();
        assert_eq!(
            s.read().interfaces(DeviceId(1)).unwrap()[0].description,
            None
        );
        assert_eq!(
            s.read().interfaces_containing("dist").unwrap().len(),
            1,
            "only acc2's description is left"
        );
    }
}
