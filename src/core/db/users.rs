//! Accounts.
use super::DbError;
use crate::core::domain::account::Role;
use sqlx::{Any, Executor};

/// A stored account, without its password hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub time_zone: String,
    pub role: Role,
    pub verified: bool,
    /// Banned by an admin (signs in, but cannot invite, create codes or buy).
    pub banned: bool,
}

impl User {
    /// Refuses what a banned member may not do.
    pub fn not_banned(&self) -> Result<(), crate::core::error::AppError> {
        if self.banned {
            Err(crate::core::error::AppError::Suspended)
        } else {
            Ok(())
        }
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin && !self.banned && self.verified
    }
}

type Row = (i64, String, String, String, String, Option<i64>, Option<i64>);
const COLUMNS: &str = "id, email, display_name, time_zone, role, email_verified_at, banned_at";

fn from_row((id, email, display_name, time_zone, role, verified_at, banned_at): Row) -> User {
    User {
        id,
        email,
        display_name,
        time_zone,
        role: Role::parse(&role).unwrap_or(Role::Member),
        verified: verified_at.is_some(),
        banned: banned_at.is_some(),
    }
}

pub struct NewUser<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub time_zone: &'a str,
}

/// Inserts an account; `DbError::Conflict` when the address is taken.
pub async fn insert<'e>(ex: impl Executor<'e, Database = Any>, u: &NewUser<'_>, now: i64) -> Result<i64, DbError> {
    sqlx::query_scalar::<_, i64>(
        "INSERT INTO users (email, display_name, password_hash, time_zone, role, created_at)
         VALUES ($1, $2, $3, $4, 'member', $5) RETURNING id",
    )
    .bind(u.email)
    .bind(u.display_name)
    .bind(u.password_hash)
    .bind(u.time_zone)
    .bind(now)
    .fetch_one(ex)
    .await
    .map_err(DbError::from_sqlx)
}

pub async fn by_id<'e>(ex: impl Executor<'e, Database = Any>, id: i64) -> Result<Option<User>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
    Ok(sqlx::query_as::<_, Row>(&sql).bind(id).fetch_optional(ex).await?.map(from_row))
}

pub async fn by_email<'e>(ex: impl Executor<'e, Database = Any>, email: &str) -> Result<Option<User>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE email = $1");
    Ok(sqlx::query_as::<_, Row>(&sql).bind(email).fetch_optional(ex).await?.map(from_row))
}

/// The account and its password hash, for logging in.
pub async fn credentials<'e>(
    ex: impl Executor<'e, Database = Any>,
    email: &str,
) -> Result<Option<(User, String)>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS}, password_hash FROM users WHERE email = $1");
    let row = sqlx::query_as::<_, (i64, String, String, String, String, Option<i64>, Option<i64>, String)>(&sql)
        .bind(email)
        .fetch_optional(ex)
        .await?;
    Ok(row.map(|(a, b, c, d, e, f, g, hash)| (from_row((a, b, c, d, e, f, g)), hash)))
}

/// Marks the address verified; true only for the call that verified it (the moment this
/// person first proves the address, when pending invitations are accepted).
pub async fn mark_verified<'e>(ex: impl Executor<'e, Database = Any>, id: i64, now: i64) -> Result<bool, sqlx::Error> {
    let r = sqlx::query("UPDATE users SET email_verified_at = $2 WHERE id = $1 AND email_verified_at IS NULL")
        .bind(id)
        .bind(now)
        .execute(ex)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// The verified account holding `email`, if any: the only kind an invitation may match.
pub async fn verified_by_email<'e>(
    ex: impl Executor<'e, Database = Any>,
    email: &str,
) -> Result<Option<User>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE email = $1 AND email_verified_at IS NOT NULL");
    Ok(sqlx::query_as::<_, Row>(&sql).bind(email).fetch_optional(ex).await?.map(from_row))
}

/// Replaces the name, password and time zone of a still-unverified account (a later
/// sign-up's credentials, applied when its verification link is used).
pub async fn replace_unverified_credentials<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
    display_name: &str,
    password_hash: &str,
    time_zone: &str,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE users SET display_name = $2, password_hash = $3, time_zone = $4 WHERE id = $1 AND email_verified_at IS NULL",
    )
    .bind(id)
    .bind(display_name)
    .bind(password_hash)
    .bind(time_zone)
    .execute(ex)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn set_password_hash<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
    hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1").bind(id).bind(hash).execute(ex).await?;
    Ok(())
}

/// What a password hash is set to when nobody may log in with a password (no argon2 hash
/// parses from it, so every verification fails).
pub const NO_PASSWORD: &str = "!";

/// Drops the password of an account (its owner signs in with emailed links, or sets a new
/// password by reset).
pub async fn clear_password<'e>(ex: impl Executor<'e, Database = Any>, id: i64) -> Result<(), sqlx::Error> {
    set_password_hash(ex, id, NO_PASSWORD).await
}

/// The password hash of an account, for checking a password typed on a link's page.
pub async fn password_hash<'e>(ex: impl Executor<'e, Database = Any>, id: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar::<_, String>("SELECT password_hash FROM users WHERE id = $1").bind(id).fetch_optional(ex).await
}

pub async fn set_display_name<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
    name: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET display_name = $2 WHERE id = $1").bind(id).bind(name).execute(ex).await?;
    Ok(())
}

/// Makes an account an admin (or a member again).
pub async fn set_role<'e>(ex: impl Executor<'e, Database = Any>, id: i64, role: Role) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE users SET role = $2 WHERE id = $1").bind(id).bind(role.as_str()).execute(ex).await?;
    Ok(done.rows_affected() == 1)
}

/// Bans (`Some(now)`) or unbans (`None`) an account; true when it changed.
pub async fn set_banned<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
    banned_at: Option<i64>,
) -> Result<bool, sqlx::Error> {
    let sql = if banned_at.is_some() {
        "UPDATE users SET banned_at = $2 WHERE id = $1 AND banned_at IS NULL"
    } else {
        "UPDATE users SET banned_at = $2 WHERE id = $1 AND banned_at IS NOT NULL"
    };
    let done = sqlx::query(sql).bind(id).bind(banned_at).execute(ex).await?;
    Ok(done.rows_affected() == 1)
}

/// Accounts for the admin page, newest first; `search` filters by address or name.
pub async fn list<'e>(
    ex: impl Executor<'e, Database = Any>,
    search: &str,
    limit: i64,
) -> Result<Vec<User>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM users WHERE ($1 = '' OR email LIKE $2 OR display_name LIKE $2) ORDER BY id DESC LIMIT $3"
    );
    let pattern = format!("%{}%", search.replace(['%', '_'], ""));
    let rows = sqlx::query_as::<_, Row>(&sql).bind(search).bind(pattern).bind(limit).fetch_all(ex).await?;
    Ok(rows.into_iter().map(from_row).collect())
}
