//! The diagram colours: one table for every format, so a core switch is the
//! same blue in draw.io, DOT, Mermaid and the HTML page. Layers are shades
//! of one blue, darkest at the core (white text there, dark text on the
//! light access and leaf fills); firewalls are red whatever their layer.
//! Neutral greys for band guide lines stay with each format's own style.

use super::Layer;

/// Fill and text colour of a node in `layer`.
pub(super) fn layer_colours(layer: Layer) -> (&'static str, &'static str) {
    match layer {
        Layer::Core => ("#1f4e79", "#ffffff"),
        Layer::Distribution => ("#2e75b6", "#ffffff"),
        Layer::Access => ("#deebf7", "#1f1f1f"),
        Layer::Leaf => ("#f2f2f2", "#1f1f1f"),
    }
}

/// Outline of every node box.
pub(super) const NODE_STROKE: &str = "#10253f";
/// Firewall fill: they stand out whatever their layer.
pub(super) const FIREWALL_FILL: &str = "#c00000";
/// Text on a firewall.
pub(super) const FIREWALL_FONT: &str = "#ffffff";
/// Links in draw.io and DOT.
pub(super) const LINK: &str = "#595959";
/// Links in the HTML page, lighter: there they cross under many boxes.
pub(super) const LINK_LIGHT: &str = "#7f7f7f";
/// Outline of a site block.
pub(super) const SITE_BORDER: &str = "#999999";
/// A selected device or link, and search hits, in the HTML page.
pub(super) const HIGHLIGHT: &str = "#e46c0a";
