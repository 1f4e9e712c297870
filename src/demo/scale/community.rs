//! Bulk forum categories, topics and replies, and chat messages.

use anyhow::Context;
use rand::Rng;
use time::{Duration, OffsetDateTime};

use super::words::{CATEGORIES, CHAT_LINES, FORUM_CATEGORIES, TOPIC_PATTERNS};
use super::{Run, V, ago, insert_rows, max_id, popular, sentences};
use crate::db;

/// The public forum categories (created once; the demo's are kept).
pub(super) async fn forum_categories(run: &Run<'_>) -> anyhow::Result<Vec<i64>> {
    for (slug, name, description) in FORUM_CATEGORIES {
        crate::forum::queries::create_category(run.db, slug, name, description).await?;
    }
    Ok(
        sqlx::query_scalar("SELECT id FROM forum_categories ORDER BY id")
            .fetch_all(&run.db.pool)
            .await?,
    )
}

/// The bulk topics with how many replies each gets and when they were active.
pub(super) struct Topics {
    ids: Vec<i64>,
    replies: Vec<usize>,
    times: Vec<(OffsetDateTime, OffsetDateTime)>,
}

/// Topics (a tenth of the posts) in the public categories and in course forums; the replies
/// to come are spread over them now (popular topics get more) to date their last activity.
pub(super) async fn forum_topics(
    run: &mut Run<'_>,
    forum_categories: &[i64],
    published: &[i64],
    user_ids: &[i64],
) -> anyhow::Result<Topics> {
    let rng = &mut run.rng;
    let topic_count = (run.targets.forum_posts / 10).max(1);
    let reply_count = run.targets.forum_posts - topic_count;
    let mut replies_per_topic = vec![0usize; topic_count];
    for _ in 0..reply_count {
        replies_per_topic[popular(rng, topic_count)] += 1;
    }
    let all_subjects: Vec<&str> = CATEGORIES
        .iter()
        .flat_map(|c| c.2.iter().copied())
        .collect();
    let mut topic_rows = Vec::with_capacity(topic_count * 8);
    let mut topic_times = Vec::with_capacity(topic_count);
    for replies in &replies_per_topic {
        let subject = all_subjects[rng.random_range(0..all_subjects.len())];
        let pattern = TOPIC_PATTERNS[rng.random_range(0..TOPIC_PATTERNS.len())];
        let created = ago(rng, run.now, 365);
        // Replies come within the topic's first days, one every few hours at most.
        let last = created + Duration::minutes(*replies as i64 * rng.random_range(5..=240));
        let last = last.min(run.now);
        let count = rng.random_range(2..=5);
        let body = sentences(rng, count);
        let in_course = forum_categories.is_empty() || rng.random_range(0..5) < 2;
        let (category, course) = if in_course {
            (V::Null, V::I(published[popular(rng, published.len())]))
        } else {
            (
                V::I(forum_categories[rng.random_range(0..forum_categories.len())]),
                V::Null,
            )
        };
        topic_rows.extend([
            category,
            course,
            V::I(user_ids[rng.random_range(0..user_ids.len())]),
            V::S(pattern.replace("{s}", subject)),
            V::S(body),
            V::S(db::timestamp(last)),
            V::S(db::timestamp(created)),
        ]);
        topic_times.push((created, last));
    }
    let before = max_id(run.db, "forum_topics").await?;
    let mut tx = run.db.pool.begin().await?;
    insert_rows(
        &mut tx,
        "forum_topics (category_id, course_id, author_id, title, body, last_activity_at, \
         created_at)",
        7,
        topic_rows,
    )
    .await
    .context("sujets du forum")?;
    tx.commit().await?;
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM forum_topics WHERE id > $1 ORDER BY id")
        .bind(before)
        .fetch_all(&run.db.pool)
        .await?;
    run.report.forum_topics = ids.len();
    Ok(Topics {
        ids,
        replies: replies_per_topic,
        times: topic_times,
    })
}

/// Replies, evenly over each topic's active period.
pub(super) async fn forum_replies(
    run: &mut Run<'_>,
    topics: &Topics,
    user_ids: &[i64],
) -> anyhow::Result<()> {
    let rng = &mut run.rng;
    let mut rows = Vec::new();
    for ((topic, replies), (created, last)) in
        topics.ids.iter().zip(&topics.replies).zip(&topics.times)
    {
        let span = (*last - *created).whole_seconds().max(1);
        for n in 0..*replies {
            let at = *created + Duration::seconds(span * (n as i64 + 1) / *replies as i64);
            let count = rng.random_range(1..=3);
            rows.extend([
                V::I(*topic),
                V::I(user_ids[rng.random_range(0..user_ids.len())]),
                V::S(sentences(rng, count)),
                V::S(db::timestamp(at)),
            ]);
        }
    }
    run.report.forum_replies = rows.len() / 4;
    let mut tx = run.db.pool.begin().await?;
    insert_rows(
        &mut tx,
        "forum_replies (topic_id, author_id, body, created_at)",
        4,
        rows,
    )
    .await
    .context("réponses du forum")?;
    tx.commit().await?;
    Ok(())
}

/// Chat: the general room and the rooms of the ten most popular courses.
pub(super) async fn chat_messages(
    run: &mut Run<'_>,
    published: &[i64],
    learners: &[i64],
) -> anyhow::Result<()> {
    let mut rooms = vec![crate::chat::queries::general_room(run.db).await?];
    for course in published.iter().take(10) {
        rooms.push(crate::chat::queries::course_room(run.db, *course).await?);
    }
    let rng = &mut run.rng;
    let mut times: Vec<OffsetDateTime> = (0..run.targets.chat_messages)
        .map(|_| ago(rng, run.now, 60))
        .collect();
    times.sort();
    let mut rows = Vec::with_capacity(run.targets.chat_messages * 4);
    for at in times {
        let room = if rng.random_range(0..2) == 0 {
            rooms[0]
        } else {
            rooms[rng.random_range(0..rooms.len())]
        };
        rows.extend([
            V::I(room),
            V::I(learners[rng.random_range(0..learners.len())]),
            V::S(CHAT_LINES[rng.random_range(0..CHAT_LINES.len())].to_owned()),
            V::S(db::timestamp(at)),
        ]);
    }
    run.report.chat_messages = rows.len() / 4;
    let mut tx = run.db.pool.begin().await?;
    insert_rows(
        &mut tx,
        "chat_messages (room_id, user_id, body, created_at)",
        4,
        rows,
    )
    .await
    .context("messages de discussion")?;
    tx.commit().await?;
    Ok(())
}
