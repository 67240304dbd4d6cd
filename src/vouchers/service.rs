//! Vouchers, server side: who may do what, the write transactions (each status change
//! with its ledger entry and its mail, together or not at all), the card provider.
use super::domain::{gift_message, TemplateTerms, Transition, VoucherCode, VoucherStatus};
use super::mails::VoucherMail;
use super::store::{self, Provider, Voucher};
use super::stripe;
use super::types::*;
use crate::core::crypto::token_hash;
use crate::core::db::{self, audit, ledger, users::User};
use crate::core::domain::email::EmailAddress;
use crate::core::domain::ledger::{Account, Entry};
use crate::core::domain::money::{Currency, Locale, Money};
use crate::core::domain::time::{format_in_zone, zone_or_utc};
use crate::core::error::AppError;
use crate::core::server::accounts;
use crate::core::state::AppState;

/// Redeem attempts (right or wrong) per member and per IP address, per hour.
pub const REDEEMS_PER_MEMBER_PER_HOUR: i64 = 10;
pub const REDEEMS_PER_IP_PER_HOUR: i64 = 30;
/// Purchases started per member per hour.
pub const PURCHASES_PER_HOUR: i64 = 20;
const HOUR: i64 = 3600;
const DAY: i64 = 24 * HOUR;

fn currency(state: &AppState) -> Currency {
    state.settings.payments.currency()
}

fn provider(state: &AppState) -> Provider {
    if state.settings.payments.stripe_enabled() {
        Provider::Stripe
    } else {
        Provider::Manual
    }
}

fn template_view(t: &store::Template, locale: Locale) -> TemplateView {
    TemplateView {
        id: t.id,
        title: t.title.clone(),
        description: t.description.clone(),
        price: t.price.format(locale),
        value: t.value.format(locale),
        price_plain: t.price.plain(),
        value_plain: t.value.plain(),
        validity_days: t.validity_days,
        archived: t.archived,
    }
}

fn voucher_view(v: &Voucher, locale: Locale, tz: chrono_tz::Tz, me: i64) -> VoucherView {
    VoucherView {
        id: v.id,
        title: v.title.clone(),
        value: v.value.format(locale),
        price: v.price.format(locale),
        status: v.status,
        status_label: v.status.label().to_string(),
        gift_to: v.gift_email.clone(),
        code_hint: v.code_hint.clone(),
        expires: v.expires_at.map(|t| format_in_zone(t, tz)),
        bought: format_in_zone(v.created_at, tz),
        may_add_to_credit: v.buyer_id == me && v.gift_email.is_none() && v.status == VoucherStatus::Purchased,
        pays_by_card: v.provider == Provider::Stripe && v.status == VoucherStatus::PendingPayment,
        transitions: v.status.admin_transitions(),
    }
}

/// Signed in: the member's credit, what is on sale, what they bought, their statement.
pub async fn overview(state: &AppState, user: &User, locale: Locale) -> Result<CreditView, AppError> {
    let pool = &state.db.pool;
    let c = currency(state);
    let tz = zone_or_utc(&user.time_zone);
    let credit = ledger::credit(pool, user.id, c).await?;
    let templates = store::templates(pool, false).await?.iter().map(|t| template_view(t, locale)).collect();
    let mine = store::of_buyer(pool, user.id).await?.iter().map(|v| voucher_view(v, locale, tz, user.id)).collect();
    let statement = ledger::statement(pool, Account::Credit(user.id), c, 50)
        .await?
        .into_iter()
        .map(|l| LineView {
            what: l.kind.map(|k| k.label()).unwrap_or("Other").to_string(),
            memo: l.memo,
            amount: Money::new(l.amount, c).format(locale),
            incoming: l.amount > 0,
            when: format_in_zone(l.at, tz),
        })
        .collect();
    Ok(CreditView {
        credit: credit.format(locale),
        templates,
        mine,
        statement,
        manual_payments: provider(state) == Provider::Manual,
        banned: user.banned,
    })
}

/// A member starts buying a voucher, for themselves or as a gift to an address. It waits
/// for its payment: the card form (Stripe) or an admin (manual).
pub async fn buy(
    state: &AppState,
    user: &User,
    template_id: i64,
    gift_to: &str,
    message: &str,
) -> Result<i64, AppError> {
    user.not_banned()?;
    let gift_email = match gift_to.trim() {
        "" => None,
        typed => Some(EmailAddress::parse(typed).map_err(|e| AppError::invalid("gift_email", e))?),
    };
    let message = gift_message(message).map_err(|e| AppError::invalid("gift_message", e))?;
    if gift_email.is_none() && !message.is_empty() {
        return Err(AppError::invalid("gift_email", "A gift message needs the address the gift goes to."));
    }
    let template = store::template(&state.db.pool, template_id).await?.filter(|t| !t.archived).ok_or_else(|| {
        AppError::invalid("template", "That voucher is no longer on sale; pick another from the list.")
    })?;
    accounts::limit(
        state,
        &format!("voucher-buy:{}", user.id),
        HOUR,
        PURCHASES_PER_HOUR,
        "You have started many purchases in the last hour; please finish or wait a little.",
    )
    .await?;
    let provider = provider(state);
    let now = db::now();
    let mut tx = state.db.begin_write().await?;
    let id = store::insert_pending(
        &mut tx,
        &template,
        user.id,
        gift_email.as_ref().map(|e| e.as_str()),
        &message,
        provider,
        now,
    )
    .await?;
    tx.commit().await?;
    if provider == Provider::Stripe {
        let intent = stripe::create_payment_intent(
            &state.settings.payments,
            id,
            template.price.minor,
            template.price.currency.code(),
        )
        .await
        .map_err(|e| {
            tracing::error!(error = %e, voucher_id = id, "creating the payment failed");
            AppError::Conflict("The card payment could not be started. Please try again in a moment.".into())
        })?;
        store::set_payment_ref(&state.db.pool, id, &intent.id).await?;
    }
    tracing::info!(voucher_id = id, template_id, gift = gift_email.is_some(), "voucher purchase started");
    Ok(id)
}

/// The card form of the buyer's voucher that waits for its card payment.
pub async fn card_payment(
    state: &AppState,
    user: &User,
    voucher_id: i64,
    locale: Locale,
) -> Result<CardPaymentView, AppError> {
    user.not_banned()?;
    let voucher = store::get(&state.db.pool, voucher_id)
        .await?
        .filter(|v| v.buyer_id == user.id && v.provider == Provider::Stripe)
        .ok_or(AppError::NotFound)?;
    if voucher.status != VoucherStatus::PendingPayment {
        return Err(AppError::Conflict("This voucher is already paid.".into()));
    }
    let settings = &state.settings.payments;
    let intent_id = voucher
        .payment_ref
        .as_deref()
        .ok_or_else(|| AppError::Conflict("The card payment was not started; buy the voucher again.".into()))?;
    let intent = stripe::retrieve_payment_intent(settings, intent_id).await.map_err(|e| {
        tracing::error!(error = %e, voucher_id, "reading the payment failed");
        AppError::Conflict("The card provider can't be reached right now. Please try again in a moment.".into())
    })?;
    let origin = |u: &str| url::Url::parse(u).map(|u| u.origin().ascii_serialization()).unwrap_or_default();
    Ok(CardPaymentView {
        voucher_id,
        title: voucher.title.clone(),
        price: voucher.price.format(locale),
        client_secret: intent.client_secret.unwrap_or_default(),
        publishable_key: settings.stripe_publishable_key.clone(),
        js_url: settings.stripe_js_url.clone(),
        js_origin: origin(&settings.stripe_js_url),
        api_origin: origin(&settings.stripe_api_base),
    })
}

/// What finished a payment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Paid {
    /// The voucher is purchased now: its code was made and mailed.
    Now,
    /// It was already paid (a retry or a replay): nothing happened again.
    Already,
}

/// pending payment → purchased, inside `tx`: the code is made, the money recorded, the
/// expiry scheduled and the code mailed (to the gift's address, or to the buyer).
pub async fn complete_payment(tx: &mut db::Tx, voucher: &Voucher, now: i64) -> Result<Paid, AppError> {
    let code = VoucherCode::generate(&mut rand::thread_rng());
    let expires_at = now + voucher.validity_days * DAY;
    if !store::mark_paid(tx, voucher.id, &token_hash(code.canonical()), &code.hint(), expires_at, now).await? {
        return Ok(Paid::Already);
    }
    let memo = format!("{} (voucher {})", voucher.title, voucher.id);
    ledger::record(tx, &Entry::voucher_purchased(voucher.id, voucher.price, voucher.value), &memo, now).await?;
    super::jobs::schedule_expiry(tx, voucher.id, expires_at).await?;
    let buyer = db::users::by_id(&mut **tx, voucher.buyer_id).await?.ok_or(AppError::NotFound)?;
    let (to, mail) = match &voucher.gift_email {
        Some(email) => (
            email.clone(),
            VoucherMail::VoucherGift { voucher_id: voucher.id, code: code.grouped(), email: email.clone() },
        ),
        None => (buyer.email.clone(), VoucherMail::VoucherReady { voucher_id: voucher.id, code: code.grouped() }),
    };
    db::outbox::enqueue(&mut **tx, &to, &mail, now).await?;
    Ok(Paid::Now)
}

/// A member redeems a code into their credit. The check character catches a typo before
/// any lookup; attempts are limited per member and per address; of two people redeeming
/// one code at the same moment exactly one gets it (a conditional UPDATE on its status).
pub async fn redeem(state: &AppState, user: &User, ip: &str, typed: &str) -> Result<Money, AppError> {
    user.not_banned()?;
    let code = VoucherCode::parse(typed).map_err(|e| AppError::invalid("code", e))?;
    let slow_down = "You have tried many codes in the last hour; please wait a while and check the code.";
    accounts::limit(state, &format!("voucher-redeem:member:{}", user.id), HOUR, REDEEMS_PER_MEMBER_PER_HOUR, slow_down)
        .await?;
    accounts::limit(state, &format!("voucher-redeem:ip:{ip}"), HOUR, REDEEMS_PER_IP_PER_HOUR, slow_down).await?;
    let hash = token_hash(code.canonical());
    let now = db::now();
    let mut tx = state.db.begin_write().await?;
    let Some(voucher) = store::by_code_hash(&mut *tx, &hash).await? else {
        return Err(AppError::invalid("code", "We don't know that code. Please check it against your voucher."));
    };
    let value = redeem_in(&mut tx, &voucher, user.id, now).await?;
    tx.commit().await?;
    tracing::info!(voucher_id = voucher.id, member = user.id, "voucher redeemed");
    Ok(value)
}

/// The buyer of a voucher for themselves adds it to their credit without typing its code.
pub async fn redeem_own(state: &AppState, user: &User, voucher_id: i64) -> Result<Money, AppError> {
    user.not_banned()?;
    let now = db::now();
    let mut tx = state.db.begin_write().await?;
    let voucher = store::get(&mut *tx, voucher_id)
        .await?
        .filter(|v| v.buyer_id == user.id && v.gift_email.is_none())
        .ok_or(AppError::NotFound)?;
    let value = redeem_in(&mut tx, &voucher, user.id, now).await?;
    tx.commit().await?;
    Ok(value)
}

async fn redeem_in(tx: &mut db::Tx, voucher: &Voucher, member: i64, now: i64) -> Result<Money, AppError> {
    let refusal = |status: VoucherStatus| match status {
        VoucherStatus::Redeemed => "That code has already been redeemed.",
        VoucherStatus::Expired => "That voucher has expired.",
        VoucherStatus::Cancelled | VoucherStatus::Refunded => "That voucher was cancelled.",
        VoucherStatus::PendingPayment => "That voucher is not paid yet.",
        VoucherStatus::Purchased => "That voucher has expired.",
    };
    if voucher.status != VoucherStatus::Purchased || !store::mark_redeemed(tx, voucher.id, member, now).await? {
        // Read again: another redemption may have just won.
        let status = store::get(&mut **tx, voucher.id).await?.map(|v| v.status).unwrap_or(voucher.status);
        return Err(AppError::Conflict(refusal(status).into()));
    }
    let memo = format!("{} (voucher …{})", voucher.title, voucher.code_hint.clone().unwrap_or_default());
    ledger::record(tx, &Entry::voucher_redeemed(voucher.id, member, voucher.value), &memo, now).await?;
    Ok(voucher.value)
}

/// The expiry job: purchased → expired once the time has come; the value returns to the site.
pub async fn expire(state: &AppState, voucher_id: i64) -> Result<bool, AppError> {
    let now = db::now();
    let mut tx = state.db.begin_write().await?;
    let Some(voucher) = store::get(&mut *tx, voucher_id).await? else { return Ok(false) };
    if !store::mark_expired(&mut tx, voucher_id, now).await? {
        return Ok(false);
    }
    ledger::record(&mut tx, &Entry::voucher_expired(voucher.id, voucher.value), &voucher.title, now).await?;
    tx.commit().await?;
    Ok(true)
}

/// What a webhook delivery did (answered 200 in every case but a bad signature: the
/// provider must not retry what was understood).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WebhookOutcome {
    Completed(i64),
    Replayed,
    AlreadyPaid,
    Ignored(&'static str),
}

/// A verified Stripe event. `payment_intent.succeeded` for a voucher's intent, with its
/// amount and currency, completes the purchase; each event id is handled once.
pub async fn on_stripe_event(state: &AppState, event: &stripe::Event) -> Result<WebhookOutcome, AppError> {
    let now = db::now();
    let mut tx = state.db.begin_write().await?;
    if !store::first_sight(&mut tx, Provider::Stripe, &event.id, &event.kind, now).await? {
        return Ok(WebhookOutcome::Replayed);
    }
    let outcome = if event.kind != "payment_intent.succeeded" {
        WebhookOutcome::Ignored("an event this app does not act on")
    } else {
        let object = &event.data.object;
        let intent_id = object.get("id").and_then(|v| v.as_str()).unwrap_or_default();
        let amount = object.get("amount").and_then(|v| v.as_i64());
        let currency = object.get("currency").and_then(|v| v.as_str()).unwrap_or_default();
        let voucher_id = object
            .get("metadata")
            .and_then(|m| m.get("voucher_id"))
            .and_then(|v| v.as_str())
            .and_then(|v| v.parse::<i64>().ok());
        let voucher = match voucher_id {
            Some(id) => store::get(&mut *tx, id).await?,
            None => store::by_payment_ref(&mut *tx, intent_id).await?,
        };
        match voucher {
            None => WebhookOutcome::Ignored("a payment for no voucher of ours"),
            Some(v) if v.provider != Provider::Stripe => WebhookOutcome::Ignored("a voucher not paid by card"),
            // Only the intent this app created for the voucher (and recorded) completes it:
            // another system's payment on a shared account names no voucher of ours.
            Some(v) if v.payment_ref.as_deref() != Some(intent_id) => {
                WebhookOutcome::Ignored("a payment that is not this voucher's")
            }
            Some(v) if amount != Some(v.price.minor) || !currency.eq_ignore_ascii_case(v.price.currency.code()) => {
                tracing::error!(voucher_id = v.id, intent_id, ?amount, currency, "paid amount differs from the price");
                WebhookOutcome::Ignored("an amount that is not the voucher's price")
            }
            Some(v) => match complete_payment(&mut tx, &v, now).await? {
                Paid::Now => WebhookOutcome::Completed(v.id),
                Paid::Already => WebhookOutcome::AlreadyPaid,
            },
        }
    };
    tx.commit().await?;
    if matches!(outcome, WebhookOutcome::Completed(_)) {
        state.worker_wake.notify_one();
    }
    Ok(outcome)
}

// ---------------------------------------------------------------------------------------
// Admin

fn actor(admin: &User) -> audit::Actor<'_> {
    audit::Actor::Admin { id: admin.id, email: &admin.email }
}

/// Admins: templates (with archived ones) and the newest vouchers.
pub async fn admin_page(
    state: &AppState,
    admin: &User,
    locale: Locale,
    status: Option<VoucherStatus>,
) -> Result<AdminVouchersView, AppError> {
    let pool = &state.db.pool;
    let tz = zone_or_utc(&admin.time_zone);
    let templates = store::templates(pool, true).await?.iter().map(|t| template_view(t, locale)).collect();
    let mut vouchers = Vec::new();
    for v in store::all(pool, status, 200).await? {
        let buyer = db::users::by_id(pool, v.buyer_id).await?.map(|u| u.email).unwrap_or_default();
        vouchers.push(AdminVoucherView { buyer, voucher: voucher_view(&v, locale, tz, admin.id) });
    }
    Ok(AdminVouchersView { templates, vouchers, manual_payments: provider(state) == Provider::Manual })
}

/// Admins create (`id` None) or edit a template.
pub async fn save_template(
    state: &AppState,
    admin: &User,
    id: Option<i64>,
    form: &TemplateForm,
) -> Result<i64, AppError> {
    let terms = TemplateTerms::parse(
        &form.title,
        &form.description,
        &form.price,
        &form.value,
        &form.validity_days,
        currency(state),
    )
    .map_err(|e| AppError::invalid(e.field(), e))?;
    let now = db::now();
    let mut tx = state.db.begin_write().await?;
    let id = match id {
        None => store::insert_template(&mut tx, &terms, admin.id, now).await?,
        Some(id) => {
            if !store::update_template(&mut tx, id, &terms, now).await? {
                return Err(AppError::NotFound);
            }
            id
        }
    };
    let detail = format!(
        "{}: price {}, value {}, {} days",
        terms.title,
        terms.price.plain(),
        terms.value.plain(),
        terms.validity_days
    );
    audit::record(&mut *tx, actor(admin), "voucher_template.save", &format!("voucher template {id}"), &detail, now)
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// Admins take a template off sale (or put it back).
pub async fn archive_template(state: &AppState, admin: &User, id: i64, archived: bool) -> Result<(), AppError> {
    let now = db::now();
    let mut tx = state.db.begin_write().await?;
    if !store::set_archived(&mut tx, id, archived.then_some(now)).await? {
        return Err(AppError::NotFound);
    }
    let action = if archived { "voucher_template.archive" } else { "voucher_template.restore" };
    audit::record(&mut *tx, actor(admin), action, &format!("voucher template {id}"), "", now).await?;
    tx.commit().await?;
    Ok(())
}

/// Admins move a voucher along an arrow the state machine allows: mark a manual purchase
/// paid, cancel a purchased voucher, refund a cancelled one (through the card provider
/// when it was paid by card).
pub async fn transition(
    state: &AppState,
    admin: &User,
    voucher_id: i64,
    t: Transition,
) -> Result<VoucherStatus, AppError> {
    let pool = &state.db.pool;
    let voucher = store::get(pool, voucher_id).await?.ok_or(AppError::NotFound)?;
    let next = voucher.status.after(t).map_err(|e| AppError::Conflict(e.to_string()))?;
    if !voucher.status.admin_transitions().contains(&t) {
        return Err(AppError::Conflict(format!("Admins can't apply \"{}\" to a voucher.", t.as_str())));
    }
    let now = db::now();
    // A card refund happens at the provider first (its key makes a retry safe); the
    // voucher is marked refunded once the provider said yes.
    let refund_ref = if t == Transition::Refund && voucher.provider == Provider::Stripe {
        let intent = voucher
            .payment_ref
            .as_deref()
            .ok_or_else(|| AppError::Conflict("This voucher has no card payment to refund.".into()))?;
        let refund = stripe::refund(&state.settings.payments, voucher.id, intent).await.map_err(|e| {
            tracing::error!(error = %e, voucher_id, "refund failed");
            AppError::Conflict("The card provider did not accept the refund; nothing changed. Try again later.".into())
        })?;
        if !matches!(refund.status.as_str(), "succeeded" | "pending") {
            tracing::error!(voucher_id, status = %refund.status, "refund not accepted");
            return Err(AppError::Conflict(format!(
                "The card provider answered \"{}\" to the refund; nothing changed here. Try again later.",
                refund.status
            )));
        }
        Some(refund.id)
    } else {
        None
    };
    let mut tx = state.db.begin_write().await?;
    let changed = match t {
        Transition::Pay => {
            if voucher.provider != Provider::Manual {
                return Err(AppError::Conflict(
                    "A card purchase is paid only when the card provider confirms it.".into(),
                ));
            }
            complete_payment(&mut tx, &voucher, now).await? == Paid::Now
        }
        Transition::Cancel => {
            let ok = store::mark_cancelled(&mut tx, voucher.id, now).await?;
            if ok {
                let entry = Entry::voucher_cancelled(voucher.id, voucher.price, voucher.value);
                ledger::record(&mut tx, &entry, &voucher.title, now).await?;
            }
            ok
        }
        Transition::Refund => {
            let ok = store::mark_refunded(&mut tx, voucher.id, refund_ref.as_deref(), now).await?;
            if ok {
                ledger::record(&mut tx, &Entry::voucher_refunded(voucher.id, voucher.price), &voucher.title, now)
                    .await?;
                let buyer = db::users::by_id(&mut *tx, voucher.buyer_id).await?.ok_or(AppError::NotFound)?;
                db::outbox::enqueue(
                    &mut *tx,
                    &buyer.email,
                    &VoucherMail::VoucherRefunded { voucher_id: voucher.id },
                    now,
                )
                .await?;
            }
            ok
        }
        Transition::Redeem | Transition::Expire => false,
    };
    if !changed {
        return Err(AppError::Conflict("Someone changed this voucher a moment ago; look at it again.".into()));
    }
    audit::record(
        &mut *tx,
        actor(admin),
        &format!("voucher.{}", t.as_str()),
        &format!("voucher {voucher_id}"),
        "",
        now,
    )
    .await?;
    tx.commit().await?;
    state.worker_wake.notify_one();
    Ok(next)
}
