//! Validated authoring input and what templates show of rows: courses here, sections and
//! lessons in `curriculum.rs`, quizzes and questions in `quiz.rs`.

mod curriculum;
mod quiz;

pub use curriculum::{
    Direction, LessonForm, LessonInput, LessonRow, MoveForm, SectionRow, SectionView, TitleForm,
    move_in, parse_section_title,
};
pub use quiz::{
    OPTION_ROWS, OptionField, OptionRow, QuestionForm, QuestionInput, QuestionRow, QuestionView,
    QuizForm, QuizInput, QuizListItem, QuizRow,
};

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::FromRow;

use crate::courses::model::LEVELS;
use crate::money::Currency;

/// Field → translated message, shown next to the field of a re-rendered form.
pub type Errors = BTreeMap<&'static str, String>;
/// Field → catalogue key, before translation.
pub type ErrorKeys = BTreeMap<&'static str, &'static str>;

/// Largest amount accepted for a course price, in minor units.
const MAX_PRICE_MINOR: i64 = 100_000_000_000;

/// A price typed by a trainer ("12,50", "12.50", "1 500") in minor units; `None` if malformed
/// or above [`MAX_PRICE_MINOR`].
fn parse_price(raw: &str) -> Option<i64> {
    crate::money::parse_amount(raw).filter(|p| *p <= MAX_PRICE_MINOR)
}

fn char_len(s: &str) -> usize {
    s.chars().count()
}

fn int_in(raw: &str, min: i64, max: i64) -> Option<i64> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Some(min.max(0));
    }
    raw.parse::<i64>().ok().filter(|n| (min..=max).contains(n))
}

/// The course form as typed (kept for re-rendering).
#[derive(Clone, Debug, Default, Serialize)]
pub struct CourseForm {
    pub title: String,
    pub slug: String,
    pub summary: String,
    pub description: String,
    pub category_id: String,
    pub level: String,
    pub duration_minutes: String,
    pub free: bool,
    pub price: String,
    pub currency: String,
}

/// A course ready to store.
#[derive(Clone, Debug)]
pub struct CourseInput {
    pub title: String,
    pub slug: String,
    pub summary: String,
    pub description: String,
    pub category_id: i64,
    pub level: &'static str,
    pub duration_minutes: i64,
    pub price_minor: i64,
    pub currency: &'static str,
}

impl CourseForm {
    pub fn set(&mut self, name: &str, value: String) {
        match name {
            "title" => self.title = value,
            "slug" => self.slug = value,
            "summary" => self.summary = value,
            "description" => self.description = value,
            "category_id" => self.category_id = value,
            "level" => self.level = value,
            "duration_minutes" => self.duration_minutes = value,
            "free" => self.free = !value.is_empty(),
            "price" => self.price = value,
            "currency" => self.currency = value,
            _ => {}
        }
    }

    /// Checks every field; `category_ids` are the existing categories. Slug uniqueness is the
    /// caller's (it needs the database).
    pub fn parse(&self, category_ids: &[i64]) -> Result<CourseInput, ErrorKeys> {
        let mut e = ErrorKeys::new();
        let title = self.title.trim().to_owned();
        if char_len(&title) < 3 || char_len(&title) > 120 {
            e.insert("title", "teach.error.title_length");
        }
        let slug = if self.slug.trim().is_empty() {
            crate::web::slug::slugify(&title)
        } else {
            crate::web::slug::slugify(&self.slug)
        };
        if slug.is_empty() && !e.contains_key("title") {
            e.insert("slug", "teach.error.slug_invalid");
        }
        let summary = self.summary.trim().to_owned();
        if char_len(&summary) > 300 {
            e.insert("summary", "teach.error.summary_length");
        }
        let description = self.description.trim().to_owned();
        if char_len(&description) > 20_000 {
            e.insert("description", "teach.error.description_length");
        }
        let category_id = self
            .category_id
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|id| category_ids.contains(id));
        if category_id.is_none() {
            e.insert("category_id", "teach.error.category");
        }
        let level = LEVELS.iter().copied().find(|l| *l == self.level.trim());
        if level.is_none() {
            e.insert("level", "teach.error.level");
        }
        let duration = int_in(&self.duration_minutes, 0, 100_000);
        if duration.is_none() {
            e.insert("duration_minutes", "teach.error.duration");
        }
        let currency = Currency::parse(&self.currency);
        if currency.is_none() {
            e.insert("price", "teach.error.currency");
        }
        let price = if self.free {
            Some(0)
        } else if self.price.trim().is_empty() {
            e.insert("price", "teach.error.price_required");
            None
        } else {
            match parse_price(&self.price) {
                Some(0) => {
                    e.insert("price", "teach.error.price_zero");
                    None
                }
                Some(p) => Some(p),
                None => {
                    e.insert("price", "teach.error.price_invalid");
                    None
                }
            }
        };
        match (category_id, level, duration, currency, price) {
            (
                Some(category_id),
                Some(level),
                Some(duration_minutes),
                Some(c),
                Some(price_minor),
            ) if e.is_empty() => Ok(CourseInput {
                title,
                slug,
                summary,
                description,
                category_id,
                level,
                duration_minutes,
                price_minor,
                currency: c.code(),
            }),
            _ => Err(e),
        }
    }
}

/// A course as stored, for the editor.
#[derive(Clone, Debug, FromRow, Serialize)]
pub struct CourseRow {
    pub id: i64,
    pub title: String,
    pub slug: String,
    pub summary: String,
    pub description: String,
    pub category_id: i64,
    pub level: String,
    pub duration_minutes: i64,
    pub price_minor: i64,
    pub currency: String,
    pub published: i64,
    pub cover_path: Option<String>,
}

impl CourseRow {
    /// The form pre-filled with the stored values.
    pub fn form(&self) -> CourseForm {
        let free = self.price_minor == 0;
        CourseForm {
            title: self.title.clone(),
            slug: self.slug.clone(),
            summary: self.summary.clone(),
            description: self.description.clone(),
            category_id: self.category_id.to_string(),
            level: self.level.clone(),
            duration_minutes: self.duration_minutes.to_string(),
            free,
            price: if free {
                String::new()
            } else {
                crate::money::input_text(self.price_minor)
            },
            currency: self.currency.clone(),
        }
    }
}

/// A line of the trainer's course list.
#[derive(Debug, FromRow, Serialize)]
pub struct CourseListItem {
    pub id: i64,
    pub title: String,
    pub slug: String,
    pub published: i64,
    pub price_minor: i64,
    pub currency: String,
    pub trainer_name: String,
    pub enrolled: i64,
}

#[derive(Debug, FromRow, Serialize)]
pub struct Category {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, FromRow, Serialize)]
pub struct ResourceRow {
    pub id: i64,
    pub title: String,
    pub original_name: String,
    pub stored_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub download_count: i64,
}

/// An enrolled learner with their progress in the course.
#[derive(Debug, Serialize)]
pub struct LearnerView {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub enrolled_at: String,
    pub completed_at: Option<String>,
    pub percent: i64,
    /// Quizzes on which the learner used every attempt without passing (the trainer may grant
    /// one more).
    pub exhausted: Vec<crate::quizzes::queries::Exhausted>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_above_the_ceiling_are_refused() {
        assert_eq!(parse_price("12,50"), Some(1250));
        assert_eq!(parse_price("1000000000"), Some(MAX_PRICE_MINOR));
        assert_eq!(parse_price("1000000000,01"), None);
    }
}
