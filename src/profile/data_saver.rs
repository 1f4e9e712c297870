//! Data saver ("économie de données"): the choice (the `data_saver` column of a signed-in user,
//! the `tlj_saver` cookie of a visitor, else the browser's `Save-Data`/`ECT` hints, read by
//! `web::context`), its page and form, sizes shown before heavy things load, and images
//! loaded only on a tap.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

use super::queries;
use crate::auth::model::safe_next;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::storage::{Bucket, Storage};
use crate::web::context::SAVER_COOKIE;
use crate::web::i18n::{I18n, Locale};
use crate::web::{Ctx, Fragment, RequestContext};

/// Images larger than this wait for a tap when the data saver is on.
pub const IMAGE_BUDGET_BYTES: u64 = 40 * 1024;

/// A file size for people: "85 Ko", "1,2 Mo", "1,5 Go" (units and decimal mark per language).
pub fn size_label(i18n: &I18n, locale: Locale, bytes: u64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = 1024 * KB;
    const GB: u64 = 1024 * MB;
    let decimal = |value: u64, unit: u64| {
        let tenths = (value * 10 + unit / 2) / unit;
        let text = if tenths >= 100 || tenths.is_multiple_of(10) {
            ((tenths + 5) / 10).to_string()
        } else {
            format!("{}.{}", tenths / 10, tenths % 10)
        };
        match locale {
            Locale::Fr => text.replace('.', ","),
            Locale::En => text,
        }
    };
    let (key, size) = if bytes >= GB {
        ("data_saver.size_gb", decimal(bytes, GB))
    } else if bytes >= MB {
        ("data_saver.size_mb", decimal(bytes, MB))
    } else {
        ("data_saver.size_kb", bytes.div_ceil(KB).max(1).to_string())
    };
    i18n.format(locale, key, &[("size", &size)])
}

/// An image the page may show: its size when the data saver must hold it back (over the
/// budget), `None` when it loads as usual (data saver off, small, or size unknown).
pub async fn held_image_size(on: bool, files: &Storage, bucket: Bucket, name: &str) -> Option<u64> {
    if !on {
        return None;
    }
    let len = files.size(bucket, name).await.ok()??;
    (len > IMAGE_BUDGET_BYTES).then_some(len)
}

/// The template values of a held-back image: its size in words.
pub async fn held_image(
    state: &AppState,
    ctx: &RequestContext,
    bucket: Bucket,
    name: &str,
) -> Option<String> {
    held_image_size(ctx.data_saver, &state.files, bucket, name)
        .await
        .map(|len| size_label(&state.i18n, ctx.locale, len))
}

/// The held-back cover of a course, if any.
pub async fn held_cover(
    state: &AppState,
    ctx: &RequestContext,
    cover_path: Option<&str>,
) -> Option<String> {
    let name = cover_path?;
    held_image(state, ctx, Bucket::Covers, name).await
}

/// `GET /data-saver`: what the data saver does and the choice (for visitors too).
pub async fn data_saver_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    Ok(state
        .render(
            &ctx,
            "views/profile/data_saver_page.html",
            context! { next => ctx.path.clone() },
        )?
        .into_response())
}

#[derive(Deserialize)]
pub struct SaverForm {
    #[serde(default)]
    mode: String,
    #[serde(default)]
    next: String,
}

/// `POST /data-saver`: `mode` = `on`, `off` or `auto` (follow the browser). Stored on the
/// account of a signed-in user, and in a cookie for this browser.
pub async fn set_data_saver(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<SaverForm>,
) -> AppResult<Response> {
    let choice = match form.mode.as_str() {
        "on" => Some(true),
        "off" => Some(false),
        "auto" => None,
        _ => return Err(AppError::BadRequest("data_saver.error.mode")),
    };
    if let Some(user) = &ctx.user {
        queries::set_data_saver(&state.db, user.id, choice).await?;
    }
    let next = match form.next.trim() {
        "" => "/data-saver".to_owned(),
        n => safe_next(n),
    };
    let key = match choice {
        Some(true) => "data_saver.flash.on",
        Some(false) => "data_saver.flash.off",
        None => "data_saver.flash.auto",
    };
    let mut response = ctx.redirect_with_flash(crate::web::FlashLevel::Success, key, &next);
    let cookie = match choice {
        Some(on) => ctx.cookie(SAVER_COOKIE, if on { "1" } else { "0" }.to_owned(), 365),
        None => ctx.cookie(SAVER_COOKIE, String::new(), 0),
    };
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

#[derive(Deserialize)]
pub struct ImageQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    src: String,
    #[serde(default)]
    alt: String,
}

/// Whether `src` is one of the platform's own image addresses (covers, profile photos).
fn is_image_src(src: &str) -> bool {
    let own = (src.starts_with("/courses/") && src.ends_with("/cover"))
        || src.starts_with("/profile/photo/");
    own && src.len() <= 300
        && src
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_' | '.' | '?' | '='))
}

/// `GET /data-saver/image`: the `<img>` of a held-back image, swapped in by htmx on a tap
/// (without JavaScript the placeholder is a plain link to the image).
pub async fn load_image(
    State(state): State<AppState>,
    ctx: Ctx,
    Fragment(fragment): Fragment,
    Query(q): Query<ImageQuery>,
) -> AppResult<Response> {
    if !is_image_src(&q.src) {
        return Err(AppError::BadRequest("data_saver.error.image"));
    }
    let kind = match q.kind.as_str() {
        "cover" => "cover",
        "photo" => "photo",
        _ => return Err(AppError::BadRequest("data_saver.error.image")),
    };
    if !fragment {
        return Ok(Redirect::to(&q.src).into_response());
    }
    let alt: String = q.alt.chars().take(200).collect();
    Ok(state
        .render(
            &ctx,
            "partials/profile/saver_image.html",
            context! { kind, src => q.src, alt },
        )?
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_naturally_in_both_languages_with_the_unit_held_to_the_number() {
        let i18n = I18n::load().expect("catalogues");
        assert_eq!(size_label(&i18n, Locale::Fr, 10), "1\u{a0}Ko");
        assert_eq!(size_label(&i18n, Locale::Fr, 85 * 1024), "85\u{a0}Ko");
        assert_eq!(size_label(&i18n, Locale::Fr, 1_258_291), "1,2\u{a0}Mo");
        assert_eq!(size_label(&i18n, Locale::En, 1_258_291), "1.2\u{a0}MB");
        assert_eq!(size_label(&i18n, Locale::Fr, 2 * 1024 * 1024), "2\u{a0}Mo");
        assert_eq!(
            size_label(&i18n, Locale::Fr, 300 * 1024 * 1024),
            "300\u{a0}Mo"
        );
        assert_eq!(
            size_label(&i18n, Locale::En, 3 * 1024 * 1024 * 1024 / 2),
            "1.5\u{a0}GB"
        );
    }

    #[test]
    fn only_the_platform_images_can_be_swapped_in() {
        assert!(is_image_src("/courses/intro-python/cover"));
        assert!(is_image_src("/profile/photo/12/256?v=abc-def"));
        assert!(!is_image_src("https://evil.example/x.png"));
        assert!(!is_image_src("//evil.example/courses/x/cover"));
        assert!(!is_image_src("/courses/x/cover\" onerror=\"x"));
        assert!(!is_image_src("/admin"));
    }
}
