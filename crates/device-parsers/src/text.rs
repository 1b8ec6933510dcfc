//! Small line-oriented helpers shared by the parsers. Everything here works on
//! borrowed slices and never indexes past a boundary, so a parser built from
//! them cannot panic on odd input.

pub(crate) use device_platform::text::{kv, lines, starts_with_ci};

/// `Some(v)` unless the value is empty or one of the "nothing here" words
/// devices print.
pub(crate) fn non_empty(v: &str) -> Option<String> {
    let t = v.trim_ascii();
    if t.is_empty() {
        return None;
    }
    const NOTHING: &[&str] = &[
        "not advertised",
        "- not advertised",
        "n/a",
        "null",
        "''",
        "\"\"",
    ];
    if NOTHING.iter().any(|n| t.eq_ignore_ascii_case(n)) {
        return None;
    }
    Some(t.to_string())
}

/// True for separator lines made only of dashes/equals/plus (table rules and
/// the `-----` between CDP/LLDP entries).
pub(crate) fn is_rule(line: &str) -> bool {
    let t = line.trim();
    t.len() >= 3 && t.bytes().all(|b| matches!(b, b'-' | b'=' | b'+' | b' '))
}

/// Value between the first pair of double quotes after `key`.
pub(crate) fn quoted_after<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let i = line.find(key)? + key.len();
    let rest = &line[i..];
    let a = rest.find('"')? + 1;
    let b = rest[a..].find('"')? + a;
    Some(&rest[a..b])
}

/// Byte offset of `sub` inside `whole`, when `sub` is a sub-slice of it
/// (as `split_whitespace` yields). Avoids re-searching the line.
pub(crate) fn offset_in(whole: &str, sub: &str) -> Option<usize> {
    let (w, s) = (whole.as_ptr() as usize, sub.as_ptr() as usize);
    (s >= w && s + sub.len() <= w + whole.len()).then(|| s - w)
}

/// Parses a leading unsigned integer (digits only).
pub(crate) fn leading_u32(s: &str) -> Option<u32> {
    let t = s.trim();
    let end = t
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(t.len());
    t.get(..end)?.parse().ok()
}

/// Uptime text -> seconds. Understands Cisco (`2 years, 31 weeks, 6 days, 9
/// hours, 55 minutes`), NX-OS (`123 day(s), 5 hour(s), ...`) and PAN-OS
/// (`2 days, 2:38:49`) styles. Returns `None` when nothing was recognised.
pub fn uptime_seconds(text: &str) -> Option<u64> {
    let mut total: u64 = 0;
    let mut seen = false;
    let mut pending: Option<u64> = None;
    for raw in text.split(|c: char| c == ',' || c.is_whitespace()) {
        let tok = raw.trim();
        if tok.is_empty() {
            continue;
        }
        if tok.contains(':') {
            // H:MM[:SS]
            let parts: Vec<&str> = tok.split(':').collect();
            if parts.len() >= 2
                && parts.len() <= 3
                && parts
                    .iter()
                    .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && p.len() <= 6)
            {
                let mut secs = 0u64;
                let mults = if parts.len() == 3 {
                    [3600u64, 60, 1]
                } else {
                    [3600, 60, 0]
                };
                for (p, m) in parts.iter().zip(mults) {
                    secs = secs.saturating_add(p.parse::<u64>().unwrap_or(0).saturating_mul(m));
                }
                total = total.saturating_add(secs);
                seen = true;
            }
            pending = None;
            continue;
        }
        if tok.len() <= 12 && tok.bytes().all(|b| b.is_ascii_digit()) {
            pending = tok.parse().ok();
            continue;
        }
        if let Some(n) = pending.take() {
            let unit = tok
                .trim_end_matches("(s)")
                .trim_end_matches('s')
                .to_ascii_lowercase();
            let mult = match unit.as_str() {
                "year" | "yr" => 365 * 86400,
                "week" | "wk" => 7 * 86400,
                "day" => 86400,
                "hour" | "hr" => 3600,
                "minute" | "min" => 60,
                "second" | "sec" => 1,
                _ => continue,
            };
            total = total.saturating_add(n.saturating_mul(mult));
            seen = true;
        }
    }
    seen.then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kv_matches_spacing_variants() {
        assert_eq!(kv("Holdtime : 164 sec", "Holdtime"), Some("164 sec"));
        assert_eq!(kv("  Holdtime: 164 sec", "holdtime"), Some("164 sec"));
        assert_eq!(kv("Holdtimes: 1", "Holdtime"), None);
        assert_eq!(kv("Hold", "Holdtime"), None);
    }

    #[test]
    fn lines_match_std() {
        for t in ["", "a", "a\n", "a\nb", "a\r\nb\r\n", "\n\n", "é\nü\n\nx"] {
            assert_eq!(
                lines(t).collect::<Vec<_>>(),
                t.lines().collect::<Vec<_>>(),
                "{t:?}"
            );
        }
    }

    #[test]
    fn uptime_forms() {
        assert_eq!(
            uptime_seconds("2 years, 31 weeks, 6 days, 9 hours, 55 minutes"),
            Some(2 * 365 * 86400 + 31 * 7 * 86400 + 6 * 86400 + 9 * 3600 + 55 * 60)
        );
        assert_eq!(
            uptime_seconds("123 day(s), 5 hour(s), 15 minute(s), 19 second(s)"),
            Some(123 * 86400 + 5 * 3600 + 15 * 60 + 19)
        );
        assert_eq!(
            uptime_seconds("2 days, 2:38:49"),
            Some(2 * 86400 + 2 * 3600 + 38 * 60 + 49)
        );
        assert_eq!(uptime_seconds("1 week, 1 minute"), Some(7 * 86400 + 60));
        assert_eq!(uptime_seconds("garbage"), None);
    }
}
