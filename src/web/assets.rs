//! Static files embedded in the binary, served under content-hashed names with a year-long cache.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, OnceLock};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

use crate::state::AppState;

#[derive(RustEmbed)]
#[folder = "static/"]
struct StaticFiles;

/// A file with its brotli and gzip versions, each compressed at the best level on first request.
struct Asset {
    plain: Bytes,
    brotli: OnceLock<Option<Bytes>>,
    gzip: OnceLock<Option<Bytes>>,
    compressible: bool,
    content_type: &'static str,
}

impl Asset {
    fn new(data: &[u8], name: &str) -> Self {
        let content_type = content_type(name);
        Self {
            plain: Bytes::copy_from_slice(data),
            brotli: OnceLock::new(),
            gzip: OnceLock::new(),
            compressible: !content_type.starts_with("image/") || content_type == "image/svg+xml",
            content_type,
        }
    }

    /// The body to send for the client's `Accept-Encoding`, and its encoding.
    fn negotiate(&self, accepts: &str) -> (Option<&'static str>, Bytes) {
        let smaller = |c: Vec<u8>| (c.len() < self.plain.len()).then(|| Bytes::from(c));
        if self.compressible
            && accepts.contains("br")
            && let Some(br) = self
                .brotli
                .get_or_init(|| smaller(brotli_best(&self.plain)))
        {
            return (Some("br"), br.clone());
        }
        if self.compressible
            && accepts.contains("gzip")
            && let Some(gz) = self.gzip.get_or_init(|| smaller(gzip_best(&self.plain)))
        {
            return (Some("gzip"), gz.clone());
        }
        (None, self.plain.clone())
    }
}

fn brotli_best(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
        let _ = w.write_all(data);
    }
    out
}

fn gzip_best(data: &[u8]) -> Vec<u8> {
    let mut w = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let _ = w.write_all(data);
    w.finish().unwrap_or_default()
}

/// Every static file under its hashed name (immutable) and its plain name (revalidated).
pub struct Assets {
    /// By served name: the file, and whether that name is the immutable (hashed) one.
    files: HashMap<String, (Arc<Asset>, bool)>,
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
            let short = crate::web::tokens::short_digest(&file.data, 5);
            let hashed = hashed_name(&name, &short);
            let asset = Arc::new(Asset::new(&file.data, &name));
            urls.insert(name.to_string(), format!("/static/{hashed}"));
            files.insert(hashed, (asset.clone(), true));
            files.insert(name.to_string(), (asset, false));
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

/// `GET /static/{*path}`: the precompressed version the client accepts, else the plain file.
pub async fn serve_static(
    State(state): State<AppState>,
    Path(path): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(entry) = state.assets.files.get(&path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let (asset, immutable) = entry;
    let cache = if *immutable {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=0, must-revalidate"
    };
    let accepts = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let (encoding, body) = asset.negotiate(accepts);
    let mut response = (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
            (header::VARY, HeaderValue::from_static("accept-encoding")),
        ],
        body,
    )
        .into_response();
    if let Some(encoding) = encoding {
        response
            .headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
    }
    response
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
