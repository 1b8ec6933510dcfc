//! Users and API tokens of `netwalker serve` (schema migration 4): written
//! only by the CLI through the [`StoreWriter`] (so under the store's
//! single-writer lock), read by the server per request.
//!
//! A store older than migration 4, opened read-only, has no such tables:
//! it reads as having no users and no tokens.

use super::db::{DbError, vals};
use super::error::{Context, Result, StoreError};
use super::{StoreReader, StoreWriter};
use crate::auth::{Name, PasswordHash, Role, TokenHash};
use crate::model::UnixTime;

/// The schema version that added the tables read here.
const ACCOUNTS_VERSION: i64 = 4;

/// A user as `netwalker user list` and the admin page show them (no hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    /// Their login name.
    pub name: String,
    /// What they may do.
    pub role: Role,
    /// When they were added.
    pub created: UnixTime,
    /// When their password or role last changed.
    pub updated: UnixTime,
}

/// What a login or a session check needs of a user.
#[derive(Debug, Clone)]
pub struct UserCredentials {
    /// What they may do.
    pub role: Role,
    /// Their argon2id hash, to verify a password or fingerprint a session.
    pub password_hash: PasswordHash,
}

/// An API token as listed (its secret was shown once and is not kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    /// The token's name, given at `token add`.
    pub name: String,
    /// The user it acts as.
    pub user: String,
    /// When it was made.
    pub created: UnixTime,
}

impl StoreReader {
    /// Whether this store has the users and tokens tables (schema 4+).
    fn has_accounts(&self) -> Result<bool> {
        let v: Option<i64> = self
            .conn
            .query_opt("SELECT version FROM schema_version", &[], |r| r.get(0))
            .ctx(|| "reading the schema version".into())?;
        Ok(v.unwrap_or(0) >= ACCOUNTS_VERSION)
    }

    /// How many users there are: with none, a loopback server asks for no login.
    pub fn user_count(&self) -> Result<u64> {
        if !self.has_accounts()? {
            return Ok(0);
        }
        let n: Option<i64> = self
            .conn
            .query_opt("SELECT COUNT(*) FROM users", &[], |r| r.get(0))
            .ctx(|| "counting users".into())?;
        Ok(n.unwrap_or(0).max(0) as u64)
    }

    /// Every user, by name.
    pub fn users(&self) -> Result<Vec<UserInfo>> {
        if !self.has_accounts()? {
            return Ok(Vec::new());
        }
        let rows = self
            .conn
            .query(
                "SELECT name, role, created, updated FROM users ORDER BY name",
                &[],
                |r| {
                    Ok::<_, DbError>((
                        r.get::<String>(0)?,
                        r.get::<String>(1)?,
                        r.get::<i64>(2)?,
                        r.get::<i64>(3)?,
                    ))
                },
            )
            .ctx(|| "listing users".into())?;
        let mut out = Vec::new();
        for (name, role, created, updated) in rows {
            out.push(UserInfo {
                role: parse_role(&name, &role)?,
                name,
                created,
                updated,
            });
        }
        Ok(out)
    }

    /// A user's role and password hash, `None` when there is no such user.
    pub fn user_credentials(&self, name: &str) -> Result<Option<UserCredentials>> {
        if !self.has_accounts()? {
            return Ok(None);
        }
        let row: Option<(String, String)> = self
            .conn
            .query_opt(
                "SELECT role, password_hash FROM users WHERE name = ?1",
                vals![name],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .ctx(|| format!("reading user {name}"))?;
        row.map(|(role, hash)| {
            Ok(UserCredentials {
                role: parse_role(name, &role)?,
                password_hash: PasswordHash::from_stored(hash),
            })
        })
        .transpose()
    }

    /// The user (and role) a token hash belongs to, `None` when no token has it.
    pub fn token_user(&self, hash: &TokenHash) -> Result<Option<(String, Role)>> {
        if !self.has_accounts()? {
            return Ok(None);
        }
        let row: Option<(String, String)> = self
            .conn
            .query_opt(
                "SELECT u.name, u.role FROM api_tokens t JOIN users u ON u.name = t.user_name \
                 WHERE t.token_hash = ?1",
                vals![hash.0],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .ctx(|| "looking up a token".into())?;
        row.map(|(name, role)| Ok((name.clone(), parse_role(&name, &role)?)))
            .transpose()
    }

    /// Every token, by name.
    pub fn tokens(&self) -> Result<Vec<TokenInfo>> {
        if !self.has_accounts()? {
            return Ok(Vec::new());
        }
        self.conn
            .query(
                "SELECT name, user_name, created FROM api_tokens ORDER BY name",
                &[],
                |r| {
                    Ok::<_, DbError>(TokenInfo {
                        name: r.get(0)?,
                        user: r.get(1)?,
                        created: r.get(2)?,
                    })
                },
            )
            .ctx(|| "listing tokens".into())
    }
}

fn parse_role(user: &str, role: &str) -> Result<Role> {
    role.parse().map_err(|_| StoreError::Corrupt {
        what: "user role",
        detail: format!("user {user}: {role:?}"),
    })
}

impl StoreWriter {
    /// Adds a user; refuses a name already taken.
    pub fn add_user(&mut self, name: &Name, role: Role, hash: &PasswordHash) -> Result<()> {
        let now = self.now();
        let tx = self.tx("adding a user")?;
        let exists: Option<i64> = tx
            .query_opt(
                "SELECT 1 FROM users WHERE name = ?1",
                vals![name.as_str()],
                |r| r.get(0),
            )
            .ctx(|| format!("looking up user {name}"))?;
        if exists.is_some() {
            return Err(StoreError::UserExists(name.to_string()));
        }
        tx.execute(
            "INSERT INTO users (name, role, password_hash, created, updated) VALUES (?1, ?2, ?3, ?4, ?4)",
            vals![name.as_str(), role.as_str(), hash.as_str(), now],
        )
        .ctx(|| format!("adding user {name}"))?;
        tx.commit().ctx(|| format!("adding user {name}"))
    }

    /// Replaces a user's password hash (their sessions end: the fingerprint changes).
    pub fn set_password(&mut self, name: &Name, hash: &PasswordHash) -> Result<()> {
        let now = self.now();
        let n = self
            .reader
            .conn
            .execute(
                "UPDATE users SET password_hash = ?1, updated = ?2 WHERE name = ?3",
                vals![hash.as_str(), now, name.as_str()],
            )
            .ctx(|| format!("changing the password of {name}"))?;
        if n == 0 {
            return Err(StoreError::UnknownUser(name.to_string()));
        }
        Ok(())
    }

    /// Removes a user and their tokens (their sessions end at the next request).
    pub fn remove_user(&mut self, name: &Name) -> Result<()> {
        let tx = self.tx("removing a user")?;
        tx.execute(
            "DELETE FROM api_tokens WHERE user_name = ?1",
            vals![name.as_str()],
        )
        .ctx(|| format!("removing the tokens of {name}"))?;
        let n = tx
            .execute("DELETE FROM users WHERE name = ?1", vals![name.as_str()])
            .ctx(|| format!("removing user {name}"))?;
        if n == 0 {
            return Err(StoreError::UnknownUser(name.to_string()));
        }
        tx.commit().ctx(|| format!("removing user {name}"))
    }

    /// Adds a token acting as `user`; refuses a taken name or an unknown user.
    pub fn add_token(&mut self, name: &Name, user: &Name, hash: &TokenHash) -> Result<()> {
        let now = self.now();
        let tx = self.tx("adding a token")?;
        let user_exists: Option<i64> = tx
            .query_opt(
                "SELECT 1 FROM users WHERE name = ?1",
                vals![user.as_str()],
                |r| r.get(0),
            )
            .ctx(|| format!("looking up user {user}"))?;
        if user_exists.is_none() {
            return Err(StoreError::UnknownUser(user.to_string()));
        }
        let taken: Option<i64> = tx
            .query_opt(
                "SELECT 1 FROM api_tokens WHERE name = ?1",
                vals![name.as_str()],
                |r| r.get(0),
            )
            .ctx(|| format!("looking up token {name}"))?;
        if taken.is_some() {
            return Err(StoreError::TokenExists(name.to_string()));
        }
        tx.execute(
            "INSERT INTO api_tokens (name, user_name, token_hash, created) VALUES (?1, ?2, ?3, ?4)",
            vals![name.as_str(), user.as_str(), hash.0, now],
        )
        .ctx(|| format!("adding token {name}"))?;
        tx.commit().ctx(|| format!("adding token {name}"))
    }

    /// Revokes a token.
    pub fn remove_token(&mut self, name: &Name) -> Result<()> {
        let n = self
            .reader
            .conn
            .execute(
                "DELETE FROM api_tokens WHERE name = ?1",
                vals![name.as_str()],
            )
            .ctx(|| format!("removing token {name}"))?;
        if n == 0 {
            return Err(StoreError::UnknownToken(name.to_string()));
        }
        Ok(())
    }
}
