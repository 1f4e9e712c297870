//! Course resources: upload (type sniffed from the content, size capped) and delete.

use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::files;
use super::handlers::{editable, editor_url, render_course_form, translate};
use super::model::ErrorKeys;
use super::queries::{self, NewResource};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::storage::Bucket;
use crate::web::{Ctx, FlashLevel, multipart};

pub async fn upload_resource(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> AppResult<Response> {
    editable(&state, &ctx, id).await?;
    let (fields, upload) =
        multipart::read(multipart, "file", state.config.max_upload_bytes).await?;
    let title = fields
        .iter()
        .find(|(k, _)| k == "title")
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_default();
    let mut keys = ErrorKeys::new();
    if title.chars().count() > 200 {
        keys.insert("resource_title", "teach.error.resource_title");
    }
    let checked = match &upload {
        None => Err("teach.error.file_required"),
        Some(u) if u.too_large => Err("teach.error.file_too_large"),
        Some(u) => files::sniff_resource(&u.bytes),
    };
    let (upload, sniffed) = match (upload, checked) {
        (Some(upload), Ok(sniffed)) if keys.is_empty() => (upload, sniffed),
        (_, checked) => {
            if let Err(key) = checked {
                keys.insert("resource_file", key);
            }
            let course = queries::course(&state.db, id)
                .await?
                .ok_or(AppError::NotFound)?;
            let errors = translate(&state, &ctx, keys);
            return render_course_form(
                &state,
                &ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(&course),
                &course.form(),
                errors,
            )
            .await;
        }
    };
    let fallback = format!("fichier.{}", sniffed.extension);
    let original_name = files::sanitize_file_name(&upload.file_name, &fallback);
    let stored_name = format!("{}.{}", files::random_name(), sniffed.extension);
    state
        .files
        .put(Bucket::Resources, &stored_name, &upload.bytes)
        .await?;
    let title = if title.is_empty() {
        original_name.clone()
    } else {
        title
    };
    let size_bytes = i64::try_from(upload.bytes.len()).unwrap_or(i64::MAX);
    let stored = queries::add_resource(
        &state.db,
        id,
        NewResource {
            title: &title,
            original_name: &original_name,
            stored_name: &stored_name,
            content_type: sniffed.content_type,
            size_bytes,
        },
    )
    .await;
    if let Err(e) = stored {
        state
            .files
            .remove_logged(Bucket::Resources, &stored_name)
            .await;
        return Err(e.into());
    }
    tracing::info!(
        course.id = id,
        resource.size = size_bytes,
        "resource uploaded"
    );
    Ok(ctx.redirect_with_flash(
        FlashLevel::Success,
        "teach.flash.resource_added",
        &format!("{}#resources", editor_url(id)),
    ))
}

pub async fn delete_resource(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, resource_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    editable(&state, &ctx, id).await?;
    let stored = queries::delete_resource(&state.db, id, resource_id)
        .await?
        .ok_or(AppError::NotFound)?;
    state.files.remove_logged(Bucket::Resources, &stored).await;
    Ok(ctx.redirect_with_flash(
        FlashLevel::Info,
        "teach.flash.resource_deleted",
        &format!("{}#resources", editor_url(id)),
    ))
}
