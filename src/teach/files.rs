//! Uploaded files: cover images (sniffed, resized, re-encoded as JPEG) and course resources
//! (sniffed against an allow-list), kept in the platform's `storage` under random names.

use std::io::Cursor;

use image::{ImageFormat, ImageReader, Limits};

/// Widest cover stored, in pixels.
const COVER_WIDTH: u32 = 800;

/// 32 random hex digits.
pub fn random_name() -> String {
    crate::web::tokens::random_hex(16)
}

/// Decodes a JPEG/PNG/WebP/GIF (recognised by content), scales it to at most 800 px wide and
/// re-encodes it as JPEG (which drops EXIF and anything else riding along). CPU-bound: call it
/// from `spawn_blocking`. `Err` is a catalogue key.
pub fn process_cover(bytes: &[u8]) -> Result<Vec<u8>, &'static str> {
    let format = image::guess_format(bytes).map_err(|_| "teach.error.cover_type")?;
    if !matches!(
        format,
        ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP | ImageFormat::Gif
    ) {
        return Err("teach.error.cover_type");
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(12_000);
    limits.max_image_height = Some(12_000);
    limits.max_alloc = Some(256 * 1024 * 1024);
    reader.limits(limits);
    let img = reader
        .decode()
        .map_err(|_| "teach.error.cover_unreadable")?;
    let img = if img.width() > COVER_WIDTH {
        img.resize(COVER_WIDTH, u32::MAX, image::imageops::FilterType::Triangle)
    } else {
        img
    };
    let rgb = img.to_rgb8();
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
        .encode_image(&rgb)
        .map_err(|_| "teach.error.cover_unreadable")?;
    Ok(out)
}

/// What a resource upload turned out to be.
#[derive(Debug, PartialEq, Eq)]
pub struct Sniffed {
    pub content_type: &'static str,
    pub extension: &'static str,
}

const ALLOWED: [&str; 15] = [
    "application/pdf",
    "application/zip",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.presentation",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/msword",
    "application/vnd.ms-powerpoint",
    "application/vnd.ms-excel",
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
];

/// Markup that a browser could run if the file were ever shown inline.
const ACTIVE_MARKUP: [&str; 8] = [
    "<html",
    "<script",
    "<svg",
    "<!doctype",
    "<?xml",
    "<body",
    "<iframe",
    "<head",
];

/// Recognises an allowed resource by its content; `Err` is a catalogue key. Text without a
/// known signature is accepted as plain text only if it is UTF-8 and holds no markup.
pub fn sniff_resource(bytes: &[u8]) -> Result<Sniffed, &'static str> {
    if bytes.is_empty() {
        return Err("teach.error.file_empty");
    }
    if let Some(kind) = infer::get(bytes) {
        return ALLOWED
            .iter()
            .find(|m| **m == kind.mime_type())
            .map(|m| Sniffed {
                content_type: m,
                extension: kind.extension(),
            })
            .ok_or("teach.error.file_type");
    }
    let text = std::str::from_utf8(bytes).map_err(|_| "teach.error.file_type")?;
    let lower = text.to_lowercase();
    if text.contains('\0') || ACTIVE_MARKUP.iter().any(|m| lower.contains(m)) {
        return Err("teach.error.file_type");
    }
    Ok(Sniffed {
        content_type: "text/plain; charset=utf-8",
        extension: "txt",
    })
}

/// The uploaded file's name for display and download: no folders, no control characters,
/// at most 200 characters; `fallback` when nothing is left.
pub fn sanitize_file_name(raw: &str, fallback: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | ':' | '|' | '?' | '*'))
        .take(200)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim().to_owned();
    if cleaned.is_empty() {
        fallback.to_owned()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_are_recognised_by_content_not_name() {
        assert_eq!(
            sniff_resource(b"%PDF-1.4\n...").map(|s| s.extension),
            Ok("pdf")
        );
        assert_eq!(
            sniff_resource("Notes de cours, été 2026".as_bytes()).map(|s| s.extension),
            Ok("txt")
        );
        assert!(sniff_resource(b"<!DOCTYPE html><script>alert(1)</script>").is_err());
        assert!(sniff_resource(b"<svg xmlns='http://www.w3.org/2000/svg' onload='x'/>").is_err());
        assert!(sniff_resource(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0").is_err());
        assert!(sniff_resource(b"MZ\x90\0\x03\0\0\0").is_err());
        assert!(sniff_resource(b"").is_err());
    }

    #[test]
    fn file_names_lose_folders_and_control_characters() {
        assert_eq!(sanitize_file_name("../../etc/passwd", "f"), "passwd");
        assert_eq!(
            sanitize_file_name("C:\\Users\\x\\cours.pdf", "f"),
            "cours.pdf"
        );
        assert_eq!(sanitize_file_name("a\u{0}b\nc.txt", "f"), "abc.txt");
        assert_eq!(sanitize_file_name("", "fichier.pdf"), "fichier.pdf");
        assert_eq!(
            sanitize_file_name(&"é".repeat(300), "f").chars().count(),
            200
        );
    }

    #[test]
    fn covers_are_resized_and_re_encoded_as_jpeg() {
        let img = image::RgbImage::from_pixel(1600, 400, image::Rgb([200, 30, 30]));
        let mut png = Vec::new();
        image::DynamicImage::ImageRgb8(img)
            .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
            .expect("png");
        let jpeg = process_cover(&png).expect("processed");
        assert_eq!(image::guess_format(&jpeg).ok(), Some(ImageFormat::Jpeg));
        let out = image::load_from_memory(&jpeg).expect("decodes");
        assert_eq!((out.width(), out.height()), (800, 200));
        assert!(process_cover(b"<svg/>").is_err());
    }
}
