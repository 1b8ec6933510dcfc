//! Helpers for comparing our records with ntc-templates' `parsed_sample`:
//! reading a fixture corpus, looking up ntc fields, collecting differences,
//! and the claimed/not-claimed walk with pass floors.

#![allow(dead_code)]

use serde_yaml_ng::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One ntc record: field name -> value.
pub type Rec = BTreeMap<String, Value>;
/// Compares our parse of a raw capture with ntc's records.
pub type Checker = fn(&str, &[Rec]) -> Result<(), String>;

/// ntc scalar as text ("" when absent).
pub fn s(r: &Rec, k: &str) -> String {
    match r.get(k) {
        Some(Value::String(x)) => x.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

/// ntc list as texts (a lone non-empty string is a one-item list).
pub fn l(r: &Rec, k: &str) -> Vec<String> {
    match r.get(k) {
        Some(Value::Sequence(v)) => v
            .iter()
            .map(|x| match x {
                Value::String(s) => s.clone(),
                other => serde_yaml_ng::to_string(other)
                    .unwrap_or_default()
                    .trim()
                    .to_string(),
            })
            .collect(),
        Some(Value::String(x)) if !x.is_empty() => vec![x.clone()],
        _ => Vec::new(),
    }
}

/// An optional value as text ("" for `None`).
pub fn on<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(|x| x.to_string()).unwrap_or_default()
}

/// Differences found in one fixture.
pub struct Diff(pub Vec<String>);

impl Diff {
    pub fn new() -> Self {
        Diff(Vec::new())
    }
    pub fn eq(&mut self, idx: usize, field: &str, ours: impl AsRef<str>, theirs: impl AsRef<str>) {
        let (a, b) = (ours.as_ref().trim(), theirs.as_ref().trim());
        if a != b {
            self.0
                .push(format!("record {idx} {field}: ours {a:?} ntc {b:?}"));
        }
    }
    pub fn eq_list(&mut self, idx: usize, field: &str, ours: &[String], theirs: &[String]) {
        if ours != theirs {
            self.0.push(format!(
                "record {idx} {field}: ours {ours:?} ntc {theirs:?}"
            ));
        }
    }
    pub fn len(&mut self, ours: usize, theirs: usize) -> bool {
        if ours != theirs {
            self.0
                .push(format!("record count: ours {ours} ntc {theirs}"));
            return false;
        }
        true
    }
    pub fn done(self) -> Result<(), String> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0.join("\n    "))
        }
    }
}

/// `(stem, raw, yml)` for every `*.raw` in `dir`; each must have its
/// `<stem>.yml` (a capture without expected records would check nothing).
pub fn fixtures(dir: &Path) -> Vec<(String, PathBuf, PathBuf)> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<_> = rd
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "raw"))
        .map(|p| {
            let stem = p
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .to_string();
            let yml = p.with_extension("yml");
            assert!(yml.exists(), "{p:?} has no {yml:?}");
            (stem, p, yml)
        })
        .collect();
    out.sort();
    out
}

/// The `parsed_sample` records of an ntc yml file. An unreadable file or one without `parsed_sample` fails the test: read
/// as "no records", it would pass any parser that returns nothing.
pub fn load_sample(yml: &Path) -> Vec<Rec> {
    let text = std::fs::read_to_string(yml).unwrap_or_else(|e| panic!("{yml:?}: {e}"));
    let v: Value = serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{yml:?}: {e}"));
    let Some(Value::Sequence(seq)) = v.get("parsed_sample").cloned() else {
        panic!("{yml:?} has no parsed_sample list");
    };
    seq.into_iter()
        .filter_map(|r| match r {
            Value::Mapping(m) => Some(
                m.into_iter()
                    .filter_map(|(k, v)| k.as_str().map(|k| (k.to_string(), v)))
                    .collect(),
            ),
            _ => None,
        })
        .collect()
}

/// A claimed command directory: (platform dir, command dir, checker,
/// floor: passes that must not drop).
pub type Claim = (&'static str, &'static str, Checker, usize);

/// Walks `root`: every command directory must be claimed or listed as not
/// claimed (with a reason); every claimed fixture is checked, except those
/// in `known` (stem, why we differ on purpose); a claim whose passes fall
/// below its floor fails. Prints a table of the results.
pub fn run_corpus(
    root: &Path,
    claimed: &[Claim],
    not_claimed: &[(&str, &str, &str)],
    known: &[(&str, &str)],
) {
    assert!(root.is_dir(), "conformance corpus missing at {root:?}");
    let mut problems = unlisted_dirs(root, claimed, not_claimed);
    println!(
        "{:<16} {:<32} {:>5} {:>5} {:>5}",
        "platform", "command", "pass", "total", "floor"
    );
    let (mut total_pass, mut total) = (0, 0);
    for (plat, cmd, check, floor) in claimed {
        let dir = root.join(plat).join(cmd);
        let fx = fixtures(&dir);
        if fx.is_empty() {
            problems.push(format!("{plat}/{cmd}: claimed but no fixtures"));
        }
        let mut pass = 0;
        for (stem, raw, yml) in &fx {
            if let Some((_, why)) = known.iter().find(|(s, _)| s == stem) {
                println!("  known difference {stem}: {why}");
                continue;
            }
            let raw_text = String::from_utf8_lossy(&std::fs::read(raw).unwrap()).to_string();
            match check(&raw_text, &load_sample(yml)) {
                Ok(()) => pass += 1,
                Err(e) => println!("  FAIL {plat}/{cmd}/{stem}:\n    {e}"),
            }
        }
        println!("{plat:<16} {cmd:<32} {pass:>5} {:>5} {floor:>5}", fx.len());
        total_pass += pass;
        total += fx.len();
        if pass < *floor {
            problems.push(format!(
                "{plat}/{cmd}: {pass} passes, below the floor of {floor}"
            ));
        }
    }
    println!("TOTAL {total_pass}/{total}");
    for (p, c, why) in not_claimed {
        println!("not claimed {p}/{c}: {why}");
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Command directories under `root` that are neither claimed nor listed as
/// not claimed: new fixtures must not be ignored silently.
fn unlisted_dirs(
    root: &Path,
    claimed: &[Claim],
    not_claimed: &[(&str, &str, &str)],
) -> Vec<String> {
    let mut problems = Vec::new();
    for plat in std::fs::read_dir(root)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
    {
        let p = plat.file_name().to_string_lossy().to_string();
        for cmd in std::fs::read_dir(plat.path()).unwrap().flatten() {
            let c = cmd.file_name().to_string_lossy().to_string();
            let known = claimed.iter().any(|(a, b, _, _)| *a == p && *b == c)
                || not_claimed.iter().any(|(a, b, _)| *a == p && *b == c);
            if !known {
                problems.push(format!(
                    "{p}/{c}: neither claimed nor listed as not claimed"
                ));
            }
        }
    }
    problems
}
