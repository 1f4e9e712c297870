//! CSRF protection: a random token in a cookie, echoed by every state-changing request in the
//! `X-CSRF-Token` header (htmx) or the `_csrf` form field (plain forms), plus an origin check.
//! Stateless, so anonymous visitors cost no session row.

use axum::body::Body;
use axum::extract::Request;
use axum::http::header;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;

use crate::error::AppError;

/// Largest form body read while looking for the token (uploads carry it in the header or query).
const FORM_LIMIT: usize = 1024 * 1024;

/// A new random token: 32 bytes, URL-safe base64.
pub fn new_token() -> String {
    random_b64(32)
}

/// A short random id for a request, shown on error pages and in logs.
pub fn new_request_id() -> String {
    super::tokens::random_hex(6)
}

pub fn random_b64(len: usize) -> String {
    let mut bytes = vec![0u8; len];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn is_well_formed(token: &str) -> bool {
    token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

use super::tokens::constant_time_eq as same;

/// Checks the request's token against the cookie; returns the request (body restored) when valid.
/// Form bodies containing a NUL character are refused with 400.
pub async fn verify(
    req: Request,
    cookie: Option<&str>,
    base_url: &str,
) -> Result<Request, AppError> {
    let headers = req.headers();
    if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
        return Err(AppError::Csrf);
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let origin_host = origin.split_once("://").map_or("", |(_, h)| h);
        if origin != "null" && origin_host != host && origin != base_url {
            return Err(AppError::Csrf);
        }
    }
    let Some(expected) = cookie else {
        return Err(AppError::Csrf);
    };
    let header_ok = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(|sent| same(sent, expected));
    if header_ok == Some(false) {
        return Err(AppError::Csrf);
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        let in_query = content_type.starts_with("multipart/form-data")
            && req
                .uri()
                .query()
                .and_then(|q| url::form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "_csrf"))
                .is_some_and(|(_, v)| same(&v, expected));
        return if header_ok == Some(true) || in_query {
            Ok(req)
        } else {
            Err(AppError::Csrf)
        };
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, FORM_LIMIT)
        .await
        .map_err(|_| AppError::PayloadTooLarge("error.413"))?;
    let mut valid = header_ok == Some(true);
    for (key, value) in url::form_urlencoded::parse(&bytes) {
        // NUL is never typed by a person, and PostgreSQL refuses it in TEXT: refuse it here,
        // once, for every form.
        if key.contains('\0') || value.contains('\0') {
            return Err(AppError::BadRequest("error.400"));
        }
        valid |= key == "_csrf" && same(&value, expected);
    }
    if valid {
        Ok(Request::from_parts(parts, Body::from(bytes)))
    } else {
        Err(AppError::Csrf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(headers: &[(&str, &str)], body: &str) -> Request {
        let mut b = Request::builder().method("POST").uri("/x");
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(Body::from(body.to_owned())).expect("valid request")
    }

    const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");

    #[tokio::test]
    async fn a_form_with_the_cookie_token_passes_and_keeps_its_body() {
        let token = new_token();
        let req = post(&[FORM], &format!("name=Jess&_csrf={token}"));
        let req = verify(req, Some(&token), "http://x")
            .await
            .expect("valid token");
        let body = axum::body::to_bytes(req.into_body(), 1000)
            .await
            .expect("body");
        assert!(body.starts_with(b"name=Jess"));
    }

    #[tokio::test]
    async fn a_missing_or_wrong_token_or_foreign_origin_is_refused() {
        let token = new_token();
        assert!(
            verify(post(&[FORM], "name=Jess"), Some(&token), "http://x")
                .await
                .is_err()
        );
        let other = new_token();
        let wrong = post(&[FORM], &format!("_csrf={other}"));
        assert!(verify(wrong, Some(&token), "http://x").await.is_err());
        let no_cookie = post(&[FORM], &format!("_csrf={token}"));
        assert!(verify(no_cookie, None, "http://x").await.is_err());
        let foreign = post(
            &[
                FORM,
                ("origin", "https://evil.example"),
                ("host", "techlearnjess.cd"),
            ],
            &format!("_csrf={token}"),
        );
        assert!(
            verify(foreign, Some(&token), "https://techlearnjess.cd")
                .await
                .is_err()
        );
        let header = post(&[("x-csrf-token", token.as_str())], "");
        assert!(verify(header, Some(&token), "http://x").await.is_ok());
        let nul = post(&[FORM, ("x-csrf-token", token.as_str())], "name=a%00b");
        assert!(matches!(
            verify(nul, Some(&token), "http://x").await,
            Err(AppError::BadRequest(_))
        ));
    }
}
