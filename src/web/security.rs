//! Security headers on every response, with a strict Content-Security-Policy (no inline script).

use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

use crate::state::AppState;

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; \
font-src 'self'; connect-src 'self'; media-src 'self' blob:; \
frame-src https://www.youtube-nocookie.com https://player.vimeo.com; object-src 'none'; \
base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// Every page: no camera, microphone, location or payment API.
const PERMISSIONS: &str = "camera=(), microphone=(), geolocation=(), payment=()";
/// The live room, where the trainer films and speaks (`static/js/live.js`): this origin only.
const PERMISSIONS_LIVE_ROOM: &str = "camera=(self), microphone=(self), geolocation=(), payment=()";

/// Whether `path` is a live room page, `/live/{id}` with a numeric id (its links are never
/// boosted, so the room document is always loaded with its own policy).
fn is_live_room(path: &str) -> bool {
    path.strip_prefix("/live/")
        .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
}

pub async fn headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let permissions = if is_live_room(req.uri().path()) {
        PERMISSIONS_LIVE_ROOM
    } else {
        PERMISSIONS
    };
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    h.insert("content-security-policy", HeaderValue::from_static(CSP));
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert(
        "referrer-policy",
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    h.insert("permissions-policy", HeaderValue::from_static(permissions));
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    if state.config.secure_cookies {
        h.insert(
            "strict-transport-security",
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    response
}

/// Whether the `Origin` header, when present, names the host the request was sent to (the
/// check of every WebSocket upgrade: a foreign page cannot ride the user's session).
pub fn same_origin(headers: &axum::http::HeaderMap) -> bool {
    let Some(origin) = headers.get("origin").and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    url::Url::parse(origin)
        .ok()
        .and_then(|u| {
            u.host_str().map(|h| match u.port() {
                Some(p) => format!("{h}:{p}"),
                None => h.to_owned(),
            })
        })
        .is_some_and(|o| o.eq_ignore_ascii_case(host))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_live_room_may_use_the_camera() {
        assert!(is_live_room("/live/12"));
        for path in [
            "/live",
            "/live/",
            "/live/new",
            "/live/12/edit",
            "/live/12/ws",
            "/chat",
        ] {
            assert!(!is_live_room(path), "{path}");
        }
    }

    #[test]
    fn only_same_origin_pages_connect() {
        let mut h = axum::http::HeaderMap::new();
        h.insert("host", "127.0.0.1:8000".parse().unwrap());
        assert!(same_origin(&h));
        h.insert("origin", "http://127.0.0.1:8000".parse().unwrap());
        assert!(same_origin(&h));
        h.insert("origin", "https://evil.example".parse().unwrap());
        assert!(!same_origin(&h));
        h.insert("origin", "http://127.0.0.1:9000".parse().unwrap());
        assert!(!same_origin(&h));
    }
}
