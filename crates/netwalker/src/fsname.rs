//! File names from device strings (hostnames, site names).
//!
//! Devices choose their own names, so a name may hold path separators,
//! `..`, characters Windows refuses, a reserved device name (`CON`, `NUL`,
//! `COM1`...) or 300 characters. [`file_stem`] is the one place a device or
//! site string becomes part of a file name: its result is a single path
//! component, safe on Linux, macOS and Windows, short enough to leave room
//! for the prefix, time stamp and extension the callers add, and distinct
//! for distinct inputs.

use sha2::{Digest, Sha256};

/// Longest stem [`file_stem`] returns, in bytes. Callers wrap it in at most
/// ~60 bytes (`Inventory_<stem>_<YYYYMMDD-HHMM>_Stack_Members.csv`), well
/// within the 255 bytes file systems allow.
pub const MAX_STEM: usize = 96;

/// Hex digits of the hash added to names that had to change (64 bits).
const HASH_HEX: usize = 16;

/// Marks a stem that carries a hash. It never survives the character filter,
/// so a changed name cannot equal another name that was kept as it was.
const HASH_MARK: char = '~';

/// Windows device names, refused as a file's base name with any extension
/// (Microsoft's list includes `COM0` and `LPT0`; the superscript variants
/// never pass the ASCII filter).
const RESERVED: [&str; 24] = [
    "CON", "PRN", "AUX", "NUL", "COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7",
    "COM8", "COM9", "LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// A device or site name made into a file-name stem (callers add prefixes
/// and extensions).
///
/// ASCII letters, digits, `-` and `_` are kept; everything else (dots,
/// separators, spaces, controls, non-ASCII) becomes `_`. A name that had to
/// change, is longer than [`MAX_STEM`], is empty or is a Windows reserved
/// name keeps a readable prefix and ends in `~` and a hash of the full
/// original, so `a/b` and `a_b`, or two 300-character names that differ
/// only at the end, still get different files. Names that need none of
/// this are returned unchanged (`NYC-CORE-01`).
pub fn file_stem(name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let reserved = RESERVED.iter().any(|r| clean.eq_ignore_ascii_case(r));
    if clean == name && !name.is_empty() && !reserved && clean.len() <= MAX_STEM {
        return clean;
    }
    let digest = Sha256::digest(name.as_bytes());
    let hash: String = digest
        .iter()
        .take(HASH_HEX / 2)
        .map(|b| format!("{b:02x}"))
        .collect();
    // `clean` is ASCII, so any byte index is a character boundary.
    let keep = clean.len().min(MAX_STEM - HASH_HEX - 1);
    format!("{}{HASH_MARK}{hash}", &clean[..keep])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_stay_and_others_get_a_hash() {
        assert_eq!(file_stem("NYC-CORE-01"), "NYC-CORE-01");
        assert_eq!(file_stem("sw_1"), "sw_1");
        for hostile in [
            "a/b c",
            "..",
            ".",
            "",
            "CON",
            "nul",
            "Com7",
            "LPT1.txt",
            "x\u{1b}[2J",
        ] {
            let s = file_stem(hostile);
            assert!(s.contains(HASH_MARK), "{hostile:?} -> {s}");
            assert!(
                !s.contains(['/', '\\', '.', '\u{1b}']),
                "{hostile:?} -> {s}"
            );
        }
        assert!(file_stem("a/b c").starts_with("a_b_c~"));
        assert_ne!(file_stem("a/b"), file_stem("a_b"));
        assert_ne!(file_stem("a/b"), file_stem("a:b"));
        let long = "x".repeat(300);
        assert_eq!(file_stem(&long).len(), MAX_STEM);
        assert_ne!(file_stem(&(long.clone() + "1")), file_stem(&(long + "2")));
    }
}
