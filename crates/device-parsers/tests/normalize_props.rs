//! The hand-written fast paths in `normalize` (IPv4/IPv6 canonical text,
//! MAC parsing, capability words) against a reference: the standard library
//! for addresses, the straightforward definitions for the rest.

use device_parsers::normalize::{Capability, canonical_ip, parse_capabilities, parse_mac};
use proptest::prelude::*;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What `canonical_ip` promises: the standard library's parse and print.
fn reference_ip(s: &str) -> Option<String> {
    s.parse::<IpAddr>().ok().map(|ip| ip.to_string())
}

fn ipv6_text() -> impl Strategy<Value = String> {
    // Segments drawn so zero runs of every length and position occur, plus
    // the IPv4-embedding prefixes the standard printer treats specially.
    let seg = prop_oneof![3 => Just(0u16), 1 => Just(0xffff), 4 => any::<u16>()];
    (prop::array::uniform8(seg), any::<bool>(), 0..3u8).prop_map(|(mut s, upper, special)| {
        match special {
            1 => s[..5].fill(0),
            2 => {
                s[..5].fill(0);
                s[5] = 0xffff;
            }
            _ => {}
        }
        let t = Ipv6Addr::from(s).to_string();
        if upper { t.to_uppercase() } else { t }
    })
}

proptest! {
    #[test]
    fn ipv4_text_matches_std(a in any::<u32>()) {
        let t = Ipv4Addr::from(a).to_string();
        prop_assert_eq!(canonical_ip(&t), reference_ip(&t));
    }

    #[test]
    fn ipv6_text_matches_std(t in ipv6_text()) {
        prop_assert_eq!(canonical_ip(&t), reference_ip(&t));
    }

    #[test]
    fn ipv6_uncompressed_matches_std(s in prop::array::uniform8(prop_oneof![Just(0u16), any::<u16>()])) {
        let t = s.iter().map(|v| format!("{v:04X}")).collect::<Vec<_>>().join(":");
        prop_assert_eq!(canonical_ip(&t), reference_ip(&t));
    }

    #[test]
    fn address_like_garbage_matches_std(t in "[0-9a-fA-F.:]{0,20}") {
        prop_assert_eq!(canonical_ip(&t), reference_ip(&t));
    }

    #[test]
    fn dotted_quads_with_odd_octets_match_std(parts in prop::collection::vec("0{0,2}[0-9]{0,3}", 3..6)) {
        let t = parts.join(".");
        prop_assert_eq!(canonical_ip(&t), reference_ip(&t));
    }

    #[test]
    fn mac_matches_reference(t in "[0-9a-fA-FxX.:-]{10,18}") {
        prop_assert_eq!(parse_mac(&t).map(|m| m.to_string()), reference_mac(&t));
    }

    #[test]
    fn capabilities_match_reference(words in prop::collection::vec(
        prop_oneof![
            Just("Router".to_string()), Just("switch".to_string()), Just("IGMP".to_string()),
            Just("Trans-Bridge".to_string()), Just("R".to_string()), Just("b".to_string()),
            Just("(Phone)".to_string()), Just("Source-Route-Bridge,".to_string()),
            Just("Supports-STP-Dispute".to_string()), "[ -~]{0,8}", "\\PC{0,4}",
        ], 0..8),
        seps in prop::collection::vec(prop_oneof![Just(" "), Just(", "), Just(","), Just("\t"), Just("\u{a0}")], 8)
    ) {
        let mut text = String::new();
        for (w, sep) in words.iter().zip(&seps) {
            text.push_str(w);
            text.push_str(sep);
        }
        prop_assert_eq!(parse_capabilities(&text), reference_caps(&text));
    }
}

/// The obvious MAC parser: strip separators, 12 hex digits, separators in
/// one of the three layouts.
fn reference_mac(s: &str) -> Option<String> {
    let t = s.trim();
    let hex: String = t
        .chars()
        .filter(|c| !matches!(c, '.' | ':' | '-'))
        .collect();
    if hex.len() != 12 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let b = t.as_bytes();
    let ok = match b.len() {
        12 => true,
        14 => b[4] == b'.' && b[9] == b'.',
        17 => (b[2] == b':' || b[2] == b'-') && [5, 8, 11, 14].iter().all(|&i| b[i] == b[2]),
        _ => false,
    };
    if !ok {
        return None;
    }
    let h = hex.to_ascii_lowercase();
    Some(
        (0..6)
            .map(|i| &h[2 * i..2 * i + 2])
            .collect::<Vec<_>>()
            .join(":"),
    )
}

/// Split on commas and whitespace, map each token, sort, de-duplicate.
fn reference_caps(text: &str) -> Vec<Capability> {
    let mut v: Vec<Capability> = text
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .filter_map(Capability::from_token)
        .collect();
    v.sort();
    v.dedup();
    v
}

#[test]
fn all_lists_every_variant_in_order() {
    // Exhaustive on purpose: a new variant fails to compile here until it
    // is added to `Capability::ALL`.
    fn index(c: Capability) -> usize {
        match c {
            Capability::Router => 0,
            Capability::Switch => 1,
            Capability::Bridge => 2,
            Capability::TransBridge => 3,
            Capability::SourceRouteBridge => 4,
            Capability::Phone => 5,
            Capability::Host => 6,
            Capability::AccessPoint => 7,
            Capability::Repeater => 8,
            Capability::DocsisCable => 9,
            Capability::Igmp => 10,
            Capability::Remote => 11,
            Capability::Cvta => 12,
            Capability::TwoPortMacRelay => 13,
            Capability::CVlan => 14,
            Capability::SVlan => 15,
            Capability::Other => 16,
        }
    }
    for (i, c) in Capability::ALL.iter().enumerate() {
        assert_eq!(index(*c), i, "{c:?}");
    }
    assert!(Capability::ALL.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn known_ipv6_forms() {
    for (input, want) in [
        ("2001:DB8::1", "2001:db8::1"),
        ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("FE80:0:0:0:0202:B3FF:FE1E:8329", "fe80::202:b3ff:fe1e:8329"),
        ("2001:db8:0:1:0:0:0:1", "2001:db8:0:1::1"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("::", "::"),
        ("::1", "::1"),
        ("1::", "1::"),
        ("::ffff:10.1.2.3", "::ffff:10.1.2.3"),
    ] {
        assert_eq!(canonical_ip(input).as_deref(), Some(want), "{input}");
    }
    assert_eq!(
        canonical_ip("010.1.1.1"),
        None,
        "leading zeros are not IPv4"
    );
    assert_eq!(canonical_ip("10.1.1"), None);
}
