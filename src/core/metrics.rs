//! Prometheus metrics (text exposition format), kept as plain atomics.
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Default)]
pub struct Metrics {
    pub requests: AtomicU64,
    pub responses_4xx: AtomicU64,
    pub responses_5xx: AtomicU64,
    pub mail_sent: AtomicU64,
    pub mail_failed: AtomicU64,
    pub jobs_run: AtomicU64,
    pub jobs_failed: AtomicU64,
}

impl Metrics {
    pub fn inc(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Renders the counters plus the gauges read from the database.
    pub fn render(&self, outbox_depth: i64, job_lag_secs: i64, jobs_failing: i64) -> String {
        let mut out = String::new();
        let counters = [
            ("hearth_http_requests_total", "HTTP requests received", &self.requests),
            ("hearth_http_responses_4xx_total", "HTTP responses with a 4xx status", &self.responses_4xx),
            ("hearth_http_responses_5xx_total", "HTTP responses with a 5xx status", &self.responses_5xx),
            ("hearth_mail_sent_total", "Emails handed to the transport", &self.mail_sent),
            ("hearth_mail_failed_total", "Failed email attempts", &self.mail_failed),
            ("hearth_jobs_run_total", "Timed jobs run", &self.jobs_run),
            ("hearth_jobs_failed_total", "Failed timed-job runs (each is retried)", &self.jobs_failed),
        ];
        for (name, help, c) in counters {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}", c.load(Ordering::Relaxed));
        }
        let _ = writeln!(out, "# HELP hearth_outbox_depth Emails waiting to be sent\n# TYPE hearth_outbox_depth gauge\nhearth_outbox_depth {outbox_depth}");
        let _ = writeln!(
            out,
            "# HELP hearth_job_lag_seconds How late the oldest due timed job is\n# TYPE hearth_job_lag_seconds gauge\nhearth_job_lag_seconds {job_lag_secs}"
        );
        let _ = writeln!(
            out,
            "# HELP hearth_jobs_failing Timed jobs whose last run failed, waiting to retry\n# TYPE hearth_jobs_failing gauge\nhearth_jobs_failing {jobs_failing}"
        );
        out
    }
}
