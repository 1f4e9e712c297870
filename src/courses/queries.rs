//! SQL of courses and categories.

use super::access::CourseRef;
use super::model::{
    CatalogueFilter, Category, CourseCard, CourseDetail, Lesson, LessonItem, PriceFilter, QuizItem,
    ResourceRow, SectionRow,
};
use super::search;
use crate::db::{self, Db};
use crate::web::pagination::Pagination;

/// The columns of a [`CourseCard`], from the course `c`, its category `cat` and trainer `u`.
const CARD_COLUMNS: &str = "c.id, c.title, c.slug, c.summary, c.level, c.duration_minutes, \
     c.price_minor, c.currency, cat.name AS category_name, cat.slug AS category_slug, \
     u.name AS trainer_name";

/// What a card's columns need joined to the course `c`.
const CARD_JOINS: &str =
    "JOIN categories cat ON cat.id = c.category_id JOIN users u ON u.id = c.trainer_id";

/// The newest published courses.
pub async fn latest_published(db: &Db, limit: i64) -> Result<Vec<CourseCard>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {CARD_COLUMNS} FROM courses c {CARD_JOINS} WHERE c.published = 1 ORDER BY c.featured DESC, c.created_at DESC, c.id DESC LIMIT $1"
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
/// its pagination over all that match. The words of `q` are looked up without accents or case
/// in the full-text index of `search_text` (each word, or its beginning, somewhere in the title,
/// summary or category name), best matches first (bm25 / `ts_rank`), then newest; when that
/// finds nothing, [`approximate_search`] looks again through the index's vocabulary.
pub async fn search_published(
    db: &Db,
    filter: &CatalogueFilter,
    per_page: i64,
) -> Result<SearchResults, sqlx::Error> {
    let words = search::query_words(&filter.q);
    if words.is_empty() {
        // No query, or only punctuation (which can match nothing).
        let matches = if filter.q.is_empty() {
            CourseMatch::All
        } else {
            CourseMatch::Nothing
        };
        return catalogue_page(db, filter, &matches, per_page).await;
    }
    refresh_search_text(db).await?;
    let prefixes = CourseMatch::Index(search::prefix_query(db.engine, &words));
    let results = catalogue_page(db, filter, &prefixes, per_page).await?;
    if results.pagination.total() > 0 {
        return Ok(results);
    }
    approximate_search(db, filter, &words, per_page).await
}

/// Which courses a catalogue page lists, before its filters.
enum CourseMatch {
    All,
    Nothing,
    /// Those the full-text index finds for this query (FTS5 or `tsquery` syntax).
    Index(String),
}

/// The pass of [`search_published`] that forgives: each query word becomes the words of the
/// index's vocabulary it stands for ([`search::alternatives`]), and the index is asked for
/// courses holding one of them for every word. Words found inside longer ones are tried alone
/// first (as the exact pass would have found them with LIKE: not "approximate"), then with
/// those a letter or two away.
async fn approximate_search(
    db: &Db,
    filter: &CatalogueFilter,
    words: &[String],
    per_page: i64,
) -> Result<SearchResults, sqlx::Error> {
    let vocabulary = search_vocabulary(db).await?;
    let alternatives = search::alternatives(words, &vocabulary);
    let exact: Vec<Vec<&str>> = alternatives
        .iter()
        .map(|a| a.exact.iter().map(String::as_str).collect())
        .collect();
    if let Some(query) = search::any_of_query(db.engine, &exact) {
        let results = catalogue_page(db, filter, &CourseMatch::Index(query), per_page).await?;
        if results.pagination.total() > 0 {
            return Ok(results);
        }
    }
    let close: Vec<Vec<&str>> = alternatives
        .iter()
        .map(|a| a.exact.iter().chain(&a.close).map(String::as_str).collect())
        .collect();
    let matches = match search::any_of_query(db.engine, &close) {
        Some(query) if close != exact => CourseMatch::Index(query),
        _ => CourseMatch::Nothing,
    };
    let mut results = catalogue_page(db, filter, &matches, per_page).await?;
    results.approximate = results.pagination.total() > 0;
    Ok(results)
}

/// The distinct words of the search index: FTS5's own vocabulary on SQLite, the words table
/// its trigger fills on PostgreSQL (migration 0026).
async fn search_vocabulary(db: &Db) -> Result<Vec<String>, sqlx::Error> {
    let sql = match db.engine {
        db::Engine::Sqlite => "SELECT term FROM courses_fts_vocab",
        db::Engine::Postgres => "SELECT word FROM course_search_words",
    };
    sqlx::query_scalar(sql).fetch_all(&db.pool).await
}

/// The page of published courses that `matches` and the catalogue's filters select, with the
/// count of all of them. Index matches come best first (FTS5 `bm25`, lower is better;
/// PostgreSQL `ts_rank`, higher is better), ties and plain lists newest first.
async fn catalogue_page(
    db: &Db,
    filter: &CatalogueFilter,
    matches: &CourseMatch,
    per_page: i64,
) -> Result<SearchResults, sqlx::Error> {
    let mut conditions = vec!["c.published = 1".to_owned()];
    let mut binds: Vec<String> = Vec::new();
    let mut from = "courses c".to_owned();
    let mut order = String::new();
    match matches {
        CourseMatch::All => {}
        CourseMatch::Nothing => conditions.push("1 = 0".into()),
        CourseMatch::Index(query) => {
            binds.push(query.clone());
            let n = binds.len();
            match db.engine {
                db::Engine::Sqlite => {
                    from = "courses_fts JOIN courses c ON c.id = courses_fts.rowid".into();
                    conditions.push(format!("courses_fts MATCH ${n}"));
                    order = "bm25(courses_fts), ".into();
                }
                db::Engine::Postgres => {
                    conditions.push(format!("c.search_vector @@ to_tsquery('simple', ${n})"));
                    order = format!("ts_rank(c.search_vector, to_tsquery('simple', ${n})) DESC, ");
                }
            }
        }
    }
    if !filter.category.is_empty() {
        binds.push(filter.category.clone());
        conditions.push(format!("cat.slug = ${}", binds.len()));
    }
    match filter.price {
        Some(PriceFilter::Free) => conditions.push("c.price_minor = 0".into()),
        Some(PriceFilter::Paid) => conditions.push("c.price_minor > 0".into()),
        None => {}
    }
    let where_clause = conditions.join(" AND ");
    let count_sql = format!(
        "SELECT COUNT(*) FROM {from} JOIN categories cat ON cat.id = c.category_id \
         WHERE {where_clause}"
    );
    let mut count = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(count_sql));
    for b in &binds {
        count = count.bind(b);
    }
    let total = count.fetch_one(&db.pool).await?;
    let pagination = Pagination::new(filter.page, per_page, total);
    if total == 0 {
        return Ok(SearchResults {
            cards: Vec::new(),
            pagination,
            approximate: false,
        });
    }
    let n = binds.len();
    let page_sql = format!(
        "SELECT {CARD_COLUMNS} FROM {from} {CARD_JOINS} WHERE {where_clause} \
         ORDER BY {order}c.created_at DESC, c.id DESC LIMIT ${} OFFSET ${}",
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
