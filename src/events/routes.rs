//! Events' own HTTP routes beside its pages: the calendar download, the cover photo and
//! video uploads (plain multipart forms, streamed to the media store), and media serving.
use super::domain::{self, Action, EventState};
use super::store;
use crate::core::error::AppError;
use crate::core::media::{self, Limits, MediaError, MediaKind};
use crate::core::server::context::user_from_headers;
use crate::core::state::AppState;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;

#[derive(serde::Deserialize)]
struct TokenQuery {
    t: Option<String>,
}

pub fn routes() -> Router<AppState> {
    let limits = Limits::default();
    Router::new()
        .route("/events/{slug}/calendar.ics", get(calendar))
        .route(
            "/events/{slug}/media/{role}",
            // The store cuts a file off at its own limit while streaming; this only bounds
            // the whole request a little above the largest file.
            post(upload).layer(DefaultBodyLimit::max((limits.video_bytes + 1024 * 1024) as usize)),
        )
        .route("/media/{file}", get(serve))
}

/// `GET /events/{slug}/calendar.ics`: for the organizer and invitees; 404 for anyone else.
async fn calendar(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(q): Query<TokenQuery>,
    headers: HeaderMap,
) -> Response {
    let user = match user_from_headers(&state, &headers).await {
        Ok(u) => u,
        Err(e) => return error(e),
    };
    match super::service::calendar(&state, user.as_ref(), &slug, q.t.as_deref()).await {
        Ok(ics) => (
            [
                (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
                (header::CONTENT_DISPOSITION, "attachment; filename=\"event.ics\""),
            ],
            ics,
        )
            .into_response(),
        Err(e) => error(e),
    }
}

fn error(e: AppError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, e.to_string()).into_response()
}

/// Why an upload was refused, as the event page's `upload_error` (it shows the message).
pub fn upload_error_code(e: &MediaError) -> &'static str {
    match e {
        MediaError::NotImageOrVideo => "type",
        MediaError::WrongKind { expected: MediaKind::Photo } => "not_photo",
        MediaError::WrongKind { expected: MediaKind::Video } => "not_video",
        MediaError::TooLarge { .. } => "too_large",
        MediaError::TooManyPixels { .. } => "pixels",
        MediaError::Unreadable => "unreadable",
        MediaError::Empty => "empty",
        MediaError::Interrupted => "interrupted",
        MediaError::Storage(_) => "storage",
    }
}

fn back(slug: &str, problem: Option<&str>) -> Response {
    let to = match problem {
        Some(code) => format!("/events/{slug}?upload_error={code}"),
        None => format!("/events/{slug}"),
    };
    Redirect::to(&to).into_response()
}

/// `POST /events/{slug}/media/{cover|video}` (multipart, one field `file`): organizer
/// only, before the start. The file is streamed to the store and checked while it comes
/// in; a photo is re-encoded (phone size and thumbnail, no metadata) and its original
/// deleted. The event's row changes only once everything is stored: an interrupted upload
/// leaves nothing. Answers with a redirect to the event page (naming the problem, if any).
async fn upload(
    State(state): State<AppState>,
    Path((slug, role)): Path<(String, String)>,
    headers: HeaderMap,
    mut form: Multipart,
) -> Response {
    let kind = match role.as_str() {
        "cover" => MediaKind::Photo,
        "video" => MediaKind::Video,
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let user = match user_from_headers(&state, &headers).await {
        Ok(Some(u)) => u,
        Ok(None) => return Redirect::to(&format!("/login?next=/events/{slug}")).into_response(),
        Err(e) => return error(e),
    };
    let event = match store::by_slug(&state.db.pool, &slug).await {
        Ok(Some(e)) if e.organizer_id == user.id => e,
        Ok(_) => return error(AppError::NotFound),
        Err(e) => return error(e.into()),
    };
    if domain::may(Action::Edit, event.state, event.schedule, crate::core::db::now()).is_err() {
        return back(&slug, Some("closed"));
    }
    let field = loop {
        match form.next_field().await {
            Ok(Some(f)) if f.name() == Some("file") => break f,
            Ok(Some(_)) => continue,
            Ok(None) => return back(&slug, Some("empty")),
            Err(_) => return back(&slug, Some("interrupted")),
        }
    };
    let limits = Limits::default();
    // A video's metadata (GPS position, camera, times) is blanked while it streams.
    let body: std::pin::Pin<
        Box<dyn futures::Stream<Item = Result<bytes::Bytes, axum::extract::multipart::MultipartError>> + Send + '_>,
    > = match kind {
        MediaKind::Video => Box::pin(crate::core::mp4_metadata::strip(field)),
        MediaKind::Photo => Box::pin(field),
    };
    let stored = match media::store_upload(&*state.media, kind, body, &limits).await {
        Ok(s) => s,
        Err(e) => return back(&slug, Some(upload_error_code(&e))),
    };
    let saved = match kind {
        MediaKind::Photo => photo_variants(&state, &stored.key, &limits).await,
        MediaKind::Video => Ok(store::NewMedia {
            media_key: stored.key.clone(),
            content_type: stored.sniffed.content_type().to_string(),
            thumb_key: None,
            width: None,
            height: None,
            bytes: stored.bytes as i64,
        }),
    };
    let new = match saved {
        Ok(n) => n,
        Err(e) => return back(&slug, Some(upload_error_code(&e))),
    };
    // Saved only if the event still takes changes (it may have started or been cancelled
    // while the file came in); else the new files go again.
    let now = crate::core::db::now();
    let new_keys = [Some(new.media_key.clone()), new.thumb_key.clone()].into_iter().flatten();
    let saved = async {
        let mut tx = state.db.begin_write().await?;
        if store::lock_before_start(&mut tx, event.id, now).await?.is_none() {
            return Ok::<_, sqlx::Error>(None);
        }
        let replaced = store::media_of(&mut *tx, event.id).await?.into_iter().find(|m| m.role == role);
        store::set_media(&mut *tx, event.id, &role, &new, now).await?;
        tx.commit().await?;
        Ok(Some(replaced))
    };
    match saved.await {
        Ok(Some(replaced)) => {
            if let Some(old) = replaced {
                super::service::forget_unused_media(&state, [Some(old.media_key), old.thumb_key].into_iter().flatten())
                    .await;
            }
            crate::core::server::live::notify(&state, super::topic(event.id));
            tracing::info!(event_id = event.id, role, bytes = new.bytes, "event media saved");
            back(&slug, None)
        }
        Ok(None) => {
            super::service::forget_unused_media(&state, new_keys).await;
            back(&slug, Some("closed"))
        }
        Err(e) => {
            super::service::forget_unused_media(&state, new_keys).await;
            error(e.into())
        }
    }
}

/// Re-encodes a stored photo into its phone-sized image and thumbnail, stores both and
/// deletes the original (it still carries its metadata).
async fn photo_variants(state: &AppState, original: &str, limits: &Limits) -> Result<store::NewMedia, MediaError> {
    let path = object_store::path::Path::from(original);
    let read = async { state.media.get(&path).await?.bytes().await };
    let bytes = read.await.map_err(|e| MediaError::Storage(e.into()));
    // The original keeps its metadata: it goes, unless an event shows that very file (an
    // upload of someone's published cover has the same content-addressed name).
    super::service::forget_unused_media(state, [original.to_string()]).await;
    let bytes = bytes?;
    let limits = *limits;
    // Decoding may take hundreds of MB: as many at once as password hashes (the cores).
    let _permit = state.hashing.acquire().await.map_err(|e| MediaError::Storage(e.into()))?;
    let variants = tokio::task::spawn_blocking(move || media::process_photo(&bytes, &limits))
        .await
        .map_err(|e| MediaError::Storage(e.into()))??;
    let (Some(phone), Some(thumb)) =
        (variants.iter().find(|v| v.name == "phone"), variants.iter().find(|v| v.name == "thumb"))
    else {
        return Err(MediaError::Unreadable);
    };
    let media_key = media::store_variant(&*state.media, phone).await?;
    let thumb_key = media::store_variant(&*state.media, thumb).await?;
    Ok(store::NewMedia {
        media_key,
        content_type: phone.content_type.to_string(),
        thumb_key: Some(thumb_key),
        width: Some(i64::from(phone.width)),
        height: Some(i64::from(phone.height)),
        bytes: phone.bytes.len() as i64,
    })
}

/// `GET /media/{file}`: a published event's media for anyone with its (content-addressed,
/// unguessable) address, cached for a year; a draft's media for its organizer only (404
/// for anyone else), privately cached. Range requests answer 206 (a phone seeks a video).
async fn serve(State(state): State<AppState>, Path(file): Path<String>, headers: HeaderMap) -> Response {
    let key = format!("media/{file}");
    let owners = match store::events_using_media(&state.db.pool, &key).await {
        Ok(o) => o,
        Err(e) => return error(e.into()),
    };
    let public = owners.iter().any(|(_, state)| *state != EventState::Draft);
    let cache = if public {
        media::IMMUTABLE
    } else {
        let viewer = user_from_headers(&state, &headers).await.ok().flatten();
        if !owners.iter().any(|(organizer, _)| viewer.as_ref().is_some_and(|u| u.id == *organizer)) {
            return (StatusCode::NOT_FOUND, "Not found.").into_response();
        }
        "private, max-age=31536000, immutable"
    };
    let content_type = file.rsplit('.').next().and_then(media::Sniffed::from_extension).map(|s| s.content_type());
    let Some(content_type) = content_type else { return (StatusCode::NOT_FOUND, "Not found.").into_response() };
    media::serve(&*state.media, &key, content_type, cache, headers.get(header::RANGE)).await
}
