//! Request guards and response hardening: cross-site mutation rejection, security headers,
//! readable status codes for server-function errors, request counting.
use crate::core::error::AppError;
use crate::core::metrics::Metrics;
use crate::core::state::AppState;
use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::header::{self, HeaderName, HeaderValue};
use http::{Method, StatusCode};

/// Whether a mutating request comes from another site (browsers send Sec-Fetch-Site and
/// Origin; requests without either are not from a browser page and carry no ambient
/// cookies of a victim's page, so they pass).
pub fn is_cross_site(method: &Method, headers: &http::HeaderMap) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return !matches!(site, "same-origin" | "none");
    }
    match (
        headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        headers.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) {
        (Some("null"), _) => true,
        (Some(origin), Some(host)) => {
            let origin_host = origin.split_once("://").map(|(_, rest)| rest).unwrap_or(origin);
            !origin_host.eq_ignore_ascii_case(host)
        }
        (Some(_), None) => true,
        (None, _) => false,
    }
}

const DEFAULT_CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    Metrics::inc(&state.metrics.requests);
    let path = req.uri().path().to_string();
    if is_cross_site(req.method(), req.headers()) {
        tracing::warn!(%path, "cross-site request rejected");
        return finish(&state, (StatusCode::FORBIDDEN, "Cross-site requests are not accepted.").into_response(), &path);
    }
    let is_api = path.starts_with("/api/");
    let plain = is_api && is_plain_form_post(&req);
    let referer = req.headers().get(header::REFERER).and_then(|v| v.to_str().ok()).map(str::to_string);
    let (req, typed) = if plain {
        match keep_form_fields(req, state.settings.server.body_limit_bytes).await {
            Some((req, fields)) => (req, Some(fields)),
            None => return finish(&state, too_large(&path, referer.as_deref(), true), &path),
        }
    } else {
        (req, None)
    };
    // Only a plain form post is sent back to its page, so only it needs the Referer.
    let referer_path = typed.as_ref().and_then(|_| Some(url::Url::parse(referer.as_deref()?).ok()?.path().to_string()));
    let mut res = next.run(req).await;
    if is_api && res.status() == StatusCode::PAYLOAD_TOO_LARGE {
        res = too_large(&path, referer.as_deref(), plain);
    }
    if let Some(fields) = typed {
        carry_fields_back(&mut res, &fields, &path, referer_path.as_deref());
    }
    finish(&state, res, &path)
}

/// Counts the answer and adds the security and caching headers.
fn finish(state: &AppState, mut res: Response, path: &str) -> Response {
    let status = res.status();
    if status.is_client_error() {
        Metrics::inc(&state.metrics.responses_4xx);
    } else if status.is_server_error() {
        Metrics::inc(&state.metrics.responses_5xx);
        tracing::error!(%path, %status, "server error response");
    }
    let immutable = status.is_success() && state.assets.is_immutable(path);
    harden(res.headers_mut(), path, immutable);
    res
}

/// A body over `server.body_limit_bytes`, said in words: a form posted without JavaScript
/// goes back to its page with the message (as Leptos sends any error there); otherwise a
/// 413 whose body is the error, as a server function's errors are.
fn too_large(api_path: &str, referer: Option<&str>, plain: bool) -> Response {
    let error = AppError::TooLarge;
    if plain {
        // Only the Referer's path and query: never a redirect to another site.
        let back = referer
            .and_then(|r| url::Url::parse(r).ok())
            .and_then(|u| {
                leptos::server_fn::error::ServerFnUrlError::new(api_path, error.clone()).to_url(u.as_str()).ok()
            })
            .map(|u| match u.query() {
                Some(q) => format!("{}?{q}", u.path()),
                None => u.path().to_string(),
            });
        if let Some(location) = back.and_then(|l| HeaderValue::from_str(&l).ok()) {
            return (StatusCode::FOUND, [(header::LOCATION, location)]).into_response();
        }
    }
    let body = serde_json::to_string(&error).unwrap_or_default();
    (StatusCode::PAYLOAD_TOO_LARGE, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// A form posted by a browser without JavaScript (with JavaScript, Leptos posts with
/// `Accept: application/json` and keeps the form on the page itself).
fn is_plain_form_post(req: &Request) -> bool {
    let header = |name| req.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("");
    req.method() == Method::POST
        && header(header::CONTENT_TYPE).starts_with("application/x-www-form-urlencoded")
        && !header(header::ACCEPT).contains("application/json")
}

/// Reads the posted fields (the body is already bounded by the body limit) and puts the
/// body back for the server function.
/// Reads a plain form post's body (at most `limit` bytes: None when it is larger) and
/// keeps the fields a failed form gets back.
async fn keep_form_fields(req: Request, limit: usize) -> Option<(Request, Vec<(String, String)>)> {
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, limit).await.ok()?;
    let fields = url::form_urlencoded::parse(&bytes)
        .filter(|(k, _)| KEPT_FIELDS.contains(&k.as_ref()))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    Some((Request::from_parts(parts, Body::from(bytes)), fields))
}

/// The fields a failed form gets back in its address: short ones about the person or the
/// gathering being set up. Never a password or a token, nor what is written to others
/// (notes, gift messages, address lists), which would otherwise sit in browser history and
/// proxy logs.
const KEPT_FIELDS: &[&str] = &[
    "email",
    "display_name",
    "time_zone",
    "name",
    "spending_note",
    "description",
    "reveal_at",
    "title",
    "online_link",
    "start_local",
    "duration_minutes",
    "capacity",
    "addresses",
    "gift_email",
    "code",
    "price",
    "value",
    "validity_days",
    "ticket_price",
    "search",
    "reason",
];
/// At most this much typed text (percent-encoded) rides back in an address.
const KEPT_MAX_BYTES: usize = 1024;

/// When a form posted without JavaScript fails, Leptos sends the browser back to the form
/// with the error in the query (`__err`); the typed fields go along (`typed.<name>`), so
/// the form comes back filled in (`ui::components::form` reads them). When it succeeds and
/// the browser goes back to the form's page, the address gets `done=<server function>`, so
/// the page can say "Saved.". Typed values and `done` from an earlier post are dropped from
/// every redirect, so they never show twice.
fn carry_fields_back(res: &mut Response, fields: &[(String, String)], api_path: &str, referer_path: Option<&str>) {
    let Some(location) = res.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()) else { return };
    // A fragment ("#profile": where on the page to land) stays at the end.
    let (location, fragment) = match location.split_once('#') {
        Some((l, f)) => (l, format!("#{f}")),
        None => (location, String::new()),
    };
    let (path, query) = location.split_once('?').unwrap_or((location, ""));
    let failed = query.contains("__err=");
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()).filter(|(k, _)| !k.starts_with("typed.") && k != "done")
    {
        out.append_pair(&k, &v);
    }
    // Leptos sends the browser back to the Referer as it came (an absolute URL).
    let location_path = url::Url::parse(path).map(|u| u.path().to_string()).unwrap_or_else(|_| path.to_string());
    let back_to_the_form = referer_path == Some(location_path.as_str());
    if !failed && back_to_the_form {
        if let Some(name) =
            api_path.strip_prefix("/api/").filter(|n| n.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
        {
            out.append_pair("done", name);
        }
    }
    if failed {
        let mut budget = KEPT_MAX_BYTES;
        for (k, v) in fields {
            // Counted as sent (percent-encoded), so the Location stays well inside what
            // proxies accept in a header.
            let cost: usize =
                url::form_urlencoded::byte_serialize(v.as_bytes()).map(str::len).sum::<usize>() + k.len() + 8;
            if cost > budget {
                continue;
            }
            budget -= cost;
            out.append_pair(&format!("typed.{k}"), v);
        }
    }
    let query = out.finish();
    let location = if query.is_empty() { format!("{path}{fragment}") } else { format!("{path}?{query}{fragment}") };
    if let Ok(v) = HeaderValue::from_str(&location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
}

/// Server functions answer every error with 500; give user mistakes their real status.
/// Gives a server function's error its own status (Leptos answers every error with 500).
/// A layer of its own, inside the compression layer: it reads the body before it is
/// compressed (read after, a browser's gzip'd error would stay a 500).
pub async fn restatus(req: Request, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    let res = next.run(req).await;
    if is_api && res.status() == StatusCode::INTERNAL_SERVER_ERROR {
        restatus_server_fn_error(res).await
    } else {
        res
    }
}

async fn restatus_server_fn_error(res: Response) -> Response {
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = to_bytes(body, 256 * 1024).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "").into_response();
    };
    if let Ok(err) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn harden(h: &mut http::HeaderMap, path: &str, immutable: bool) {
    let set = |h: &mut http::HeaderMap, k: HeaderName, v: &'static str| {
        h.entry(k).or_insert(HeaderValue::from_static(v));
    };
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, header::REFERRER_POLICY, "same-origin");
    set(h, HeaderName::from_static("cross-origin-opener-policy"), "same-origin");
    set(h, HeaderName::from_static("permissions-policy"), "camera=(), microphone=(), geolocation=()");
    set(h, header::CONTENT_SECURITY_POLICY, DEFAULT_CSP);
    if immutable {
        // Named by its content: it never changes at this address.
        set(h, header::CACHE_CONTROL, "public, max-age=31536000, immutable");
    } else if path.starts_with("/pkg/") || path == "/sw.js" || path == "/manifest.webmanifest" {
        // Not content-hashed: revalidate (ETag / Last-Modified) on every use.
        set(h, header::CACHE_CONTROL, "no-cache");
    } else if path.starts_with("/icons/") {
        set(h, header::CACHE_CONTROL, "public, max-age=604800");
    } else if path.starts_with("/api/") || h.get(header::SET_COOKIE).is_some() {
        set(h, header::CACHE_CONTROL, "no-store");
    } else if h.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|t| t.starts_with("text/html")) {
        // Pages: always asked again (they name the current build's assets).
        set(h, header::CACHE_CONTROL, "no-cache");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderMap;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn a_redirect_keeps_its_fragment_after_the_fields_carried_back() {
        let mut res = Response::new(axum::body::Body::empty());
        res.headers_mut().insert(header::LOCATION, HeaderValue::from_static("/lunches?saved=profile#profile"));
        carry_fields_back(&mut res, &[], "/api/save_lunch_profile", Some("/lunches"));
        assert_eq!(res.headers()[header::LOCATION], "/lunches?saved=profile&done=save_lunch_profile#profile");
    }

    #[test]
    fn cross_site_posts_are_detected_by_fetch_metadata_or_origin() {
        assert!(is_cross_site(&Method::POST, &headers(&[("sec-fetch-site", "cross-site")])));
        assert!(is_cross_site(&Method::POST, &headers(&[("sec-fetch-site", "same-site")])));
        assert!(!is_cross_site(&Method::POST, &headers(&[("sec-fetch-site", "same-origin")])));
        assert!(is_cross_site(
            &Method::POST,
            &headers(&[("origin", "https://evil.example"), ("host", "hearth.example")])
        ));
        assert!(!is_cross_site(
            &Method::POST,
            &headers(&[("origin", "https://hearth.example"), ("host", "hearth.example")])
        ));
        assert!(is_cross_site(&Method::POST, &headers(&[("origin", "null"), ("host", "hearth.example")])));
        assert!(!is_cross_site(&Method::GET, &headers(&[("sec-fetch-site", "cross-site")])));
        assert!(!is_cross_site(&Method::POST, &headers(&[])));
    }
}
