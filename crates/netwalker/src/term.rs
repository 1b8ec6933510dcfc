//! Text from devices made safe for a terminal.
//!
//! Hostnames, interface names, error messages that quote device output:
//! a device chooses them, and a terminal obeys escape sequences in whatever
//! it prints. `ESC ] 52` writes the clipboard, `ESC c` resets the screen,
//! `ESC [ 2 J` clears it, a lone `\r` overwrites the line, and a C1 byte
//! such as U+009B is a CSI on some terminals. [`safe`] is the one filter
//! every device-controlled string goes through before the binary prints
//! it; [`SafeLines`] does the same for the log lines on stderr.

use std::borrow::Cow;

/// `s` without escape sequences, control characters (C0, DEL, C1) or the
/// Unicode controls that reorder how a line displays (bidi overrides and
/// isolates), so printing it cannot move the cursor, change colours, set
/// the title or clipboard, reset the terminal or disguise what the line
/// says. Whole sequences are removed, not just their `ESC`: a CSI with its
/// parameters and final byte, an OSC up to BEL or ST, DCS/SOS/PM/APC
/// strings up to ST, and two-character escapes such as `ESC c`; an
/// unterminated string sequence removes the rest of the text. A lone
/// control character (tab, newline, `\r`, NUL...) becomes U+FFFD, so a
/// name that carried one visibly differs from one that did not.
///
/// Borrows when there is nothing to remove (the usual case).
pub fn safe(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_care) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => match chars.peek().copied() {
                Some('[') => {
                    chars.next();
                    skip_csi(&mut chars);
                }
                Some(']' | 'P' | 'X' | '^' | '_') => {
                    chars.next();
                    skip_string(&mut chars);
                }
                // nF escapes: intermediates, then one final character.
                Some(' '..='/') => {
                    while chars.next_if(|c| (' '..='/').contains(c)).is_some() {}
                    chars.next_if(|c| ('0'..='~').contains(c));
                }
                // Fp/Fe/Fs escapes (`ESC 7`, `ESC c`, `ESC M`): two characters.
                Some('0'..='~') => {
                    chars.next();
                }
                // A lone ESC goes; what follows is judged on its own.
                _ => {}
            },
            '\u{9b}' => skip_csi(&mut chars),
            '\u{9d}' | '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            other => push_plain(&mut out, other),
        }
    }
    Cow::Owned(out)
}

/// Characters [`safe`] never lets through.
fn needs_care(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

/// Left-to-right/right-to-left marks, embeddings, overrides and isolates.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn push_plain(out: &mut String, c: char) {
    if c.is_control() && !('\u{80}'..='\u{9f}').contains(&c) {
        // C0 and DEL: visibly replaced.
        out.push('\u{fffd}');
    } else if !needs_care(c) {
        out.push(c);
    }
    // C1 and bidi controls are dropped.
}

/// JSON text (as `serde_json` writes it) safe for a terminal, and still the
/// same JSON: `serde_json` escapes C0 controls in strings but leaves DEL,
/// C1 and bidi controls raw, so those become `\uXXXX` escapes.
pub fn json(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_care) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        // Outside strings serde_json writes only spaces and newlines.
        if needs_care(c) && c != '\n' {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

/// A CSI's parameters (`0`-`?`), intermediates (` `-`/`) and final byte
/// (`@`-`~`). Anything else ends it early and is judged on its own.
fn skip_csi(chars: &mut Chars<'_>) {
    while chars.next_if(|c| ('0'..='?').contains(c)).is_some() {}
    while chars.next_if(|c| (' '..='/').contains(c)).is_some() {}
    chars.next_if(|c| ('@'..='~').contains(c));
}

/// An OSC/DCS/SOS/PM/APC string up to its terminator: BEL, `ESC \` or the
/// C1 ST (U+009C). Without one, the rest of the text is the string.
fn skip_string(chars: &mut Chars<'_>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => return,
            '\u{1b}' => {
                chars.next_if_eq(&'\\');
                return;
            }
            _ => {}
        }
    }
}

/// A `std::io::Write` for log output: each write (the subscriber writes one
/// whole event at a time) is split into lines and every line goes through
/// [`safe`], so a device name in a log field cannot reach the terminal as
/// an escape sequence or a `\r` that overwrites the line.
pub struct SafeLines<W>(pub W);

impl<W: std::io::Write> std::io::Write for SafeLines<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let mut out = String::with_capacity(text.len());
        for (i, line) in text.split('\n').enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(&safe(line));
        }
        self.0.write_all(out.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(s: &str) -> String {
        safe(s).into_owned()
    }

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(safe("NYC-CORE-01 Zürich ✓"), Cow::Borrowed(_)));
    }

    #[test]
    fn csi_sequences_go_whole() {
        assert_eq!(clean("a\u{1b}[2Jb"), "ab");
        assert_eq!(clean("a\u{1b}[1;31mred\u{1b}[0m"), "ared");
        assert_eq!(clean("a\u{1b}[?1049h"), "a");
        assert_eq!(clean("a\u{9b}2Jb"), "ab", "8-bit CSI");
        assert_eq!(clean("a\u{1b}["), "a", "cut short");
    }

    #[test]
    fn osc_strings_go_whole_terminated_or_not() {
        assert_eq!(clean("a\u{1b}]0;pwned\u{7}b"), "ab");
        assert_eq!(clean("a\u{1b}]52;c;ZXZpbA==\u{1b}\\b"), "ab");
        assert_eq!(clean("a\u{9d}8;;http://x\u{9c}b"), "ab");
        assert_eq!(clean("a\u{1b}]0;unterminated title"), "a");
    }

    #[test]
    fn dcs_sos_pm_apc_strings_go_whole() {
        for intro in ['P', 'X', '^', '_'] {
            assert_eq!(
                clean(&format!("a\u{1b}{intro}q#0;2\u{1b}\\b")),
                "ab",
                "{intro}"
            );
            assert_eq!(clean(&format!("a\u{1b}{intro}never ends")), "a", "{intro}");
        }
        for c1 in ['\u{90}', '\u{98}', '\u{9e}', '\u{9f}'] {
            assert_eq!(clean(&format!("a{c1}payload\u{9c}b")), "ab");
        }
    }

    #[test]
    fn short_escapes_and_lone_controls() {
        assert_eq!(clean("a\u{1b}cb"), "ab", "RIS");
        assert_eq!(clean("a\u{1b}7b\u{1b}8"), "ab");
        assert_eq!(clean("a\u{1b}(Bb"), "ab", "charset");
        assert_eq!(clean("a\u{1b}"), "a");
        assert_eq!(clean("a\u{1b}\u{1b}[0mb"), "ab");
        assert_eq!(clean("a\u{1b}\u{9b}31mb"), "ab");
        assert_eq!(
            clean("a\rb\nc\td\u{0}e\u{7f}"),
            "a\u{fffd}b\u{fffd}c\u{fffd}d\u{fffd}e\u{fffd}"
        );
        assert_eq!(clean("a\u{85}b\u{9c}c"), "abc", "other C1 dropped");
        assert_eq!(clean("admin\u{202e}txt.exe"), "admintxt.exe");
    }

    fn hostile() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let piece = prop_oneof![
            "[a-z ]{0,4}",
            Just("\u{1b}".to_string()),
            Just("\u{1b}[".to_string()),
            Just("\u{1b}]".to_string()),
            Just("\u{1b}\\".to_string()),
            Just("\u{7}".to_string()),
            "[\u{0}-\u{1f}\u{7f}-\u{9f}]",
            "[\u{202a}-\u{202e}\u{2066}-\u{2069}]",
            "[0-9;?]{0,3}",
            ".",
        ];
        proptest::collection::vec(piece, 0..24).prop_map(|v| v.concat())
    }

    proptest::proptest! {
        #[test]
        fn output_holds_no_control_character(s in hostile()) {
            let out = safe(&s);
            for c in out.chars() {
                proptest::prop_assert!(!c.is_control() && !is_bidi_control(c), "{:?} -> {:?}", s, out);
            }
            proptest::prop_assert_eq!(safe(&out), out.clone(), "idempotent");
        }

        #[test]
        fn arbitrary_strings_too(s in ".*") {
            let out = safe(&s);
            proptest::prop_assert!(!out.chars().any(needs_care), "{:?} -> {:?}", s, out);
        }
    }

    #[test]
    fn json_stays_the_same_json() {
        let v = serde_json::json!({"name": "sw\u{1b}[2J\u{9b}1m\u{7f}\u{202e}x\n"});
        let text = serde_json::to_string_pretty(&v).unwrap();
        let safe_text = json(&text);
        assert!(
            !safe_text.chars().any(|c| c != '\n' && needs_care(c)),
            "{safe_text}"
        );
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&safe_text).unwrap(),
            v
        );
    }

    #[test]
    fn safe_lines_keeps_line_breaks_only() {
        use std::io::Write;
        let mut w = SafeLines(Vec::new());
        w.write_all(b"WARN device=sw\x1b]0;x\x07 1\r failed\n")
            .unwrap();
        assert_eq!(
            String::from_utf8(w.0).unwrap(),
            "WARN device=sw 1\u{fffd} failed\n"
        );
    }
}
