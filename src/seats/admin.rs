//! `/admin/seats`: the batches, revoking their unused codes, moving their expiry, and whether
//! trainers may create batches for their own courses.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use minijinja::value::Serde;
use serde::Deserialize;

use super::create::{TRAINERS_SETTING, end_of, today, trainers_allowed};
use super::model::{BatchFilter, PaymentKind};
use super::queries;
use crate::admin::queries::audit;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{Admin, Ctx, FlashLevel};

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(filter): Query<BatchFilter>,
) -> AppResult<Response> {
    let batches = queries::filtered_batches(&state.db, &filter).await?;
    let t = |key: &str| state.i18n.t(ctx.locale, key).to_owned();
    let kinds: Vec<(&str, String)> = std::iter::once(("", t("seats.filter_all_kinds")))
        .chain(
            PaymentKind::ALL
                .iter()
                .map(|k| (k.code(), t(&format!("seats.kind.{}", k.code())))),
        )
        .collect();
    let states: Vec<(&str, String)> = std::iter::once(("", t("seats.filter_all_states")))
        .chain(
            ["awaiting", "active", "expired"]
                .into_iter()
                .map(|s| (s, t(&format!("seats.state.{s}")))),
        )
        .collect();
    let values = context! {
        batches => Serde(&batches),
        admin_view => true,
        filter => Serde(&filter),
        kinds,
        states,
        trainers_allowed => trainers_allowed(&state).await?,
    };
    state.render_status(&ctx, StatusCode::OK, "views/seats/list.html", values)
}

pub async fn revoke_unused(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(admin): Admin,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    queries::batch(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let revoked = queries::revoke_unused(&state.db, id).await?;
    audit(
        &state.db,
        admin.id,
        "revoke_codes",
        "seat_batch",
        Some(id),
        serde_json::json!({ "revoked": revoked }),
    )
    .await?;
    Ok(ctx.redirect_with_flash(
        FlashLevel::Success,
        "seats.flash.revoked",
        &format!("/seats/{id}"),
    ))
}

#[derive(Debug, Deserialize)]
pub struct ExtendForm {
    #[serde(default)]
    pub expires_on: String,
}

pub async fn extend(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(admin): Admin,
    Path(id): Path<i64>,
    Form(form): Form<ExtendForm>,
) -> AppResult<Response> {
    let day = time::Date::parse(
        form.expires_on.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
    .filter(|d| *d > today(&state, &ctx));
    let Some(day) = day else {
        return Ok(ctx.redirect_with_flash(
            FlashLevel::Error,
            "seats.error.expires_on",
            &format!("/seats/{id}"),
        ));
    };
    let expires_at = end_of(day, &ctx)?;
    let before = queries::extend(&state.db, id, &expires_at)
        .await?
        .ok_or(AppError::NotFound)?;
    audit(
        &state.db,
        admin.id,
        "extend",
        "seat_batch",
        Some(id),
        serde_json::json!({ "before": before, "after": expires_at }),
    )
    .await?;
    Ok(ctx.redirect_with_flash(
        FlashLevel::Success,
        "seats.flash.extended",
        &format!("/seats/{id}"),
    ))
}

#[derive(Debug, Deserialize)]
pub struct SettingsForm {
    /// Present (a checked box) when trainers may create batches.
    #[serde(default)]
    pub trainers: Option<String>,
}

/// `POST /admin/seats/settings`: let trainers create batches for their courses, or not.
pub async fn settings(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(admin): Admin,
    Form(form): Form<SettingsForm>,
) -> AppResult<Response> {
    let allowed = form.trainers.is_some();
    crate::auth::queries::set_platform_setting(
        &state.db,
        TRAINERS_SETTING,
        if allowed { "1" } else { "0" },
    )
    .await?;
    audit(
        &state.db,
        admin.id,
        "settings",
        "seat_batch",
        None,
        serde_json::json!({ "trainers_allowed": allowed }),
    )
    .await?;
    Ok(ctx.redirect_with_flash(FlashLevel::Success, "seats.flash.settings", "/admin/seats"))
}
