//! Who may see a payment: the one place for these rules.
//!
//! - A payment, its status fragment and its receipt: its payer only; for anyone else it does
//!   not exist (404: references are not secrets to rely on).
//! - The sandbox's fake phone page (sandbox mode, sandbox payments only): the payer, or an admin
//!   trying a flow.
//! - The admin pages (`/admin/payments…`): admins (the routes' guard).

use super::model::is_reference;
use super::queries::{self, PaymentRow};
use crate::auth::model::{Role, User};
use crate::db::Db;
use crate::error::{AppError, AppResult};

/// May see the payment and download its receipt: its payer.
pub fn can_view(user: &User, p: &PaymentRow) -> bool {
    p.user_id == user.id
}

/// May answer the sandbox's phone page for the payment: its payer or an admin, and only for a
/// payment made in sandbox mode (a real one, made before a restart in sandbox mode, has no fake
/// phone).
pub fn can_use_phone(user: &User, p: &PaymentRow) -> bool {
    p.is_sandbox() && (can_view(user, p) || user.roles.grants(Role::Admin))
}

async fn find(db: &Db, reference: &str) -> AppResult<Option<PaymentRow>> {
    if !is_reference(reference) {
        return Ok(None);
    }
    Ok(queries::by_reference(db, reference).await?)
}

/// The payment `reference` when `user` may view it; `NotFound` otherwise.
pub async fn viewable(db: &Db, user: &User, reference: &str) -> AppResult<PaymentRow> {
    match find(db, reference).await? {
        Some(p) if can_view(user, &p) => Ok(p),
        _ => Err(AppError::NotFound),
    }
}

/// The payment `reference` when `user` may answer its fake phone page; `NotFound` otherwise.
pub async fn for_phone(db: &Db, user: &User, reference: &str) -> AppResult<PaymentRow> {
    match find(db, reference).await? {
        Some(p) if can_use_phone(user, &p) => Ok(p),
        _ => Err(AppError::NotFound),
    }
}
