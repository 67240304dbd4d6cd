//! Form pieces: labelled fields and the error box.
use crate::core::error::AppError;
use leptos::prelude::*;

/// What was typed into field `name` before a form posted without JavaScript failed (the
/// server sends it back as `typed.<name>` in the query; never for passwords).
pub fn typed(name: &'static str) -> Signal<String> {
    let q = leptos_router::hooks::use_query_map();
    Signal::derive(move || q.read().get(&format!("typed.{name}")).unwrap_or_default())
}

/// Escapes `&`, `<` and `>` for the two places the renderer writes text raw on the server:
/// a `<textarea>`'s content (tachys 0.2 leaves it unescaped so hydration can match; leptos
/// #4730 was reverted by #4819) and `<Title>` (leptos_meta 0.8 pastes it into `<title>`).
/// Without it, `</textarea><img onerror=…>` in a refilled field, or `</title>` in a name,
/// would become markup. Only for those two: everywhere else the renderer escapes.
pub fn raw_text(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
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

/// The error of an action's last answer, for `FormError` and the fields.
pub fn action_error<S>(action: ServerAction<S>) -> Signal<Option<AppError>>
where
    S: leptos::server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Signal::derive(move || action.value().get().and_then(|r| r.err()))
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

/// Whether the last form posted without JavaScript was server function `name` and it
/// succeeded (the server adds `done=<name>` to the address it sends the browser back to).
pub fn done(name: &'static str) -> Signal<bool> {
    let q = leptos_router::hooks::use_query_map();
    Signal::derive(move || q.read().get("done").as_deref() == Some(name))
}

/// The submit button of a form that posts as a plain HTML form (every form outside an
/// island): the page is rendered again by the server with the answer.
#[component]
pub fn Submit(label: &'static str, busy_label: &'static str) -> impl IntoView {
    view! { <BusySubmit label=label.to_string() busy_label=busy_label.to_string() /> }
}

/// An island as small as a button: once the form is sent it says what is happening and
/// cannot be pressed twice; back on the page (back-forward cache) it is ready again.
#[island]
pub fn BusySubmit(label: String, busy_label: String) -> impl IntoView {
    let busy = RwSignal::new(false);
    let button = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if let Some(b) = button.get() {
            crate::platform::on_submit_and_return(&b, move || busy.set(true), move || busy.set(false));
        }
    });
    view! {
        <button node_ref=button type="submit" class="button primary" disabled=move || busy.get() aria-busy=move || busy.get().to_string()>
            {move || if busy.get() { busy_label.clone() } else { label.clone() }}
        </button>
    }
}

/// The time-zone field of the sign-up form: rendered with what was typed (or "UTC"), then
/// filled in from the device unless the person typed a zone.
#[island]
pub fn TimeZoneField(value: String, typed: bool, invalid: bool) -> impl IntoView {
    let zone = RwSignal::new(value);
    Effect::new(move |_| {
        if !typed {
            if let Some(z) = crate::platform::browser_time_zone() {
                zone.set(z);
            }
        }
    });
    view! {
        <div class="field">
            <label for="f-time_zone">"Time zone"</label>
            <input
                id="f-time_zone"
                name="time_zone"
                type="text"
                autocomplete="off"
                required=true
                aria-invalid=if invalid { "true" } else { "false" }
                aria-describedby="f-time_zone-hint"
                prop:value=move || zone.get()
                value=zone.get_untracked()
            />
            <p class="hint" id="f-time_zone-hint">"Filled in from your device; for example Europe/Paris or America/New_York."</p>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::raw_text;

    #[test]
    fn raw_text_cannot_close_its_element() {
        assert_eq!(
            raw_text("</textarea><img src=x onerror=alert(1)>"),
            "&lt;/textarea&gt;&lt;img src=x onerror=alert(1)&gt;"
        );
        assert_eq!(raw_text("Tom &amp; Jerry & co"), "Tom &amp;amp; Jerry &amp; co");
        assert_eq!(raw_text("plain 🎁 مرحبا"), "plain 🎁 مرحبا");
    }
}
