//! SQL of the dashboard: the learner's enrolments and resume points, a trainer's course figures.

use std::collections::HashMap;

use super::model::{Conversation, Discussions, EnrolledRow, TrainerCourse};
use crate::auth::model::{Role, User};
use crate::db::Db;

/// The learner's enrolled courses, most recent enrolment first.
pub async fn enrolled_courses(db: &Db, user_id: i64) -> Result<Vec<EnrolledRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT c.id, c.title, c.slug, cat.name AS category_name, e.completed_at \
         FROM enrolments e JOIN courses c ON c.id = e.course_id \
         JOIN categories cat ON cat.id = c.category_id \
         WHERE e.user_id = $1 ORDER BY e.created_at DESC, e.id DESC",
    )
    .bind(user_id)
    .fetch_all(&db.pool)
    .await
}

/// For every enrolled course, the first lesson (in course order) the learner has not done —
/// one query for all courses instead of one per course.
pub async fn resume_lessons(db: &Db, user_id: i64) -> Result<HashMap<i64, i64>, sqlx::Error> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT l.course_id, l.id FROM lessons l \
         JOIN course_sections s ON s.id = l.section_id \
         JOIN enrolments e ON e.course_id = l.course_id AND e.user_id = $1 \
         WHERE e.completed_at IS NULL AND NOT EXISTS \
           (SELECT 1 FROM lesson_progress lp WHERE lp.lesson_id = l.id AND lp.user_id = $1) \
         ORDER BY l.course_id, s.position, s.id, l.position, l.id",
    )
    .bind(user_id)
    .fetch_all(&db.pool)
    .await?;
    let mut first = HashMap::new();
    for (course_id, lesson_id) in rows {
        first.entry(course_id).or_insert(lesson_id);
    }
    Ok(first)
}

/// The trainer's courses with enrolment and completion counts, in one grouped query.
pub async fn trainer_courses(db: &Db, trainer_id: i64) -> Result<Vec<TrainerCourse>, sqlx::Error> {
    sqlx::query_as(
        "SELECT c.id, c.title, c.slug, CAST(c.published AS BIGINT) AS published, \
         COUNT(e.id) AS enrolments, COUNT(e.completed_at) AS completions \
         FROM courses c LEFT JOIN enrolments e ON e.course_id = c.id \
         WHERE c.trainer_id = $1 \
         GROUP BY c.id, c.title, c.slug, c.published, c.created_at \
         ORDER BY c.created_at DESC, c.id DESC",
    )
    .bind(trainer_id)
    .fetch_all(&db.pool)
    .await
}

/// "Discussions récentes": the latest topics of the learner's forums (their courses' and the
/// public ones) and their unread conversations with the newest message of each — through the
/// forum's and the chat's own queries.
pub async fn discussions(db: &Db, user: &User, topics: i64) -> Result<Discussions, sqlx::Error> {
    let teaching = user.roles.grants(Role::Trainer);
    let topics = crate::forum::queries::latest_topics_for(db, user.id, teaching, topics).await?;
    let mut rooms = crate::chat::access::rooms_of(db, user).await?;
    rooms.retain(|r| r.unread > 0);
    let ids: Vec<i64> = rooms.iter().map(|r| r.id).collect();
    let mut last = crate::chat::queries::last_messages(db, user.id, &ids).await?;
    let mut conversations: Vec<Conversation> = rooms
        .into_iter()
        .map(|room| {
            let message = last
                .iter()
                .position(|m| m.room_id == room.id)
                .map(|i| last.swap_remove(i));
            Conversation {
                excerpt: message
                    .as_ref()
                    .map(|m| m.body.chars().take(90).collect())
                    .unwrap_or_default(),
                last_author: message.as_ref().map(|m| m.user_name.clone()),
                last_at: message.map(|m| m.created_at),
                room,
            }
        })
        .collect();
    // The most recent conversation first.
    conversations.sort_by(|a, b| b.last_at.cmp(&a.last_at));
    Ok(Discussions {
        topics,
        conversations,
    })
}
