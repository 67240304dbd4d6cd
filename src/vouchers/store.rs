//! Vouchers' tables: templates, vouchers, the payment provider's events seen. Functions
//! take an executor or a transaction. Every status change is one conditional UPDATE on the
//! status it leaves, so of two racing changes exactly one happens.
use super::domain::{TemplateTerms, VoucherStatus};
use crate::core::db::Tx;
use crate::core::domain::money::{Currency, Money};
use sqlx::{Any, Executor};

#[derive(Clone, Debug)]
pub struct Template {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub price: Money,
    pub value: Money,
    pub validity_days: i64,
    pub archived: bool,
}

type TemplateRow = (i64, String, String, i64, i64, String, i64, Option<i64>);
const TEMPLATE_COLUMNS: &str = "id, title, description, price, value, currency, validity_days, archived_at";

fn template_of((id, title, description, price, value, currency, validity_days, archived_at): TemplateRow) -> Template {
    let c = Currency::from_code(&currency).unwrap_or(Currency::Eur);
    Template {
        id,
        title,
        description,
        price: Money::new(price, c),
        value: Money::new(value, c),
        validity_days,
        archived: archived_at.is_some(),
    }
}

/// Templates on sale (or all, for admins), oldest first.
pub async fn templates<'e>(
    ex: impl Executor<'e, Database = Any>,
    with_archived: bool,
) -> Result<Vec<Template>, sqlx::Error> {
    let sql =
        format!("SELECT {TEMPLATE_COLUMNS} FROM voucher_templates WHERE ($1 = 1 OR archived_at IS NULL) ORDER BY id");
    let rows: Vec<TemplateRow> = sqlx::query_as(&sql).bind(i64::from(with_archived)).fetch_all(ex).await?;
    Ok(rows.into_iter().map(template_of).collect())
}

pub async fn template<'e>(ex: impl Executor<'e, Database = Any>, id: i64) -> Result<Option<Template>, sqlx::Error> {
    let sql = format!("SELECT {TEMPLATE_COLUMNS} FROM voucher_templates WHERE id = $1");
    Ok(sqlx::query_as::<_, TemplateRow>(&sql).bind(id).fetch_optional(ex).await?.map(template_of))
}

pub async fn insert_template(tx: &mut Tx, t: &TemplateTerms, by: i64, now: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO voucher_templates (title, description, price, value, currency, validity_days, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
    )
    .bind(&t.title)
    .bind(&t.description)
    .bind(t.price.minor)
    .bind(t.value.minor)
    .bind(t.price.currency.code())
    .bind(t.validity_days)
    .bind(by)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
}

/// Vouchers already sold keep their own copy of the terms.
pub async fn update_template(tx: &mut Tx, id: i64, t: &TemplateTerms, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE voucher_templates SET title = $2, description = $3, price = $4, value = $5, validity_days = $6, updated_at = $7
         WHERE id = $1",
    )
    .bind(id)
    .bind(&t.title)
    .bind(&t.description)
    .bind(t.price.minor)
    .bind(t.value.minor)
    .bind(t.validity_days)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_archived(tx: &mut Tx, id: i64, archived_at: Option<i64>) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE voucher_templates SET archived_at = $2 WHERE id = $1")
        .bind(id)
        .bind(archived_at)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// How a voucher is paid for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Provider {
    /// An admin marks it paid (no card provider configured).
    Manual,
    Stripe,
}

impl Provider {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::Stripe => "stripe",
        }
    }

    fn parse(s: &str) -> Self {
        if s == "stripe" {
            Self::Stripe
        } else {
            Self::Manual
        }
    }
}

#[derive(Clone, Debug)]
pub struct Voucher {
    pub id: i64,
    pub title: String,
    pub price: Money,
    pub value: Money,
    pub validity_days: i64,
    pub status: VoucherStatus,
    pub buyer_id: i64,
    pub gift_email: Option<String>,
    pub gift_message: String,
    pub code_hint: Option<String>,
    pub provider: Provider,
    pub payment_ref: Option<String>,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub redeemed_by: Option<i64>,
}

type VoucherRow = (
    i64,
    String,
    i64,
    i64,
    String,
    i64,
    String,
    i64,
    Option<String>,
    String,
    Option<String>,
    String,
    Option<String>,
    i64,
    Option<i64>,
    Option<i64>,
);
const VOUCHER_COLUMNS: &str = "id, title, price, value, currency, validity_days, status, buyer_id, gift_email, \
     gift_message, code_hint, provider, payment_ref, created_at, expires_at, redeemed_by";

fn voucher_of(r: VoucherRow) -> Voucher {
    let c = Currency::from_code(&r.4).unwrap_or(Currency::Eur);
    Voucher {
        id: r.0,
        title: r.1,
        price: Money::new(r.2, c),
        value: Money::new(r.3, c),
        validity_days: r.5,
        status: VoucherStatus::parse(&r.6).unwrap_or(VoucherStatus::Cancelled),
        buyer_id: r.7,
        gift_email: r.8,
        gift_message: r.9,
        code_hint: r.10,
        provider: Provider::parse(&r.11),
        payment_ref: r.12,
        created_at: r.13,
        expires_at: r.14,
        redeemed_by: r.15,
    }
}

async fn one_where<'e>(
    ex: impl Executor<'e, Database = Any>,
    condition: &str,
    value: impl ToString,
) -> Result<Option<Voucher>, sqlx::Error> {
    let sql = format!("SELECT {VOUCHER_COLUMNS} FROM vouchers WHERE {condition} = $1");
    Ok(sqlx::query_as::<_, VoucherRow>(&sql).bind(value.to_string()).fetch_optional(ex).await?.map(voucher_of))
}

pub async fn get<'e>(ex: impl Executor<'e, Database = Any>, id: i64) -> Result<Option<Voucher>, sqlx::Error> {
    let sql = format!("SELECT {VOUCHER_COLUMNS} FROM vouchers WHERE id = $1");
    Ok(sqlx::query_as::<_, VoucherRow>(&sql).bind(id).fetch_optional(ex).await?.map(voucher_of))
}

pub async fn by_code_hash<'e>(
    ex: impl Executor<'e, Database = Any>,
    hash: &str,
) -> Result<Option<Voucher>, sqlx::Error> {
    one_where(ex, "code_hash", hash).await
}

pub async fn by_payment_ref<'e>(
    ex: impl Executor<'e, Database = Any>,
    payment_ref: &str,
) -> Result<Option<Voucher>, sqlx::Error> {
    one_where(ex, "payment_ref", payment_ref).await
}

/// What a member bought, newest first.
pub async fn of_buyer<'e>(ex: impl Executor<'e, Database = Any>, buyer: i64) -> Result<Vec<Voucher>, sqlx::Error> {
    let sql = format!("SELECT {VOUCHER_COLUMNS} FROM vouchers WHERE buyer_id = $1 ORDER BY id DESC LIMIT 100");
    let rows: Vec<VoucherRow> = sqlx::query_as(&sql).bind(buyer).fetch_all(ex).await?;
    Ok(rows.into_iter().map(voucher_of).collect())
}

/// Every voucher for admins, newest first; `status` filters.
pub async fn all<'e>(
    ex: impl Executor<'e, Database = Any>,
    status: Option<VoucherStatus>,
    limit: i64,
) -> Result<Vec<Voucher>, sqlx::Error> {
    let sql =
        format!("SELECT {VOUCHER_COLUMNS} FROM vouchers WHERE ($1 = '' OR status = $1) ORDER BY id DESC LIMIT $2");
    let rows: Vec<VoucherRow> =
        sqlx::query_as(&sql).bind(status.map(|s| s.as_str()).unwrap_or("")).bind(limit).fetch_all(ex).await?;
    Ok(rows.into_iter().map(voucher_of).collect())
}

/// A purchase waiting for its payment: the template's terms copied.
pub async fn insert_pending(
    tx: &mut Tx,
    t: &Template,
    buyer: i64,
    gift_email: Option<&str>,
    gift_message: &str,
    provider: Provider,
    now: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO vouchers (template_id, title, price, value, currency, validity_days, status, buyer_id, gift_email,
             gift_message, provider, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'pending_payment', $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(t.id)
    .bind(&t.title)
    .bind(t.price.minor)
    .bind(t.value.minor)
    .bind(t.price.currency.code())
    .bind(t.validity_days)
    .bind(buyer)
    .bind(gift_email)
    .bind(gift_message)
    .bind(provider.as_str())
    .bind(now)
    .fetch_one(&mut **tx)
    .await
}

pub async fn set_payment_ref<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
    payment_ref: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE vouchers SET payment_ref = $2 WHERE id = $1 AND payment_ref IS NULL")
        .bind(id)
        .bind(payment_ref)
        .execute(ex)
        .await?;
    Ok(())
}

/// pending_payment → purchased, with its code (hash and last group) and expiry.
pub async fn mark_paid(
    tx: &mut Tx,
    id: i64,
    code_hash: &str,
    code_hint: &str,
    expires_at: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE vouchers SET status = 'purchased', code_hash = $2, code_hint = $3, expires_at = $4, purchased_at = $5
         WHERE id = $1 AND status = 'pending_payment'",
    )
    .bind(id)
    .bind(code_hash)
    .bind(code_hint)
    .bind(expires_at)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// purchased (and not yet expired) → redeemed by `member`.
pub async fn mark_redeemed(tx: &mut Tx, id: i64, member: i64, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE vouchers SET status = 'redeemed', redeemed_by = $2, redeemed_at = $3
         WHERE id = $1 AND status = 'purchased' AND expires_at > $3",
    )
    .bind(id)
    .bind(member)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// purchased → expired, once its expiry has passed.
pub async fn mark_expired(tx: &mut Tx, id: i64, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE vouchers SET status = 'expired' WHERE id = $1 AND status = 'purchased' AND expires_at <= $2",
    )
    .bind(id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// purchased → cancelled.
pub async fn mark_cancelled(tx: &mut Tx, id: i64, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE vouchers SET status = 'cancelled', cancelled_at = $2 WHERE id = $1 AND status = 'purchased'",
    )
    .bind(id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// cancelled → refunded (`refund_ref`: the provider's refund id).
pub async fn mark_refunded(tx: &mut Tx, id: i64, refund_ref: Option<&str>, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE vouchers SET status = 'refunded', refund_ref = $2, refunded_at = $3 WHERE id = $1 AND status = 'cancelled'",
    )
    .bind(id)
    .bind(refund_ref)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records a provider's event id; false when it was seen before (a replay).
pub async fn first_sight(
    tx: &mut Tx,
    provider: Provider,
    event_id: &str,
    kind: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let id: Option<String> = sqlx::query_scalar(
        "INSERT INTO payment_events (provider, event_id, event_type, received_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (provider, event_id) DO NOTHING RETURNING event_id",
    )
    .bind(provider.as_str())
    .bind(event_id)
    .bind(kind)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(id.is_some())
}
