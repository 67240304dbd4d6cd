//! Timed jobs: "do X at time T", run by the background worker.
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum JobKind {
    /// Deletes expired sessions, stale link tokens, old rate-limit windows and sent mail;
    /// schedules the next cleanup.
    Cleanup,
    /// Reveals a Secret Santa exchange (payload: the exchange id) and mails its members.
    Reveal,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cleanup => "cleanup",
            Self::Reveal => "reveal",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "cleanup" => Some(Self::Cleanup),
            "reveal" => Some(Self::Reveal),
            _ => None,
        }
    }
}

/// Cleanups run hourly; the key makes scheduling the same hour twice a no-op.
pub const CLEANUP_EVERY_SECS: i64 = 3600;

pub fn cleanup_key(run_at: i64) -> String {
    format!("cleanup:{}", run_at - run_at.rem_euclid(CLEANUP_EVERY_SECS))
}

/// One reveal job per exchange.
pub fn reveal_key(exchange_id: i64) -> String {
    format!("reveal:{exchange_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleanup_keys_are_per_hour() {
        assert_eq!(cleanup_key(7200), cleanup_key(7200 + 3599));
        assert_ne!(cleanup_key(7200), cleanup_key(7200 + 3600));
        assert_eq!(JobKind::parse(JobKind::Cleanup.as_str()), Some(JobKind::Cleanup));
    }
}
