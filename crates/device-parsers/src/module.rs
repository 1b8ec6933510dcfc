//! `show module`: NX-OS, Catalyst 6500/4500/9400 chassis and VSS pairs, and
//! the Catalyst 9200 stack form.

use crate::text::{kv, leading_u32, non_empty};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SubModule {
    pub name: String,
    pub model: Option<String>,
    pub serial: Option<String>,
    pub hw: Option<String>,
    pub status: Option<String>,
}

/// One line card / supervisor / stack member.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ModuleInfo {
    /// VSS / stack member this module sits in. From `Switch Number:` headers,
    /// or inferred from repeated module tables when the headers are missing.
    pub switch_number: Option<u32>,
    pub module: u32,
    pub ports: Option<u32>,
    /// `Card Type` (IOS) / `Module-Type` (NX-OS).
    pub card_type: Option<String>,
    pub model: Option<String>,
    pub serial: Option<String>,
    /// `aaaa.bbbb.0000 to aaaa.bbbb.ffff` as printed.
    pub mac_range: Option<String>,
    pub hw: Option<String>,
    pub fw: Option<String>,
    pub sw: Option<String>,
    pub status: Option<String>,
    pub online_diag: Option<String>,
    pub submodules: Vec<SubModule>,
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Table {
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

/// Parses `show module`. Never merges two chassis: a VSS pair printed
/// without `Switch Number:` headers still gives both members' modules,
/// numbered 1 and 2 in print order.
pub fn parse_show_module(text: &str) -> Vec<ModuleInfo> {
    // (explicit switch, chassis ordinal, module)
    let mut rows: Vec<(Option<u32>, u32, ModuleInfo)> = Vec::new();
    let mut table = Table::None;
    let mut cols: Vec<Col> = Vec::new();
    let mut explicit: Option<u32> = None;
    let mut chassis: u32 = 0;
    let mut seen_card_table_in_chassis = false;

    // (explicit switch, chassis ordinal, module) -> row; keeps the merge of
    // the per-module tables linear in the input size.
    let mut index: HashMap<(Option<u32>, u32, u32), usize> = HashMap::new();
    let find = |rows: &mut Vec<(Option<u32>, u32, ModuleInfo)>,
                index: &mut HashMap<(Option<u32>, u32, u32), usize>,
                ex: Option<u32>,
                ch: u32,
                m: u32|
     -> usize {
        *index.entry((ex, ch, m)).or_insert_with(|| {
            rows.push((
                ex,
                ch,
                ModuleInfo {
                    module: m,
                    ..Default::default()
                },
            ));
            rows.len() - 1
        })
    };

    for line in crate::text::lines(text) {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if let Some(rest) = kv(t, "Switch Number") {
            explicit = leading_u32(rest);
            chassis += 1;
            seen_card_table_in_chassis = false;
            continue;
        }
        let first = t.split_whitespace().next().unwrap_or("");
        if matches!(first, "Mod" | "M" | "Module" | "Switch" | "Xbar") {
            table = if t.contains("Card Type") {
                // A second module table inside one chassis section is the
                // next VSS member (its "Switch Number:" header was not printed).
                if seen_card_table_in_chassis || chassis == 0 {
                    chassis += 1;
                }
                seen_card_table_in_chassis = true;
                Table::Card
            } else if first == "Xbar" {
                Table::Other
            } else if t.contains("Module-Type") {
                cols = header_columns(line, &["Mod", "Ports", "Module-Type", "Model", "Status"]);
                if seen_card_table_in_chassis || chassis == 0 {
                    chassis += 1;
                }
                seen_card_table_in_chassis = true;
                Table::NxModule
            } else if t.contains("MAC addresses") {
                cols = header_columns(line, &["MAC addresses", "Hw", "Fw", "Sw", "Status"]);
                Table::Mac
            } else if t.contains("Sub-Module") {
                Table::Sub
            } else if t.contains("Online Diag") {
                Table::Diag
            } else if first == "Switch" && t.contains("Model") && t.contains("Serial") {
                if chassis == 0 {
                    chassis = 1;
                }
                Table::StackForm
            } else if t.contains("World-Wide-Name") || (t.contains(" Sw ") && t.contains("Hw")) {
                Table::NxSwHw
            } else if t.contains("MAC-Address") && t.contains("Serial") {
                Table::NxMacSerial
            } else {
                Table::Other
            };
            continue;
        }
        if crate::text::is_rule(t) || t.starts_with("---") {
            // NX-OS centres its headers; the rule under them marks the real
            // column starts.
            if table == Table::NxModule {
                let rc = rule_columns(line);
                if rc.len() >= 5 {
                    cols = rc;
                }
            }
            continue;
        }
        let Some(m) = leading_u32(first).filter(|_| first.bytes().all(|b| b.is_ascii_digit()))
        else {
            // Non-row line (Chassis Type:, footnotes): does not end a table.
            continue;
        };
        let toks: Vec<&str> = t.split_whitespace().collect();
        let ch = chassis.max(1);
        match table {
            Table::Card => {
                let i = find(&mut rows, &mut index, explicit, ch, m);
                let r = &mut rows[i].2;
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
            Table::NxModule => {
                // Columns are aligned on NX-OS; a missing Model cell (a
                // powered-up supervisor) must not shift the type into it.
                let i = find(&mut rows, &mut index, explicit, ch, m);
                let r = &mut rows[i].2;
                let cells = by_columns(line, &cols);
                let get = |k: usize| cells.get(k).and_then(|c| non_empty(c));
                r.ports = get(1).and_then(|p| p.parse().ok());
                r.card_type = get(2);
                r.model = get(3);
                r.status = get(4);
            }
            Table::Mac => {
                let i = find(&mut rows, &mut index, explicit, ch, m);
                let r = &mut rows[i].2;
                let cells = by_columns(line, &cols);
                // First cell also holds the module number at its start when
                // the number sits left of the MAC column.
                let get = |k: usize| cells.get(k).and_then(|c| non_empty(c));
                r.mac_range = get(0)
                    .map(|c| c.trim_start_matches(first).trim().to_string())
                    .and_then(|c| non_empty(&c));
                r.hw = get(1);
                r.fw = get(2);
                r.sw = get(3);
                r.status = get(4);
            }
            Table::Sub => {
                let i = find(&mut rows, &mut index, explicit, ch, m);
                let r = &mut rows[i].2;
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
            Table::Diag => {
                let i = find(&mut rows, &mut index, explicit, ch, m);
                rows[i].2.online_diag = non_empty(&toks[1..].join(" "));
            }
            Table::NxSwHw => {
                let i = find(&mut rows, &mut index, explicit, ch, m);
                let r = &mut rows[i].2;
                r.sw = toks.get(1).and_then(|s| non_empty(s));
                r.hw = toks.get(2).and_then(|s| non_empty(s));
            }
            Table::NxMacSerial => {
                let i = find(&mut rows, &mut index, explicit, ch, m);
                let r = &mut rows[i].2;
                if let Some(to) = toks.iter().position(|x| *x == "to")
                    && to >= 2
                    && to + 1 < toks.len()
                {
                    r.mac_range = Some(format!("{} to {}", toks[to - 1], toks[to + 1]));
                    r.serial = toks.get(to + 2).and_then(|s| non_empty(s));
                }
            }
            Table::StackForm => {
                if toks.len() >= 7 {
                    let i = find(&mut rows, &mut index, explicit, ch, m);
                    let r = &mut rows[i].2;
                    r.ports = toks[1].parse().ok();
                    r.model = Some(toks[2].to_string());
                    r.serial = Some(toks[3].to_string());
                    r.mac_range = Some(toks[4].to_string());
                    r.hw = Some(toks[5].to_string());
                    r.sw = Some(toks[6].to_string());
                }
            }
            Table::None | Table::Other => {}
        }
    }
    let any_explicit = rows.iter().any(|(e, _, _)| e.is_some());
    let chassis_count = rows.iter().map(|(_, c, _)| *c).max().unwrap_or(0);
    rows.into_iter()
        .map(|(e, c, mut r)| {
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
