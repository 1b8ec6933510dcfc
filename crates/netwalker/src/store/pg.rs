//! A PostgreSQL connection with a blocking interface that is safe to call
//! from anywhere, async code included.
//!
//! The synchronous `postgres` client drives its socket with a private tokio
//! runtime and panics when it is called (or dropped) on a thread that is
//! running async tasks, which is where much of netwalker reads the store.
//! So each connection lives on its own OS thread: [`PgConn`] sends it a
//! closure per statement over a channel and blocks on the answer, just as
//! an SQLite call blocks. The thread also owns the statement cache (each
//! distinct SQL text is prepared once per connection, its `?N`
//! placeholders rewritten to `$N` once) and closes the connection when the
//! handle is dropped (joined, so a writer's advisory lock is released
//! before the drop returns).
//!
//! Deadlines: connecting is bounded by `connect_timeout` (10 s unless the
//! URL says otherwise); a server that stops answering is detected by TCP
//! keepalives and `tcp_user_timeout` (30 s).

use super::db::{DbError, Value};
use super::dialect::pg_placeholders;
use super::location::PgUrl;
use postgres::types::{IsNull, ToSql, Type};
use postgres::{CancelToken, Client, NoTls, Statement};
use std::cell::Cell;
use std::collections::HashMap;
use std::sync::mpsc;
use std::time::Duration;

/// Connect deadline unless the URL gives `connect_timeout`.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long unacknowledged data may sit on the socket before the
/// connection counts as dead (a server gone without a reset).
const USER_TIMEOUT: Duration = Duration::from_secs(30);

/// Distinct statements cached per connection; past it the cache starts
/// over (the store uses a few dozen).
const MAX_STATEMENTS: usize = 256;

/// What runs on the connection's thread.
type Job = Box<dyn FnOnce(&mut Session) + Send>;

/// The thread's state: the client and its prepared statements.
struct Session {
    /// The connection.
    client: Client,
    /// Prepared statements by their `?N` text.
    statements: HashMap<String, Statement>,
}

impl Session {
    fn statement(&mut self, sql: &str) -> Result<Statement, postgres::Error> {
        if let Some(st) = self.statements.get(sql) {
            return Ok(st.clone());
        }
        let st = self.client.prepare(&pg_placeholders(sql))?;
        if self.statements.len() >= MAX_STATEMENTS {
            self.statements.clear();
        }
        self.statements.insert(sql.to_string(), st.clone());
        Ok(st)
    }
}

/// A handle on a connection's thread (see the module doc).
pub struct PgConn {
    /// Jobs to the thread (`None` once dropped, which ends the thread).
    jobs: Option<mpsc::Sender<Job>>,
    /// The thread, joined on drop.
    thread: Option<std::thread::JoinHandle<()>>,
    /// Cancels the running statement from another thread (a server
    /// bounding a request).
    cancel: CancelToken,
    /// Whether a transaction is open (PostgreSQL's client does not say).
    in_tx: Cell<bool>,
}

/// A parameter as the thread gets it (owned: it crosses threads).
#[derive(Debug)]
enum PgValue {
    Null,
    Int(i64),
    Text(String),
}

impl ToSql for PgValue {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            PgValue::Null => Ok(IsNull::Yes),
            PgValue::Int(i) => match *ty {
                Type::BOOL => (*i != 0).to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                Type::TEXT | Type::VARCHAR => i.to_string().to_sql(ty, out),
                _ => i.to_sql(ty, out),
            },
            PgValue::Text(s) => s.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

fn owned(params: &[Value<'_>]) -> Vec<PgValue> {
    params
        .iter()
        .map(|v| match v {
            Value::Null => PgValue::Null,
            Value::Int(i) => PgValue::Int(*i),
            Value::Text(s) => PgValue::Text(s.to_string()),
        })
        .collect()
}

fn refs(params: &[PgValue]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

impl PgConn {
    /// Connects to `url` on a new thread. `application_name` is what
    /// `pg_stat_activity` shows for it (who holds a store's lock).
    pub fn connect(url: &PgUrl, application_name: &str) -> Result<PgConn, DbError> {
        let mut config: postgres::Config = url.expose().parse()?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name(application_name);
        }
        config.keepalives(true).tcp_user_timeout(USER_TIMEOUT);
        let (jobs, rx) = mpsc::channel::<Job>();
        let (ready_tx, ready) = mpsc::sync_channel(1);
        let thread = std::thread::Builder::new()
            .name("netwalker-pg".into())
            .spawn(move || {
                let client = match config.connect(NoTls) {
                    Ok(c) => c,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let _ = ready_tx.send(Ok(client.cancel_token()));
                let mut session = Session {
                    client,
                    statements: HashMap::new(),
                };
                for job in rx {
                    job(&mut session);
                }
            })
            .map_err(|_| DbError::ConnectionGone)?;
        let cancel = match ready.recv() {
            Ok(Ok(token)) => token,
            Ok(Err(e)) => {
                let _ = thread.join();
                return Err(e.into());
            }
            Err(_) => return Err(DbError::ConnectionGone),
        };
        Ok(PgConn {
            jobs: Some(jobs),
            thread: Some(thread),
            cancel,
            in_tx: Cell::new(false),
        })
    }

    /// Runs `f` on the connection's thread and waits for its answer.
    fn run<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Session) -> R + Send + 'static,
    ) -> Result<R, DbError> {
        let (tx, rx) = mpsc::sync_channel(1);
        let job: Job = Box::new(move |s| {
            let _ = tx.send(f(s));
        });
        self.jobs
            .as_ref()
            .ok_or(DbError::ConnectionGone)?
            .send(job)
            .map_err(|_| DbError::ConnectionGone)?;
        rx.recv().map_err(|_| DbError::ConnectionGone)
    }

    /// Runs one statement; the rows it changed.
    pub fn execute(&self, sql: &str, params: &[Value<'_>]) -> Result<u64, DbError> {
        let (sql, params) = (sql.to_string(), owned(params));
        Ok(self.run(move |s| {
            let st = s.statement(&sql)?;
            s.client.execute(&st, &refs(&params))
        })??)
    }

    /// Every row of a query.
    pub fn query(&self, sql: &str, params: &[Value<'_>]) -> Result<Vec<postgres::Row>, DbError> {
        let (sql, params) = (sql.to_string(), owned(params));
        Ok(self.run(move |s| {
            let st = s.statement(&sql)?;
            s.client.query(&st, &refs(&params))
        })??)
    }

    /// Statements without parameters, as one simple query.
    pub fn batch(&self, sql: &str) -> Result<(), DbError> {
        let sql = sql.to_string();
        Ok(self.run(move |s| s.client.batch_execute(&sql))??)
    }

    pub fn in_transaction(&self) -> bool {
        self.in_tx.get()
    }

    pub fn set_in_transaction(&self, open: bool) {
        self.in_tx.set(open);
    }

    /// Something that cancels this connection's running statement from
    /// any thread.
    pub fn canceller(&self) -> PgCancel {
        PgCancel(self.cancel.clone())
    }
}

impl Drop for PgConn {
    fn drop(&mut self) {
        // Closing the channel ends the thread's loop; it then closes the
        // connection. Joined, so whatever the session held (a writer's
        // advisory lock) is released when the drop returns.
        self.jobs = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Cancels a connection's running statement (see [`PgConn::canceller`]).
#[derive(Clone)]
pub struct PgCancel(CancelToken);

impl PgCancel {
    /// Asks the server to cancel; returns at once. The request opens its
    /// own short connection on a thread of its own (the client would panic
    /// on an async thread), bounded by the connect deadline.
    pub fn cancel(&self) {
        let token = self.0.clone();
        let _ = std::thread::Builder::new()
            .name("netwalker-pg-cancel".into())
            .spawn(move || {
                let _ = token.cancel_query(NoTls);
            });
    }
}
