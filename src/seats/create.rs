//! Creating a batch: by an admin (any published course; mobile money, offline or free), or by a
//! trainer for their own published courses, paid by the sponsor's mobile money only — when the
//! admin allows trainers to (`/admin/seats`, kept in the audit log).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use minijinja::value::Serde;

use super::model::{BatchForm, PaymentKind};
use super::queries;
use crate::admin::queries::audit;
use crate::auth::model::{Role, User};
use crate::error::{AppError, AppResult};
use crate::money::Money;
use crate::payments::item::{PriceError, seats_total};
use crate::payments::service::Payments;
use crate::state::AppState;
use crate::web::time::{parse_local_input, to_local_input};
use crate::web::{Ctx, FlashLevel, RequestContext, SignedIn};

/// The `platform_settings` key of the admin's decision to let trainers create batches.
pub const TRAINERS_SETTING: &str = "trainer_seat_batches";

/// Who creates a batch, and so which courses and payments the form offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Creator {
    Admin,
    /// A trainer, for the courses they teach.
    Trainer(i64),
}

impl Creator {
    fn of(user: &User) -> Self {
        if user.roles.grants(Role::Admin) {
            Creator::Admin
        } else {
            Creator::Trainer(user.id)
        }
    }

    fn action(self) -> &'static str {
        match self {
            Creator::Admin => "/admin/seats",
            Creator::Trainer(_) => "/teach/seats",
        }
    }

    /// A trainer moves no money by their own word: the sponsor pays through the checkout.
    fn kinds(self) -> &'static [PaymentKind] {
        match self {
            Creator::Admin => &PaymentKind::ALL,
            Creator::Trainer(_) => &[PaymentKind::MobileMoney],
        }
    }

    fn trainer(self) -> Option<i64> {
        match self {
            Creator::Admin => None,
            Creator::Trainer(id) => Some(id),
        }
    }
}

/// Whether the admin lets trainers create batches for their courses.
pub async fn trainers_allowed(state: &AppState) -> AppResult<bool> {
    Ok(
        crate::auth::queries::platform_setting(&state.db, TRAINERS_SETTING)
            .await?
            .is_some_and(|v| v == "1"),
    )
}

/// The creator behind a request: an admin, or a trainer when trainers are allowed.
async fn creator(state: &AppState, user: &User) -> AppResult<Creator> {
    let creator = Creator::of(user);
    if creator != Creator::Admin && !trainers_allowed(state).await? {
        return Err(AppError::Forbidden);
    }
    Ok(creator)
}

/// Today's date where the user is.
pub(super) fn today(state: &AppState, ctx: &RequestContext) -> time::Date {
    let local = to_local_input(&state.clock.timestamp(), &ctx.timezone);
    time::Date::parse(
        local.get(..10).unwrap_or_default(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .unwrap_or_else(|_| state.clock.now().date())
}

/// The stored instant at which codes of a batch ending on `day` stop working: the end of that
/// day in the user's zone.
pub(super) fn end_of(day: time::Date, ctx: &RequestContext) -> AppResult<String> {
    let end = parse_local_input(&format!("{day}T23:59:59"), &ctx.timezone)
        .ok_or(AppError::BadRequest("seats.error.expires_on"))?;
    let t = time::OffsetDateTime::from_unix_timestamp(end.as_second())
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(crate::db::timestamp(t))
}

/// The creation form: fresh, or again with what was typed and its errors (422).
async fn render_form(
    state: &AppState,
    ctx: &RequestContext,
    creator: Creator,
    status: StatusCode,
    form: &BatchForm,
    errors: Option<BTreeMap<String, String>>,
) -> AppResult<Response> {
    let courses = queries::course_choices(&state.db, creator.trainer()).await?;
    let course_options: Vec<(i64, String)> = courses
        .iter()
        .map(|c| {
            let price = Money::parse(c.price_minor, &c.currency)
                .map_or_else(|_| String::new(), |m| m.format(ctx.locale));
            let label = if c.price_minor > 0 {
                format!("{} — {price}", c.title)
            } else {
                c.title.clone()
            };
            (c.id, label)
        })
        .collect();
    let kinds: Vec<(&str, String)> = creator
        .kinds()
        .iter()
        .map(|k| {
            let key = format!("seats.kind.{}", k.code());
            (k.code(), state.i18n.t(ctx.locale, &key).to_owned())
        })
        .collect();
    let values = context! {
        form => Serde(form),
        errors,
        course_options,
        kinds,
        currencies => [("USD", "USD ($US)"), ("CDF", "CDF (FC)")],
        action => creator.action(),
        admin_view => creator == Creator::Admin,
    };
    state.render_status(ctx, status, "views/seats/new.html", values)
}

/// `GET /admin/seats/new`, `GET /teach/seats/new`
pub async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
) -> AppResult<Response> {
    let creator = creator(&state, &user).await?;
    let form = BatchForm {
        seats: "20".into(),
        expires_on: today(&state, &ctx)
            .checked_add(time::Duration::days(180))
            .map(|d| d.to_string())
            .unwrap_or_default(),
        payment_kind: PaymentKind::MobileMoney.code().into(),
        ..BatchForm::default()
    };
    render_form(&state, &ctx, creator, StatusCode::OK, &form, None).await
}

/// `POST /admin/seats`, `POST /teach/seats`
pub async fn create(
    State(state): State<AppState>,
    State(payments): State<Arc<Payments>>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let creator = creator(&state, &user).await?;
    let form = BatchForm::from_pairs(pairs);
    let refuse = |errors: Vec<(&'static str, &'static str)>| {
        let errors: BTreeMap<String, String> = errors
            .into_iter()
            .map(|(field, key)| (field.to_owned(), state.i18n.t(ctx.locale, key).to_owned()))
            .collect();
        render_form(
            &state,
            &ctx,
            creator,
            StatusCode::UNPROCESSABLE_ENTITY,
            &form,
            Some(errors),
        )
    };
    let batch = match form.check(today(&state, &ctx)) {
        Ok(b) => b,
        Err(errors) => return refuse(errors).await,
    };
    if !creator.kinds().contains(&batch.payment_kind) {
        return refuse(vec![("payment_kind", "seats.error.payment_kind")]).await;
    }
    let contact = match &batch.contact_email {
        Some(email) => match queries::user_by_email(&state.db, email).await? {
            Some(id) => Some(id),
            None => return refuse(vec![("contact_email", "seats.error.contact_unknown")]).await,
        },
        // A trainer's batch is paid by the sponsor, through the contact's account.
        None if creator != Creator::Admin => {
            return refuse(vec![("contact_email", "seats.error.contact_required")]).await;
        }
        None => None,
    };
    let offered = queries::course_choices(&state.db, creator.trainer()).await?;
    let chosen: Vec<&queries::CourseChoice> = offered
        .iter()
        .filter(|c| batch.course_ids.contains(&c.id))
        .collect();
    if chosen.len() != batch.course_ids.len() {
        return refuse(vec![("course_ids", "seats.error.courses")]).await;
    }
    if batch.payment_kind == PaymentKind::MobileMoney {
        // The checkout prices seats × the courses in one currency, now and at payment.
        let prices = chosen
            .iter()
            .map(|c| Money::parse(c.price_minor, &c.currency))
            .collect::<Result<Vec<_>, _>>()?;
        match seats_total(&prices, batch.seats) {
            // One mobile-money transaction has a ceiling: a larger batch is several batches.
            Ok(total) if total.amount_minor > payments.config.limits(total.currency).1 => {
                return refuse(vec![("seats", "seats.error.above_max")]).await;
            }
            Ok(_) => {}
            Err(PriceError::MixedCurrencies) => {
                return refuse(vec![("course_ids", "seats.error.mixed_currencies")]).await;
            }
            Err(_) => return refuse(vec![("payment_kind", "seats.error.not_payable")]).await,
        }
    }
    let expires_at = end_of(batch.expires_on, &ctx)?;
    let id = queries::create_batch(&state.db, &batch, contact, &expires_at, user.id).await?;
    audit(
        &state.db,
        user.id,
        "create",
        "seat_batch",
        Some(id),
        serde_json::json!({
            "sponsor": batch.sponsor_name,
            "seats": batch.seats,
            "courses": batch.course_ids,
            "expires_at": expires_at,
            "payment": batch.payment_kind.code(),
            "payer": batch.payer,
            "reference": batch.payment_reference,
            "paid_on": batch.paid_on.map(|d| d.to_string()),
            "amount_minor": batch.paid.map(|m| m.amount_minor),
            "currency": batch.paid.map(|m| m.currency.code()),
            "by_trainer": creator != Creator::Admin,
        }),
    )
    .await?;
    tracing::info!(
        batch.id = id,
        user.id = user.id,
        seats = batch.seats,
        "seat batch created"
    );
    let flash = if batch.payment_kind == PaymentKind::MobileMoney {
        "seats.flash.created_unpaid"
    } else {
        "seats.flash.created"
    };
    Ok(ctx.redirect_with_flash(FlashLevel::Success, flash, &format!("/seats/{id}")))
}
