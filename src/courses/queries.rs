//! SQL of courses and categories.

use super::access::CourseRef;
use super::model::{
    CatalogueFilter, Category, CourseCard, CourseDetail, Lesson, LessonItem, PriceFilter, QuizItem,
    ResourceRow, SectionRow,
};
use crate::db::{self, Db};
use crate::web::pagination::Pagination;

const CARD_SELECT: &str = "SELECT c.id, c.title, c.slug, c.summary, c.level, c.duration_minutes, \
     c.price_minor, c.currency, cat.name AS category_name, cat.slug AS category_slug, \
     u.name AS trainer_name \
     FROM courses c JOIN categories cat ON cat.id = c.category_id JOIN users u ON u.id = c.trainer_id";

/// The newest published courses.
pub async fn latest_published(db: &Db, limit: i64) -> Result<Vec<CourseCard>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{CARD_SELECT} WHERE c.published = 1 ORDER BY c.featured DESC, c.created_at DESC, c.id DESC LIMIT $1"
    )))
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}

/// Inserts a category (or finds it by slug) and returns its id.
pub async fn upsert_category(
    db: &Db,
    slug: &str,
    name: &str,
    position: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO categories (slug, name, position) VALUES ($1, $2, $3) \
         ON CONFLICT (slug) DO UPDATE SET name = excluded.name RETURNING id",
    )
    .bind(slug)
    .bind(name)
    .bind(position)
    .fetch_one(&db.pool)
    .await
}

/// A course to create.
pub struct NewCourse<'a> {
    pub title: &'a str,
    pub slug: &'a str,
    pub summary: &'a str,
    pub description: &'a str,
    pub category_id: i64,
    pub trainer_id: i64,
    pub level: &'a str,
    pub duration_minutes: i64,
    pub price_minor: i64,
    pub currency: &'a str,
    pub published: bool,
}

pub async fn create_course(db: &Db, c: NewCourse<'_>) -> Result<i64, sqlx::Error> {
    let now = db::now();
    sqlx::query_scalar(
        "INSERT INTO courses (title, slug, summary, description, category_id, trainer_id, level, \
         duration_minutes, price_minor, currency, published, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id",
    )
    .bind(c.title)
    .bind(c.slug)
    .bind(c.summary)
    .bind(c.description)
    .bind(c.category_id)
    .bind(c.trainer_id)
    .bind(c.level)
    .bind(c.duration_minutes)
    .bind(c.price_minor)
    .bind(c.currency)
    .bind(i32::from(c.published))
    .bind(now)
    .fetch_one(&db.pool)
    .await
}

pub async fn count_courses(db: &Db) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM courses")
        .fetch_one(&db.pool)
        .await
}

/// One page of published courses matching `filter` (a page past the end is the last one), and
/// its pagination over all that match.
pub async fn search_published(
    db: &Db,
    filter: &CatalogueFilter,
    per_page: i64,
) -> Result<(Vec<CourseCard>, Pagination), sqlx::Error> {
    let mut conditions = vec!["c.published = 1".to_owned()];
    let mut binds: Vec<String> = Vec::new();
    if !filter.category.is_empty() {
        binds.push(filter.category.clone());
        conditions.push(format!("cat.slug = ${}", binds.len()));
    }
    if let Some(pattern) = filter.like_pattern() {
        binds.push(pattern);
        let n = binds.len();
        conditions.push(format!(
            "(LOWER(c.title) LIKE LOWER(${n}) ESCAPE '\\' OR LOWER(c.summary) LIKE LOWER(${n}) ESCAPE '\\')"
        ));
    }
    match filter.price {
        Some(PriceFilter::Free) => conditions.push("c.price_minor = 0".into()),
        Some(PriceFilter::Paid) => conditions.push("c.price_minor > 0".into()),
        None => {}
    }
    let where_clause = conditions.join(" AND ");
    let count_sql = format!(
        "SELECT COUNT(*) FROM courses c JOIN categories cat ON cat.id = c.category_id \
         WHERE {where_clause}"
    );
    let mut count = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(count_sql));
    for b in &binds {
        count = count.bind(b);
    }
    let total = count.fetch_one(&db.pool).await?;
    let pagination = Pagination::new(filter.page, per_page, total);
    let n = binds.len();
    let page_sql = format!(
        "{CARD_SELECT} WHERE {where_clause} ORDER BY c.created_at DESC, c.id DESC \
         LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let mut page = sqlx::query_as::<_, CourseCard>(sqlx::AssertSqlSafe(page_sql));
    for b in &binds {
        page = page.bind(b);
    }
    let cards = page
        .bind(pagination.limit())
        .bind(pagination.offset())
        .fetch_all(&db.pool)
        .await?;
    Ok((cards, pagination))
}

/// Categories that have at least one published course, in their display order.
pub async fn categories_in_use(db: &Db) -> Result<Vec<Category>, sqlx::Error> {
    sqlx::query_as(
        "SELECT cat.slug, cat.name FROM categories cat WHERE EXISTS \
           (SELECT 1 FROM courses c WHERE c.category_id = cat.id AND c.published = 1) \
         ORDER BY cat.position, cat.name",
    )
    .fetch_all(&db.pool)
    .await
}

pub async fn course_detail(db: &Db, course_id: i64) -> Result<CourseDetail, sqlx::Error> {
    sqlx::query_as(
        "SELECT c.id, c.title, c.slug, c.summary, c.description, c.level, c.duration_minutes, \
         c.price_minor, c.currency, c.published, c.cover_path, cat.name AS category_name, \
         cat.slug AS category_slug, u.name AS trainer_name \
         FROM courses c JOIN categories cat ON cat.id = c.category_id \
         JOIN users u ON u.id = c.trainer_id WHERE c.id = $1",
    )
    .bind(course_id)
    .fetch_one(&db.pool)
    .await
}

pub async fn sections(db: &Db, course_id: i64) -> Result<Vec<SectionRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, title FROM course_sections WHERE course_id = $1 ORDER BY position, id",
    )
    .bind(course_id)
    .fetch_all(&db.pool)
    .await
}

/// Every lesson of the course in course order (sections by position, then lessons by position).
pub async fn lesson_order(db: &Db, course_id: i64) -> Result<Vec<LessonItem>, sqlx::Error> {
    sqlx::query_as(
        "SELECT l.id, l.section_id, l.title, l.duration_minutes, l.free_preview \
         FROM lessons l JOIN course_sections s ON s.id = l.section_id \
         WHERE l.course_id = $1 ORDER BY s.position, s.id, l.position, l.id",
    )
    .bind(course_id)
    .fetch_all(&db.pool)
    .await
}

/// A lesson of this course (`None` if the id belongs to another course).
pub async fn lesson(
    db: &Db,
    course_id: i64,
    lesson_id: i64,
) -> Result<Option<Lesson>, sqlx::Error> {
    sqlx::query_as(
        "SELECT l.id, l.title, l.body, l.video_url, l.duration_minutes, l.free_preview, \
         s.title AS section_title \
         FROM lessons l JOIN course_sections s ON s.id = l.section_id \
         WHERE l.course_id = $1 AND l.id = $2",
    )
    .bind(course_id)
    .bind(lesson_id)
    .fetch_optional(&db.pool)
    .await
}

pub async fn resources(db: &Db, course_id: i64) -> Result<Vec<ResourceRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, title, original_name, stored_name, content_type, size_bytes \
         FROM resources WHERE course_id = $1 ORDER BY id",
    )
    .bind(course_id)
    .fetch_all(&db.pool)
    .await
}

/// A resource of this course (`None` if the id belongs to another course).
pub async fn resource(
    db: &Db,
    course_id: i64,
    resource_id: i64,
) -> Result<Option<ResourceRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, title, original_name, stored_name, content_type, size_bytes \
         FROM resources WHERE course_id = $1 AND id = $2",
    )
    .bind(course_id)
    .bind(resource_id)
    .fetch_optional(&db.pool)
    .await
}

pub async fn count_download(db: &Db, resource_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE resources SET download_count = download_count + 1 WHERE id = $1")
        .bind(resource_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn quizzes(db: &Db, course_id: i64) -> Result<Vec<QuizItem>, sqlx::Error> {
    sqlx::query_as("SELECT id, title FROM quizzes WHERE course_id = $1 ORDER BY position, id")
        .bind(course_id)
        .fetch_all(&db.pool)
        .await
}

/// Enrols the user (idempotent); `source` says how (`free`, later `payment`).
pub async fn enrol(db: &Db, user_id: i64, course_id: i64, source: &str) -> Result<(), sqlx::Error> {
    let mut conn = db.pool.acquire().await?;
    enrol_in(&mut conn, user_id, course_id, source).await
}

/// [`enrol`] on the caller's connection or transaction (a payment's success and its enrolment
/// are committed together).
pub async fn enrol_in(
    conn: &mut sqlx::AnyConnection,
    user_id: i64,
    course_id: i64,
    source: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO enrolments (user_id, course_id, source, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id, course_id) DO NOTHING",
    )
    .bind(user_id)
    .bind(course_id)
    .bind(source)
    .bind(db::now())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The access facts of the course `slug` (`access::course_for` decides who sees it).
pub async fn course_ref(db: &Db, slug: &str) -> Result<Option<CourseRef>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, slug, title, trainer_id, published, price_minor, currency \
         FROM courses WHERE slug = $1",
    )
    .bind(slug)
    .fetch_optional(&db.pool)
    .await
}

/// Whether `user_id` is enrolled in `course_id`.
pub async fn is_enrolled(db: &Db, user_id: i64, course_id: i64) -> Result<bool, sqlx::Error> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT id FROM enrolments WHERE user_id = $1 AND course_id = $2")
            .bind(user_id)
            .bind(course_id)
            .fetch_optional(&db.pool)
            .await?;
    Ok(found.is_some())
}
