//! The HTML shell and the route table. No logic, no data fetching.
use crate::events::pages::{AdminEventsPage, EventPage, EventsPage, NewEventPage};
use crate::lunches::pages::{AdminLunchesPage, LunchFeedPage, LunchJoinPage, LunchPage, LunchesPage};
use crate::platform;
use crate::santa::pages::{ExchangePage, GiftPage, PresentPage, SantaPage, WallPage};
use crate::ui::components::layout::{AdminSections, AppShell, Section, Sections};
use crate::ui::pages::*;
use crate::vouchers::pages::{AdminVouchersPage, CardPaymentPage, RedeemPage, VouchersPage};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    platform::set_csp_header();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover" />
                <meta name="theme-color" content="#9f2a1d" />
                <meta name="description" content="Hearth: Secret Santa, events and lunches for small groups." />
                <link rel="manifest" href="/manifest.webmanifest" />
                <link rel="icon" type="image/png" href="/icons/icon-192.png" />
                <link rel="apple-touch-icon" href="/icons/icon-192.png" />
                <HashedStylesheet options=options.clone() />
                <HydrationScripts options islands=true />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The gatherings in the navigation and on the home page, in this order.
const SECTIONS: &[Section] = &[
    crate::santa::pages::SECTION,
    crate::events::pages::SECTION,
    crate::vouchers::pages::SECTION,
    crate::lunches::pages::SECTION,
];

/// The gatherings' admin pages, listed on `/admin`.
const ADMIN_SECTIONS: &[(&str, &str)] = &[
    ("/admin/events", "Every event"),
    ("/admin/vouchers", "Vouchers and templates"),
    ("/admin/lunches", "Lunches: food types, locations, every lunch"),
];

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_context(Sections(SECTIONS));
    provide_context(AdminSections(ADMIN_SECTIONS));
    view! {
        <Title text="Hearth" />
        <Router>
            <AppShell>
                <Routes fallback=|| view! { <NotFoundPage /> }>
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async />
                    <Route path=path!("/signup") view=SignUpPage ssr=SsrMode::Async />
                    <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async />
                    <Route path=path!("/auth/finish") view=ProviderFinishPage ssr=SsrMode::Async />
                    <Route path=path!("/auth/problem") view=ProviderProblemPage />
                    <Route path=path!("/forgot") view=ForgotPasswordPage />
                    <Route path=path!("/reset/:token") view=ResetPasswordPage />
                    <Route path=path!("/check-inbox") view=CheckInboxPage />
                    <Route path=path!("/l/:token") view=LinkPage ssr=SsrMode::Async />
                    <Route path=path!("/me") view=MePage ssr=SsrMode::Async />
                    <Route path=path!("/santa") view=SantaPage ssr=SsrMode::Async />
                    <Route path=path!("/santa/:id") view=ExchangePage ssr=SsrMode::Async />
                    <Route path=path!("/santa/:id/gift") view=GiftPage ssr=SsrMode::Async />
                    <Route path=path!("/santa/:id/present") view=PresentPage ssr=SsrMode::Async />
                    <Route path=path!("/shame/:token") view=WallPage ssr=SsrMode::Async />
                    <Route path=path!("/events") view=EventsPage ssr=SsrMode::Async />
                    <Route path=path!("/events/new") view=NewEventPage ssr=SsrMode::Async />
                    <Route path=path!("/events/:slug") view=EventPage ssr=SsrMode::Async />
                    <Route path=path!("/vouchers") view=VouchersPage ssr=SsrMode::Async />
                    <Route path=path!("/vouchers/redeem") view=RedeemPage ssr=SsrMode::Async />
                    <Route path=path!("/vouchers/:id/pay") view=CardPaymentPage ssr=SsrMode::Async />
                    <Route path=path!("/admin") view=AdminPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/events") view=AdminEventsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/vouchers") view=AdminVouchersPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/lunches") view=AdminLunchesPage ssr=SsrMode::Async />
                    <Route path=path!("/lunches") view=LunchesPage ssr=SsrMode::Async />
                    <Route path=path!("/lunches/join") view=LunchJoinPage ssr=SsrMode::Async />
                    <Route path=path!("/lunches/feed") view=LunchFeedPage ssr=SsrMode::Async />
                    <Route path=path!("/lunches/:id") view=LunchPage ssr=SsrMode::Async />
                    <Route path=path!("/dev/mailbox") view=DevMailboxPage ssr=SsrMode::Async />
                </Routes>
            </AppShell>
        </Router>
    }
}
