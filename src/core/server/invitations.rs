//! Inviting people by address, the service side every gathering shares: one daily budget
//! of mails a member causes to people outside their gatherings, who is registered (a
//! verified account) and who is a newcomer, and mails carrying signed links. A gathering
//! keeps its own invitation rows and mail kinds; accepting what waited for an address
//! when it is verified is its "address verified" hook (`registry`).
use super::accounts::new_link;
use crate::core::db::{self, users::User};
use crate::core::domain::links::LinkPurpose;
use crate::core::domain::outbox::Mail;
use crate::core::error::AppError;
use crate::core::state::AppState;

const DAY: i64 = 24 * 3600;
/// Mails a member may cause to people outside their gatherings per day (invitations,
/// reminders, "start again"), across every gathering.
pub const MAILS_TO_OTHERS_PER_DAY: i64 = 100;
const TOO_MANY_MAILS: &str = "You are sending too many invitations; try again tomorrow.";

/// Spends `n` of the member's daily mails to others, all or nothing.
pub async fn spend_mails_to_others(state: &AppState, user: &User, n: usize) -> Result<(), AppError> {
    user.not_banned()?;
    let bucket = format!("mail-others:{}", user.id);
    super::accounts::spend_n(state, &bucket, DAY, n as i64, MAILS_TO_OTHERS_PER_DAY, TOO_MANY_MAILS).await
}

/// Who an address belongs to, as an invitation sees it.
pub enum Invitee {
    /// A verified account: invited to say yes (never put in without asking).
    Registered(User),
    /// Nobody yet (or an unverified account): invited to sign up with the address.
    Newcomer,
}

pub async fn invitee(tx: &mut db::Tx, email: &str) -> Result<Invitee, AppError> {
    Ok(match db::users::verified_by_email(&mut **tx, email).await? {
        Some(u) => Invitee::Registered(u),
        None => Invitee::Newcomer,
    })
}

/// Mails each of `user_ids` a signed link to `target` (valid `valid_secs`), inside `tx`
/// (the outbox); `message` builds the mail from the user id and the link's token.
pub async fn mail_signed_links<M: Mail>(
    tx: &mut db::Tx,
    user_ids: impl IntoIterator<Item = i64>,
    target: &str,
    valid_secs: i64,
    now: i64,
    message: impl Fn(i64, String) -> M,
) -> Result<(), AppError> {
    for uid in user_ids {
        let Some(u) = db::users::by_id(&mut **tx, uid).await? else { continue };
        let token = new_link(tx, u.id, LinkPurpose::SignIn, target, valid_secs).await?;
        db::outbox::enqueue(&mut **tx, &u.email, &message(u.id, token), now).await?;
    }
    Ok(())
}
