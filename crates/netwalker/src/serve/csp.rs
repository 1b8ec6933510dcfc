//! Content-Security-Policies. Every page gets [`NO_SCRIPT`] (set by the
//! router unless a handler sets its own); the two pages with script (the
//! map, the Runs page's live progress) allow exactly their inline scripts,
//! by SHA-256 hash, and nothing else.

use sha2::{Digest, Sha256};

/// No script, nothing from elsewhere, forms only to this server, no framing.
pub(super) const NO_SCRIPT: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// A policy allowing `scripts` (their exact text) to run inline, fetches
/// and event streams to this server, inline styles when `inline_styles`
/// (the map's SVG colours), and nothing else.
pub(super) fn with_scripts(scripts: &[&str], inline_styles: bool) -> String {
    let hashes: Vec<String> = scripts
        .iter()
        .map(|s| {
            let digest = Sha256::digest(s.as_bytes());
            format!("'sha256-{}'", data_encoding::BASE64.encode(&digest))
        })
        .collect();
    let style = if inline_styles {
        "'unsafe-inline'"
    } else {
        "'self'"
    };
    format!(
        "default-src 'none'; script-src {}; connect-src 'self'; style-src {style}; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        hashes.join(" ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_script_policy_names_each_script_by_hash_and_nothing_unsafe() {
        let p = with_scripts(&["alert(1)", "x()"], false);
        let script = p
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .unwrap();
        assert_eq!(script.matches("'sha256-").count(), 2);
        assert!(!script.contains("unsafe"));
        // The hash of "alert(1)", as a browser computes it.
        assert!(script.contains("'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"));
        assert!(!NO_SCRIPT.contains("script-src"));
    }
}
