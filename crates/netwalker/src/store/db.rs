//! The store's two engines behind one small interface, so the store's logic
//! (commit, merge, end hosts, reads) is written once.
//!
//! - SQL is written once with numbered `?N` placeholders (SQLite reads them
//!   as they are; for PostgreSQL [`pg`](super::pg) rewrites them to `$N`
//!   once per statement and caches the prepared statement).
//! - Parameters are [`Value`]s that borrow where they can (a bound string
//!   costs SQLite no copy), built with [`vals!`].
//! - A row is read through [`DbRow::get`] into any [`FromDb`] type.
//! - Transactions and savepoints are guards ([`Tx`], [`Savepoint`]) that
//!   roll back when dropped unless committed.
//!
//! What differs between the dialects (how a write transaction begins,
//! substring search, the catalogue, the DDL) is in
//! [`dialect`](super::dialect) and the two migration lists, nowhere else.

use super::dialect::Dialect;
use super::pg::PgConn;
use std::borrow::Cow;

/// A bound parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// SQL NULL (typed by the statement, which PostgreSQL needs).
    Null,
    /// Any integer, and booleans as 0/1.
    Int(i64),
    /// Text, borrowed when the caller has it.
    Text(Cow<'a, str>),
}

/// Turns a Rust value into a [`Value`] borrowing from it.
pub trait ToValue {
    fn value(&self) -> Value<'_>;
}

macro_rules! int_value {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            fn value(&self) -> Value<'_> {
                Value::Int(i64::from(*self))
            }
        }
    )*};
}
int_value!(i64, i32, u32, u16, u8, bool);

impl ToValue for str {
    fn value(&self) -> Value<'_> {
        Value::Text(Cow::Borrowed(self))
    }
}

impl ToValue for String {
    fn value(&self) -> Value<'_> {
        Value::Text(Cow::Borrowed(self))
    }
}

impl<T: ToValue + ?Sized> ToValue for &T {
    fn value(&self) -> Value<'_> {
        (**self).value()
    }
}

impl<T: ToValue> ToValue for Option<T> {
    fn value(&self) -> Value<'_> {
        self.as_ref().map_or(Value::Null, ToValue::value)
    }
}

/// The parameters of one statement: `vals![a, b.name, c.to_string()]`.
macro_rules! vals {
    ($($v:expr),* $(,)?) => {
        &[$($crate::store::db::ToValue::value(&$v)),*] as &[$crate::store::db::Value<'_>]
    };
}
pub(crate) use vals;

impl rusqlite::ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(match self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
        })
    }
}

/// An error from either engine, or a value that does not fit its Rust type.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error("{}", pg_message(.0))]
    Postgres(#[from] postgres::Error),
    #[error("column {column} holds {value}, out of range for its type")]
    OutOfRange {
        /// The column's index in the query.
        column: usize,
        /// The stored value.
        value: i64,
    },
    #[error("the PostgreSQL connection stopped (its thread is gone)")]
    ConnectionGone,
}

/// What PostgreSQL said: the server's message with its detail and hint
/// (the client's own `Display` says only "db error" for those), or the
/// client's error.
fn pg_message(e: &postgres::Error) -> String {
    let Some(db) = e.as_db_error() else {
        return e.to_string();
    };
    let mut text = format!("{}: {}", db.severity(), db.message());
    for (label, part) in [("detail", db.detail()), ("hint", db.hint())] {
        if let Some(part) = part {
            text.push_str(&format!(" ({label}: {part})"));
        }
    }
    text
}

/// One row of a result, of either engine.
pub enum DbRow<'a> {
    /// A row SQLite is stepping through.
    Sqlite(&'a rusqlite::Row<'a>),
    /// A row PostgreSQL returned.
    Pg(&'a postgres::Row),
}

impl DbRow<'_> {
    /// Column `i` as a `T`.
    pub fn get<T: FromDb>(&self, i: usize) -> Result<T, DbError> {
        match self {
            DbRow::Sqlite(r) => Ok(T::from_sqlite(r, i)?),
            DbRow::Pg(r) => T::from_pg(r, i),
        }
    }
}

/// A Rust type a column can be read into, from either engine. PostgreSQL
/// integers are all `BIGINT` and read as `i64` first.
pub trait FromDb: Sized {
    fn from_sqlite(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Self>;
    fn from_pg(r: &postgres::Row, i: usize) -> Result<Self, DbError>;
}

macro_rules! int_from_db {
    ($($t:ty),*) => {$(
        impl FromDb for $t {
            fn from_sqlite(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Self> {
                r.get(i)
            }
            fn from_pg(r: &postgres::Row, i: usize) -> Result<Self, DbError> {
                let value: i64 = r.try_get(i)?;
                <$t>::try_from(value).map_err(|_| DbError::OutOfRange { column: i, value })
            }
        }
    )*};
}
int_from_db!(i64, u32, u16);

impl FromDb for bool {
    fn from_sqlite(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Self> {
        r.get(i)
    }
    fn from_pg(r: &postgres::Row, i: usize) -> Result<Self, DbError> {
        Ok(r.try_get(i)?)
    }
}

impl FromDb for String {
    fn from_sqlite(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Self> {
        r.get(i)
    }
    fn from_pg(r: &postgres::Row, i: usize) -> Result<Self, DbError> {
        Ok(r.try_get(i)?)
    }
}

/// Any PostgreSQL value, read only to learn whether it is NULL.
struct AnyValue;

impl<'a> postgres::types::FromSql<'a> for AnyValue {
    fn from_sql(
        _: &postgres::types::Type,
        _: &'a [u8],
    ) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(AnyValue)
    }
    fn accepts(_: &postgres::types::Type) -> bool {
        true
    }
}

impl<T: FromDb> FromDb for Option<T> {
    fn from_sqlite(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Self> {
        match r.get_ref(i)? {
            rusqlite::types::ValueRef::Null => Ok(None),
            _ => T::from_sqlite(r, i).map(Some),
        }
    }
    fn from_pg(r: &postgres::Row, i: usize) -> Result<Self, DbError> {
        match r.try_get::<_, Option<AnyValue>>(i)? {
            None => Ok(None),
            Some(_) => T::from_pg(r, i).map(Some),
        }
    }
}

/// A connection to the store, of either engine.
pub enum Db {
    /// SQLite: statements run on the caller's thread.
    Sqlite(rusqlite::Connection),
    /// PostgreSQL: statements run on the connection's own thread.
    Pg(PgConn),
}

impl Db {
    /// Which SQL dialect this connection speaks.
    pub fn dialect(&self) -> Dialect {
        match self {
            Db::Sqlite(_) => Dialect::Sqlite,
            Db::Pg(_) => Dialect::Postgres,
        }
    }

    /// Runs one statement; the number of rows it changed.
    pub fn execute(&self, sql: &str, params: &[Value<'_>]) -> Result<u64, DbError> {
        match self {
            Db::Sqlite(c) => {
                let n = c
                    .prepare_cached(sql)?
                    .execute(rusqlite::params_from_iter(params))?;
                Ok(n as u64)
            }
            Db::Pg(c) => c.execute(sql, params),
        }
    }

    /// Runs several statements without parameters (DDL, transaction control).
    pub fn batch(&self, sql: &str) -> Result<(), DbError> {
        match self {
            Db::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Db::Pg(c) => c.batch(sql),
        }
    }

    /// Every row of a query, each mapped by `map`.
    pub fn query<T, E: From<DbError>>(
        &self,
        sql: &str,
        params: &[Value<'_>],
        mut map: impl FnMut(&DbRow<'_>) -> Result<T, E>,
    ) -> Result<Vec<T>, E> {
        let mut out = Vec::new();
        match self {
            Db::Sqlite(c) => {
                let mut st = c.prepare_cached(sql).map_err(DbError::from)?;
                let mut rows = st
                    .query(rusqlite::params_from_iter(params))
                    .map_err(DbError::from)?;
                while let Some(r) = rows.next().map_err(DbError::from)? {
                    out.push(map(&DbRow::Sqlite(r))?);
                }
            }
            Db::Pg(c) => {
                for r in c.query(sql, params)? {
                    out.push(map(&DbRow::Pg(&r))?);
                }
            }
        }
        Ok(out)
    }

    /// The first row of a query, if any, mapped by `map`.
    pub fn query_opt<T>(
        &self,
        sql: &str,
        params: &[Value<'_>],
        map: impl FnOnce(&DbRow<'_>) -> Result<T, DbError>,
    ) -> Result<Option<T>, DbError> {
        match self {
            Db::Sqlite(c) => {
                let mut st = c.prepare_cached(sql)?;
                let mut rows = st.query(rusqlite::params_from_iter(params))?;
                rows.next()?.map(|r| map(&DbRow::Sqlite(r))).transpose()
            }
            Db::Pg(c) => c
                .query(sql, params)?
                .first()
                .map(|r| map(&DbRow::Pg(r)))
                .transpose(),
        }
    }

    /// Whether a transaction is open on this connection.
    pub fn in_transaction(&self) -> bool {
        match self {
            Db::Sqlite(c) => !c.is_autocommit(),
            Db::Pg(c) => c.in_transaction(),
        }
    }

    /// Starts a write transaction (on SQLite it takes the write lock at
    /// once, so it cannot fail half-way for want of it).
    pub fn begin_write(&self) -> Result<Tx<'_>, DbError> {
        self.begin(self.dialect().begin_write())
    }

    /// Starts a read transaction pinned to one state of the store.
    pub fn begin_read(&self) -> Result<Tx<'_>, DbError> {
        self.begin(self.dialect().begin_read())
    }

    fn begin(&self, sql: &str) -> Result<Tx<'_>, DbError> {
        self.batch(sql)?;
        if let Db::Pg(c) = self {
            c.set_in_transaction(true);
        }
        Ok(Tx {
            db: self,
            open: true,
        })
    }

    fn end(&self, sql: &str) -> Result<(), DbError> {
        let res = self.batch(sql);
        if let Db::Pg(c) = self {
            c.set_in_transaction(false);
        }
        res
    }
}

/// An open transaction; rolled back when dropped unless committed.
pub struct Tx<'a> {
    /// The connection it is open on.
    db: &'a Db,
    /// Still open: the drop rolls it back.
    open: bool,
}

impl Tx<'_> {
    /// Commits the transaction.
    pub fn commit(mut self) -> Result<(), DbError> {
        self.open = false;
        self.db.end("COMMIT")
    }

    /// A savepoint inside this transaction.
    pub fn savepoint(&self) -> Result<Savepoint<'_>, DbError> {
        self.db.batch("SAVEPOINT sp")?;
        Ok(Savepoint {
            db: self.db,
            open: true,
        })
    }

    /// Leaves the transaction open for good: a snapshot that an outer one
    /// ends (see [`StoreSnapshot`](super::StoreSnapshot)).
    pub fn into_open(mut self) {
        self.open = false;
    }
}

impl std::ops::Deref for Tx<'_> {
    type Target = Db;
    fn deref(&self) -> &Db {
        self.db
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if self.open {
            // Nothing to report to: the error that got us here is the news.
            let _ = self.db.end("ROLLBACK");
        }
    }
}

/// A savepoint; rolled back to (and released) when dropped unless released.
pub struct Savepoint<'a> {
    /// The connection whose transaction holds it.
    db: &'a Db,
    /// Still open: the drop rolls back to it.
    open: bool,
}

impl Savepoint<'_> {
    /// Keeps what was written since the savepoint.
    pub fn commit(mut self) -> Result<(), DbError> {
        self.open = false;
        self.db.batch("RELEASE sp")
    }
}

impl std::ops::Deref for Savepoint<'_> {
    type Target = Db;
    fn deref(&self) -> &Db {
        self.db
    }
}

impl Drop for Savepoint<'_> {
    fn drop(&mut self) {
        if self.open {
            let _ = self.db.batch("ROLLBACK TO sp; RELEASE sp");
        }
    }
}

/// Ends a read transaction begun by [`Db::begin_read`] and left open with
/// [`Tx::into_open`].
pub fn end_read(db: &Db) {
    if db.end("COMMIT").is_err() {
        // A read transaction left open would freeze this reader's view
        // for good; ROLLBACK cannot lose anything a reader did.
        let _ = db.end("ROLLBACK");
    }
}
