//! Anonymous pages served ready-made. A visitor's home, catalogue, course, about and forum pages
//! are the same for every visitor (no CSRF token in them: `views/base.html`), so the finished
//! response is kept in memory, compressed once (brotli and gzip) at a high level, and served
//! as is: no session, no database, no template, no compression per request.
//!
//! - **Key**: path and normalised query, language, data saver, and for htmx fragments the
//!   target and trigger. A request with a session or a flash cookie is never served from here
//!   (it may be signed in, or have a message to show).
//! - **Never another visitor's token**: a response whose body holds the CSRF token it was
//!   rendered with is not stored; a visitor without the token cookie gets a fresh one on every
//!   response, stored or not.
//! - **Fresh**: any successful state-changing request (but the private ones, [`private_write`]) clears the cache (and the database reads of
//!   [`super::page_cache`]) on this instance and, through the realtime hub, on every other
//!   instance of the database; what changes without a request (a payment confirmed by the
//!   poller) shows within [`TTL`].
//! - **Validators**: the page's `ETag` (`super::etag`) answers `If-None-Match` with 304.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::context::{self, CSRF_COOKIE, FLASH_COOKIE, LANG_COOKIE, read_cookie};
use super::page_cache::PageCache;
use super::{csrf, etag};
use crate::realtime::Hub;
use crate::state::AppState;

/// How long a page is served without rendering it again.
pub const TTL: Duration = Duration::from_secs(2);
/// Most pages kept (each distinct search is one); reaching it drops the expired ones, or all.
const MAX_ENTRIES: usize = 512;
/// Queries longer than this are not cached (nobody types them; they would only fill the cache).
const MAX_QUERY: usize = 256;
/// Pages larger than this are not kept.
const MAX_BODY: usize = 512 * 1024;
/// Brotli quality and window for a page kept: compressed once, sent thousands of times.
const BROTLI_QUALITY: u32 = 9;
const BROTLI_WINDOW: u32 = 22;
/// Topic of the realtime hub telling every instance that public pages changed.
pub const TOPIC: &str = "pages";
const SESSION_COOKIE: &str = "tlj_session";

/// The pages every visitor sees alike.
fn shared_path(path: &str) -> bool {
    let rest = |prefix: &str| path.strip_prefix(prefix);
    path == "/"
        || path == "/about"
        || path == "/courses"
        || rest("/courses/").is_some_and(|slug| !slug.is_empty() && !slug.contains('/'))
        || path == "/forum"
        || rest("/forum/").is_some_and(|p| !p.is_empty())
}

/// Writes that change nothing a visitor sees (busy ones: chat messages, lessons done, sign-ins):
/// they leave the pages in place. Anything they change indirectly shows within [`TTL`].
fn private_write(path: &str) -> bool {
    [
        "/chat/",
        "/notifications/",
        "/profile/security/",
        "/login",
        "/logout",
        "/lang",
        "/data-saver",
    ]
    .iter()
    .any(|p| path.starts_with(p))
        || (path.starts_with("/courses/") && path.ends_with("/complete"))
}

/// A finished response, in the three encodings a browser may ask for.
struct Entry {
    at: Instant,
    headers: HeaderMap,
    identity: Bytes,
    brotli: Bytes,
    gzip: Bytes,
}

#[derive(Default)]
struct Inner {
    generation: u64,
    entries: HashMap<String, Arc<Entry>>,
}

pub struct ResponseCache {
    ttl: Duration,
    inner: Mutex<Inner>,
}

impl Default for ResponseCache {
    fn default() -> Self {
        Self::new(TTL)
    }
}

impl ResponseCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            inner: Mutex::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn get(&self, key: &str) -> Result<Arc<Entry>, u64> {
        let inner = self.lock();
        match inner.entries.get(key) {
            Some(e) if e.at.elapsed() < self.ttl => Ok(e.clone()),
            _ => Err(inner.generation),
        }
    }

    /// Stores `entry` unless the cache was cleared since `generation` was read (a change landed
    /// while the page was being rendered).
    fn put(&self, key: String, generation: u64, entry: Entry) {
        let mut inner = self.lock();
        if inner.generation != generation {
            return;
        }
        if inner.entries.len() >= MAX_ENTRIES {
            let ttl = self.ttl;
            inner.entries.retain(|_, e| e.at.elapsed() < ttl);
            if inner.entries.len() >= MAX_ENTRIES {
                inner.entries.clear();
            }
        }
        inner.entries.insert(key, Arc::new(entry));
    }

    /// Forgets every page (on this instance).
    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.entries.clear();
    }
}

/// The cache key of a request that may be served from here, `None` for one that may not.
fn key_of(req: &Request) -> Option<String> {
    if req.method() != Method::GET {
        return None;
    }
    let headers = req.headers();
    if read_cookie(headers, SESSION_COOKIE).is_some()
        || read_cookie(headers, FLASH_COOKIE).is_some()
    {
        return None;
    }
    let path = req.uri().path();
    if !shared_path(path) {
        return None;
    }
    let query = req.uri().query().unwrap_or("");
    if query.len() > MAX_QUERY {
        return None;
    }
    let mut pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    pairs.sort();
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    let locale = read_cookie(headers, LANG_COOKIE)
        .and_then(super::i18n::Locale::parse)
        .unwrap_or_default();
    let saver =
        context::saver_cookie(headers).unwrap_or_else(|| context::browser_saves_data(headers));
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    };
    let fragment = if super::fragment::wants_fragment(headers) {
        format!("{}#{}", header("hx-target"), header("hx-trigger"))
    } else {
        String::new()
    };
    Some(format!(
        "{}|{}|{fragment}|{path}?{query}",
        locale.code(),
        u8::from(saver)
    ))
}

#[derive(Clone, Copy)]
enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

/// The best encoding the request accepts (a `q=0` refuses one).
fn encoding_of(headers: &HeaderMap) -> Encoding {
    let accepts = |name: &str| {
        headers
            .get_all(header::ACCEPT_ENCODING)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|item| {
                let mut parts = item.split(';');
                let coding = parts.next().unwrap_or("").trim();
                let refused = parts.any(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .is_some_and(|q| q.trim().parse::<f32>().is_ok_and(|q| q <= 0.0))
                });
                coding.eq_ignore_ascii_case(name) && !refused
            })
    };
    if accepts("br") {
        Encoding::Brotli
    } else if accepts("gzip") {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

fn compress(body: &[u8]) -> std::io::Result<(Bytes, Bytes)> {
    let mut br = Vec::with_capacity(body.len() / 4);
    {
        let mut w = brotli::CompressorWriter::new(&mut br, 4096, BROTLI_QUALITY, BROTLI_WINDOW);
        w.write_all(body)?;
    }
    let mut gz = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 3),
        flate2::Compression::best(),
    );
    gz.write_all(body)?;
    Ok((Bytes::from(br), Bytes::from(gz.finish()?)))
}

/// A fresh CSRF cookie for a visitor who has none (the page itself holds no token).
fn token_cookie(state: &AppState, headers: &HeaderMap) -> Option<HeaderValue> {
    let has = read_cookie(headers, CSRF_COOKIE).is_some_and(csrf::is_well_formed);
    (!has).then(|| context::csrf_cookie(csrf::new_token(), state.config.secure_cookies))
}

impl Entry {
    fn respond(
        &self,
        encoding: Encoding,
        if_none_match: Option<&HeaderValue>,
        cookie: Option<HeaderValue>,
        hit: bool,
    ) -> Response {
        let mut headers = self.headers.clone();
        if hit {
            headers.insert("x-cache", HeaderValue::from_static("hit"));
        }
        if let Some(c) = cookie {
            headers.append(header::SET_COOKIE, c);
        }
        let unchanged = match (if_none_match, headers.get(header::ETAG)) {
            (Some(held), Some(tag)) => tag.to_str().is_ok_and(|t| etag::matches(held, t)),
            _ => false,
        };
        let (status, body) = if unchanged {
            (StatusCode::NOT_MODIFIED, Body::empty())
        } else {
            let (coding, bytes) = match encoding {
                Encoding::Brotli => (Some("br"), self.brotli.clone()),
                Encoding::Gzip => (Some("gzip"), self.gzip.clone()),
                Encoding::Identity => (None, self.identity.clone()),
            };
            if let Some(c) = coding {
                headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(c));
            }
            headers.insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
            (StatusCode::OK, Body::from(bytes))
        };
        let mut response = Response::new(body);
        *response.status_mut() = status;
        *response.headers_mut() = headers;
        response
    }
}

/// The layer in front of the application (inside compression, which leaves an encoded
/// response alone): serves and stores shared pages, and clears them after every change.
pub async fn middleware(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let write = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        && !private_write(req.uri().path());
    let Some(key) = key_of(&req) else {
        let response = next.run(req).await;
        if write && (response.status().is_success() || response.status().is_redirection()) {
            changed(&state).await;
        }
        return response;
    };
    let encoding = encoding_of(req.headers());
    let if_none_match = req.headers().get(header::IF_NONE_MATCH).cloned();
    let generation = match state.response_cache.get(&key) {
        Ok(entry) => {
            let cookie = token_cookie(&state, req.headers());
            return entry.respond(encoding, if_none_match.as_ref(), cookie, true);
        }
        Err(generation) => generation,
    };
    let held_token = read_cookie(req.headers(), CSRF_COOKIE).map(str::to_owned);
    let response = next.run(req).await;
    if response.status() != StatusCode::OK
        || response.headers().contains_key(header::CONTENT_ENCODING)
        || !response
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"text/html"))
    {
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    // The token the page was rendered with: the visitor's, or the one just set for her.
    let token = held_token.or_else(|| set_token(&parts.headers));
    let holds_token = token.is_some_and(|t| contains(&bytes, t.as_bytes()));
    if !holds_token && let Ok((brotli, gzip)) = compress(&bytes) {
        let mut headers = parts.headers.clone();
        headers.remove(header::SET_COOKIE);
        headers.remove("x-request-id");
        headers.append(header::VARY, HeaderValue::from_static("Accept-Encoding"));
        let entry = Entry {
            at: Instant::now(),
            headers,
            identity: bytes.clone(),
            brotli,
            gzip,
        };
        let response = entry.respond(encoding, if_none_match.as_ref(), None, false);
        let (mut out, body) = response.into_parts();
        for c in parts.headers.get_all(header::SET_COOKIE) {
            out.headers.append(header::SET_COOKIE, c.clone());
        }
        state.response_cache.put(key, generation, entry);
        return Response::from_parts(out, body);
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// The CSRF token a response sets, if it sets one.
fn set_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(CSRF_COOKIE)?.strip_prefix('='))
        .map(|v| v.split(';').next().unwrap_or("").to_owned())
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// Public pages may have changed: forget them here, and tell the other instances.
async fn changed(state: &AppState) {
    state.forget_public_pages();
    if let Err(e) = state.hub.publish(TOPIC, "changed", 0, "").await {
        tracing::warn!(error = %e, "could not tell other instances that pages changed");
    }
}

/// Clears this instance's pages and the reads behind them whenever an instance (this one
/// included, which already did) says public pages changed, or the bus may have lost events.
pub fn spawn_listener(hub: &Hub, reads: Arc<PageCache>, pages: Arc<ResponseCache>) {
    use tokio::sync::broadcast::error::RecvError;
    let mut events = hub.subscribe(TOPIC);
    tokio::spawn(async move {
        // Ends when the hub closes.
        while let Ok(_) | Err(RecvError::Lagged(_)) = events.recv().await {
            reads.invalidate();
            pages.clear();
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(uri: &str, headers: &[(&str, &str)]) -> Request {
        let mut b = axum::http::Request::builder().uri(uri);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(Body::empty()).expect("request")
    }

    fn key(uri: &str, headers: &[(&str, &str)]) -> Option<String> {
        key_of(&request(uri, headers))
    }

    #[test]
    fn only_the_pages_every_visitor_sees_alike() {
        for path in [
            "/",
            "/about",
            "/courses",
            "/courses/bases-de-python",
            "/forum",
            "/forum/topics/4",
        ] {
            assert!(key(path, &[]).is_some(), "{path}");
        }
        for path in [
            "/dashboard",
            "/courses/x/lessons/1",
            "/courses/",
            "/login",
            "/profile",
            "/admin/courses",
            "/static/app.css",
        ] {
            assert!(key(path, &[]).is_none(), "{path}");
        }
        let post = axum::http::Request::builder()
            .method(Method::POST)
            .uri("/courses")
            .body(Body::empty())
            .expect("request");
        assert!(key_of(&post).is_none());
    }

    #[test]
    fn a_session_or_a_message_to_show_is_never_served_from_memory() {
        assert!(key("/", &[("cookie", "tlj_session=abc")]).is_none());
        assert!(key("/", &[("cookie", "tlj_csrf=x; tlj_flash=info:k")]).is_none());
        assert!(key("/", &[("cookie", "tlj_csrf=x")]).is_some());
        let long = format!("/courses?q={}", "a".repeat(300));
        assert!(key(&long, &[]).is_none(), "an endless query is not kept");
    }

    #[test]
    fn keys_hold_language_data_saver_fragment_and_the_normalised_query() {
        let plain = key("/courses", &[]);
        assert_ne!(plain, key("/courses", &[("cookie", "tlj_lang=en")]));
        assert_eq!(
            plain,
            key("/courses", &[("cookie", "tlj_lang=xx")]),
            "unknown: French"
        );
        assert_ne!(plain, key("/courses", &[("save-data", "on")]));
        assert_ne!(plain, key("/courses", &[("hx-request", "true")]));
        assert_eq!(
            plain,
            key(
                "/courses",
                &[("hx-request", "true"), ("hx-boosted", "true")]
            ),
            "a boosted navigation wants the page"
        );
        assert_ne!(
            key("/courses", &[("hx-request", "true"), ("hx-target", "a")]),
            key("/courses", &[("hx-request", "true"), ("hx-target", "b")])
        );
        assert_eq!(
            key("/courses?b=2&a=1&c=", &[]),
            key("/courses?a=1&b=2", &[])
        );
        assert_ne!(key("/courses?a=1", &[]), plain);
    }

    #[test]
    fn the_best_accepted_encoding() {
        let enc = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(
                header::ACCEPT_ENCODING,
                HeaderValue::from_str(v).expect("ascii"),
            );
            encoding_of(&h)
        };
        assert!(matches!(enc("gzip, deflate, br"), Encoding::Brotli));
        assert!(matches!(enc("gzip"), Encoding::Gzip));
        assert!(matches!(enc("br;q=0, gzip"), Encoding::Gzip));
        assert!(matches!(enc("identity"), Encoding::Identity));
        assert!(matches!(encoding_of(&HeaderMap::new()), Encoding::Identity));
    }

    #[test]
    fn busy_private_writes_leave_the_pages() {
        for path in [
            "/chat/rooms/1/messages",
            "/login",
            "/logout",
            "/courses/x/lessons/3/complete",
        ] {
            assert!(private_write(path), "{path}");
        }
        for path in [
            "/admin/courses/1/unpublish",
            "/teach/courses/1/edit",
            "/forum/topics/1/replies",
            "/profile",
        ] {
            assert!(!private_write(path), "{path}");
        }
    }

    #[test]
    fn a_page_rendered_before_a_change_is_not_stored_after_it() {
        let cache = ResponseCache::new(Duration::from_secs(60));
        let entry = || Entry {
            at: Instant::now(),
            headers: HeaderMap::new(),
            identity: Bytes::from_static(b"x"),
            brotli: Bytes::new(),
            gzip: Bytes::new(),
        };
        let Err(generation) = cache.get("k") else {
            panic!("empty cache")
        };
        cache.clear(); // a change lands while the page renders
        cache.put("k".into(), generation, entry());
        assert!(cache.get("k").is_err());
        let Err(generation) = cache.get("k") else {
            panic!("still empty")
        };
        cache.put("k".into(), generation, entry());
        assert!(cache.get("k").is_ok());
        let expiring = ResponseCache::new(Duration::ZERO);
        expiring.put("k".into(), 0, entry());
        assert!(expiring.get("k").is_err(), "expired");
    }
}
