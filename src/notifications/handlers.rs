//! Handlers of the notification centre.

use super::Kind;
use super::queries::Recipient;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub async fn list() -> AppResult<()> {
    Err(AppError::NotFound)
}
pub async fn stream() -> AppResult<()> {
    Err(AppError::NotFound)
}
pub async fn badge() -> AppResult<()> {
    Err(AppError::NotFound)
}
pub async fn mark_all_read() -> AppResult<()> {
    Err(AppError::NotFound)
}
pub async fn mark_read() -> AppResult<()> {
    Err(AppError::NotFound)
}
pub async fn settings_page() -> AppResult<()> {
    Err(AppError::NotFound)
}
pub async fn save_settings() -> AppResult<()> {
    Err(AppError::NotFound)
}

pub(super) async fn send_email(
    state: &AppState,
    r: &Recipient,
    kind: Kind,
    subject: &str,
    link: &str,
) {
    let _ = (state, r, kind, subject, link);
}
