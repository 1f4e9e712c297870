//! Serving a resource file once access is granted: single byte ranges, validators and
//! `If-Range` through `tower_http`'s `ServeFile`, and the type, name and cache headers.

use std::path::Path;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use tower::ServiceExt;
use tower_http::services::ServeFile;

use super::model::{ResourceRow, content_disposition, is_safe_file_name};
use crate::error::{AppError, AppResult};

/// The request headers `ServeFile` answers (range, validators); nothing else reaches it.
const FILE_REQUEST_HEADERS: [header::HeaderName; 5] = [
    header::RANGE,
    header::IF_NONE_MATCH,
    header::IF_MATCH,
    header::IF_MODIFIED_SINCE,
    header::IF_UNMODIFIED_SINCE,
];

/// A served file and whether it was sent from its first byte (a download to count).
pub struct Served {
    pub response: Response,
    pub from_start: bool,
}

/// `ServeFile` answers single byte ranges (206, 416), `ETag`/`Last-Modified` and their
/// conditions (304, 412); this adds `If-Range` (a range only while the file is unchanged), the
/// type, name and cache policy. `NotFound` when the stored file is missing.
pub async fn serve(
    data_dir: &Path,
    resource: &ResourceRow,
    request_method: &Method,
    request_headers: &HeaderMap,
) -> AppResult<Served> {
    if !is_safe_file_name(&resource.stored_name) {
        return Err(AppError::NotFound);
    }
    let path = data_dir.join("resources").join(&resource.stored_name);
    if let Err(e) = tokio::fs::metadata(&path).await {
        tracing::warn!(resource.id = resource.id, error = %e, "resource file missing");
        return Err(AppError::NotFound);
    }
    let method = if request_method == Method::HEAD {
        Method::HEAD
    } else {
        Method::GET
    };
    let mut headers = HeaderMap::new();
    for name in FILE_REQUEST_HEADERS {
        if let Some(v) = request_headers.get(&name) {
            headers.insert(name, v.clone());
        }
    }
    let serve = ServeFile::new(&path).ignore_multi_range_requests(true);
    if headers.contains_key(header::RANGE)
        && let Some(if_range) = request_headers.get(header::IF_RANGE)
    {
        let probe = file_request(Method::HEAD, HeaderMap::new())?;
        let current = serve
            .clone()
            .oneshot(probe)
            .await
            .unwrap_or_else(|e| match e {});
        if !if_range_matches(if_range, current.headers()) {
            headers.remove(header::RANGE);
        }
    }
    let served = serve
        .oneshot(file_request(method, headers)?)
        .await
        .unwrap_or_else(|e| match e {});
    let status = served.status();
    if status == StatusCode::NOT_FOUND {
        return Err(AppError::NotFound);
    }
    let from_start = status == StatusCode::OK
        || (status == StatusCode::PARTIAL_CONTENT
            && served
                .headers()
                .get(header::CONTENT_RANGE)
                .is_some_and(|v| v.as_bytes().starts_with(b"bytes 0-")));
    let mut response = served.map(Body::new);
    let h = response.headers_mut();
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
    Ok(Served {
        response,
        from_start,
    })
}

fn file_request(method: Method, headers: HeaderMap) -> AppResult<axum::http::Request<Body>> {
    let mut request = axum::http::Request::builder()
        .method(method)
        .uri("/")
        .body(Body::empty())
        .map_err(|e| AppError::Internal(e.into()))?;
    *request.headers_mut() = headers;
    Ok(request)
}

/// `If-Range` (RFC 9110 §13.1.5): an entity tag must equal the current strong `ETag`; a date
/// must equal `Last-Modified`. Anything else sends the whole file.
fn if_range_matches(if_range: &HeaderValue, current: &HeaderMap) -> bool {
    let value = if_range.as_bytes();
    if value.starts_with(b"W/") {
        return false;
    }
    let validator = if value.starts_with(b"\"") {
        header::ETAG
    } else {
        header::LAST_MODIFIED
    };
    current
        .get(validator)
        .is_some_and(|v| v.as_bytes() == value && !v.as_bytes().starts_with(b"W/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_range_needs_the_same_strong_validator() {
        let mut current = HeaderMap::new();
        current.insert(header::ETAG, HeaderValue::from_static("\"12-abc\""));
        current.insert(
            header::LAST_MODIFIED,
            HeaderValue::from_static("Wed, 25 Nov 2026 10:00:00 GMT"),
        );
        let matches = |v: &'static str| if_range_matches(&HeaderValue::from_static(v), &current);
        assert!(matches("\"12-abc\""));
        assert!(!matches("\"12-abd\""));
        assert!(!matches("W/\"12-abc\""));
        assert!(matches("Wed, 25 Nov 2026 10:00:00 GMT"));
        assert!(!matches("Wed, 25 Nov 2026 09:00:00 GMT"));
    }
}
