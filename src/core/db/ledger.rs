//! The credit ledger in the database. An entry is written inside the caller's write
//! transaction, with the change that causes it; its key makes a retry a no-op, and a
//! member's credit is spent by one conditional UPDATE of the balance row, so two spenders
//! racing for the same credit queue on that row (Postgres) or on the write lock (SQLite)
//! and the second sees the first one's balance.
use super::Tx;
use crate::core::domain::ledger::{insufficient, Account, Entry, EntryKind, LedgerError, Recorded};
use crate::core::domain::money::{Currency, Money};
use sqlx::{Any, Executor};

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// Refused (not enough credit); the caller must roll its transaction back.
    #[error(transparent)]
    Refused(#[from] LedgerError),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl From<RecordError> for crate::core::error::AppError {
    fn from(e: RecordError) -> Self {
        match e {
            RecordError::Refused(refusal) => Self::Conflict(refusal.to_string()),
            RecordError::Db(e) => e.into(),
        }
    }
}

/// Records `entry` in `tx`. On `Err` nothing of it must be committed: return the error and
/// let the transaction roll back.
pub async fn record(tx: &mut Tx, entry: &Entry, memo: &str, now: i64) -> Result<Recorded, RecordError> {
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO ledger_transactions (idempotency_key, kind, memo, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
    )
    .bind(&entry.key)
    .bind(entry.kind.as_str())
    .bind(memo)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(id) = id else { return Ok(Recorded::AlreadyRecorded) };
    let currency = entry.currency.code();
    // Balance rows are updated in one global order (by name), so two entries touching the
    // same accounts cannot wait for each other in a circle.
    let mut postings: Vec<_> = entry.postings().iter().map(|p| (p.account.name(), p)).collect();
    postings.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, p) in postings {
        sqlx::query("INSERT INTO ledger_postings (transaction_id, account, amount, currency) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(&name)
            .bind(p.amount)
            .bind(currency)
            .execute(&mut **tx)
            .await?;
        sqlx::query(
            "INSERT INTO ledger_balances (account, currency, balance) VALUES ($1, $2, 0)
             ON CONFLICT (account, currency) DO NOTHING",
        )
        .bind(&name)
        .bind(currency)
        .execute(&mut **tx)
        .await?;
        let sql = if p.account.never_negative() {
            "UPDATE ledger_balances SET balance = balance + $3
             WHERE account = $1 AND currency = $2 AND balance + $3 >= 0 RETURNING balance"
        } else {
            "UPDATE ledger_balances SET balance = balance + $3 WHERE account = $1 AND currency = $2 RETURNING balance"
        };
        let after: Option<i64> =
            sqlx::query_scalar(sql).bind(&name).bind(currency).bind(p.amount).fetch_optional(&mut **tx).await?;
        if after.is_none() {
            let available = balance(&mut **tx, p.account, entry.currency).await?;
            return Err(insufficient(entry.currency, -p.amount, available).into());
        }
    }
    Ok(Recorded::Moved)
}

/// The cached balance of an account (zero when it never moved).
pub async fn balance<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    account: Account,
    currency: Currency,
) -> Result<i64, sqlx::Error> {
    Ok(sqlx::query_scalar::<_, i64>("SELECT balance FROM ledger_balances WHERE account = $1 AND currency = $2")
        .bind(account.name())
        .bind(currency.code())
        .fetch_optional(ex)
        .await?
        .unwrap_or(0))
}

/// A member's credit.
pub async fn credit<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    member: i64,
    currency: Currency,
) -> Result<Money, sqlx::Error> {
    Ok(Money::new(balance(ex, Account::Credit(member), currency).await?, currency))
}

/// Whether an entry with this key was recorded.
pub async fn recorded<'e, E: Executor<'e, Database = Any>>(ex: E, key: &str) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query_scalar::<_, i64>("SELECT id FROM ledger_transactions WHERE idempotency_key = $1")
        .bind(key)
        .fetch_optional(ex)
        .await?
        .is_some())
}

/// How many entries have a key starting with `prefix` (e.g. the tickets of one event).
pub async fn count_keys<'e, E: Executor<'e, Database = Any>>(ex: E, prefix: &str) -> Result<i64, sqlx::Error> {
    let escaped = prefix.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    sqlx::query_scalar("SELECT COUNT(*) FROM ledger_transactions WHERE idempotency_key LIKE $1 ESCAPE '\\'")
        .bind(format!("{escaped}%"))
        .fetch_one(ex)
        .await
}

/// One line of an account's statement.
#[derive(Clone, Debug)]
pub struct Line {
    pub kind: Option<EntryKind>,
    pub memo: String,
    pub amount: i64,
    pub at: i64,
}

/// An account's postings, newest first (at most `limit`).
pub async fn statement<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    account: Account,
    currency: Currency,
    limit: i64,
) -> Result<Vec<Line>, sqlx::Error> {
    let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(
        "SELECT t.kind, t.memo, p.amount, t.created_at FROM ledger_postings p
         JOIN ledger_transactions t ON t.id = p.transaction_id
         WHERE p.account = $1 AND p.currency = $2 ORDER BY t.id DESC LIMIT $3",
    )
    .bind(account.name())
    .bind(currency.code())
    .bind(limit)
    .fetch_all(ex)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(kind, memo, amount, at)| Line { kind: EntryKind::parse(&kind), memo, amount, at })
        .collect())
}

/// The ledger's own check: (transactions whose postings do not sum to zero, accounts whose
/// cached balance differs from the sum of their postings, the sum of every posting).
pub async fn audit<'e, E: Executor<'e, Database = Any> + Copy>(ex: E) -> Result<(i64, i64, i64), sqlx::Error> {
    let unbalanced: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT transaction_id FROM ledger_postings GROUP BY transaction_id HAVING SUM(amount) <> 0) u",
    )
    .fetch_one(ex)
    .await?;
    let drifted: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM ledger_balances b WHERE b.balance <> COALESCE(
             (SELECT SUM(p.amount) FROM ledger_postings p WHERE p.account = b.account AND p.currency = b.currency), 0)",
    )
    .fetch_one(ex)
    .await?;
    let total: Option<i64> =
        sqlx::query_scalar("SELECT CAST(SUM(amount) AS BIGINT) FROM ledger_postings").fetch_one(ex).await?;
    Ok((unbalanced, drifted, total.unwrap_or(0)))
}
