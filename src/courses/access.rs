//! Who may see a course and its content: the one place for these rules.
//!
//! - The course's trainer is its `trainer_id` *while they hold the trainer role*: a trainer whose
//!   role was removed keeps no right on their old courses (they are a learner like any other).
//! - Staff of a course: its trainer, moderators, admins. Editors: its trainer, admins.
//! - An unpublished course exists only for its staff.
//! - Lessons, resources and quizzes are for enrolled learners and staff; a lesson marked as free
//!   preview is open to everyone.
//! - A paid course is enrolled only through a successful payment (the payments issue).

use sqlx::FromRow;

use super::queries;
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
    match queries::course_ref(db, slug).await? {
        Some(c) if c.is_published() || is_staff(user, &c) => Ok(c),
        _ => Err(AppError::NotFound),
    }
}

/// The course's trainer, who still holds the trainer role.
pub fn is_trainer_of(user: &User, course: &CourseRef) -> bool {
    user.id == course.trainer_id && user.roles.grants(Role::Trainer)
}

/// The course's trainer, moderators and admins.
pub fn is_staff(user: Option<&User>, course: &CourseRef) -> bool {
    user.is_some_and(|u| is_trainer_of(u, course) || u.roles.grants(Role::Moderator))
}

/// Edits every course (lists them all in `/teach`, plans sessions for any): admins.
pub fn edits_every_course(user: &User) -> bool {
    user.roles.grants(Role::Admin)
}

/// May edit the course: its trainer or an admin.
pub fn can_edit(user: &User, course: &CourseRef) -> bool {
    is_trainer_of(user, course) || edits_every_course(user)
}

/// `Forbidden` unless `user` may edit the course.
pub fn require_edit(user: &User, course: &CourseRef) -> AppResult<()> {
    if can_edit(user, course) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
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
        Some(u) => queries::is_enrolled(db, u.id, course.id).await,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::model::Roles;

    fn user(id: i64, roles: &str) -> User {
        User {
            id,
            name: "Test".into(),
            email: "t@example.cd".into(),
            roles: Roles::parse(roles),
            locale: "fr".into(),
            photo_path: None,
            data_saver: None,
            timezone: None,
        }
    }

    fn course(trainer_id: i64) -> CourseRef {
        CourseRef {
            id: 1,
            slug: "cours".into(),
            title: "Cours".into(),
            trainer_id,
            published: 0,
            price_minor: 0,
            currency: "USD".into(),
        }
    }

    #[test]
    fn a_trainer_without_the_trainer_role_is_neither_staff_nor_editor_of_their_course() {
        let c = course(7);
        let trainer = user(7, "learner trainer");
        let revoked = user(7, "learner");
        assert!(is_staff(Some(&trainer), &c) && can_edit(&trainer, &c));
        assert!(!is_staff(Some(&revoked), &c));
        assert!(!can_edit(&revoked, &c));
        assert!(matches!(
            require_edit(&revoked, &c),
            Err(AppError::Forbidden)
        ));
    }

    #[test]
    fn moderators_are_staff_and_admins_edit_every_course() {
        let c = course(7);
        let other_trainer = user(8, "learner trainer");
        let moderator = user(9, "learner moderator");
        let admin = user(10, "learner admin");
        assert!(!is_staff(Some(&other_trainer), &c) && !can_edit(&other_trainer, &c));
        assert!(is_staff(Some(&moderator), &c) && !can_edit(&moderator, &c));
        assert!(is_staff(Some(&admin), &c) && can_edit(&admin, &c));
        assert!(!is_staff(None, &c));
    }
}
