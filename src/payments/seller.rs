//! The seller receipts name (`/admin/payments/seller`, admins only): the platform's name,
//! address and DRC tax identifiers (RCCM, Id. Nat., NIF), stored in `payment_seller` and
//! recorded in the admin audit log when changed.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use minijinja::value::Serde;
use serde::Deserialize;

use super::queries::{self, Seller};
use crate::db::Db;
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::context::RequestContext;
use crate::web::{Admin, Ctx, FlashLevel};

/// The name receipts carry until an admin sets the seller.
pub const DEFAULT_NAME: &str = "TechLearnJess";

/// The seller receipts name: the stored one, else the platform's name alone.
pub async fn current(db: &Db) -> Result<Seller, sqlx::Error> {
    Ok(queries::seller(db).await?.unwrap_or_else(|| Seller {
        name: DEFAULT_NAME.to_owned(),
        ..Seller::default()
    }))
}

/// The identifiers a receipt lists, in order, with their catalogue labels (empty ones left out).
pub fn identifiers(s: &Seller) -> Vec<(&'static str, &str)> {
    [
        ("payments.seller.rccm", s.rccm.as_str()),
        ("payments.seller.id_nat", s.id_nat.as_str()),
        ("payments.seller.nif", s.nif.as_str()),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .collect()
}

#[derive(Debug, Default, Deserialize)]
pub struct SellerForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    rccm: String,
    #[serde(default)]
    id_nat: String,
    #[serde(default)]
    nif: String,
}

/// Longest value of each field, in characters.
const LIMITS: [(&str, usize); 5] = [
    ("name", 120),
    ("address", 300),
    ("rccm", 60),
    ("id_nat", 60),
    ("nif", 60),
];

impl SellerForm {
    /// The seller, trimmed, or the message key of each refused field.
    fn parse(&self) -> Result<Seller, BTreeMap<&'static str, &'static str>> {
        let seller = Seller {
            name: self.name.trim().to_owned(),
            address: self.address.trim().to_owned(),
            rccm: self.rccm.trim().to_owned(),
            id_nat: self.id_nat.trim().to_owned(),
            nif: self.nif.trim().to_owned(),
        };
        let mut errors = BTreeMap::new();
        if seller.name.is_empty() {
            errors.insert("name", "payments.seller.name_required");
        }
        for (field, max) in LIMITS {
            let value = match field {
                "name" => &seller.name,
                "address" => &seller.address,
                "rccm" => &seller.rccm,
                "id_nat" => &seller.id_nat,
                _ => &seller.nif,
            };
            if value.chars().count() > max {
                errors.insert(field, "payments.seller.too_long");
            }
        }
        if errors.is_empty() {
            Ok(seller)
        } else {
            Err(errors)
        }
    }
}

fn render(
    state: &AppState,
    ctx: &RequestContext,
    seller: &Seller,
    errors: &BTreeMap<&'static str, &'static str>,
    status: StatusCode,
) -> AppResult<Response> {
    let errors: BTreeMap<&str, String> = errors
        .iter()
        .map(|(k, v)| (*k, state.i18n.t(ctx.locale, v).to_owned()))
        .collect();
    state.render_status(
        ctx,
        status,
        "views/payments/admin_seller.html",
        context! { seller => Serde(seller), errors },
    )
}

/// `GET /admin/payments/seller`
pub async fn page(State(state): State<AppState>, Ctx(ctx): Ctx) -> AppResult<Response> {
    let seller = current(&state.db).await?;
    render(&state, &ctx, &seller, &BTreeMap::new(), StatusCode::OK)
}

/// `POST /admin/payments/seller`: a refused field re-renders the form with 422 and what was
/// typed; a change is audited with the values before and after.
pub async fn save(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Admin(user): Admin,
    Form(form): Form<SellerForm>,
) -> AppResult<Response> {
    let seller = match form.parse() {
        Ok(s) => s,
        Err(errors) => {
            let typed = Seller {
                name: form.name,
                address: form.address,
                rccm: form.rccm,
                id_nat: form.id_nat,
                nif: form.nif,
            };
            return render(
                &state,
                &ctx,
                &typed,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    let before = current(&state.db).await?;
    queries::set_seller(&state.db, &seller, user.id).await?;
    crate::admin::queries::audit(
        &state.db,
        user.id,
        "payment_seller",
        "settings",
        None,
        serde_json::json!({ "before": before, "after": seller }),
    )
    .await?;
    tracing::info!(user.id = user.id, "payments: seller details changed");
    Ok(ctx.redirect_with_flash(
        FlashLevel::Success,
        "payments.seller.saved",
        "/admin/payments/seller",
    ))
}
