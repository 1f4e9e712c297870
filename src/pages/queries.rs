//! SQL of the public pages: testimonials.

use serde::Serialize;
use sqlx::FromRow;

use crate::db::Db;

#[derive(Debug, FromRow, Serialize)]
pub struct Testimonial {
    pub author_name: String,
    pub author_title: String,
    pub quote: String,
}

pub async fn published_testimonials(db: &Db, limit: i64) -> Result<Vec<Testimonial>, sqlx::Error> {
    sqlx::query_as(
        "SELECT author_name, author_title, quote FROM testimonials \
         WHERE published = 1 ORDER BY position, id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}

pub async fn create_testimonial(
    db: &Db,
    author_name: &str,
    author_title: &str,
    quote: &str,
    position: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO testimonials (author_name, author_title, quote, position, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(author_name)
    .bind(author_title)
    .bind(quote)
    .bind(position)
    .bind(db.now())
    .execute(&db.pool)
    .await?;
    Ok(())
}
