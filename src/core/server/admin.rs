//! The core's admin surface: accounts (ban, unban), the dead-lettered mail (retry), a
//! member's ledger, the audit log; and `hearth admin grant EMAIL`, which makes the first
//! admin from the command line. Every admin action is written to the audit log in the
//! transaction that makes it.
use crate::core::config::Settings;
use crate::core::db::{self, audit, ledger, users::User, Db};
use crate::core::domain::account::Role;
use crate::core::domain::admin::*;
use crate::core::domain::ledger::Account;
use crate::core::domain::money::{Locale, Money};
use crate::core::domain::time::{format_in_zone, zone_or_utc};
use crate::core::error::AppError;
use crate::core::state::AppState;

/// `hearth admin grant|revoke EMAIL`: the account must exist with a verified address.
pub async fn from_command_line(settings: &Settings, verb: &str, email: &str) -> anyhow::Result<String> {
    let role = match verb {
        "grant" => Role::Admin,
        "revoke" => Role::Member,
        _ => anyhow::bail!("usage: hearth admin grant EMAIL | hearth admin revoke EMAIL"),
    };
    let email = crate::core::domain::email::EmailAddress::parse(email).map_err(|e| anyhow::anyhow!("{e}"))?;
    let db = Db::connect(&settings.database.url, 1).await?;
    db.migrate().await?;
    let Some(user) = db::users::verified_by_email(&db.pool, email.as_str()).await? else {
        anyhow::bail!(
            "no account with the verified address {email}: sign up with it and open the verification link first"
        );
    };
    let now = db::now();
    let mut tx = db.begin_write().await?;
    db::users::set_role(&mut *tx, user.id, role).await?;
    let action = if role == Role::Admin { "admin.grant" } else { "admin.revoke" };
    audit::record(&mut *tx, audit::Actor::CommandLine, action, &format!("user {} <{}>", user.id, user.email), "", now)
        .await?;
    tx.commit().await?;
    Ok(match role {
        Role::Admin => format!("{email} is now an admin: /admin"),
        Role::Member => format!("{email} is a member again"),
    })
}

fn actor(admin: &User) -> audit::Actor<'_> {
    audit::Actor::Admin { id: admin.id, email: &admin.email }
}

/// The admin home: accounts (filtered by `search`), dead mail, the audit log, and the
/// ledger of the member with address `ledger_of`.
pub async fn overview(
    state: &AppState,
    admin: &User,
    search: &str,
    ledger_of: &str,
    locale: Locale,
) -> Result<AdminHome, AppError> {
    let pool = &state.db.pool;
    let tz = zone_or_utc(&admin.time_zone);
    let users = db::users::list(pool, search.trim(), 50)
        .await?
        .into_iter()
        .map(|u| UserRow {
            id: u.id,
            email: u.email,
            display_name: u.display_name,
            admin: u.role == Role::Admin,
            verified: u.verified,
            banned: u.banned,
        })
        .collect();
    let dead_mail = db::outbox::dead_letters(pool, 50)
        .await?
        .into_iter()
        .map(|d| DeadMailRow {
            id: d.id,
            recipient: d.recipient,
            kind: d.kind,
            attempts: d.attempts,
            last_error: d.last_error.chars().take(200).collect(),
            dead: format_in_zone(d.dead_at, tz),
        })
        .collect();
    let audit_log = audit::recent(pool, 50)
        .await?
        .into_iter()
        .map(|a| AuditRow {
            who: a.actor,
            what: a.action,
            subject: a.subject,
            detail: a.detail,
            when: format_in_zone(a.at, tz),
        })
        .collect();
    let member_ledger = match ledger_of.trim() {
        "" => None,
        email => Some(member_ledger(state, email, locale, tz).await?),
    };
    Ok(AdminHome { users, dead_mail, audit_log, member_ledger })
}

async fn member_ledger(
    state: &AppState,
    email: &str,
    locale: Locale,
    tz: chrono_tz::Tz,
) -> Result<MemberLedger, AppError> {
    let pool = &state.db.pool;
    let c = state.settings.payments.currency();
    let member = db::users::by_email(pool, &email.to_lowercase())
        .await?
        .ok_or_else(|| AppError::invalid("ledger_of", "No account has that address."))?;
    let line = |l: ledger::Line| LedgerRow {
        what: l.kind.map(|k| k.label()).unwrap_or("Other").to_string(),
        memo: l.memo,
        amount: Money::new(l.amount, c).format(locale),
        when: format_in_zone(l.at, tz),
    };
    Ok(MemberLedger {
        email: member.email.clone(),
        credit: ledger::credit(pool, member.id, c).await?.format(locale),
        earnings: Money::new(ledger::balance(pool, Account::Earnings(member.id), c).await?, c).format(locale),
        credit_lines: ledger::statement(pool, Account::Credit(member.id), c, 100)
            .await?
            .into_iter()
            .map(line)
            .collect(),
        earnings_lines: ledger::statement(pool, Account::Earnings(member.id), c, 100)
            .await?
            .into_iter()
            .map(line)
            .collect(),
    })
}

/// Bans or unbans an account (never one's own).
pub async fn set_banned(state: &AppState, admin: &User, user_id: i64, banned: bool) -> Result<(), AppError> {
    if user_id == admin.id {
        return Err(AppError::Conflict("You can't ban yourself.".into()));
    }
    let now = db::now();
    let mut tx = state.db.begin_write().await?;
    let target = db::users::by_id(&mut *tx, user_id).await?.ok_or(AppError::NotFound)?;
    if !db::users::set_banned(&mut *tx, user_id, banned.then_some(now)).await? {
        return Err(AppError::Conflict(
            if banned { "That account is already banned." } else { "That account is not banned." }.into(),
        ));
    }
    if banned {
        // A banned member is signed out everywhere.
        db::sessions::delete_for_user(&mut *tx, user_id).await?;
    }
    let action = if banned { "user.ban" } else { "user.unban" };
    audit::record(&mut *tx, actor(admin), action, &format!("user {} <{}>", target.id, target.email), "", now).await?;
    tx.commit().await?;
    Ok(())
}

/// Puts a dead-lettered mail back in the queue.
pub async fn retry_mail(state: &AppState, admin: &User, id: i64) -> Result<(), AppError> {
    let now = db::now();
    let mut tx = state.db.begin_write().await?;
    if !db::outbox::retry_dead(&mut *tx, id, now).await? {
        return Err(AppError::Conflict("That mail is no longer dead-lettered.".into()));
    }
    audit::record(&mut *tx, actor(admin), "mail.retry", &format!("outbox {id}"), "", now).await?;
    tx.commit().await?;
    state.worker_wake.notify_one();
    Ok(())
}
