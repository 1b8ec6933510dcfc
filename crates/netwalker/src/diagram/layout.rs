//! Positions: sites side by side (wrapping at the page width), layers as
//! bands inside each site, wide layers wrapped into rows, endpoints in a
//! short column under their access switch; within a layer, nodes sorted by
//! the mean x of their neighbours already placed above, so links run
//! mostly downwards.

use super::{Group, Layer, NODE_H, NODE_W, Node, Topology};
use std::collections::{BTreeMap, HashMap};

/// Space between boxes in a row.
const GAP_X: f64 = 30.0;
/// Space between layer bands (half of it between rows of one band).
const GAP_Y: f64 = 60.0;
/// Margin inside a site block.
const PAD: f64 = 40.0;
/// Space between site blocks.
const GROUP_GAP: f64 = 80.0;
/// Site blocks wrap to a new row past this width.
const PAGE_W: f64 = 9000.0;
/// Most endpoints hung under one access switch; the rest go to the leaf band.
const MAX_HUNG: usize = 8;
/// Space between endpoints hung in a column.
const HUNG_GAP: f64 = 8.0;

/// One site laid out at the origin, before it is placed on the page.
struct Block {
    /// Width of the site block.
    w: f64,
    /// Height of the site block.
    h: f64,
    /// Each present layer's band: (layer, y, height).
    bands: Vec<(Layer, f64, f64)>,
}

/// Where the next site block goes.
#[derive(Default)]
struct PageCursor {
    /// Left edge of the next block.
    x: f64,
    /// Top edge of the current row of blocks.
    y: f64,
    /// Height of the tallest block in the current row of blocks.
    row_h: f64,
}

/// Endpoints hung under access switches: the column under each switch, and
/// which nodes are hung (they get no place in the leaf band).
struct Hung {
    /// Access switch -> its endpoints, sorted by name.
    under: HashMap<usize, Vec<usize>>,
    /// By node index: hung under some switch.
    is_hung: Vec<bool>,
}

impl Topology {
    /// Sites side by side (wrapping), layers as bands, wide layers in rows,
    /// endpoints in a column under their access switch; within a layer,
    /// nodes sorted by the mean x of their neighbours already placed above.
    pub(super) fn layout(&mut self, row_width: usize) {
        let adj = self.adjacency();
        let mut by_site: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, n) in self.nodes.iter().enumerate() {
            by_site.entry(n.site.clone()).or_default().push(i);
        }
        let mut page = PageCursor::default();
        let mut placed = vec![false; self.nodes.len()];
        for (site, members) in by_site {
            let block = self.layout_site(&site, &members, &adj, row_width, &mut placed);
            self.place_block(site, &members, block, &mut page);
        }
    }

    /// Lays out one site's nodes relative to its block's corner.
    fn layout_site(
        &mut self,
        site: &str,
        members: &[usize],
        adj: &[Vec<usize>],
        row_width: usize,
        placed: &mut [bool],
    ) -> Block {
        let hung = self.hang_endpoints(site, members, adj);
        let mut bands = Vec::new();
        let mut y = PAD + 10.0;
        let mut width: f64 = 0.0;
        for layer in Layer::ALL {
            let mut ids: Vec<usize> = members
                .iter()
                .copied()
                .filter(|&i| self.nodes[i].layer == layer && !hung.is_hung[i])
                .collect();
            if ids.is_empty() {
                continue;
            }
            self.order_by_upstream(&mut ids, adj, placed);
            let band_h = self.place_band(&ids, &hung, y, row_width, placed);
            let cols = ids.len().min(row_width);
            width = width.max(cols as f64 * (NODE_W + GAP_X) - GAP_X);
            bands.push((layer, y, band_h));
            y += band_h + GAP_Y;
        }
        Block {
            w: width + 2.0 * PAD,
            h: y - GAP_Y + PAD,
            bands,
        }
    }

    /// Endpoints hang in a short column under their access switch (up to
    /// [`MAX_HUNG`]), so their links are short vertical strokes; the rest
    /// (on core/distribution, or overflow) get the leaf band.
    fn hang_endpoints(&self, site: &str, members: &[usize], adj: &[Vec<usize>]) -> Hung {
        let mut under: HashMap<usize, Vec<usize>> = HashMap::new();
        let mut is_hung = vec![false; self.nodes.len()];
        for &i in members {
            if self.nodes[i].layer != Layer::Leaf {
                continue;
            }
            let parent = adj[i]
                .iter()
                .copied()
                .find(|&j| self.nodes[j].layer == Layer::Access && self.nodes[j].site == site);
            if let Some(p) = parent {
                let list = under.entry(p).or_default();
                if list.len() < MAX_HUNG {
                    list.push(i);
                    is_hung[i] = true;
                }
            }
        }
        for list in under.values_mut() {
            list.sort_by_key(|&i| self.nodes[i].name.to_lowercase());
        }
        Hung { under, is_hung }
    }

    /// Sorts a layer's nodes by the mean x of their same-site neighbours
    /// already placed (those without any last), then by name.
    fn order_by_upstream(&self, ids: &mut [usize], adj: &[Vec<usize>], placed: &[bool]) {
        let key = |i: usize, nodes: &[Node]| {
            let xs: Vec<f64> = adj[i]
                .iter()
                .filter(|&&j| placed[j] && nodes[j].site == nodes[i].site)
                .map(|&j| nodes[j].x)
                .collect();
            if xs.is_empty() {
                f64::MAX
            } else {
                xs.iter().sum::<f64>() / xs.len() as f64
            }
        };
        let keys: HashMap<usize, f64> = ids.iter().map(|&i| (i, key(i, &self.nodes))).collect();
        ids.sort_by(|&a, &b| {
            keys[&a].total_cmp(&keys[&b]).then_with(|| {
                self.nodes[a]
                    .name
                    .to_lowercase()
                    .cmp(&self.nodes[b].name.to_lowercase())
            })
        });
    }

    /// Places a layer's nodes in rows of `row_width` from `y` down, each
    /// with its hung endpoints; returns the band's height.
    fn place_band(
        &mut self,
        ids: &[usize],
        hung: &Hung,
        y: f64,
        row_width: usize,
        placed: &mut [bool],
    ) -> f64 {
        let mut row_y = y;
        for chunk in ids.chunks(row_width) {
            let mut row_h = NODE_H;
            for (col, &i) in chunk.iter().enumerate() {
                let x = PAD + col as f64 * (NODE_W + GAP_X);
                let below = hung.under.get(&i).map(Vec::as_slice).unwrap_or(&[]);
                self.place_column(i, below, x, row_y, placed);
                row_h = row_h.max(NODE_H + below.len() as f64 * (NODE_H + HUNG_GAP));
            }
            row_y += row_h + GAP_Y / 2.0;
        }
        row_y - GAP_Y / 2.0 - y
    }

    /// Puts node `i` at (`x`, `y`) and the endpoints `below` it under it.
    fn place_column(&mut self, i: usize, below: &[usize], x: f64, y: f64, placed: &mut [bool]) {
        self.nodes[i].x = x;
        self.nodes[i].y = y;
        placed[i] = true;
        for (k, &leaf) in below.iter().enumerate() {
            self.nodes[leaf].x = x;
            self.nodes[leaf].y = y + (k + 1) as f64 * (NODE_H + HUNG_GAP);
            placed[leaf] = true;
        }
    }

    /// Puts a laid-out site block at the page cursor (wrapping to a new row
    /// of blocks past [`PAGE_W`]), moves its nodes there and records the group.
    fn place_block(&mut self, site: String, members: &[usize], b: Block, page: &mut PageCursor) {
        if page.x > 0.0 && page.x + b.w > PAGE_W {
            page.x = 0.0;
            page.y += page.row_h + GROUP_GAP;
            page.row_h = 0.0;
        }
        let (gx, gy) = (page.x, page.y);
        for &i in members {
            self.nodes[i].x += gx;
            self.nodes[i].y += gy;
        }
        self.groups.push(Group {
            name: site,
            x: gx,
            y: gy,
            w: b.w,
            h: b.h,
            bands: b
                .bands
                .into_iter()
                .map(|(l, by, bh)| (l, by + gy, bh))
                .collect(),
        });
        page.x += b.w + GROUP_GAP;
        page.row_h = page.row_h.max(b.h);
    }
}
