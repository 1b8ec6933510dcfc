//! A duration or a span of durations as people type them on the command
//! line: `20ms`, `0.5s`, `50ms..400ms` (whole milliseconds; `0` needs no
//! unit).

use std::str::FromStr;
use std::time::Duration;

/// The longest delay a lab may state: beyond it a client's deadlines
/// decide, not the device.
const MAX_MS: u64 = 600_000;

/// `lo..hi` in whole milliseconds (`lo == hi` for one value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// The shortest duration of the span, milliseconds.
    pub lo_ms: u32,
    /// The longest, milliseconds (equal to `lo_ms` for a single value).
    pub hi_ms: u32,
}

/// Why a duration did not parse; each says what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpanError {
    #[error("{0:?} is not a duration; write a number and a unit, e.g. 20ms or 0.5s")]
    NotADuration(String),
    #[error("{0:?} has no unit; write ms or s, e.g. {0}ms")]
    NoUnit(String),
    #[error("{0:?} is not a whole number of milliseconds; netsim delays are counted in ms")]
    SubMillisecond(String),
    #[error("{0:?} is longer than 10 minutes, more than any client waits")]
    TooLong(String),
    #[error("{0:?} runs backwards; write the shorter duration first, e.g. 50ms..400ms")]
    Backwards(String),
}

impl Span {
    pub fn lo(&self) -> Duration {
        Duration::from_millis(u64::from(self.lo_ms))
    }

    pub fn hi(&self) -> Duration {
        Duration::from_millis(u64::from(self.hi_ms))
    }
}

impl FromStr for Span {
    type Err = SpanError;

    fn from_str(s: &str) -> Result<Span, SpanError> {
        let s = s.trim();
        let (lo, hi) = match s.split_once("..") {
            Some((a, b)) => (millis(a)?, millis(b)?),
            None => {
                let v = millis(s)?;
                (v, v)
            }
        };
        if lo > hi {
            return Err(SpanError::Backwards(s.to_string()));
        }
        Ok(Span {
            lo_ms: lo,
            hi_ms: hi,
        })
    }
}

/// One duration in whole milliseconds.
fn millis(text: &str) -> Result<u32, SpanError> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| SpanError::NotADuration(t.to_string()))?;
    let scale = match unit.trim() {
        "ms" => 1.0,
        "s" => 1000.0,
        "" if value == 0.0 => 1.0,
        "" => return Err(SpanError::NoUnit(t.to_string())),
        _ => return Err(SpanError::NotADuration(t.to_string())),
    };
    let ms = value * scale;
    if ms.fract() != 0.0 {
        return Err(SpanError::SubMillisecond(t.to_string()));
    }
    if ms > MAX_MS as f64 {
        return Err(SpanError::TooLong(t.to_string()));
    }
    Ok(ms as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(s: &str) -> Result<(u32, u32), SpanError> {
        s.parse::<Span>().map(|x| (x.lo_ms, x.hi_ms))
    }

    #[test]
    fn values_and_spans_parse_to_milliseconds() {
        assert_eq!(span("20ms"), Ok((20, 20)));
        assert_eq!(span("0.5s"), Ok((500, 500)));
        assert_eq!(span("2s"), Ok((2000, 2000)));
        assert_eq!(span("0"), Ok((0, 0)));
        assert_eq!(span("50ms..400ms"), Ok((50, 400)));
        assert_eq!(span(" 50ms .. 1.5s "), Ok((50, 1500)));
        let x: Span = "50ms..400ms".parse().unwrap();
        assert_eq!(
            (x.lo(), x.hi()),
            (Duration::from_millis(50), Duration::from_millis(400))
        );
    }

    #[test]
    fn mistakes_say_what_to_write() {
        assert_eq!(span("20"), Err(SpanError::NoUnit("20".into())));
        assert!(matches!(span("20 min"), Err(SpanError::NotADuration(_))));
        assert!(matches!(span("fast"), Err(SpanError::NotADuration(_))));
        assert!(matches!(
            span("1ms..2..3ms"),
            Err(SpanError::NotADuration(_))
        ));
        assert_eq!(
            span("0.5ms"),
            Err(SpanError::SubMillisecond("0.5ms".into()))
        );
        assert_eq!(span("11m"), Err(SpanError::NotADuration("11m".into())));
        assert_eq!(span("601s"), Err(SpanError::TooLong("601s".into())));
        assert_eq!(
            span("400ms..50ms"),
            Err(SpanError::Backwards("400ms..50ms".into()))
        );
        let msg = span("20").unwrap_err().to_string();
        assert!(msg.contains("20ms"), "{msg}");
    }
}
