//! SQL of courses and categories.

use super::access::CourseRef;
use super::model::{
    CatalogueFilter, Category, CourseCard, CourseDetail, Lesson, LessonItem, PriceFilter, QuizItem,
    ResourceRow, SectionRow,
};
use super::search;
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
    let now = db.now();
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

/// What a catalogue search found: one page of cards, its pagination, and whether the words
/// were only found approximately (a letter missing, doubled or wrong).
pub struct SearchResults {
    pub cards: Vec<CourseCard>,
    pub pagination: Pagination,
    pub approximate: bool,
}

/// What [`refresh_search_text`] reads of a course to normalise.
#[derive(sqlx::FromRow)]
struct RefreshSource {
    id: i64,
    title: String,
    summary: String,
    category_id: i64,
    category_name: String,
}

/// Fills `courses.search_text` where it is NULL (new courses, and those the migration 0018
/// triggers reset when their title, summary or category changed). SQL cannot
/// call the normaliser (`search::search_text`), so this runs before every search that is not
/// served from the page cache; in the steady state it is one read of a partial index that
/// finds nothing. The update is a compare-and-set on what was read, so a course edited
/// meanwhile stays NULL for the next search rather than keep stale words.
pub async fn refresh_search_text(db: &Db) -> Result<u64, sqlx::Error> {
    const BATCH: i64 = 500;
    let mut filled = 0;
    let mut after = 0_i64;
    loop {
        let rows: Vec<RefreshSource> = sqlx::query_as(
            "SELECT c.id, c.title, c.summary, c.category_id, cat.name AS category_name \
             FROM courses c JOIN categories cat ON cat.id = c.category_id \
             WHERE c.search_text IS NULL AND c.id > $1 ORDER BY c.id LIMIT $2",
        )
        .bind(after)
        .bind(BATCH)
        .fetch_all(&db.pool)
        .await?;
        let last_batch = (rows.len() as i64) < BATCH;
        after = rows.last().map_or(after, |r| r.id);
        filled += fill_batch(db, rows).await?;
        if last_batch {
            return Ok(filled);
        }
    }
}

/// One batch of [`refresh_search_text`].
async fn fill_batch(db: &Db, rows: Vec<RefreshSource>) -> Result<u64, sqlx::Error> {
    let mut filled = 0;
    for r in rows {
        let text = search::search_text(&r.title, &r.summary, &r.category_name);
        filled += sqlx::query(
            "UPDATE courses SET search_text = $1 WHERE id = $2 AND search_text IS NULL \
             AND title = $3 AND summary = $4 AND category_id = $5 \
             AND (SELECT name FROM categories WHERE id = $5) = $6",
        )
        .bind(&text)
        .bind(r.id)
        .bind(&r.title)
        .bind(&r.summary)
        .bind(r.category_id)
        .bind(&r.category_name)
        .execute(&db.pool)
        .await?
        .rows_affected();
    }
    Ok(filled)
}

/// One page of published courses matching `filter` (a page past the end is the last one), and
/// its pagination over all that match. The words of `q` are matched without accents or case
/// against `search_text` (each word somewhere in the title, summary or category name);
/// when that finds nothing, [`search::fuzzy_matches`] looks again, forgiving a letter or two,
/// over the published courses the other filters allow.
pub async fn search_published(
    db: &Db,
    filter: &CatalogueFilter,
    per_page: i64,
) -> Result<SearchResults, sqlx::Error> {
    let words = search::query_words(&filter.q);
    if !words.is_empty() {
        refresh_search_text(db).await?;
    }
    let mut conditions = vec!["c.published = 1".to_owned()];
    let mut binds: Vec<String> = Vec::new();
    if !filter.category.is_empty() {
        binds.push(filter.category.clone());
        conditions.push(format!("cat.slug = ${}", binds.len()));
    }
    match filter.price {
        Some(PriceFilter::Free) => conditions.push("c.price_minor = 0".into()),
        Some(PriceFilter::Paid) => conditions.push("c.price_minor > 0".into()),
        None => {}
    }
    let filters_only = conditions.clone();
    let filter_binds = binds.clone();
    for word in &words {
        binds.push(db::like_anywhere(word));
        conditions.push(format!("c.search_text LIKE ${} ESCAPE '\\'", binds.len()));
    }
    if !filter.q.is_empty() && words.is_empty() {
        // Only punctuation: nothing can match.
        conditions.push("1 = 0".into());
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
    if total == 0 && !words.is_empty() {
        return fuzzy_search(
            db,
            &words,
            &filters_only,
            &filter_binds,
            filter.page,
            per_page,
        )
        .await;
    }
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
    Ok(SearchResults {
        cards,
        pagination,
        approximate: false,
    })
}

/// The approximate pass of [`search_published`]: the candidates' words are read once and
/// compared in Rust (the catalogue's published courses are a few hundred at most), then the
/// page of matches is loaded by id.
async fn fuzzy_search(
    db: &Db,
    words: &[String],
    conditions: &[String],
    binds: &[String],
    page: i64,
    per_page: i64,
) -> Result<SearchResults, sqlx::Error> {
    let sql = format!(
        "SELECT c.id, c.search_text FROM courses c JOIN categories cat ON cat.id = c.category_id \
         WHERE {} AND c.search_text IS NOT NULL ORDER BY c.created_at DESC, c.id DESC",
        conditions.join(" AND ")
    );
    let mut candidates = sqlx::query_as::<_, (i64, String)>(sqlx::AssertSqlSafe(sql));
    for b in binds {
        candidates = candidates.bind(b);
    }
    let matching: Vec<i64> = candidates
        .fetch_all(&db.pool)
        .await?
        .into_iter()
        .filter(|(_, text)| search::fuzzy_matches(words, text))
        .map(|(id, _)| id)
        .collect();
    let pagination = Pagination::new(page, per_page, matching.len() as i64);
    let ids: Vec<i64> = matching
        .into_iter()
        .skip(usize::try_from(pagination.offset()).unwrap_or(0))
        .take(usize::try_from(pagination.limit()).unwrap_or(0))
        .collect();
    let cards = if ids.is_empty() {
        Vec::new()
    } else {
        let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "{CARD_SELECT} WHERE c.id IN ({}) ORDER BY c.created_at DESC, c.id DESC",
            placeholders.join(", ")
        );
        let mut q = sqlx::query_as::<_, CourseCard>(sqlx::AssertSqlSafe(sql));
        for id in &ids {
            q = q.bind(id);
        }
        q.fetch_all(&db.pool).await?
    };
    Ok(SearchResults {
        approximate: !cards.is_empty(),
        cards,
        pagination,
    })
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

/// The lessons of `course_id` in course order, for the offline pack.
pub async fn pack_lessons(
    db: &Db,
    course_id: i64,
) -> Result<Vec<super::model::PackLesson>, sqlx::Error> {
    sqlx::query_as(
        "SELECT l.id, l.title, LENGTH(l.body) AS body_bytes, l.video_url, l.duration_minutes \
         FROM lessons l JOIN course_sections s ON s.id = l.section_id \
         WHERE l.course_id = $1 ORDER BY s.position, s.id, l.position, l.id",
    )
    .bind(course_id)
    .fetch_all(&db.pool)
    .await
}
