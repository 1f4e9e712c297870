//! Handing codes out: the batch's codes as CSV (with each one's redeem link, for a mail merge or
//! SMS) and its free codes as printable cards (typst PDF, ten an A4 page, a QR code each to
//! `/codes?code=…`), for learners who have no e-mail.

use axum::extract::{Path, Query, State};
use axum::response::Response;

use super::access::readable_batch;
use super::queries::{self, BatchRow};
use super::report::{CsvQuery, status_of};
use crate::error::{AppError, AppResult};
use crate::pdf::PdfEngine;
use crate::state::AppState;
use crate::web::csv_export::{Cell, CsvOptions, attachment, document};
use crate::web::i18n::Locale;
use crate::web::time::{Style, TimeZone};
use crate::web::{Ctx, FlashLevel, SignedIn};

/// The typst source of the cards (reads `/data.json` and `/qr/N.svg`).
const TEMPLATE: &str = include_str!("cards.typ");

/// The page a card's QR code opens, with its code typed in.
pub fn redeem_url(base_url: &str, code: &str) -> String {
    format!(
        "{}/codes?code={}",
        base_url.trim_end_matches('/'),
        crate::web::context::urlencode(code)
    )
}

/// `GET /seats/{id}/codes.csv`: every code of the batch, its state and its redeem link.
pub async fn codes_csv(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
    Query(q): Query<CsvQuery>,
) -> AppResult<Response> {
    let batch = readable_batch(&state.db, &user, id).await?;
    let courses = course_titles(&state, id).await?;
    let rows: Vec<Vec<Cell>> = queries::seats(&state.db, id)
        .await?
        .iter()
        .map(|row| {
            vec![
                row.code.as_str().into(),
                status_of(row).into(),
                redeem_url(&state.config.base_url, &row.code).into(),
                courses.as_str().into(),
                batch.sponsor_name.as_str().into(),
                batch.expires_at.as_str().into(),
            ]
        })
        .collect();
    let header = ["code", "statut", "lien", "cours", "sponsor", "expire_le"];
    let options = CsvOptions::new(q.sep == "semicolon", true);
    let body = document(&header, &rows, &options).map_err(|e| AppError::Internal(e.into()))?;
    let filename = format!("techlearnjess-codes-{id}.csv");
    Ok(attachment(&filename, "text/csv; charset=utf-8", body))
}

/// `GET /seats/{id}/cards.pdf`: a card for each free code. A batch with none left goes back to
/// its page with a word why.
pub async fn cards_pdf(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let batch = readable_batch(&state.db, &user, id).await?;
    let codes = queries::free_codes(&state.db, id).await?;
    if codes.is_empty() || batch.expires_at <= state.db.now() {
        return Ok(ctx.redirect_with_flash(
            FlashLevel::Info,
            "seats.flash.no_cards",
            &format!("/seats/{id}"),
        ));
    }
    let courses = course_titles(&state, id).await?;
    let engine = state.pdf.clone();
    let base_url = state.config.base_url.clone();
    let zone = state.config.timezone.clone();
    let pdf = tokio::task::spawn_blocking(move || {
        render_pdf(&engine, &batch, &courses, &codes, &base_url, &zone)
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))??;
    let filename = format!("techlearnjess-cartes-{id}.pdf");
    Ok(attachment(&filename, "application/pdf", pdf))
}

async fn course_titles(state: &AppState, batch_id: i64) -> AppResult<String> {
    let titles: Vec<String> = queries::batch_courses(&state.db, batch_id)
        .await?
        .into_iter()
        .map(|c| c.title)
        .collect();
    Ok(titles.join(" · "))
}

/// Renders the cards of `codes` (CPU-bound: call from `spawn_blocking`). Printed, so French, and
/// the expiry date in the platform's zone.
pub fn render_pdf(
    engine: &PdfEngine,
    batch: &BatchRow,
    courses: &str,
    codes: &[String],
    base_url: &str,
    zone: &TimeZone,
) -> anyhow::Result<Vec<u8>> {
    let expires = crate::web::time::format(
        &batch.expires_at,
        Style::LongDate,
        zone,
        Locale::Fr,
        crate::web::time::now(),
    );
    let site = base_url
        .trim_end_matches('/')
        .trim_start_matches("https://")
        .trim_start_matches("http://");
    let data = serde_json::json!({
        "sponsor": batch.sponsor_name,
        "courses": courses,
        "expires": expires,
        "site": site,
        "cards": codes.iter().map(|code| serde_json::json!({ "code": code })).collect::<Vec<_>>(),
    });
    let json = serde_json::to_vec(&data)?;
    let qrs = codes
        .iter()
        .map(|code| crate::certificates::render::qr_svg(&redeem_url(base_url, code)))
        .collect::<anyhow::Result<Vec<String>>>()?;
    let names: Vec<String> = (0..codes.len()).map(|i| format!("/qr/{i}.svg")).collect();
    let mut files: Vec<(&str, &[u8])> = vec![("/data.json", &json)];
    files.extend(
        names
            .iter()
            .zip(&qrs)
            .map(|(name, svg)| (name.as_str(), svg.as_bytes())),
    );
    engine.render(TEMPLATE, &files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(sponsor: &str) -> BatchRow {
        BatchRow {
            id: 7,
            sponsor_name: sponsor.into(),
            contact_user_id: None,
            contact_name: None,
            note: String::new(),
            seats: 12,
            expires_at: "2027-06-30T22:59:59Z".into(),
            payment_kind: "free".into(),
            payer: String::new(),
            payment_reference: String::new(),
            paid_on: None,
            amount_minor: None,
            currency: None,
            issued_at: Some("2026-12-01T10:00:00Z".into()),
            created_by: 1,
            created_at: "2026-12-01T10:00:00Z".into(),
            used: 0,
            revoked: 0,
            invite_token: None,
            link_free: 0,
        }
    }

    #[test]
    fn a_card_a_code_over_pages_whatever_the_names_hold() {
        let engine = PdfEngine::new().expect("engine");
        let codes: Vec<String> = (0..23)
            .map(|i| format!("TLJ-7KQ4-{:04}", 2000 + i))
            .collect();
        for (sponsor, courses) in [
            ("ONG Jeunesse Matadi", "Les bases de Python"),
            (
                "#set text(red) $x$ <lbl> @ref *gras* _x_ \\ \"q\"",
                "[] {} // /* `code` — Comptabilité, gestion de trésorerie & fiscalité des PME \
                 congolaises : de la création d'entreprise à la clôture de l'exercice",
            ),
        ] {
            let pdf = render_pdf(
                &engine,
                &batch(sponsor),
                courses,
                &codes,
                "https://tlj.example",
                &TimeZone::kinshasa(),
            )
            .expect("cards");
            assert!(pdf.starts_with(b"%PDF"));
            let text = String::from_utf8_lossy(&pdf);
            assert!(text.contains("count:23"), "every code has its card");
        }
    }

    #[test]
    fn the_qr_code_opens_the_redeem_page_with_the_code_typed() {
        assert_eq!(
            redeem_url("https://tlj.example/", "TLJ-7KQ4-M2XP"),
            "https://tlj.example/codes?code=TLJ-7KQ4-M2XP"
        );
    }
}
