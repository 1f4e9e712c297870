//! Inserts of the demo curriculum (sections, lessons, resources, quizzes).

use crate::db::{self, Db};

pub async fn create_section(
    db: &Db,
    course_id: i64,
    title: &str,
    position: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO course_sections (course_id, title, position, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(course_id)
    .bind(title)
    .bind(position)
    .bind(db::now())
    .fetch_one(&db.pool)
    .await
}

/// A demo lesson.
pub struct Lesson<'a> {
    pub course_id: i64,
    pub section_id: i64,
    pub title: &'a str,
    pub body: &'a str,
    pub video_url: Option<&'a str>,
    pub minutes: i64,
    pub position: i64,
    pub free_preview: bool,
}

pub async fn create_lesson(db: &Db, l: Lesson<'_>) -> Result<i64, sqlx::Error> {
    let now = db::now();
    sqlx::query_scalar(
        "INSERT INTO lessons (course_id, section_id, title, body, video_url, duration_minutes, position, \
         free_preview, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
    )
    .bind(l.course_id)
    .bind(l.section_id)
    .bind(l.title)
    .bind(l.body)
    .bind(l.video_url)
    .bind(l.minutes)
    .bind(l.position)
    .bind(i32::from(l.free_preview))
    .bind(now)
    .fetch_one(&db.pool)
    .await
}

pub async fn create_resource(
    db: &Db,
    course_id: i64,
    title: &str,
    original_name: &str,
    stored_name: &str,
    content_type: &str,
    size_bytes: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO resources (course_id, title, original_name, stored_name, content_type, size_bytes, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(course_id)
    .bind(title)
    .bind(original_name)
    .bind(stored_name)
    .bind(content_type)
    .bind(size_bytes)
    .bind(db::now())
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub async fn create_quiz(
    db: &Db,
    course_id: i64,
    section_id: i64,
    title: &str,
    pass_percent: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO quizzes (course_id, section_id, title, description, pass_percent, position, created_at) \
         VALUES ($1, $2, $3, '', $4, 0, $5) RETURNING id",
    )
    .bind(course_id)
    .bind(section_id)
    .bind(title)
    .bind(pass_percent)
    .bind(db::now())
    .fetch_one(&db.pool)
    .await
}

/// Adds a question with its options (`(label, correct)`), in order.
pub async fn create_question(
    db: &Db,
    quiz_id: i64,
    position: i64,
    prompt: &str,
    explanation: &str,
    options: &[(&str, bool)],
) -> Result<(), sqlx::Error> {
    let question_id: i64 = sqlx::query_scalar(
        "INSERT INTO quiz_questions (quiz_id, prompt, explanation, position) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(quiz_id)
    .bind(prompt)
    .bind(explanation)
    .bind(position)
    .fetch_one(&db.pool)
    .await?;
    for (i, (label, correct)) in options.iter().enumerate() {
        sqlx::query("INSERT INTO quiz_options (question_id, label, is_correct, position) VALUES ($1, $2, $3, $4)")
            .bind(question_id)
            .bind(*label)
            .bind(i32::from(*correct))
            .bind(i as i64)
            .execute(&db.pool)
            .await?;
    }
    Ok(())
}
