//! Target-specific behaviour behind one facade, so components carry no `#[cfg]`:
//! the browser half registers the service worker and reads the browser's time zone;
//! the server half sets the per-response Content-Security-Policy.
#[cfg(feature = "ssr")]
mod server {
    use leptos::nonce::use_nonce;
    use leptos::prelude::use_context;
    use leptos_axum::ResponseOptions;

    /// The page's Content-Security-Policy: scripts only from this site or carrying this
    /// response's nonce, WebAssembly allowed, nothing inline without the nonce.
    pub fn csp(nonce: &str) -> String {
        format!(
            "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
             img-src 'self' data:; connect-src 'self'; manifest-src 'self'; worker-src 'self'; \
             object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
        )
    }

    pub fn set_csp_header() {
        if let (Some(nonce), Some(res)) = (use_nonce(), use_context::<ResponseOptions>()) {
            if let Ok(v) = http::HeaderValue::from_str(&csp(&nonce)) {
                res.insert_header(http::header::CONTENT_SECURITY_POLICY, v);
            }
        }
    }

    pub fn register_service_worker() {}

    pub fn mark_hydrated() {}

    pub fn watch(_url: &str, _on_change: impl Fn() + 'static) {}

    pub fn unwatch() {}

    pub fn browser_time_zone() -> Option<String> {
        None
    }
}

#[cfg(not(feature = "ssr"))]
mod client {
    pub fn set_csp_header() {}

    /// Registers /sw.js (called once the page has hydrated).
    pub fn register_service_worker() {
        if let Some(window) = web_sys::window() {
            let container = window.navigator().service_worker();
            let _ = container.register("/sw.js");
        }
    }

    /// Sets `window.__hearth_hydrated` (browser tests wait for it).
    pub fn mark_hydrated() {
        if let Some(window) = web_sys::window() {
            let _ = js_sys::Reflect::set(&window, &"__hearth_hydrated".into(), &true.into());
        }
    }

    thread_local! {
        static LIVE: std::cell::RefCell<Option<web_sys::EventSource>> = const { std::cell::RefCell::new(None) };
    }

    /// Listens to a server-sent event stream and calls `on_change` at each "changed"
    /// event (one stream at a time; the previous one is closed).
    pub fn watch(url: &str, on_change: impl Fn() + 'static) {
        use wasm_bindgen::closure::Closure;
        use wasm_bindgen::JsCast;
        unwatch();
        if let Ok(source) = web_sys::EventSource::new(url) {
            let callback = Closure::<dyn Fn(web_sys::Event)>::new(move |_: web_sys::Event| on_change());
            let _ = source.add_event_listener_with_callback("changed", callback.as_ref().unchecked_ref());
            // The listener lives as long as the stream, which `unwatch` closes.
            callback.forget();
            LIVE.with(|l| *l.borrow_mut() = Some(source));
        }
    }

    pub fn unwatch() {
        LIVE.with(|l| {
            if let Some(source) = l.borrow_mut().take() {
                source.close();
            }
        });
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
