//! Timed jobs: "do X at time T", run by the background worker. The core's own kind is the
//! hourly cleanup; gatherings register theirs (`registry::JobKind`).

/// Deletes expired sessions, stale link tokens, old rate-limit windows and sent mail;
/// schedules the next cleanup.
pub const CLEANUP: &str = "cleanup";

/// Cleanups run hourly; the key makes scheduling the same hour twice a no-op.
pub const CLEANUP_EVERY_SECS: i64 = 3600;

pub fn cleanup_key(run_at: i64) -> String {
    format!("cleanup:{}", run_at - run_at.rem_euclid(CLEANUP_EVERY_SECS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleanup_keys_are_per_hour() {
        assert_eq!(cleanup_key(7200), cleanup_key(7200 + 3599));
        assert_ne!(cleanup_key(7200), cleanup_key(7200 + 3600));
    }
}
