//! SQL of progress. Called by the courses and quizzes features.

use std::collections::HashMap;

use serde::Serialize;

use crate::db::Db;

/// How far a learner is in one course.
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Progress {
    pub lessons_total: i64,
    pub lessons_done: i64,
    pub quizzes_total: i64,
    pub quizzes_passed: i64,
    pub percent: i64,
}

impl Progress {
    pub fn new(
        lessons_total: i64,
        lessons_done: i64,
        quizzes_total: i64,
        quizzes_passed: i64,
    ) -> Self {
        let total = lessons_total + quizzes_total;
        let done = lessons_done + quizzes_passed;
        let percent = if total == 0 { 0 } else { done * 100 / total };
        Self {
            lessons_total,
            lessons_done,
            quizzes_total,
            quizzes_passed,
            percent,
        }
    }

    /// Every lesson done and every quiz passed (and there is something to do).
    pub fn is_complete(&self) -> bool {
        self.lessons_total + self.quizzes_total > 0
            && self.lessons_done == self.lessons_total
            && self.quizzes_passed == self.quizzes_total
    }
}

/// Marks a lesson done (idempotent).
pub async fn mark_lesson_done(db: &Db, user_id: i64, lesson_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO lesson_progress (user_id, lesson_id, completed_at) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id, lesson_id) DO NOTHING",
    )
    .bind(user_id)
    .bind(lesson_id)
    .bind(db.now())
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// The ids of the lessons of `course_id` that `user_id` has done.
pub async fn done_lessons(db: &Db, user_id: i64, course_id: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT lp.lesson_id FROM lesson_progress lp JOIN lessons l ON l.id = lp.lesson_id \
         WHERE lp.user_id = $1 AND l.course_id = $2",
    )
    .bind(user_id)
    .bind(course_id)
    .fetch_all(&db.pool)
    .await
}

/// The ids of the quizzes of `course_id` that `user_id` has passed.
pub async fn passed_quizzes(
    db: &Db,
    user_id: i64,
    course_id: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT DISTINCT qa.quiz_id FROM quiz_attempts qa JOIN quizzes q ON q.id = qa.quiz_id \
         WHERE qa.user_id = $1 AND q.course_id = $2 AND qa.passed = 1",
    )
    .bind(user_id)
    .bind(course_id)
    .fetch_all(&db.pool)
    .await
}

/// Progress of one learner in one course.
pub async fn course_progress(
    db: &Db,
    user_id: i64,
    course_id: i64,
) -> Result<Progress, sqlx::Error> {
    let map = progress_by_course(db, user_id, Some(course_id)).await?;
    Ok(map.get(&course_id).copied().unwrap_or_default())
}

/// Progress of a learner in every course they are enrolled in, by course id.
pub async fn enrolled_progress(
    db: &Db,
    user_id: i64,
) -> Result<HashMap<i64, Progress>, sqlx::Error> {
    progress_by_course(db, user_id, None).await
}

async fn progress_by_course(
    db: &Db,
    user_id: i64,
    only: Option<i64>,
) -> Result<HashMap<i64, Progress>, sqlx::Error> {
    // One statement, one round trip: four grouped counts over the learner's enrolled courses (or
    // one course), each row tagged with what it counts, and a row per course in scope.
    let scope = "SELECT course_id FROM enrolments WHERE user_id = $1 UNION SELECT $2";
    let only = only.unwrap_or(-1);
    let sql = format!(
        "SELECT 'l' AS what, course_id, COUNT(*) AS n FROM lessons \
           WHERE course_id IN ({scope}) GROUP BY course_id \
         UNION ALL SELECT 'd', l.course_id, COUNT(*) FROM lesson_progress lp \
           JOIN lessons l ON l.id = lp.lesson_id \
           WHERE lp.user_id = $1 AND l.course_id IN ({scope}) GROUP BY l.course_id \
         UNION ALL SELECT 'q', course_id, COUNT(*) FROM quizzes \
           WHERE course_id IN ({scope}) GROUP BY course_id \
         UNION ALL SELECT 'p', q.course_id, COUNT(DISTINCT qa.quiz_id) FROM quiz_attempts qa \
           JOIN quizzes q ON q.id = qa.quiz_id \
           WHERE qa.user_id = $1 AND qa.passed = 1 AND q.course_id IN ({scope}) \
           GROUP BY q.course_id \
         UNION ALL SELECT 'e', course_id, 0 FROM ({scope}) AS s WHERE course_id > 0"
    );
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(user_id)
        .bind(only)
        .fetch_all(&db.pool)
        .await?;
    // (lessons, done, quizzes, passed) by course, for the courses in scope only.
    let mut counts: HashMap<i64, [i64; 4]> = HashMap::new();
    for (what, course_id, _) in &rows {
        if what == "e" && (only < 0 || *course_id == only) {
            counts.entry(*course_id).or_default();
        }
    }
    for (what, course_id, n) in rows {
        let slot = match what.as_str() {
            "l" => 0,
            "d" => 1,
            "q" => 2,
            "p" => 3,
            _ => continue,
        };
        if let Some(c) = counts.get_mut(&course_id) {
            c[slot] = n;
        }
    }
    Ok(counts
        .into_iter()
        .map(|(id, [lessons, done, quizzes, passed])| {
            (id, Progress::new(lessons, done, quizzes, passed))
        })
        .collect())
}

/// The first lesson (in course order) the learner has not done, for "Reprendre".
pub async fn next_unfinished_lesson(
    db: &Db,
    user_id: i64,
    course_id: i64,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT l.id FROM lessons l JOIN course_sections s ON s.id = l.section_id \
         WHERE l.course_id = $1 AND NOT EXISTS \
           (SELECT 1 FROM lesson_progress lp WHERE lp.lesson_id = l.id AND lp.user_id = $2) \
         ORDER BY s.position, s.id, l.position, l.id LIMIT 1",
    )
    .bind(course_id)
    .bind(user_id)
    .fetch_optional(&db.pool)
    .await
}

/// Records the completion of the course when every lesson is done and every quiz passed.
/// Returns true only the first time (a `course_completed` event is stored for the
/// certificates and notifications features).
pub async fn record_completion_if_done(
    db: &Db,
    user_id: i64,
    course_id: i64,
) -> Result<bool, sqlx::Error> {
    if !course_progress(db, user_id, course_id).await?.is_complete() {
        return Ok(false);
    }
    let now = db.now();
    let mut tx = db.pool.begin().await?;
    let updated = sqlx::query(
        "UPDATE enrolments SET completed_at = $1 \
         WHERE user_id = $2 AND course_id = $3 AND completed_at IS NULL",
    )
    .bind(&now)
    .bind(user_id)
    .bind(course_id)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO domain_events (kind, subject_id, payload, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind("course_completed")
    .bind(course_id)
    .bind(serde_json::json!({ "user_id": user_id, "course_id": course_id }).to_string())
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_counts_lessons_and_quizzes_alike() {
        let p = Progress::new(3, 1, 1, 1);
        assert_eq!(p.percent, 50);
        assert!(!p.is_complete());
        assert!(Progress::new(3, 3, 1, 1).is_complete());
        assert_eq!(Progress::new(0, 0, 0, 0).percent, 0);
        assert!(!Progress::new(0, 0, 0, 0).is_complete());
    }
}
