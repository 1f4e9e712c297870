//! A stored file answered over HTTP, the same from either backend: one byte range (206, 416;
//! several ranges get the whole file), a strong `ETag` and `Last-Modified` with their
//! conditions (`If-None-Match`/`If-Modified-Since` → 304, `If-Match`/`If-Unmodified-Since` →
//! 412), `If-Range`, `Content-Length`, `Accept-Ranges`, and HEAD.

use std::ops::Range;
use std::time::SystemTime;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use time::OffsetDateTime;
use time::macros::format_description;

use super::{Bucket, FileInfo, Storage, StorageError};
use crate::error::{AppError, AppResult};

/// The answer for a stored file, and whether it sends the file from its first byte.
pub struct Served {
    pub response: Response,
    pub from_start: bool,
}

/// Answers a GET or HEAD for `bucket/name` (any other method is treated as GET). `NotFound`
/// when the file is missing. The caller adds the type, name and cache policy.
pub async fn serve(
    storage: &Storage,
    bucket: Bucket,
    name: &str,
    method: &Method,
    headers: &HeaderMap,
) -> AppResult<Served> {
    let info = storage
        .stat(bucket, name)
        .await?
        .ok_or(AppError::NotFound)?;
    let plan = plan(&info, headers);
    let head = method == Method::HEAD;
    let mut response = match &plan {
        Plan::NotModified => StatusCode::NOT_MODIFIED.into_response(),
        Plan::PreconditionFailed => StatusCode::PRECONDITION_FAILED.into_response(),
        Plan::Unsatisfiable => {
            let mut r = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
            insert(
                r.headers_mut(),
                header::CONTENT_RANGE,
                &format!("bytes */{}", info.size),
            );
            r
        }
        Plan::Whole | Plan::Part(_) => {
            let range = match &plan {
                Plan::Part(r) => r.clone(),
                _ => 0..info.size,
            };
            let body = if head || range.is_empty() {
                Body::empty()
            } else {
                match storage.read_range(bucket, name, &info, range.clone()).await {
                    Ok(stream) => Body::from_stream(stream),
                    // Deleted since `stat`: as if it had never been there.
                    Err(StorageError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
                        return Err(AppError::NotFound);
                    }
                    Err(e) => return Err(e.into()),
                }
            };
            let mut r = body.into_response();
            if let Plan::Part(_) = plan {
                *r.status_mut() = StatusCode::PARTIAL_CONTENT;
                let last = range.end.saturating_sub(1);
                insert(
                    r.headers_mut(),
                    header::CONTENT_RANGE,
                    &format!("bytes {}-{last}/{}", range.start, info.size),
                );
            }
            insert(
                r.headers_mut(),
                header::CONTENT_LENGTH,
                &(range.end - range.start).to_string(),
            );
            r
        }
    };
    let h = response.headers_mut();
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    insert(h, header::ETAG, &info.etag);
    if let Some(modified) = info.modified {
        insert(h, header::LAST_MODIFIED, &http_date(modified));
    }
    let from_start = match &plan {
        Plan::Whole => true,
        Plan::Part(r) => r.start == 0,
        _ => false,
    };
    Ok(Served {
        response,
        from_start,
    })
}

/// What the request gets, decided from the validators and the range (RFC 9110 §13.2.2).
#[derive(Debug, PartialEq, Eq)]
enum Plan {
    Whole,
    Part(Range<u64>),
    NotModified,
    PreconditionFailed,
    Unsatisfiable,
}

fn plan(info: &FileInfo, headers: &HeaderMap) -> Plan {
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    let modified = info.modified.map(truncate_to_seconds);
    if let Some(if_match) = text(header::IF_MATCH) {
        if !etag_list_matches(if_match, &info.etag, true) {
            return Plan::PreconditionFailed;
        }
    } else if let (Some(since), Some(modified)) = (
        text(header::IF_UNMODIFIED_SINCE).and_then(parse_http_date),
        modified,
    ) && modified > since
    {
        return Plan::PreconditionFailed;
    }
    if let Some(if_none_match) = text(header::IF_NONE_MATCH) {
        if etag_list_matches(if_none_match, &info.etag, false) {
            return Plan::NotModified;
        }
    } else if let (Some(since), Some(modified)) = (
        text(header::IF_MODIFIED_SINCE).and_then(parse_http_date),
        modified,
    ) && modified <= since
    {
        return Plan::NotModified;
    }
    let Some(range) = text(header::RANGE) else {
        return Plan::Whole;
    };
    if let Some(if_range) = headers.get(header::IF_RANGE)
        && !if_range_matches(if_range, info)
    {
        return Plan::Whole;
    }
    match parse_range(range, info.size) {
        RangeAsked::One(r) => Plan::Part(r),
        RangeAsked::Several => Plan::Whole,
        RangeAsked::Unsatisfiable => Plan::Unsatisfiable,
    }
}

#[derive(Debug, PartialEq, Eq)]
enum RangeAsked {
    One(Range<u64>),
    /// Several ranges: answered with the whole file rather than a multipart body.
    Several,
    /// Malformed, another unit, or outside the file.
    Unsatisfiable,
}

/// `bytes=a-b`, `bytes=a-` or `bytes=-n` against a file of `size` bytes.
fn parse_range(value: &str, size: u64) -> RangeAsked {
    let Some(spec) = value.trim().strip_prefix("bytes=") else {
        return RangeAsked::Unsatisfiable;
    };
    if spec.contains(',') {
        return RangeAsked::Several;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return RangeAsked::Unsatisfiable;
    };
    let number = |s: &str| {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u64>().ok())
            .flatten()
    };
    let range = match (first.trim(), last.trim()) {
        ("", suffix) => match number(suffix) {
            Some(n) if n > 0 && size > 0 => size.saturating_sub(n)..size,
            _ => return RangeAsked::Unsatisfiable,
        },
        (start, "") => match number(start) {
            Some(start) if start < size => start..size,
            _ => return RangeAsked::Unsatisfiable,
        },
        (start, end) => match (number(start), number(end)) {
            (Some(start), Some(end)) if start <= end && start < size => {
                start..end.saturating_add(1).min(size)
            }
            _ => return RangeAsked::Unsatisfiable,
        },
    };
    RangeAsked::One(range)
}

/// `If-Match` (strong comparison) or `If-None-Match` (weak): `*` or any listed tag.
fn etag_list_matches(list: &str, etag: &str, strong: bool) -> bool {
    let list = list.trim();
    if list == "*" {
        return true;
    }
    let current = etag.trim_start_matches("W/");
    list.split(',').map(str::trim).any(|tag| {
        if strong {
            tag == etag && !tag.starts_with("W/")
        } else {
            tag.trim_start_matches("W/") == current
        }
    })
}

/// `If-Range` (RFC 9110 §13.1.5): an entity tag must equal the current strong `ETag`; a date
/// must equal `Last-Modified`. Anything else sends the whole file.
fn if_range_matches(if_range: &HeaderValue, info: &FileInfo) -> bool {
    let Ok(value) = if_range.to_str() else {
        return false;
    };
    if value.starts_with("W/") {
        return false;
    }
    if value.starts_with('"') {
        return value == info.etag && !info.etag.starts_with("W/");
    }
    info.modified.is_some_and(|m| http_date(m) == value.trim())
}

fn insert(headers: &mut HeaderMap, name: header::HeaderName, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        headers.insert(name, v);
    }
}

const HTTP_DATE: &[time::format_description::BorrowedFormatItem<'static>] = format_description!(
    "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
);

/// `Sun, 06 Nov 1994 08:49:37 GMT` (the IMF-fixdate of RFC 9110 §5.6.7).
fn http_date(t: SystemTime) -> String {
    OffsetDateTime::from(t)
        .format(HTTP_DATE)
        .unwrap_or_default()
}

fn parse_http_date(s: &str) -> Option<SystemTime> {
    time::PrimitiveDateTime::parse(s.trim(), HTTP_DATE)
        .ok()
        .map(|t| t.assume_utc().into())
}

fn truncate_to_seconds(t: SystemTime) -> SystemTime {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> FileInfo {
        FileInfo {
            size: 3000,
            etag: "\"12-abc\"".into(),
            modified: parse_http_date("Wed, 25 Nov 2026 10:00:00 GMT"),
            id: None,
        }
    }

    fn plan_for(pairs: &[(header::HeaderName, &'static str)]) -> Plan {
        let mut headers = HeaderMap::new();
        for (k, v) in pairs {
            headers.insert(k.clone(), HeaderValue::from_static(v));
        }
        plan(&info(), &headers)
    }

    #[test]
    fn one_byte_range_is_read_and_the_rest_is_refused_or_ignored() {
        assert_eq!(parse_range("bytes=0-9", 3000), RangeAsked::One(0..10));
        assert_eq!(
            parse_range("bytes=2500-", 3000),
            RangeAsked::One(2500..3000)
        );
        assert_eq!(parse_range("bytes=-100", 3000), RangeAsked::One(2900..3000));
        assert_eq!(parse_range("bytes=-5000", 3000), RangeAsked::One(0..3000));
        assert_eq!(
            parse_range("bytes=2990-9999", 3000),
            RangeAsked::One(2990..3000)
        );
        assert_eq!(parse_range("bytes=0-1,5-9", 3000), RangeAsked::Several);
        for bad in [
            "bytes=5000-6000",
            "bytes=9-1",
            "bytes=-0",
            "items=0-1",
            "bytes=a-b",
            "bytes=--1",
        ] {
            assert_eq!(parse_range(bad, 3000), RangeAsked::Unsatisfiable, "{bad}");
        }
        assert_eq!(parse_range("bytes=0-", 0), RangeAsked::Unsatisfiable);
    }

    #[test]
    fn validators_decide_before_the_range() {
        use header::*;
        assert_eq!(plan_for(&[]), Plan::Whole);
        assert_eq!(
            plan_for(&[(IF_NONE_MATCH, "\"12-abc\"")]),
            Plan::NotModified
        );
        assert_eq!(
            plan_for(&[(IF_NONE_MATCH, "W/\"12-abc\", \"x\"")]),
            Plan::NotModified
        );
        assert_eq!(plan_for(&[(IF_NONE_MATCH, "\"old\"")]), Plan::Whole);
        assert_eq!(
            plan_for(&[(IF_MODIFIED_SINCE, "Wed, 25 Nov 2026 10:00:00 GMT")]),
            Plan::NotModified
        );
        assert_eq!(
            plan_for(&[(IF_MODIFIED_SINCE, "Wed, 25 Nov 2026 09:00:00 GMT")]),
            Plan::Whole
        );
        assert_eq!(plan_for(&[(IF_MATCH, "\"old\"")]), Plan::PreconditionFailed);
        assert_eq!(plan_for(&[(RANGE, "bytes=0-9")]), Plan::Part(0..10));
        assert_eq!(
            plan_for(&[(RANGE, "bytes=0-9"), (IF_RANGE, "\"12-abc\"")]),
            Plan::Part(0..10)
        );
        assert_eq!(
            plan_for(&[(RANGE, "bytes=0-9"), (IF_RANGE, "\"12-abd\"")]),
            Plan::Whole
        );
        assert_eq!(
            plan_for(&[(RANGE, "bytes=0-9"), (IF_RANGE, "W/\"12-abc\"")]),
            Plan::Whole
        );
        assert_eq!(
            plan_for(&[
                (RANGE, "bytes=0-9"),
                (IF_RANGE, "Wed, 25 Nov 2026 10:00:00 GMT")
            ]),
            Plan::Part(0..10)
        );
        assert_eq!(
            plan_for(&[
                (RANGE, "bytes=0-9"),
                (IF_RANGE, "Wed, 25 Nov 2026 09:00:00 GMT")
            ]),
            Plan::Whole
        );
        assert_eq!(plan_for(&[(RANGE, "bytes=5000-")]), Plan::Unsatisfiable);
    }

    #[test]
    fn http_dates_round_trip() {
        let t = parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").expect("parses");
        assert_eq!(http_date(t), "Sun, 06 Nov 1994 08:49:37 GMT");
    }
}
