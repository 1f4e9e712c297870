//! The certificate PDF: typst template + data + QR code, rendered once and cached in the
//! platform's `storage` (bucket `certificates`).

use qrcode::QrCode;
use qrcode::render::svg;

use super::model::Certificate;
use crate::pdf::PdfEngine;
use crate::state::AppState;
use crate::storage::Bucket;
use crate::web::i18n::Locale;
use crate::web::time::{Style, TimeZone};

/// The typst source of the certificate (reads `/data.json` and `/qr.svg`).
const TEMPLATE: &str = include_str!("certificate.typ");

/// The public page the QR code opens.
pub fn verify_url(base_url: &str, code: &str) -> String {
    format!("{}/verify/{code}", base_url.trim_end_matches('/'))
}

/// The QR code of `data` as an SVG document (black on white, quiet zone, crisp edges).
pub fn qr_svg(data: &str) -> anyhow::Result<String> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), qrcode::EcLevel::M)?;
    Ok(code
        .render()
        .module_dimensions(4, 4)
        .dark_color(svg::Color("#111827"))
        .light_color(svg::Color("#ffffff"))
        .quiet_zone(true)
        .build())
}

/// Renders the PDF of `cert` (CPU-bound: call from `spawn_blocking`). It is French and cached
/// once for every reader, so its issue date is in `zone`, the platform's (`TLJ_TIMEZONE`).
pub fn render_pdf(
    engine: &PdfEngine,
    cert: &Certificate,
    base_url: &str,
    zone: &TimeZone,
) -> anyhow::Result<Vec<u8>> {
    let long_date = |stored: &str| {
        crate::web::time::format(
            stored,
            Style::LongDate,
            zone,
            Locale::Fr,
            crate::web::time::now(),
        )
    };
    let url = verify_url(base_url, &cert.code);
    let qr = qr_svg(&url)?;
    let data = serde_json::json!({
        "code": cert.code,
        "learner": cert.learner_name,
        "course": cert.course_title,
        "trainer": cert.trainer_name,
        "completed": long_date(&cert.completed_on),
        "issued": long_date(&cert.issued_at),
        "signature": cert.signature,
        "verify_url": url,
    });
    let json = serde_json::to_vec(&data)?;
    engine.render(
        TEMPLATE,
        &[("/data.json", &json), ("/qr.svg", qr.as_bytes())],
    )
}

/// The stored name of the PDF of `code`: it carries a digest of the template, so a PDF
/// rendered by an older template (say, before the trainer's name was on the signature line) is
/// never served again — the new template renders it afresh.
pub fn cache_name(code: &str) -> String {
    let template = crate::web::tokens::short_digest(TEMPLATE.as_bytes(), 4);
    format!("{code}-{template}.pdf")
}

/// The PDF of `cert`, from the cache or rendered (off the async runtime) and cached. The cache
/// is only a cache: a PDF that cannot be stored is still returned (say, two instances rendering
/// the same certificate at once).
pub async fn pdf_bytes(state: &AppState, cert: &Certificate) -> anyhow::Result<Vec<u8>> {
    let name = cache_name(&cert.code);
    if let Some(bytes) = state.files.get(Bucket::Certificates, &name).await? {
        return Ok(bytes);
    }
    let engine = state.pdf.clone();
    let base_url = state.config.base_url.clone();
    let zone = state.config.timezone.clone();
    let owned = cert.clone();
    let bytes = tokio::task::spawn_blocking(move || render_pdf(&engine, &owned, &base_url, &zone))
        .await??;
    if let Err(e) = state.files.put(Bucket::Certificates, &name, &bytes).await {
        tracing::warn!(certificate.code = %cert.code, error = %e, "certificate PDF not cached");
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert(name: &str, title: &str) -> Certificate {
        Certificate {
            id: 1,
            code: "TLJ-7K3F-9QMD".into(),
            user_id: 1,
            course_id: 1,
            learner_name: name.into(),
            course_title: title.into(),
            trainer_name: "Jessica Mwamba".into(),
            completed_on: "2026-11-01".into(),
            issued_at: "2026-11-01T09:30:00Z".into(),
            format_version: 1,
            signature: "c2lnbmF0dXJl".repeat(7),
            revoked_at: None,
            revoked_reason: None,
        }
    }

    #[test]
    fn renders_names_with_accents_long_titles_and_odd_characters() {
        let engine = PdfEngine::new().expect("test step");
        for (name, title) in [
            ("Éloïse N'Sele-Kabongo", "Les bases de Python"),
            (
                "Marie-Thérèse Ngalula Mbuyi wa Kasongo Tshibangu",
                "Comptabilité, gestion de trésorerie & fiscalité des PME congolaises : \
                 de la création d'entreprise à la clôture de l'exercice (niveau avancé)",
            ),
            (
                "#set text(red) $x$ <lbl> @ref *gras* _x_ \\ \"q\"",
                "[] {} // /* `code`",
            ),
        ] {
            let pdf = render_pdf(
                &engine,
                &cert(name, title),
                "https://tlj.example",
                &TimeZone::kinshasa(),
            )
            .expect("test step");
            assert!(pdf.starts_with(b"%PDF"));
            let text = pdf_text(&pdf);
            assert!(text.contains("TLJ-7K3F-9QMD"), "{text}");
            assert!(text.contains("trainer:Jessica Mwamba"), "{text}");
        }
    }

    /// Benchmark (docs/performance.md): `cargo test --release --lib certificate_render_benchmark
    /// -- --ignored --nocapture`.
    #[test]
    #[ignore = "benchmark"]
    fn certificate_render_benchmark() {
        let engine = PdfEngine::new().expect("engine");
        let c = cert("Éloïse N'Sele-Kabongo", "Les bases de Python");
        let start = std::time::Instant::now();
        let first =
            render_pdf(&engine, &c, "https://tlj.example", &TimeZone::kinshasa()).expect("pdf");
        let cold = start.elapsed();
        let runs = 200;
        let start = std::time::Instant::now();
        for i in 0..runs {
            let mut c = c.clone();
            c.code = format!("TLJ-7K3F-{:04}", i);
            render_pdf(&engine, &c, "https://tlj.example", &TimeZone::kinshasa()).expect("pdf");
        }
        let warm = start.elapsed() / runs;
        println!(
            "certificate PDF: first render {:.1} ms, warm {:.2} ms/render over {runs}, size {} bytes",
            cold.as_secs_f64() * 1000.0,
            warm.as_secs_f64() * 1000.0,
            first.len()
        );
    }

    #[test]
    fn the_cache_name_follows_the_template() {
        let name = cache_name("TLJ-7K3F-9QMD");
        assert!(
            name.starts_with("TLJ-7K3F-9QMD-") && name.ends_with(".pdf"),
            "{name}"
        );
        assert_ne!(
            name, "TLJ-7K3F-9QMD.pdf",
            "a PDF of the old template is not reused"
        );
    }

    fn pdf_text(pdf: &[u8]) -> String {
        // The metadata dictionary is not compressed: the code appears verbatim in it.
        String::from_utf8_lossy(pdf).into_owned()
    }
}
