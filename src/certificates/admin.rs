//! `/admin/certificates`: list and search by code or name, revoke with a reason, re-issue.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use minijinja::value::Serde;
use serde::Deserialize;

use super::handlers::CertificateView;
use super::model::normalize_code;
use super::queries;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{Admin, Ctx, FlashLevel, Fragment};

/// How many certificates the admin list shows.
const LIST_LIMIT: i64 = 100;
/// Longest revocation reason.
const REASON_MAX: usize = 300;

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub q: String,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Fragment(fragment): Fragment,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    let q: String = query.q.trim().chars().take(100).collect();
    let locale = ctx.locale.code();
    let certificates: Vec<CertificateView> = queries::search(&state.db, &q, LIST_LIMIT)
        .await?
        .iter()
        .map(|c| CertificateView::new(&state, c, locale))
        .collect();
    let values = context! { certificates => Serde(&certificates), q };
    let template = if fragment {
        "partials/certificates/admin_rows.html"
    } else {
        "views/certificates/admin.html"
    };
    Ok(state.render(&ctx, template, values)?.into_response())
}

#[derive(Debug, Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    pub reason: String,
}

fn clean_reason(raw: &str) -> String {
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub async fn revoke(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(admin): Admin,
    Path(raw): Path<String>,
    Form(form): Form<ReasonForm>,
) -> AppResult<Response> {
    let code = normalize_code(&raw).ok_or(AppError::NotFound)?;
    let cert = queries::by_code(&state.db, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    let reason = clean_reason(&form.reason);
    if reason.is_empty() {
        return Err(AppError::BadRequest("certificates.error.reason_required"));
    }
    if reason.chars().count() > REASON_MAX {
        return Err(AppError::BadRequest("certificates.error.reason_too_long"));
    }
    let done = queries::revoke(&state.db, cert.id, &reason, admin.id, &crate::db::now()).await?;
    let key = if done {
        tracing::info!(certificate.code = %code, admin.id = admin.id, "certificate revoked");
        "certificates.flash.revoked"
    } else {
        "certificates.flash.already_revoked"
    };
    Ok(ctx.redirect_with_flash(
        FlashLevel::Success,
        key,
        &format!("/admin/certificates?q={code}"),
    ))
}

pub async fn reissue(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(admin): Admin,
    Path(raw): Path<String>,
    Form(form): Form<ReasonForm>,
) -> AppResult<Response> {
    let code = normalize_code(&raw).ok_or(AppError::NotFound)?;
    let cert = queries::by_code(&state.db, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut reason = clean_reason(&form.reason);
    if reason.is_empty() {
        reason = state
            .i18n
            .t(crate::web::i18n::Locale::Fr, "certificates.reissued_reason")
            .to_owned();
    }
    if reason.chars().count() > REASON_MAX {
        return Err(AppError::BadRequest("certificates.error.reason_too_long"));
    }
    match super::reissue(&state, &cert, &reason, admin.id).await? {
        Some(new) => {
            tracing::info!(certificate.code = %new.code, certificate.replaces = %code, admin.id = admin.id, "certificate re-issued");
            Ok(ctx.redirect_with_flash(
                FlashLevel::Success,
                "certificates.flash.reissued",
                &format!("/admin/certificates?q={}", new.code),
            ))
        }
        None => Ok(ctx.redirect_with_flash(
            FlashLevel::Error,
            "certificates.flash.reissue_conflict",
            "/admin/certificates",
        )),
    }
}
