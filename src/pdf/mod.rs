//! PDF rendering with typst, in-process: one engine (fonts, standard library) built once and
//! shared; fixed virtual file paths swapped per render. Used by certificates and receipts.
//!
//! Fonts come from `typst-assets` (embedded in the binary: Libertinus Serif, New Computer Modern,
//! DejaVu Sans Mono); no system font is read. Typst file ids are interned globally and capped
//! (~65k per process), so callers must use a small, fixed set of virtual paths (`/main.typ`,
//! `/data.json`, `/qr.svg`, …) and swap their bytes per render. Memoised results are evicted
//! after every render so memory stays flat.

use anyhow::{Context, anyhow};
use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

/// The shared typst engine: the standard library and the embedded fonts, loaded once.
pub struct PdfEngine {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

impl PdfEngine {
    pub fn new() -> anyhow::Result<Self> {
        let fonts: Vec<Font> = typst_assets::fonts()
            .flat_map(|data| Font::iter(Bytes::new(data)))
            .collect();
        if fonts.is_empty() {
            anyhow::bail!("no embedded font found (typst-assets built without `fonts`?)");
        }
        let book = FontBook::from_fonts(&fonts);
        Ok(Self {
            library: LazyHash::new(Library::default()),
            book: LazyHash::new(book),
            fonts,
        })
    }

    /// Renders the typst source `main` to a PDF. `files` are extra virtual files the source
    /// reads by absolute path, e.g. `("/data.json", bytes)`, `("/qr.svg", bytes)`; use fixed
    /// names (typst file ids are global and capped). CPU-bound: call it inside
    /// `tokio::task::spawn_blocking`.
    pub fn render(&self, main: &str, files: &[(&str, &[u8])]) -> anyhow::Result<Vec<u8>> {
        let main_id = file_id("/main.typ")?;
        let mut extra = Vec::with_capacity(files.len());
        for (path, bytes) in files {
            let id = file_id(path).with_context(|| format!("invalid virtual path {path}"))?;
            extra.push((id, Bytes::new(bytes.to_vec())));
        }
        let world = RenderWorld {
            engine: self,
            main: Source::new(main_id, main.to_owned()),
            files: extra,
        };
        let result = typst::compile::<PagedDocument>(&world).output;
        let pdf = result
            .map_err(|errors| anyhow!("typst: {}", describe(&errors)))
            .and_then(|document| {
                typst_pdf::pdf(&document, &typst_pdf::PdfOptions::default())
                    .map_err(|errors| anyhow!("typst pdf: {}", describe(&errors)))
            });
        // Without this, memoised layouts accumulate (2 GB after a few thousand renders).
        typst::comemo::evict(10);
        pdf
    }
}

fn file_id(path: &str) -> anyhow::Result<FileId> {
    let vpath = VirtualPath::new(path).map_err(|e| anyhow!("{e:?}"))?;
    Ok(FileId::new(RootedPath::new(VirtualRoot::Project, vpath)))
}

fn describe(errors: &[SourceDiagnostic]) -> String {
    errors
        .iter()
        .map(|e| e.message.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

/// One render's view of the world: the shared engine plus this render's files.
struct RenderWorld<'a> {
    engine: &'a PdfEngine,
    main: Source,
    files: Vec<(FileId, Bytes)>,
}

impl World for RenderWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.engine.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.engine.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            return Ok(self.main.clone());
        }
        let bytes = self.file(id)?;
        let text = std::str::from_utf8(bytes.as_slice()).map_err(|_| FileError::InvalidUtf8)?;
        Ok(Source::new(id, text.to_owned()))
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.main.id() {
            return Ok(Bytes::from_string(self.main.clone()));
        }
        self.files
            .iter()
            .find(|(fid, _)| *fid == id)
            .map(|(_, bytes)| bytes.clone())
            .ok_or_else(|| FileError::NotFound(id.vpath().get_with_slash().into()))
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.engine.fonts.get(index).cloned()
    }

    fn today(&self, offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        let mut now = time::OffsetDateTime::now_utc();
        if let Some(offset) = offset {
            now += time::Duration::seconds(offset.seconds() as i64);
        }
        Datetime::from_ymd(now.year(), now.month() as u8, now.day())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_accented_text_to_pdf() {
        let engine = PdfEngine::new().expect("test step");
        let pdf = engine
            .render(
                "#set page(width: 10cm, height: 5cm)\n#let d = json(\"/data.json\")\nBonjour #d.name !",
                &[("/data.json", br#"{"name": "Jos\u00e9 Kabila-\u00c9l\u00e9onore"}"#)],
            )
            .expect("test step");
        assert!(pdf.starts_with(b"%PDF"), "not a PDF");
        // Same path, new bytes: the file id is reused and the new content is used.
        let again = engine
            .render(
                "#let d = json(\"/data.json\")\n#d.name",
                &[("/data.json", br#"{"name": "Zo\u00e9"}"#)],
            )
            .expect("test step");
        assert!(again.starts_with(b"%PDF"));
    }

    #[test]
    fn reports_typst_errors() {
        let engine = PdfEngine::new().expect("test step");
        let err = engine
            .render("#undefined-function()", &[])
            .expect_err("an error");
        assert!(err.to_string().contains("typst"), "{err}");
    }
}
