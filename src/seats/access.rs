//! Who reads a batch: admins, the sponsor's contact for their own batches only, and the trainer
//! who created it.

use super::queries::{self, BatchRow};
use crate::auth::model::{Role, User};
use crate::db::Db;
use crate::error::{AppError, AppResult};

/// Whether `user` may read `batch`.
pub fn can_read(user: &User, batch: &BatchRow) -> bool {
    user.roles.grants(Role::Admin)
        || batch.contact_user_id == Some(user.id)
        || batch.created_by == user.id
}

/// The batch `id` for `user`: `NotFound` when it does not exist or is not theirs to read (a
/// sponsor learns nothing of other sponsors' batches).
pub async fn readable_batch(db: &Db, user: &User, id: i64) -> AppResult<BatchRow> {
    queries::batch(db, id)
        .await?
        .filter(|b| can_read(user, b))
        .ok_or(AppError::NotFound)
}
