//! `/admin/certificates`: list and search by code or name, revoke with a reason, re-issue.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use minijinja::value::Serde;
use serde::Deserialize;

use super::handlers::CertificateView;
use super::model::normalize_code;
use super::queries;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{Admin, Ctx, FlashLevel, Fragment, RequestContext};

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
    let template = if fragment {
        "partials/certificates/admin_rows.html"
    } else {
        "views/certificates/admin.html"
    };
    render_list(&state, &ctx, StatusCode::OK, template, &query.q, None).await
}

/// A reason refused for the certificate `code`: what was typed and the message.
struct Refused<'a> {
    code: &'a str,
    reason: &'a str,
    message: &'static str,
}

/// The list for the search `q`; after a refused revocation, that row's form keeps the reason
/// typed with its error (key `reason-<code>`).
async fn render_list(
    state: &AppState,
    ctx: &RequestContext,
    status: StatusCode,
    template: &str,
    q: &str,
    refused: Option<Refused<'_>>,
) -> AppResult<Response> {
    let q: String = q.trim().chars().take(100).collect();
    let locale = ctx.locale.code();
    let certificates: Vec<CertificateView> = queries::search(&state.db, &q, LIST_LIMIT)
        .await?
        .iter()
        .map(|c| CertificateView::new(state, c, locale))
        .collect();
    let (typed, errors) = match refused {
        Some(r) => {
            let errors = BTreeMap::from([(
                format!("reason-{}", r.code),
                state.i18n.t(ctx.locale, r.message).to_owned(),
            )]);
            (
                context! { code => r.code, reason => r.reason },
                Some(errors),
            )
        }
        None => (context! {}, None),
    };
    let values = context! { certificates => Serde(&certificates), q, typed, errors };
    state.render_status(ctx, status, template, values)
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
    Fragment(fragment): Fragment,
    Admin(admin): Admin,
    Path(raw): Path<String>,
    Form(form): Form<ReasonForm>,
) -> AppResult<Response> {
    let code = normalize_code(&raw).ok_or(AppError::NotFound)?;
    let cert = queries::by_code(&state.db, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    let reason = clean_reason(&form.reason);
    let refusal = if reason.is_empty() {
        Some("certificates.error.reason_required")
    } else if reason.chars().count() > REASON_MAX {
        Some("certificates.error.reason_too_long")
    } else {
        None
    };
    if let Some(message) = refusal {
        let template = if fragment {
            "partials/certificates/admin_rows.html"
        } else {
            "views/certificates/admin.html"
        };
        let refused = Refused {
            code: &code,
            reason: &form.reason,
            message,
        };
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return render_list(&state, &ctx, status, template, &code, Some(refused)).await;
    }
    let done = queries::revoke(&state.db, cert.id, &reason, admin.id, &state.db.now()).await?;
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
