//! Layers from the graph: endpoints and unwalked one-link devices are
//! leaves; in each connected part of the rest, the core is the devices
//! named `core`, else the centre; one hop out is distribution, further is
//! access (a two-tier part has no distribution).

use super::{Layer, Topology};
use crate::model::DeviceStatus;
use std::collections::{HashMap, VecDeque};

/// Above this many devices in one part, the core is its best-connected
/// devices instead of its exact centre (one BFS per device is quadratic).
const EXACT_CENTRE_MAX: usize = 2000;

impl Topology {
    /// Leaves first (endpoints, unwalked one-link devices), then per
    /// connected part of the rest: centre = core, one hop = distribution,
    /// further = access (a two-tier part has no distribution).
    pub(super) fn assign_layers(&mut self) {
        let adj = self.adjacency();
        let leaf = self.leaves(&adj);
        let infra_adj = infrastructure(&adj, &leaf);
        let mut seen = vec![false; self.nodes.len()];
        for start in 0..self.nodes.len() {
            if leaf[start] || seen[start] {
                continue;
            }
            let comp = component(start, &infra_adj, &mut seen);
            let core = self.core_of(&comp, &infra_adj);
            self.layer_by_distance(&comp, &core, &infra_adj);
            // A single isolated device is nobody's core.
            if comp.len() == 1 {
                self.nodes[start].layer = Layer::Access;
            }
        }
        for (i, is_leaf) in leaf.into_iter().enumerate() {
            if is_leaf {
                self.nodes[i].layer = Layer::Leaf;
            }
        }
    }

    /// Which nodes are leaves: endpoints, and devices we did not walk that
    /// hang on one link.
    fn leaves(&self, adj: &[Vec<usize>]) -> Vec<bool> {
        self.nodes
            .iter()
            .zip(adj)
            .map(|(nd, links)| {
                nd.class.is_endpoint()
                    || (links.len() <= 1 && nd.status != DeviceStatus::Walked && !links.is_empty())
            })
            .collect()
    }

    /// The core of one connected part. Engineers' own word wins: devices
    /// named `core` are the core. Otherwise the centre: smallest
    /// eccentricity (exact up to [`EXACT_CENTRE_MAX`] nodes; above, the
    /// highest-degree devices, cheap and usually right), ties broken
    /// towards the better connected.
    fn core_of(&self, comp: &[usize], infra_adj: &[Vec<usize>]) -> Vec<usize> {
        let named: Vec<usize> = comp
            .iter()
            .copied()
            .filter(|&i| self.nodes[i].name.to_ascii_lowercase().contains("core"))
            .collect();
        if !named.is_empty() {
            named
        } else if comp.len() <= EXACT_CENTRE_MAX {
            centre(comp, infra_adj)
        } else {
            best_connected(comp, infra_adj)
        }
    }

    /// Core at distance 0, distribution at 1 when the part is three layers
    /// deep, access beyond.
    fn layer_by_distance(&mut self, comp: &[usize], core: &[usize], infra_adj: &[Vec<usize>]) {
        let dist = bfs(infra_adj, core);
        let depth = dist.values().copied().max().unwrap_or(0);
        for &i in comp {
            self.nodes[i].layer = match dist.get(&i).copied().unwrap_or(0) {
                0 => Layer::Core,
                1 if depth >= 2 => Layer::Distribution,
                _ => Layer::Access,
            };
        }
    }
}

/// The adjacency between infrastructure (non-leaf) nodes only.
fn infrastructure(adj: &[Vec<usize>], leaf: &[bool]) -> Vec<Vec<usize>> {
    adj.iter()
        .enumerate()
        .map(|(i, links)| {
            links
                .iter()
                .copied()
                .filter(|&j| !leaf[j] && !leaf[i])
                .collect()
        })
        .collect()
}

/// The connected part of `adj` holding `start`, in BFS order; marks it seen.
fn component(start: usize, adj: &[Vec<usize>], seen: &mut [bool]) -> Vec<usize> {
    let mut comp = vec![start];
    seen[start] = true;
    let mut k = 0;
    while k < comp.len() {
        for &j in &adj[comp[k]] {
            if !seen[j] {
                seen[j] = true;
                comp.push(j);
            }
        }
        k += 1;
    }
    comp
}

/// Hops from the nearest of `sources` to every node reachable from them.
fn bfs(adj: &[Vec<usize>], sources: &[usize]) -> HashMap<usize, usize> {
    let mut dist = HashMap::new();
    let mut q = VecDeque::new();
    for &s in sources {
        dist.insert(s, 0);
        q.push_back(s);
    }
    while let Some(u) = q.pop_front() {
        let du = dist[&u];
        for &v in &adj[u] {
            if let std::collections::hash_map::Entry::Vacant(e) = dist.entry(v) {
                e.insert(du + 1);
                q.push_back(v);
            }
        }
    }
    dist
}

/// The nodes of smallest eccentricity; more than two are narrowed to the
/// best connected among them.
fn centre(comp: &[usize], adj: &[Vec<usize>]) -> Vec<usize> {
    let ecc: Vec<(usize, usize)> = comp
        .iter()
        .map(|&s| (s, bfs(adj, &[s]).values().copied().max().unwrap_or(0)))
        .collect();
    let min = ecc.iter().map(|e| e.1).min().unwrap_or(0);
    let mut c: Vec<usize> = ecc.iter().filter(|e| e.1 == min).map(|e| e.0).collect();
    if c.len() > 2 {
        let maxdeg = c.iter().map(|&i| adj[i].len()).max().unwrap_or(0);
        c.retain(|&i| adj[i].len() == maxdeg);
    }
    c
}

/// The nodes of highest degree.
fn best_connected(comp: &[usize], adj: &[Vec<usize>]) -> Vec<usize> {
    let maxdeg = comp.iter().map(|&i| adj[i].len()).max().unwrap_or(0);
    comp.iter()
        .copied()
        .filter(|&i| adj[i].len() == maxdeg)
        .collect()
}
