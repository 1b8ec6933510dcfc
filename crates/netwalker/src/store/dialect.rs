//! Every SQL text that differs between SQLite and PostgreSQL, in one place
//! (the DDL apart: [`schema`](super::schema) and [`schema_pg`](super::schema_pg)).
//! The rest of the store's SQL is common: `?N` placeholders,
//! `ON CONFLICT ... DO NOTHING / DO UPDATE`, `RETURNING`, `COALESCE`,
//! `CASE`; no `INSERT OR ...`, no two-argument `MIN`.

/// Which engine a statement is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// The embedded default.
    Sqlite,
    /// A shared server.
    Postgres,
}

impl Dialect {
    /// Begins a write transaction. SQLite takes the write lock at once
    /// (`IMMEDIATE`), so a transaction cannot fail half-way for it;
    /// PostgreSQL locks rows as it writes them.
    pub fn begin_write(self) -> &'static str {
        match self {
            Dialect::Sqlite => "BEGIN IMMEDIATE",
            Dialect::Postgres => "BEGIN",
        }
    }

    /// Begins a read transaction whose reads all see one state of the
    /// store (SQLite: a WAL read transaction; PostgreSQL: a snapshot held
    /// from the first statement).
    pub fn begin_read(self) -> &'static str {
        match self {
            Dialect::Sqlite => "BEGIN DEFERRED",
            Dialect::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ",
        }
    }

    /// `column` contains the text of `pattern` (a parameter holding
    /// [`contains_pattern`]'s output), ASCII case ignored; false for NULL.
    /// A `LIKE` scan is about three times as fast as `instr(lower(..))`:
    /// nothing is lower-cased into a new string per row.
    pub fn contains_ci(self, column: &str, pattern: &str) -> String {
        match self {
            // SQLite's LIKE ignores ASCII case (case_sensitive_like is off).
            Dialect::Sqlite => format!("{column} LIKE {pattern} ESCAPE '\\'"),
            // ILIKE under COLLATE "C" folds ASCII only, as SQLite does.
            Dialect::Postgres => format!("{column} ILIKE {pattern} ESCAPE '\\'"),
        }
    }

    /// (number of tables, whether `schema_version` is one of them) in the
    /// database (SQLite) or the connection's current schema (PostgreSQL):
    /// how a store tells an empty database from somebody else's.
    pub fn tables_query(self) -> &'static str {
        match self {
            Dialect::Sqlite => {
                "SELECT COUNT(*), COALESCE(SUM(name = 'schema_version'), 0) FROM sqlite_master WHERE type = 'table'"
            }
            Dialect::Postgres => {
                "SELECT COUNT(*), COUNT(*) FILTER (WHERE table_name = 'schema_version')
                 FROM information_schema.tables
                 WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
            }
        }
    }

    /// The migrations of this dialect: entry `i` takes a store from
    /// version `i` to `i + 1` (the same numbers on both).
    pub fn migrations(self) -> &'static [&'static str] {
        match self {
            Dialect::Sqlite => super::schema::MIGRATIONS,
            Dialect::Postgres => super::schema_pg::MIGRATIONS,
        }
    }

    /// Creates the version table if missing.
    pub fn create_version_table(self) -> &'static str {
        match self {
            Dialect::Sqlite => {
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);"
            }
            Dialect::Postgres => {
                "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL);"
            }
        }
    }
}

/// Rewrites `?N` placeholders to PostgreSQL's `$N`, leaving string
/// literals, quoted identifiers and comments alone. A `?` not followed by a
/// digit stays as it is (the server will refuse it).
pub fn pg_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quote: Option<char> = None;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                out.push(c);
                if c == q {
                    quote = None;
                }
            }
            None => match c {
                '\'' | '"' => {
                    quote = Some(c);
                    out.push(c);
                }
                '-' if chars.peek() == Some(&'-') => {
                    // A comment runs to the end of the line.
                    out.push(c);
                    for c in chars.by_ref() {
                        out.push(c);
                        if c == '\n' {
                            break;
                        }
                    }
                }
                '?' if chars.peek().is_some_and(char::is_ascii_digit) => out.push('$'),
                _ => out.push(c),
            },
        }
    }
    out
}

/// The `LIKE` pattern for "contains `needle`": its `%`, `_` and `\`
/// taken literally, for [`Dialect::contains_ci`].
pub fn contains_pattern(needle: &str) -> String {
    let mut p = String::with_capacity(needle.len() + 2);
    p.push('%');
    for c in needle.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn like_patterns_take_wildcards_literally() {
        assert_eq!(contains_pattern("gi1/0/1"), "%gi1/0/1%");
        assert_eq!(contains_pattern(r"50%_a\b"), r"%50\%\_a\\b%");
        assert_eq!(contains_pattern(""), "%%");
        // The escape literal closes: every placeholder after it is numbered.
        let pg = Dialect::Postgres;
        let sql = format!(
            "{} OR {}",
            pg.contains_ci("name", "?1"),
            pg.contains_ci("ip", "?1")
        );
        assert_eq!(
            pg_placeholders(&sql),
            r"name ILIKE $1 ESCAPE '\' OR ip ILIKE $1 ESCAPE '\'"
        );
    }

    #[test]
    fn numbered_placeholders_become_dollars_outside_literals() {
        assert_eq!(
            pg_placeholders("SELECT a FROM t WHERE b = ?1 AND c = ?12"),
            "SELECT a FROM t WHERE b = $1 AND c = $12"
        );
        assert_eq!(
            pg_placeholders("SELECT '?1', \"?2\", ?3 -- ?4\n, ?5"),
            "SELECT '?1', \"?2\", $3 -- ?4\n, $5"
        );
        assert_eq!(pg_placeholders("a ? b ?"), "a ? b ?");
    }

    proptest! {
        #[test]
        fn the_rewrite_never_panics_and_only_swaps_question_marks(sql in ".{0,200}") {
            let out = pg_placeholders(&sql);
            prop_assert_eq!(out.chars().count(), sql.chars().count());
            prop_assert_eq!(out.replace('$', "?"), sql.replace('$', "?"));
        }
    }
}
