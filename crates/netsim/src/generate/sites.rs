//! Labs bigger than one campus: several sites, each a campus built by the
//! same steps, joined by WAN links between their cores.
//!
//! Sites are named `s001`, `s002`... (wider when there are more than 999)
//! and every hostname but a phone's starts with its site (`s012-core1`,
//! `s012-acc7`), so `--site-pattern "*-core*"` finds them. The WAN uses
//! core ports no campus step touches (`Ethernet1/49`-`52`): each site's
//! core1 links to the next site's core1 (a ring), and each core2 to the
//! core2 of the site opposite on the ring (chords), so no core port is used
//! twice and the walk meets loops between sites as well as inside them.

use super::{Builder, CAMPUS_MAX, CDP_LLDP};

/// One site in this many has a firewall (the first site always does).
const FIREWALL_EVERY: usize = 3;

impl Builder {
    /// `devices` devices in as few sites as keep each at most
    /// [`CAMPUS_MAX`], sizes differing by at most one.
    pub(super) fn sites(&mut self, devices: usize) {
        let sizes = site_sizes(devices);
        let width = sizes.len().to_string().len().max(3);
        let mut cores = Vec::with_capacity(sizes.len());
        for (k, &size) in sizes.iter().enumerate() {
            self.site = format!("s{:0width$}-", k + 1);
            cores.push(self.campus(size, k % FIREWALL_EVERY == 0));
        }
        self.site.clear();
        self.wan(&cores);
    }

    /// The WAN between the sites' core pairs (see the module comment).
    fn wan(&mut self, cores: &[[usize; 2]]) {
        for (from, to) in ring(cores.len()) {
            let (a, b) = (cores[from][0], cores[to][0]);
            self.link(a, "Ethernet1/49".into(), b, "Ethernet1/50".into(), CDP_LLDP);
        }
        for (from, to) in chords(cores.len()) {
            let (a, b) = (cores[from][1], cores[to][1]);
            self.link(a, "Ethernet1/51".into(), b, "Ethernet1/52".into(), CDP_LLDP);
        }
    }
}

/// Site sizes: as few sites as keep each at most [`CAMPUS_MAX`], the
/// first ones one device bigger when `devices` does not divide evenly.
fn site_sizes(devices: usize) -> Vec<usize> {
    let sites = devices.div_ceil(CAMPUS_MAX).max(1);
    (0..sites)
        .map(|k| devices / sites + usize::from(k < devices % sites))
        .collect()
}

/// Site `k` to site `k + 1`, the last back to the first (not with two
/// sites: that would be the same pair twice).
fn ring(sites: usize) -> Vec<(usize, usize)> {
    let wrap = if sites > 2 { sites } else { sites - 1 };
    (0..wrap).map(|k| (k, (k + 1) % sites)).collect()
}

/// Site `k` to the site half way round the ring, each pair once; none
/// below four sites (the ring already joins them closely).
fn chords(sites: usize) -> Vec<(usize, usize)> {
    if sites < 4 {
        return Vec::new();
    }
    let step = sites / 2;
    // With an even count, k -> k + step and k + step -> k are one pair.
    let from = if sites.is_multiple_of(2) { step } else { sites };
    (0..from).map(|k| (k, (k + step) % sites)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn site_sizes_add_up_and_stay_campus_sized() {
        for n in [1001, 1500, 5000, 20_000, 49_999, 50_000] {
            let s = site_sizes(n);
            assert_eq!(s.iter().sum::<usize>(), n);
            assert!(s.iter().all(|&x| x <= CAMPUS_MAX && x + 1 >= s[0]), "{s:?}");
        }
    }

    #[test]
    fn wan_uses_each_end_once_and_no_pair_twice() {
        for sites in 2..40 {
            for (name, pairs) in [("ring", ring(sites)), ("chords", chords(sites))] {
                let outs: BTreeSet<_> = pairs.iter().map(|p| p.0).collect();
                let ins: BTreeSet<_> = pairs.iter().map(|p| p.1).collect();
                let unordered: BTreeSet<_> =
                    pairs.iter().map(|&(a, b)| (a.min(b), a.max(b))).collect();
                assert_eq!(outs.len(), pairs.len(), "{name} {sites}");
                assert_eq!(ins.len(), pairs.len(), "{name} {sites}");
                assert_eq!(unordered.len(), pairs.len(), "{name} {sites}");
                assert!(pairs.iter().all(|&(a, b)| a != b), "{name} {sites}");
            }
        }
    }
}
