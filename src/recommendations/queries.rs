//! SQL of recommendations: three reads (history, candidates — the same for everyone, so read
//! through the page cache — and co-enrolments), then cards.

use std::collections::HashMap;

use time::OffsetDateTime;

use super::model::{self, Candidate, CoEnrolment, Recommendation, Taken};
use crate::courses::model::CourseCard;
use crate::db::{self, Db};
use crate::state::AppState;

/// How far back "popular" looks.
const POPULAR_DAYS: i64 = 30;

/// Up to `limit` published courses for `user_id`, best first, never one they are enrolled in.
pub async fn for_user(
    state: &AppState,
    user_id: i64,
    limit: usize,
) -> Result<Vec<Recommendation>, sqlx::Error> {
    for_user_except(state, user_id, limit, &[]).await
}

/// [`for_user`] also leaving out `except` (the course being viewed).
pub async fn for_user_except(
    state: &AppState,
    user_id: i64,
    limit: usize,
    except: &[i64],
) -> Result<Vec<Recommendation>, sqlx::Error> {
    let db = &state.db;
    let taken: Vec<Taken> = sqlx::query_as(
        "SELECT c.id AS course_id, c.title, c.category_id, cat.name AS category_name, \
         c.trainer_id, u.name AS trainer_name, \
         CAST(CASE WHEN e.completed_at IS NULL THEN 0 ELSE 1 END AS BIGINT) AS completed \
         FROM enrolments e JOIN courses c ON c.id = e.course_id \
         JOIN categories cat ON cat.id = c.category_id JOIN users u ON u.id = c.trainer_id \
         WHERE e.user_id = $1",
    )
    .bind(user_id)
    .fetch_all(&db.pool)
    .await?;
    // The same for every learner and a scan of recent enrolments: read through the page cache.
    let candidates = state
        .page_cache
        .get_or_load("recommendations:candidates", || load_candidates(db))
        .await?;
    let co: Vec<CoEnrolment> = if taken.is_empty() {
        Vec::new()
    } else {
        // Learners who share a course with this one, and what else they took.
        sqlx::query_as(
            "SELECT e1.course_id AS mine, e2.course_id AS other, COUNT(*) AS shared \
             FROM enrolments e1 JOIN enrolments e2 \
               ON e2.user_id = e1.user_id AND e2.course_id <> e1.course_id \
             WHERE e1.course_id IN (SELECT course_id FROM enrolments WHERE user_id = $1) \
               AND e1.user_id <> $1 \
             GROUP BY e1.course_id, e2.course_id",
        )
        .bind(user_id)
        .fetch_all(&db.pool)
        .await?
    };
    let ranked = model::rank(&taken, &candidates, &co, except, limit);
    if ranked.is_empty() {
        return Ok(Vec::new());
    }
    let mut cards = cards(db, ranked.iter().map(|r| r.0).collect()).await?;
    Ok(ranked
        .into_iter()
        .filter_map(|(id, reason)| {
            cards.remove(&id).map(|course| Recommendation {
                course,
                reason_key: reason.key,
                reason_arg: reason.arg,
            })
        })
        .collect())
}

/// Every published course with its enrolments of the last [`POPULAR_DAYS`] days.
async fn load_candidates(db: &Db) -> Result<Vec<Candidate>, sqlx::Error> {
    let since = db::timestamp(OffsetDateTime::now_utc() - time::Duration::days(POPULAR_DAYS));
    sqlx::query_as(
        "SELECT c.id, c.category_id, c.trainer_id, c.created_at, \
         COALESCE(p.n, 0) AS recent_enrolments \
         FROM courses c LEFT JOIN (SELECT course_id, COUNT(*) AS n FROM enrolments \
           WHERE created_at >= $1 GROUP BY course_id) p ON p.course_id = c.id \
         WHERE c.published = 1",
    )
    .bind(&since)
    .fetch_all(&db.pool)
    .await
}

async fn cards(db: &Db, ids: Vec<i64>) -> Result<HashMap<i64, CourseCard>, sqlx::Error> {
    let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT c.id, c.title, c.slug, c.summary, c.level, c.duration_minutes, \
         c.price_minor, c.currency, cat.name AS category_name, cat.slug AS category_slug, \
         u.name AS trainer_name \
         FROM courses c JOIN categories cat ON cat.id = c.category_id \
         JOIN users u ON u.id = c.trainer_id WHERE c.id IN ({})",
        placeholders.join(", ")
    );
    let mut q = sqlx::query_as::<_, CourseCard>(sqlx::AssertSqlSafe(sql));
    for id in ids {
        q = q.bind(id);
    }
    Ok(q.fetch_all(&db.pool)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect())
}
