//! Rate limits shared by every instance (they live in the database): sliding-window
//! counters, and the per-address login slow-down.
use sqlx::{Any, AnyPool, Executor};

/// The window length (at least a second) and the start of the fixed window holding `now`.
fn window_of(window_secs: i64, now: i64) -> (i64, i64) {
    let window = window_secs.max(1);
    (window, now - now.rem_euclid(window))
}

/// Hits of the fixed window before the one starting at `window_start` (closed: it no
/// longer changes).
async fn previous_hits(pool: &AnyPool, bucket: &str, window: i64, window_start: i64) -> Result<i64, sqlx::Error> {
    Ok(sqlx::query_scalar::<_, i64>("SELECT hits FROM rate_limits WHERE bucket = $1 AND window_start = $2")
        .bind(bucket)
        .bind(window_start - window)
        .fetch_optional(pool)
        .await?
        .unwrap_or(0))
}

/// Counts `n` hits on `bucket` and returns the hits in the last `window_secs`, estimated as
/// a sliding window: this fixed window's hits plus the previous window's, weighted by how
/// much of it the sliding window still covers. A burst straddling a window boundary
/// therefore counts in full (a fixed window would let it through twice).
pub async fn hit_n(pool: &AnyPool, bucket: &str, window_secs: i64, n: i64, now: i64) -> Result<i64, sqlx::Error> {
    let (window, window_start) = window_of(window_secs, now);
    let current = sqlx::query_scalar::<_, i64>(
        "INSERT INTO rate_limits (bucket, window_start, hits) VALUES ($1, $2, $3)
         ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + $3
         RETURNING hits",
    )
    .bind(bucket)
    .bind(window_start)
    .bind(n)
    .fetch_one(pool)
    .await?;
    let previous = previous_hits(pool, bucket, window, window_start).await?;
    Ok(sliding_estimate(previous, current, now - window_start, window))
}

/// Spends `n` from a sliding-window budget of `limit` only when all of it fits, in one
/// conditional UPDATE (the previous window no longer changes, so its weighted share is read
/// first): of concurrent spenders, only those that fit get `true`, and a refused one
/// spends nothing.
pub async fn spend_n(
    pool: &AnyPool,
    bucket: &str,
    window_secs: i64,
    n: i64,
    limit: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let (window, window_start) = window_of(window_secs, now);
    sqlx::query(
        "INSERT INTO rate_limits (bucket, window_start, hits) VALUES ($1, $2, 0)
         ON CONFLICT (bucket, window_start) DO NOTHING",
    )
    .bind(bucket)
    .bind(window_start)
    .execute(pool)
    .await?;
    let previous = previous_hits(pool, bucket, window, window_start).await?;
    let carried = sliding_estimate(previous, 0, now - window_start, window);
    let r = sqlx::query(
        "UPDATE rate_limits SET hits = hits + $3 WHERE bucket = $1 AND window_start = $2 AND hits + $3 + $4 <= $5",
    )
    .bind(bucket)
    .bind(window_start)
    .bind(n)
    .bind(carried)
    .bind(limit)
    .execute(pool)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// `previous` weighted by the part of the previous window still inside the sliding window,
/// plus `current`, rounded up.
pub fn sliding_estimate(previous: i64, current: i64, elapsed: i64, window: i64) -> i64 {
    let remaining = (window - elapsed).clamp(0, window);
    current + (previous * remaining + window - 1) / window
}

pub async fn delete_old(pool: &AnyPool, now: i64) -> Result<u64, sqlx::Error> {
    let windows = sqlx::query("DELETE FROM rate_limits WHERE window_start < $1")
        .bind(now - 3 * 24 * 3600)
        .execute(pool)
        .await?
        .rows_affected();
    let failures = sqlx::query("DELETE FROM login_failures WHERE last_failure_at < $1")
        .bind(now - 24 * 3600)
        .execute(pool)
        .await?
        .rows_affected();
    Ok(windows + failures)
}

/// Failed password logins of an address: (failures, time of the last one).
pub async fn login_failures<'e>(
    ex: impl Executor<'e, Database = Any>,
    email: &str,
) -> Result<Option<(i64, i64)>, sqlx::Error> {
    sqlx::query_as::<_, (i64, i64)>("SELECT failures, last_failure_at FROM login_failures WHERE email = $1")
        .bind(email)
        .fetch_optional(ex)
        .await
}

/// Counts a password attempt for `email` BEFORE the password is checked (a success clears
/// it), conditional on the count being what the caller saw (`seen`): of concurrent
/// attempts only one gets through, so a burst cannot slip past the slow-down. Counts older
/// than `forget_after_secs` start again from one. Returns whether this attempt may proceed.
pub async fn claim_login_attempt<'e>(
    ex: impl Executor<'e, Database = Any>,
    email: &str,
    seen: Option<(i64, i64)>,
    forget_after_secs: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let r = match seen {
        None => {
            sqlx::query(
                "INSERT INTO login_failures (email, failures, last_failure_at) VALUES ($1, 1, $2)
                 ON CONFLICT (email) DO NOTHING",
            )
            .bind(email)
            .bind(now)
            .execute(ex)
            .await?
        }
        Some((failures, last)) => {
            let next = if last < now - forget_after_secs { 1 } else { failures + 1 };
            sqlx::query(
                "UPDATE login_failures SET failures = $2, last_failure_at = $3
                 WHERE email = $1 AND failures = $4 AND last_failure_at = $5",
            )
            .bind(email)
            .bind(next)
            .bind(now)
            .bind(failures)
            .bind(last)
            .execute(ex)
            .await?
        }
    };
    Ok(r.rows_affected() == 1)
}

pub async fn clear_login_failures<'e>(ex: impl Executor<'e, Database = Any>, email: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_failures WHERE email = $1").bind(email).execute(ex).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::sliding_estimate;

    #[test]
    fn the_previous_window_fades_out_as_the_current_one_fills() {
        // Ten hits at the very end of the previous window still count in full at the start
        // of this one, half of them half-way through, none at its end.
        assert_eq!(sliding_estimate(10, 0, 0, 900), 10);
        assert_eq!(sliding_estimate(10, 3, 450, 900), 8);
        assert_eq!(sliding_estimate(10, 3, 900, 900), 3);
        assert_eq!(sliding_estimate(0, 4, 10, 900), 4);
    }
}
