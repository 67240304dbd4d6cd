//! The core's admin server functions: accounts, dead mail, a member's ledger, the audit
//! log. Admins only: anyone else gets "not found" (the page and its functions are not
//! confirmed to exist).
use crate::core::error::AppError;
use leptos::prelude::*;

pub use crate::core::domain::admin::*;

#[server(prefix = "/api", endpoint = "get_admin_home")]
pub async fn get_admin_home(search: Option<String>, ledger_of: Option<String>) -> Result<AdminHome, AppError> {
    use crate::core::server::{admin, context};
    let state = context::app_state()?;
    let me = context::current_admin(&state).await?;
    admin::overview(&state, &me, search.as_deref().unwrap_or(""), ledger_of.as_deref().unwrap_or(""), context::locale())
        .await
}

/// Bans (`banned` "yes") or unbans an account.
#[server(prefix = "/api", endpoint = "admin_set_banned")]
pub async fn admin_set_banned(user: i64, banned: String) -> Result<(), AppError> {
    use crate::core::server::{admin, context};
    let state = context::app_state()?;
    let me = context::current_admin(&state).await?;
    admin::set_banned(&state, &me, user, banned == "yes").await
}

/// Puts a dead-lettered mail back in the queue.
#[server(prefix = "/api", endpoint = "admin_retry_mail")]
pub async fn admin_retry_mail(mail: i64) -> Result<(), AppError> {
    use crate::core::server::{admin, context};
    let state = context::app_state()?;
    let me = context::current_admin(&state).await?;
    admin::retry_mail(&state, &me, mail).await
}
