//! Who may see a course and its content: the one place for these rules.
//!
//! - An unpublished course exists only for its trainer, moderators and admins.
//! - Lessons, resources and quizzes are for enrolled learners and staff (the course's trainer,
//!   moderators, admins); a lesson marked as free preview is open to everyone.
//! - A paid course is enrolled only through a successful payment (the payments issue).

use sqlx::FromRow;

use crate::auth::model::{Role, User};
use crate::db::{Db, flag};
use crate::error::{AppError, AppResult};

/// The facts about a course that access decisions need.
#[derive(Clone, Debug, FromRow, serde::Serialize)]
pub struct CourseRef {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub trainer_id: i64,
    pub published: i64,
    pub price_minor: i64,
    pub currency: String,
}

impl CourseRef {
    pub fn is_published(&self) -> bool {
        flag(self.published)
    }
    pub fn is_free(&self) -> bool {
        self.price_minor == 0
    }
}

/// Loads a course by slug; `NotFound` if missing or unpublished for this user.
pub async fn course_for(db: &Db, user: Option<&User>, slug: &str) -> AppResult<CourseRef> {
    let course: Option<CourseRef> = sqlx::query_as(
        "SELECT id, slug, title, trainer_id, published, price_minor, currency \
         FROM courses WHERE slug = $1",
    )
    .bind(slug)
    .fetch_optional(&db.pool)
    .await?;
    match course {
        Some(c) if c.is_published() || is_staff(user, &c) => Ok(c),
        _ => Err(AppError::NotFound),
    }
}

/// The course's trainer, moderators and admins.
pub fn is_staff(user: Option<&User>, course: &CourseRef) -> bool {
    user.is_some_and(|u| u.id == course.trainer_id || u.roles.grants(Role::Moderator))
}

/// May edit the course: its trainer or an admin.
pub fn can_edit(user: &User, course: &CourseRef) -> bool {
    (user.id == course.trainer_id && user.roles.grants(Role::Trainer))
        || user.roles.grants(Role::Admin)
}

pub async fn is_enrolled(db: &Db, user_id: i64, course_id: i64) -> Result<bool, sqlx::Error> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT id FROM enrolments WHERE user_id = $1 AND course_id = $2")
            .bind(user_id)
            .bind(course_id)
            .fetch_optional(&db.pool)
            .await?;
    Ok(found.is_some())
}

/// Whether `user` may open the course's lessons, resources and quizzes.
pub async fn can_study(
    db: &Db,
    user: Option<&User>,
    course: &CourseRef,
) -> Result<bool, sqlx::Error> {
    if is_staff(user, course) {
        return Ok(true);
    }
    match user {
        Some(u) => is_enrolled(db, u.id, course.id).await,
        None => Ok(false),
    }
}

/// `LoginRequired` for visitors, `Forbidden` for signed-in users who may not study the course.
pub async fn require_study(db: &Db, user: Option<&User>, course: &CourseRef) -> AppResult<()> {
    if can_study(db, user, course).await? {
        Ok(())
    } else if user.is_none() {
        Err(AppError::LoginRequired)
    } else {
        Err(AppError::Forbidden)
    }
}
