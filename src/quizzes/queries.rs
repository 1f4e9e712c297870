//! SQL of quiz taking: quizzes with their questions and options, attempts.

use sqlx::FromRow;

use super::model::{Question, Quiz, QuizOption};
use crate::db::{self, Db};

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
}

pub async fn attempt_summary(
    db: &Db,
    user_id: i64,
    quiz_id: i64,
) -> Result<AttemptSummary, sqlx::Error> {
    sqlx::query_as(
        "SELECT COUNT(*) AS attempts, MAX(score_percent) AS best_score, \
         COALESCE(MAX(passed), 0) AS passed FROM quiz_attempts WHERE user_id = $1 AND quiz_id = $2",
    )
    .bind(user_id)
    .bind(quiz_id)
    .fetch_one(&db.pool)
    .await
}

/// Stores one attempt with its answers (JSON: question id → option ids) and the browser's
/// submission key if any. False when an attempt with that key already exists (nothing stored).
pub async fn record_attempt(
    db: &Db,
    quiz_id: i64,
    user_id: i64,
    score_percent: i64,
    passed: bool,
    answers_json: &str,
    client_key: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO quiz_attempts \
         (quiz_id, user_id, score_percent, passed, answers, created_at, client_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (user_id, quiz_id, client_key) DO NOTHING",
    )
    .bind(quiz_id)
    .bind(user_id)
    .bind(score_percent)
    .bind(i32::from(passed))
    .bind(answers_json)
    .bind(db::now())
    .bind(client_key)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
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
