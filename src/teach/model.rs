//! Validated authoring input (course, lesson, quiz, question) and what templates show of rows.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
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
pub struct SectionRow {
    pub id: i64,
    pub title: String,
}

#[derive(Clone, Debug, FromRow, Serialize)]
pub struct LessonRow {
    pub id: i64,
    pub section_id: i64,
    pub title: String,
    pub body: String,
    pub video_url: Option<String>,
    pub duration_minutes: i64,
    pub free_preview: i64,
}

/// A section with its lessons, in order.
#[derive(Debug, Serialize)]
pub struct SectionView {
    pub id: i64,
    pub title: String,
    pub lessons: Vec<LessonRow>,
}

/// A section title (1–200 characters).
pub fn parse_section_title(raw: &str) -> Result<String, &'static str> {
    let t = raw.trim();
    if t.is_empty() || char_len(t) > 200 {
        Err("teach.error.section_title")
    } else {
        Ok(t.to_owned())
    }
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct LessonForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub video_url: String,
    #[serde(default)]
    pub duration_minutes: String,
    #[serde(default)]
    pub free_preview: Option<String>,
}

pub struct LessonInput {
    pub title: String,
    pub body: String,
    pub video_url: Option<String>,
    pub duration_minutes: i64,
    pub free_preview: bool,
}

impl LessonForm {
    pub fn parse(&self) -> Result<LessonInput, ErrorKeys> {
        let mut e = ErrorKeys::new();
        let title = self.title.trim().to_owned();
        if title.is_empty() || char_len(&title) > 200 {
            e.insert("title", "teach.error.lesson_title");
        }
        let body = self.body.trim().to_owned();
        if char_len(&body) > 50_000 {
            e.insert("body", "teach.error.lesson_body");
        }
        let video = self.video_url.trim();
        let video_url = if video.is_empty() {
            None
        } else {
            let ok = video.len() <= 500
                && url::Url::parse(video)
                    .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
            if !ok {
                e.insert("video_url", "teach.error.video_url");
            }
            Some(video.to_owned())
        };
        let duration = int_in(&self.duration_minutes, 0, 10_000);
        if duration.is_none() {
            e.insert("duration_minutes", "teach.error.duration");
        }
        match duration {
            Some(duration_minutes) if e.is_empty() => Ok(LessonInput {
                title,
                body,
                video_url,
                duration_minutes,
                free_preview: self.free_preview.as_deref().is_some_and(|v| !v.is_empty()),
            }),
            _ => Err(e),
        }
    }
}

impl From<&LessonRow> for LessonForm {
    fn from(l: &LessonRow) -> Self {
        Self {
            title: l.title.clone(),
            body: l.body.clone(),
            video_url: l.video_url.clone().unwrap_or_default(),
            duration_minutes: l.duration_minutes.to_string(),
            free_preview: crate::db::flag(l.free_preview).then(|| "1".to_owned()),
        }
    }
}

#[derive(Clone, Debug, FromRow, Serialize)]
pub struct QuizRow {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub pass_percent: i64,
    pub max_attempts: Option<i64>,
}

#[derive(Debug, FromRow, Serialize)]
pub struct QuizListItem {
    pub id: i64,
    pub title: String,
    pub pass_percent: i64,
    pub questions: i64,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct QuizForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub pass_percent: String,
    #[serde(default)]
    pub max_attempts: String,
}

pub struct QuizInput {
    pub title: String,
    pub description: String,
    pub pass_percent: i64,
    pub max_attempts: Option<i64>,
}

impl QuizForm {
    pub fn blank() -> Self {
        Self {
            pass_percent: "70".into(),
            ..Self::default()
        }
    }

    pub fn parse(&self) -> Result<QuizInput, ErrorKeys> {
        let mut e = ErrorKeys::new();
        let title = self.title.trim().to_owned();
        if title.is_empty() || char_len(&title) > 200 {
            e.insert("title", "teach.error.quiz_title");
        }
        let description = self.description.trim().to_owned();
        if char_len(&description) > 2000 {
            e.insert("description", "teach.error.quiz_description");
        }
        let pass = self
            .pass_percent
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|p| (1..=100).contains(p));
        if pass.is_none() {
            e.insert("pass_percent", "teach.error.pass_percent");
        }
        let max = self.max_attempts.trim();
        let max_attempts = if max.is_empty() {
            Some(None)
        } else {
            max.parse::<i64>()
                .ok()
                .filter(|n| (1..=1000).contains(n))
                .map(Some)
        };
        if max_attempts.is_none() {
            e.insert("max_attempts", "teach.error.max_attempts");
        }
        match (pass, max_attempts) {
            (Some(pass_percent), Some(max_attempts)) if e.is_empty() => Ok(QuizInput {
                title,
                description,
                pass_percent,
                max_attempts,
            }),
            _ => Err(e),
        }
    }
}

impl From<&QuizRow> for QuizForm {
    fn from(q: &QuizRow) -> Self {
        Self {
            title: q.title.clone(),
            description: q.description.clone(),
            pass_percent: q.pass_percent.to_string(),
            max_attempts: q.max_attempts.map(|n| n.to_string()).unwrap_or_default(),
        }
    }
}

/// How many option rows the question form offers.
pub const OPTION_ROWS: usize = 6;

#[derive(Clone, Debug, Default, Serialize)]
pub struct OptionField {
    pub label: String,
    pub correct: bool,
}

/// The question form as typed: prompt, explanation and [`OPTION_ROWS`] option rows.
#[derive(Clone, Debug, Serialize)]
pub struct QuestionForm {
    pub prompt: String,
    pub explanation: String,
    pub options: Vec<OptionField>,
}

impl Default for QuestionForm {
    fn default() -> Self {
        Self {
            prompt: String::new(),
            explanation: String::new(),
            options: vec![OptionField::default(); OPTION_ROWS],
        }
    }
}

pub struct QuestionInput {
    pub prompt: String,
    pub explanation: String,
    /// (label, is_correct), in order.
    pub options: Vec<(String, bool)>,
}

impl QuestionForm {
    /// Reads `prompt`, `explanation`, `option_{i}` and `correct_{i}` (i = 1…6) from form pairs.
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let mut form = Self::default();
        for (k, v) in pairs {
            match k.as_str() {
                "prompt" => form.prompt = v.clone(),
                "explanation" => form.explanation = v.clone(),
                _ => {
                    let (field, index) = if let Some(i) = k.strip_prefix("option_") {
                        ("label", i)
                    } else if let Some(i) = k.strip_prefix("correct_") {
                        ("correct", i)
                    } else {
                        continue;
                    };
                    let Some(slot) = index
                        .parse::<usize>()
                        .ok()
                        .filter(|i| (1..=OPTION_ROWS).contains(i))
                        .and_then(|i| form.options.get_mut(i - 1))
                    else {
                        continue;
                    };
                    if field == "label" {
                        slot.label = v.clone();
                    } else {
                        slot.correct = !v.is_empty();
                    }
                }
            }
        }
        form
    }

    pub fn parse(&self) -> Result<QuestionInput, ErrorKeys> {
        let mut e = ErrorKeys::new();
        let prompt = self.prompt.trim().to_owned();
        if prompt.is_empty() || char_len(&prompt) > 1000 {
            e.insert("prompt", "teach.error.prompt");
        }
        let explanation = self.explanation.trim().to_owned();
        if char_len(&explanation) > 2000 {
            e.insert("explanation", "teach.error.explanation");
        }
        let options: Vec<(String, bool)> = self
            .options
            .iter()
            .filter(|o| !o.label.trim().is_empty())
            .map(|o| (o.label.trim().to_owned(), o.correct))
            .collect();
        if options.iter().any(|(l, _)| char_len(l) > 500) {
            e.insert("options", "teach.error.option_length");
        } else if options.len() < 2 {
            e.insert("options", "teach.error.options_min");
        } else if !options.iter().any(|(_, c)| *c) {
            e.insert("options", "teach.error.options_correct");
        }
        if e.is_empty() {
            Ok(QuestionInput {
                prompt,
                explanation,
                options,
            })
        } else {
            Err(e)
        }
    }
}

#[derive(Debug, FromRow, Serialize)]
pub struct QuestionRow {
    pub id: i64,
    pub prompt: String,
    pub explanation: String,
}

#[derive(Clone, Debug, FromRow, Serialize)]
pub struct OptionRow {
    pub id: i64,
    pub question_id: i64,
    pub label: String,
    pub is_correct: i64,
}

#[derive(Debug, Serialize)]
pub struct QuestionView {
    pub id: i64,
    pub prompt: String,
    pub explanation: String,
    pub options: Vec<OptionRow>,
}

impl QuestionView {
    pub fn form(&self) -> QuestionForm {
        let mut form = QuestionForm {
            prompt: self.prompt.clone(),
            explanation: self.explanation.clone(),
            options: self
                .options
                .iter()
                .map(|o| OptionField {
                    label: o.label.clone(),
                    correct: crate::db::flag(o.is_correct),
                })
                .collect(),
        };
        form.options
            .resize(OPTION_ROWS.max(form.options.len()), OptionField::default());
        form
    }
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
    pub name: String,
    pub email: String,
    pub enrolled_at: String,
    pub completed_at: Option<String>,
    pub percent: i64,
}

/// `up` or `down`, for the reorder buttons.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Up,
    Down,
}

#[derive(Debug, Deserialize)]
pub struct MoveForm {
    pub direction: Direction,
}

#[derive(Debug, Default, Deserialize)]
pub struct TitleForm {
    #[serde(default)]
    pub title: String,
}

/// Moves `id` one step in `ids` (an ordered list); false if it cannot move.
pub fn move_in(ids: &mut [i64], id: i64, direction: Direction) -> bool {
    let Some(i) = ids.iter().position(|x| *x == id) else {
        return false;
    };
    let j = match direction {
        Direction::Up if i > 0 => i - 1,
        Direction::Down if i + 1 < ids.len() => i + 1,
        _ => return false,
    };
    ids.swap(i, j);
    true
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

    #[test]
    fn a_question_needs_two_options_and_one_correct() {
        let pairs = |v: &[(&str, &str)]| {
            v.iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect::<Vec<_>>()
        };
        let none_correct = QuestionForm::from_pairs(&pairs(&[
            ("prompt", "Q ?"),
            ("option_1", "A"),
            ("option_2", "B"),
        ]));
        assert_eq!(
            none_correct
                .parse()
                .err()
                .and_then(|e| e.get("options").copied()),
            Some("teach.error.options_correct")
        );
        let ok = QuestionForm::from_pairs(&pairs(&[
            ("prompt", "Q ?"),
            ("option_1", "A"),
            ("correct_1", "1"),
            ("option_3", ""),
            ("option_4", "B"),
            ("correct_4", "1"),
            ("option_9", "ignored"),
        ]))
        .parse()
        .ok()
        .map(|q| q.options);
        assert_eq!(ok, Some(vec![("A".into(), true), ("B".into(), true)]));
    }

    #[test]
    fn moving_swaps_with_the_neighbour_and_stops_at_the_ends() {
        let mut ids = vec![1, 2, 3];
        assert!(move_in(&mut ids, 3, Direction::Up));
        assert_eq!(ids, vec![1, 3, 2]);
        assert!(!move_in(&mut ids, 1, Direction::Up));
        assert!(!move_in(&mut ids, 2, Direction::Down));
    }
}
