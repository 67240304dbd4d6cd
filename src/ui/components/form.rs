//! Form pieces: labelled fields and the error box.
use crate::api::error::AppError;
use leptos::prelude::*;

/// What was typed into field `name` before a form posted without JavaScript failed (the
/// server sends it back as `typed.<name>` in the query; never for passwords).
pub fn typed(name: &'static str) -> Signal<String> {
    let q = leptos_router::hooks::use_query_map();
    Signal::derive(move || q.read().get(&format!("typed.{name}")).unwrap_or_default())
}

/// A labelled input. `error` marks it invalid when the error is about this field; after a
/// failed post without JavaScript it shows what was typed (except passwords).
#[component]
pub fn Field(
    label: &'static str,
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: &'static str,
    #[prop(optional)] hint: &'static str,
    #[prop(optional, into)] value: Signal<String>,
    #[prop(default = true)] required: bool,
    #[prop(into)] error: Signal<Option<AppError>>,
    /// Distinguishes fields of the same name in two forms on one page.
    #[prop(default = "f")]
    scope: &'static str,
) -> impl IntoView {
    let id = format!("{scope}-{name}");
    let hint_id = format!("{id}-hint");
    let invalid = move || error.get().is_some_and(|e| e.field() == Some(name));
    let typed = typed(name);
    let value = move || {
        let given = value.get();
        if given.is_empty() && kind != "password" {
            typed.get()
        } else {
            given
        }
    };
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input
                id=id
                name=name
                type=kind
                autocomplete=autocomplete
                required=required
                aria-invalid=move || if invalid() { "true" } else { "false" }
                aria-describedby=(!hint.is_empty()).then(|| hint_id.clone())
                value=value
            />
            {(!hint.is_empty()).then(|| view! { <p class="hint" id=hint_id.clone()>{hint}</p> })}
        </div>
    }
}

/// Shows an action's error, announced to screen readers.
#[component]
pub fn FormError(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    view! {
        <div class="form-error" role="alert" aria-live="assertive">
            {move || error.get().map(|e| view! { <p>{e.to_string()}</p> })}
        </div>
    }
}

/// A submit button that says what is happening while the action runs.
#[component]
pub fn Submit(label: &'static str, busy_label: &'static str, #[prop(into)] pending: Signal<bool>) -> impl IntoView {
    view! {
        <button type="submit" class="button primary" disabled=move || pending.get() aria-busy=move || pending.get().to_string()>
            {move || if pending.get() { busy_label } else { label }}
        </button>
    }
}
