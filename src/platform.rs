//! Target-specific behaviour behind one facade, so components carry no `#[cfg]`:
//! the browser half (used by islands and the WebAssembly entry) registers the service
//! worker, listens to live streams, watches forms and reads the browser's time zone; the
//! server half sets the per-response Content-Security-Policy and the 404 status.
#[cfg(feature = "ssr")]
mod server {
    use leptos::nonce::use_nonce;
    use leptos::prelude::use_context;
    use leptos_axum::ResponseOptions;

    /// The page's Content-Security-Policy: scripts only from this site or carrying this
    /// response's nonce, WebAssembly allowed, nothing inline without the nonce.
    pub fn csp(nonce: &str) -> String {
        csp_with(nonce, "", "")
    }

    /// `csp` plus a card provider's script and API origins (its frames come from the
    /// script's origin and its 3-D Secure host).
    fn csp_with(nonce: &str, script_origin: &str, api_origin: &str) -> String {
        let (script, frame, connect) = if script_origin.is_empty() {
            (String::new(), String::new(), String::new())
        } else {
            (
                format!(" {script_origin}"),
                format!(" frame-src {script_origin} https://hooks.stripe.com;"),
                format!(" {api_origin}"),
            )
        };
        format!(
            "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'{script}; style-src 'self'; \
             img-src 'self' data:; connect-src 'self'{connect};{frame} manifest-src 'self'; worker-src 'self'; \
             object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
        )
    }

    fn insert_csp(value: String) {
        if let (Ok(v), Some(res)) = (http::HeaderValue::from_str(&value), use_context::<ResponseOptions>()) {
            res.insert_header(http::header::CONTENT_SECURITY_POLICY, v);
        }
    }

    pub fn set_csp_header() {
        if let Some(nonce) = use_nonce() {
            insert_csp(csp(&nonce));
        }
    }

    /// On the one page with a card form: lets the card provider's script, frames and API
    /// in (every other page keeps the strict policy).
    pub fn allow_card_provider(script_origin: &str, api_origin: &str) {
        let safe =
            |o: &str| o.starts_with("http") && o.chars().all(|c| c.is_ascii_alphanumeric() || ":/.-[]".contains(c));
        if let Some(nonce) = use_nonce().filter(|_| safe(script_origin) && safe(api_origin)) {
            insert_csp(csp_with(&nonce, script_origin, api_origin));
        }
    }

    pub fn watch(_url: &str, _on_change: impl Fn() + 'static) {}

    pub fn reload() {}

    pub fn user_is_typing() -> bool {
        false
    }

    pub fn on_submit_and_return(
        _button: &web_sys::HtmlButtonElement,
        _on_submit: impl Fn() + 'static,
        _on_return: impl Fn() + 'static,
    ) {
    }

    pub fn browser_time_zone() -> Option<String> {
        None
    }

    pub fn every(_ms: i32, _f: impl Fn() + 'static) {}

    pub fn now_secs() -> i64 {
        chrono::Utc::now().timestamp()
    }
}

#[cfg(not(feature = "ssr"))]
mod client {
    pub fn set_csp_header() {}

    pub fn allow_card_provider(_script_origin: &str, _api_origin: &str) {}

    /// Registers /sw.js (called once, when the WebAssembly starts).
    pub fn register_service_worker() {
        if let Some(window) = web_sys::window() {
            let container = window.navigator().service_worker();
            let _ = container.register("/sw.js");
        }
    }

    /// Sets `window.__hearth_hydrated` (browser tests wait for it) once the islands of
    /// the page are hydrated: Leptos's island script hydrates them right after `hydrate()`
    /// returns, awaiting only promises, so a zero timeout runs after the last one.
    pub fn mark_hydrated_after_islands() {
        use wasm_bindgen::closure::Closure;
        use wasm_bindgen::JsCast;
        if let Some(window) = web_sys::window() {
            let mark = Closure::once_into_js(move || {
                if let Some(window) = web_sys::window() {
                    let _ = js_sys::Reflect::set(&window, &"__hearth_hydrated".into(), &true.into());
                }
            });
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(mark.unchecked_ref(), 0);
        }
    }

    /// Calls `f` at each `event` on `target`, for as long as the page lives.
    fn listen(target: &web_sys::EventTarget, event: &str, f: impl Fn() + 'static) {
        use wasm_bindgen::closure::Closure;
        use wasm_bindgen::JsCast;
        let callback = Closure::<dyn Fn(web_sys::Event)>::new(move |_: web_sys::Event| f());
        let _ = target.add_event_listener_with_callback(event, callback.as_ref().unchecked_ref());
        // The listener lives as long as the page.
        callback.forget();
    }

    /// Listens to a server-sent event stream and calls `on_change` at each "changed"
    /// event, for as long as the page is open. A change heard while a form of the page is
    /// being sent is left alone: the form's answer is the next page (a reload then would
    /// cancel that navigation and show the old address again).
    pub fn watch(url: &str, on_change: impl Fn() + 'static) {
        let leaving = std::rc::Rc::new(std::cell::Cell::new(false));
        if let Some(window) = web_sys::window() {
            if let Some(document) = window.document() {
                let l = leaving.clone();
                listen(&document, "submit", move || l.set(true));
            }
            let l = leaving.clone();
            listen(&window, "pageshow", move || l.set(false));
        }
        if let Ok(source) = web_sys::EventSource::new(url) {
            listen(&source, "changed", move || {
                if !leaving.get() {
                    on_change();
                }
            });
        }
    }

    /// Loads the page again from the server.
    pub fn reload() {
        if let Some(window) = web_sys::window() {
            let _ = window.location().reload();
        }
    }

    /// Whether a text field of the page holds something the person typed (a reload would
    /// lose it).
    pub fn user_is_typing() -> bool {
        use wasm_bindgen::JsCast;
        let Some(document) = web_sys::window().and_then(|w| w.document()) else { return false };
        let Ok(fields) = document.query_selector_all("textarea, input") else { return false };
        (0..fields.length()).filter_map(|i| fields.item(i)).any(|node| {
            if let Some(t) = node.dyn_ref::<web_sys::HtmlTextAreaElement>() {
                t.default_value().is_ok_and(|d| t.value() != d)
            } else if let Some(i) = node.dyn_ref::<web_sys::HtmlInputElement>() {
                matches!(i.type_().as_str(), "text" | "email" | "search" | "datetime-local" | "password")
                    && i.value() != i.default_value()
            } else {
                false
            }
        })
    }

    /// Calls `on_submit` when the button's form is submitted (the browser then loads the
    /// answer), and `on_return` when the page is shown again from the back-forward cache.
    pub fn on_submit_and_return(
        button: &web_sys::HtmlButtonElement,
        on_submit: impl Fn() + 'static,
        on_return: impl Fn() + 'static,
    ) {
        if let Some(form) = button.form() {
            listen(&form, "submit", on_submit);
        }
        if let Some(window) = web_sys::window() {
            listen(&window, "pageshow", on_return);
        }
    }

    /// Calls `f` every `ms` milliseconds, for as long as the page lives.
    pub fn every(ms: i32, f: impl Fn() + 'static) {
        use wasm_bindgen::closure::Closure;
        use wasm_bindgen::JsCast;
        let Some(window) = web_sys::window() else { return };
        let callback = Closure::<dyn Fn()>::new(f);
        let _ = window.set_interval_with_callback_and_timeout_and_arguments_0(callback.as_ref().unchecked_ref(), ms);
        callback.forget();
    }

    /// The device's clock, in unix seconds.
    pub fn now_secs() -> i64 {
        (js_sys::Date::now() / 1000.0) as i64
    }

    /// The IANA zone the browser is set to, e.g. "Europe/Paris".
    pub fn browser_time_zone() -> Option<String> {
        let options =
            js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new()).resolved_options();
        js_sys::Reflect::get(&options, &"timeZone".into()).ok()?.as_string()
    }
}

#[cfg(feature = "ssr")]
pub use server::*;

#[cfg(not(feature = "ssr"))]
pub use client::*;

/// Marks the current server response as 404 (the not-found page); nothing in the browser.
pub fn set_not_found_status() {
    #[cfg(feature = "ssr")]
    if let Some(res) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::NOT_FOUND);
    }
}
