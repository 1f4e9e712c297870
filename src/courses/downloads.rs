//! Serving a resource file once access is granted: ranges, validators and `If-Range` through
//! `storage::http` (the same from the data dir or the database), plus the type, name and cache
//! headers.

use axum::http::{HeaderMap, HeaderValue, Method, header};

use super::model::{ResourceRow, content_disposition};
use crate::error::{AppError, AppResult};
use crate::storage::{Bucket, Storage, http};

pub use crate::storage::http::Served;

/// The resource's file as `storage::http::serve` answers it (single byte ranges 206/416, strong
/// `ETag` and `Last-Modified` with their conditions 304/412, `If-Range`, HEAD), with its type,
/// download name and cache policy. `NotFound` when the stored file is missing.
pub async fn serve(
    files: &Storage,
    resource: &ResourceRow,
    request_method: &Method,
    request_headers: &HeaderMap,
) -> AppResult<Served> {
    let mut served = http::serve(
        files,
        Bucket::Resources,
        &resource.stored_name,
        request_method,
        request_headers,
    )
    .await
    .inspect_err(|e| {
        if matches!(e, AppError::NotFound) {
            tracing::warn!(resource.id = resource.id, "resource file missing");
        }
    })?;
    let status = served.response.status();
    let h = served.response.headers_mut();
    if status.is_success() {
        let content_type = HeaderValue::from_str(&resource.content_type)
            .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
        h.insert(header::CONTENT_TYPE, content_type);
        if let Ok(v) = HeaderValue::from_str(&content_disposition(&resource.original_name)) {
            h.insert(header::CONTENT_DISPOSITION, v);
        }
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Course material, not account data, and often megabytes on paid mobile data: the browser
    // may keep it to revalidate (ETag → 304) rather than download it again, never shared; the
    // log-out's `Clear-Site-Data: "cache"` removes it from the phone.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    Ok(served)
}
