//! The core's registration points. A gathering describes what it adds (job kinds with
//! their handlers, live topics with who may listen, mail kinds that render themselves, a
//! hook for a newly verified address) in one `Gathering` value; `lib.rs` lists the
//! gatherings and `Application::build` is handed that list. The core runs what is
//! registered and never names a gathering.
use crate::core::db;
use crate::core::error::AppError;
use crate::core::mail::OutgoingEmail;
use crate::core::state::AppState;
use std::future::Future;
use std::pin::Pin;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What one gathering registers with the core.
pub struct Gathering {
    /// Its folder's name, for logs.
    pub name: &'static str,
    /// Runs in the write transaction that first verifies an address (whatever proved it);
    /// returns the live topics it changed (notified after the commit).
    pub on_address_verified: Option<AddressVerifiedHook>,
    pub jobs: &'static [JobKind],
    pub live_topics: &'static [LiveTopic],
    pub mails: &'static [MailKind],
    /// HTTP routes of its own beside its pages (downloads, uploads). They set their own
    /// body limits; the core adds its security guard around them.
    pub routes: Option<fn() -> axum::Router<AppState>>,
}

pub type AddressVerifiedHook =
    for<'a> fn(&'a mut db::Tx, &'a VerifiedAddress) -> BoxFuture<'a, Result<Vec<Topic>, AppError>>;

/// An address that has just been proven by its account's holder.
#[derive(Clone, Debug)]
pub struct VerifiedAddress {
    pub user_id: i64,
    pub email: String,
    pub now: i64,
}

/// A kind of timed job (`timed_jobs.kind`) and what runs it (its payload is the row's JSON).
pub struct JobKind {
    pub kind: &'static str,
    pub run: for<'a> fn(&'a AppState, &'a str) -> BoxFuture<'a, anyhow::Result<()>>,
}

/// What an open page listens to: "this thing changed". Carries no content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Topic {
    pub kind: &'static str,
    pub id: i64,
}

/// What travels to open pages (in this process; on Postgres also between instances).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiveSignal {
    /// This topic changed: its open pages reload.
    Changed(Topic),
    /// Changes may have been missed (the Postgres listener lost its connection and is
    /// back): every open page reloads once.
    Everything,
}

/// A kind of live topic, served at `/api/live/{kind}/{id}`, and who may listen (asked
/// again at every change, so a listener who lost access stops hearing).
pub struct LiveTopic {
    pub kind: &'static str,
    pub may_listen: for<'a> fn(&'a AppState, i64, i64) -> BoxFuture<'a, Result<bool, AppError>>,
    /// Who holds a capability token for this topic's thing (the `t` of a mailed link),
    /// for a listener without a session: `(state, id, token)` → their user id.
    pub token_holder: Option<TokenHolder>,
}

pub type TokenHolder = for<'a> fn(&'a AppState, i64, &'a str) -> BoxFuture<'a, Result<Option<i64>, AppError>>;

/// Mail kinds a gathering puts in the outbox (the payload's `"kind"`), and how it renders
/// them at send time: `render(state, payload JSON, recipient address, message id)`.
pub struct MailKind {
    pub kind: &'static str,
    pub render: for<'a> fn(&'a AppState, &'a str, &'a str, &'a str) -> BoxFuture<'a, anyhow::Result<OutgoingEmail>>,
}

/// The core's own job and mail kinds: no gathering may register these names.
pub const CORE_JOB_KINDS: &[&str] = &["cleanup"];

impl std::fmt::Debug for Gathering {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gathering").field("name", &self.name).finish_non_exhaustive()
    }
}

/// Checks that no two registrations claim one name (job kinds, live topics, mail kinds).
pub fn check(gatherings: &[&Gathering], core_mail_kinds: &[&str]) -> Result<(), String> {
    let mut jobs: Vec<&str> = CORE_JOB_KINDS.to_vec();
    let mut topics: Vec<&str> = Vec::new();
    let mut mails: Vec<&str> = core_mail_kinds.to_vec();
    for g in gatherings {
        for (list, names) in [
            (&mut jobs, g.jobs.iter().map(|j| j.kind).collect::<Vec<_>>()),
            (&mut topics, g.live_topics.iter().map(|t| t.kind).collect()),
            (&mut mails, g.mails.iter().map(|m| m.kind).collect()),
        ] {
            for name in names {
                if list.contains(&name) {
                    return Err(format!("gathering {} registers \"{name}\", which is already taken", g.name));
                }
                list.push(name);
            }
        }
    }
    Ok(())
}

/// The handler of a job kind, if a gathering registered it.
pub fn job(gatherings: &[&'static Gathering], kind: &str) -> Option<&'static JobKind> {
    gatherings.iter().flat_map(|g| g.jobs.iter()).find(|j| j.kind == kind)
}

/// The live topic of this kind, if a gathering registered it.
pub fn live_topic(gatherings: &[&'static Gathering], kind: &str) -> Option<&'static LiveTopic> {
    gatherings.iter().flat_map(|g| g.live_topics.iter()).find(|t| t.kind == kind)
}

/// The renderer of a mail kind, if a gathering registered it.
pub fn mail(gatherings: &[&'static Gathering], kind: &str) -> Option<&'static MailKind> {
    gatherings.iter().flat_map(|g| g.mails.iter()).find(|m| m.kind == kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run<'a>(_: &'a AppState, _: &'a str) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async { Ok(()) })
    }

    static A: Gathering = Gathering {
        name: "a",
        on_address_verified: None,
        jobs: &[JobKind { kind: "a.remind", run }],
        live_topics: &[],
        mails: &[],
        routes: None,
    };
    static B: Gathering = Gathering {
        name: "b",
        on_address_verified: None,
        jobs: &[JobKind { kind: "a.remind", run }],
        live_topics: &[],
        mails: &[],
        routes: None,
    };
    static C: Gathering = Gathering {
        name: "c",
        on_address_verified: None,
        jobs: &[JobKind { kind: "cleanup", run }],
        live_topics: &[],
        mails: &[],
        routes: None,
    };

    #[test]
    fn two_registrations_of_one_name_are_refused() {
        assert!(check(&[&A], &[]).is_ok());
        assert!(check(&[&A, &B], &[]).unwrap_err().contains("a.remind"));
        assert!(check(&[&C], &[]).unwrap_err().contains("cleanup"));
        assert!(job(&[&A], "a.remind").is_some() && job(&[&A], "b.other").is_none());
    }
}
