//! Reading multipart forms (file uploads) chunk by chunk, within a size limit.

use axum::extract::Multipart;

use crate::error::{AppError, AppResult};

/// Room for the multipart framing and text fields around the largest allowed file.
const OVERHEAD: usize = 1024 * 1024;

/// The file field of a form; `too_large` when it went past the limit (its bytes are dropped).
pub struct Upload {
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub too_large: bool,
}

/// The text fields of a multipart form in order, and its (non-empty) file `file_field`. A file
/// over `max_file` comes back marked `too_large` (for a message next to the field); a body over
/// `max_file` + 1 MB is cut off with 413. NUL characters are removed from text fields.
pub async fn read(
    mut multipart: Multipart,
    file_field: &str,
    max_file: usize,
) -> AppResult<(Vec<(String, String)>, Option<Upload>)> {
    let fail = |_| AppError::BadRequest("error.400");
    let max_total = max_file + OVERHEAD;
    let mut total = 0usize;
    let mut fields = Vec::new();
    let mut upload = None;
    while let Some(mut field) = multipart.next_field().await.map_err(fail)? {
        let name = field.name().unwrap_or_default().to_owned();
        let is_file = name == file_field;
        let file_name = field.file_name().unwrap_or_default().to_owned();
        let mut bytes = Vec::new();
        let mut too_large = false;
        while let Some(chunk) = field.chunk().await.map_err(fail)? {
            total += chunk.len();
            if total > max_total {
                return Err(AppError::PayloadTooLarge("error.file_too_large"));
            }
            if is_file && bytes.len() + chunk.len() > max_file {
                too_large = true;
                bytes = Vec::new();
            }
            if !too_large {
                bytes.extend_from_slice(&chunk);
            }
        }
        if is_file {
            if too_large || !bytes.is_empty() {
                upload = Some(Upload {
                    file_name,
                    bytes,
                    too_large,
                });
            }
        } else {
            // NUL is never typed by a person, and PostgreSQL refuses it in TEXT.
            let text = String::from_utf8_lossy(&bytes).replace('\0', "");
            fields.push((name, text));
        }
    }
    Ok((fields, upload))
}
