//! `/admin`: accounts (ban, unban), dead-lettered mail (retry), a member's ledger, the
//! audit log, and links to each gathering's admin page. Admins only: a 404 for anyone else.
use crate::core::api::admin::*;
use crate::core::error::AppError;
use crate::ui::components::form::{action_error, FormError, Submit};
use crate::ui::components::layout::{admin_sections, PageProblem};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn AdminPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(
        move || {
            let q = query.read();
            (q.get("search"), q.get("ledger_of"))
        },
        |(search, ledger_of)| get_admin_home(search, ledger_of),
    );
    view! {
        <Title text="Admin · Hearth" />
        <h1>"Admin"</h1>
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            {move || data.get().map(|r| match r {
                Ok(home) => view! {
                    <nav class="card" aria-label="Admin pages">
                        <ul class="plain-list">
                            {admin_sections().iter().map(|(href, label)| view! { <li><a href=*href>{*label}</a></li> }).collect_view()}
                        </ul>
                    </nav>
                    <Users users=home.users.clone() />
                    <Ledger ledger=home.member_ledger.clone() />
                    <DeadMail items=home.dead_mail.clone() />
                    <AuditLog items=home.audit_log.clone() />
                }.into_any(),
                Err(AppError::Invalid { message, .. }) => view! {
                    <p class="form-error" role="alert">{message}</p>
                    <p><a href="/admin">"Back to admin"</a></p>
                }.into_any(),
                Err(e) => view! { <PageProblem error=e not_found="This page does not exist." back_href="/" back_label="Home" /> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn Users(users: Vec<UserRow>) -> impl IntoView {
    let ban = ServerAction::<AdminSetBanned>::new();
    let error = action_error(ban);
    let search = crate::ui::components::form::typed("search");
    let q = use_query_map();
    view! {
        <section class="card">
            <h2>"Accounts"</h2>
            <form method="get" action="/admin" class="inline-form">
                <label for="a-search">"Find by address or name"</label>
                <input id="a-search" name="search" type="search" value=move || q.read().get("search").unwrap_or_else(|| search.get()) />
                <button type="submit" class="button">"Search"</button>
            </form>
            <FormError error />
            {users.is_empty().then(|| view! { <p class="empty-state">"No account matches."</p> })}
            <ul class="plain-list">
                {users.into_iter().map(|u| {
                    let flags = [
                        u.admin.then_some("admin"),
                        (!u.verified).then_some("unverified"),
                        u.banned.then_some("banned"),
                    ].into_iter().flatten().collect::<Vec<_>>().join(", ");
                    view! {
                        <li data-user=u.id>
                            <strong>{u.display_name.clone()}</strong>
                            {format!(" <{}>{}", u.email, if flags.is_empty() { String::new() } else { format!(" · {flags}") })}
                            " " <a href=format!("/admin?ledger_of={}", crate::core::domain::links::query_value(&u.email))>"Ledger"</a>
                            <ActionForm action=ban attr:class="inline-form">
                                <input type="hidden" name="user" value=u.id />
                                <input type="hidden" name="banned" value=if u.banned { "no" } else { "yes" } />
                                <Submit label=if u.banned { "Unban" } else { "Ban" } busy_label="Saving…" />
                            </ActionForm>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn Ledger(ledger: Option<MemberLedger>) -> impl IntoView {
    let Some(l) = ledger else { return ().into_any() };
    let lines = |rows: Vec<LedgerRow>| {
        if rows.is_empty() {
            return view! { <p class="empty-state">"No movements."</p> }.into_any();
        }
        view! {
            <ul class="plain-list statement">
                {rows.into_iter().map(|r| view! { <li>{format!("{} · {} · {} · {}", r.when, r.what, r.memo, r.amount)}</li> }).collect_view()}
            </ul>
        }
        .into_any()
    };
    view! {
        <section class="card">
            <h2>{format!("Ledger of {}", l.email)}</h2>
            <p>{format!("Credit: {} · Ticket earnings: {}", l.credit, l.earnings)}</p>
            <h3>"Credit"</h3>
            {lines(l.credit_lines)}
            <h3>"Earnings"</h3>
            {lines(l.earnings_lines)}
        </section>
    }
    .into_any()
}

#[component]
fn DeadMail(items: Vec<DeadMailRow>) -> impl IntoView {
    let retry = ServerAction::<AdminRetryMail>::new();
    let error = action_error(retry);
    view! {
        <section class="card">
            <h2>"Dead-lettered mail"</h2>
            <FormError error />
            {items.is_empty().then(|| view! { <p class="empty-state">"No mail has failed for good."</p> })}
            <ul class="plain-list">
                {items.into_iter().map(|m| view! {
                    <li>
                        {format!("{} to {} · {} attempts · {} · {}", m.kind, m.recipient, m.attempts, m.dead, m.last_error)}
                        <ActionForm action=retry attr:class="inline-form">
                            <input type="hidden" name="mail" value=m.id />
                            <Submit label="Retry" busy_label="Queueing…" />
                        </ActionForm>
                    </li>
                }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn AuditLog(items: Vec<AuditRow>) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Audit log"</h2>
            {items.is_empty().then(|| view! { <p class="empty-state">"Nothing yet."</p> })}
            <ul class="plain-list">
                {items.into_iter().map(|a| view! {
                    <li>{format!("{} · {} · {} · {}{}", a.when, a.who, a.what, a.subject, if a.detail.is_empty() { String::new() } else { format!(" · {}", a.detail) })}</li>
                }).collect_view()}
            </ul>
        </section>
    }
}
