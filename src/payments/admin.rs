//! Admin payment dashboard (`/admin/payments`, admins only): list with filters, totals per
//! provider and currency plus a USD total at each payment's stored rate, detail with the
//! transition history, manual re-query, mark refunded, exchange rates, routing table.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use minijinja::context;
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};

use super::model::{Status, is_reference, parse_rate, usd_equivalent};
use super::providers::{ProviderKind, Wallet};
use super::queries::{self, AdminFilter, PaymentRow};
use super::service::Payments;
use super::{msisdn, rates, worker};
use crate::error::{AppError, AppResult};
use crate::money::{Currency, Money, UnknownCurrency};
use crate::state::AppState;
use crate::web::context::RequestContext;
use crate::web::i18n::Locale;
use crate::web::{Admin, Ctx, FlashLevel};

/// Who handled a payment, in words: the wallet's name for its own adapter ("Orange Money"),
/// "M-Pesa via FlexPay" through the aggregator; the codes themselves when unknown.
pub fn operator_label(state: &AppState, locale: Locale, provider: &str, wallet: &str) -> String {
    let wallet_name = match Wallet::parse(wallet) {
        Some(w) => state
            .i18n
            .t(locale, &format!("payments.wallet.{}", w.code()))
            .to_owned(),
        None => wallet.to_owned(),
    };
    match ProviderKind::parse(provider) {
        Some(ProviderKind::Flexpay) => state.i18n.format(
            locale,
            "payments.admin.via",
            &[
                ("wallet", &wallet_name),
                ("provider", state.i18n.t(locale, "payments.admin.flexpay")),
            ],
        ),
        Some(kind) if kind.code() == wallet => wallet_name,
        Some(kind) => state.i18n.format(
            locale,
            "payments.admin.via",
            &[
                ("wallet", &wallet_name),
                (
                    "provider",
                    state
                        .i18n
                        .t(locale, &format!("payments.provider.{}", kind.code())),
                ),
            ],
        ),
        None => format!("{provider} / {wallet}"),
    }
}

/// A payment status in words (`payments.status.*`), the code itself when unknown.
fn status_label(state: &AppState, locale: Locale, code: &str) -> String {
    match Status::parse(code) {
        Some(s) => state
            .i18n
            .t(locale, &format!("payments.status.{}", s.code()))
            .to_owned(),
        None => code.to_owned(),
    }
}

/// Where a transition came from, in words: `poll:query` → "Vérification périodique :
/// interrogation de l'opérateur". Unknown parts are shown as they are.
fn source_label(state: &AppState, locale: Locale, source: &str) -> String {
    const ORIGINS: [&str; 9] = [
        "checkout",
        "initiate",
        "callback",
        "callback_rejected",
        "poll",
        "admin",
        "sandbox",
        "expiry",
        "refund",
    ];
    const STEPS: [&str; 2] = ["query", "query_error"];
    let word = |part: &str, known: &[&str], prefix: &str| {
        if known.contains(&part) {
            state.i18n.t(locale, &format!("{prefix}.{part}")).to_owned()
        } else {
            part.to_owned()
        }
    };
    match source.split_once(':') {
        Some((origin, step)) => format!(
            "{}{} {}",
            word(origin, &ORIGINS, "payments.admin.origin"),
            state.i18n.t(locale, "site.colon"),
            word(step, &STEPS, "payments.admin.step")
        ),
        None => word(source, &ORIGINS, "payments.admin.origin"),
    }
}

#[derive(Serialize)]
struct TransitionView {
    created_at: String,
    from: String,
    to: String,
    source: String,
    raw: String,
}

/// The filters' choices: `[value, label]` pairs for `forms.select`, "Tous" first.
fn choices(
    state: &AppState,
    locale: Locale,
    values: &[&str],
    key_prefix: Option<&str>,
) -> Vec<(String, String)> {
    let mut out = vec![(
        String::new(),
        state.i18n.t(locale, "payments.admin.all").to_owned(),
    )];
    out.extend(values.iter().map(|v| {
        let label = match key_prefix {
            Some(prefix) => state.i18n.t(locale, &format!("{prefix}.{v}")).to_owned(),
            None => (*v).to_owned(),
        };
        ((*v).to_owned(), label)
    }));
    out
}

#[derive(Serialize)]
struct Row {
    reference: String,
    created_at: String,
    user_name: String,
    course_title: String,
    operator: String,
    amount: String,
    status: String,
    refunded: bool,
    sandbox: bool,
}

#[derive(Serialize)]
struct Total {
    provider: String,
    currency: String,
    count: i64,
    amount: String,
}

/// `GET /admin/payments`
pub async fn list(
    State(state): State<AppState>,
    State(payments): State<Arc<Payments>>,
    Ctx(ctx): Ctx,
    Query(filter): Query<AdminFilter>,
) -> AppResult<Response> {
    let filter = filter.cleaned();
    let rows = queries::admin_list(&state.db, &filter).await?;
    let rows: Vec<Row> = rows
        .iter()
        .map(|p| -> Result<Row, UnknownCurrency> {
            Ok(Row {
                reference: p.reference.clone(),
                created_at: p.created_at.clone(),
                user_name: p.user_name.clone(),
                course_title: super::checkout::item_title(&state, ctx.locale, p),
                operator: operator_label(&state, ctx.locale, &p.provider, &p.wallet),
                amount: Money::parse(p.amount_minor, &p.currency)?.format(ctx.locale),
                status: p.status.clone(),
                refunded: p.refunded_at.is_some(),
                sandbox: p.is_sandbox(),
            })
        })
        .collect::<Result<_, _>>()?;
    let amounts = queries::succeeded_amounts(&state.db, &filter).await?;
    let sandbox_succeeded = queries::succeeded_sandbox_count(&state.db, &filter).await?;
    let mut sums: BTreeMap<(String, String), (i64, i64)> = BTreeMap::new();
    let mut usd_total = 0_i64;
    for a in &amounts {
        let e = sums
            .entry((a.provider.clone(), a.currency.clone()))
            .or_default();
        e.0 += 1;
        e.1 += a.amount_minor;
        usd_total += usd_equivalent(Money::parse(a.amount_minor, &a.currency)?, a.rate_x10000);
    }
    let totals: Vec<Total> = sums
        .into_iter()
        .map(|((provider, currency), (count, sum))| {
            Ok(Total {
                amount: Money::parse(sum, &currency)?.format(ctx.locale),
                provider,
                currency,
                count,
            })
        })
        .collect::<Result<_, UnknownCurrency>>()?;
    Ok(state
        .render(
            &ctx,
            "views/payments/admin_list.html",
            context! {
                rows => Serde(&rows),
                totals => Serde(&totals),
                usd_total => Money::new(usd_total, Currency::Usd).format(ctx.locale),
                filter => Serde(&filter),
                provider_choices => choices(
                    &state,
                    ctx.locale,
                    &ProviderKind::ALL.map(|p| p.code()),
                    Some("payments.provider"),
                ),
                currency_choices => choices(&state, ctx.locale, &["USD", "CDF"], None),
                status_choices => choices(
                    &state,
                    ctx.locale,
                    &Status::ALL.map(|s| s.code()),
                    Some("payments.status"),
                ),
                setup => Serde(setup(&payments)),
                sandbox_succeeded,
            },
        )?
        .into_response())
}

/// How mobile payment is set up, for the admin: the mode, the providers in use, and when
/// nothing is configured, the variables that would configure each provider.
#[derive(Serialize)]
struct Setup {
    /// `sandbox`, `live` or `off`.
    mode: &'static str,
    configured: Vec<&'static str>,
    missing: Vec<(&'static str, Vec<&'static str>)>,
}

fn setup(payments: &Payments) -> Setup {
    let mode = if payments.sandbox_enabled() {
        "sandbox"
    } else if payments.providers.is_empty() {
        "off"
    } else {
        "live"
    };
    let configured = ProviderKind::ALL
        .into_iter()
        .filter(|k| mode == "live" && payments.providers.contains_key(k))
        .map(|k| k.code())
        .collect();
    let missing = if mode == "off" {
        super::providers::settings::required_variables()
            .into_iter()
            .map(|(kind, vars)| (kind.code(), vars.to_vec()))
            .collect()
    } else {
        Vec::new()
    };
    Setup {
        mode,
        configured,
        missing,
    }
}

async fn payment(state: &AppState, reference: &str) -> AppResult<PaymentRow> {
    if !is_reference(reference) {
        return Err(AppError::NotFound);
    }
    queries::by_reference(&state.db, reference)
        .await?
        .ok_or(AppError::NotFound)
}

/// `GET /admin/payments/{reference}`
pub async fn detail(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(reference): Path<String>,
) -> AppResult<Response> {
    let p = payment(&state, &reference).await?;
    let transitions: Vec<TransitionView> = queries::transitions(&state.db, p.id)
        .await?
        .into_iter()
        .map(|t| TransitionView {
            from: status_label(&state, ctx.locale, &t.from_status),
            to: status_label(&state, ctx.locale, &t.to_status),
            source: source_label(&state, ctx.locale, &t.source),
            created_at: t.created_at,
            raw: t.raw,
        })
        .collect();
    Ok(state
        .render(
            &ctx,
            "views/payments/admin_detail.html",
            context! {
                p => Serde(&p),
                amount => Money::parse(p.amount_minor, &p.currency)?.format(ctx.locale),
                reference_price => Money::parse(p.ref_amount_minor, &p.ref_currency)?.format(ctx.locale),
                rate => super::model::format_rate(p.rate_x10000, ctx.locale),
                phone => msisdn::display(&p.msisdn),
                operator => operator_label(&state, ctx.locale, &p.provider, &p.wallet),
                reason => p
                    .failure_reason
                    .as_deref()
                    .filter(|k| k.starts_with("payments."))
                    .map(|k| state.i18n.t(ctx.locale, k).to_owned()),
                transitions => Serde(&transitions),
                can_refund => p.status() == Status::Succeeded && p.refunded_at.is_none(),
            },
        )?
        .into_response())
}

/// `POST /admin/payments/{reference}/requery`: asks the provider now.
pub async fn requery(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(reference): Path<String>,
) -> AppResult<Response> {
    let p = payment(&state, &reference).await?;
    worker::check(&state, &p, "admin").await?;
    Ok(ctx.redirect_with_flash(
        FlashLevel::Success,
        "payments.admin.requeried",
        &format!("/admin/payments/{}", p.reference),
    ))
}

#[derive(Deserialize)]
pub struct RefundForm {
    #[serde(default)]
    note: String,
}

/// `POST /admin/payments/{reference}/refund`: records that the money was given back.
pub async fn refund(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Admin(user): Admin,
    Path(reference): Path<String>,
    Form(form): Form<RefundForm>,
) -> AppResult<Response> {
    let p = payment(&state, &reference).await?;
    let note: String = form.note.trim().chars().take(500).collect();
    let back = format!("/admin/payments/{}", p.reference);
    if queries::refund(&state.db, p.id, &note, user.id).await? {
        tracing::info!(payment.reference = %p.reference, user.id = user.id, "payments: payment refunded");
        Ok(ctx.redirect_with_flash(FlashLevel::Success, "payments.admin.refunded", &back))
    } else {
        Ok(ctx.redirect_with_flash(FlashLevel::Error, "payments.admin.not_refundable", &back))
    }
}

/// `GET /admin/payments/rates`
pub async fn rates_page(State(state): State<AppState>, Ctx(ctx): Ctx) -> AppResult<Response> {
    render_rates(&state, &ctx, &RateForm::default(), None, StatusCode::OK).await
}

/// The rates page; `error`: the message of a refused rate, shown under the field that keeps
/// what was typed.
async fn render_rates(
    state: &AppState,
    ctx: &RequestContext,
    form: &RateForm,
    error: Option<&str>,
    status: StatusCode,
) -> AppResult<Response> {
    rates::current(state).await?;
    let history: Vec<rates::RateView> = queries::rate_history(&state.db, 50)
        .await?
        .iter()
        .map(|r| rates::view(r, ctx.locale, &ctx.timezone))
        .collect();
    let pinned: Vec<(String, String, String)> = queries::all_pinned_prices(&state.db)
        .await?
        .into_iter()
        .map(|p| {
            Ok((
                p.course_title,
                p.course_slug,
                Money::parse(p.amount_minor, &p.currency)?.format(ctx.locale),
            ))
        })
        .collect::<Result<_, UnknownCurrency>>()?;
    let mut errors = BTreeMap::new();
    if let Some(key) = error {
        errors.insert("rate", state.i18n.t(ctx.locale, key).to_owned());
    }
    state.render_status(
        ctx,
        status,
        "views/payments/admin_rates.html",
        context! {
            current => Serde(history.first()),
            history => Serde(&history),
            pinned => Serde(&pinned),
            form => Serde(form),
            errors,
        },
    )
}

#[derive(Deserialize)]
pub struct PinnedForm {
    #[serde(default)]
    slug: String,
    #[serde(default)]
    currency: String,
    /// Major units (`29000`, `10.50`); empty removes the pinned price.
    #[serde(default)]
    amount: String,
}

/// `POST /admin/payments/pinned`: a course's price pinned in the other currency (or removed).
pub async fn set_pinned(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Admin(user): Admin,
    Form(form): Form<PinnedForm>,
) -> AppResult<Response> {
    let back = "/admin/payments/rates";
    let course = crate::courses::access::course_for(&state.db, Some(&user), form.slug.trim()).await;
    let (Ok(course), Some(currency)) = (course, Currency::parse(&form.currency)) else {
        return Ok(ctx.redirect_with_flash(
            FlashLevel::Error,
            "payments.admin.pinned_invalid",
            back,
        ));
    };
    let amount = if form.amount.trim().is_empty() {
        None
    } else {
        match crate::money::parse_amount(&form.amount) {
            Some(a) if a > 0 && currency.code() != course.currency => Some(match currency {
                Currency::Cdf => super::model::whole_francs(a),
                Currency::Usd => a,
            }),
            _ => {
                return Ok(ctx.redirect_with_flash(
                    FlashLevel::Error,
                    "payments.admin.pinned_invalid",
                    back,
                ));
            }
        }
    };
    queries::set_pinned_price(&state.db, course.id, currency.code(), amount, user.id).await?;
    Ok(ctx.redirect_with_flash(FlashLevel::Success, "payments.admin.pinned_saved", back))
}

#[derive(Default, Deserialize, Serialize)]
pub struct RateForm {
    #[serde(default)]
    rate: String,
    #[serde(default)]
    note: String,
}

/// `POST /admin/payments/rates`: a new USD→CDF rate (history kept).
pub async fn set_rate(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Admin(user): Admin,
    Form(form): Form<RateForm>,
) -> AppResult<Response> {
    // A refused rate used to come back as a flash above the unchanged page, easy to take for
    // "saved" with the old rate still shown: it now stays in its field with its message (422).
    let Some(rate) = parse_rate(rate_number(&form.rate))
        .filter(|r| (100 * 10_000..=100_000 * 10_000).contains(r))
    else {
        return render_rates(
            &state,
            &ctx,
            &form,
            Some("payments.admin.rate_invalid"),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let note: String = form.note.trim().chars().take(200).collect();
    queries::insert_rate(&state.db, rate, "admin", &note, Some(user.id)).await?;
    tracing::info!(
        payment.rate_x10000 = rate,
        user.id = user.id,
        "payments: USD/CDF rate changed"
    );
    Ok(ctx.redirect_with_flash(
        FlashLevel::Success,
        "payments.admin.rate_saved",
        "/admin/payments/rates",
    ))
}

/// The number of a typed rate, without the unit people add ("2 975 FC", "2975 CDF").
fn rate_number(typed: &str) -> &str {
    let t = typed.trim();
    let lower = t.to_ascii_lowercase();
    for unit in ["francs", "fc", "cdf"] {
        if lower.ends_with(unit) {
            return t[..t.len() - unit.len()].trim_end();
        }
    }
    t
}

#[derive(Serialize)]
struct RouteView {
    wallet: &'static str,
    currency: &'static str,
    chosen: String,
    effective: Option<&'static str>,
}

/// `GET /admin/payments/routing`
pub async fn routing_page(
    State(state): State<AppState>,
    State(payments): State<Arc<Payments>>,
    Ctx(ctx): Ctx,
) -> AppResult<Response> {
    let rows = queries::routes(&state.db).await?;
    let mut views = Vec::new();
    for wallet in Wallet::ALL {
        for currency in [Currency::Usd, Currency::Cdf] {
            let chosen = rows
                .iter()
                .find(|r| r.wallet == wallet.code() && r.currency == currency.code())
                .map(|r| r.provider.clone())
                .unwrap_or_default();
            let effective = super::route(&state, wallet, currency)
                .await?
                .map(|k| k.code());
            views.push(RouteView {
                wallet: wallet.code(),
                currency: currency.code(),
                chosen,
                effective,
            });
        }
    }
    // `[value, label]` pairs for `forms.select`; a provider without credentials says so.
    let provider_choices: Vec<(&str, String)> = ProviderKind::ALL
        .into_iter()
        .map(|k| {
            let name = state
                .i18n
                .t(ctx.locale, &format!("payments.provider.{}", k.code()))
                .to_owned();
            let label = if payments.providers.contains_key(&k) {
                name
            } else {
                format!(
                    "{name} {}",
                    state.i18n.t(ctx.locale, "payments.admin.not_configured")
                )
            };
            (k.code(), label)
        })
        .collect();
    Ok(state
        .render(
            &ctx,
            "views/payments/admin_routing.html",
            context! {
                routes => Serde(&views),
                provider_choices,
            },
        )?
        .into_response())
}

#[derive(Deserialize)]
pub struct RouteForm {
    #[serde(default)]
    wallet: String,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    provider: String,
}

/// `POST /admin/payments/routing`: which adapter serves a wallet in a currency.
pub async fn set_route(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Admin(user): Admin,
    Form(form): Form<RouteForm>,
) -> AppResult<Response> {
    let (Some(wallet), Some(currency), Some(provider)) = (
        Wallet::parse(&form.wallet),
        Currency::parse(&form.currency),
        ProviderKind::parse(&form.provider),
    ) else {
        return Err(AppError::BadRequest("payments.admin.route_invalid"));
    };
    queries::set_route(
        &state.db,
        wallet.code(),
        currency.code(),
        provider.code(),
        user.id,
    )
    .await?;
    Ok(ctx.redirect_with_flash(
        FlashLevel::Success,
        "payments.admin.route_saved",
        "/admin/payments/routing",
    ))
}
