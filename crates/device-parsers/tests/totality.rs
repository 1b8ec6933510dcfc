//! Totality: no parser panics, whatever the input — arbitrary text, real
//! fixtures cut at any point, real fixtures with random edits — and none
//! takes time out of proportion to its input.

use device_parsers::*;
use proptest::prelude::*;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/ntc-templates");
/// MAC tables, ARP/ND caches and switchport captures (end-host tracking).
const ENDHOST_ROOT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../testdata/ntc-templates-endhosts"
);

type P = (&'static str, fn(&str) -> usize);

/// Every parser, behind a uniform signature.
const PARSERS: &[P] = &[
    ("show_version", |t| parse_show_version(t).hardware.len()),
    ("detect_platform", |t| detect_platform(t).map_or(0, |_| 1)),
    ("panos_system_info", |t| {
        parse_panos_system_info(t).hostname.map_or(0, |h| h.len())
    }),
    ("panos_ha_state", |t| {
        usize::from(parse_panos_ha_state(t).enabled)
    }),
    ("cdp_detail", |t| parse_cdp_neighbors_detail(t).len()),
    ("lldp_detail", |t| parse_lldp_neighbors_detail(t).len()),
    ("lldpd_text", |t| parse_lldpd_text(t).len()),
    ("lldpd_json", |t| parse_lldpd_json(t).len()),
    ("inventory", |t| parse_inventory(t).len()),
    ("show_switch", |t| parse_show_switch(t).len()),
    ("show_module", |t| parse_show_module(t).len()),
    ("show_vlan", |t| parse_show_vlan(t).len()),
    ("interfaces_status", |t| parse_interfaces_status(t).len()),
    ("ip_interface_brief", |t| parse_ip_interface_brief(t).len()),
    ("interfaces_description", |t| {
        parse_interfaces_description(t).len()
    }),
    ("cdp_summary", |t| parse_cdp_neighbors(t).len()),
    ("lldp_summary", |t| parse_lldp_neighbors(t).len()),
    ("mac_address_table", |t| parse_mac_address_table(t).len()),
    ("ios_arp", |t| parse_ios_arp(t).len()),
    ("ios_ipv6_neighbors", |t| parse_ios_ipv6_neighbors(t).len()),
    ("nxos_arp", |t| parse_nxos_arp(t).len()),
    ("nxos_ipv6_neighbors", |t| {
        parse_nxos_ipv6_neighbors(t).len()
    }),
    ("panos_arp", |t| parse_panos_arp(t).len()),
    ("ip_neigh_json", |t| parse_ip_neigh_json(t).len()),
    ("interfaces_switchport", |t| {
        parse_interfaces_switchport(t)
            .iter()
            .filter(|p| p.is_trunk())
            .count()
    }),
    ("port_channel_summary", |t| {
        parse_port_channel_summary(t)
            .iter()
            .map(|p| p.members.len())
            .sum()
    }),
    ("normalisers", |t| {
        normalize_hostname(t).len()
            + interface_long(t).len()
            + interface_short(t).len()
            + normalize_mac(t).map_or(0, |m| m.len())
            + normalize_platform(t).raw.len()
            + parse_capabilities(t).len()
            + uptime_seconds(t).map_or(0, |_| 1)
    }),
];

fn run_all(text: &str) {
    for (name, p) in PARSERS {
        let r = std::panic::catch_unwind(|| p(text));
        assert!(r.is_ok(), "{name} panicked on {text:?}");
    }
    for (plat, cmd) in supported() {
        let _ = parse(plat, cmd, text);
    }
}

static CORPUS: LazyLock<Vec<String>> = LazyLock::new(|| {
    let mut out = Vec::new();
    let plats = [ROOT, ENDHOST_ROOT]
        .into_iter()
        .filter_map(|root| std::fs::read_dir(root).ok())
        .flatten();
    for p in plats.flatten() {
        let Ok(cmds) = std::fs::read_dir(p.path()) else {
            continue;
        };
        for c in cmds.flatten() {
            let Ok(files) = std::fs::read_dir(c.path()) else {
                continue;
            };
            for f in files.flatten() {
                if f.path().extension().is_some_and(|e| e == "raw")
                    && let Ok(b) = std::fs::read(f.path())
                {
                    out.push(String::from_utf8_lossy(&b).into_owned());
                }
            }
        }
    }
    out.sort();
    out
});

#[test]
fn corpus_is_present() {
    assert!(
        CORPUS.len() > 50,
        "expected the ntc-templates corpus at {ROOT}"
    );
}

/// Words that steer the parsers into their interesting states.
fn keyword_line() -> impl Strategy<Value = String> {
    let words = prop::sample::select(vec![
        "Device ID:",
        "Entry address(es):",
        "IP address: 10.0.0.1",
        "IPv4 Address: ::1",
        "Platform: cisco X,  Capabilities: Router",
        "Interface: Gi1/0/1,  Port ID (outgoing port): Gi0/1",
        "Version :",
        "Local Intf: Gi1/0/1",
        "Chassis id: aabb.ccdd.eeff",
        "System Description:",
        "Management Addresses:",
        "    IP: 10.1.1.1",
        "Mod Ports Card Type Model Serial No.",
        " M MAC addresses                    Hw  Fw           Sw               Status",
        "---+-----+------",
        "Switch Number: 2",
        "VLAN Name Status Ports",
        "1    default   active    Gi1/0/1",
        "                 Gi1/0/2",
        "VLAN Type",
        "Port Name Status Vlan Duplex Speed Type",
        "Gi1/0/1  x connected 1 a-full a-1000 T",
        "Interface IP-Address OK? Method Status Protocol",
        "IP Interface Status for VRF \"x\"",
        "Eth1/1 10.0.0.1 protocol-up/link-up/admin-up",
        "Interface                      Status         Protocol Description",
        "Gi0/1                          admin down     down     uplink \u{e9}",
        "Port          Type   Speed   Description",
        "Interface                Description",
        "Eth1/1        eth    10G     --",
        "*1 Active 0011.2233.4455 15 V01 Ready",
        "Stack Port Status",
        "  1 OK OK 2 3",
        "NAME: \"x\", DESCR: \"y\"",
        "PID: a , VID: b, SN: c",
        "Interface:    eth0, via: LLDP",
        "    Capability:   Bridge, on",
        "hostname: fw",
        "model: PA-VM",
        "Group 1:",
        "Local Information:",
        "State: active",
        "cisco Nexus9000 C9396PX Chassis",
        "Vlan    Mac Address       Type        Ports",
        " vlan   mac address     type    learn     age              ports",
        "   VLAN     MAC Address      Type      age     Secure NTFY Ports",
        "Destination Address  Address Type  VLAN  Destination Port",
        "0010.0de0.e289       Dynamic          1  FastEthernet0/1",
        " * R  51 006c.bc1c.a865 static No - Router",
        "G 100 5087.89a1.de75 static - F F vPC Peer-Link",
        "   10   ffff.ffff.ffff   system Gi0/2,Gi0/3",
        "                       Gi0/13,",
        "Internet  10.0.0.1  -  Incomplete  ARPA",
        "FE80::1  0 aabb.cc00.0100  REACH Vl6",
        "IP ARP Table for context default",
        "Address Age MAC Address Interface Physical Interface Flags VRF Name",
        "10.0.0.2  00:00:01  INCOMPLETE  Vlan9  -  +  default",
        "ethernet1/1  10.0.0.3  (incomplete)  ethernet1/1  c  627",
        "[{\"dst\":\"fe80::1\",\"dev\":\"eth0\",\"state\":[\"FAILED\"]}]",
        "Name: Gi0/1",
        "Operational Mode: trunk",
        "Trunking VLANs Enabled: 1-5,",
        "     7,9",
        "Device name: x",
        "NXOS: version",
        "Last reset",
        "Reason:",
        "uptime is 1 day",
        "",
        ":",
        "::",
        "(",
        ")",
        "\"",
        "-",
        "*",
        "\t",
        "\u{00e9}\u{4e2d}",
    ]);
    prop::collection::vec(words, 0..6).prop_map(|w| w.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn ip_neigh_json_shapes(
        entries in prop::collection::vec(
            (
                prop::option::of(prop::sample::select(vec!["10.0.0.1", "fe80::1%eth0", "fe80::1", "x", ""])),
                prop::option::of(prop::sample::select(vec!["aa:bb:cc:dd:ee:ff", "aabb.ccdd.eeff", "zz", ""])),
                prop::sample::select(vec!["[\"REACHABLE\"]", "[]", "\"STALE\"", "null", "[1,\"FAILED\"]", "{}"]),
            ),
            0..8,
        ),
        cut in any::<prop::sample::Index>(),
    ) {
        let items: Vec<String> = entries
            .iter()
            .map(|(dst, ll, state)| {
                let mut f = vec![format!("\"dev\":\"eth0\",\"state\":{state}")];
                if let Some(d) = dst {
                    f.push(format!("\"dst\":\"{d}\""));
                }
                if let Some(l) = ll {
                    f.push(format!("\"lladdr\":\"{l}\""));
                }
                format!("{{{}}}", f.join(","))
            })
            .collect();
        let json = format!("[{}]", items.join(","));
        let n = parse_ip_neigh_json(&json);
        prop_assert!(n.len() <= entries.len());
        let chars: Vec<char> = json.chars().collect();
        let t: String = chars[..cut.index(chars.len() + 1)].iter().collect();
        run_all(&t);
    }

    #[test]
    fn arbitrary_text(s in ".{0,400}") {
        run_all(&s);
    }

    #[test]
    fn keyword_soup(lines in prop::collection::vec(keyword_line(), 0..40)) {
        run_all(&lines.join("\n"));
    }

    #[test]
    fn truncated_fixtures(idx in any::<prop::sample::Index>(), cut in any::<prop::sample::Index>()) {
        let text = &CORPUS[idx.index(CORPUS.len())];
        let chars: Vec<char> = text.chars().collect();
        let n = cut.index(chars.len() + 1);
        let t: String = chars[..n].iter().collect();
        run_all(&t);
        let tail: String = chars[n..].iter().collect();
        run_all(&tail);
    }

    #[test]
    fn mutated_fixtures(
        idx in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..4, any::<char>()), 1..20),
    ) {
        let mut chars: Vec<char> = CORPUS[idx.index(CORPUS.len())].chars().collect();
        for (pos, op, c) in edits {
            let len = chars.len();
            match op {
                0 if len > 0 => { chars.remove(pos.index(len)); }
                1 => chars.insert(pos.index(len + 1), c),
                2 if len > 0 => chars[pos.index(len)] = c,
                _ if len > 0 => {
                    // Duplicate a line-sized slice: repeated headers and records.
                    let a = pos.index(len);
                    let b = (a + 80).min(len);
                    let dup: Vec<char> = chars[a..b].to_vec();
                    chars.splice(a..a, dup);
                }
                _ => {}
            }
        }
        let s: String = chars.into_iter().collect();
        run_all(&s);
    }
}

/// Doubling the input must not much more than double the time. Each parser
/// gets the whole corpus concatenated, at 1x and 8x; a linear parser takes
/// about 8 times as long, a quadratic one 64 times. The bound is loose so a
/// busy machine does not make it flaky.
#[test]
fn no_quadratic_blow_up() {
    let one: String = CORPUS.join("\n");
    let eight = one.repeat(8);
    for (name, p) in PARSERS {
        let time = |s: &str| {
            let mut best = Duration::MAX;
            for _ in 0..3 {
                let t = Instant::now();
                std::hint::black_box(p(std::hint::black_box(s)));
                best = best.min(t.elapsed());
            }
            best
        };
        // Other builds share this machine: a noisy sample is retried, a
        // real quadratic parser fails every attempt.
        let mut ratios = Vec::new();
        let mut linear = false;
        for _ in 0..3 {
            let t1 = time(&one).max(Duration::from_micros(200));
            let t8 = time(&eight);
            let ratio = t8.as_secs_f64() / t1.as_secs_f64();
            ratios.push(format!("{ratio:.1}x ({t1:?} -> {t8:?})"));
            if ratio < 30.0 {
                linear = true;
                break;
            }
        }
        assert!(linear, "{name}: 8x input took {ratios:?}");
    }
}
