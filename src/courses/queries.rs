//! SQL of courses and categories.

use super::model::CourseCard;
use crate::db::{self, Db};

const CARD_SELECT: &str = "SELECT c.id, c.title, c.slug, c.summary, c.level, c.duration_minutes, \
     c.price_minor, c.currency, cat.name AS category_name, cat.slug AS category_slug, \
     u.name AS trainer_name \
     FROM courses c JOIN categories cat ON cat.id = c.category_id JOIN users u ON u.id = c.trainer_id";

/// The newest published courses.
pub async fn latest_published(db: &Db, limit: i64) -> Result<Vec<CourseCard>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{CARD_SELECT} WHERE c.published = 1 ORDER BY c.created_at DESC, c.id DESC LIMIT $1"
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
