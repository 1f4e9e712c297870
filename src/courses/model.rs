//! Course rows, catalogue filters, lesson videos, and what templates show of them.

use serde::{Deserialize, Serialize};
use sqlx::FromRow;

use super::access::CourseRef;
use crate::progress::queries::Progress;

/// A course as shown on a card (home page, catalogue).
#[derive(Debug, Clone, FromRow, Serialize)]
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

/// Courses per catalogue page.
pub const PAGE_SIZE: i64 = 12;

/// The longest search text kept (longer input is cut, never refused).
const MAX_QUERY_CHARS: usize = 100;

/// The catalogue's query string as sent (every field optional, never rejected).
#[derive(Debug, Default, Deserialize)]
pub struct CatalogueQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub price: String,
    #[serde(default)]
    pub page: String,
}

/// Free or paid courses only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PriceFilter {
    Free,
    Paid,
}

/// The catalogue filters, parsed once: bad values fall back to "no filter" and page 1.
#[derive(Clone, Debug, Default, Serialize)]
pub struct CatalogueFilter {
    pub q: String,
    pub category: String,
    pub price: Option<PriceFilter>,
    pub page: i64,
}

impl CatalogueFilter {
    pub fn parse(raw: &CatalogueQuery) -> Self {
        let q: String = raw.q.trim().chars().take(MAX_QUERY_CHARS).collect();
        let category = raw.category.trim();
        let category = if category.len() <= 80
            && category
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            category.to_owned()
        } else {
            String::new()
        };
        let price = match raw.price.trim() {
            "free" => Some(PriceFilter::Free),
            "paid" => Some(PriceFilter::Paid),
            _ => None,
        };
        let page = raw
            .page
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|p| (1..=100_000).contains(p))
            .unwrap_or(1);
        Self {
            q,
            category,
            price,
            page,
        }
    }

    /// The catalogue URL with these filters, `changes` applied (empty value = removed).
    pub fn url(&self, changes: &[(&str, &str)]) -> String {
        let page = self.page.to_string();
        let price = match self.price {
            Some(PriceFilter::Free) => "free",
            Some(PriceFilter::Paid) => "paid",
            None => "",
        };
        let mut pairs: Vec<(&str, &str)> = vec![
            ("q", &self.q),
            ("category", &self.category),
            ("price", price),
            ("page", if self.page > 1 { &page } else { "" }),
        ];
        for (key, value) in changes {
            if let Some(pair) = pairs.iter_mut().find(|(k, _)| k == key) {
                pair.1 = value;
            }
        }
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs.into_iter().filter(|(_, v)| !v.is_empty()) {
            query.append_pair(k, v);
        }
        let query = query.finish();
        if query.is_empty() {
            "/courses".into()
        } else {
            format!("/courses?{query}")
        }
    }
}

/// A category chip of the catalogue.
#[derive(Debug, FromRow, Serialize)]
pub struct Category {
    pub slug: String,
    pub name: String,
}

/// A catalogue card with the learner's progress when enrolled.
#[derive(Debug, Serialize)]
pub struct CardView {
    #[serde(flatten)]
    pub course: CourseCard,
    pub progress: Option<Progress>,
    /// The price in the other currency (`courses::pricing`).
    pub approx: Option<super::pricing::Approx>,
}

/// What the course page shows beyond [`crate::courses::access::CourseRef`].
#[derive(Debug, FromRow, Serialize)]
pub struct CourseDetail {
    pub id: i64,
    pub title: String,
    pub slug: String,
    pub summary: String,
    pub description: String,
    pub level: String,
    pub duration_minutes: i64,
    pub price_minor: i64,
    pub currency: String,
    pub published: i64,
    pub cover_path: Option<String>,
    pub category_name: String,
    pub category_slug: String,
    pub trainer_name: String,
}

#[derive(Debug, FromRow, Serialize)]
pub struct SectionRow {
    pub id: i64,
    pub title: String,
}

/// A lesson in the curriculum (no body), in course order.
#[derive(Clone, Debug, FromRow, Serialize)]
pub struct LessonItem {
    pub id: i64,
    pub section_id: i64,
    pub title: String,
    pub duration_minutes: i64,
    pub free_preview: i64,
}

/// A section with its lessons, for the course page.
#[derive(Debug, Serialize)]
pub struct SectionView {
    pub id: i64,
    pub title: String,
    pub lessons: Vec<LessonItem>,
}

/// A lesson in the outline beside a lesson page.
#[derive(Debug, Serialize)]
pub struct OutlineLesson {
    pub id: i64,
    pub title: String,
    pub done: bool,
    pub current: bool,
    /// The reader may open it (enrolled or staff, or a free preview).
    pub open: bool,
}

/// A section of that outline.
#[derive(Debug, Serialize)]
pub struct OutlineSection {
    pub title: String,
    pub lessons: Vec<OutlineLesson>,
}

/// A whole lesson.
#[derive(Debug, FromRow)]
pub struct Lesson {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub video_url: Option<String>,
    pub duration_minutes: i64,
    pub free_preview: i64,
    pub section_title: String,
}

#[derive(Debug, FromRow, Serialize)]
pub struct ResourceRow {
    pub id: i64,
    pub title: String,
    pub original_name: String,
    pub stored_name: String,
    pub content_type: String,
    pub size_bytes: i64,
}

/// A lesson as the offline pack lists it: its text's length stands for its page's weight.
#[derive(Debug, FromRow, Serialize)]
pub struct PackLesson {
    pub id: i64,
    pub title: String,
    pub body_bytes: i64,
    pub video_url: Option<String>,
    pub duration_minutes: i64,
}

#[derive(Debug, FromRow, Serialize)]
pub struct QuizItem {
    pub id: i64,
    pub title: String,
}

/// An external lesson video; YouTube and Vimeo may be embedded (after a tap), others are links.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Video {
    YouTube(String),
    Vimeo(String),
    Other,
}

impl Video {
    /// Recognises YouTube (`youtube.com/watch?v=`, `youtu.be/`, `/embed/`) and Vimeo links with
    /// strictly valid ids; anything else is `Other`.
    pub fn parse(raw: &str) -> Self {
        let Ok(url) = url::Url::parse(raw.trim()) else {
            return Self::Other;
        };
        if !matches!(url.scheme(), "http" | "https") {
            return Self::Other;
        }
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        let host = host.strip_prefix("www.").unwrap_or(&host);
        let segments: Vec<&str> = url
            .path_segments()
            .map(|s| s.filter(|p| !p.is_empty()).collect())
            .unwrap_or_default();
        let youtube_id = match (host, segments.as_slice()) {
            ("youtube.com" | "m.youtube.com", ["watch"]) => url
                .query_pairs()
                .find(|(k, _)| k == "v")
                .map(|(_, v)| v.into_owned()),
            ("youtube.com" | "m.youtube.com" | "youtube-nocookie.com", ["embed", id]) => {
                Some((*id).to_owned())
            }
            ("youtu.be", [id]) => Some((*id).to_owned()),
            _ => None,
        };
        if let Some(id) = youtube_id {
            return if id.len() == 11
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                Self::YouTube(id)
            } else {
                Self::Other
            };
        }
        let vimeo_id = match (host, segments.as_slice()) {
            ("vimeo.com", [id]) => Some(*id),
            ("player.vimeo.com", ["video", id]) => Some(*id),
            _ => None,
        };
        match vimeo_id {
            Some(id)
                if !id.is_empty() && id.len() <= 20 && id.chars().all(|c| c.is_ascii_digit()) =>
            {
                Self::Vimeo(id.to_owned())
            }
            _ => Self::Other,
        }
    }

    /// The player URL allowed by the CSP's `frame-src`, for embeddable videos.
    pub fn embed_url(&self) -> Option<String> {
        match self {
            Self::YouTube(id) => Some(format!("https://www.youtube-nocookie.com/embed/{id}")),
            Self::Vimeo(id) => Some(format!("https://player.vimeo.com/video/{id}")),
            Self::Other => None,
        }
    }
}

/// What templates show of a [`CourseRef`] (slug, title, price).
pub fn course_view(c: &CourseRef) -> minijinja::Value {
    minijinja::context! {
        slug => &c.slug,
        title => &c.title,
        price_minor => c.price_minor,
        currency => &c.currency,
    }
}

/// The previous and next lessons around `current` in course order.
pub fn neighbours(
    order: &[LessonItem],
    current: i64,
) -> (Option<&LessonItem>, Option<&LessonItem>) {
    let Some(i) = order.iter().position(|l| l.id == current) else {
        return (None, None);
    };
    let prev = i.checked_sub(1).and_then(|p| order.get(p));
    (prev, order.get(i + 1))
}

/// `filename="…"; filename*=UTF-8''…` for a Content-Disposition header (RFC 6266 / 5987).
pub fn content_disposition(original: &str) -> String {
    let fallback: String = original
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let fallback = if fallback.trim().is_empty() {
        "fichier".to_owned()
    } else {
        fallback
    };
    let mut encoded = String::new();
    for b in original.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn youtube_and_vimeo_links_are_recognised_with_strict_ids() {
        assert_eq!(
            Video::parse("https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=3"),
            Video::YouTube("dQw4w9WgXcQ".into())
        );
        assert_eq!(
            Video::parse("https://youtu.be/dQw4w9WgXcQ"),
            Video::YouTube("dQw4w9WgXcQ".into())
        );
        assert_eq!(
            Video::parse("https://vimeo.com/76979871"),
            Video::Vimeo("76979871".into())
        );
        assert_eq!(Video::parse("https://youtu.be/short"), Video::Other);
        assert_eq!(
            Video::parse("https://www.youtube.com/watch?v=dQw4w9WgXc\""),
            Video::Other
        );
        assert_eq!(Video::parse("https://vimeo.com/12ab"), Video::Other);
        assert_eq!(Video::parse("javascript:alert(1)"), Video::Other);
        assert_eq!(Video::parse("https://example.cd/v.mp4"), Video::Other);
    }

    #[test]
    fn catalogue_filters_fall_back_instead_of_failing() {
        let f = CatalogueFilter::parse(&CatalogueQuery {
            q: "  50%_off\\ ".into(),
            category: "<script>".into(),
            price: "cheap".into(),
            page: "abc".into(),
        });
        assert_eq!(f.page, 1);
        assert_eq!(f.category, "");
        assert_eq!(f.price, None);
        assert_eq!(f.url(&[("page", "2")]), "/courses?q=50%25_off%5C&page=2");
    }

    #[test]
    fn content_disposition_keeps_the_original_name_in_utf8() {
        assert_eq!(
            content_disposition("Résumé \"final\".pdf"),
            "attachment; filename=\"R_sum_ _final_.pdf\"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%22final%22.pdf"
        );
    }
}
