//! Sections and lessons: their rows, forms and ordering.

use serde::{Deserialize, Serialize};
use sqlx::FromRow;

use super::{ErrorKeys, char_len, int_in};

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
    fn moving_swaps_with_the_neighbour_and_stops_at_the_ends() {
        let mut ids = vec![1, 2, 3];
        assert!(move_in(&mut ids, 3, Direction::Up));
        assert_eq!(ids, vec![1, 3, 2]);
        assert!(!move_in(&mut ids, 1, Direction::Up));
        assert!(!move_in(&mut ids, 2, Direction::Down));
    }
}
