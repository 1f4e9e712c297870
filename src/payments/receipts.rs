//! Receipts: a PDF per succeeded payment (typst, through the shared `PdfEngine`), with its
//! sequential invoice number, the learner, the course, amounts, currency, rate and provider
//! reference. Only the payer may download it (anyone else: 404).

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use minijinja::context;
use minijinja::value::Serde;
use serde::Serialize;

use super::checkout::own_payment;
use super::model::{Status, format_rate};
use super::msisdn;
use super::queries::{PaymentRow, Seller};
use super::seller;
use crate::error::{AppError, AppResult};
use crate::money::{Money, UnknownCurrency};
use crate::state::AppState;
use crate::web::Ctx;
use crate::web::i18n::Locale;
use crate::web::time::{Style, TimeZone};

/// The typst source; every value comes from `/data.json` (no string is spliced into code).
const TEMPLATE: &str = r#"#let d = json("/data.json")
#set page(paper: "a4", margin: 2cm)
#set text(size: 11pt, lang: "fr")
#grid(columns: (1fr, auto), gutter: 12pt,
  [#text(size: 20pt, weight: "bold")[#d.seller.name]
   #for line in d.seller.lines [ \ #text(size: 9pt)[#line]]],
  align(right)[#text(size: 14pt, weight: "bold")[#d.title] \ #d.invoice_label #d.invoice],
)
#v(1cm)
#table(columns: (auto, 1fr), stroke: none, inset: 5pt,
  ..d.rows.map(r => (strong(r.at(0)), r.at(1))).flatten()
)
#v(1cm)
#text(size: 9pt)[#d.footer]
"#;

/// The seller as a receipt prints it: the name, then the address lines and the identifiers
/// ("RCCM : CD/KNG/…").
#[derive(Serialize)]
struct SellerLines {
    name: String,
    lines: Vec<String>,
}

fn seller_lines(state: &AppState, locale: Locale, seller: &Seller) -> SellerLines {
    let mut lines: Vec<String> = seller
        .address
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    lines.extend(seller::identifiers(seller).into_iter().map(|(key, value)| {
        format!(
            "{}{} {value}",
            state.i18n.t(locale, key),
            state.i18n.t(locale, "site.colon")
        )
    }));
    SellerLines {
        name: seller.name.clone(),
        lines,
    }
}

#[derive(Serialize)]
struct ReceiptData {
    seller: SellerLines,
    title: String,
    invoice_label: String,
    invoice: String,
    rows: Vec<(String, String)>,
    footer: String,
}

fn receipt_data(
    state: &AppState,
    locale: Locale,
    zone: &TimeZone,
    p: &PaymentRow,
    seller: &Seller,
) -> Result<ReceiptData, UnknownCurrency> {
    let t = |k: &str| state.i18n.t(locale, k).to_owned();
    let paid = Money::parse(p.amount_minor, &p.currency)?.format(locale);
    let reference = Money::parse(p.ref_amount_minor, &p.ref_currency)?.format(locale);
    let mut rows = vec![
        (
            t("payments.receipt.date"),
            crate::web::time::format(
                p.finalized_at.as_deref().unwrap_or(&p.updated_at),
                Style::Date,
                zone,
                locale,
                crate::web::time::now(),
            ),
        ),
        (
            t("payments.receipt.learner"),
            format!("{} <{}>", p.user_name, p.user_email),
        ),
        (
            t("payments.receipt.course"),
            super::checkout::item_title(state, locale, p),
        ),
        (t("payments.receipt.amount"), paid),
        (t("payments.receipt.currency"), p.currency.clone()),
        (t("payments.receipt.reference_price"), reference),
    ];
    if p.currency != p.ref_currency {
        rows.push((
            t("payments.receipt.rate"),
            format!("1 USD = {} CDF", format_rate(p.rate_x10000, locale)),
        ));
    }
    rows.push((
        t("payments.receipt.wallet"),
        state
            .i18n
            .t(locale, &format!("payments.wallet.{}", p.wallet))
            .to_owned(),
    ));
    rows.push((t("payments.receipt.phone"), msisdn::display(&p.msisdn)));
    rows.push((t("payments.receipt.our_reference"), p.reference.clone()));
    rows.push((
        t("payments.receipt.provider_reference"),
        p.provider_ref.clone().unwrap_or_else(|| "—".into()),
    ));
    Ok(ReceiptData {
        seller: seller_lines(state, locale, seller),
        title: t("payments.receipt.title"),
        invoice_label: t("payments.receipt.invoice"),
        invoice: p.invoice_number.clone().unwrap_or_default(),
        rows,
        // A sandbox receipt says plainly that no money was received.
        footer: t(if p.is_sandbox() {
            "payments.receipt.sandbox_footer"
        } else {
            "payments.receipt.footer"
        }),
    })
}

/// Renders the receipt PDF of a succeeded payment (CPU-bound: on the blocking pool), its date
/// in `zone` (the reader's).
pub async fn render(
    state: &AppState,
    locale: Locale,
    zone: &TimeZone,
    p: &PaymentRow,
) -> AppResult<Vec<u8>> {
    let seller = seller::current(&state.db).await?;
    let data = serde_json::to_vec(&receipt_data(state, locale, zone, p, &seller)?)
        .map_err(|e| AppError::Internal(e.into()))?;
    let pdf = state.pdf.clone();
    tokio::task::spawn_blocking(move || pdf.render(TEMPLATE, &[("/data.json", &data)]))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(AppError::Internal)
}

/// `GET /payments/{reference}/receipt`: the receipt as a page (the same lines as the PDF),
/// with the PDF's download link.
pub async fn page(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(reference): Path<String>,
) -> AppResult<Response> {
    let p = own_payment(&state, &ctx, &reference).await?;
    if p.status() != Status::Succeeded || p.invoice_number.is_none() {
        return Err(AppError::NotFound);
    }
    let seller = seller::current(&state.db).await?;
    let data = receipt_data(&state, ctx.locale, &ctx.timezone, &p, &seller)?;
    Ok(state
        .render(
            &ctx,
            "views/payments/receipt.html",
            context! { r => Serde(&data), reference => &p.reference },
        )?
        .into_response())
}

/// `GET /payments/{reference}/receipt.pdf`
pub async fn download(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(reference): Path<String>,
) -> AppResult<Response> {
    let p = own_payment(&state, &ctx, &reference).await?;
    if p.status() != Status::Succeeded || p.invoice_number.is_none() {
        return Err(AppError::NotFound);
    }
    let bytes = render(&state, ctx.locale, &ctx.timezone, &p).await?;
    let name = format!(
        "recu-{}.pdf",
        p.invoice_number.as_deref().unwrap_or(&p.reference)
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}
