//! Who may read and post in a chat room and who moderates messages: the one place for these
//! rules (pages, the room's WebSocket and the room lists all ask here).
//!
//! - The general room: anyone signed in.
//! - A course room: whoever may study the course (`courses::access`: enrolled learners, its
//!   trainer while they hold the trainer role, moderators, admins).
//! - A private conversation: its two members; anyone else gets 404 (ids reveal nothing).
//! - Hiding messages and closing reports: moderators and admins (the routes' guard).

use super::model::RoomKind;
use super::queries::{self, Room, RoomEntry};
use crate::auth::model::{Role, User};
use crate::courses::access as course_access;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// May hide messages and see the moderation controls.
pub fn can_moderate(user: &User) -> bool {
    user.roles.grants(Role::Moderator)
}

/// Whether the courses `user` teaches count as theirs (their rooms are listed and open).
fn teaching(user: &User) -> bool {
    user.roles.grants(Role::Trainer)
}

/// The room, when `user` may read and post in it.
pub async fn enter(state: &AppState, user: &User, room_id: i64) -> AppResult<Room> {
    let room = queries::room(&state.db, room_id)
        .await?
        .ok_or(AppError::NotFound)?;
    match room.kind() {
        RoomKind::General => Ok(room),
        RoomKind::Course => {
            let slug = room.course_slug.as_deref().ok_or(AppError::NotFound)?;
            let course = course_access::course_for(&state.db, Some(user), slug).await?;
            course_access::require_study(&state.db, Some(user), &course).await?;
            Ok(room)
        }
        RoomKind::Direct => {
            if queries::is_member(&state.db, room.id, user.id).await? {
                Ok(room)
            } else {
                Err(AppError::NotFound)
            }
        }
    }
}

/// The courses whose room `user` belongs to: enrolled, or teaching them.
pub async fn course_ids(db: &Db, user: &User) -> Result<Vec<i64>, sqlx::Error> {
    queries::course_ids_of(db, user.id, teaching(user)).await
}

/// The rooms listed for `user`, with unread counts.
pub async fn rooms_of(db: &Db, user: &User) -> Result<Vec<RoomEntry>, sqlx::Error> {
    queries::rooms_of(db, user.id, teaching(user)).await
}
