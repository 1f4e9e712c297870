//! Course rows and what templates show of them.

use serde::Serialize;
use sqlx::FromRow;

/// A course as shown on a card (home page, catalogue).
#[derive(Debug, FromRow, Serialize)]
pub struct CourseCard {
    pub id: i64,
    pub title: String,
    pub slug: String,
    pub summary: String,
    pub level: String,
    pub duration_minutes: i64,
    pub price_minor: i64,
    pub currency: String,
    pub category_name: String,
    pub category_slug: String,
    pub trainer_name: String,
}

/// A course level, stored as a code and shown through the catalogue (`course.level.<code>`).
pub const LEVELS: [&str; 3] = ["beginner", "intermediate", "advanced"];
