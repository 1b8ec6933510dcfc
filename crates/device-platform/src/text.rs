//! Allocation-free line primitives, shared with device-parsers (whose
//! parsers are built from them) so both crates scan text the same way.
//! They work on borrowed slices and never index past a boundary.

/// `Key: value` / `Key : value` / `Key  :value` lookup, ASCII case-insensitive
/// on the key. Leading whitespace on the line is ignored. Returns the trimmed
/// value (possibly empty).
pub fn kv<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    // Callers mostly pass trimmed lines; only trim when needed.
    let l = if line.starts_with(char::is_whitespace) {
        line.trim_start()
    } else {
        line
    };
    let (lb, kb) = (l.as_bytes(), key.as_bytes());
    // Cheap rejections first: this runs for every key on every line.
    let first = kb.first()?;
    if lb.len() <= kb.len()
        || !lb[0].eq_ignore_ascii_case(first)
        || !lb[..kb.len()].eq_ignore_ascii_case(kb)
    {
        return None;
    }
    // Keys are ASCII, so an ASCII-equal prefix ends on a char boundary.
    let rest = l.get(kb.len()..)?;
    let skip = rest
        .bytes()
        .position(|b| b != b' ' && b != b'\t')
        .unwrap_or(rest.len());
    let rest = rest[skip..].strip_prefix(':')?;
    Some(rest.trim_ascii())
}

/// `str::lines` with the `memchr` crate's faster newline search (the line
/// split was the largest single cost in the CDP profile). Strips one
/// trailing `\r`; no final empty line after a trailing newline.
pub fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut start = 0usize;
    let mut nl = memchr::memchr_iter(b'\n', text.as_bytes());
    std::iter::from_fn(move || {
        if start > text.len() {
            return None;
        }
        let end = match nl.next() {
            Some(i) => i,
            None if start < text.len() => text.len(),
            None => {
                start = text.len() + 1;
                return None;
            }
        };
        // '\n' is ASCII, so both ends are char boundaries.
        let line = text.get(start..end).unwrap_or("");
        start = end + 1;
        Some(line.strip_suffix('\r').unwrap_or(line))
    })
}

/// ASCII case-insensitive `starts_with` after trimming leading whitespace.
pub fn starts_with_ci(line: &str, prefix: &str) -> bool {
    let l = if line.starts_with(char::is_whitespace) {
        line.trim_start()
    } else {
        line
    };
    l.as_bytes()
        .get(..prefix.len())
        .is_some_and(|h| h.eq_ignore_ascii_case(prefix.as_bytes()))
}
