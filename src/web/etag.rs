//! Entity tags for pages: a weak `ETag` from the bytes of every full HTML page (xxh3, 128
//! bits), and `304 Not Modified` when the browser or the service worker already holds exactly
//! those bytes (`If-None-Match`). The page is still rendered; what is saved is the learner's
//! data: a course kept for offline study is refreshed by downloading only the pages whose text
//! changed (`static/js/sw.js`), and a visitor's revisit of an unchanged page costs a few bytes.

use axum::body::{Body, HttpBody};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Pages larger than this are sent untagged (none comes close).
const MAX_TAGGED: u64 = 4 * 1024 * 1024;

/// What the request said that matters here: whether it may get a 304 and the tags it holds.
pub struct Conditional {
    get: bool,
    if_none_match: Option<HeaderValue>,
}

impl Conditional {
    pub fn of(method: &Method, headers: &HeaderMap) -> Self {
        Self {
            get: method == Method::GET || method == Method::HEAD,
            if_none_match: headers.get(header::IF_NONE_MATCH).cloned(),
        }
    }
}

/// The weak tag of a page's bytes.
pub fn of_bytes(body: &[u8]) -> String {
    format!("W/\"{:032x}\"", xxhash_rust::xxh3::xxh3_128(body))
}

/// Whether an `If-None-Match` value names `etag` (weak comparison, RFC 9110 §13.1.2).
pub fn matches(if_none_match: &HeaderValue, etag: &str) -> bool {
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    let wanted = bare(etag);
    if_none_match
        .to_str()
        .is_ok_and(|v| v.split(',').any(|t| t.trim() == "*" || bare(t) == wanted))
}

/// Tags a successful HTML page held in memory (not a stream, not already tagged) and answers
/// `304` with its headers when the request already holds it.
pub async fn tag(request: Conditional, response: Response) -> Response {
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    let in_memory = response
        .body()
        .size_hint()
        .exact()
        .is_some_and(|n| n <= MAX_TAGGED);
    if !request.get
        || response.status() != StatusCode::OK
        || !html
        || !in_memory
        || response.headers().contains_key(header::ETAG)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_TAGGED as usize).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let etag = of_bytes(&bytes);
    if let Ok(value) = HeaderValue::from_str(&etag) {
        parts.headers.insert(header::ETAG, value);
    }
    if request
        .if_none_match
        .as_ref()
        .is_some_and(|v| matches(v, &etag))
    {
        parts.status = StatusCode::NOT_MODIFIED;
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::empty());
    }
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(html: &str) -> Response {
        (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            html.to_owned(),
        )
            .into_response()
    }

    fn asking(tag: Option<&str>) -> Conditional {
        let mut headers = HeaderMap::new();
        if let Some(t) = tag {
            headers.insert(
                header::IF_NONE_MATCH,
                HeaderValue::from_str(t).expect("ascii"),
            );
        }
        Conditional::of(&Method::GET, &headers)
    }

    #[tokio::test]
    async fn same_bytes_same_tag_and_a_304_for_the_holder() {
        let first = tag(asking(None), page("<p>Leçon 1</p>")).await;
        let etag = first.headers()[header::ETAG]
            .to_str()
            .expect("ascii")
            .to_owned();
        assert!(etag.starts_with("W/\""));
        let again = tag(asking(Some(&etag)), page("<p>Leçon 1</p>")).await;
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(again.headers()[header::ETAG], etag.as_str());
        let body = axum::body::to_bytes(again.into_body(), 10)
            .await
            .expect("body");
        assert!(body.is_empty());
    }

    #[tokio::test]
    async fn a_changed_page_is_sent_whole() {
        let old = of_bytes(b"<p>Lecon 1</p>");
        let changed = tag(asking(Some(&old)), page("<p>Leçon 1, revue</p>")).await;
        assert_eq!(changed.status(), StatusCode::OK);
        assert_ne!(changed.headers()[header::ETAG], old.as_str());
        let body = axum::body::to_bytes(changed.into_body(), 100)
            .await
            .expect("body");
        assert_eq!(&body[..], "<p>Leçon 1, revue</p>".as_bytes());
    }

    #[tokio::test]
    async fn only_successful_html_pages_of_a_get_are_tagged() {
        let json = ([(header::CONTENT_TYPE, "application/json")], "{}").into_response();
        assert!(
            !tag(asking(None), json)
                .await
                .headers()
                .contains_key(header::ETAG)
        );
        let missing = (StatusCode::NOT_FOUND, page("<p>?</p>")).into_response();
        assert!(
            !tag(asking(None), missing)
                .await
                .headers()
                .contains_key(header::ETAG)
        );
        let post = Conditional::of(&Method::POST, &HeaderMap::new());
        assert!(
            !tag(post, page("<p>x</p>"))
                .await
                .headers()
                .contains_key(header::ETAG)
        );
    }

    #[test]
    fn if_none_match_lists_and_weak_forms() {
        let etag = of_bytes(b"x");
        let strong = etag.trim_start_matches("W/").to_owned();
        for held in [
            etag.clone(),
            strong,
            format!("\"other\", {etag}"),
            "*".to_owned(),
        ] {
            assert!(
                matches(&HeaderValue::from_str(&held).expect("ascii"), &etag),
                "{held}"
            );
        }
        assert!(!matches(&HeaderValue::from_static("\"other\""), &etag));
    }
}
