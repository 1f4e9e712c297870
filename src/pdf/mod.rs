//! PDF rendering with typst, in-process: one engine (fonts, standard library) built once and
//! shared; fixed virtual file paths swapped per render. Used by certificates and receipts.

/// The shared typst engine. (Being built by the certificates issue.)
pub struct PdfEngine {}

impl PdfEngine {
    pub fn new() -> anyhow::Result<Self> {
        Ok(Self {})
    }

    /// Renders the typst source `main` to a PDF. `files` are extra virtual files the source
    /// reads by absolute path, e.g. `("/data.json", bytes)`, `("/qr.svg", bytes)`; use fixed
    /// names (typst file ids are global and capped). CPU-bound: call it inside
    /// `tokio::task::spawn_blocking`.
    pub fn render(&self, main: &str, files: &[(&str, &[u8])]) -> anyhow::Result<Vec<u8>> {
        let _ = (main, files);
        anyhow::bail!("PDF rendering is not built yet")
    }
}
