//! Vouchers' wire types: what the server functions return and the pages show. Amounts
//! arrive formatted for the reader's locale (the server reads their languages).
use super::domain::{Transition, VoucherStatus};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateView {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub price: String,
    pub value: String,
    /// As the edit form shows them ("8.50").
    pub price_plain: String,
    pub value_plain: String,
    pub validity_days: i64,
    pub archived: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoucherView {
    pub id: i64,
    pub title: String,
    pub value: String,
    pub price: String,
    pub status: VoucherStatus,
    pub status_label: String,
    pub gift_to: Option<String>,
    /// The last group of the code ("…WXYZ"), once paid.
    pub code_hint: Option<String>,
    pub expires: Option<String>,
    pub bought: String,
    /// The buyer's own, paid voucher: one tap adds it to their credit.
    pub may_add_to_credit: bool,
    /// Waiting for a card payment.
    pub pays_by_card: bool,
    /// What an admin may do with it.
    pub transitions: Vec<Transition>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineView {
    pub what: String,
    pub memo: String,
    pub amount: String,
    pub incoming: bool,
    pub when: String,
}

/// `/vouchers`: the member's credit and vouchers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditView {
    pub credit: String,
    pub templates: Vec<TemplateView>,
    pub mine: Vec<VoucherView>,
    pub statement: Vec<LineView>,
    /// No card provider: an admin confirms payments.
    pub manual_payments: bool,
    pub banned: bool,
}

/// What the card payment page needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardPaymentView {
    pub voucher_id: i64,
    pub title: String,
    pub price: String,
    pub client_secret: String,
    pub publishable_key: String,
    pub js_url: String,
    /// Origins the page's Content-Security-Policy lets in: Stripe.js and Stripe's API.
    pub js_origin: String,
    pub api_origin: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminVoucherView {
    pub buyer: String,
    pub voucher: VoucherView,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminVouchersView {
    pub templates: Vec<TemplateView>,
    pub vouchers: Vec<AdminVoucherView>,
    pub manual_payments: bool,
}

/// A template as typed in the admin form.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateForm {
    pub title: String,
    pub description: String,
    pub price: String,
    pub value: String,
    pub validity_days: String,
}
