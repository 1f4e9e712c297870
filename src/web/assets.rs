//! Static files embedded in the binary, served under content-hashed names with a year-long cache.

use std::borrow::Cow;
use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};

use crate::state::AppState;

#[derive(RustEmbed)]
#[folder = "static/"]
struct StaticFiles;

struct Asset {
    bytes: Cow<'static, [u8]>,
    content_type: &'static str,
    immutable: bool,
}

/// Every static file under its hashed name (immutable) and its plain name (revalidated).
pub struct Assets {
    files: HashMap<String, Asset>,
    urls: HashMap<String, String>,
}

impl Assets {
    pub fn load() -> Self {
        let mut files = HashMap::new();
        let mut urls = HashMap::new();
        for name in StaticFiles::iter() {
            let Some(file) = StaticFiles::get(&name) else {
                continue;
            };
            let hash = Sha256::digest(&file.data);
            let short: String = hash.iter().take(5).map(|b| format!("{b:02x}")).collect();
            let hashed = hashed_name(&name, &short);
            let content_type = content_type(&name);
            urls.insert(name.to_string(), format!("/static/{hashed}"));
            files.insert(
                hashed,
                Asset {
                    bytes: file.data.clone(),
                    content_type,
                    immutable: true,
                },
            );
            files.insert(
                name.to_string(),
                Asset {
                    bytes: file.data,
                    content_type,
                    immutable: false,
                },
            );
        }
        Self { files, urls }
    }

    /// The URL to reference `name` (relative to `static/`) with; the plain path if unknown.
    pub fn url(&self, name: &str) -> String {
        self.urls
            .get(name)
            .cloned()
            .unwrap_or_else(|| format!("/static/{name}"))
    }
}

fn hashed_name(name: &str, hash: &str) -> String {
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.ends_with('/') => format!("{stem}.{hash}.{ext}"),
        _ => format!("{name}.{hash}"),
    }
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("webp") => "image/webp",
        Some("ico") => "image/x-icon",
        Some("webmanifest") => "application/manifest+json",
        Some("json") => "application/json",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// `GET /static/{*path}`.
pub async fn serve_static(State(state): State<AppState>, Path(path): Path<String>) -> Response {
    let Some(asset) = state.assets.files.get(&path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let cache = if asset.immutable {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=0, must-revalidate"
    };
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
        asset.bytes.clone(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_keep_the_extension_last() {
        assert_eq!(hashed_name("js/app.js", "abc"), "js/app.abc.js");
        assert_eq!(hashed_name("app.css", "abc"), "app.abc.css");
        assert_eq!(hashed_name("LICENSE", "abc"), "LICENSE.abc");
    }
}
