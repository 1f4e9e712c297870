//! Invitation links: whoever reads a batch (an admin, the sponsor's contact, the trainer who
//! created it) sets aside some of its free seats for a link to share in a WhatsApp group or a
//! class; a signed-in learner who opens it joins in one tap and takes one of those seats,
//! atomically, like a typed code.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use minijinja::value::Serde;
use serde::Deserialize;

use super::access::readable_batch;
use super::queries::{self, BatchRow};
use crate::admin::queries::audit;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::rate_limit::Action;
use crate::web::tokens::random_hex;
use crate::web::{Ctx, FlashLevel, RequestContext, SignedIn};

/// The public address of the link `token`.
pub fn link_url(base_url: &str, token: &str) -> String {
    format!("{}/codes/invite/{token}", base_url.trim_end_matches('/'))
}

#[derive(Debug, Default, Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    pub seats: String,
}

/// `POST /seats/{id}/invite`: a new link for `seats` seats (the old link stops working).
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<LinkForm>,
) -> AppResult<Response> {
    let batch = readable_batch(&state.db, &user, id).await?;
    let refuse = |key: &str| {
        super::report::render_batch(
            &state,
            &ctx,
            &user,
            batch.clone(),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(("seats", state.i18n.t(ctx.locale, key).to_owned())),
            &form.seats,
        )
    };
    if batch.issued_at.is_none() || batch.expires_at <= state.db.now() {
        return refuse("seats.error.link_closed").await;
    }
    let Some(seats) = form.seats.trim().parse::<i64>().ok().filter(|n| *n >= 1) else {
        return refuse("seats.error.link_seats").await;
    };
    let token = random_hex(16);
    if !queries::set_link(&state.db, id, Some((&token, seats))).await? {
        return refuse("seats.error.link_too_many").await;
    }
    audit(
        &state.db,
        user.id,
        "invite_link",
        "seat_batch",
        Some(id),
        serde_json::json!({ "seats": seats, "replaced": batch.invite_token.is_some() }),
    )
    .await?;
    Ok(ctx.redirect_with_flash(
        FlashLevel::Success,
        "seats.flash.link_created",
        &format!("/seats/{id}#invite"),
    ))
}

/// `POST /seats/{id}/invite/off`: the link stops working; its unused seats go back to the cards.
pub async fn remove(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    readable_batch(&state.db, &user, id).await?;
    queries::set_link(&state.db, id, None).await?;
    audit(
        &state.db,
        user.id,
        "invite_link_off",
        "seat_batch",
        Some(id),
        serde_json::json!({}),
    )
    .await?;
    Ok(ctx.redirect_with_flash(
        FlashLevel::Success,
        "seats.flash.link_removed",
        &format!("/seats/{id}"),
    ))
}

/// Why a link cannot be joined, or that it can.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LinkState {
    Open,
    Holds,
    Full,
    Expired,
}

impl LinkState {
    fn code(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Holds => "holds",
            Self::Full => "full",
            Self::Expired => "expired",
        }
    }

    async fn of(state: &AppState, batch: &BatchRow, user: Option<i64>) -> AppResult<Self> {
        if batch.expires_at <= state.db.now() {
            return Ok(Self::Expired);
        }
        if let Some(user) = user
            && queries::holds_seat(&state.db, user, batch.id).await?
        {
            return Ok(Self::Holds);
        }
        Ok(if batch.link_free == 0 {
            Self::Full
        } else {
            Self::Open
        })
    }
}

async fn render(
    state: &AppState,
    ctx: &RequestContext,
    status: StatusCode,
    batch: &BatchRow,
    link: LinkState,
    token: &str,
) -> AppResult<Response> {
    let courses = queries::batch_courses(&state.db, batch.id).await?;
    let values = context! {
        sponsor => &batch.sponsor_name,
        note => &batch.note,
        courses => Serde(&courses),
        expires_at => &batch.expires_at,
        seats_left => batch.link_free,
        link => link.code(),
        next => format!("/codes/invite/{token}"),
        token,
    };
    state.render_status(ctx, status, "views/seats/invite.html", values)
}

async fn open_link(state: &AppState, token: &str) -> AppResult<BatchRow> {
    let token = token.trim();
    if token.is_empty() || token.len() > 64 {
        return Err(AppError::NotFound);
    }
    queries::batch_by_link(&state.db, token)
        .await?
        .filter(|b| b.issued_at.is_some())
        .ok_or(AppError::NotFound)
}

/// `GET /codes/invite/{token}`: who invites, to what, and the button to join.
pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let batch = open_link(&state, &token).await?;
    let link = LinkState::of(&state, &batch, ctx.user.as_ref().map(|u| u.id)).await?;
    let status = match link {
        LinkState::Open | LinkState::Holds => StatusCode::OK,
        LinkState::Full | LinkState::Expired => StatusCode::GONE,
    };
    render(&state, &ctx, status, &batch, link, &token).await
}

/// `POST /codes/invite/{token}`: takes one of the link's seats and enrols the learner.
pub async fn join(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Path(token): Path<String>,
) -> AppResult<Response> {
    state
        .limits
        .check(Action::SeatCodeByAccount, &user.id.to_string())
        .await?;
    let batch = match open_link(&state, &token).await {
        Ok(batch) => batch,
        Err(e) => {
            // Probing for links counts as guessing codes.
            state.limits.check(Action::SeatCodeFromIp, &ctx.ip).await?;
            tracing::info!(user.id = user.id, client.ip = %ctx.ip, "unknown invitation link");
            return Err(e);
        }
    };
    let link = LinkState::of(&state, &batch, Some(user.id)).await?;
    if link != LinkState::Open {
        return render(&state, &ctx, StatusCode::CONFLICT, &batch, link, &token).await;
    }
    let Some(courses) = queries::take_link_seat(&state.db, batch.id, user.id).await? else {
        // Taken by someone else meanwhile (or the batch changed): say what holds now.
        let batch = open_link(&state, &token).await?;
        let link = match LinkState::of(&state, &batch, Some(user.id)).await? {
            LinkState::Open => LinkState::Full,
            other => other,
        };
        return render(&state, &ctx, StatusCode::CONFLICT, &batch, link, &token).await;
    };
    tracing::info!(
        user.id = user.id,
        batch.id = batch.id,
        "seat taken by invitation link"
    );
    super::redeem::enrolled(&state, &ctx, user.id, batch.id, &courses).await
}
