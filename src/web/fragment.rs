//! Page or fragment: the one way a handler learns that htmx wants a fragment, and says so in `Vary`.

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum_htmx::HxRequest;

/// True when htmx asks for a fragment: an htmx request that is not a boosted navigation (a
/// boosted link or form wants the whole page). Handlers that answer a page or a fragment take
/// this extractor and nothing else: it reads `HX-Request` through axum-htmx's `HxRequest`, so
/// the `AutoVaryLayer` mounted in `lib::router` adds `Vary: HX-Request` to the response, and no
/// cache serves the fragment where the page was asked for (or the reverse).
#[derive(Clone, Copy, Debug)]
pub struct Fragment(pub bool);

impl<S: Send + Sync> FromRequestParts<S> for Fragment {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let HxRequest(_) = HxRequest::from_request_parts(parts, state).await?;
        Ok(Self(wants_fragment(&parts.headers)))
    }
}

/// The rule itself (also used by error rendering, which adds its own `Vary`).
pub fn wants_fragment(headers: &HeaderMap) -> bool {
    let is = |name: &str| {
        headers
            .get(name)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"true"))
    };
    is("hx-request") && !is("hx-boosted")
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn only_an_htmx_request_that_is_not_boosted_wants_a_fragment() {
        let mut headers = HeaderMap::new();
        assert!(!wants_fragment(&headers));
        headers.insert("hx-request", HeaderValue::from_static("true"));
        assert!(wants_fragment(&headers));
        headers.insert("hx-boosted", HeaderValue::from_static("true"));
        assert!(!wants_fragment(&headers));
    }
}
