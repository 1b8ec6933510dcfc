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

/// `YYYY-MM-DD HH:MM:SS UTC`, how times appear inside reports.
pub fn format_time(t: UnixTime) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .unwrap_or_default()
        .format("%Y-%m-%d %H:%M:%S UTC")
        .to_string()
}
