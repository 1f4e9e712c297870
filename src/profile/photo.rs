//! The profile photo: upload (sniffed, decoded with limits, cropped to 256 and 64 px squares,
//! re-encoded as JPEG without metadata), serving to signed-in users, deletion.

use std::io::Cursor;

use axum::body::Body;
use axum::extract::{Multipart, Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use image::imageops::FilterType;
use image::{ImageFormat, ImageReader, Limits};

use super::handlers::render_stored;
use super::model::Errors;
use super::queries;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::storage::{Bucket, Storage};
use crate::teach::files;
use crate::web::{Ctx, FlashLevel, multipart};

/// Largest photo accepted, whatever the platform's upload limit.
const PHOTO_MAX_BYTES: usize = 5 * 1024 * 1024;
const SIZES: [u32; 2] = [256, 64];

/// The stored name of one size of the photo `stem` (`users.photo_path`).
pub(super) fn file_name(stem: &str, size: u32) -> String {
    format!("{stem}-{size}.jpg")
}

/// Decodes a JPEG/PNG/WebP recognised by its content (with dimension and memory limits against
/// decompression bombs), crops the centre square and returns JPEGs of 256 and 64 px. JPEG
/// re-encoding keeps pixels only: EXIF, GPS and comments are gone. CPU-bound: call it from
/// `spawn_blocking`. `Err` is a catalogue key.
pub fn process_photo(bytes: &[u8]) -> Result<[Vec<u8>; 2], &'static str> {
    let format = image::guess_format(bytes).map_err(|_| "profile.error.photo_type")?;
    if !matches!(
        format,
        ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP
    ) {
        return Err("profile.error.photo_type");
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(8_000);
    limits.max_image_height = Some(8_000);
    limits.max_alloc = Some(128 * 1024 * 1024);
    reader.limits(limits);
    let img = reader
        .decode()
        .map_err(|_| "profile.error.photo_unreadable")?;
    let large = img.resize_to_fill(SIZES[0], SIZES[0], FilterType::Lanczos3);
    let small = large.resize_exact(SIZES[1], SIZES[1], FilterType::Lanczos3);
    let encode = |img: &image::DynamicImage| {
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
            .encode_image(&img.to_rgb8())
            .map(|()| out)
            .map_err(|_| "profile.error.photo_unreadable")
    };
    Ok([encode(&large)?, encode(&small)?])
}

pub async fn upload_photo(
    State(state): State<AppState>,
    ctx: Ctx,
    multipart: Multipart,
) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let max = state.config.max_upload_bytes.min(PHOTO_MAX_BYTES);
    let (_, upload) = multipart::read(multipart, "photo", max).await?;
    let processed = match upload {
        Some(u) if u.too_large => Err("profile.error.photo_too_large"),
        Some(u) => tokio::task::spawn_blocking(move || process_photo(&u.bytes))
            .await
            .map_err(|e| AppError::Internal(e.into()))?,
        None => Err("profile.error.photo_missing"),
    };
    let jpegs = match processed {
        Ok(jpegs) => jpegs,
        Err(key) => {
            let mut errors = Errors::new();
            errors.insert("photo", state.i18n.t(ctx.locale, key).to_owned());
            return render_stored(&state, &ctx, StatusCode::UNPROCESSABLE_ENTITY, errors).await;
        }
    };
    let stem = files::random_name();
    for (size, jpeg) in SIZES.iter().zip(&jpegs) {
        state
            .files
            .put(Bucket::Photos, &file_name(&stem, *size), jpeg)
            .await?;
    }
    let old = queries::set_photo(&state.db, user.id, Some(&stem)).await?;
    remove_files(&state.files, old.as_deref()).await;
    tracing::info!(user.id = user.id, "profile photo replaced");
    Ok(ctx.redirect_with_flash(FlashLevel::Success, "profile.flash.photo_saved", "/profile"))
}

async fn remove_files(files: &Storage, stem: Option<&str>) {
    if let Some(stem) = stem {
        for size in SIZES {
            files
                .remove_logged(Bucket::Photos, &file_name(stem, size))
                .await;
        }
    }
}

pub async fn delete_photo(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let old = queries::set_photo(&state.db, user.id, None).await?;
    remove_files(&state.files, old.as_deref()).await;
    Ok(ctx.redirect_with_flash(FlashLevel::Info, "profile.flash.photo_deleted", "/profile"))
}

/// Serves a user's photo to signed-in users; 404 when there is none.
pub async fn serve_photo(
    State(state): State<AppState>,
    ctx: Ctx,
    UrlPath((user_id, size)): UrlPath<(i64, String)>,
    headers: HeaderMap,
) -> AppResult<Response> {
    ctx.require_user()?;
    let size: u32 = match size.as_str() {
        "256" => 256,
        "64" => 64,
        _ => return Err(AppError::NotFound),
    };
    let stem = queries::photo_of(&state.db, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let etag = format!("\"{stem}-{size}\"");
    let cache = HeaderValue::from_static("private, max-age=86400");
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        let mut r = StatusCode::NOT_MODIFIED.into_response();
        r.headers_mut().insert(header::CACHE_CONTROL, cache);
        return Ok(r);
    }
    let bytes = state
        .files
        .get(Bucket::Photos, &file_name(&stem, size))
        .await?
        .ok_or(AppError::NotFound)?;
    let mut r = Body::from(bytes).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg"));
    h.insert(header::CACHE_CONTROL, cache);
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_photo_becomes_two_square_jpegs_and_text_is_refused() {
        let img = image::RgbImage::from_pixel(300, 120, image::Rgb([200, 30, 30]));
        let mut png = Vec::new();
        image::DynamicImage::ImageRgb8(img)
            .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
            .expect("png");
        let [large, small] = process_photo(&png).expect("processed");
        let large = image::load_from_memory_with_format(&large, ImageFormat::Jpeg).expect("jpeg");
        let small = image::load_from_memory_with_format(&small, ImageFormat::Jpeg).expect("jpeg");
        assert_eq!((large.width(), large.height()), (256, 256));
        assert_eq!((small.width(), small.height()), (64, 64));
        assert_eq!(
            process_photo(b"hello, not a picture").err(),
            Some("profile.error.photo_type")
        );
        assert_eq!(
            process_photo(b"GIF89a\x01\0\x01\0\0\0\0;").err(),
            Some("profile.error.photo_type")
        );
    }
}
