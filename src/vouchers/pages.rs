//! Vouchers' pages: the member's credit and vouchers (buy, give, redeem, statement), the
//! redeem page a gift mail links to, and the admins' templates and vouchers. Server
//! rendered; forms post without JavaScript.
use super::api::*;
use super::domain::VoucherStatus;
use super::types::*;
use crate::core::error::AppError;
use crate::ui::components::form::{action_error, typed, FormError, Submit};
use crate::ui::components::layout::{PageProblem, Section};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// Credit and vouchers in the navigation and on the home page.
pub const SECTION: Section = Section {
    href: "/vouchers",
    icon: "🎟️",
    label: "Credit",
    title: "Credit & vouchers",
    blurb: "Buy or give vouchers; your credit pays event tickets.",
};

#[component]
fn Problem(error: AppError) -> impl IntoView {
    view! { <PageProblem error not_found="We couldn't find that voucher." back_href="/vouchers" back_label="Back to your credit" /> }
}

fn loading(what: &'static str) -> impl IntoView {
    view! { <p class="loading" role="status">{what}</p> }
}

#[component]
pub fn VouchersPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_credit_page());
    let query = use_query_map();
    let redeemed = move || query.read().get("redeemed").is_some();
    let bought = move || query.read().get("bought").is_some();
    let paid = move || query.read().get("paid").is_some();
    view! {
        <Title text="Credit & vouchers · Hearth" />
        <h1>"Credit & vouchers"</h1>
        <Suspense fallback=|| loading("Loading your credit…")>
            {move || {
                data.get()
                    .map(|r| match r {
                        Ok(page) => view! {
                            {redeemed().then(|| view! { <p class="notice" role="status">"Added to your credit."</p> })}
                            {bought().then(|| {
                                let text = if page.manual_payments {
                                    "Thank you! Your voucher waits for an admin to confirm the payment; its code is mailed once it is paid."
                                } else {
                                    "Thank you! The code is mailed once the payment is confirmed."
                                };
                                view! { <p class="notice" role="status">{text}</p> }
                            })}
                            {paid().then(|| view! { <p class="notice" role="status">"Payment sent. Your voucher's code arrives by mail as soon as the card provider confirms it."</p> })}
                            <Credit page=page.clone() />
                            <RedeemForm code=String::new() />
                            <BuyList page=page.clone() />
                            <MyVouchers items=page.mine.clone() />
                            <Statement lines=page.statement.clone() />
                        }
                        .into_any(),
                        Err(AppError::Unauthorized) => view! { <VouchersIntro /> }.into_any(),
                        Err(e) => view! { <Problem error=e /> }.into_any(),
                    })
            }}
        </Suspense>
    }
}

#[component]
fn VouchersIntro() -> impl IntoView {
    view! {
        <section class="card">
            <p class="big-icon" aria-hidden="true">"🎟️"</p>
            <p class="lead">"Vouchers carry credit; credit pays tickets to paid events."</p>
            <ul>
                <li>"Buy a voucher for yourself, or send one as a gift to any email address."</li>
                <li>"Got a code? Redeem it into your credit."</li>
            </ul>
            <p class="actions">
                <a class="button primary" href="/signup?next=/vouchers">"Create an account"</a>
                <a class="button" href="/login?next=/vouchers">"Log in"</a>
            </p>
        </section>
    }
}

#[component]
fn Credit(page: CreditView) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Your credit"</h2>
            <p class="credit" data-testid="credit">{page.credit}</p>
            <p class="hint">"Credit pays tickets to paid events. It never expires."</p>
            {page.banned.then(|| view! { <p class="form-error" role="alert">"An admin has suspended your account: you can't buy vouchers."</p> })}
        </section>
    }
}

#[component]
fn RedeemForm(code: String) -> impl IntoView {
    let redeem = ServerAction::<RedeemVoucher>::new();
    let error = action_error(redeem);
    let typed_code = typed("code");
    let value = move || if code.is_empty() { typed_code.get() } else { code.clone() };
    let invalid = move || error.get().is_some_and(|e| e.field() == Some("code"));
    view! {
        <section class="card">
            <h2>"Redeem a code"</h2>
            <ActionForm action=redeem>
                <FormError error />
                <div class="field">
                    <label for="r-code">"Voucher code"</label>
                    <input id="r-code" name="code" type="text" required autocomplete="off" autocapitalize="characters"
                        spellcheck="false" inputmode="text" aria-describedby="r-code-hint"
                        aria-invalid=move || invalid().to_string() value=value />
                    <p class="hint" id="r-code-hint">"16 letters and digits, like ABCD-EFGH-JKMN-PQRS. Dashes and spaces are optional."</p>
                </div>
                <Submit label="Redeem" busy_label="Redeeming…" />
            </ActionForm>
        </section>
    }
}

#[component]
fn BuyList(page: CreditView) -> impl IntoView {
    if page.templates.is_empty() {
        return view! {
            <section class="card empty-state"><h2>"Buy a voucher"</h2><p>"No vouchers are on sale right now."</p></section>
        }
        .into_any();
    }
    let buy = ServerAction::<BuyVoucher>::new();
    let error = action_error(buy);
    let gift_email = typed("gift_email");
    view! {
        <section class="card">
            <h2>"Buy a voucher"</h2>
            {page.manual_payments.then(|| view! { <p class="hint">"Payments are confirmed by an admin on this site; the code is mailed once paid."</p> })}
            <FormError error />
            <ul class="plain-list">
                {page.templates.into_iter().map(|t| {
                    let id = format!("buy-{}", t.id);
                    let gift_id = format!("gift-{}", t.id);
                    let msg_id = format!("msg-{}", t.id);
                    view! {
                        <li class="voucher-offer">
                            <h3>{t.title.clone()}</h3>
                            {(!t.description.is_empty()).then(|| view! { <p>{t.description.clone()}</p> })}
                            <p><strong>{format!("{} credit for {}", t.value, t.price)}</strong>{format!(" · valid {} days", t.validity_days)}</p>
                            <ActionForm action=buy attr:id=id>
                                <input type="hidden" name="template" value=t.id />
                                <div class="field">
                                    <label for=gift_id.clone()>"Gift to (optional)"</label>
                                    <input id=gift_id name="gift_email" type="email" autocomplete="off" value=move || gift_email.get()
                                        placeholder="friend@example.com" />
                                </div>
                                <div class="field">
                                    <label for=msg_id.clone()>"Gift message (optional)"</label>
                                    <textarea id=msg_id name="gift_message" rows="2" maxlength="280"></textarea>
                                </div>
                                <Submit label="Buy" busy_label="Buying…" />
                            </ActionForm>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
    .into_any()
}

#[component]
fn MyVouchers(items: Vec<VoucherView>) -> impl IntoView {
    if items.is_empty() {
        return view! { <section class="card empty-state"><h2>"Your vouchers"</h2><p>"You haven't bought a voucher yet."</p></section> }
            .into_any();
    }
    let add = ServerAction::<AddVoucherToCredit>::new();
    let error = action_error(add);
    view! {
        <section class="card">
            <h2>"Your vouchers"</h2>
            <FormError error />
            <ul class="plain-list">
                {items.into_iter().map(|v| {
                    let to = v.gift_to.clone().map(|e| format!("Gift to {e}")).unwrap_or_else(|| "For you".into());
                    view! {
                        <li class="voucher">
                            <strong>{v.title.clone()}</strong>
                            <span>{format!(" · {} · {} · {}", v.value, to, v.status_label)}</span>
                            {v.code_hint.clone().map(|h| view! { <span class="hint">{format!(" · code …{h}")}</span> })}
                            {v.expires.clone().filter(|_| v.status == VoucherStatus::Purchased).map(|e| view! { <span class="hint">{format!(" · until {e}")}</span> })}
                            {v.may_add_to_credit.then(|| view! {
                                <ActionForm action=add attr:class="inline-form">
                                    <input type="hidden" name="voucher" value=v.id />
                                    <Submit label="Add to my credit" busy_label="Adding…" />
                                </ActionForm>
                            })}
                            {v.pays_by_card.then(|| view! { <a class="button" href=format!("/vouchers/{}/pay", v.id)>"Pay by card"</a> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
    .into_any()
}

#[component]
fn Statement(lines: Vec<LineView>) -> impl IntoView {
    if lines.is_empty() {
        return ().into_any();
    }
    view! {
        <section class="card">
            <h2>"Credit history"</h2>
            <ul class="plain-list statement">
                {lines.into_iter().map(|l| view! {
                    <li>
                        <span>{format!("{} · {}", l.when, l.what)}</span>
                        <span class="hint">{format!(" {}", l.memo)}</span>
                        <strong class=if l.incoming { "amount in" } else { "amount out" }>{format!(" {}", l.amount)}</strong>
                    </li>
                }).collect_view()}
            </ul>
        </section>
    }
    .into_any()
}

/// `/vouchers/redeem?code=…`: the page a voucher's mail links to, the code filled in.
#[component]
pub fn RedeemPage() -> impl IntoView {
    let query = use_query_map();
    let code = move || query.read().get("code").unwrap_or_default();
    let data = Resource::new(|| (), |_| get_credit_page());
    view! {
        <Title text="Redeem a voucher · Hearth" />
        <h1>"Redeem a voucher"</h1>
        <Suspense fallback=|| loading("Loading…")>
            {move || data.get().map(|r| match r {
                Ok(page) => view! {
                    <Credit page />
                    <RedeemForm code=code() />
                }.into_any(),
                Err(e) => view! { <Problem error=e /> }.into_any(),
            })}
        </Suspense>
    }
}

/// `/vouchers/:id/pay`: a voucher waiting for its card payment.
#[component]
pub fn CardPaymentPage() -> impl IntoView {
    let params = use_params_map();
    let data = Resource::new(
        move || params.read().get("id").and_then(|s| s.parse::<i64>().ok()).unwrap_or(0),
        get_card_payment,
    );
    view! {
        <Title text="Pay by card · Hearth" />
        <h1>"Pay by card"</h1>
        <Suspense fallback=|| loading("Starting the payment…")>
            {move || data.get().map(|r| match r {
                Ok(p) => {
                    crate::platform::allow_card_provider(&p.js_origin, &p.api_origin);
                    let nonce = leptos::nonce::use_nonce();
                    view! {
                        <section class="card">
                            <p><strong>{format!("{} · {}", p.title, p.price)}</strong></p>
                            <form id="card-form" data-key=p.publishable_key.clone() data-secret=p.client_secret.clone()
                                data-done=format!("/vouchers?paid={}", p.voucher_id)>
                                <label for="card-element">"Card"</label>
                                <div id="card-element" class="card-element"></div>
                                <p id="card-error" class="form-error" role="alert" aria-live="assertive"></p>
                                <noscript><p class="form-error">"Paying by card needs JavaScript in this browser."</p></noscript>
                                <button type="submit" class="button primary">{format!("Pay {}", p.price)}</button>
                            </form>
                            <p class="hint">"Card details go to the card provider, never to Hearth. Your voucher's code is mailed as soon as the provider confirms the payment."</p>
                            <p><a href="/vouchers">"Back to your credit"</a></p>
                        </section>
                        <script src=p.js_url.clone() nonce=nonce.clone()></script>
                        <script src="/pay.js" nonce=nonce></script>
                    }
                    .into_any()
                }
                Err(e) => view! { <Problem error=e /> }.into_any(),
            })}
        </Suspense>
    }
}

// ---------------------------------------------------------------------------------------
// Admin

/// `/admin/vouchers`: templates (create, edit, take off sale) and vouchers (allowed
/// transitions only). 404 for anyone but an admin.
#[component]
pub fn AdminVouchersPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(move || query.read().get("status"), get_admin_vouchers);
    view! {
        <Title text="Vouchers · Admin · Hearth" />
        <p><a href="/admin">"← Admin"</a></p>
        <h1>"Vouchers"</h1>
        <Suspense fallback=|| loading("Loading…")>
            {move || data.get().map(|r| match r {
                Ok(page) => view! {
                    {query.read().get("saved").is_some().then(|| view! { <p class="notice" role="status">"Template saved."</p> })}
                    <TemplateEditor template=None />
                    <AdminTemplates items=page.templates.clone() />
                    <AdminVoucherList items=page.vouchers.clone() />
                }.into_any(),
                Err(e) => view! { <PageProblem error=e not_found="This page does not exist." back_href="/" back_label="Home" /> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn TemplateEditor(template: Option<TemplateView>) -> impl IntoView {
    let save = ServerAction::<SaveVoucherTemplate>::new();
    let error = action_error(save);
    let scope = template.as_ref().map(|t| format!("t{}", t.id)).unwrap_or_else(|| "new".into());
    let t = template.clone();
    let given = move |f: fn(&TemplateView) -> String, name: &'static str| {
        let t = t.clone();
        let typed = typed(name);
        move || t.as_ref().map(f).unwrap_or_else(|| typed.get())
    };
    let invalid = move |name: &'static str| move || error.get().is_some_and(|e| e.field() == Some(name)).to_string();
    let field_id = move |name: &str| format!("{scope}-{name}");
    view! {
        <section class="card">
            <h2>{if template.is_some() { "Edit template" } else { "New voucher template" }}</h2>
            <ActionForm action=save>
                <FormError error />
                {template.as_ref().map(|t| view! { <input type="hidden" name="id" value=t.id /> })}
                <div class="field">
                    <label for=field_id("title")>"Title"</label>
                    <input id=field_id("title") name="title" type="text" required maxlength="80" aria-invalid=invalid("title") value=given(|t| t.title.clone(), "title") />
                </div>
                <div class="field">
                    <label for=field_id("description")>"Description (optional)"</label>
                    <input id=field_id("description") name="description" type="text" maxlength="500" aria-invalid=invalid("description") value=given(|t| t.description.clone(), "description") />
                </div>
                <div class="field">
                    <label for=field_id("price")>"Price"</label>
                    <input id=field_id("price") name="price" type="text" inputmode="decimal" required aria-invalid=invalid("price") value=given(|t| t.price_plain.clone(), "price") />
                </div>
                <div class="field">
                    <label for=field_id("value")>"Credit value (empty: same as the price)"</label>
                    <input id=field_id("value") name="value" type="text" inputmode="decimal" aria-invalid=invalid("value") value=given(|t| t.value_plain.clone(), "value") />
                </div>
                <div class="field">
                    <label for=field_id("validity_days")>"Valid for (days)"</label>
                    <input id=field_id("validity_days") name="validity_days" type="number" min="1" max="3660" inputmode="numeric" required aria-invalid=invalid("validity_days") value=given(|t| t.validity_days.to_string(), "validity_days") />
                </div>
                <Submit label="Save template" busy_label="Saving…" />
            </ActionForm>
        </section>
    }
}

#[component]
fn AdminTemplates(items: Vec<TemplateView>) -> impl IntoView {
    let archive = ServerAction::<ArchiveVoucherTemplate>::new();
    let error = action_error(archive);
    view! {
        <section class="card">
            <h2>"Templates"</h2>
            <FormError error />
            {items.is_empty().then(|| view! { <p class="empty-state">"No template yet: create the first one above."</p> })}
            <ul class="plain-list">
                {items.into_iter().map(|t| view! {
                    <li>
                        <details>
                            <summary>
                                <span>
                                    <strong>{t.title.clone()}</strong>
                                    {format!(" · {} for {} · {} days{}", t.value, t.price, t.validity_days, if t.archived { " · off sale" } else { "" })}
                                </span>
                            </summary>
                            <TemplateEditor template=Some(t.clone()) />
                        </details>
                        <ActionForm action=archive attr:class="inline-form">
                            <input type="hidden" name="id" value=t.id />
                            <input type="hidden" name="archived" value=if t.archived { "no" } else { "yes" } />
                            <Submit label=if t.archived { "Put back on sale" } else { "Take off sale" } busy_label="Saving…" />
                        </ActionForm>
                    </li>
                }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn AdminVoucherList(items: Vec<AdminVoucherView>) -> impl IntoView {
    let change = ServerAction::<VoucherTransition>::new();
    let error = action_error(change);
    view! {
        <section class="card">
            <h2>"Vouchers"</h2>
            <p class="hint">
                "Show: " <a href="/admin/vouchers">"all"</a>
                {VoucherStatus::ALL.into_iter().map(|s| view! { " · " <a href=format!("/admin/vouchers?status={}", s.as_str())>{s.label()}</a> }).collect_view()}
            </p>
            <FormError error />
            {items.is_empty().then(|| view! { <p class="empty-state">"No vouchers here."</p> })}
            <ul class="plain-list">
                {items.into_iter().map(|a| {
                    let v = a.voucher;
                    let to = v.gift_to.clone().map(|e| format!(" → {e}")).unwrap_or_default();
                    view! {
                        <li class="voucher" data-voucher=v.id>
                            <strong>{format!("#{} {}", v.id, v.title)}</strong>
                            {format!(" · {} · {}{} · {}", v.value, a.buyer, to, v.status_label)}
                            {v.code_hint.clone().map(|h| format!(" · …{h}"))}
                            {v.transitions.clone().into_iter().map(|t| view! {
                                <ActionForm action=change attr:class="inline-form">
                                    <input type="hidden" name="voucher" value=v.id />
                                    <input type="hidden" name="transition" value=t.as_str() />
                                    <Submit label=t.button() busy_label="Saving…" />
                                </ActionForm>
                            }).collect_view()}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}
