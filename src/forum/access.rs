//! Who may read a forum, a topic or a post, reply, edit, and moderate: the one place for these
//! rules (pages, the topic's stream and the forum index all ask here).
//!
//! - A public category: everyone reads; anyone signed in posts.
//! - A course forum: the course's own rules (`courses::access`: enrolled learners, its trainer
//!   while they hold the trainer role, moderators, admins).
//! - Hidden topics and replies exist only for moderators (and admins).
//! - A locked topic takes replies from moderators only.
//! - A post is edited by its author only, within the edit window.
//! - The moderation queue and actions: moderators (the routes' guard); public categories are
//!   managed by admins (the routes' guard).

use time::OffsetDateTime;

use super::model::{self, CategoryRow, CourseForum, Target, TopicRow};
use super::queries::{self, Place};
use crate::auth::model::{Role, User};
use crate::courses::access::{self as course_access, CourseRef};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// A forum (public category or a course's forum) that the viewer may read.
pub enum Forum {
    Category(CategoryRow),
    Course(CourseRef),
}

impl Forum {
    pub fn place(&self) -> Place {
        match self {
            Forum::Category(c) => Place::Category(c.id),
            Forum::Course(c) => Place::Course(c.id),
        }
    }
    pub fn url(&self) -> String {
        match self {
            Forum::Category(c) => format!("/forum/c/{}", c.slug),
            Forum::Course(c) => format!("/forum/courses/{}", c.slug),
        }
    }
    pub fn name(&self) -> &str {
        match self {
            Forum::Category(c) => &c.name,
            Forum::Course(c) => &c.title,
        }
    }
}

/// Manages the public categories: admins.
pub fn manages_categories(user: Option<&User>) -> bool {
    user.is_some_and(|u| u.roles.grants(Role::Admin))
}

pub fn is_moderator(user: Option<&User>) -> bool {
    user.is_some_and(|u| u.roles.grants(Role::Moderator))
}

/// May reply to the topic: anyone who may read it, moderators only once it is locked.
pub fn can_reply(user: &User, topic: &TopicRow) -> bool {
    !topic.is_locked() || is_moderator(Some(user))
}

/// May edit the post: its author, within the edit window.
pub fn can_edit_post(user: &User, author_id: i64, created_at: &str, now: OffsetDateTime) -> bool {
    user.id == author_id && model::within_edit_window(created_at, now)
}

/// The author's post within the edit window: `Forbidden` for anyone else, a French refusal
/// once the window has passed.
pub fn require_editable(user: &User, author_id: i64, created_at: &str) -> AppResult<()> {
    if user.id != author_id {
        return Err(AppError::Forbidden);
    }
    if !can_edit_post(user, author_id, created_at, OffsetDateTime::now_utc()) {
        return Err(AppError::BadRequest("forum.error.edit_window"));
    }
    Ok(())
}

/// Whether `user` may read `forum` (a mention notifies only those who can follow the link).
pub async fn can_read(db: &Db, user: &User, forum: &Forum) -> Result<bool, sqlx::Error> {
    match forum {
        Forum::Category(_) => Ok(true),
        Forum::Course(course) => course_access::can_study(db, Some(user), course).await,
    }
}

/// A course forum, when the viewer may study the course.
pub async fn course_forum(state: &AppState, user: Option<&User>, slug: &str) -> AppResult<Forum> {
    let course = course_access::course_for(&state.db, user, slug).await?;
    course_access::require_study(&state.db, user, &course).await?;
    Ok(Forum::Course(course))
}

/// A public category.
pub async fn category_forum(state: &AppState, slug: &str) -> AppResult<Forum> {
    queries::category_by_slug(&state.db, slug)
        .await?
        .map(Forum::Category)
        .ok_or(AppError::NotFound)
}

/// The forum of a topic, with the viewer's access checked.
pub async fn forum_of(state: &AppState, user: Option<&User>, topic: &TopicRow) -> AppResult<Forum> {
    match (topic.course_id, topic.category_id) {
        (Some(course_id), _) => {
            let slug = queries::course_slug(&state.db, course_id)
                .await?
                .ok_or(AppError::NotFound)?;
            course_forum(state, user, &slug).await
        }
        (None, Some(category_id)) => queries::category_by_id(&state.db, category_id)
            .await?
            .map(Forum::Category)
            .ok_or(AppError::NotFound),
        (None, None) => Err(AppError::NotFound),
    }
}

/// A topic the viewer may read (hidden topics exist only for moderators), and its forum.
pub async fn readable_topic(
    state: &AppState,
    user: Option<&User>,
    id: i64,
) -> AppResult<(TopicRow, Forum)> {
    let topic = queries::topic(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if topic.is_hidden() && !is_moderator(user) {
        return Err(AppError::NotFound);
    }
    let forum = forum_of(state, user, &topic).await?;
    Ok((topic, forum))
}

/// A post (topic or reply) the user may read: (topic id, author id).
pub async fn readable_post(
    state: &AppState,
    user: &User,
    target: Target,
    id: i64,
) -> AppResult<(i64, i64)> {
    match target {
        Target::Topic => {
            let (t, _) = readable_topic(state, Some(user), id).await?;
            Ok((t.id, t.author_id))
        }
        Target::Reply => {
            let r = queries::reply(&state.db, id)
                .await?
                .ok_or(AppError::NotFound)?;
            if crate::db::flag(r.hidden) && !is_moderator(Some(user)) {
                return Err(AppError::NotFound);
            }
            readable_topic(state, Some(user), r.topic_id).await?;
            Ok((r.topic_id, r.author_id))
        }
    }
}

/// The course forums listed for `user` on the forum index: the courses they study or teach
/// (as a trainer), and for moderators every course forum with topics.
pub async fn course_forums(db: &Db, user: &User) -> Result<Vec<CourseForum>, sqlx::Error> {
    queries::course_forums(
        db,
        user.id,
        is_moderator(Some(user)),
        user.roles.grants(Role::Trainer),
    )
    .await
}
