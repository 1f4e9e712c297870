//! SQL of quiz taking: quizzes with their questions and options, attempts.

use sqlx::FromRow;

use super::model::{Question, Quiz, QuizOption};
use crate::db::Db;

/// The quiz `quiz_id` of course `course_id`, if it belongs to it.
pub async fn find_quiz(db: &Db, course_id: i64, quiz_id: i64) -> Result<Option<Quiz>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, course_id, title, description, pass_percent, max_attempts FROM quizzes \
         WHERE id = $1 AND course_id = $2",
    )
    .bind(quiz_id)
    .bind(course_id)
    .fetch_optional(&db.pool)
    .await
}

#[derive(FromRow)]
struct QuestionRow {
    id: i64,
    prompt: String,
    explanation: String,
}

/// The questions of a quiz in order, each with its options in order (two queries).
pub async fn questions(db: &Db, quiz_id: i64) -> Result<Vec<Question>, sqlx::Error> {
    let rows: Vec<QuestionRow> = sqlx::query_as(
        "SELECT id, prompt, explanation FROM quiz_questions WHERE quiz_id = $1 ORDER BY position, id",
    )
    .bind(quiz_id)
    .fetch_all(&db.pool)
    .await?;
    let options: Vec<QuizOption> = sqlx::query_as(
        "SELECT o.id, o.question_id, o.label, o.is_correct FROM quiz_options o \
         JOIN quiz_questions q ON q.id = o.question_id WHERE q.quiz_id = $1 ORDER BY o.position, o.id",
    )
    .bind(quiz_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Question {
            options: options
                .iter()
                .filter(|o| o.question_id == r.id)
                .cloned()
                .collect(),
            id: r.id,
            prompt: r.prompt,
            explanation: r.explanation,
        })
        .collect())
}

/// A learner's record on one quiz.
#[derive(Debug, Default, FromRow, serde::Serialize)]
pub struct AttemptSummary {
    pub attempts: i64,
    pub best_score: Option<i64>,
    pub passed: i64,
    /// Attempts the trainer granted beyond the quiz's limit.
    pub extra: i64,
}

impl AttemptSummary {
    /// Attempts left under `max_attempts` (`None`: unlimited), counting granted ones.
    pub fn attempts_left(&self, max_attempts: Option<i64>) -> Option<i64> {
        max_attempts.map(|max| (max + self.extra - self.attempts).max(0))
    }
}

pub async fn attempt_summary(
    db: &Db,
    user_id: i64,
    quiz_id: i64,
) -> Result<AttemptSummary, sqlx::Error> {
    sqlx::query_as(
        "SELECT COUNT(*) AS attempts, MAX(score_percent) AS best_score, \
         COALESCE(MAX(passed), 0) AS passed, \
         CAST(COALESCE((SELECT x.extra FROM quiz_extra_attempts x \
           WHERE x.user_id = $1 AND x.quiz_id = $2), 0) AS BIGINT) AS extra \
         FROM quiz_attempts WHERE user_id = $1 AND quiz_id = $2",
    )
    .bind(user_id)
    .bind(quiz_id)
    .fetch_one(&db.pool)
    .await
}

/// A graded submission, to be stored as an attempt.
pub struct NewAttempt<'a> {
    pub quiz_id: i64,
    pub user_id: i64,
    pub score_percent: i64,
    pub passed: bool,
    /// JSON: question id → option ids.
    pub answers_json: &'a str,
    /// The browser's submission key, if any (offline queue, double tap).
    pub client_key: Option<&'a str>,
    /// The quiz's limit; `None`: unlimited.
    pub max_attempts: Option<i64>,
}

/// What became of a submission.
#[derive(Debug)]
pub enum Recorded {
    /// Stored as attempt number `n` (1 for the first).
    New(i64),
    /// Its key was already stored (a replay): that attempt, unchanged.
    Replay(StoredAttempt),
    /// The limit is reached: nothing stored.
    NoAttemptsLeft,
    /// Other submissions kept taking the next number: nothing stored, the learner may resend.
    Busy,
}

/// Stores one attempt under the next attempt number, only while that number is within the
/// limit (the quiz's, plus the attempts its trainer granted this learner). The number is unique per learner and quiz (migration 0015) and the key too (0011):
/// of submissions racing for the same number one is stored and the others see a conflict, then
/// look again — a replay of a stored key gets that attempt, the others the next number or the
/// refusal. The limit holds on both engines without locks or a serialisable transaction.
pub async fn record_attempt(db: &Db, a: NewAttempt<'_>) -> Result<Recorded, sqlx::Error> {
    for _ in 0..8 {
        let number: Option<i64> = sqlx::query_scalar(
            "INSERT INTO quiz_attempts \
             (quiz_id, user_id, score_percent, passed, answers, created_at, client_key, attempt_no) \
             SELECT $1, $2, $3, $4, $5, $6, $7, n.next FROM \
               (SELECT COALESCE(MAX(attempt_no), 0) + 1 AS next FROM quiz_attempts \
                WHERE user_id = $2 AND quiz_id = $1) n \
             WHERE n.next - COALESCE((SELECT x.extra FROM quiz_extra_attempts x \
               WHERE x.user_id = $2 AND x.quiz_id = $1), 0) <= $8 \
             ON CONFLICT DO NOTHING RETURNING CAST(attempt_no AS BIGINT)",
        )
        .bind(a.quiz_id)
        .bind(a.user_id)
        .bind(a.score_percent)
        .bind(i32::from(a.passed))
        .bind(a.answers_json)
        .bind(db.now())
        .bind(a.client_key)
        .bind(a.max_attempts.unwrap_or(i64::MAX))
        .fetch_optional(&db.pool)
        .await?;
        if let Some(number) = number {
            return Ok(Recorded::New(number));
        }
        if let Some(key) = a.client_key
            && let Some(stored) = attempt_by_key(db, a.user_id, a.quiz_id, key).await?
        {
            return Ok(Recorded::Replay(stored));
        }
        let used = attempts_used(db, a.user_id, a.quiz_id).await?;
        let extra = if a.max_attempts.is_some() {
            extra_attempts(db, a.user_id, a.quiz_id).await?
        } else {
            0
        };
        if a.max_attempts.is_some_and(|max| used >= max + extra) {
            return Ok(Recorded::NoAttemptsLeft);
        }
    }
    Ok(Recorded::Busy)
}

/// The highest attempt number of a learner on a quiz (0: none).
async fn attempts_used(db: &Db, user_id: i64, quiz_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT CAST(COALESCE(MAX(attempt_no), 0) AS BIGINT) FROM quiz_attempts \
         WHERE user_id = $1 AND quiz_id = $2",
    )
    .bind(user_id)
    .bind(quiz_id)
    .fetch_one(&db.pool)
    .await
}

/// An attempt as stored, found again by its submission key.
#[derive(Debug, FromRow)]
pub struct StoredAttempt {
    pub score_percent: i64,
    pub passed: i64,
    pub answers: String,
}

pub async fn attempt_by_key(
    db: &Db,
    user_id: i64,
    quiz_id: i64,
    client_key: &str,
) -> Result<Option<StoredAttempt>, sqlx::Error> {
    sqlx::query_as(
        "SELECT CAST(score_percent AS BIGINT) AS score_percent, CAST(passed AS BIGINT) AS passed, \
         answers FROM quiz_attempts WHERE user_id = $1 AND quiz_id = $2 AND client_key = $3",
    )
    .bind(user_id)
    .bind(quiz_id)
    .bind(client_key)
    .fetch_optional(&db.pool)
    .await
}

/// Attempts granted to a learner on a quiz beyond its limit.
pub async fn extra_attempts(db: &Db, user_id: i64, quiz_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT CAST(COALESCE(MAX(extra), 0) AS BIGINT) FROM quiz_extra_attempts \
         WHERE user_id = $1 AND quiz_id = $2",
    )
    .bind(user_id)
    .bind(quiz_id)
    .fetch_one(&db.pool)
    .await
}

/// Grants a learner one more attempt on a quiz (recorded with who granted it).
pub async fn grant_attempt(
    db: &Db,
    user_id: i64,
    quiz_id: i64,
    granted_by: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO quiz_extra_attempts (user_id, quiz_id, extra, granted_by, updated_at) \
         VALUES ($1, $2, 1, $3, $4) ON CONFLICT (user_id, quiz_id) DO UPDATE SET \
         extra = quiz_extra_attempts.extra + 1, granted_by = excluded.granted_by, \
         updated_at = excluded.updated_at",
    )
    .bind(user_id)
    .bind(quiz_id)
    .bind(granted_by)
    .bind(db.now())
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// A learner who used every attempt of a quiz without passing it.
#[derive(Debug, FromRow, serde::Serialize)]
pub struct Exhausted {
    pub user_id: i64,
    pub quiz_id: i64,
    pub quiz_title: String,
    pub used: i64,
}

/// Every learner of the course out of attempts on one of its quizzes, not having passed it
/// (the trainer's learners page offers them one more).
pub async fn exhausted_in_course(db: &Db, course_id: i64) -> Result<Vec<Exhausted>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.user_id, q.id AS quiz_id, q.title AS quiz_title, \
         CAST(MAX(a.attempt_no) AS BIGINT) AS used \
         FROM quiz_attempts a JOIN quizzes q ON q.id = a.quiz_id \
         LEFT JOIN quiz_extra_attempts x ON x.user_id = a.user_id AND x.quiz_id = q.id \
         WHERE q.course_id = $1 AND q.max_attempts IS NOT NULL \
         GROUP BY a.user_id, q.id, q.title, q.max_attempts, x.extra, q.position \
         HAVING MAX(a.passed) = 0 AND MAX(a.attempt_no) >= q.max_attempts + COALESCE(x.extra, 0) \
         ORDER BY q.position, q.id",
    )
    .bind(course_id)
    .fetch_all(&db.pool)
    .await
}
