//! Secret Santa server functions (thin: the current user, then the service). Before the
//! reveal, no answer here carries any pair except the asking giver's own recipient.
use super::types::*;
use crate::core::error::AppError;
use leptos::prelude::*;

/// Signed in. The exchanges the viewer belongs to.
#[server(prefix = "/api", endpoint = "my_exchanges")]
pub async fn my_exchanges() -> Result<Vec<ExchangeSummary>, AppError> {
    use super::service as santa;
    use crate::core::server::context;
    let state = context::app_state()?;
    let user = context::current_user(&state).await?;
    santa::my_exchanges(&state, &user).await
}

/// Signed in. Starts an exchange; the creator is its first member.
#[server(prefix = "/api", endpoint = "create_exchange")]
pub async fn create_exchange(name: String, spending_note: String, description: String) -> Result<(), AppError> {
    use super::service as santa;
    use crate::core::server::context;
    let state = context::app_state()?;
    let user = context::current_user(&state).await?;
    let id = santa::create(&state, &user, &name, &spending_note, &description).await?;
    leptos_axum::redirect(&format!("/santa/{id}"));
    Ok(())
}

/// Creator only, after the reveal: a new exchange with the same people, last time's pairs excluded.
#[server(prefix = "/api", endpoint = "start_again")]
pub async fn start_again(id: i64) -> Result<(), AppError> {
    use super::service as santa;
    use crate::core::server::context;
    let state = context::app_state()?;
    let user = context::current_user(&state).await?;
    let new_id = santa::start_again(&state, &user, id).await?;
    leptos_axum::redirect(&format!("/santa/{new_id}"));
    Ok(())
}

/// Signed in. Exchanges that invited the viewer and wait for an answer.
#[server(prefix = "/api", endpoint = "my_invitations")]
pub async fn my_invitations() -> Result<Vec<InvitationView>, AppError> {
    use super::service as santa;
    use crate::core::server::context;
    let state = context::app_state()?;
    let user = context::current_user(&state).await?;
    santa::my_invitations(&state, &user).await
}

/// Invitees only (a pending invitation to the viewer's verified address).
#[server(prefix = "/api", endpoint = "get_invitation")]
pub async fn get_invitation(id: i64) -> Result<InvitationView, AppError> {
    use super::service as santa;
    use crate::core::server::context;
    let state = context::app_state()?;
    let user = context::current_user(&state).await?;
    santa::invitation(&state, &user, id).await
}

/// Invitees only, before the draw: "Join — once you're in, you're in".
#[server(prefix = "/api", endpoint = "join_exchange")]
pub async fn join_exchange(id: i64) -> Result<(), AppError> {
    use super::service as santa;
    use crate::core::server::context;
    let state = context::app_state()?;
    let user = context::current_user(&state).await?;
    santa::join(&state, &user, id).await?;
    leptos_axum::redirect(&format!("/santa/{id}"));
    Ok(())
}

/// Invitees only: no, thanks.
#[server(prefix = "/api", endpoint = "decline_invitation")]
pub async fn decline_invitation(id: i64) -> Result<(), AppError> {
    use super::service as santa;
    use crate::core::server::context;
    let state = context::app_state()?;
    let user = context::current_user(&state).await?;
    santa::decline(&state, &user, id).await?;
    leptos_axum::redirect("/santa");
    Ok(())
}

/// Creator only, before the draw: mails a pending invitee again (once a day).
#[server(prefix = "/api", endpoint = "remind_invitee")]
pub async fn remind_invitee(id: i64, email: String) -> Result<(), AppError> {
    use super::service as santa;
    use crate::core::server::context;
    let state = context::app_state()?;
    let user = context::current_user(&state).await?;
    santa::remind(&state, &user, id, &email).await
}

/// Members only.
#[server(prefix = "/api", endpoint = "get_exchange")]
pub async fn get_exchange(id: i64) -> Result<ExchangeView, AppError> {
    use super::service as santa;
    use crate::core::server::context;
    let state = context::app_state()?;
    let user = context::current_user(&state).await?;
    let mut view = santa::view(&state, &user, id).await?;
    view.invite_report = context::take_flash(&state)
        .and_then(|f| serde_json::from_str::<(i64, InviteReport)>(&f).ok())
        .and_then(|(for_id, report)| (for_id == id).then_some(report));
    Ok(view)
}

/// Creator only, before the draw.
#[server(prefix = "/api", endpoint = "invite_to_exchange")]
pub async fn invite_to_exchange(id: i64, addresses: String) -> Result<InviteReport, AppError> {
    use super::service as santa;
    use crate::core::server::context;
    let state = context::app_state()?;
    let user = context::current_user(&state).await?;
    let report = santa::invite(&state, &user, id, &addresses).await?;
    // The form posts without JavaScript: the exchange page shows the report once.
    if let Ok(flash) = serde_json::to_string(&(id, report.clone().shortened(2000))) {
        context::set_flash(&state, &flash);
    }
    Ok(report)
}

/// Creator only, before the draw.
#[server(prefix = "/api", endpoint = "remove_member")]
pub async fn remove_member(id: i64, member_id: i64) -> Result<(), AppError> {
    use super::service as santa;
    use crate::core::server::context;
    let state = context::app_state()?;
    let user = context::current_user(&state).await?;
    santa::remove_member(&state, &user, id, member_id).await
}

/// Creator only, before the draw. `both` adds the reverse rule too (couples).
#[server(prefix = "/api", endpoint = "add_exclusion")]
pub async fn add_exclusion(id: i64, giver_id: i64, receiver_id: i64, both: Option<String>) -> Result<(), AppError> {
    use super::service as santa;
    use crate::core::server::context;
    let state = context::app_state()?;
    let user = context::current_user(&state).await?;
    santa::add_exclusion(&state, &user, id, giver_id, receiver_id, both.is_some()).await
}

/// Creator only, before the draw: nobody draws inside this household (every pair, both ways).
#[server(prefix = "/api", endpoint = "add_household")]
pub async fn add_household(id: i64, member_ids: Option<Vec<i64>>) -> Result<(), AppError> {
    use super::service as santa;
    use crate::core::server::context;
    let state = context::app_state()?;
    let user = context::current_user(&state).await?;
    santa::add_household(&state, &user, id, &member_ids.unwrap_or_default()).await
}

/// Creator only. `reveal_at` is a local date-time (`YYYY-MM-DDTHH:MM`) in the creator's zone.
#[server(prefix = "/api", endpoint = "draw_names")]
pub async fn draw_names(id: i64, reveal_at: String) -> Result<(), AppError> {
    use super::service as santa;
    use crate::core::server::context;
    let state = context::app_state()?;
    let user = context::current_user(&state).await?;
    santa::draw(&state, &user, id, &reveal_at).await
}

/// Givers only: their own recipient and gift.
#[server(prefix = "/api", endpoint = "get_gift")]
pub async fn get_gift(id: i64) -> Result<GiftView, AppError> {
    use super::service as santa;
    use crate::core::server::context;
    let state = context::app_state()?;
    let user = context::current_user(&state).await?;
    santa::gift_view(&state, &user, id).await
}

/// Givers only, until the reveal.
#[server(prefix = "/api", endpoint = "give_gift")]
pub async fn give_gift(id: i64, emoji: String, message: String) -> Result<(), AppError> {
    use super::service as santa;
    use crate::core::server::context;
    let state = context::app_state()?;
    let user = context::current_user(&state).await?;
    santa::give_gift(&state, &user, id, &emoji, &message).await
}

/// Members only: their own present (after the reveal).
#[server(prefix = "/api", endpoint = "get_present")]
pub async fn get_present(id: i64) -> Result<PresentView, AppError> {
    use super::service as santa;
    use crate::core::server::context;
    let state = context::app_state()?;
    let user = context::current_user(&state).await?;
    santa::present_view(&state, &user, id).await
}

/// Public (the shareable wall of shame, found by its unguessable token): display names of
/// givers who gave nothing, after the reveal.
#[server(prefix = "/api", endpoint = "get_wall")]
pub async fn get_wall(token: String) -> Result<WallView, AppError> {
    use super::service as santa;
    use crate::core::server::context;
    let state = context::app_state()?;
    let viewer = context::maybe_user(&state).await?;
    santa::wall(&state, viewer.as_ref(), &token).await
}

/// Members only, after the reveal: one boo per member per grinch.
#[server(prefix = "/api", endpoint = "boo_grinch")]
pub async fn boo_grinch(id: i64, grinch_id: i64) -> Result<(), AppError> {
    use super::service as santa;
    use crate::core::server::context;
    let state = context::app_state()?;
    let user = context::current_user(&state).await?;
    santa::boo(&state, &user, id, grinch_id).await
}

/// Members, before the reveal: what they would like, shown to their giver only.
#[server(prefix = "/api", endpoint = "set_wish_hint")]
pub async fn set_wish_hint(id: i64, hint: String) -> Result<(), AppError> {
    use super::service as santa;
    use crate::core::server::context;
    let state = context::app_state()?;
    let user = context::current_user(&state).await?;
    santa::set_wish_hint(&state, &user, id, &hint).await
}

/// Members: their wish hint and the conversation with their anonymous Secret Santa.
#[server(prefix = "/api", endpoint = "get_santa_chat")]
pub async fn get_santa_chat(id: i64) -> Result<SantaChat, AppError> {
    use super::service as santa;
    use crate::core::server::context;
    let state = context::app_state()?;
    let user = context::current_user(&state).await?;
    santa::santa_chat(&state, &user, id).await
}

/// Givers, until the reveal: an anonymous note to their recipient.
#[server(prefix = "/api", endpoint = "note_to_recipient")]
pub async fn note_to_recipient(id: i64, body: String) -> Result<(), AppError> {
    use super::service as santa;
    use crate::core::server::context;
    let state = context::app_state()?;
    let user = context::current_user(&state).await?;
    santa::note_to_recipient(&state, &user, id, &body).await
}

/// Recipients, until the reveal: a note to their Secret Santa, whoever that is.
#[server(prefix = "/api", endpoint = "note_to_santa")]
pub async fn note_to_santa(id: i64, body: String) -> Result<(), AppError> {
    use super::service as santa;
    use crate::core::server::context;
    let state = context::app_state()?;
    let user = context::current_user(&state).await?;
    santa::note_to_santa(&state, &user, id, &body).await
}
