//! Where the store is: an SQLite file (the default) or a PostgreSQL
//! database named by a `postgres://` URL.
//!
//! The URL may hold a password, so it lives in a [`SecretString`] and is
//! never shown: `Display`, `Debug` and serialisation (`config show`, a run's
//! recorded options) all give the URL with the password replaced by
//! [`MASK`]. A URL whose password *is* the mask (copied from `config show`)
//! is refused rather than tried.

use crate::config::MASK;
use secrecy::{ExposeSecret, SecretString};
use std::path::{Path, PathBuf};

/// The store a command reads or writes.
#[derive(Clone, PartialEq, Eq)]
pub enum StoreLocation {
    /// An SQLite file (created by the first walk).
    Sqlite(PathBuf),
    /// A PostgreSQL database (which must exist; its tables are created by
    /// the first walk). Boxed: errors carry a location, and stay small.
    Postgres(Box<PgUrl>),
}

/// A `postgres://` URL: the real one kept secret, a masked copy for people.
#[derive(Clone)]
pub struct PgUrl {
    /// The URL as given, password included: only the connection sees it.
    url: SecretString,
    /// The URL with its password masked: what messages and `config show` say.
    shown: String,
}

impl PartialEq for PgUrl {
    fn eq(&self, other: &PgUrl) -> bool {
        self.url.expose_secret() == other.url.expose_secret()
    }
}

impl Eq for PgUrl {}

/// Why a `--store` value is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocationError {
    #[error(
        "the store URL {shown} is not a valid URL ({reason}); write postgres://USER:PASSWORD@HOST:PORT/DATABASE"
    )]
    BadUrl {
        /// The value with any password masked.
        shown: String,
        /// What the URL parser said (it never quotes the password).
        reason: String,
    },
    #[error(
        "the store URL {shown} has the mask {MASK:?} copied from `config show` as its password; put the real password there"
    )]
    Masked {
        /// The value (its password is the mask anyway).
        shown: String,
    },
}

impl StoreLocation {
    /// A `postgres://` or `postgresql://` URL selects PostgreSQL; anything
    /// else is an SQLite file path.
    pub fn parse(text: &str) -> Result<StoreLocation, LocationError> {
        if !is_pg_url(text) {
            return Ok(StoreLocation::Sqlite(PathBuf::from(text)));
        }
        let url = url::Url::parse(text).map_err(|e| LocationError::BadUrl {
            shown: mask_unparsed(text),
            reason: e.to_string(),
        })?;
        let shown = masked(&url);
        let password_is_mask = url
            .password()
            .is_some_and(|p| percent_decoded(p) == MASK || p == MASK)
            || url.query_pairs().any(|(k, v)| k == "password" && v == MASK);
        if password_is_mask {
            return Err(LocationError::Masked { shown });
        }
        Ok(StoreLocation::Postgres(Box::new(PgUrl {
            url: SecretString::from(text.to_string()),
            shown,
        })))
    }

    /// The SQLite file, if this is one.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            StoreLocation::Sqlite(p) => Some(p),
            StoreLocation::Postgres(_) => None,
        }
    }

    /// Whether the store is a PostgreSQL database.
    pub fn is_postgres(&self) -> bool {
        matches!(self, StoreLocation::Postgres(_))
    }
}

impl PgUrl {
    /// The URL with its password masked.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// The real URL, for the connection only.
    pub(crate) fn expose(&self) -> &str {
        self.url.expose_secret()
    }
}

fn is_pg_url(text: &str) -> bool {
    let lower = text.get(..13).unwrap_or(text).to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

fn percent_decoded(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// The URL with the password (in the user part and any `password=` query
/// parameter) replaced by the mask.
fn masked(url: &url::Url) -> String {
    let mut shown = url.clone();
    if shown.password().is_some() {
        let _ = shown.set_password(Some(MASK));
    }
    if shown.query_pairs().any(|(k, _)| k == "password") {
        let pairs: Vec<(String, String)> = shown
            .query_pairs()
            .map(|(k, v)| {
                let v = if k == "password" {
                    MASK.into()
                } else {
                    v.into()
                };
                (k.into_owned(), v)
            })
            .collect();
        shown.query_pairs_mut().clear().extend_pairs(pairs);
    }
    shown.to_string()
}

/// A URL that did not parse: only its scheme is shown, since where the
/// password starts and ends cannot be known.
fn mask_unparsed(text: &str) -> String {
    let scheme = text.split("://").next().unwrap_or("postgres");
    format!("{scheme}://{MASK}")
}

impl std::fmt::Display for StoreLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreLocation::Sqlite(p) => write!(f, "{}", p.display()),
            StoreLocation::Postgres(u) => f.write_str(&u.shown),
        }
    }
}

impl std::fmt::Debug for StoreLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreLocation::Sqlite(p) => f.debug_tuple("Sqlite").field(p).finish(),
            StoreLocation::Postgres(u) => f.debug_tuple("Postgres").field(&u.shown).finish(),
        }
    }
}

impl std::fmt::Debug for PgUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown)
    }
}

impl std::str::FromStr for StoreLocation {
    type Err = LocationError;
    fn from_str(s: &str) -> Result<StoreLocation, LocationError> {
        StoreLocation::parse(s)
    }
}

impl From<PathBuf> for StoreLocation {
    fn from(p: PathBuf) -> StoreLocation {
        StoreLocation::Sqlite(p)
    }
}

impl From<&PathBuf> for StoreLocation {
    fn from(p: &PathBuf) -> StoreLocation {
        StoreLocation::Sqlite(p.clone())
    }
}

impl From<&StoreLocation> for StoreLocation {
    fn from(l: &StoreLocation) -> StoreLocation {
        l.clone()
    }
}

impl From<&Path> for StoreLocation {
    fn from(p: &Path) -> StoreLocation {
        StoreLocation::Sqlite(p.to_path_buf())
    }
}

impl From<&String> for StoreLocation {
    /// An SQLite path; use [`StoreLocation::parse`] for user input that
    /// may be a URL.
    fn from(p: &String) -> StoreLocation {
        StoreLocation::Sqlite(PathBuf::from(p))
    }
}

impl From<&str> for StoreLocation {
    /// An SQLite path; use [`StoreLocation::parse`] for user input that
    /// may be a URL.
    fn from(p: &str) -> StoreLocation {
        StoreLocation::Sqlite(PathBuf::from(p))
    }
}

impl serde::Serialize for StoreLocation {
    /// The masked form: what `config show` prints and a run records.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> serde::Deserialize<'de> for StoreLocation {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<StoreLocation, D::Error> {
        let text = String::deserialize(d)?;
        StoreLocation::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pg(text: &str) -> PgUrl {
        match StoreLocation::parse(text).unwrap() {
            StoreLocation::Postgres(u) => *u,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn urls_select_postgres_and_anything_else_is_a_path() {
        assert!(
            StoreLocation::parse("postgres://h/db")
                .unwrap()
                .is_postgres()
        );
        assert!(
            StoreLocation::parse("PostgreSQL://h/db")
                .unwrap()
                .is_postgres()
        );
        assert_eq!(
            StoreLocation::parse("inv.db").unwrap(),
            StoreLocation::Sqlite("inv.db".into())
        );
        assert_eq!(
            StoreLocation::parse("./postgres/x.db")
                .unwrap()
                .sqlite_path(),
            Some(Path::new("./postgres/x.db"))
        );
    }

    #[test]
    fn the_password_is_never_shown() {
        let loc = StoreLocation::parse("postgres://nw:s3cr%40t@127.0.0.1:5432/inv").unwrap();
        for shown in [
            loc.to_string(),
            format!("{loc:?}"),
            serde_json::to_string(&loc).unwrap(),
        ] {
            assert!(!shown.contains("s3cr"), "{shown}");
            assert!(shown.contains(MASK) && !shown.contains("nw@"), "{shown}");
            assert!(shown.contains("127.0.0.1:5432/inv"), "{shown}");
        }
        let q = pg("postgres://nw@h/inv?password=hunter2&connect_timeout=3");
        assert!(!q.shown().contains("hunter2"), "{}", q.shown());
        assert!(q.shown().contains("connect_timeout=3"), "{}", q.shown());
        assert_eq!(
            pg("postgres://nw:pw@h/db").expose(),
            "postgres://nw:pw@h/db",
            "the connection gets the real URL"
        );
    }

    #[test]
    fn a_bad_url_and_the_copied_mask_are_refused_without_the_password() {
        let err = StoreLocation::parse("postgres://nw:hunter2@[::1/db")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("hunter2"), "{err}");
        let err = StoreLocation::parse(&format!("postgres://nw:{MASK}@h/db"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("config show"), "{err}");
    }

    #[test]
    fn a_location_round_trips_through_its_text_when_it_has_no_password() {
        for text in ["inv.db", "postgres://nw@127.0.0.1:5432/inv"] {
            let loc = StoreLocation::parse(text).unwrap();
            let back: StoreLocation =
                serde_json::from_str(&serde_json::to_string(&loc).unwrap()).unwrap();
            assert_eq!(back, loc);
        }
    }

    proptest! {
        #[test]
        fn parsing_never_panics_and_never_shows_a_password(
            user in "[a-z]{1,8}",
            password in "[A-Za-z0-9!$&'()*+,;=._~-]{6,20}",
            noise in ".{0,40}",
        ) {
            let _ = StoreLocation::parse(&noise);
            let text = format!("postgres://{user}:{password}@127.0.0.1:5432/db");
            if let Ok(loc) = StoreLocation::parse(&text) {
                let shown = format!("{loc} {loc:?}");
                prop_assert!(!shown.contains(&format!(":{password}@")), "{}", shown);
            }
        }
    }
}
