//! Events server functions (thin: who is asking, then the service). Forms post here with
//! or without JavaScript; after a change the browser lands on the event page again.
// A form field is a server-function argument: the event form has eight.
#![allow(clippy::too_many_arguments)]

use super::types::*;
use crate::core::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
fn input(
    title: String,
    description: String,
    online_link: String,
    start_local: String,
    time_zone: String,
    duration_minutes: String,
    capacity: Option<String>,
    ticket_price: Option<String>,
) -> super::service::EventInput {
    super::service::EventInput {
        title,
        description,
        online_link,
        start_local,
        time_zone,
        duration_minutes,
        capacity: capacity.unwrap_or_default(),
        ticket_price: ticket_price.unwrap_or_default(),
    }
}

/// Signed in. The viewer's events, organized or invited to.
#[server(prefix = "/api", endpoint = "my_events")]
pub async fn list_my_events() -> Result<MyEvents, AppError> {
    use crate::core::server::context;
    let state = context::app_state()?;
    let user = context::current_user(&state).await?;
    super::service::mine(&state, &user).await
}

/// The event page: the event for its organizer and invitees (by session, or by the RSVP
/// token `t` of a mailed link), the public preview for anyone else once published.
/// `rsvp` is an answer a mailed link proposes: shown ready to confirm, never recorded here.
#[server(prefix = "/api", endpoint = "get_event")]
pub async fn get_event(slug: String, t: Option<String>, rsvp: Option<String>) -> Result<EventOrPreview, AppError> {
    use crate::core::server::context;
    let state = context::app_state()?;
    let user = context::maybe_user(&state).await?;
    let proposed = rsvp.as_deref().and_then(super::domain::Rsvp::parse);
    let mut page = super::service::page(&state, user.as_ref(), &slug, t.as_deref(), proposed).await?;
    if let EventOrPreview::Full(view) = &mut page {
        view.invite_report = context::take_flash(&state)
            .and_then(|f| serde_json::from_str::<(String, InviteReport)>(&f).ok())
            .and_then(|(for_slug, report)| (for_slug == slug).then_some(report));
    }
    Ok(page)
}

/// Signed in. Creates a draft and opens it.
#[server(prefix = "/api", endpoint = "create_event")]
pub async fn create_event(
    title: String,
    description: String,
    online_link: String,
    start_local: String,
    time_zone: String,
    duration_minutes: String,
    capacity: Option<String>,
    ticket_price: Option<String>,
) -> Result<(), AppError> {
    use crate::core::server::context;
    let state = context::app_state()?;
    let user = context::current_user(&state).await?;
    let form = input(title, description, online_link, start_local, time_zone, duration_minutes, capacity, ticket_price);
    let slug = super::service::create(&state, &user, &form).await?;
    leptos_axum::redirect(&format!("/events/{slug}"));
    Ok(())
}

/// Organizer only, before the start.
#[server(prefix = "/api", endpoint = "update_event")]
pub async fn update_event(
    slug: String,
    title: String,
    description: String,
    online_link: String,
    start_local: String,
    time_zone: String,
    duration_minutes: String,
    capacity: Option<String>,
    ticket_price: Option<String>,
) -> Result<(), AppError> {
    use crate::core::server::context;
    let state = context::app_state()?;
    let user = context::current_user(&state).await?;
    let form = input(title, description, online_link, start_local, time_zone, duration_minutes, capacity, ticket_price);
    super::service::update(&state, &user, &slug, &form).await?;
    leptos_axum::redirect(&format!("/events/{slug}"));
    Ok(())
}

/// Organizer only: draft → published; every invitee is mailed.
#[server(prefix = "/api", endpoint = "publish_event")]
pub async fn publish_event(slug: String) -> Result<(), AppError> {
    use crate::core::server::context;
    let state = context::app_state()?;
    let user = context::current_user(&state).await?;
    super::service::publish(&state, &user, &slug).await
}

/// Organizer only: cancels a published event before its start, or deletes a draft.
/// `confirm` is the form's "yes, I mean it" box.
#[server(prefix = "/api", endpoint = "cancel_event")]
pub async fn cancel_event(slug: String, confirm: Option<String>) -> Result<(), AppError> {
    use crate::core::server::context;
    let state = context::app_state()?;
    let user = context::current_user(&state).await?;
    if confirm.as_deref() != Some("yes") {
        return Err(AppError::invalid("confirm", "Tick the box to confirm."));
    }
    if super::service::cancel(&state, &user, &slug).await? == super::service::Ended::Deleted {
        leptos_axum::redirect("/events");
    }
    Ok(())
}

/// Admins: every event.
#[server(prefix = "/api", endpoint = "get_admin_events")]
pub async fn get_admin_events() -> Result<Vec<AdminEventRow>, AppError> {
    use crate::core::server::context;
    let state = context::app_state()?;
    let admin = context::current_admin(&state).await?;
    super::service::admin_list(&state, &admin).await
}

/// Admins: take a published event down, with a reason mailed to its organizer.
#[server(prefix = "/api", endpoint = "admin_unpublish_event")]
pub async fn admin_unpublish_event(slug: String, reason: String) -> Result<(), AppError> {
    use crate::core::server::context;
    let state = context::app_state()?;
    let admin = context::current_admin(&state).await?;
    super::service::unpublish(&state, &admin, &slug, &reason).await
}

/// Signed in: what the new-event form starts from (the viewer's time zone).
#[server(prefix = "/api", endpoint = "new_event_defaults")]
pub async fn new_event_defaults() -> Result<String, AppError> {
    use crate::core::server::context;
    let state = context::app_state()?;
    Ok(context::current_user(&state).await?.time_zone)
}

/// Organizer only, before the start: paste addresses.
#[server(prefix = "/api", endpoint = "invite_to_event")]
pub async fn invite_to_event(slug: String, addresses: String) -> Result<InviteReport, AppError> {
    use crate::core::server::context;
    let state = context::app_state()?;
    let user = context::current_user(&state).await?;
    let report = super::service::invite(&state, &user, &slug, &addresses).await?;
    // The form posts without JavaScript: the event page shows the report once.
    if let Ok(flash) = serde_json::to_string(&(slug, report.clone().shortened(2000))) {
        context::set_flash(&state, &flash);
    }
    Ok(report)
}

/// An invitee answers, signed in or with the RSVP token `t` of their mailed link.
#[server(prefix = "/api", endpoint = "answer_event")]
pub async fn answer_event(slug: String, answer: String, t: Option<String>) -> Result<(), AppError> {
    use crate::core::server::context;
    let state = context::app_state()?;
    let user = context::maybe_user(&state).await?;
    let Some(choice) = super::domain::Rsvp::parse(&answer) else {
        return Err(AppError::invalid("answer", "Please choose going, maybe or can't go."));
    };
    super::service::answer(&state, user.as_ref(), &slug, t.as_deref(), choice).await?;
    let back = super::mails::event_path(&slug, t.as_deref().filter(|t| !t.is_empty()), None);
    leptos_axum::redirect(&back);
    Ok(())
}
