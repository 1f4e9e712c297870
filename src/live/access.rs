//! Who may see, enter, run and moderate a live session: the one place for these rules.
//!
//! - The host of a session is its trainer *while they hold the trainer role* (as for courses,
//!   `courses::access`): a trainer whose role was removed keeps no right on their sessions.
//! - Planning needs the trainer role (the guard of `/live/new` and `POST /live`); a course
//!   session is planned only for one's own course (any course for admins).
//! - Edit, cancel, start and end: the host or an admin.
//! - Moderate the Q&A (answered, pin, hide): the host, moderators, admins.
//! - Enter (room, socket, `.ics`): a public session, anyone signed in; a course session, its
//!   host and whoever may study the course (`courses::access`).

use std::collections::HashSet;

use super::queries::{self, Session};
use crate::auth::model::{Role, User};
use crate::courses::access as course_access;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The session's trainer, who still holds the trainer role.
pub fn is_host(user: &User, s: &Session) -> bool {
    user.id == s.trainer_id && user.roles.grants(Role::Trainer)
}

/// May plan sessions at all.
pub fn may_plan(user: &User) -> bool {
    user.roles.grants(Role::Trainer)
}

/// May plan sessions for every course: admins.
pub fn plans_for_every_course(user: &User) -> bool {
    course_access::edits_every_course(user)
}

/// May plan a session for the course whose trainer is `course_trainer_id`.
pub fn may_plan_for(user: &User, course_trainer_id: i64) -> bool {
    (may_plan(user) && user.id == course_trainer_id) || plans_for_every_course(user)
}

/// May edit, cancel, start and end this session: its host or an admin.
pub fn can_edit(user: &User, s: &Session) -> bool {
    is_host(user, s) || user.roles.grants(Role::Admin)
}

/// May moderate the Q&A: the host, moderators, admins.
pub fn can_moderate(user: &User, s: &Session) -> bool {
    is_host(user, s) || user.roles.grants(Role::Moderator)
}

/// Whether `user` may see `s` in lists and feeds (the rule of [`enter`], from loaded facts:
/// `courses` is [`attended_courses`]).
pub fn visible(user: &User, s: &Session, courses: &HashSet<i64>) -> bool {
    match s.course_id {
        None => true,
        Some(c) => is_host(user, s) || user.roles.grants(Role::Moderator) || courses.contains(&c),
    }
}

/// The courses whose sessions `user` attends: enrolled, or teaching them as a trainer.
pub async fn attended_courses(db: &Db, user: &User) -> Result<HashSet<i64>, sqlx::Error> {
    Ok(
        queries::course_ids_of(db, user.id, user.roles.grants(Role::Trainer))
            .await?
            .into_iter()
            .collect(),
    )
}

/// The session, when `user` may enter it; a course session of a course they may not study is
/// `Forbidden` (its id is in calendars and notifications anyway).
pub async fn enter(state: &AppState, user: &User, id: i64) -> AppResult<Session> {
    let s = queries::session(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if is_host(user, &s) {
        return Ok(s);
    }
    if let Some(slug) = &s.course_slug {
        let course = course_access::course_for(&state.db, Some(user), slug)
            .await
            .map_err(|e| match e {
                AppError::NotFound => AppError::Forbidden,
                e => e,
            })?;
        course_access::require_study(&state.db, Some(user), &course).await?;
    }
    Ok(s)
}

/// The session, when `user` may edit it: 404 when it does not exist, 403 otherwise.
pub async fn editable(state: &AppState, user: &User, id: i64) -> AppResult<Session> {
    let s = queries::session(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !can_edit(user, &s) {
        return Err(AppError::Forbidden);
    }
    Ok(s)
}
