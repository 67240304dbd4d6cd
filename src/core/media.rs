//! Photo and video uploads: type sniffing, size limits, content-addressed storage
//! in an [`object_store::ObjectStore`], safe photo re-encoding and HTTP serving
//! with range requests.
//!
//! Flow for a photo: [`store_upload`] the original (streamed, never whole in
//! memory), read it back, run [`process_photo`] in `spawn_blocking`, then
//! [`store_variant`] each result. Serve only the variants: the original still
//! carries its EXIF metadata (GPS included).
//!
//! Local disk uses `LocalFileSystem`; S3 needs object_store's `aws` feature
//! (not enabled here) and nothing else changes.

use std::fmt;
use std::io::Cursor;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use futures::{Stream, StreamExt};
use http::{header, HeaderValue, StatusCode};
use image::{DynamicImage, ImageDecoder, ImageEncoder, ImageError, ImageFormat, ImageReader};
use object_store::path::Path;
use object_store::{GetOptions, GetRange, ObjectStore, PutMode, PutPayload, WriteMultipart};
use sha2::{Digest, Sha256};

/// Prefix of every content-addressed object.
const KEY_PREFIX: &str = "media";
/// Where uploads live until their hash is known. Objects here are only left
/// behind by a crash mid-upload; a periodic sweep (or a bucket lifecycle rule)
/// can delete anything older than a day.
const TMP_PREFIX: &str = "media/tmp";
/// WebM needs its DocType, which `infer` looks for in the first 256 bytes.
const SNIFF_LEN: usize = 512;
/// Multipart parts in flight per upload (each up to 5 MB).
const MAX_INFLIGHT_PARTS: usize = 2;
/// Sanity bound on either side, independent of the pixel count.
const MAX_SIDE: u32 = 32_768;
const PHONE_SIDE: u32 = 1280;
const THUMB_SIDE: u32 = 360;
const JPEG_QUALITY: u8 = 80;
/// ICC profiles are kept (wide-gamut phone photos look wrong without them)
/// unless implausibly large.
const MAX_ICC_BYTES: usize = 64 * 1024;
const MB: u64 = 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaKind {
    Photo,
    Video,
}

impl fmt::Display for MediaKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MediaKind::Photo => "photo",
            MediaKind::Video => "video",
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub photo_bytes: u64,
    pub photo_pixels: u64,
    pub video_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { photo_bytes: 10 * MB, photo_pixels: 40_000_000, video_bytes: 100 * MB }
    }
}

impl Limits {
    pub fn bytes_for(&self, kind: MediaKind) -> u64 {
        match kind {
            MediaKind::Photo => self.photo_bytes,
            MediaKind::Video => self.video_bytes,
        }
    }
}

/// What the bytes really are, from their magic bytes (never the file name or
/// the declared content type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sniffed {
    Jpeg,
    Png,
    Webp,
    Gif,
    Mp4,
    Webm,
    QuickTime,
}

impl Sniffed {
    pub fn kind(self) -> MediaKind {
        match self {
            Sniffed::Jpeg | Sniffed::Png | Sniffed::Webp | Sniffed::Gif => MediaKind::Photo,
            Sniffed::Mp4 | Sniffed::Webm | Sniffed::QuickTime => MediaKind::Video,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Sniffed::Jpeg => "image/jpeg",
            Sniffed::Png => "image/png",
            Sniffed::Webp => "image/webp",
            Sniffed::Gif => "image/gif",
            Sniffed::Mp4 => "video/mp4",
            Sniffed::Webm => "video/webm",
            Sniffed::QuickTime => "video/quicktime",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Sniffed::Jpeg => "jpg",
            Sniffed::Png => "png",
            Sniffed::Webp => "webp",
            Sniffed::Gif => "gif",
            Sniffed::Mp4 => "mp4",
            Sniffed::Webm => "webm",
            Sniffed::QuickTime => "mov",
        }
    }

    /// Inverse of [`Sniffed::extension`], e.g. to pick the content type of a stored key.
    pub fn from_extension(ext: &str) -> Option<Sniffed> {
        ALL_SNIFFED.into_iter().find(|s| s.extension() == ext)
    }

    fn image_format(self) -> Option<ImageFormat> {
        match self {
            Sniffed::Jpeg => Some(ImageFormat::Jpeg),
            Sniffed::Png => Some(ImageFormat::Png),
            Sniffed::Webp => Some(ImageFormat::WebP),
            Sniffed::Gif => Some(ImageFormat::Gif),
            _ => None,
        }
    }
}

const ALL_SNIFFED: [Sniffed; 7] =
    [Sniffed::Jpeg, Sniffed::Png, Sniffed::Webp, Sniffed::Gif, Sniffed::Mp4, Sniffed::Webm, Sniffed::QuickTime];

/// Identifies a supported photo or video from its first bytes (give at least
/// 512 when the file is that long: WebM is recognised only past 256).
pub fn sniff(head: &[u8]) -> Option<Sniffed> {
    match infer::get(head)?.mime_type() {
        "image/jpeg" => Some(Sniffed::Jpeg),
        "image/png" => Some(Sniffed::Png),
        "image/webp" => Some(Sniffed::Webp),
        "image/gif" => Some(Sniffed::Gif),
        // M4V is MP4 with Apple's brand; browsers play it as video/mp4.
        "video/mp4" | "video/x-m4v" => Some(Sniffed::Mp4),
        "video/webm" => Some(Sniffed::Webm),
        "video/quicktime" => Some(Sniffed::QuickTime),
        _ => None,
    }
}

/// Errors whose `Display` is meant for the person uploading.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("That file is not a photo or a video (JPEG, PNG, WebP, GIF; MP4, WebM or MOV).")]
    NotImageOrVideo,
    #[error("Please choose a {expected} here.")]
    WrongKind { expected: MediaKind },
    #[error("That file is too large: the limit is {limit_mb} MB.")]
    TooLarge { limit_mb: u64 },
    #[error("That photo has too many pixels (at most {max_megapixels} megapixels).")]
    TooManyPixels { max_megapixels: u64 },
    #[error("That photo could not be read; it may be damaged.")]
    Unreadable,
    #[error("The file is empty.")]
    Empty,
    /// The client stopped sending (disconnect, aborted request).
    #[error("The upload was interrupted; please try again.")]
    Interrupted,
    #[error("The file could not be saved; please try again.")]
    Storage(#[source] anyhow::Error),
}

impl MediaError {
    /// A fitting HTTP status for handlers that answer with the message.
    pub fn status(&self) -> StatusCode {
        match self {
            MediaError::NotImageOrVideo | MediaError::WrongKind { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            MediaError::TooLarge { .. } | MediaError::TooManyPixels { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            MediaError::Unreadable => StatusCode::UNPROCESSABLE_ENTITY,
            MediaError::Empty | MediaError::Interrupted => StatusCode::BAD_REQUEST,
            MediaError::Storage(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn too_large(limit: u64) -> Self {
        MediaError::TooLarge { limit_mb: limit.div_ceil(MB) }
    }

    fn too_many_pixels(limits: &Limits) -> Self {
        MediaError::TooManyPixels { max_megapixels: limits.photo_pixels / 1_000_000 }
    }

    /// Logs the cause here so callers only have to show the message.
    fn storage(err: impl Into<anyhow::Error>, what: &str) -> Self {
        let err = err.into().context(what.to_owned());
        tracing::error!(error = ?err, "media storage failed");
        MediaError::Storage(err)
    }
}

/// An upload that made it into the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// Content-addressed object path: `media/<sha256hex>.<ext>`.
    pub key: String,
    pub sniffed: Sniffed,
    pub bytes: u64,
    pub sha256: String,
}

fn content_key(sha256_hex: &str, ext: &str) -> String {
    format!("{KEY_PREFIX}/{sha256_hex}.{ext}")
}

fn temp_path() -> Path {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    Path::from(format!("{TMP_PREFIX}/{nanos}-{}-{n}.part", std::process::id()))
}

/// Aborts the multipart upload if it is dropped unfinished, which also covers
/// the handler future being cancelled when the client goes away.
struct PendingUpload(Option<WriteMultipart>);

impl PendingUpload {
    /// Always there until `abort` or `finish` consume the upload.
    fn writer(&mut self) -> Result<&mut WriteMultipart, MediaError> {
        self.0.as_mut().ok_or_else(|| MediaError::storage(anyhow::anyhow!("upload already finished"), "writing upload"))
    }

    async fn abort(mut self) {
        let Some(w) = self.0.take() else { return };
        if let Err(e) = w.abort().await {
            tracing::warn!(error = %e, "could not abort media upload");
        }
    }

    async fn finish(mut self) -> object_store::Result<()> {
        let Some(w) = self.0.take() else { return Ok(()) };
        // `finish` aborts the upload itself when completing fails; if a part
        // fails it only drops it (the local store cleans up on drop; on S3 a
        // lifecycle rule for incomplete multipart uploads catches the rest).
        w.finish().await.map(|_| ())
    }
}

impl Drop for PendingUpload {
    fn drop(&mut self) {
        let Some(w) = self.0.take() else { return };
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move {
                let _ = w.abort().await;
            });
        }
    }
}

/// Streams an upload body into `store` without holding it whole in memory.
///
/// The type is sniffed from the first bytes before anything is written; the
/// byte limit for that kind is enforced chunk by chunk, so an oversized body is
/// refused as soon as it passes the limit. The body is written under a
/// temporary key and moved to its content-addressed key once its SHA-256 is
/// known; identical files share one object. On any error nothing is left in
/// the store.
pub async fn store_upload<S, E>(
    store: &dyn ObjectStore,
    expected: MediaKind,
    mut body: S,
    limits: &Limits,
) -> Result<Stored, MediaError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin + Send,
    E: fmt::Display,
{
    // Buffer just enough to sniff; chunks are kept whole to avoid copying.
    let mut head: Vec<Bytes> = Vec::new();
    let mut head_len = 0usize;
    while head_len < SNIFF_LEN {
        match body.next().await {
            Some(Ok(chunk)) => {
                head_len += chunk.len();
                head.push(chunk);
            }
            Some(Err(e)) => return Err(interrupted(e)),
            None => break,
        }
    }
    if head_len == 0 {
        return Err(MediaError::Empty);
    }
    let sniffed = {
        let mut first = Vec::with_capacity(head_len.min(SNIFF_LEN));
        for chunk in &head {
            let take = (SNIFF_LEN - first.len()).min(chunk.len());
            first.extend_from_slice(&chunk[..take]);
        }
        sniff(&first).ok_or(MediaError::NotImageOrVideo)?
    };
    if sniffed.kind() != expected {
        return Err(MediaError::WrongKind { expected });
    }
    let limit = limits.bytes_for(expected);

    let tmp = temp_path();
    let upload = store.put_multipart(&tmp).await.map_err(|e| MediaError::storage(e, "starting upload"))?;
    let mut pending = PendingUpload(Some(WriteMultipart::new(upload)));

    let mut hasher = Sha256::new();
    let mut total: u64 = 0;
    let mut chunks = futures::stream::iter(head.into_iter().map(Ok)).chain(&mut body);
    while let Some(next) = chunks.next().await {
        let chunk = match next {
            Ok(chunk) => chunk,
            Err(e) => {
                pending.abort().await;
                return Err(interrupted(e));
            }
        };
        total += chunk.len() as u64;
        if total > limit {
            pending.abort().await;
            return Err(MediaError::too_large(limit));
        }
        hasher.update(&chunk);
        pending.writer()?.put(chunk);
        // Back-pressure: don't read faster than the store accepts parts.
        if let Err(e) = pending.writer()?.wait_for_capacity(MAX_INFLIGHT_PARTS).await {
            pending.abort().await;
            return Err(MediaError::storage(e, "writing upload part"));
        }
    }
    pending.finish().await.map_err(|e| MediaError::storage(e, "completing upload"))?;

    let sha256 = hex::encode(hasher.finalize());
    let key = content_key(&sha256, sniffed.extension());
    if let Err(e) = move_into_place(store, &tmp, &Path::from(key.as_str())).await {
        delete_quietly(store, &tmp).await;
        return Err(MediaError::storage(e, "moving upload into place"));
    }
    Ok(Stored { key, sniffed, bytes: total, sha256 })
}

fn interrupted(e: impl fmt::Display) -> MediaError {
    tracing::info!(error = %e, "media upload interrupted");
    MediaError::Interrupted
}

/// Renames `tmp` to `dest` unless `dest` already holds the same content
/// (content-addressed), in which case `tmp` is simply deleted.
async fn move_into_place(store: &dyn ObjectStore, tmp: &Path, dest: &Path) -> object_store::Result<()> {
    match store.rename_if_not_exists(tmp, dest).await {
        Ok(()) => Ok(()),
        Err(object_store::Error::AlreadyExists { .. }) => store.delete(tmp).await,
        // Stores without atomic create (plain S3): overwriting with identical
        // bytes is harmless, so check and fall back to a plain rename.
        Err(object_store::Error::NotSupported { .. } | object_store::Error::NotImplemented) => {
            match store.head(dest).await {
                Ok(_) => store.delete(tmp).await,
                Err(object_store::Error::NotFound { .. }) => store.rename(tmp, dest).await,
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(e),
    }
}

async fn delete_quietly(store: &dyn ObjectStore, path: &Path) {
    match store.delete(path).await {
        Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
        Err(e) => tracing::warn!(error = %e, %path, "could not delete temporary media object"),
    }
}

/// One re-encoded rendition of a photo.
#[derive(Debug, Clone)]
pub struct Variant {
    /// "phone" or "thumb".
    pub name: &'static str,
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    pub width: u32,
    pub height: u32,
}

impl Variant {
    pub fn extension(&self) -> &'static str {
        "jpg"
    }
}

/// Decodes a photo safely and re-encodes it as JPEG variants "phone" (longest
/// side at most 1280 px) and "thumb" (at most 360 px), never upscaling. EXIF
/// orientation is applied; all metadata except the ICC colour profile is
/// dropped, since only pixels are re-encoded. GIF and animated WebP keep their
/// first frame.
///
/// The pixel count is checked from the header before decoding, and the
/// decoder runs under `image::Limits`, so a decompression bomb is refused
/// before any large allocation. CPU-bound: run it in `spawn_blocking`.
pub fn process_photo(original: &[u8], limits: &Limits) -> Result<Vec<Variant>, MediaError> {
    let sniffed = sniff(original).ok_or(MediaError::NotImageOrVideo)?;
    let format = sniffed.image_format().ok_or(MediaError::WrongKind { expected: MediaKind::Photo })?;
    let map_err = |e: ImageError| match e {
        ImageError::Limits(_) => MediaError::too_many_pixels(limits),
        other => {
            tracing::info!(error = %other, "photo could not be decoded");
            MediaError::Unreadable
        }
    };

    let mut decoder_limits = image::Limits::default();
    decoder_limits.max_image_width = Some(MAX_SIDE);
    decoder_limits.max_image_height = Some(MAX_SIDE);
    // Room for 16-bit RGBA at the pixel limit; the decoders count their own
    // allocations against this too.
    decoder_limits.max_alloc = Some(limits.photo_pixels.saturating_mul(8));

    let mut reader = ImageReader::with_format(Cursor::new(original), format);
    reader.limits(decoder_limits.clone());
    // Only the header is parsed here.
    let mut decoder = reader.into_decoder().map_err(map_err)?;
    let (w, h) = decoder.dimensions();
    if w == 0 || h == 0 {
        return Err(MediaError::Unreadable);
    }
    if u64::from(w) * u64::from(h) > limits.photo_pixels {
        return Err(MediaError::too_many_pixels(limits));
    }
    // `DynamicImage::from_decoder` allocates the whole frame without
    // consulting the limits, so reserve it here as `ImageReader::decode` does.
    decoder_limits.reserve(decoder.total_bytes()).map_err(map_err)?;
    decoder.set_limits(decoder_limits).map_err(map_err)?;

    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let icc = decoder.icc_profile().ok().flatten().filter(|p| p.len() <= MAX_ICC_BYTES);
    let full = DynamicImage::from_decoder(decoder).map_err(map_err)?;

    // Shrink first, then rotate: same result, far less work and memory.
    let mut phone = DynamicImage::ImageRgb8(flatten_to_rgb(fit_within(full, PHONE_SIDE)));
    phone.apply_orientation(orientation);
    let thumb = fit_within(phone.clone(), THUMB_SIDE);

    Ok(vec![encode_jpeg("phone", &phone, icc.as_deref())?, encode_jpeg("thumb", &thumb, icc.as_deref())?])
}

/// Scales so the longest side is at most `max_side`, never up.
fn fit_within(img: DynamicImage, max_side: u32) -> DynamicImage {
    let (w, h) = (img.width(), img.height());
    if w.max(h) <= max_side {
        return img;
    }
    // Box-average down to about twice the target first (cheap, no aliasing),
    // then finish with a good filter.
    let img = if w.max(h) > max_side * 2 { img.thumbnail(max_side * 2, max_side * 2) } else { img };
    img.resize(max_side, max_side, image::imageops::FilterType::CatmullRom)
}

/// JPEG has no alpha: composite transparent pixels onto white, not black.
fn flatten_to_rgb(img: DynamicImage) -> image::RgbImage {
    if !img.color().has_alpha() {
        return img.into_rgb8();
    }
    let rgba = img.into_rgba8();
    image::RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let blend = |c: u8| ((u16::from(c) * u16::from(a) + 255 * (255 - u16::from(a))) / 255) as u8;
        image::Rgb([blend(r), blend(g), blend(b)])
    })
}

fn encode_jpeg(name: &'static str, img: &DynamicImage, icc: Option<&[u8]>) -> Result<Variant, MediaError> {
    let rgb = img.to_rgb8();
    let mut bytes = Vec::new();
    let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, JPEG_QUALITY);
    if let Some(icc) = icc {
        // Best effort: a photo without its profile is still a photo.
        let _ = encoder.set_icc_profile(icc.to_vec());
    }
    encoder.write_image(rgb.as_raw(), rgb.width(), rgb.height(), image::ExtendedColorType::Rgb8).map_err(|e| {
        tracing::error!(error = %e, "jpeg encoding failed");
        MediaError::Unreadable
    })?;
    Ok(Variant { name, bytes, content_type: "image/jpeg", width: rgb.width(), height: rgb.height() })
}

/// Stores a variant under its content-addressed key (`media/<sha256>.jpg`)
/// and returns the key; storing the same bytes again is a no-op.
pub async fn store_variant(store: &dyn ObjectStore, variant: &Variant) -> Result<String, MediaError> {
    let key = content_key(&hex::encode(Sha256::digest(&variant.bytes)), variant.extension());
    let path = Path::from(key.as_str());
    let payload = PutPayload::from(Bytes::copy_from_slice(&variant.bytes));
    match store.put_opts(&path, payload.clone(), PutMode::Create.into()).await {
        Ok(_) | Err(object_store::Error::AlreadyExists { .. }) => Ok(key),
        Err(object_store::Error::NotImplemented | object_store::Error::NotSupported { .. }) => {
            store.put(&path, payload).await.map(|_| key).map_err(|e| MediaError::storage(e, "storing photo variant"))
        }
        Err(e) => Err(MediaError::storage(e, "storing photo variant")),
    }
}

/// A parsed single `Range: bytes=…` spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ByteRange {
    /// `a-b` (inclusive) or `a-`.
    From { first: u64, last: Option<u64> },
    /// `-n`: the last n bytes.
    Suffix(u64),
}

impl ByteRange {
    /// `None` means "ignore the header and send everything" (RFC 9110: a
    /// syntactically invalid Range is ignored; multiple ranges may be too).
    fn parse(value: &HeaderValue) -> Option<ByteRange> {
        let spec = value.to_str().ok()?.trim().strip_prefix("bytes=")?.trim();
        if spec.contains(',') {
            return None;
        }
        let (first, last) = spec.split_once('-')?;
        let (first, last) = (first.trim(), last.trim());
        if first.is_empty() {
            return Some(ByteRange::Suffix(last.parse().ok()?));
        }
        let first: u64 = first.parse().ok()?;
        let last: Option<u64> = if last.is_empty() { None } else { Some(last.parse().ok()?) };
        if last.is_some_and(|l| l < first) {
            return None;
        }
        Some(ByteRange::From { first, last })
    }

    fn satisfiable(self, len: u64) -> bool {
        match self {
            ByteRange::From { first, .. } => first < len,
            ByteRange::Suffix(n) => n > 0 && len > 0,
        }
    }

    fn to_get_range(self) -> GetRange {
        match self {
            ByteRange::From { first, last: Some(last) } => GetRange::Bounded(first..last.saturating_add(1)),
            ByteRange::From { first, last: None } => GetRange::Offset(first),
            ByteRange::Suffix(n) => GetRange::Suffix(n),
        }
    }
}

/// Deletes what interrupted uploads left under the temporary prefix, when last written
/// before `cutoff` (a crash mid-upload; a dropped upload cleans up after itself). Returns
/// how many objects went.
pub async fn sweep_temporary(
    store: &dyn ObjectStore,
    cutoff: chrono::DateTime<chrono::Utc>,
) -> object_store::Result<usize> {
    let prefix = Path::from(TMP_PREFIX);
    let old: Vec<Path> = store
        .list(Some(&prefix))
        .filter_map(|meta| async move { meta.ok().filter(|m| m.last_modified < cutoff).map(|m| m.location) })
        .collect()
        .await;
    for path in &old {
        store.delete(path).await?;
    }
    Ok(old.len())
}

/// Serves one stored object, streamed from the store, with `Range` support
/// (single ranges; anything else gets the whole body). `cache_control` lets
/// the caller make private media `private, max-age=…`; content-addressed
/// public media can use [`IMMUTABLE`].
pub async fn serve(
    store: &dyn ObjectStore,
    key: &str,
    content_type: &str,
    cache_control: &str,
    range: Option<&HeaderValue>,
) -> Response {
    let Ok(path) = Path::parse(key) else {
        return plain(StatusCode::NOT_FOUND, "Not found");
    };
    let range = range.and_then(ByteRange::parse);

    let result = match range {
        // `bytes=-0` can never be satisfied; object_store would return nothing.
        Some(r @ ByteRange::Suffix(0)) => Err(r),
        Some(r) => {
            let opts = GetOptions { range: Some(r.to_get_range()), ..Default::default() };
            match store.get_opts(&path, opts).await {
                Ok(res) => Ok(res),
                Err(object_store::Error::NotFound { .. }) => {
                    return plain(StatusCode::NOT_FOUND, "Not found");
                }
                // Stores report out-of-range starts differently; decide from the size.
                Err(e) => {
                    tracing::debug!(error = %e, key, "ranged get failed");
                    Err(r)
                }
            }
        }
        None => match store.get(&path).await {
            Ok(res) => Ok(res),
            Err(object_store::Error::NotFound { .. }) => {
                return plain(StatusCode::NOT_FOUND, "Not found");
            }
            Err(e) => return storage_failure(e, key),
        },
    };

    let mut builder =
        Response::builder().header(header::X_CONTENT_TYPE_OPTIONS, "nosniff").header(header::ACCEPT_RANGES, "bytes");

    match result {
        Ok(res) => {
            let size = res.meta.size;
            let served = res.range.clone();
            if range.is_some() && served.is_empty() {
                return not_satisfiable(builder, size);
            }
            builder = builder
                .header(header::CONTENT_TYPE, content_type)
                .header(header::CACHE_CONTROL, cache_control)
                .header(header::ETAG, format!("\"{key}\""))
                .header(header::CONTENT_LENGTH, served.end - served.start);
            if range.is_some() {
                builder = builder
                    .status(StatusCode::PARTIAL_CONTENT)
                    .header(header::CONTENT_RANGE, format!("bytes {}-{}/{size}", served.start, served.end - 1));
            }
            builder.body(Body::from_stream(res.into_stream())).unwrap_or_else(|e| storage_failure(e, key))
        }
        Err(r) => match store.head(&path).await {
            Ok(meta) if !r.satisfiable(meta.size) => not_satisfiable(builder, meta.size),
            Ok(_) => plain(StatusCode::INTERNAL_SERVER_ERROR, "The file could not be read."),
            Err(object_store::Error::NotFound { .. }) => plain(StatusCode::NOT_FOUND, "Not found"),
            Err(e) => storage_failure(e, key),
        },
    }
}

/// `Cache-Control` for content-addressed objects: the name changes whenever the bytes do.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

fn not_satisfiable(builder: http::response::Builder, size: u64) -> Response {
    builder
        .status(StatusCode::RANGE_NOT_SATISFIABLE)
        .header(header::CONTENT_RANGE, format!("bytes */{size}"))
        .body(Body::empty())
        .unwrap_or_else(|_| plain(StatusCode::RANGE_NOT_SATISFIABLE, ""))
}

fn storage_failure(e: impl fmt::Display, key: &str) -> Response {
    tracing::error!(error = %e, key, "serving media failed");
    plain(StatusCode::INTERNAL_SERVER_ERROR, "The file could not be read.")
}

fn plain(status: StatusCode, msg: &'static str) -> Response {
    let mut res = Response::new(Body::from(msg));
    *res.status_mut() = status;
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    res.headers_mut().insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::codecs::jpeg::JpegEncoder;
    use image::codecs::png::PngEncoder;
    use object_store::local::LocalFileSystem;
    use object_store::memory::InMemory;
    use std::sync::atomic::AtomicUsize;
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    fn gradient(w: u32, h: u32) -> image::RgbImage {
        image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 255 / w.max(1)) as u8, (y * 255 / h.max(1)) as u8, 128]))
    }

    /// Incompressible pixels, for files of a predictable size.
    fn noise(w: u32, h: u32) -> image::RgbImage {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        image::RgbImage::from_fn(w, h, |_, _| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let [r, g, b, ..] = state.to_le_bytes();
            image::Rgb([r, g, b])
        })
    }

    fn png_bytes(img: &image::RgbImage) -> Vec<u8> {
        let mut out = Vec::new();
        PngEncoder::new(&mut out)
            .write_image(img.as_raw(), img.width(), img.height(), image::ExtendedColorType::Rgb8)
            .unwrap();
        out
    }

    fn jpeg_bytes(img: &image::RgbImage) -> Vec<u8> {
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, 90)
            .write_image(img.as_raw(), img.width(), img.height(), image::ExtendedColorType::Rgb8)
            .unwrap();
        out
    }

    fn decode(bytes: &[u8]) -> DynamicImage {
        image::load_from_memory(bytes).unwrap()
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    /// A body stream that counts how many chunks were pulled from it.
    fn counted(
        chunks: Vec<Bytes>,
        pulled: Arc<AtomicUsize>,
    ) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Unpin + Send {
        futures::stream::iter(chunks).map(move |c| {
            pulled.fetch_add(1, Ordering::SeqCst);
            Ok(c)
        })
    }

    fn body_of(bytes: &[u8], chunk: usize) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Unpin + Send {
        let chunks: Vec<Bytes> = bytes.chunks(chunk).map(Bytes::copy_from_slice).collect();
        futures::stream::iter(chunks.into_iter().map(Ok))
    }

    fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                out.extend(files_under(&path));
            } else {
                out.push(path);
            }
        }
        out
    }

    async fn listed(store: &dyn ObjectStore) -> Vec<String> {
        let mut keys: Vec<String> = store.list(None).map(|m| m.unwrap().location.to_string()).collect().await;
        keys.sort();
        keys
    }

    fn local_store() -> (tempfile::TempDir, LocalFileSystem) {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalFileSystem::new_with_prefix(dir.path()).unwrap();
        (dir, store)
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }

    /// A valid tiny PNG whose IHDR claims `w`×`h` (CRC fixed up).
    fn png_claiming(w: u32, h: u32) -> Vec<u8> {
        let mut png = png_bytes(&gradient(1, 1));
        assert_eq!(&png[12..16], b"IHDR");
        png[16..20].copy_from_slice(&w.to_be_bytes());
        png[20..24].copy_from_slice(&h.to_be_bytes());
        let crc = crc32(&png[12..29]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());
        png
    }

    /// Inserts an EXIF APP1 segment (big-endian TIFF, one IFD entry:
    /// Orientation) right after the JPEG's SOI marker.
    fn with_exif_orientation(mut jpeg: Vec<u8>, orientation: u16) -> Vec<u8> {
        let mut tiff = Vec::new();
        tiff.extend_from_slice(b"MM\0\x2a");
        tiff.extend_from_slice(&8u32.to_be_bytes()); // first IFD offset
        tiff.extend_from_slice(&1u16.to_be_bytes()); // one entry
        tiff.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
        tiff.extend_from_slice(&3u16.to_be_bytes()); // SHORT
        tiff.extend_from_slice(&1u32.to_be_bytes()); // count
        tiff.extend_from_slice(&orientation.to_be_bytes());
        tiff.extend_from_slice(&[0, 0]); // value padding
        tiff.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
        let mut seg = vec![0xFF, 0xE1];
        seg.extend_from_slice(&((2 + 6 + tiff.len()) as u16).to_be_bytes());
        seg.extend_from_slice(b"Exif\0\0");
        seg.extend_from_slice(&tiff);
        jpeg.splice(2..2, seg);
        jpeg
    }

    fn mp4_head() -> Vec<u8> {
        let mut v = vec![0, 0, 0, 0x18];
        v.extend_from_slice(b"ftypmp42");
        v.resize(4096, 0);
        v
    }

    // ---- sniffing ----

    #[test]
    fn sniffs_by_content_only() {
        let png = png_bytes(&gradient(4, 4));
        assert_eq!(sniff(&png), Some(Sniffed::Png));
        assert_eq!(sniff(&jpeg_bytes(&gradient(4, 4))), Some(Sniffed::Jpeg));
        assert_eq!(sniff(&mp4_head()), Some(Sniffed::Mp4));
        assert_eq!(sniff(b"hello, this is text\n"), None);
        assert_eq!(sniff(b""), None);

        // EBML header with DocType "webm", padded past infer's 256-byte window.
        let mut webm = vec![0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x86, 0x81, 0x01];
        webm.extend_from_slice(b"\x42\x82\x84webm");
        webm.resize(600, 0);
        assert_eq!(sniff(&webm), Some(Sniffed::Webm));

        let mut mov = vec![0, 0, 0, 0x14];
        mov.extend_from_slice(b"ftypqt  ");
        mov.resize(64, 0);
        assert_eq!(sniff(&mov), Some(Sniffed::QuickTime));

        for s in ALL_SNIFFED {
            assert_eq!(Sniffed::from_extension(s.extension()), Some(s));
        }
        assert_eq!(Sniffed::Png.kind(), MediaKind::Photo);
        assert_eq!(Sniffed::QuickTime.content_type(), "video/quicktime");
    }

    #[test]
    fn messages_are_for_people() {
        assert_eq!(MediaError::WrongKind { expected: MediaKind::Video }.to_string(), "Please choose a video here.");
        assert_eq!(
            MediaError::too_large(Limits::default().photo_bytes).to_string(),
            "That file is too large: the limit is 10 MB."
        );
        assert_eq!(
            MediaError::too_large(Limits::default().video_bytes).to_string(),
            "That file is too large: the limit is 100 MB."
        );
        assert_eq!(
            MediaError::too_many_pixels(&Limits::default()).to_string(),
            "That photo has too many pixels (at most 40 megapixels)."
        );
        assert_eq!(
            MediaError::Storage(anyhow::anyhow!("disk full")).to_string(),
            "The file could not be saved; please try again."
        );
    }

    // ---- store_upload ----

    #[tokio::test]
    async fn stores_photo_content_addressed_and_dedups() {
        let (dir, store) = local_store();
        let png = png_bytes(&gradient(64, 48));
        let limits = Limits::default();

        let a = store_upload(&store, MediaKind::Photo, body_of(&png, 100), &limits).await.unwrap();
        let sha = hex::encode(Sha256::digest(&png));
        assert_eq!(a.key, format!("media/{sha}.png"));
        assert_eq!(a.sha256, sha);
        assert_eq!(a.sniffed, Sniffed::Png);
        assert_eq!(a.bytes, png.len() as u64);

        let got = store.get(&Path::from(a.key.as_str())).await.unwrap().bytes().await.unwrap();
        assert_eq!(&got[..], &png[..]);

        // Same bytes, different chunking: same key, still one object.
        let b = store_upload(&store, MediaKind::Photo, body_of(&png, 7), &limits).await.unwrap();
        assert_eq!(a, b);
        assert_eq!(listed(&store).await, vec![a.key.clone()]);
        assert_eq!(files_under(dir.path()).len(), 1);
    }

    #[tokio::test]
    async fn stores_video() {
        let store = InMemory::new();
        let stored =
            store_upload(&store, MediaKind::Video, body_of(&mp4_head(), 1000), &Limits::default()).await.unwrap();
        assert_eq!(stored.sniffed, Sniffed::Mp4);
        assert!(stored.key.ends_with(".mp4"));
    }

    #[tokio::test]
    async fn refuses_wrong_kind_and_non_media_before_writing() {
        let (dir, store) = local_store();
        let limits = Limits::default();
        let png = png_bytes(&gradient(8, 8));

        let err = store_upload(&store, MediaKind::Video, body_of(&png, 1000), &limits).await.unwrap_err();
        assert!(matches!(err, MediaError::WrongKind { expected: MediaKind::Video }), "{err:?}");

        let err = store_upload(&store, MediaKind::Photo, body_of(&mp4_head(), 1000), &limits).await.unwrap_err();
        assert!(matches!(err, MediaError::WrongKind { expected: MediaKind::Photo }), "{err:?}");

        let text = b"Dear Hearth, this is definitely a holiday photo. Really.\n".repeat(20);
        let err = store_upload(&store, MediaKind::Photo, body_of(&text, 64), &limits).await.unwrap_err();
        assert!(matches!(err, MediaError::NotImageOrVideo), "{err:?}");

        let err = store_upload(&store, MediaKind::Photo, body_of(b"", 1), &limits).await.unwrap_err();
        assert!(matches!(err, MediaError::Empty), "{err:?}");

        assert!(listed(&store).await.is_empty());
        assert!(files_under(dir.path()).is_empty());
    }

    #[tokio::test]
    async fn stops_reading_at_the_limit_and_leaves_nothing() {
        let (dir, store) = local_store();
        let limits = Limits { photo_bytes: 10 * 1024, ..Limits::default() };

        // A PNG signature followed by 100 chunks of 1 KiB: 100 KiB in all.
        let mut chunks = vec![Bytes::from(png_bytes(&gradient(2, 2)))];
        chunks.extend((0..100).map(|_| Bytes::from(vec![0u8; 1024])));
        let total_chunks = chunks.len();
        let pulled = Arc::new(AtomicUsize::new(0));

        let err = store_upload(&store, MediaKind::Photo, counted(chunks, pulled.clone()), &limits).await.unwrap_err();
        assert!(matches!(err, MediaError::TooLarge { limit_mb: 1 }), "{err:?}");
        let pulled = pulled.load(Ordering::SeqCst);
        assert!(pulled <= 12, "read {pulled} chunks for a 10 KiB limit");
        assert!(pulled < total_chunks);

        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(listed(&store).await.is_empty());
        assert!(files_under(dir.path()).is_empty(), "{:?}", files_under(dir.path()));
    }

    #[tokio::test]
    async fn a_stream_error_midway_leaves_nothing() {
        let (dir, store) = local_store();
        let png = png_bytes(&noise(64, 64));
        assert!(png.len() > 4 * 200 + SNIFF_LEN, "the error must come after the upload started");
        let mut items: Vec<Result<Bytes, std::io::Error>> =
            png.chunks(200).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
        items.insert(4, Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "client went away")));

        let err =
            store_upload(&store, MediaKind::Photo, futures::stream::iter(items), &Limits::default()).await.unwrap_err();
        assert!(matches!(err, MediaError::Interrupted), "{err:?}");

        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(listed(&store).await.is_empty());
        assert!(files_under(dir.path()).is_empty(), "{:?}", files_under(dir.path()));
    }

    #[tokio::test]
    async fn a_cancelled_upload_leaves_nothing() {
        let (dir, store) = local_store();
        let head = Bytes::from(png_bytes(&noise(32, 32)));
        assert!(head.len() > SNIFF_LEN);
        // Sends a real head, then stalls; the handler future is then dropped,
        // as axum does when the client goes away.
        let body = futures::stream::iter([Ok::<_, std::io::Error>(head)]).chain(futures::stream::pending());
        let limits = Limits::default();
        let mut upload = Box::pin(store_upload(&store, MediaKind::Photo, body, &limits));
        tokio::select! {
            _ = &mut upload => panic!("upload should be waiting for more data"),
            _ = tokio::time::sleep(Duration::from_millis(100)) => {}
        }
        assert!(!files_under(dir.path()).is_empty(), "the upload had started");
        drop(upload);

        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(files_under(dir.path()).is_empty(), "{:?}", files_under(dir.path()));
    }

    #[test]
    fn store_upload_future_is_send() {
        fn assert_send<T: Send>(_: &T) {}
        let store = InMemory::new();
        let limits = Limits::default();
        let fut = store_upload(&store, MediaKind::Photo, body_of(b"x", 1), &limits);
        assert_send(&fut);
    }

    // ---- process_photo ----

    #[test]
    fn png_becomes_jpeg_variants_of_the_right_size() {
        let png = png_bytes(&gradient(1600, 1000));
        let variants = process_photo(&png, &Limits::default()).unwrap();
        let sizes: Vec<_> = variants.iter().map(|v| (v.name, v.width, v.height)).collect();
        assert_eq!(sizes, vec![("phone", 1280, 800), ("thumb", 360, 225)]);
        for v in &variants {
            assert_eq!(v.content_type, "image/jpeg");
            assert_eq!(sniff(&v.bytes), Some(Sniffed::Jpeg));
            let img = decode(&v.bytes);
            assert_eq!((img.width(), img.height()), (v.width, v.height));
        }
    }

    #[test]
    fn small_jpeg_is_never_upscaled() {
        let jpeg = jpeg_bytes(&gradient(300, 200));
        let variants = process_photo(&jpeg, &Limits::default()).unwrap();
        let sizes: Vec<_> = variants.iter().map(|v| (v.name, v.width, v.height)).collect();
        assert_eq!(sizes, vec![("phone", 300, 200), ("thumb", 300, 200)]);
    }

    #[test]
    fn portrait_photo_is_bounded_by_its_height() {
        let jpeg = jpeg_bytes(&gradient(900, 1800));
        let variants = process_photo(&jpeg, &Limits::default()).unwrap();
        assert_eq!((variants[0].width, variants[0].height), (640, 1280));
        assert_eq!((variants[1].width, variants[1].height), (180, 360));
    }

    #[test]
    fn exif_orientation_is_applied_and_metadata_stripped() {
        // Left half red, right half blue; orientation 6 = rotate 90° clockwise,
        // so the red half must end up on top.
        let img =
            image::RgbImage::from_fn(
                40,
                20,
                |x, _| {
                    if x < 20 {
                        image::Rgb([255, 0, 0])
                    } else {
                        image::Rgb([0, 0, 255])
                    }
                },
            );
        let jpeg = with_exif_orientation(jpeg_bytes(&img), 6);
        assert!(contains(&jpeg, b"Exif\0\0"));
        assert_eq!(decode(&jpeg).width(), 40, "fixture decodes unrotated");

        let variants = process_photo(&jpeg, &Limits::default()).unwrap();
        for v in &variants {
            assert_eq!((v.width, v.height), (20, 40));
            assert!(!contains(&v.bytes, b"Exif"), "{} still has EXIF", v.name);
            let out = decode(&v.bytes).to_rgb8();
            let top = out.get_pixel(10, 5).0;
            let bottom = out.get_pixel(10, 35).0;
            assert!(top[0] > 200 && top[2] < 60, "top is {top:?}");
            assert!(bottom[2] > 200 && bottom[0] < 60, "bottom is {bottom:?}");
        }
    }

    #[test]
    fn gif_and_webp_are_decoded() {
        // GIF encoding quantizes colours and is slow in debug builds: keep it small.
        let small = DynamicImage::ImageRgb8(gradient(720, 360)).to_rgba8();
        let mut gif = Vec::new();
        image::codecs::gif::GifEncoder::new_with_speed(&mut gif, 30)
            .encode(small.as_raw(), 720, 360, image::ExtendedColorType::Rgba8)
            .unwrap();
        let large = gradient(1400, 700);
        let mut webp = Vec::new();
        image::codecs::webp::WebPEncoder::new_lossless(&mut webp)
            .encode(large.as_raw(), 1400, 700, image::ExtendedColorType::Rgb8)
            .unwrap();
        for (file, sniffed, phone) in [(gif, Sniffed::Gif, (720, 360)), (webp, Sniffed::Webp, (1280, 640))] {
            assert_eq!(sniff(&file), Some(sniffed));
            let variants = process_photo(&file, &Limits::default()).unwrap();
            let sizes: Vec<_> = variants.iter().map(|v| (v.width, v.height)).collect();
            assert_eq!(sizes, vec![phone, (360, 180)], "{sniffed:?}");
        }
    }

    #[test]
    fn transparent_png_is_flattened_onto_white() {
        let img = image::RgbaImage::from_pixel(20, 20, image::Rgba([0, 0, 0, 0]));
        let mut png = Vec::new();
        PngEncoder::new(&mut png).write_image(img.as_raw(), 20, 20, image::ExtendedColorType::Rgba8).unwrap();
        let variants = process_photo(&png, &Limits::default()).unwrap();
        let px = decode(&variants[0].bytes).to_rgb8().get_pixel(10, 10).0;
        assert!(px.iter().all(|&c| c > 240), "{px:?}");
    }

    #[test]
    fn decompression_bombs_are_refused_before_decoding() {
        let limits = Limits::default();
        // 50000×50000 RGB would need 7.5 GB; the file is ~70 bytes.
        for (w, h) in [(50_000, 50_000), (7_000, 7_000), (1, 100_000)] {
            let bomb = png_claiming(w, h);
            assert!(bomb.len() < 200);
            let started = Instant::now();
            let err = process_photo(&bomb, &limits).unwrap_err();
            assert!(matches!(err, MediaError::TooManyPixels { max_megapixels: 40 }), "{w}x{h}: {err:?}");
            assert!(started.elapsed() < Duration::from_secs(1), "{w}x{h} took {:?}", started.elapsed());
        }
        // A tighter pixel limit applies the same way.
        let small = Limits { photo_pixels: 1_000_000, ..Limits::default() };
        let err = process_photo(&png_claiming(1001, 1000), &small).unwrap_err();
        assert!(matches!(err, MediaError::TooManyPixels { max_megapixels: 1 }), "{err:?}");
    }

    #[test]
    fn damaged_or_non_photo_input_is_refused() {
        // Plausible header, missing pixel data.
        let err = process_photo(&png_claiming(500, 500), &Limits::default()).unwrap_err();
        assert!(matches!(err, MediaError::Unreadable), "{err:?}");

        let mut jpeg = jpeg_bytes(&gradient(64, 64));
        jpeg.truncate(40);
        let err = process_photo(&jpeg, &Limits::default()).unwrap_err();
        assert!(matches!(err, MediaError::Unreadable), "{err:?}");

        let err = process_photo(&mp4_head(), &Limits::default()).unwrap_err();
        assert!(matches!(err, MediaError::WrongKind { expected: MediaKind::Photo }), "{err:?}");
        let err = process_photo(b"plain text", &Limits::default()).unwrap_err();
        assert!(matches!(err, MediaError::NotImageOrVideo), "{err:?}");
    }

    #[tokio::test]
    async fn variants_are_stored_content_addressed() {
        let store = InMemory::new();
        let variants = process_photo(&png_bytes(&gradient(500, 400)), &Limits::default()).unwrap();
        let key = store_variant(&store, &variants[0]).await.unwrap();
        assert_eq!(key, format!("media/{}.jpg", hex::encode(Sha256::digest(&variants[0].bytes))));
        assert_eq!(store_variant(&store, &variants[0]).await.unwrap(), key);
        assert_eq!(listed(&store).await, vec![key]);
    }

    // ---- serve ----

    async fn parts(res: Response) -> (StatusCode, http::HeaderMap, Bytes) {
        let (parts, body) = res.into_parts();
        let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
        (parts.status, parts.headers, body)
    }

    fn header_str(h: &http::HeaderMap, name: header::HeaderName) -> &str {
        h.get(&name).map(|v| v.to_str().unwrap()).unwrap_or("")
    }

    async fn served(store: &dyn ObjectStore, range: Option<&str>) -> (StatusCode, http::HeaderMap, Bytes) {
        let range = range.map(|r| HeaderValue::from_str(r).unwrap());
        parts(serve(store, "media/abc.mp4", "video/mp4", IMMUTABLE, range.as_ref()).await).await
    }

    async fn stores_with_object() -> Vec<(Box<dyn ObjectStore>, Option<tempfile::TempDir>)> {
        let data: Vec<u8> = (0..100u8).collect();
        let mem = InMemory::new();
        let (dir, local) = local_store();
        let path = Path::from("media/abc.mp4");
        mem.put(&path, data.clone().into()).await.unwrap();
        local.put(&path, data.into()).await.unwrap();
        vec![(Box::new(mem), None), (Box::new(local), Some(dir))]
    }

    #[tokio::test]
    async fn serves_whole_object_with_headers() {
        for (store, _dir) in stores_with_object().await {
            let (status, h, body) = served(store.as_ref(), None).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(body.len(), 100);
            assert_eq!(header_str(&h, header::CONTENT_TYPE), "video/mp4");
            assert_eq!(header_str(&h, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
            assert_eq!(header_str(&h, header::CACHE_CONTROL), IMMUTABLE);
            assert_eq!(header_str(&h, header::ACCEPT_RANGES), "bytes");
            assert_eq!(header_str(&h, header::ETAG), "\"media/abc.mp4\"");
            assert_eq!(header_str(&h, header::CONTENT_LENGTH), "100");
        }
    }

    #[tokio::test]
    async fn serves_ranges() {
        for (store, _dir) in stores_with_object().await {
            let store = store.as_ref();
            let (status, h, body) = served(store, Some("bytes=0-9")).await;
            assert_eq!(status, StatusCode::PARTIAL_CONTENT);
            assert_eq!(&body[..], &(0..10u8).collect::<Vec<_>>()[..]);
            assert_eq!(header_str(&h, header::CONTENT_RANGE), "bytes 0-9/100");
            assert_eq!(header_str(&h, header::CONTENT_LENGTH), "10");
            assert_eq!(header_str(&h, header::X_CONTENT_TYPE_OPTIONS), "nosniff");

            let (status, h, body) = served(store, Some("bytes=-5")).await;
            assert_eq!(status, StatusCode::PARTIAL_CONTENT);
            assert_eq!(&body[..], &[95, 96, 97, 98, 99]);
            assert_eq!(header_str(&h, header::CONTENT_RANGE), "bytes 95-99/100");

            let (status, h, body) = served(store, Some("bytes=90-")).await;
            assert_eq!(status, StatusCode::PARTIAL_CONTENT);
            assert_eq!(body.len(), 10);
            assert_eq!(header_str(&h, header::CONTENT_RANGE), "bytes 90-99/100");

            // An end past the object is clamped.
            let (status, h, _) = served(store, Some("bytes=50-1000")).await;
            assert_eq!(status, StatusCode::PARTIAL_CONTENT);
            assert_eq!(header_str(&h, header::CONTENT_RANGE), "bytes 50-99/100");

            for unsatisfiable in ["bytes=999999-", "bytes=100-200", "bytes=-0"] {
                let (status, h, body) = served(store, Some(unsatisfiable)).await;
                assert_eq!(status, StatusCode::RANGE_NOT_SATISFIABLE, "{unsatisfiable}");
                assert_eq!(header_str(&h, header::CONTENT_RANGE), "bytes */100");
                assert!(body.is_empty());
            }

            // Invalid or multiple ranges are ignored: the whole body.
            for ignored in ["bytes=5-2", "items=0-1", "bytes=0-1,5-6", "bytes=abc"] {
                let (status, _, body) = served(store, Some(ignored)).await;
                assert_eq!(status, StatusCode::OK, "{ignored}");
                assert_eq!(body.len(), 100);
            }
        }
    }

    #[tokio::test]
    async fn missing_objects_are_404() {
        let store = InMemory::new();
        let (status, h, _) = served(&store, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(header_str(&h, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
        let (status, _, _) = served(&store, Some("bytes=0-9")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn the_sweep_deletes_old_temporary_objects_only() {
        let store = object_store::memory::InMemory::new();
        store.put(&Path::from("media/tmp/left-behind.part"), PutPayload::from_static(b"half")).await.unwrap();
        store.put(&Path::from("media/kept.jpg"), PutPayload::from_static(b"photo")).await.unwrap();
        let before = chrono::Utc::now() - chrono::Duration::hours(1);
        assert_eq!(sweep_temporary(&store, before).await.unwrap(), 0, "a recent upload may still be going on");
        let later = chrono::Utc::now() + chrono::Duration::seconds(1);
        assert_eq!(sweep_temporary(&store, later).await.unwrap(), 1);
        assert!(store.head(&Path::from("media/kept.jpg")).await.is_ok(), "stored media stay");
    }
}
