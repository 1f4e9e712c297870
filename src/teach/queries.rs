//! SQL of trainer authoring: courses, sections, lessons, resources, quizzes, publishing, learners.
//! Every child row is addressed together with its course id, so an id from another course
//! matches nothing.

use sqlx::{Any, Transaction};

use super::model::{
    Category, CourseInput, CourseListItem, CourseRow, LearnerView, LessonInput, LessonRow,
    OptionRow, QuestionInput, QuestionRow, QuestionView, QuizInput, QuizListItem, QuizRow,
    ResourceRow, SectionRow, SectionView,
};
use crate::courses::access::CourseRef;
use crate::db::Db;

pub async fn course_ref(db: &Db, id: i64) -> Result<Option<CourseRef>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, slug, title, trainer_id, published, price_minor, currency \
         FROM courses WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

/// The courses of `trainer_id` (every course when `None`), newest first, with enrolments.
pub async fn list_courses(
    db: &Db,
    trainer_id: Option<i64>,
) -> Result<Vec<CourseListItem>, sqlx::Error> {
    sqlx::query_as(
        "SELECT c.id, c.title, c.slug, c.published, c.price_minor, c.currency, \
         u.name AS trainer_name, \
         (SELECT COUNT(*) FROM enrolments e WHERE e.course_id = c.id) AS enrolled \
         FROM courses c JOIN users u ON u.id = c.trainer_id \
         WHERE $1 < 0 OR c.trainer_id = $1 ORDER BY c.created_at DESC, c.id DESC",
    )
    .bind(trainer_id.unwrap_or(-1))
    .fetch_all(&db.pool)
    .await
}

pub async fn categories(db: &Db) -> Result<Vec<Category>, sqlx::Error> {
    sqlx::query_as("SELECT id, name FROM categories ORDER BY position, name")
        .fetch_all(&db.pool)
        .await
}

pub async fn slug_taken(db: &Db, slug: &str, except_id: i64) -> Result<bool, sqlx::Error> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT id FROM courses WHERE slug = $1 AND id <> $2")
            .bind(slug)
            .bind(except_id)
            .fetch_optional(&db.pool)
            .await?;
    Ok(found.is_some())
}

pub async fn course(db: &Db, id: i64) -> Result<Option<CourseRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, title, slug, summary, description, category_id, level, duration_minutes, \
         price_minor, currency, published, cover_path FROM courses WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

/// Creates a draft course of `trainer_id`.
pub async fn create_course(
    db: &Db,
    trainer_id: i64,
    c: &CourseInput,
    cover_path: Option<&str>,
) -> Result<i64, sqlx::Error> {
    let now = db.now();
    sqlx::query_scalar(
        "INSERT INTO courses (title, slug, summary, description, category_id, trainer_id, level, \
         duration_minutes, price_minor, currency, published, cover_path, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, $11, $12, $12) RETURNING id",
    )
    .bind(&c.title)
    .bind(&c.slug)
    .bind(&c.summary)
    .bind(&c.description)
    .bind(c.category_id)
    .bind(trainer_id)
    .bind(c.level)
    .bind(c.duration_minutes)
    .bind(c.price_minor)
    .bind(c.currency)
    .bind(cover_path)
    .bind(now)
    .fetch_one(&db.pool)
    .await
}

pub async fn update_course(db: &Db, id: i64, c: &CourseInput) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE courses SET title = $1, slug = $2, summary = $3, description = $4, \
         category_id = $5, level = $6, duration_minutes = $7, price_minor = $8, currency = $9, \
         updated_at = $10 WHERE id = $11",
    )
    .bind(&c.title)
    .bind(&c.slug)
    .bind(&c.summary)
    .bind(&c.description)
    .bind(c.category_id)
    .bind(c.level)
    .bind(c.duration_minutes)
    .bind(c.price_minor)
    .bind(c.currency)
    .bind(db.now())
    .bind(id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Sets the cover file name; returns the previous one (to delete).
pub async fn set_cover(db: &Db, id: i64, cover: &str) -> Result<Option<String>, sqlx::Error> {
    let old: Option<Option<String>> =
        sqlx::query_scalar("SELECT cover_path FROM courses WHERE id = $1")
            .bind(id)
            .fetch_optional(&db.pool)
            .await?;
    sqlx::query("UPDATE courses SET cover_path = $1, updated_at = $2 WHERE id = $3")
        .bind(cover)
        .bind(db.now())
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(old.flatten())
}

pub async fn count_lessons(db: &Db, course_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM lessons WHERE course_id = $1")
        .bind(course_id)
        .fetch_one(&db.pool)
        .await
}

/// Publishes the course; the `course_published` event is written the first time only.
/// Returns true for that first publication (the one announced to learners).
pub async fn publish(db: &Db, course_id: i64) -> Result<bool, sqlx::Error> {
    let now = db.now();
    let mut tx = db.pool.begin().await?;
    let changed = sqlx::query(
        "UPDATE courses SET published = 1, updated_at = $1 WHERE id = $2 AND published = 0",
    )
    .bind(&now)
    .bind(course_id)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        > 0;
    let announced: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM domain_events WHERE kind = 'course_published' AND subject_id = $1",
    )
    .bind(course_id)
    .fetch_optional(&mut *tx)
    .await?;
    let first = changed && announced.is_none();
    if first {
        sqlx::query(
            "INSERT INTO domain_events (kind, subject_id, payload, created_at) \
             VALUES ('course_published', $1, $2, $3)",
        )
        .bind(course_id)
        .bind(serde_json::json!({ "course_id": course_id }).to_string())
        .bind(&now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(first)
}

pub async fn unpublish(db: &Db, course_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE courses SET published = 0, updated_at = $1 WHERE id = $2")
        .bind(db.now())
        .bind(course_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

// Sections and lessons.

/// The course's sections with their lessons, in order.
pub async fn curriculum(db: &Db, course_id: i64) -> Result<Vec<SectionView>, sqlx::Error> {
    let sections: Vec<SectionRow> = sqlx::query_as(
        "SELECT id, title FROM course_sections WHERE course_id = $1 ORDER BY position, id",
    )
    .bind(course_id)
    .fetch_all(&db.pool)
    .await?;
    let lessons: Vec<LessonRow> = sqlx::query_as(
        "SELECT id, section_id, title, body, video_url, duration_minutes, free_preview \
         FROM lessons WHERE course_id = $1 ORDER BY position, id",
    )
    .bind(course_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(sections
        .into_iter()
        .map(|s| SectionView {
            lessons: lessons
                .iter()
                .filter(|l| l.section_id == s.id)
                .cloned()
                .collect(),
            id: s.id,
            title: s.title,
        })
        .collect())
}

pub async fn add_section(db: &Db, course_id: i64, title: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO course_sections (course_id, title, position, created_at) VALUES ($1, $2, \
         (SELECT COALESCE(MAX(position), -1) + 1 FROM course_sections WHERE course_id = $1), $3) \
         RETURNING id",
    )
    .bind(course_id)
    .bind(title)
    .bind(db.now())
    .fetch_one(&db.pool)
    .await
}

pub async fn section_exists(db: &Db, course_id: i64, id: i64) -> Result<bool, sqlx::Error> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT id FROM course_sections WHERE id = $1 AND course_id = $2")
            .bind(id)
            .bind(course_id)
            .fetch_optional(&db.pool)
            .await?;
    Ok(found.is_some())
}

/// Renames a section; false if it is not in the course.
pub async fn rename_section(
    db: &Db,
    course_id: i64,
    id: i64,
    title: &str,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query("UPDATE course_sections SET title = $1 WHERE id = $2 AND course_id = $3")
        .bind(title)
        .bind(id)
        .bind(course_id)
        .execute(&db.pool)
        .await?;
    Ok(r.rows_affected() > 0)
}

/// Deletes a section and its lessons; false if it is not in the course.
pub async fn delete_section(db: &Db, course_id: i64, id: i64) -> Result<bool, sqlx::Error> {
    let mut tx = db.pool.begin().await?;
    sqlx::query("DELETE FROM lessons WHERE section_id = $1 AND course_id = $2")
        .bind(id)
        .bind(course_id)
        .execute(&mut *tx)
        .await?;
    let r = sqlx::query("DELETE FROM course_sections WHERE id = $1 AND course_id = $2")
        .bind(id)
        .bind(course_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(r.rows_affected() > 0)
}

pub async fn section_ids(db: &Db, course_id: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM course_sections WHERE course_id = $1 ORDER BY position, id")
        .bind(course_id)
        .fetch_all(&db.pool)
        .await
}

pub async fn lesson_ids_in_section(
    db: &Db,
    course_id: i64,
    section_id: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM lessons WHERE course_id = $1 AND section_id = $2 ORDER BY position, id",
    )
    .bind(course_id)
    .bind(section_id)
    .fetch_all(&db.pool)
    .await
}

/// Which ordered table [`set_positions`] rewrites.
#[derive(Clone, Copy)]
pub enum Ordered {
    Sections,
    Lessons,
}

/// Stores `ids` (all in `course_id`) at positions 0, 1, 2…
pub async fn set_positions(
    db: &Db,
    course_id: i64,
    table: Ordered,
    ids: &[i64],
) -> Result<(), sqlx::Error> {
    let sql = match table {
        Ordered::Sections => {
            "UPDATE course_sections SET position = $1 WHERE id = $2 AND course_id = $3"
        }
        Ordered::Lessons => "UPDATE lessons SET position = $1 WHERE id = $2 AND course_id = $3",
    };
    let mut tx: Transaction<'_, Any> = db.pool.begin().await?;
    for (position, id) in ids.iter().enumerate() {
        sqlx::query(sql)
            .bind(position as i64)
            .bind(*id)
            .bind(course_id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await
}

pub async fn lesson(db: &Db, course_id: i64, id: i64) -> Result<Option<LessonRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, section_id, title, body, video_url, duration_minutes, free_preview \
         FROM lessons WHERE id = $1 AND course_id = $2",
    )
    .bind(id)
    .bind(course_id)
    .fetch_optional(&db.pool)
    .await
}

pub async fn add_lesson(
    db: &Db,
    course_id: i64,
    section_id: i64,
    l: &LessonInput,
) -> Result<i64, sqlx::Error> {
    let now = db.now();
    sqlx::query_scalar(
        "INSERT INTO lessons (course_id, section_id, title, body, video_url, duration_minutes, \
         position, free_preview, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, \
         (SELECT COALESCE(MAX(position), -1) + 1 FROM lessons WHERE section_id = $2), $7, $8, $8) \
         RETURNING id",
    )
    .bind(course_id)
    .bind(section_id)
    .bind(&l.title)
    .bind(&l.body)
    .bind(l.video_url.as_deref())
    .bind(l.duration_minutes)
    .bind(i32::from(l.free_preview))
    .bind(now)
    .fetch_one(&db.pool)
    .await
}

pub async fn update_lesson(
    db: &Db,
    course_id: i64,
    id: i64,
    l: &LessonInput,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE lessons SET title = $1, body = $2, video_url = $3, duration_minutes = $4, \
         free_preview = $5, updated_at = $6 WHERE id = $7 AND course_id = $8",
    )
    .bind(&l.title)
    .bind(&l.body)
    .bind(l.video_url.as_deref())
    .bind(l.duration_minutes)
    .bind(i32::from(l.free_preview))
    .bind(db.now())
    .bind(id)
    .bind(course_id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub async fn delete_lesson(db: &Db, course_id: i64, id: i64) -> Result<bool, sqlx::Error> {
    let r = sqlx::query("DELETE FROM lessons WHERE id = $1 AND course_id = $2")
        .bind(id)
        .bind(course_id)
        .execute(&db.pool)
        .await?;
    Ok(r.rows_affected() > 0)
}

// Resources.

pub async fn resources(db: &Db, course_id: i64) -> Result<Vec<ResourceRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, title, original_name, stored_name, content_type, size_bytes, download_count \
         FROM resources WHERE course_id = $1 ORDER BY created_at, id",
    )
    .bind(course_id)
    .fetch_all(&db.pool)
    .await
}

/// A stored file to record.
pub struct NewResource<'a> {
    pub title: &'a str,
    pub original_name: &'a str,
    pub stored_name: &'a str,
    pub content_type: &'a str,
    pub size_bytes: i64,
}

pub async fn add_resource(db: &Db, course_id: i64, r: NewResource<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO resources (course_id, title, original_name, stored_name, content_type, \
         size_bytes, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(course_id)
    .bind(r.title)
    .bind(r.original_name)
    .bind(r.stored_name)
    .bind(r.content_type)
    .bind(r.size_bytes)
    .bind(db.now())
    .fetch_one(&db.pool)
    .await
}

/// Deletes a resource row; returns its stored file name (to delete) if it was in the course.
pub async fn delete_resource(
    db: &Db,
    course_id: i64,
    id: i64,
) -> Result<Option<String>, sqlx::Error> {
    let stored: Option<String> =
        sqlx::query_scalar("SELECT stored_name FROM resources WHERE id = $1 AND course_id = $2")
            .bind(id)
            .bind(course_id)
            .fetch_optional(&db.pool)
            .await?;
    if stored.is_some() {
        sqlx::query("DELETE FROM resources WHERE id = $1 AND course_id = $2")
            .bind(id)
            .bind(course_id)
            .execute(&db.pool)
            .await?;
    }
    Ok(stored)
}

// Quizzes.

pub async fn quizzes(db: &Db, course_id: i64) -> Result<Vec<QuizListItem>, sqlx::Error> {
    sqlx::query_as(
        "SELECT q.id, q.title, q.pass_percent, \
         (SELECT COUNT(*) FROM quiz_questions qq WHERE qq.quiz_id = q.id) AS questions \
         FROM quizzes q WHERE q.course_id = $1 ORDER BY q.position, q.id",
    )
    .bind(course_id)
    .fetch_all(&db.pool)
    .await
}

pub async fn quiz(db: &Db, course_id: i64, id: i64) -> Result<Option<QuizRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, title, description, pass_percent, max_attempts FROM quizzes \
         WHERE id = $1 AND course_id = $2",
    )
    .bind(id)
    .bind(course_id)
    .fetch_optional(&db.pool)
    .await
}

pub async fn add_quiz(db: &Db, course_id: i64, q: &QuizInput) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO quizzes (course_id, title, description, pass_percent, max_attempts, \
         position, created_at) VALUES ($1, $2, $3, $4, $5, \
         (SELECT COALESCE(MAX(position), -1) + 1 FROM quizzes WHERE course_id = $1), $6) \
         RETURNING id",
    )
    .bind(course_id)
    .bind(&q.title)
    .bind(&q.description)
    .bind(q.pass_percent)
    .bind(q.max_attempts)
    .bind(db.now())
    .fetch_one(&db.pool)
    .await
}

pub async fn update_quiz(
    db: &Db,
    course_id: i64,
    id: i64,
    q: &QuizInput,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE quizzes SET title = $1, description = $2, pass_percent = $3, max_attempts = $4 \
         WHERE id = $5 AND course_id = $6",
    )
    .bind(&q.title)
    .bind(&q.description)
    .bind(q.pass_percent)
    .bind(q.max_attempts)
    .bind(id)
    .bind(course_id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub async fn delete_quiz(db: &Db, course_id: i64, id: i64) -> Result<bool, sqlx::Error> {
    let r = sqlx::query("DELETE FROM quizzes WHERE id = $1 AND course_id = $2")
        .bind(id)
        .bind(course_id)
        .execute(&db.pool)
        .await?;
    Ok(r.rows_affected() > 0)
}

/// The quiz's questions with their options, in order.
pub async fn questions(db: &Db, quiz_id: i64) -> Result<Vec<QuestionView>, sqlx::Error> {
    let questions: Vec<QuestionRow> = sqlx::query_as(
        "SELECT id, prompt, explanation FROM quiz_questions WHERE quiz_id = $1 \
         ORDER BY position, id",
    )
    .bind(quiz_id)
    .fetch_all(&db.pool)
    .await?;
    let options: Vec<OptionRow> = sqlx::query_as(
        "SELECT o.id, o.question_id, o.label, o.is_correct FROM quiz_options o \
         JOIN quiz_questions q ON q.id = o.question_id WHERE q.quiz_id = $1 \
         ORDER BY o.position, o.id",
    )
    .bind(quiz_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(questions
        .into_iter()
        .map(|q| QuestionView {
            options: options
                .iter()
                .filter(|o| o.question_id == q.id)
                .cloned()
                .collect(),
            id: q.id,
            prompt: q.prompt,
            explanation: q.explanation,
        })
        .collect())
}

async fn insert_options(
    tx: &mut Transaction<'_, Any>,
    question_id: i64,
    options: &[(String, bool)],
) -> Result<(), sqlx::Error> {
    for (position, (label, correct)) in options.iter().enumerate() {
        sqlx::query(
            "INSERT INTO quiz_options (question_id, label, is_correct, position) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(question_id)
        .bind(label)
        .bind(i32::from(*correct))
        .bind(position as i64)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

pub async fn add_question(db: &Db, quiz_id: i64, q: &QuestionInput) -> Result<i64, sqlx::Error> {
    let mut tx = db.pool.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO quiz_questions (quiz_id, prompt, explanation, position) VALUES ($1, $2, $3, \
         (SELECT COALESCE(MAX(position), -1) + 1 FROM quiz_questions WHERE quiz_id = $1)) \
         RETURNING id",
    )
    .bind(quiz_id)
    .bind(&q.prompt)
    .bind(&q.explanation)
    .fetch_one(&mut *tx)
    .await?;
    insert_options(&mut tx, id, &q.options).await?;
    tx.commit().await?;
    Ok(id)
}

/// Replaces a question's text and options; false if it is not in the quiz.
pub async fn update_question(
    db: &Db,
    quiz_id: i64,
    id: i64,
    q: &QuestionInput,
) -> Result<bool, sqlx::Error> {
    let mut tx = db.pool.begin().await?;
    let r = sqlx::query(
        "UPDATE quiz_questions SET prompt = $1, explanation = $2 WHERE id = $3 AND quiz_id = $4",
    )
    .bind(&q.prompt)
    .bind(&q.explanation)
    .bind(id)
    .bind(quiz_id)
    .execute(&mut *tx)
    .await?;
    if r.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query("DELETE FROM quiz_options WHERE question_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    insert_options(&mut tx, id, &q.options).await?;
    tx.commit().await?;
    Ok(true)
}

pub async fn delete_question(db: &Db, quiz_id: i64, id: i64) -> Result<bool, sqlx::Error> {
    let r = sqlx::query("DELETE FROM quiz_questions WHERE id = $1 AND quiz_id = $2")
        .bind(id)
        .bind(quiz_id)
        .execute(&db.pool)
        .await?;
    Ok(r.rows_affected() > 0)
}

// Learners.

#[derive(sqlx::FromRow)]
struct LearnerRow {
    user_id: i64,
    name: String,
    email: String,
    created_at: String,
    completed_at: Option<String>,
    lessons_done: i64,
    quizzes_passed: i64,
}

/// Enrolled learners with their progress, in one grouped query (no query per learner).
pub async fn learners(db: &Db, course_id: i64) -> Result<Vec<LearnerView>, sqlx::Error> {
    let (lessons, quizzes): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM lessons WHERE course_id = $1), \
         (SELECT COUNT(*) FROM quizzes WHERE course_id = $1)",
    )
    .bind(course_id)
    .fetch_one(&db.pool)
    .await?;
    let rows: Vec<LearnerRow> = sqlx::query_as(
        "SELECT u.id AS user_id, u.name, u.email, e.created_at, e.completed_at, \
         COALESCE(ld.n, 0) AS lessons_done, COALESCE(qp.n, 0) AS quizzes_passed \
         FROM enrolments e JOIN users u ON u.id = e.user_id \
         LEFT JOIN (SELECT lp.user_id, COUNT(*) AS n FROM lesson_progress lp \
           JOIN lessons l ON l.id = lp.lesson_id WHERE l.course_id = $1 GROUP BY lp.user_id) ld \
           ON ld.user_id = e.user_id \
         LEFT JOIN (SELECT qa.user_id, COUNT(DISTINCT qa.quiz_id) AS n FROM quiz_attempts qa \
           JOIN quizzes q ON q.id = qa.quiz_id WHERE q.course_id = $1 AND qa.passed = 1 \
           GROUP BY qa.user_id) qp ON qp.user_id = e.user_id \
         WHERE e.course_id = $1 ORDER BY e.created_at, e.id",
    )
    .bind(course_id)
    .fetch_all(&db.pool)
    .await?;
    let total = lessons + quizzes;
    Ok(rows
        .into_iter()
        .map(|r| LearnerView {
            percent: ((r.lessons_done + r.quizzes_passed) * 100)
                .checked_div(total)
                .unwrap_or(0)
                .min(100),
            user_id: r.user_id,
            name: r.name,
            email: r.email,
            enrolled_at: r.created_at,
            exhausted: Vec::new(),
            completed_at: r.completed_at,
        })
        .collect())
}
