//! Lunches' server functions (thin: who is asking, then the service). Forms post here with
//! or without JavaScript.
use super::types::*;
use crate::core::error::AppError;
use leptos::prelude::*;

/// Signed in: the lunch page (profile, availability, my lunches, codes).
#[server(prefix = "/api", endpoint = "get_lunches_page")]
pub async fn get_lunches_page() -> Result<LunchesView, AppError> {
    use crate::core::server::context;
    let state = context::app_state()?;
    let user = context::current_user(&state).await?;
    let new_code = context::take_flash(&state).filter(|c| c.starts_with("lunch-code:")).map(|c| c[11..].to_string());
    super::service::page(&state, &user, new_code).await
}

/// Signed in, enrolled, not banned: a new invitation code, shown once on the page.
#[server(prefix = "/api", endpoint = "create_lunch_code")]
pub async fn create_lunch_code() -> Result<(), AppError> {
    use crate::core::server::context;
    let state = context::app_state()?;
    let user = context::current_user(&state).await?;
    let code = super::service::create_code(&state, &user).await?;
    context::set_flash(&state, &format!("lunch-code:{code}"));
    leptos_axum::redirect("/lunches?code=new#invite");
    Ok(())
}

/// Signed in: joins lunches with an invitation code.
#[server(prefix = "/api", endpoint = "join_lunches")]
pub async fn join_lunches(code: String) -> Result<(), AppError> {
    use crate::core::server::context;
    let state = context::app_state()?;
    let user = context::current_user(&state).await?;
    super::service::join(&state, &user, &code).await?;
    leptos_axum::redirect("/lunches?joined=1");
    Ok(())
}

/// Signed in: whether the member is already in lunches (the join page).
#[server(prefix = "/api", endpoint = "get_lunch_join")]
pub async fn get_lunch_join() -> Result<JoinView, AppError> {
    use crate::core::server::context;
    let state = context::app_state()?;
    let user = context::current_user(&state).await?;
    super::service::join_page(&state, &user).await
}

/// Enrolled: location and the food types the member cannot eat.
#[server(prefix = "/api", endpoint = "save_lunch_profile")]
pub async fn save_lunch_profile(location: Option<String>, cannot_eat: Option<Vec<i64>>) -> Result<(), AppError> {
    use crate::core::server::context;
    let state = context::app_state()?;
    let user = context::current_user(&state).await?;
    let location = match location.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            s.parse::<i64>().map_err(|_| AppError::invalid("location", "Please choose a location from the list."))?,
        ),
    };
    super::service::save_profile(&state, &user, location, &cannot_eat.unwrap_or_default()).await?;
    leptos_axum::redirect("/lunches?saved=profile#profile");
    Ok(())
}

/// Enrolled: adds a free window (or replaces window `id`).
#[server(prefix = "/api", endpoint = "save_lunch_window")]
pub async fn save_lunch_window(
    id: Option<i64>,
    repeat: String,
    date: Option<String>,
    from: String,
    until: String,
) -> Result<(), AppError> {
    use crate::core::server::context;
    let state = context::app_state()?;
    let user = context::current_user(&state).await?;
    super::service::save_window(&state, &user, id, &repeat, date.as_deref().unwrap_or(""), &from, &until).await?;
    leptos_axum::redirect("/lunches?saved=window#availability");
    Ok(())
}

#[server(prefix = "/api", endpoint = "delete_lunch_window")]
pub async fn delete_lunch_window(id: i64) -> Result<(), AppError> {
    use crate::core::server::context;
    let state = context::app_state()?;
    let user = context::current_user(&state).await?;
    super::service::delete_window(&state, &user, id).await?;
    leptos_axum::redirect("/lunches?saved=deleted#availability");
    Ok(())
}

/// One lunch, for an attendee: signed in, or with the token `t` of their mailed link.
#[server(prefix = "/api", endpoint = "get_lunch")]
pub async fn get_lunch(id: i64, t: Option<String>) -> Result<LunchView, AppError> {
    use crate::core::server::context;
    let state = context::app_state()?;
    let user = context::maybe_user(&state).await?;
    super::service::lunch_page(&state, user.as_ref(), t.as_deref(), id).await
}

/// An attendee accepts (`answer` "accept") or declines.
#[server(prefix = "/api", endpoint = "answer_lunch")]
pub async fn answer_lunch(id: i64, answer: String, t: Option<String>) -> Result<(), AppError> {
    use crate::core::server::context;
    let state = context::app_state()?;
    let user = context::maybe_user(&state).await?;
    let accept = match answer.as_str() {
        "accept" => true,
        "decline" => false,
        _ => return Err(AppError::invalid("answer", "Choose accept or decline.")),
    };
    super::service::answer(&state, user.as_ref(), t.as_deref(), id, accept).await?;
    let back = match t.filter(|t| crate::core::crypto::looks_like_token(t)) {
        Some(t) => format!("/lunches/{id}?t={t}"),
        None => format!("/lunches/{id}"),
    };
    leptos_axum::redirect(&back);
    Ok(())
}

/// An attendee who went reviews the lunch (`avoid`: people they'd rather not meet again).
#[server(prefix = "/api", endpoint = "review_lunch")]
pub async fn review_lunch(id: i64, enjoyed: String, avoid: Option<Vec<i64>>) -> Result<(), AppError> {
    use crate::core::server::context;
    let state = context::app_state()?;
    let user = context::current_user(&state).await?;
    let enjoyed = match enjoyed.as_str() {
        "yes" => true,
        "no" => false,
        _ => return Err(AppError::invalid("enjoyed", "Please say whether you enjoyed it.")),
    };
    super::service::review(&state, &user, id, enjoyed, &avoid.unwrap_or_default()).await?;
    leptos_axum::redirect(&format!("/lunches/{id}"));
    Ok(())
}

/// Enrolled members: confirmed lunches, anonymised.
#[server(prefix = "/api", endpoint = "get_lunch_feed")]
pub async fn get_lunch_feed() -> Result<Vec<FeedItem>, AppError> {
    use crate::core::server::context;
    let state = context::app_state()?;
    let user = context::current_user(&state).await?;
    super::service::feed(&state, &user).await
}

/// Admins: food types, locations, all lunches.
#[server(prefix = "/api", endpoint = "get_admin_lunches")]
pub async fn get_admin_lunches() -> Result<AdminLunchesView, AppError> {
    use crate::core::server::context;
    let state = context::app_state()?;
    let admin = context::current_admin(&state).await?;
    super::service::admin_page(&state, &admin).await
}

/// Admins: adds (`id` empty) or renames a food type (`list` "foods") or a location
/// ("locations", with its time zone).
#[server(prefix = "/api", endpoint = "save_lunch_list_item")]
pub async fn save_lunch_list_item(
    list: String,
    id: Option<i64>,
    name: String,
    time_zone: Option<String>,
) -> Result<(), AppError> {
    use crate::core::server::context;
    let state = context::app_state()?;
    let admin = context::current_admin(&state).await?;
    let list = super::service::list_named(&list)?;
    super::service::save_named(&state, &admin, list, id, &name, time_zone.as_deref()).await?;
    leptos_axum::redirect("/admin/lunches?saved=1");
    Ok(())
}

/// Admins: retires (`retired` "yes") or restores a food type or a location.
#[server(prefix = "/api", endpoint = "retire_lunch_list_item")]
pub async fn retire_lunch_list_item(list: String, id: i64, retired: String) -> Result<(), AppError> {
    use crate::core::server::context;
    let state = context::app_state()?;
    let admin = context::current_admin(&state).await?;
    super::service::retire_named(&state, &admin, super::service::list_named(&list)?, id, retired == "yes").await?;
    leptos_axum::redirect("/admin/lunches?saved=1");
    Ok(())
}

/// Admins: runs the matching now.
#[server(prefix = "/api", endpoint = "run_lunch_matching")]
pub async fn run_lunch_matching() -> Result<(), AppError> {
    use crate::core::server::context;
    let state = context::app_state()?;
    let admin = context::current_admin(&state).await?;
    let n = super::service::match_now(&state, &admin).await?;
    leptos_axum::redirect(&format!("/admin/lunches?matched={n}"));
    Ok(())
}
