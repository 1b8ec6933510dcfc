//! `show module`: NX-OS, Catalyst 6500/4500/9400 chassis and VSS pairs, and
//! the Catalyst 9200 stack form.

use crate::text::{kv, leading_u32, non_empty};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SubModule {
    /// `Sub-Module` name (may hold spaces), e.g. a daughter card.
    pub name: String,
    /// Its model, for the inventory.
    pub model: Option<String>,
    /// Its serial, for the inventory.
    pub serial: Option<String>,
    /// Its hardware version.
    pub hw: Option<String>,
    /// Its status (`Ok`, ...).
    pub status: Option<String>,
}

/// One line card / supervisor / stack member.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ModuleInfo {
    /// VSS / stack member this module sits in. From `Switch Number:` headers,
    /// or inferred from repeated module tables when the headers are missing.
    pub switch_number: Option<u32>,
    /// The slot number printed in the `Mod` column: the module's key.
    pub module: u32,
    /// `Ports` column.
    pub ports: Option<u32>,
    /// `Card Type` (IOS) / `Module-Type` (NX-OS).
    pub card_type: Option<String>,
    /// `Model` column: the orderable part.
    pub model: Option<String>,
    /// `Serial No.` / `Serial-Num` column.
    pub serial: Option<String>,
    /// `aaaa.bbbb.0000 to aaaa.bbbb.ffff` as printed.
    pub mac_range: Option<String>,
    /// Hardware version (`Hw`).
    pub hw: Option<String>,
    /// Firmware version (`Fw`).
    pub fw: Option<String>,
    /// Software version (`Sw`).
    pub sw: Option<String>,
    /// `Status` column (`ok`, `active *`, `ha-standby`...).
    pub status: Option<String>,
    /// `Online Diag Status` (`Pass`...).
    pub online_diag: Option<String>,
    /// Daughter cards from the `Sub-Module` table.
    pub submodules: Vec<SubModule>,
}

#[derive(Clone, Copy, PartialEq, Debug, Default)]
enum Table {
    #[default]
    None,
    Card,
    NxModule,
    Mac,
    NxSwHw,
    NxMacSerial,
    Sub,
    Diag,
    StackForm,
    Other,
}

struct Col {
    /// Byte offset where the column starts in its header (or rule) line.
    start: usize,
}

fn header_columns(line: &str, names: &[&str]) -> Vec<Col> {
    let mut cols = Vec::new();
    let mut from = 0;
    for n in names {
        if let Some(i) = line.get(from..).and_then(|s| s.find(n)) {
            cols.push(Col { start: from + i });
            from += i + n.len();
        }
    }
    cols
}

/// Column starts from a rule line: every `-` preceded by a space or `+`.
fn rule_columns(line: &str) -> Vec<Col> {
    let b = line.as_bytes();
    (0..b.len())
        .filter(|&i| b[i] == b'-' && (i == 0 || matches!(b[i - 1], b' ' | b'+')))
        .map(|start| Col { start })
        .collect()
}

/// Splits a row into per-column strings by the header's column starts.
fn by_columns(line: &str, cols: &[Col]) -> Vec<String> {
    let mut out = vec![String::new(); cols.len()];
    for tok in line.split_whitespace() {
        let Some(start) = crate::text::offset_in(line, tok) else {
            break;
        };
        let idx = cols.iter().rposition(|c| c.start <= start + 2).unwrap_or(0);
        if let Some(cell) = out.get_mut(idx) {
            if !cell.is_empty() {
                cell.push(' ');
            }
            cell.push_str(tok);
        }
    }
    out
}

fn looks_like_serial(s: &str) -> bool {
    s.len() >= 8
        && s.len() <= 14
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        && s.bytes().any(|b| b.is_ascii_digit())
}

fn looks_like_model(s: &str) -> bool {
    s.bytes().any(|b| b.is_ascii_digit()) && s.bytes().all(|b| b.is_ascii_graphic()) && s.len() >= 3
}

/// Where a module's row belongs: (explicit switch number, chassis ordinal,
/// module number).
type RowKey = (Option<u32>, u32, u32);

/// A `show module` parse in progress: the rows so far and where in the
/// output the scan is.
#[derive(Default)]
struct ModuleScan {
    /// Every module seen, with its key, in first-seen order (the output order).
    rows: Vec<(RowKey, ModuleInfo)>,
    /// Key -> position in `rows`; keeps the merge of the per-module tables
    /// linear in the input size.
    index: HashMap<RowKey, usize>,
    /// The table whose rows are being read, from the last header line.
    table: Table,
    /// Column starts of the current table, for the tables read by column.
    cols: Vec<Col>,
    /// The number of the last `Switch Number:` header, if any.
    explicit: Option<u32>,
    /// Chassis seen so far (headers and repeated module tables), so a VSS
    /// pair printed without headers is never merged into one.
    chassis: u32,
    /// A module table was already read in this chassis section: another one
    /// is the next member.
    seen_card_table_in_chassis: bool,
}

/// Parses `show module`. Never merges two chassis: a VSS pair printed
/// without `Switch Number:` headers still gives both members' modules,
/// numbered 1 and 2 in print order.
pub fn parse_show_module(text: &str) -> Vec<ModuleInfo> {
    let mut scan = ModuleScan::default();
    for line in crate::text::lines(text) {
        scan.line(line);
    }
    scan.finish()
}

impl ModuleScan {
    /// Reads one line: a switch header, a table header, a rule or a row.
    fn line(&mut self, line: &str) {
        let t = line.trim();
        if t.is_empty() {
            return;
        }
        if let Some(rest) = kv(t, "Switch Number") {
            self.explicit = leading_u32(rest);
            self.chassis += 1;
            self.seen_card_table_in_chassis = false;
            return;
        }
        let first = t.split_whitespace().next().unwrap_or("");
        if matches!(first, "Mod" | "M" | "Module" | "Switch" | "Xbar") {
            self.table = self.header(line, t, first);
            return;
        }
        if crate::text::is_rule(t) || t.starts_with("---") {
            self.rule(line);
            return;
        }
        // Non-row line (Chassis Type:, footnotes): does not end a table.
        if let Some(m) = leading_u32(first).filter(|_| first.bytes().all(|b| b.is_ascii_digit())) {
            self.row_line(line, t, first, m);
        }
    }

    /// The table a header line starts (and its columns, where read by column).
    fn header(&mut self, line: &str, t: &str, first: &str) -> Table {
        if t.contains("Card Type") {
            self.module_table_starts();
            Table::Card
        } else if first == "Xbar" {
            Table::Other
        } else if t.contains("Module-Type") {
            self.cols = header_columns(line, &["Mod", "Ports", "Module-Type", "Model", "Status"]);
            self.module_table_starts();
            Table::NxModule
        } else if t.contains("MAC addresses") {
            self.cols = header_columns(line, &["MAC addresses", "Hw", "Fw", "Sw", "Status"]);
            Table::Mac
        } else if t.contains("Sub-Module") {
            Table::Sub
        } else if t.contains("Online Diag") {
            Table::Diag
        } else if first == "Switch" && t.contains("Model") && t.contains("Serial") {
            if self.chassis == 0 {
                self.chassis = 1;
            }
            Table::StackForm
        } else if t.contains("World-Wide-Name") || (t.contains(" Sw ") && t.contains("Hw")) {
            Table::NxSwHw
        } else if t.contains("MAC-Address") && t.contains("Serial") {
            Table::NxMacSerial
        } else {
            Table::Other
        }
    }

    /// A module table (IOS `Card Type`, NX-OS `Module-Type`) begins. A second
    /// one inside one chassis section is the next VSS member (its `Switch
    /// Number:` header was not printed).
    fn module_table_starts(&mut self) {
        if self.seen_card_table_in_chassis || self.chassis == 0 {
            self.chassis += 1;
        }
        self.seen_card_table_in_chassis = true;
    }

    /// NX-OS centres its headers; the rule under them marks the real column
    /// starts.
    fn rule(&mut self, line: &str) {
        if self.table == Table::NxModule {
            let rc = rule_columns(line);
            if rc.len() >= 5 {
                self.cols = rc;
            }
        }
    }

    /// Module `m`'s row in the current chassis, created on first sight.
    fn module(&mut self, m: u32) -> &mut ModuleInfo {
        let key = (self.explicit, self.chassis.max(1), m);
        let rows = &mut self.rows;
        let i = *self.index.entry(key).or_insert_with(|| {
            rows.push((
                key,
                ModuleInfo {
                    module: m,
                    ..Default::default()
                },
            ));
            rows.len() - 1
        });
        &mut rows[i].1
    }

    /// A row of the current table about module `m` (`first` is its first token).
    fn row_line(&mut self, line: &str, t: &str, first: &str, m: u32) {
        let toks: Vec<&str> = t.split_whitespace().collect();
        match self.table {
            Table::Card => card_row(self.module(m), &toks),
            Table::NxModule => {
                let cells = by_columns(line, &self.cols);
                nx_module_row(self.module(m), &cells);
            }
            Table::Mac => {
                let cells = by_columns(line, &self.cols);
                mac_row(self.module(m), &cells, first);
            }
            Table::Sub => sub_row(self.module(m), &toks),
            Table::Diag => self.module(m).online_diag = non_empty(&toks[1..].join(" ")),
            Table::NxSwHw => {
                let r = self.module(m);
                r.sw = toks.get(1).and_then(|s| non_empty(s));
                r.hw = toks.get(2).and_then(|s| non_empty(s));
            }
            Table::NxMacSerial => nx_mac_serial_row(self.module(m), &toks),
            Table::StackForm if toks.len() >= 7 => stack_form_row(self.module(m), &toks),
            Table::StackForm | Table::None | Table::Other => {}
        }
    }

    /// The modules in output order, numbered by switch: the printed numbers
    /// when any header gave one, else the chassis ordinal when there were
    /// several, else none.
    fn finish(self) -> Vec<ModuleInfo> {
        let any_explicit = self.rows.iter().any(|((e, _, _), _)| e.is_some());
        let chassis_count = self.rows.iter().map(|((_, c, _), _)| *c).max().unwrap_or(0);
        self.rows
            .into_iter()
            .map(|((e, c, _), mut r)| {
                r.switch_number = if any_explicit {
                    e
                } else if chassis_count > 1 {
                    Some(c)
                } else {
                    None
                };
                r
            })
            .collect()
    }
}

/// IOS `Mod Ports Card Type Model Serial No.`: model and serial are the last
/// two tokens when they look like them; the card type is what is left.
fn card_row(r: &mut ModuleInfo, toks: &[&str]) {
    let mut rest: &[&str] = &toks[1..];
    if let Some(p) = rest.first().and_then(|p| p.parse::<u32>().ok()) {
        r.ports = Some(p);
        rest = &rest[1..];
    }
    let n = rest.len();
    if n >= 2 && looks_like_serial(rest[n - 1]) && looks_like_model(rest[n - 2]) {
        r.serial = Some(rest[n - 1].to_string());
        r.model = Some(rest[n - 2].to_string());
        rest = &rest[..n - 2];
    }
    r.card_type = non_empty(&rest.join(" "));
}

/// NX-OS `Mod Ports Module-Type Model Status`. Columns are aligned on NX-OS;
/// a missing Model cell (a powered-up supervisor) must not shift the type
/// into it.
fn nx_module_row(r: &mut ModuleInfo, cells: &[String]) {
    let get = |k: usize| cells.get(k).and_then(|c| non_empty(c));
    r.ports = get(1).and_then(|p| p.parse().ok());
    r.card_type = get(2);
    r.model = get(3);
    r.status = get(4);
}

/// IOS `Mod MAC addresses Hw Fw Sw Status`, by column.
fn mac_row(r: &mut ModuleInfo, cells: &[String], first: &str) {
    // First cell also holds the module number at its start when the number
    // sits left of the MAC column.
    let get = |k: usize| cells.get(k).and_then(|c| non_empty(c));
    r.mac_range = get(0)
        .map(|c| c.trim_start_matches(first).trim().to_string())
        .and_then(|c| non_empty(&c));
    r.hw = get(1);
    r.fw = get(2);
    r.sw = get(3);
    r.status = get(4);
}

/// IOS `Mod Sub-Module Model Serial Hw Status`: the name may hold spaces, the
/// last four tokens are the rest.
fn sub_row(r: &mut ModuleInfo, toks: &[&str]) {
    let rest = &toks[1..];
    let n = rest.len();
    if n >= 5 {
        r.submodules.push(SubModule {
            name: rest[..n - 4].join(" "),
            model: Some(rest[n - 4].to_string()),
            serial: Some(rest[n - 3].to_string()),
            hw: Some(rest[n - 2].to_string()),
            status: Some(rest[n - 1].to_string()),
        });
    }
}

/// NX-OS `Mod MAC-Address(es) Serial-Num`: `<from> to <to> <serial>`.
fn nx_mac_serial_row(r: &mut ModuleInfo, toks: &[&str]) {
    if let Some(to) = toks.iter().position(|x| *x == "to")
        && to >= 2
        && to + 1 < toks.len()
    {
        r.mac_range = Some(format!("{} to {}", toks[to - 1], toks[to + 1]));
        r.serial = toks.get(to + 2).and_then(|s| non_empty(s));
    }
}

/// Catalyst 9200 stack form `Switch Ports Model Serial MAC Hw Sw` (at least
/// seven tokens).
fn stack_form_row(r: &mut ModuleInfo, toks: &[&str]) {
    r.ports = toks[1].parse().ok();
    r.model = Some(toks[2].to_string());
    r.serial = Some(toks[3].to_string());
    r.mac_range = Some(toks[4].to_string());
    r.hw = Some(toks[5].to_string());
    r.sw = Some(toks[6].to_string());
}
