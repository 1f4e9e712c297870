//! SQL of the forum: categories, topics, replies, likes, follows, reports and the moderation
//! log (`moderation_actions`, shared with chat and admin).

use sqlx::FromRow;

use super::model::{
    CategoryRow, CategorySummary, CourseForum, PAGE_SIZE, ReplyRow, Target, TopicRow,
};
use crate::db::{self, Db};
use crate::web::pagination::Pagination;

const TOPIC_SELECT: &str = "SELECT t.id, t.category_id, t.course_id, t.author_id, \
     u.name AS author_name, t.title, t.body, t.pinned, t.locked, t.hidden, t.last_activity_at, \
     t.edited_at, t.created_at, \
     (SELECT COUNT(*) FROM forum_replies r WHERE r.topic_id = t.id AND r.hidden = 0) AS reply_count, \
     (SELECT COUNT(*) FROM forum_likes l WHERE l.target_type = 'topic' AND l.target_id = t.id) AS like_count \
     FROM forum_topics t JOIN users u ON u.id = t.author_id";

const REPLY_SELECT: &str = "SELECT r.id, r.topic_id, r.author_id, u.name AS author_name, r.body, \
     r.hidden, r.edited_at, r.created_at, \
     (SELECT COUNT(*) FROM forum_likes l WHERE l.target_type = 'reply' AND l.target_id = r.id) AS like_count \
     FROM forum_replies r JOIN users u ON u.id = r.author_id";

/// Where a topic lives.
#[derive(Clone, Copy, Debug)]
pub enum Place {
    Category(i64),
    Course(i64),
}

impl Place {
    fn column(self) -> (&'static str, i64) {
        match self {
            Place::Category(id) => ("t.category_id", id),
            Place::Course(id) => ("t.course_id", id),
        }
    }
}

// ---- categories -------------------------------------------------------------------------

/// Public categories with their visible topic count and last activity.
pub async fn category_summaries(db: &Db) -> Result<Vec<CategorySummary>, sqlx::Error> {
    sqlx::query_as(
        "SELECT c.id, c.slug, c.name, c.description, \
         (SELECT COUNT(*) FROM forum_topics t WHERE t.category_id = c.id AND t.hidden = 0) AS topic_count, \
         (SELECT MAX(t.last_activity_at) FROM forum_topics t WHERE t.category_id = c.id AND t.hidden = 0) AS last_activity_at \
         FROM forum_categories c ORDER BY c.position, c.id",
    )
    .fetch_all(&db.pool)
    .await
}

pub async fn categories(db: &Db) -> Result<Vec<CategoryRow>, sqlx::Error> {
    sqlx::query_as("SELECT id, slug, name, description FROM forum_categories ORDER BY position, id")
        .fetch_all(&db.pool)
        .await
}

pub async fn category_by_slug(db: &Db, slug: &str) -> Result<Option<CategoryRow>, sqlx::Error> {
    sqlx::query_as("SELECT id, slug, name, description FROM forum_categories WHERE slug = $1")
        .bind(slug)
        .fetch_optional(&db.pool)
        .await
}

pub async fn category_by_id(db: &Db, id: i64) -> Result<Option<CategoryRow>, sqlx::Error> {
    sqlx::query_as("SELECT id, slug, name, description FROM forum_categories WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await
}

/// Creates a public category; `None` when the slug is taken.
pub async fn create_category(
    db: &Db,
    slug: &str,
    name: &str,
    description: &str,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO forum_categories (slug, name, description, position, created_at) \
         VALUES ($1, $2, $3, (SELECT COALESCE(MAX(position), 0) + 1 FROM forum_categories), $4) \
         ON CONFLICT (slug) DO NOTHING RETURNING id",
    )
    .bind(slug)
    .bind(name)
    .bind(description)
    .bind(db.now())
    .fetch_optional(&db.pool)
    .await
}

/// Course forums listed for a user: the courses they follow or teach, or (staff) every
/// course whose forum has topics.
pub async fn course_forums(
    db: &Db,
    user_id: i64,
    staff: bool,
    teaching: bool,
) -> Result<Vec<CourseForum>, sqlx::Error> {
    sqlx::query_as(
        "SELECT c.slug, c.title, \
         (SELECT COUNT(*) FROM forum_topics t WHERE t.course_id = c.id AND t.hidden = 0) AS topic_count \
         FROM courses c WHERE (c.trainer_id = $1 AND $3 = 1) \
         OR EXISTS (SELECT 1 FROM enrolments e WHERE e.course_id = c.id AND e.user_id = $1) \
         OR ($2 = 1 AND EXISTS (SELECT 1 FROM forum_topics t WHERE t.course_id = c.id)) \
         ORDER BY c.title",
    )
    .bind(user_id)
    .bind(i32::from(staff))
    .bind(i32::from(teaching))
    .fetch_all(&db.pool)
    .await
}

/// A topic as the dashboard lists it: where it is and how lively.
#[derive(Clone, Debug, FromRow, serde::Serialize)]
pub struct RecentTopic {
    pub id: i64,
    pub title: String,
    /// The public category's name, or the course's title for a course forum.
    pub place: String,
    pub in_course: i64,
    pub reply_count: i64,
    pub last_activity_at: String,
}

/// The latest topics (by activity) of the forums a user reads: the public categories, and the
/// forums of the courses they are enrolled in or teach (`teaching`). Hidden topics are left out.
pub async fn latest_topics_for(
    db: &Db,
    user_id: i64,
    teaching: bool,
    limit: i64,
) -> Result<Vec<RecentTopic>, sqlx::Error> {
    sqlx::query_as(
        "SELECT t.id, t.title, COALESCE(fc.name, c.title) AS place, \
         CASE WHEN t.course_id IS NULL THEN 0 ELSE 1 END AS in_course, \
         (SELECT COUNT(*) FROM forum_replies r WHERE r.topic_id = t.id AND r.hidden = 0) AS reply_count, \
         t.last_activity_at \
         FROM forum_topics t \
         LEFT JOIN forum_categories fc ON fc.id = t.category_id \
         LEFT JOIN courses c ON c.id = t.course_id \
         WHERE t.hidden = 0 AND (t.category_id IS NOT NULL \
           OR EXISTS (SELECT 1 FROM enrolments e WHERE e.course_id = t.course_id AND e.user_id = $1) \
           OR (c.trainer_id = $1 AND $2 = 1)) \
         ORDER BY t.last_activity_at DESC, t.id DESC LIMIT $3",
    )
    .bind(user_id)
    .bind(i32::from(teaching))
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}

/// The slug of a course (to apply the course access rules to its forum).
pub async fn course_slug(db: &Db, course_id: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT slug FROM courses WHERE id = $1")
        .bind(course_id)
        .fetch_optional(&db.pool)
        .await
}

// ---- topics -----------------------------------------------------------------------------

/// One page of a forum's topics (pinned first, then by last activity; a page past the end is
/// the last one), and its pagination.
pub async fn list_topics(
    db: &Db,
    place: Place,
    pattern: Option<&str>,
    include_hidden: bool,
    requested_page: i64,
) -> Result<(Vec<TopicRow>, Pagination), sqlx::Error> {
    let (column, place_id) = place.column();
    let mut conditions = format!("{column} = $1");
    if !include_hidden {
        conditions.push_str(" AND t.hidden = 0");
    }
    if pattern.is_some() {
        conditions.push_str(
            " AND (LOWER(t.title) LIKE $2 ESCAPE '\\' OR LOWER(t.body) LIKE $2 ESCAPE '\\' \
             OR EXISTS (SELECT 1 FROM forum_replies r WHERE r.topic_id = t.id AND r.hidden = 0 \
             AND LOWER(r.body) LIKE $2 ESCAPE '\\'))",
        );
    }
    let count_sql = format!("SELECT COUNT(*) FROM forum_topics t WHERE {conditions}");
    let mut count = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(count_sql)).bind(place_id);
    if let Some(p) = pattern {
        count = count.bind(p);
    }
    let total = count.fetch_one(&db.pool).await?;
    let pagination = Pagination::new(requested_page, PAGE_SIZE, total);
    let n = if pattern.is_some() { 3 } else { 2 };
    let sql = format!(
        "{TOPIC_SELECT} WHERE {conditions} ORDER BY t.pinned DESC, t.last_activity_at DESC, t.id DESC \
         LIMIT ${n} OFFSET ${}",
        n + 1
    );
    let mut q = sqlx::query_as::<_, TopicRow>(sqlx::AssertSqlSafe(sql)).bind(place_id);
    if let Some(p) = pattern {
        q = q.bind(p);
    }
    let rows = q
        .bind(pagination.limit())
        .bind(pagination.offset())
        .fetch_all(&db.pool)
        .await?;
    Ok((rows, pagination))
}

pub async fn topic(db: &Db, id: i64) -> Result<Option<TopicRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{TOPIC_SELECT} WHERE t.id = $1"
    )))
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

/// Creates a topic; its author follows it.
pub async fn create_topic(
    db: &Db,
    place: Place,
    author_id: i64,
    title: &str,
    body: &str,
) -> Result<i64, sqlx::Error> {
    let (category_id, course_id) = match place {
        Place::Category(id) => (Some(id), None),
        Place::Course(id) => (None, Some(id)),
    };
    let now = db.now();
    let mut tx = db.pool.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO forum_topics (category_id, course_id, author_id, title, body, \
         last_activity_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
    )
    .bind(category_id)
    .bind(course_id)
    .bind(author_id)
    .bind(title)
    .bind(body)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("INSERT INTO forum_follows (topic_id, user_id, created_at) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(author_id)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update_topic(db: &Db, id: i64, title: &str, body: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE forum_topics SET title = $1, body = $2, edited_at = $3 WHERE id = $4")
        .bind(title)
        .bind(body)
        .bind(db.now())
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Sets the `pinned`, `locked` or `hidden` flag of a topic.
pub async fn set_topic_flag(
    db: &Db,
    id: i64,
    flag: TopicFlag,
    on: bool,
) -> Result<(), sqlx::Error> {
    let column = match flag {
        TopicFlag::Pinned => "pinned",
        TopicFlag::Locked => "locked",
        TopicFlag::Hidden => "hidden",
    };
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE forum_topics SET {column} = $1 WHERE id = $2"
    )))
    .bind(i32::from(on))
    .bind(id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

#[derive(Clone, Copy, Debug)]
pub enum TopicFlag {
    Pinned,
    Locked,
    Hidden,
}

pub async fn move_topic(db: &Db, id: i64, category_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE forum_topics SET category_id = $1, course_id = NULL WHERE id = $2")
        .bind(category_id)
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn delete_topic(db: &Db, id: i64) -> Result<(), sqlx::Error> {
    let mut tx = db.pool.begin().await?;
    sqlx::query(
        "DELETE FROM forum_likes WHERE target_type = 'reply' \
         AND target_id IN (SELECT id FROM forum_replies WHERE topic_id = $1)",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM forum_likes WHERE target_type = 'topic' AND target_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM forum_topics WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

// ---- replies ----------------------------------------------------------------------------

/// Stores a reply, bumps the topic's activity and makes the author a follower.
pub async fn create_reply(
    db: &Db,
    topic_id: i64,
    author_id: i64,
    body: &str,
) -> Result<i64, sqlx::Error> {
    let now = db.now();
    let mut tx = db.pool.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO forum_replies (topic_id, author_id, body, created_at) \
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(topic_id)
    .bind(author_id)
    .bind(body)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("UPDATE forum_topics SET last_activity_at = $1 WHERE id = $2")
        .bind(&now)
        .bind(topic_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO forum_follows (topic_id, user_id, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (topic_id, user_id) DO NOTHING",
    )
    .bind(topic_id)
    .bind(author_id)
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Replies of a topic with an id above `after_id`, oldest first.
pub async fn replies(
    db: &Db,
    topic_id: i64,
    after_id: i64,
    include_hidden: bool,
) -> Result<Vec<ReplyRow>, sqlx::Error> {
    let hidden = if include_hidden {
        ""
    } else {
        " AND r.hidden = 0"
    };
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{REPLY_SELECT} WHERE r.topic_id = $1 AND r.id > $2{hidden} ORDER BY r.id LIMIT $3"
    )))
    .bind(topic_id)
    .bind(after_id)
    .bind(super::model::MAX_REPLIES)
    .fetch_all(&db.pool)
    .await
}

pub async fn reply(db: &Db, id: i64) -> Result<Option<ReplyRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{REPLY_SELECT} WHERE r.id = $1"
    )))
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

/// The id of the newest reply of a topic (0 when none).
pub async fn last_reply_id(db: &Db, topic_id: i64) -> Result<i64, sqlx::Error> {
    let id: Option<i64> =
        sqlx::query_scalar("SELECT MAX(id) FROM forum_replies WHERE topic_id = $1")
            .bind(topic_id)
            .fetch_one(&db.pool)
            .await?;
    Ok(id.unwrap_or(0))
}

pub async fn update_reply(db: &Db, id: i64, body: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE forum_replies SET body = $1, edited_at = $2 WHERE id = $3")
        .bind(body)
        .bind(db.now())
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn set_reply_hidden(db: &Db, id: i64, hidden: bool) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE forum_replies SET hidden = $1 WHERE id = $2")
        .bind(i32::from(hidden))
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn delete_reply(db: &Db, id: i64) -> Result<(), sqlx::Error> {
    let mut tx = db.pool.begin().await?;
    sqlx::query("DELETE FROM forum_likes WHERE target_type = 'reply' AND target_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM forum_reports WHERE target_type = 'reply' AND target_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM forum_replies WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

// ---- anti-abuse -------------------------------------------------------------------------

/// Topics and replies written by `user_id` since `since`.
pub async fn posts_since(db: &Db, user_id: i64, since: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM forum_topics WHERE author_id = $1 AND created_at > $2) \
         + (SELECT COUNT(*) FROM forum_replies WHERE author_id = $1 AND created_at > $2)",
    )
    .bind(user_id)
    .bind(since)
    .fetch_one(&db.pool)
    .await
}

/// Whether the account's e-mail address is verified.
pub async fn email_verified(db: &Db, user_id: i64) -> Result<bool, sqlx::Error> {
    let v: Option<i64> = sqlx::query_scalar("SELECT email_verified FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(v.is_some_and(db::flag))
}

// ---- likes ------------------------------------------------------------------------------

/// Likes or unlikes; returns whether the user now likes the post.
pub async fn toggle_like(
    db: &Db,
    user_id: i64,
    target: Target,
    target_id: i64,
) -> Result<bool, sqlx::Error> {
    let removed = sqlx::query(
        "DELETE FROM forum_likes WHERE user_id = $1 AND target_type = $2 AND target_id = $3",
    )
    .bind(user_id)
    .bind(target.code())
    .bind(target_id)
    .execute(&db.pool)
    .await?
    .rows_affected();
    if removed > 0 {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO forum_likes (user_id, target_type, target_id, created_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (target_type, target_id, user_id) DO NOTHING",
    )
    .bind(user_id)
    .bind(target.code())
    .bind(target_id)
    .bind(db.now())
    .execute(&db.pool)
    .await?;
    Ok(true)
}

pub async fn like_count(db: &Db, target: Target, target_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM forum_likes WHERE target_type = $1 AND target_id = $2")
        .bind(target.code())
        .bind(target_id)
        .fetch_one(&db.pool)
        .await
}

#[derive(FromRow)]
struct LikeRow {
    target_type: String,
    target_id: i64,
}

/// The posts of a topic (opening post and replies) that `user_id` likes, as (type, id).
pub async fn liked_in_topic(
    db: &Db,
    user_id: i64,
    topic_id: i64,
) -> Result<Vec<(Target, i64)>, sqlx::Error> {
    let rows: Vec<LikeRow> = sqlx::query_as(
        "SELECT target_type, target_id FROM forum_likes WHERE user_id = $1 AND \
         ((target_type = 'topic' AND target_id = $2) OR (target_type = 'reply' AND target_id IN \
         (SELECT id FROM forum_replies WHERE topic_id = $2)))",
    )
    .bind(user_id)
    .bind(topic_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| Target::parse(&r.target_type).ok().map(|t| (t, r.target_id)))
        .collect())
}

// ---- follows ----------------------------------------------------------------------------

pub async fn set_follow(
    db: &Db,
    topic_id: i64,
    user_id: i64,
    follow: bool,
) -> Result<(), sqlx::Error> {
    if follow {
        sqlx::query(
            "INSERT INTO forum_follows (topic_id, user_id, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (topic_id, user_id) DO NOTHING",
        )
        .bind(topic_id)
        .bind(user_id)
        .bind(db.now())
        .execute(&db.pool)
        .await?;
    } else {
        sqlx::query("DELETE FROM forum_follows WHERE topic_id = $1 AND user_id = $2")
            .bind(topic_id)
            .bind(user_id)
            .execute(&db.pool)
            .await?;
    }
    Ok(())
}

pub async fn is_following(db: &Db, topic_id: i64, user_id: i64) -> Result<bool, sqlx::Error> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT user_id FROM forum_follows WHERE topic_id = $1 AND user_id = $2",
    )
    .bind(topic_id)
    .bind(user_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(found.is_some())
}

pub async fn followers(db: &Db, topic_id: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT user_id FROM forum_follows WHERE topic_id = $1 ORDER BY user_id")
        .bind(topic_id)
        .fetch_all(&db.pool)
        .await
}

/// Active users whose name is one of `names` (case-insensitive for ASCII letters).
pub async fn users_named(db: &Db, names: &[String]) -> Result<Vec<(i64, String)>, sqlx::Error> {
    let mut found = Vec::new();
    for name in names {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, name FROM users WHERE active = 1 AND LOWER(name) = LOWER($1)",
        )
        .bind(name)
        .fetch_all(&db.pool)
        .await?;
        found.extend(rows);
    }
    found.sort();
    found.dedup();
    Ok(found)
}

// ---- reports ----------------------------------------------------------------------------

/// What became of a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reported {
    /// A new report (or the reporter's closed one, opened again: the post was restored and
    /// reported anew).
    Open,
    /// This reporter's report about this post is still waiting in the queue.
    AlreadyOpen,
}

/// Stores a report, once per reporter and post (a closed one is opened again).
pub async fn create_report(
    db: &Db,
    target: Target,
    target_id: i64,
    topic_id: i64,
    reporter_id: i64,
    reason: &str,
) -> Result<Reported, sqlx::Error> {
    // One row per reporter and post: a closed one is opened again with the new reason.
    let reopened: Option<i64> = sqlx::query_scalar(
        "UPDATE forum_reports SET resolved_at = NULL, resolved_by = NULL, reason = $1, \
         created_at = $2 \
         WHERE target_type = $3 AND target_id = $4 AND reporter_id = $5 \
         AND resolved_at IS NOT NULL RETURNING id",
    )
    .bind(reason)
    .bind(db.now())
    .bind(target.code())
    .bind(target_id)
    .bind(reporter_id)
    .fetch_optional(&db.pool)
    .await?;
    if reopened.is_some() {
        return Ok(Reported::Open);
    }
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO forum_reports (target_type, target_id, topic_id, reporter_id, reason, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (target_type, target_id, reporter_id) DO NOTHING RETURNING id",
    )
    .bind(target.code())
    .bind(target_id)
    .bind(topic_id)
    .bind(reporter_id)
    .bind(reason)
    .bind(db.now())
    .fetch_optional(&db.pool)
    .await?;
    Ok(if id.is_some() {
        Reported::Open
    } else {
        Reported::AlreadyOpen
    })
}

/// Open forum reports (the moderators' badge).
pub async fn open_report_count(db: &Db) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM forum_reports WHERE resolved_at IS NULL")
        .fetch_one(&db.pool)
        .await
}

/// Active moderators and admins (who hear of new reports).
pub async fn moderator_ids(db: &Db) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM users WHERE active = 1 \
         AND (' ' || roles || ' ' LIKE '% moderator %' OR ' ' || roles || ' ' LIKE '% admin %') \
         ORDER BY id",
    )
    .fetch_all(&db.pool)
    .await
}

/// An open report with what it is about, for the moderation queue.
#[derive(Clone, Debug, FromRow, serde::Serialize)]
pub struct ReportRow {
    pub id: i64,
    pub target_type: String,
    pub target_id: i64,
    pub topic_id: i64,
    pub topic_title: String,
    pub reporter_name: String,
    pub reason: String,
    pub created_at: String,
    pub body: String,
    pub hidden: i64,
    pub locked: i64,
    pub pinned: i64,
    pub author_id: i64,
    pub author_name: String,
}

pub async fn open_reports(db: &Db) -> Result<Vec<ReportRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT r.id, r.target_type, r.target_id, r.topic_id, t.title AS topic_title, \
         ru.name AS reporter_name, r.reason, r.created_at, \
         COALESCE(rp.body, t.body) AS body, COALESCE(rp.hidden, t.hidden) AS hidden, \
         t.locked, t.pinned, \
         COALESCE(rp.author_id, t.author_id) AS author_id, au.name AS author_name \
         FROM forum_reports r \
         JOIN forum_topics t ON t.id = r.topic_id \
         JOIN users ru ON ru.id = r.reporter_id \
         LEFT JOIN forum_replies rp ON r.target_type = 'reply' AND rp.id = r.target_id \
         JOIN users au ON au.id = COALESCE(rp.author_id, t.author_id) \
         WHERE r.resolved_at IS NULL ORDER BY r.id LIMIT 100",
    )
    .fetch_all(&db.pool)
    .await
}

/// Closes the open reports about a post.
pub async fn resolve_reports(
    db: &Db,
    target: Target,
    target_id: i64,
    by: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE forum_reports SET resolved_at = $1, resolved_by = $2 \
         WHERE target_type = $3 AND target_id = $4 AND resolved_at IS NULL",
    )
    .bind(db.now())
    .bind(by)
    .bind(target.code())
    .bind(target_id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Closes one report (dismissed); returns what it was about.
pub async fn dismiss_report(
    db: &Db,
    id: i64,
    by: i64,
) -> Result<Option<(String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE forum_reports SET resolved_at = $1, resolved_by = $2 \
         WHERE id = $3 AND resolved_at IS NULL RETURNING target_type, target_id",
    )
    .bind(db.now())
    .bind(by)
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

// ---- moderation log ---------------------------------------------------------------------

/// One moderation action to record (forum, chat or admin).
pub struct ModerationAction<'a> {
    pub actor_id: i64,
    /// e.g. "hide", "restore", "lock", "unlock", "pin", "unpin", "move", "delete", "warn",
    /// "suspend", "unsuspend", "dismiss".
    pub action: &'a str,
    /// e.g. "forum_topic", "forum_reply", "forum_report", "chat_message", "user".
    pub target_type: &'a str,
    pub target_id: Option<i64>,
    pub target_user_id: Option<i64>,
    pub reason: &'a str,
}

/// Stores a moderation action with who, when, what and why.
pub async fn record_action(db: &Db, a: ModerationAction<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO moderation_actions (actor_id, action, target_type, target_id, \
         target_user_id, reason, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(a.actor_id)
    .bind(a.action)
    .bind(a.target_type)
    .bind(a.target_id)
    .bind(a.target_user_id)
    .bind(a.reason)
    .bind(db.now())
    .fetch_one(&db.pool)
    .await
}

#[derive(Clone, Debug, FromRow, serde::Serialize)]
pub struct ActionRow {
    pub id: i64,
    pub actor_name: Option<String>,
    pub action: String,
    pub target_type: String,
    pub target_id: Option<i64>,
    pub target_user_name: Option<String>,
    pub reason: String,
    pub created_at: String,
    /// The title of the topic acted on (or of the reply's topic), while it exists.
    pub topic_title: Option<String>,
    /// The topic whose page shows the target (a topic, a reply), while it exists.
    pub topic_id: Option<i64>,
    /// The chat room of a chat message acted on.
    pub chat_room_id: Option<i64>,
}

/// The newest moderation actions (every feature's).
pub async fn recent_actions(db: &Db, limit: i64) -> Result<Vec<ActionRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT m.id, a.name AS actor_name, m.action, m.target_type, m.target_id, \
         u.name AS target_user_name, m.reason, m.created_at, \
         COALESCE(ft.title, rt.title) AS topic_title, COALESCE(ft.id, rt.id) AS topic_id, \
         cm.room_id AS chat_room_id \
         FROM moderation_actions m LEFT JOIN users a ON a.id = m.actor_id \
         LEFT JOIN users u ON u.id = m.target_user_id \
         LEFT JOIN forum_topics ft ON m.target_type = 'forum_topic' AND ft.id = m.target_id \
         LEFT JOIN forum_replies fr ON m.target_type = 'forum_reply' AND fr.id = m.target_id \
         LEFT JOIN forum_topics rt ON rt.id = fr.topic_id \
         LEFT JOIN chat_messages cm ON m.target_type = 'chat_message' AND cm.id = m.target_id \
         ORDER BY m.id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}

/// A user's name (for moderation forms).
pub async fn user_name(db: &Db, user_id: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT name FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&db.pool)
        .await
}
