//! Times as output files and reports write them (always UTC).

use crate::model::UnixTime;

/// `YYYYMMDD-HHMM` in UTC, the stamp in report, diagram, exec and DNS-check
/// file names.
pub fn file_stamp(t: UnixTime) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .unwrap_or_default()
        .format("%Y%m%d-%H%M")
        .to_string()
}

/// `YYYY-MM-DD HH:MM:SS UTC`, how times appear inside reports. Written
/// field by field: a report formats two per end host, and parsing a
/// strftime pattern each time cost more than the rest of the row.
pub fn format_time(t: UnixTime) -> String {
    use chrono::{Datelike, Timelike};
    let d = chrono::DateTime::from_timestamp(t, 0).unwrap_or_default();
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
        d.year(),
        d.month(),
        d.day(),
        d.hour(),
        d.minute(),
        d.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_utc() {
        assert_eq!(format_time(1_700_000_000), "2023-11-14 22:13:20 UTC");
        assert_eq!(format_time(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(format_time(-1), "1969-12-31 23:59:59 UTC");
        assert_eq!(file_stamp(1_700_000_000), "20231114-2213");
    }
}
