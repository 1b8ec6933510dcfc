//! Reads as data: a [`Query`] names a table, its columns and their order;
//! [`Rows`] says which rows; [`select`] builds the SQL and maps the rows.
//! Every list read of the store goes through [`select`], so "all of them"
//! is [`Rows::All`], not a dummy always-true condition at each call.

use super::db::{Db, DbError, DbRow, Value};
use super::error::{Result, StoreError};
use crate::model::DeviceId;

/// A read of one table: `SELECT columns FROM table [WHERE ...] [ORDER BY order]`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Query {
    /// What is read, for error messages ("reading {what}").
    pub what: &'static str,
    /// The table read.
    pub table: &'static str,
    /// The columns, in the order the row mapper reads them by index.
    pub columns: &'static str,
    /// The `ORDER BY` list, so every read is deterministic; empty when the
    /// caller does not care (it files rows into a map).
    pub order: &'static str,
}

/// Which rows a [`Query`] takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Rows {
    /// Every row of the table.
    All,
    /// Rows meeting an SQL condition without parameters.
    Where(&'static str),
    /// Rows meeting an SQL condition on one integer parameter, `?1`.
    WhereArg(&'static str, i64),
}

impl Rows {
    /// Rows of a per-device table (column `device_id`) that belong to `one`,
    /// or every device's rows (`None`).
    pub(super) fn of_device(one: Option<DeviceId>) -> Rows {
        match one {
            Some(id) => Rows::WhereArg("device_id = ?1", id.0),
            None => Rows::All,
        }
    }

    fn condition(self) -> Option<&'static str> {
        match self {
            Rows::All => None,
            Rows::Where(cond) | Rows::WhereArg(cond, _) => Some(cond),
        }
    }

    fn params(self) -> Option<Value<'static>> {
        match self {
            Rows::All | Rows::Where(_) => None,
            Rows::WhereArg(_, arg) => Some(Value::Int(arg)),
        }
    }
}

impl Query {
    /// The statement for `rows` of this query.
    fn sql(&self, rows: Rows) -> String {
        let mut sql = format!("SELECT {} FROM {}", self.columns, self.table);
        if let Some(cond) = rows.condition() {
            sql.push_str(" WHERE ");
            sql.push_str(cond);
        }
        if !self.order.is_empty() {
            sql.push_str(" ORDER BY ");
            sql.push_str(self.order);
        }
        sql
    }
}

/// An error a row mapper may return: a database one gets the query's
/// context, a [`StoreError`] (e.g. an unreadable value) passes as it is.
pub(super) trait RowError {
    fn in_context(self, context: impl FnOnce() -> String) -> StoreError;
}

impl RowError for DbError {
    fn in_context(self, context: impl FnOnce() -> String) -> StoreError {
        StoreError::Database {
            context: context(),
            source: self,
        }
    }
}

/// Either a database error or a mapper's own, while a query runs.
enum Failed<E> {
    Db(DbError),
    Map(E),
}

impl<E> From<DbError> for Failed<E> {
    fn from(e: DbError) -> Failed<E> {
        Failed::Db(e)
    }
}

impl RowError for StoreError {
    fn in_context(self, _: impl FnOnce() -> String) -> StoreError {
        self
    }
}

/// Runs `query` over `rows` on `conn`, mapping each row with `map`.
pub(super) fn select<T, E: RowError>(
    conn: &Db,
    query: &Query,
    rows: Rows,
    mut map: impl FnMut(&DbRow<'_>) -> std::result::Result<T, E>,
) -> Result<Vec<T>> {
    let ctx = || format!("reading {}", query.what);
    let params: Vec<Value<'_>> = rows.params().into_iter().collect();
    conn.query(&query.sql(rows), &params, |r| map(r).map_err(Failed::Map))
        .map_err(|e| match e {
            Failed::Db(e) => e.in_context(ctx),
            Failed::Map(e) => e.in_context(ctx),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const Q: Query = Query {
        what: "things",
        table: "t",
        columns: "a, b",
        order: "a",
    };

    fn table() -> Db {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE t (a INTEGER, b TEXT); INSERT INTO t VALUES (2, 'y'), (1, 'x'), (3, 'z');",
        )
        .unwrap();
        Db::Sqlite(conn)
    }

    fn a_column(rows: Rows) -> Result<Vec<i64>> {
        select(&table(), &Q, rows, |r| r.get::<i64>(0))
    }

    #[test]
    fn all_rows_have_no_condition() {
        assert_eq!(Q.sql(Rows::All), "SELECT a, b FROM t ORDER BY a");
        let unordered = Query { order: "", ..Q };
        assert_eq!(unordered.sql(Rows::All), "SELECT a, b FROM t");
        assert_eq!(a_column(Rows::All).unwrap(), [1, 2, 3]);
    }

    #[test]
    fn a_condition_takes_its_one_parameter() {
        assert_eq!(
            Q.sql(Rows::of_device(Some(DeviceId(7)))),
            "SELECT a, b FROM t WHERE device_id = ?1 ORDER BY a"
        );
        assert_eq!(Rows::of_device(None), Rows::All);
        assert_eq!(a_column(Rows::WhereArg("a >= ?1", 2)).unwrap(), [2, 3]);
        assert_eq!(a_column(Rows::Where("b != 'x'")).unwrap(), [2, 3]);
    }

    #[test]
    fn sqlite_errors_name_what_was_read_and_store_errors_pass_through() {
        let missing = Query { table: "nope", ..Q };
        let err = select(&table(), &missing, Rows::All, |r| r.get::<i64>(0)).unwrap_err();
        assert!(
            matches!(&err, StoreError::Database { context, .. } if context == "reading things"),
            "{err}"
        );
        let err = select(&table(), &Q, Rows::All, |_| {
            Err::<(), _>(StoreError::UnknownDevice(DeviceId(1)))
        })
        .unwrap_err();
        assert!(
            matches!(err, StoreError::UnknownDevice(DeviceId(1))),
            "{err}"
        );
    }
}
