//! Learner pages (list, download), the public key and public verification.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};

use super::model::{Certificate, normalize_code};
use super::signer::Signer;
use super::{Status, queries, render, status_of};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::i18n::Locale;
use crate::web::time::Style;
use crate::web::{Ctx, SignedIn};

/// A certificate as the pages show it.
#[derive(Debug, Serialize)]
pub struct CertificateView {
    pub code: String,
    pub learner_name: String,
    pub course_title: String,
    pub trainer_name: String,
    pub completed_on: String,
    pub issued_on: String,
    pub revoked: bool,
    pub revoked_on: Option<String>,
    pub revoked_reason: Option<String>,
    pub status: Status,
}

impl CertificateView {
    /// The dates are the document's, as its PDF prints them: the same for every reader, in the
    /// platform's zone (`completed_on` is already a date, signed as such).
    pub fn new(state: &AppState, cert: &Certificate, locale: &str) -> Self {
        let locale = Locale::parse(locale).unwrap_or_default();
        let date = |stored: &str| {
            crate::web::time::format(
                stored,
                Style::LongDate,
                &state.config.timezone,
                locale,
                crate::web::time::now(),
            )
        };
        Self {
            code: cert.code.clone(),
            learner_name: cert.learner_name.clone(),
            course_title: cert.course_title.clone(),
            trainer_name: cert.trainer_name.clone(),
            completed_on: date(&cert.completed_on),
            issued_on: date(&cert.issued_at),
            revoked: cert.is_revoked(),
            revoked_on: cert.revoked_at.as_deref().map(date),
            revoked_reason: cert.revoked_reason.clone(),
            status: status_of(state, cert),
        }
    }
}

pub async fn my_certificates(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
) -> AppResult<Response> {
    let locale = ctx.locale.code();
    let certificates: Vec<CertificateView> = queries::for_user(&state.db, user.id)
        .await?
        .iter()
        .map(|c| CertificateView::new(&state, c, locale))
        .collect();
    Ok(state
        .render(
            &ctx,
            "views/certificates/mine.html",
            context! { certificates => Serde(&certificates) },
        )?
        .into_response())
}

/// The PDF, for its owner (while valid) or an admin.
pub async fn download(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(raw): Path<String>,
) -> AppResult<Response> {
    let code = normalize_code(&raw).ok_or(AppError::NotFound)?;
    let cert = queries::by_code(&state.db, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    super::access::require_download(&user, &cert)?;
    let bytes = render::pdf_bytes(&state, &cert).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"attestation-{}.pdf\"", cert.code),
            ),
            // Names the learner: never left in a shared phone's cache.
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

pub async fn public_key(State(signer): State<Arc<Signer>>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        signer.public_key_pem().to_owned(),
    )
        .into_response()
}

#[derive(Debug, Deserialize)]
pub struct VerifyQuery {
    #[serde(default)]
    pub code: String,
}

/// `/verify`: the form; with `?code=` it goes to that code's page.
pub async fn verify_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<VerifyQuery>,
) -> AppResult<Response> {
    let typed = query.code.trim();
    if typed.is_empty() {
        return state.render_status(
            &ctx,
            StatusCode::OK,
            "views/certificates/verify_form.html",
            context! { code => "" },
        );
    }
    match normalize_code(typed) {
        Some(code) => Ok(Redirect::to(&format!("/verify/{code}")).into_response()),
        None => state.render_status(
            &ctx,
            StatusCode::BAD_REQUEST,
            "views/certificates/verify_form.html",
            context! { code => typed.chars().take(40).collect::<String>(), error => true },
        ),
    }
}

/// `/verify/{code}`: public, light, works without JavaScript (the QR code's target).
pub async fn verify(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(raw): Path<String>,
) -> AppResult<Response> {
    let code = normalize_code(&raw);
    if let Some(code) = &code
        && code != &raw
    {
        return Ok(Redirect::permanent(&format!("/verify/{code}")).into_response());
    }
    let cert = match &code {
        Some(code) => queries::by_code(&state.db, code).await?,
        None => None,
    };
    let locale = ctx.locale.code();
    let (status, view) = match &cert {
        Some(c) => {
            let view = CertificateView::new(&state, c, locale);
            (view.status, Some(view))
        }
        None => (Status::Unknown, None),
    };
    let http = if status == Status::Unknown {
        StatusCode::NOT_FOUND
    } else {
        StatusCode::OK
    };
    let shown = code.unwrap_or_else(|| raw.chars().take(40).collect());
    let mut response = state.render_status(
        &ctx,
        http,
        "views/certificates/verify.html",
        context! { status => Serde(status), certificate => Serde(view), code => shown },
    )?;
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}
