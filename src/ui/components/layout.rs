//! The app frame: a top bar (brand, and the navigation on wide screens) and, on phones,
//! a bottom navigation bar.
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn AppShell(children: Children) -> impl IntoView {
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="topbar">
            <A href="/" attr:class="brand">
                <span aria-hidden="true">"🔥"</span>
                " Hearth"
            </A>
            <MainNav />
        </header>
        <main id="main" class="content">
            {children()}
        </main>
    }
}

#[component]
fn MainNav() -> impl IntoView {
    let items =
        [("/santa", "🎁", "Santa"), ("/events", "📅", "Events"), ("/lunches", "🥪", "Lunches"), ("/me", "👤", "Me")];
    view! {
        <nav class="mainnav" aria-label="Main">
            <ul>
                {items
                    .into_iter()
                    .map(|(href, icon, label)| {
                        view! {
                            <li>
                                <A href=href>
                                    <span class="icon" aria-hidden="true">
                                        {icon}
                                    </span>
                                    <span class="label">{label}</span>
                                </A>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </nav>
    }
}
