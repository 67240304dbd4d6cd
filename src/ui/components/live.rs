//! Live pages: an island that listens to a live topic and loads the page again when it
//! changed; if the person is typing it offers the reload instead of losing their words.
use leptos::prelude::*;

/// `url`: the topic's stream, e.g. `/api/live/exchange/7`; `message`: what changed.
#[island]
pub fn LiveRefresh(url: String, message: String) -> impl IntoView {
    let changed = RwSignal::new(false);
    Effect::new(move |_| {
        crate::platform::watch(&url, move || {
            if crate::platform::user_is_typing() {
                changed.set(true);
            } else {
                crate::platform::reload();
            }
        });
    });
    view! {
        {move || changed.get().then(|| view! {
            <p class="notice" role="status">
                {format!("{message} ")}
                <button type="button" class="button small" on:click=|_| crate::platform::reload()>"Show the changes"</button>
            </p>
        })}
    }
}
