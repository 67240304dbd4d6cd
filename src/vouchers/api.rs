//! Vouchers server functions (thin: who is asking, then the service). Forms post here with
//! or without JavaScript.
use super::types::*;
use crate::core::error::AppError;
use leptos::prelude::*;

/// Signed in: credit, vouchers on sale, what the member bought, their statement.
#[server(prefix = "/api", endpoint = "get_credit_page")]
pub async fn get_credit_page() -> Result<CreditView, AppError> {
    use crate::core::server::context;
    let state = context::app_state()?;
    let user = context::current_user(&state).await?;
    super::service::overview(&state, &user, context::locale()).await
}

/// Signed in, not banned: buys a voucher for oneself (`gift_email` empty) or as a gift.
#[server(prefix = "/api", endpoint = "buy_voucher")]
pub async fn buy_voucher(
    template: i64,
    gift_email: Option<String>,
    gift_message: Option<String>,
) -> Result<(), AppError> {
    use crate::core::server::context;
    let state = context::app_state()?;
    let user = context::current_user(&state).await?;
    let id = super::service::buy(
        &state,
        &user,
        template,
        gift_email.as_deref().unwrap_or(""),
        gift_message.as_deref().unwrap_or(""),
    )
    .await?;
    if state.settings.payments.stripe_enabled() {
        leptos_axum::redirect(&format!("/vouchers/{id}/pay"));
    } else {
        leptos_axum::redirect(&format!("/vouchers?bought={id}"));
    }
    Ok(())
}

/// Signed in: redeems a typed code into the member's credit.
#[server(prefix = "/api", endpoint = "redeem_voucher")]
pub async fn redeem_voucher(code: String) -> Result<(), AppError> {
    use crate::core::server::context;
    let state = context::app_state()?;
    let user = context::current_user(&state).await?;
    super::service::redeem(&state, &user, &context::client_ip(), &code).await?;
    leptos_axum::redirect("/vouchers?redeemed=1");
    Ok(())
}

/// The buyer adds their own paid voucher to their credit.
#[server(prefix = "/api", endpoint = "add_voucher_to_credit")]
pub async fn add_voucher_to_credit(voucher: i64) -> Result<(), AppError> {
    use crate::core::server::context;
    let state = context::app_state()?;
    let user = context::current_user(&state).await?;
    super::service::redeem_own(&state, &user, voucher).await?;
    leptos_axum::redirect("/vouchers?redeemed=1");
    Ok(())
}

/// The card form of a voucher waiting for its card payment (its buyer only).
#[server(prefix = "/api", endpoint = "get_card_payment")]
pub async fn get_card_payment(voucher: i64) -> Result<CardPaymentView, AppError> {
    use crate::core::server::context;
    let state = context::app_state()?;
    let user = context::current_user(&state).await?;
    super::service::card_payment(&state, &user, voucher, context::locale()).await
}

/// Admins: templates and vouchers (`status` filters).
#[server(prefix = "/api", endpoint = "get_admin_vouchers")]
pub async fn get_admin_vouchers(status: Option<String>) -> Result<AdminVouchersView, AppError> {
    use crate::core::server::context;
    let state = context::app_state()?;
    let admin = context::current_admin(&state).await?;
    let status = status.as_deref().and_then(super::domain::VoucherStatus::parse);
    super::service::admin_page(&state, &admin, context::locale(), status).await
}

/// Admins: a new template (`id` empty) or an edit.
#[server(prefix = "/api", endpoint = "save_voucher_template")]
pub async fn save_voucher_template(
    id: Option<i64>,
    title: String,
    description: Option<String>,
    price: String,
    value: Option<String>,
    validity_days: String,
) -> Result<(), AppError> {
    use crate::core::server::context;
    let state = context::app_state()?;
    let admin = context::current_admin(&state).await?;
    let form = TemplateForm {
        title,
        description: description.unwrap_or_default(),
        price,
        value: value.unwrap_or_default(),
        validity_days,
    };
    super::service::save_template(&state, &admin, id, &form).await?;
    leptos_axum::redirect("/admin/vouchers?saved=1");
    Ok(())
}

/// Admins: takes a template off sale (`archived` "yes") or puts it back.
#[server(prefix = "/api", endpoint = "archive_voucher_template")]
pub async fn archive_voucher_template(id: i64, archived: String) -> Result<(), AppError> {
    use crate::core::server::context;
    let state = context::app_state()?;
    let admin = context::current_admin(&state).await?;
    super::service::archive_template(&state, &admin, id, archived == "yes").await
}

/// Admins: moves a voucher along an arrow its state machine allows.
#[server(prefix = "/api", endpoint = "voucher_transition")]
pub async fn voucher_transition(voucher: i64, transition: String) -> Result<(), AppError> {
    use crate::core::server::context;
    let state = context::app_state()?;
    let admin = context::current_admin(&state).await?;
    let t = super::domain::Transition::parse(&transition)
        .ok_or_else(|| AppError::invalid("transition", "Unknown change."))?;
    super::service::transition(&state, &admin, voucher, t).await?;
    Ok(())
}
