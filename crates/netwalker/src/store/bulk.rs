//! Many rows in one statement: `INSERT ... VALUES (...), (...), ... ON
//! CONFLICT ...`, for the tables a walked switch fills by the thousand
//! (MAC sightings, MAC-to-IP pairs) and by the dozen (interfaces, VLANs).
//!
//! One statement per row cost the PostgreSQL store a round trip per row
//! (a 1,000-device campus with 28,000 end hosts: 125,000 of them, and the
//! walk 5x slower than without end hosts), and SQLite a statement
//! execution per row. Rows go in chunks of fixed sizes ([`CHUNKS`]), so
//! each table has a handful of distinct statements to prepare and cache,
//! whatever the row count.
//!
//! PostgreSQL refuses a statement whose `ON CONFLICT DO UPDATE` would touch
//! one row twice, so callers pass rows with distinct keys
//! ([`distinct_by`]).

use super::db::{Db, DbError, Value};
use std::collections::HashSet;
use std::hash::Hash;

/// Rows per statement, largest first: a count is cut into as many of the
/// largest as fit, then the next size, down to single rows.
const CHUNKS: [usize; 4] = [128, 32, 8, 1];

/// An upsert statement's fixed parts.
pub(super) struct Upsert {
    /// Up to `VALUES`: `INSERT INTO t (a, b, c) VALUES`.
    pub head: &'static str,
    /// One row's tuple with parameters numbered from 1 for that row:
    /// `(?1, ?2, ?3, ?3)` (a number may repeat).
    pub row: &'static str,
    /// Parameters per row (the highest number in `row`).
    pub width: usize,
    /// After the rows: `ON CONFLICT (...) DO UPDATE SET ...`.
    pub tail: &'static str,
}

impl Upsert {
    /// Writes a row per item of `items` with a distinct `key` (the last
    /// item of each key, see [`distinct_by`]); `row` gives an item's values.
    pub fn write<'a, T, K: Hash + Eq, const N: usize>(
        &self,
        db: &Db,
        items: &'a [T],
        key: impl Fn(&'a T) -> K,
        row: impl Fn(&'a T) -> [Value<'a>; N],
    ) -> Result<(), DbError> {
        debug_assert_eq!(N, self.width, "a row's values");
        let kept = distinct_by(items, key);
        let mut values = Vec::with_capacity(kept.len() * N);
        for item in kept {
            values.extend(row(item));
        }
        self.run(db, &values)
    }

    /// Writes `values` (`width` per row, row after row) in as few
    /// statements as [`CHUNKS`] allow.
    pub fn run(&self, db: &Db, values: &[Value<'_>]) -> Result<(), DbError> {
        debug_assert_eq!(values.len() % self.width, 0, "whole rows");
        let mut rest = values;
        for size in statements(values.len() / self.width) {
            let (chunk, more) = rest.split_at(size * self.width);
            db.execute(&self.sql(size), chunk)?;
            rest = more;
        }
        Ok(())
    }

    /// The statement for `rows` rows: each row's tuple renumbered past
    /// the rows before it.
    fn sql(&self, rows: usize) -> String {
        let mut sql = String::with_capacity(self.head.len() + self.tail.len() + rows * 40);
        sql.push_str(self.head);
        for r in 0..rows {
            sql.push_str(if r == 0 { " " } else { ", " });
            renumber(&mut sql, self.row, r * self.width);
        }
        sql.push(' ');
        sql.push_str(self.tail);
        sql
    }
}

/// The rows of each statement that writes `rows` rows, in order: as many
/// of the largest chunk as fit, then the next size, down to single rows.
fn statements(mut rows: usize) -> Vec<usize> {
    let mut out = Vec::new();
    for size in CHUNKS {
        out.extend(std::iter::repeat_n(size, rows / size));
        rows %= size;
    }
    out
}

/// Appends `template` to `out` with every `?N` raised by `offset`.
fn renumber(out: &mut String, template: &str, offset: usize) {
    let mut chars = template.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '?' {
            out.push(c);
            continue;
        }
        let start = i + 1;
        let mut end = start;
        while let Some(&(j, d)) = chars.peek() {
            if !d.is_ascii_digit() {
                break;
            }
            end = j + 1;
            chars.next();
        }
        match template[start..end].parse::<usize>() {
            Ok(n) => {
                out.push('?');
                out.push_str(&(n + offset).to_string());
            }
            Err(_) => out.push('?'),
        }
    }
}

/// The items with distinct keys, the last of each kept (a device that
/// reports one thing twice: its last report wins, as row-by-row upserts
/// had it), in the order of those last reports.
fn distinct_by<'a, T, K: Hash + Eq>(items: &'a [T], key: impl Fn(&'a T) -> K) -> Vec<&'a T> {
    let mut seen = HashSet::with_capacity(items.len());
    let mut kept: Vec<&T> = items.iter().rev().filter(|t| seen.insert(key(t))).collect();
    kept.reverse();
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Upsert = Upsert {
        head: "INSERT INTO t (k, v, a, b) VALUES",
        row: "(?1, ?2, ?3, ?3)",
        width: 3,
        tail: "ON CONFLICT (k) DO UPDATE SET v = excluded.v",
    };

    #[test]
    fn rows_are_numbered_past_the_rows_before_them() {
        assert_eq!(
            T.sql(2),
            "INSERT INTO t (k, v, a, b) VALUES (?1, ?2, ?3, ?3), (?4, ?5, ?6, ?6) \
             ON CONFLICT (k) DO UPDATE SET v = excluded.v"
        );
        let mut s = String::new();
        renumber(&mut s, "(?9, ?10, 'a?', ?)", 10);
        assert_eq!(s, "(?19, ?20, 'a?', ?)");
    }

    #[test]
    fn rows_go_in_few_statements_of_the_chunk_sizes() {
        assert_eq!(statements(0), Vec::<usize>::new());
        assert_eq!(statements(300), [128, 128, 32, 8, 1, 1, 1, 1]);
        assert_eq!(statements(41), [32, 8, 1]);
        for n in 0..2000 {
            let s = statements(n);
            assert_eq!(s.iter().sum::<usize>(), n, "{n}");
            assert!(s.iter().all(|c| CHUNKS.contains(c)), "{n}: {s:?}");
            // After the 128s: at most 3 of 32, 3 of 8 and 7 single rows.
            assert!(
                s.len() <= n / 128 + 3 + 3 + 7,
                "{n}: {} statements",
                s.len()
            );
        }
    }

    #[test]
    fn every_row_is_written_once() {
        let db = Db::Sqlite(rusqlite::Connection::open_in_memory().unwrap());
        db.batch("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT, a INTEGER, b INTEGER)")
            .unwrap();
        for n in [0usize, 1, 7, 8, 9, 128, 300] {
            db.batch("DELETE FROM t").unwrap();
            let keys: Vec<i64> = (0..n as i64).collect();
            let values: Vec<Value<'_>> = keys
                .iter()
                .flat_map(|k| {
                    [
                        Value::Int(*k),
                        Value::Text(format!("v{k}").into()),
                        Value::Int(k * 2),
                    ]
                })
                .collect();
            T.run(&db, &values).unwrap();
            let rows = db
                .query::<_, DbError>("SELECT k, v, a, b FROM t ORDER BY k", &[], |r| {
                    Ok((
                        r.get::<i64>(0)?,
                        r.get::<String>(1)?,
                        r.get::<i64>(2)?,
                        r.get::<i64>(3)?,
                    ))
                })
                .unwrap();
            assert_eq!(rows.len(), n, "{n} rows");
            for (k, v, a, b) in rows {
                assert_eq!((v, a, b), (format!("v{k}"), k * 2, k * 2));
            }
        }
        // An existing key is updated, as the tail says.
        T.run(
            &db,
            &[Value::Int(1), Value::Text("new".into()), Value::Int(0)],
        )
        .unwrap();
        let v = db
            .query::<_, DbError>("SELECT v FROM t WHERE k = 1", &[], |r| r.get::<String>(0))
            .unwrap();
        assert_eq!(v, ["new"]);
    }

    #[test]
    fn distinct_keeps_the_last_of_each_key() {
        let items = [(1, 'a'), (2, 'b'), (1, 'c'), (3, 'd'), (2, 'e')];
        let kept: Vec<char> = distinct_by(&items, |t| t.0)
            .into_iter()
            .map(|t| t.1)
            .collect();
        assert_eq!(kept, ['c', 'd', 'e']);
    }

    /// A key reported twice in one write is one row, the last report's:
    /// PostgreSQL refuses a statement that updates a row twice.
    #[test]
    fn write_stores_the_last_item_of_each_key() {
        let db = Db::Sqlite(rusqlite::Connection::open_in_memory().unwrap());
        db.batch("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT, a INTEGER, b INTEGER)")
            .unwrap();
        let items = [(1, "a"), (2, "b"), (1, "c")];
        T.write(
            &db,
            &items,
            |i| i.0,
            |i| [Value::Int(i.0), Value::Text(i.1.into()), Value::Int(0)],
        )
        .unwrap();
        let rows = db
            .query::<_, DbError>("SELECT k, v FROM t ORDER BY k", &[], |r| {
                Ok((r.get::<i64>(0)?, r.get::<String>(1)?))
            })
            .unwrap();
        assert_eq!(rows, [(1, "c".to_string()), (2, "b".to_string())]);
    }
}
