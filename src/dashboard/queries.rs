//! SQL of the dashboard: the learner's enrolments and resume points, a trainer's course figures.

use std::collections::HashMap;

use super::model::{EnrolledRow, TrainerCourse};
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
