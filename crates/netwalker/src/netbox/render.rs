//! The plan for people: a table (kind, name, action, detail) and the
//! totals. Names and details carry device-controlled text (hostnames,
//! interface and VLAN names): every cell goes through [`term::safe`].

use super::plan::{Action, Plan, Totals};
use crate::term;
use std::fmt::Write;

/// The table: one line per step, unchanged steps left out unless
/// `verbose` (a second sync is all unchanged), then the totals.
pub fn table(plan: &Plan, verbose: bool) -> String {
    let rows: Vec<[String; 4]> = plan
        .steps
        .iter()
        .filter(|s| verbose || s.action != Action::Unchanged)
        .map(|s| {
            [
                s.kind.as_str().to_string(),
                term::safe(&s.label).into_owned(),
                s.action.as_str().to_string(),
                term::safe(&s.detail).into_owned(),
            ]
        })
        .collect();
    let head = ["KIND", "NAME", "ACTION", "DETAIL"];
    let mut width = head.map(|h| h.chars().count());
    for r in &rows {
        for (w, c) in width.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count()).min(60);
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, cells: [&str; 4]| {
        let _ = writeln!(
            out,
            "{:w0$}  {:w1$}  {:w2$}  {}",
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            w0 = width[0],
            w1 = width[1],
            w2 = width[2]
        );
    };
    if !rows.is_empty() {
        line(&mut out, head);
        for r in &rows {
            line(&mut out, [&r[0], &r[1], &r[2], &r[3]]);
        }
    }
    out.push_str(&totals_line(&plan.totals()));
    out.push('\n');
    out
}

/// `create 3, update 1, unchanged 40, conflict 0, skip 0, delete 0`.
pub fn totals_line(t: &Totals) -> String {
    format!(
        "create {}, update {}, unchanged {}, conflict {}, skip {}, delete {}",
        t.create, t.update, t.unchanged, t.conflict, t.skip, t.delete
    )
}
