//! The app frame: a top bar (brand, and the navigation on wide screens) and, on phones,
//! a bottom navigation bar.
use leptos::prelude::*;
use leptos_router::components::A;

/// A gathering's entry in the navigation and on the home page (each gathering names its
/// own; `app.rs` lists them).
#[derive(Clone, Copy, Debug)]
pub struct Section {
    pub href: &'static str,
    pub icon: &'static str,
    /// Short, for the navigation bar.
    pub label: &'static str,
    /// For the home page tile.
    pub title: &'static str,
    pub blurb: &'static str,
}

/// The gatherings' sections, provided by `App` to the shell and the home page.
#[derive(Clone, Copy, Debug)]
pub struct Sections(pub &'static [Section]);

/// The gatherings' admin pages (href, label), listed on `/admin`.
#[derive(Clone, Copy)]
pub struct AdminSections(pub &'static [(&'static str, &'static str)]);

pub fn admin_sections() -> &'static [(&'static str, &'static str)] {
    use_context::<AdminSections>().map(|s| s.0).unwrap_or(&[])
}

pub fn sections() -> &'static [Section] {
    use_context::<Sections>().map(|s| s.0).unwrap_or(&[])
}

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
    let items = sections().iter().map(|s| (s.href, s.icon, s.label)).chain([("/me", "👤", "Me")]);
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

/// What a page shows instead of its content when loading it failed: log in (and come
/// back), not found (with a 404 status and the way back), or the error's own message.
#[component]
pub fn PageProblem(
    error: crate::core::error::AppError,
    not_found: &'static str,
    back_href: &'static str,
    back_label: &'static str,
) -> impl IntoView {
    use crate::core::error::AppError;
    let location = leptos_router::hooks::use_location();
    let next = move || {
        let path = location.pathname.get();
        let query = location.search.get();
        let here = if query.is_empty() { path } else { format!("{path}?{query}") };
        format!("/login?next={}", crate::core::domain::links::query_value(&here))
    };
    match error {
        AppError::Unauthorized => view! {
            <section class="card narrow">
                <h1>"Please log in"</h1>
                <p>"Log in to see this page; we will bring you straight back."</p>
                <p class="actions"><a class="button primary" href=next>"Log in"</a></p>
            </section>
        }
        .into_any(),
        AppError::NotFound => {
            crate::platform::set_not_found_status();
            view! {
                <section class="card narrow">
                    <h1>"Not found"</h1>
                    <p>{not_found}</p>
                    <p><a href=back_href>{back_label}</a></p>
                </section>
            }
            .into_any()
        }
        other => view! { <p class="card form-error" role="alert">{other.to_string()}</p> }.into_any(),
    }
}
